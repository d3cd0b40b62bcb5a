package pgerr

import (
	"context"
	"errors"
	"fmt"
)

// Severity is the S field of an ErrorResponse or NoticeResponse.
type Severity string

const (
	SeverityError   Severity = "ERROR"
	SeverityFatal   Severity = "FATAL"
	SeverityPanic   Severity = "PANIC"
	SeverityWarning Severity = "WARNING"
	SeverityNotice  Severity = "NOTICE"
	SeverityInfo    Severity = "INFO"
	SeverityLog     Severity = "LOG"
	SeverityDebug   Severity = "DEBUG"
)

// Error is an error that reaches a PostgreSQL client as an ErrorResponse.
// Position is the 1-based character offset into the statement text, 0 when
// unknown. Err, when set, is the underlying cause (kept for logs, never sent).
type Error struct {
	Severity Severity
	Code     Code
	Message  string
	Detail   string
	Hint     string
	Position int32
	Err      error
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Err != nil {
		return e.Err.Error()
	}
	return string(e.Code)
}

func (e *Error) Unwrap() error { return e.Err }

// SQLState returns the error's code; it satisfies the interface that pgx's
// pgconn and this package's CodeOf read.
func (e *Error) SQLState() string { return string(e.Code) }

// New returns an ERROR with the code and a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Severity: SeverityError, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an ERROR with the code whose message is msg and whose cause is err.
func Wrap(err error, code Code, msg string) *Error {
	return &Error{Severity: SeverityError, Code: code, Message: msg, Err: err}
}

// WithDetail returns a copy of e carrying the detail text.
func (e *Error) WithDetail(format string, args ...any) *Error {
	c := *e
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

// WithHint returns a copy of e carrying the hint text.
func (e *Error) WithHint(format string, args ...any) *Error {
	c := *e
	c.Hint = fmt.Sprintf(format, args...)
	return &c
}

// WithPosition returns a copy of e carrying the 1-based statement position.
func (e *Error) WithPosition(pos int32) *Error {
	c := *e
	c.Position = pos
	return &c
}

// sqlStater is implemented by errors that know their SQLSTATE, such as
// *Error and pgx's *pgconn.PgError.
type sqlStater interface{ SQLState() string }

// CodeOf returns the SQLSTATE carried by err or any error it wraps.
// Context cancellation reads as QueryCanceled; anything else unknown is
// InternalError.
func CodeOf(err error) Code {
	if err == nil {
		return SuccessfulCompletion
	}
	var s sqlStater
	if errors.As(err, &s) {
		return Code(s.SQLState())
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return QueryCanceled
	}
	return InternalError
}

// From returns err as an *Error: the one it wraps, or a new InternalError
// carrying err's text. A nil err gives nil.
func From(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	code := CodeOf(err)
	msg := err.Error()
	if code == QueryCanceled {
		msg = "canceling statement due to user request"
	}
	return &Error{Severity: SeverityError, Code: code, Message: msg, Err: err}
}
