package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Error is an error answered to the client as
//
//	{"detail": {"error": Code, "message": Message, "details": Details}}
//
// with Status. Handlers return it (or any error, which toAPIError maps)
// and the route wrapper writes it.
type Error struct {
	Status  int
	Code    string // snake_case, stable: clients branch on it
	Message string
	Details map[string]any
	Err     error // the cause, logged and never sent
}

func (e *Error) Error() string { return e.Message }
func (e *Error) Unwrap() error { return e.Err }

// errorf returns an *Error with a formatted message.
func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// with returns a copy of e carrying one more detail.
func (e *Error) with(key string, value any) *Error {
	c := *e
	c.Details = make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		c.Details[k] = v
	}
	c.Details[key] = value
	return &c
}

// Errors every route may return.
func errUnauthorized(msg string) *Error {
	return errorf(http.StatusUnauthorized, "unauthorized", "%s", msg)
}

func errForbidden(msg string) *Error { return errorf(http.StatusForbidden, "forbidden", "%s", msg) }

func errNotFound(kind, name string) *Error {
	return errorf(http.StatusNotFound, kind+"_not_found", "%s %q not found", kind, name)
}

func errConflict(code, format string, args ...any) *Error {
	return errorf(http.StatusConflict, code, format, args...)
}

func errBadRequest(code, format string, args ...any) *Error {
	return errorf(http.StatusBadRequest, code, format, args...)
}

// validationError is a 422 in the shape FastAPI gives the Python service's
// clients, carried inside the common error body: details.errors holds
// {"loc": [...], "msg": "...", "type": "..."} entries.
func validationError(loc []any, msg, typ string) *Error {
	e := errorf(http.StatusUnprocessableEntity, "validation_error", "%s: %s", locString(loc), msg)
	return e.with("errors", []map[string]any{{"loc": loc, "msg": msg, "type": typ}})
}

func locString(loc []any) string {
	s := ""
	for i, l := range loc {
		if i > 0 {
			s += "."
		}
		s += fmt.Sprint(l)
	}
	return s
}

// statusBySQLState maps the SQLSTATEs the engine returns to HTTP. This is
// the one place that decides it; classes not listed fall back by class in
// toAPIError.
var statusBySQLState = map[pgerr.Code]struct {
	status int
	code   string
}{
	pgerr.InvalidName:                  {http.StatusBadRequest, "invalid_name"},
	pgerr.InvalidTextRepresentation:    {http.StatusBadRequest, "invalid_value"},
	pgerr.InvalidParameterValue:        {http.StatusBadRequest, "invalid_value"},
	pgerr.DatatypeMismatch:             {http.StatusBadRequest, "invalid_value"},
	pgerr.UndefinedObject:              {http.StatusBadRequest, "invalid_type"},
	pgerr.UndefinedColumn:              {http.StatusBadRequest, "column_not_found"},
	pgerr.SyntaxError:                  {http.StatusBadRequest, "invalid_request"},
	pgerr.FeatureNotSupported:          {http.StatusBadRequest, "not_supported"},
	pgerr.UndefinedTable:               {http.StatusNotFound, "table_not_found"},
	pgerr.InvalidSchemaName:            {http.StatusNotFound, "bucket_not_found"},
	pgerr.DuplicateTable:               {http.StatusConflict, "table_exists"},
	pgerr.DuplicateSchema:              {http.StatusConflict, "bucket_exists"},
	pgerr.DuplicateColumn:              {http.StatusConflict, "column_exists"},
	pgerr.DuplicateObject:              {http.StatusConflict, "already_exists"},
	pgerr.UniqueViolation:              {http.StatusConflict, "unique_violation"},
	pgerr.NotNullViolation:             {http.StatusConflict, "not_null_violation"},
	pgerr.LockNotAvailable:             {http.StatusConflict, "table_locked"},
	pgerr.ObjectInUse:                  {http.StatusConflict, "object_in_use"},
	pgerr.ObjectNotInPrerequisiteState: {http.StatusConflict, "invalid_state"},
	pgerr.InsufficientPrivilege:        {http.StatusForbidden, "forbidden"},
	pgerr.ProgramLimitExceeded:         {http.StatusRequestEntityTooLarge, "too_large"},
	pgerr.AdminShutdown:                {http.StatusServiceUnavailable, "shutting_down"},
	pgerr.QueryCanceled:                {http.StatusServiceUnavailable, "canceled"},
}

// toAPIError turns any error from a handler into the *Error answered:
// *Error as is; catalog.ErrNotFound and ErrExists as 404 and 409;
// SQLSTATEs through statusBySQLState, then by class (22 data and 42
// syntax/access errors are the client's: 400; 23 constraint violations:
// 409; 53 resources: 503); anything else is a 500 whose message says
// nothing about the cause.
func toAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
			Message: fmt.Sprintf("request body larger than %d bytes", mbe.Limit), Err: err}
	}
	switch {
	case errors.Is(err, catalog.ErrNotFound):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: err.Error(), Err: err}
	case errors.Is(err, catalog.ErrExists):
		return &Error{Status: http.StatusConflict, Code: "already_exists", Message: err.Error(), Err: err}
	}
	var pe *pgerr.Error
	if !errors.As(err, &pe) {
		if code := pgerr.CodeOf(err); code != pgerr.InternalError {
			pe = pgerr.New(code, "%s", err.Error())
		}
	}
	if pe == nil {
		return internalError(err)
	}
	msg := pe.Message
	if pe.Hint != "" {
		msg += " (" + pe.Hint + ")"
	}
	out := &Error{Message: msg, Err: err, Details: map[string]any{"sqlstate": string(pe.Code)}}
	if m, ok := statusBySQLState[pe.Code]; ok {
		out.Status, out.Code = m.status, m.code
		return out
	}
	switch pe.Code.Class() {
	case "22", "42":
		out.Status, out.Code = http.StatusBadRequest, "invalid_request"
	case "23":
		out.Status, out.Code = http.StatusConflict, "constraint_violation"
	case "53":
		out.Status, out.Code = http.StatusServiceUnavailable, "insufficient_resources"
	default:
		return internalError(err)
	}
	return out
}

func internalError(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal_error",
		Message: "internal error; the server log has the cause under this request id", Err: err}
}

type errorBody struct {
	Detail errorDetail `json:"detail"`
}

type errorDetail struct {
	Error   string         `json:"error" doc:"snake_case error code"`
	Message string         `json:"message" doc:"human-readable message"`
	Details map[string]any `json:"details" doc:"more about the error; request_id on every error"`
}

// writeError answers err. The request id goes into details so that a
// client can quote it.
func writeError(w http.ResponseWriter, requestID string, err error) *Error {
	e := toAPIError(err)
	details := make(map[string]any, len(e.Details)+1)
	for k, v := range e.Details {
		details[k] = v
	}
	if requestID != "" {
		details["request_id"] = requestID
	}
	if e.Status == http.StatusConflict && e.Code == "table_locked" {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.Status, errorBody{errorDetail{Error: e.Code, Message: e.Message, Details: details}})
	return e
}
