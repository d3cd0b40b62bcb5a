//go:build duckdb_arrow

package duck

import (
	"strings"

	bindings "github.com/duckdb/duckdb-go-bindings"
)

// ErrorType is DuckDB's exception type (duckdb_error_type).
type ErrorType int

// DuckDB's exception types.
const (
	ErrorInvalid              = ErrorType(bindings.ErrorTypeInvalid)
	ErrorOutOfRange           = ErrorType(bindings.ErrorTypeOutOfRange)
	ErrorConversion           = ErrorType(bindings.ErrorTypeConversion)
	ErrorUnknownType          = ErrorType(bindings.ErrorTypeUnknownType)
	ErrorDecimal              = ErrorType(bindings.ErrorTypeDecimal)
	ErrorMismatchType         = ErrorType(bindings.ErrorTypeMismatchType)
	ErrorDivideByZero         = ErrorType(bindings.ErrorTypeDivideByZero)
	ErrorObjectSize           = ErrorType(bindings.ErrorTypeObjectSize)
	ErrorInvalidType          = ErrorType(bindings.ErrorTypeInvalidType)
	ErrorSerialization        = ErrorType(bindings.ErrorTypeSerialization)
	ErrorTransaction          = ErrorType(bindings.ErrorTypeTransaction)
	ErrorNotImplemented       = ErrorType(bindings.ErrorTypeNotImplemented)
	ErrorExpression           = ErrorType(bindings.ErrorTypeExpression)
	ErrorCatalog              = ErrorType(bindings.ErrorTypeCatalog)
	ErrorParser               = ErrorType(bindings.ErrorTypeParser)
	ErrorPlanner              = ErrorType(bindings.ErrorTypePlanner)
	ErrorScheduler            = ErrorType(bindings.ErrorTypeScheduler)
	ErrorExecutor             = ErrorType(bindings.ErrorTypeExecutor)
	ErrorConstraint           = ErrorType(bindings.ErrorTypeConstraint)
	ErrorIndex                = ErrorType(bindings.ErrorTypeIndex)
	ErrorStat                 = ErrorType(bindings.ErrorTypeStat)
	ErrorConnection           = ErrorType(bindings.ErrorTypeConnection)
	ErrorSyntax               = ErrorType(bindings.ErrorTypeSyntax)
	ErrorSettings             = ErrorType(bindings.ErrorTypeSettings)
	ErrorBinder               = ErrorType(bindings.ErrorTypeBinder)
	ErrorNetwork              = ErrorType(bindings.ErrorTypeNetwork)
	ErrorOptimizer            = ErrorType(bindings.ErrorTypeOptimizer)
	ErrorNullPointer          = ErrorType(bindings.ErrorTypeNullPointer)
	ErrorIO                   = ErrorType(bindings.ErrorTypeErrorIO)
	ErrorInterrupt            = ErrorType(bindings.ErrorTypeInterrupt)
	ErrorFatal                = ErrorType(bindings.ErrorTypeFatal)
	ErrorInternal             = ErrorType(bindings.ErrorTypeInternal)
	ErrorInvalidInput         = ErrorType(bindings.ErrorTypeInvalidInput)
	ErrorOutOfMemory          = ErrorType(bindings.ErrorTypeOutOfMemory)
	ErrorPermission           = ErrorType(bindings.ErrorTypePermission)
	ErrorParameterNotResolved = ErrorType(bindings.ErrorTypeParameterNotResolved)
	ErrorParameterNotAllowed  = ErrorType(bindings.ErrorTypeParameterNotAllowed)
	ErrorDependency           = ErrorType(bindings.ErrorTypeDependency)
	ErrorHTTP                 = ErrorType(bindings.ErrorTypeHTTP)
	ErrorMissingExtension     = ErrorType(bindings.ErrorTypeMissingExtension)
	ErrorAutoload             = ErrorType(bindings.ErrorTypeAutoload)
	ErrorSequence             = ErrorType(bindings.ErrorTypeSequence)
	ErrorInvalidConfiguration = ErrorType(bindings.ErrorTypeInvalidConfiguration)
)

// Error is an error DuckDB raised, with its exception type.
type Error struct {
	Type ErrorType
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// exceptionNames is DuckDB's serialization of its ExceptionType enum
// (Exception::ExceptionTypeToString), the header of every message it
// renders. duckdb_prepare_error returns only that rendered message, so a
// failed prepare gets its type back from this header, as the Go driver does.
var exceptionNames = map[string]ErrorType{
	"Invalid": ErrorInvalid, "Out of Range": ErrorOutOfRange, "Conversion": ErrorConversion,
	"Unknown Type": ErrorUnknownType, "Decimal": ErrorDecimal, "Mismatch Type": ErrorMismatchType,
	"Divide by Zero": ErrorDivideByZero, "Object Size": ErrorObjectSize, "Invalid type": ErrorInvalidType,
	"Serialization": ErrorSerialization, "TransactionContext": ErrorTransaction,
	"Not implemented": ErrorNotImplemented, "Expression": ErrorExpression, "Catalog": ErrorCatalog,
	"Parser": ErrorParser, "Planner": ErrorPlanner, "Scheduler": ErrorScheduler,
	"Executor": ErrorExecutor, "Constraint": ErrorConstraint, "Index": ErrorIndex, "Stat": ErrorStat,
	"Connection": ErrorConnection, "Syntax": ErrorSyntax, "Settings": ErrorSettings,
	"Binder": ErrorBinder, "Network": ErrorNetwork, "Optimizer": ErrorOptimizer,
	"NullPointer": ErrorNullPointer, "IO": ErrorIO, "INTERRUPT": ErrorInterrupt, "FATAL": ErrorFatal,
	"INTERNAL": ErrorInternal, "Invalid Input": ErrorInvalidInput, "Out of Memory": ErrorOutOfMemory,
	"Permission": ErrorPermission, "Parameter Not Resolved": ErrorParameterNotResolved,
	"Parameter Not Allowed": ErrorParameterNotAllowed, "Dependency": ErrorDependency,
	"HTTP": ErrorHTTP, "Missing Extension": ErrorMissingExtension,
	"Extension Autoloading": ErrorAutoload, "Sequence": ErrorSequence,
	"Invalid Configuration": ErrorInvalidConfiguration,
}

// errorFromMessage types a rendered DuckDB message by its exception header.
func errorFromMessage(msg string) *Error {
	if head, _, ok := strings.Cut(msg, " Error: "); ok {
		if t, ok := exceptionNames[head]; ok {
			return &Error{Type: t, Msg: msg}
		}
	}
	return &Error{Type: ErrorInvalid, Msg: msg}
}

func resultError(res *bindings.Result) *Error {
	return &Error{Type: ErrorType(bindings.ResultErrorType(res)), Msg: bindings.ResultError(res)}
}

func errorData(ed bindings.ErrorData) *Error {
	defer bindings.DestroyErrorData(&ed)
	if !bindings.ErrorDataHasError(ed) {
		return nil
	}
	return &Error{Type: ErrorType(bindings.ErrorDataErrorType(ed)), Msg: bindings.ErrorDataMessage(ed)}
}
