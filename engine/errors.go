package engine

import (
	"context"
	"errors"
	"strings"

	"github.com/duckstore/duckstore/engine/duck"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// sqlstateByType maps DuckDB's exception types to SQLSTATEs.
var sqlstateByType = map[duck.ErrorType]pgerr.Code{
	duck.ErrorOutOfRange:           pgerr.NumericValueOutOfRange,
	duck.ErrorConversion:           pgerr.InvalidTextRepresentation,
	duck.ErrorUnknownType:          pgerr.UndefinedObject,
	duck.ErrorDecimal:              pgerr.NumericValueOutOfRange,
	duck.ErrorMismatchType:         pgerr.DatatypeMismatch,
	duck.ErrorDivideByZero:         pgerr.DivisionByZero,
	duck.ErrorObjectSize:           pgerr.ProgramLimitExceeded,
	duck.ErrorInvalidType:          pgerr.DatatypeMismatch,
	duck.ErrorSerialization:        pgerr.InternalError,
	duck.ErrorTransaction:          pgerr.SerializationFailure,
	duck.ErrorNotImplemented:       pgerr.FeatureNotSupported,
	duck.ErrorExpression:           pgerr.SyntaxErrorOrAccessRuleViolation,
	duck.ErrorCatalog:              pgerr.UndefinedObject,
	duck.ErrorParser:               pgerr.SyntaxError,
	duck.ErrorSyntax:               pgerr.SyntaxError,
	duck.ErrorPlanner:              pgerr.InternalError,
	duck.ErrorScheduler:            pgerr.InternalError,
	duck.ErrorExecutor:             pgerr.InternalError,
	duck.ErrorConstraint:           pgerr.IntegrityConstraintViolation,
	duck.ErrorIndex:                pgerr.InternalError,
	duck.ErrorConnection:           pgerr.ConnectionException,
	duck.ErrorSettings:             pgerr.InvalidParameterValue,
	duck.ErrorBinder:               pgerr.SyntaxErrorOrAccessRuleViolation,
	duck.ErrorNetwork:              pgerr.ConnectionException,
	duck.ErrorIO:                   pgerr.IOError,
	duck.ErrorInterrupt:            pgerr.QueryCanceled,
	duck.ErrorFatal:                pgerr.InternalError,
	duck.ErrorInternal:             pgerr.InternalError,
	duck.ErrorInvalidInput:         pgerr.InvalidParameterValue,
	duck.ErrorOutOfMemory:          pgerr.OutOfMemory,
	duck.ErrorPermission:           pgerr.InsufficientPrivilege,
	duck.ErrorParameterNotResolved: pgerr.IndeterminateDatatype,
	duck.ErrorParameterNotAllowed:  pgerr.SyntaxError,
	duck.ErrorDependency:           pgerr.ObjectInUse,
	duck.ErrorMissingExtension:     pgerr.FeatureNotSupported,
	duck.ErrorAutoload:             pgerr.FeatureNotSupported,
	duck.ErrorSequence:             pgerr.ObjectNotInPrerequisiteState,
}

// refinements split the broad Catalog, Binder and Constraint types into
// the SQLSTATEs clients branch on. DuckDB's C API returns no subtype for
// them, so the distinction rests on the fixed sentences DuckDB uses for
// each case (the type decides first; these only narrow it).
var refinements = map[duck.ErrorType][]struct {
	phrase string
	code   pgerr.Code
}{
	duck.ErrorCatalog: {
		{"Table with name", pgerr.UndefinedTable},
		{"Table Function with name", pgerr.UndefinedFunction},
		{"Scalar Function with name", pgerr.UndefinedFunction},
		{"Function with name", pgerr.UndefinedFunction},
		{"Macro Function with name", pgerr.UndefinedFunction},
		{"Schema with name", pgerr.InvalidSchemaName},
		{"Type with name", pgerr.UndefinedObject},
		{"already exists", pgerr.DuplicateObject},
	},
	duck.ErrorBinder: {
		{"Referenced column", pgerr.UndefinedColumn},
		// PostgreSQL: missing FROM-clause entry for table "x".
		{"Referenced table", pgerr.UndefinedTable},
		{"not found in FROM clause", pgerr.UndefinedColumn},
		{"does not have a column named", pgerr.UndefinedColumn},
		{"Table \"", pgerr.UndefinedColumn},
		{"No function matches", pgerr.UndefinedFunction},
		{"Ambiguous reference", pgerr.AmbiguousColumn},
		{"must appear in the GROUP BY clause", pgerr.GroupingError},
		{"Could not choose a best candidate function", pgerr.AmbiguousFunction},
		{"Cannot mix values of type", pgerr.DatatypeMismatch},
	},
	duck.ErrorConstraint: {
		{"NOT NULL constraint", pgerr.NotNullViolation},
		{"Duplicate key", pgerr.UniqueViolation},
		{"duplicate key", pgerr.UniqueViolation},
		{"violates primary key", pgerr.UniqueViolation},
		{"violates unique constraint", pgerr.UniqueViolation},
		{"CHECK constraint", pgerr.CheckViolation},
		{"foreign key", pgerr.ForeignKeyViolation},
	},
	duck.ErrorInvalidInput: {
		{"division by zero", pgerr.DivisionByZero},
		{"Malformed JSON", pgerr.InvalidJSONText},
		{"Could not convert string", pgerr.InvalidTextRepresentation},
	},
}

// SQLState returns the SQLSTATE for an error from DuckDB (or any error;
// unknown ones are XX000).
func SQLState(err error) pgerr.Code {
	var de *duck.Error
	if !errors.As(err, &de) {
		return pgerr.CodeOf(err)
	}
	for _, r := range refinements[de.Type] {
		if strings.Contains(de.Msg, r.phrase) {
			return r.code
		}
	}
	if c, ok := sqlstateByType[de.Type]; ok {
		return c
	}
	return pgerr.InternalError
}

// Error converts an error from DuckDB into a *pgerr.Error with its
// SQLSTATE, keeping DuckDB's message. nil stays nil; errors that already
// carry a SQLSTATE pass through.
func Error(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgerr.Error
	if errors.As(err, &pe) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return pgerr.Wrap(err, pgerr.QueryCanceled, "canceling statement due to user request")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return pgerr.Wrap(err, pgerr.QueryCanceled, "canceling statement due to statement timeout")
	}
	var de *duck.Error
	if !errors.As(err, &de) {
		return err
	}
	return &pgerr.Error{Severity: pgerr.SeverityError, Code: SQLState(err), Message: de.Msg, Err: err}
}
