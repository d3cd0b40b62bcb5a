package load

import (
	"fmt"
	"strings"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Error is a load refused because of its input or options. Kind is a
// snake_case code for the HTTP API, Details the structured facts behind
// the message (columns, row, value); the wrapped *pgerr.Error carries the
// SQLSTATE for PostgreSQL clients.
type Error struct {
	Kind    string
	Details map[string]any
	Err     *pgerr.Error
}

// Kinds of Error.
const (
	KindInvalidOption  = "invalid_option"  // an option's value is not allowed
	KindColumnMismatch = "column_mismatch" // the source's columns do not match the table's
	KindInvalidHeader  = "invalid_header"  // the header cannot be read or names a column twice
	KindInvalidValue   = "invalid_value"   // a value does not fit its column, or a line is malformed
	KindDuplicateKey   = "duplicate_key"   // fail_on_duplicates met a taken key
	KindNotNull        = "not_null_violation"
	KindUnreadable     = "unreadable_source" // the file is missing, not a CSV/Parquet file, or compressed unlike its siblings
)

func (e *Error) Error() string { return e.Err.Message }

// Unwrap returns the *pgerr.Error.
func (e *Error) Unwrap() error { return e.Err }

// SQLState returns the SQLSTATE.
func (e *Error) SQLState() string { return string(e.Err.Code) }

func newError(kind string, code pgerr.Code, details map[string]any, format string, args ...any) *Error {
	return &Error{Kind: kind, Details: details, Err: pgerr.New(code, format, args...)}
}

func invalidOption(name, value, allowed string) *Error {
	return newError(KindInvalidOption, pgerr.InvalidParameterValue, map[string]any{"option": name, "value": value},
		"invalid %s %q: use %s", name, value, allowed)
}

func joinNames(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}
