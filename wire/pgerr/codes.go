package pgerr

// Code is a five-character SQLSTATE. The first two characters are the class.
type Code string

// Class returns the two-character class of the code, such as "42".
func (c Code) Class() string {
	if len(c) < 2 {
		return "XX"
	}
	return string(c[:2])
}

// The SQLSTATE codes duckstore uses. Names follow PostgreSQL's errcodes.txt.
const (
	SuccessfulCompletion Code = "00000"
	Warning              Code = "01000"

	ConnectionException                           Code = "08000"
	ConnectionFailure                             Code = "08006"
	ProtocolViolation                             Code = "08P01"
	SQLClientUnableToEstablishSQLConnection       Code = "08001"
	SQLServerRejectedEstablishmentOfSQLConnection Code = "08004"

	FeatureNotSupported Code = "0A000"

	CardinalityViolation Code = "21000"

	DataException               Code = "22000"
	StringDataRightTruncation   Code = "22001"
	NumericValueOutOfRange      Code = "22003"
	NullValueNotAllowed         Code = "22004"
	InvalidDatetimeFormat       Code = "22007"
	DatetimeFieldOverflow       Code = "22008"
	InvalidTimeZoneDisplacement Code = "22009"
	InvalidParameterValue       Code = "22023"
	DivisionByZero              Code = "22012"
	InvalidEscapeSequence       Code = "22025"
	InvalidTextRepresentation   Code = "22P02"
	InvalidBinaryRepresentation Code = "22P03"
	BadCopyFileFormat           Code = "22P04"
	UntranslatableCharacter     Code = "22P05"
	CharacterNotInRepertoire    Code = "22021"
	InvalidJSONText             Code = "22032"

	IntegrityConstraintViolation Code = "23000"
	NotNullViolation             Code = "23502"
	ForeignKeyViolation          Code = "23503"
	UniqueViolation              Code = "23505"
	CheckViolation               Code = "23514"

	InvalidCursorState                Code = "24000"
	InvalidTransactionState           Code = "25000"
	ActiveSQLTransaction              Code = "25001"
	NoActiveSQLTransaction            Code = "25P01"
	InFailedSQLTransaction            Code = "25P02"
	ReadOnlySQLTransaction            Code = "25006"
	InvalidSQLStatementName           Code = "26000"
	InvalidAuthorizationSpecification Code = "28000"
	InvalidPassword                   Code = "28P01"
	InvalidCursorName                 Code = "34000"
	InvalidCatalogName                Code = "3D000"
	InvalidSchemaName                 Code = "3F000"

	SerializationFailure Code = "40001"
	DeadlockDetected     Code = "40P01"

	SyntaxErrorOrAccessRuleViolation Code = "42000"
	SyntaxError                      Code = "42601"
	InsufficientPrivilege            Code = "42501"
	UndefinedColumn                  Code = "42703"
	UndefinedFunction                Code = "42883"
	UndefinedTable                   Code = "42P01"
	UndefinedParameter               Code = "42P02"
	UndefinedObject                  Code = "42704"
	DuplicateColumn                  Code = "42701"
	DuplicateCursor                  Code = "42P03"
	DuplicateDatabase                Code = "42P04"
	DuplicatePreparedStatement       Code = "42P05"
	DuplicateSchema                  Code = "42P06"
	DuplicateTable                   Code = "42P07"
	DuplicateObject                  Code = "42710"
	AmbiguousColumn                  Code = "42702"
	AmbiguousFunction                Code = "42725"
	DatatypeMismatch                 Code = "42804"
	WrongObjectType                  Code = "42809"
	InvalidColumnDefinition          Code = "42611"
	InvalidName                      Code = "42602"
	IndeterminateDatatype            Code = "42P18"
	InvalidTableDefinition           Code = "42P16"
	GroupingError                    Code = "42803"
	UndefinedPreparedStatement       Code = "26000"

	InsufficientResources      Code = "53000"
	DiskFull                   Code = "53100"
	OutOfMemory                Code = "53200"
	TooManyConnections         Code = "53300"
	ConfigurationLimitExceeded Code = "53400"

	ProgramLimitExceeded Code = "54000"

	ObjectNotInPrerequisiteState Code = "55000"
	ObjectInUse                  Code = "55006"
	LockNotAvailable             Code = "55P03"

	OperatorIntervention Code = "57000"
	QueryCanceled        Code = "57014"
	AdminShutdown        Code = "57P01"
	CannotConnectNow     Code = "57P03"
	IdleSessionTimeout   Code = "57P05"

	SystemError Code = "58000"
	IOError     Code = "58030"

	ConfigFileError Code = "F0000"

	InternalError Code = "XX000"
	DataCorrupted Code = "XX001"
)
