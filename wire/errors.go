package wire

import (
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// errorResponse builds an ErrorResponse with the fields PostgreSQL sends
// (https://www.postgresql.org/docs/current/protocol-error-fields.html):
// S and V (severity), C (SQLSTATE), M, D, H and P (1-based position).
func errorResponse(e *pgerr.Error) *pgproto3.ErrorResponse {
	sev := string(e.Severity)
	if sev == "" {
		sev = string(pgerr.SeverityError)
	}
	code := e.Code
	if len(code) != 5 {
		code = pgerr.InternalError
	}
	msg := e.Message
	if msg == "" {
		msg = e.Error()
	}
	return &pgproto3.ErrorResponse{
		Severity:            sev,
		SeverityUnlocalized: sev,
		Code:                string(code),
		Message:             msg,
		Detail:              e.Detail,
		Hint:                e.Hint,
		Position:            e.Position,
	}
}

// sendError sends an ErrorResponse and counts it. Like PostgreSQL's
// send_message_to_frontend it flushes at once, so that a client that sent
// Flush (or nothing) after the failing message still learns of the error.
func (c *conn) sendError(e *pgerr.Error) {
	c.srv.metrics.errors.WithLabelValues(e.Code.Class()).Inc()
	if e.Code == pgerr.InternalError || e.Code == "" {
		c.log.Warn("internal error", "err", e, "cause", e.Err)
	}
	c.out.send(errorResponse(e))
	c.out.flush()
}

// fatal sends e as a FATAL error and returns errConnDone: the connection
// closes after it, as PostgreSQL's backend exits after a FATAL.
func (c *conn) fatal(e *pgerr.Error) error {
	if e.Severity != pgerr.SeverityFatal {
		c2 := *e
		c2.Severity = pgerr.SeverityFatal
		e = &c2
	}
	c.sendError(e)
	return errConnDone
}

// sendNotices queues the NoticeResponses the session raised.
func (c *conn) sendNotices() {
	for _, n := range c.sess.Notices() {
		sev := n.Severity
		if sev == "" {
			sev = string(pgerr.SeverityNotice)
		}
		code := n.Code
		if code == "" {
			code = string(pgerr.SuccessfulCompletion)
		}
		c.out.send(&pgproto3.NoticeResponse{
			Severity: sev, SeverityUnlocalized: sev, Code: code,
			Message: n.Message, Detail: n.Detail, Hint: n.Hint,
		})
	}
}

// readyForQuery reports changed run-time parameters and the transaction
// status, then flushes. PostgreSQL 15 sends ParameterStatus for a changed
// GUC_REPORT setting just before ReadyForQuery, not after each statement.
func (c *conn) readyForQuery() error {
	for _, p := range c.sess.ChangedParams() {
		c.out.send(&pgproto3.ParameterStatus{Name: p.Name, Value: p.Value})
	}
	status := c.sess.TxStatus()
	switch status {
	case sqlrouter.TxIdle, sqlrouter.TxActive, sqlrouter.TxFailed:
	default:
		status = sqlrouter.TxIdle
	}
	c.out.send(&pgproto3.ReadyForQuery{TxStatus: byte(status)})
	c.idle = true
	return c.out.flush()
}

// messageName names a frontend message for an error text.
func messageName(msg pgproto3.FrontendMessage) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", msg), "*pgproto3.")
}
