package wire

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// authenticate asks for the password, verifies it through the Backend, opens
// the session and sends what a client receives before its first
// ReadyForQuery (https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP).
// It reports false when the connection is to be closed; any error has been
// sent.
//
// The method depends on the transport: over TLS (or when the configuration
// allows it without) the server asks for the password in clear, which works
// for every kind of credential; without TLS it runs SCRAM-SHA-256, so the
// password never crosses the network.
func (c *conn) authenticate(st sqlrouter.Startup) bool {
	var credentialID string
	var err error
	if st.TLS || c.srv.cfg.AllowCleartextWithoutTLS {
		credentialID, err = c.authCleartext(st)
	} else {
		credentialID, err = c.authSCRAM(st)
	}
	if err != nil {
		c.authFailed(st, err)
		return false
	}
	c.out.send(&pgproto3.AuthenticationOk{})
	sess, err := c.srv.backend.Open(c.ctx, st, credentialID)
	if err != nil {
		c.authFailed(st, err)
		return false
	}
	c.sess, c.startup = sess, st
	c.log = c.log.With("credential", credentialID)
	if err := c.beginSession(); err != nil {
		c.sess.Close()
		c.sess = nil
		return false
	}
	return true
}

// authFailed reports a failed login. A client that hangs up while asked
// for a password (psql does, to prompt for it) has not failed anything.
func (c *conn) authFailed(st sqlrouter.Startup, err error) {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, errConnDone) {
		return
	}
	c.srv.metrics.connections.WithLabelValues(outcomeAuthFailed).Inc()
	var ne net.Error
	if errors.As(err, &ne) {
		c.log.Info("authentication aborted", "err", err)
		return
	}
	e := pgerr.From(err)
	c.log.Info("authentication failed", "code", e.Code, "err", err)
	c.fatal(e)
}

// passwordFailed is the one error every failed password check gets, so
// that nothing tells whether the user or project exists.
func passwordFailed(user string) *pgerr.Error {
	return &pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.InvalidPassword,
		Message: fmt.Sprintf("password authentication failed for user %q", user)}
}

func protocolViolation(format string, args ...any) *pgerr.Error {
	return &pgerr.Error{Severity: pgerr.SeverityFatal, Code: pgerr.ProtocolViolation, Message: fmt.Sprintf(format, args...)}
}

// receiveAuth reads the client's answer to an authentication request of
// authType. A message that does not decode as that answer is a protocol
// violation; I/O errors are returned as they are.
func (c *conn) receiveAuth(authType uint32) (pgproto3.FrontendMessage, error) {
	if err := c.be.SetAuthType(authType); err != nil {
		return nil, err
	}
	msg, err := c.be.Receive()
	if err == nil {
		return msg, nil
	}
	var ne net.Error
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne) {
		return nil, err
	}
	return nil, protocolViolation("invalid authentication response: %v", err)
}

// authCleartext runs AuthenticationCleartextPassword.
func (c *conn) authCleartext(st sqlrouter.Startup) (string, error) {
	c.out.send(&pgproto3.AuthenticationCleartextPassword{})
	if err := c.out.flush(); err != nil {
		return "", err
	}
	msg, err := c.receiveAuth(pgproto3.AuthTypeCleartextPassword)
	if err != nil {
		return "", err
	}
	pw, ok := msg.(*pgproto3.PasswordMessage)
	if !ok {
		return "", protocolViolation("expected password response, got %s", messageName(msg))
	}
	if pw.Password == "" {
		return "", passwordFailed(st.User)
	}
	return c.srv.backend.CheckPassword(c.ctx, st, pw.Password)
}

// authSCRAM runs a SCRAM-SHA-256 exchange: AuthenticationSASL,
// SASLInitialResponse, AuthenticationSASLContinue, SASLResponse,
// AuthenticationSASLFinal.
func (c *conn) authSCRAM(st sqlrouter.Startup) (string, error) {
	c.out.send(&pgproto3.AuthenticationSASL{AuthMechanisms: []string{scramMechanism}})
	if err := c.out.flush(); err != nil {
		return "", err
	}
	msg, err := c.receiveAuth(pgproto3.AuthTypeSASL)
	if err != nil {
		return "", err
	}
	init, ok := msg.(*pgproto3.SASLInitialResponse)
	if !ok {
		return "", protocolViolation("expected SASL response, got %s", messageName(msg))
	}
	if init.AuthMechanism != scramMechanism {
		return "", protocolViolation("client selected an invalid SASL authentication mechanism")
	}
	first, err := parseSCRAMClientFirst(string(init.Data))
	if err != nil {
		return "", protocolViolation("%s", err.Error())
	}
	secret, err := c.srv.backend.SCRAM(c.ctx, st)
	if err != nil {
		return "", err
	}
	if secret.Iterations <= 0 || len(secret.Salt) == 0 {
		return "", pgerr.New(pgerr.InternalError, "SCRAM secret without salt or iterations")
	}
	nonce, err := newServerNonce(first.nonce)
	if err != nil {
		return "", err
	}
	serverFirst := scramServerFirst(nonce, secret)
	c.out.send(&pgproto3.AuthenticationSASLContinue{Data: []byte(serverFirst)})
	if err := c.out.flush(); err != nil {
		return "", err
	}
	return c.finishSCRAM(st, first, serverFirst, nonce, secret)
}

// finishSCRAM reads the client-final-message and checks its proof.
func (c *conn) finishSCRAM(st sqlrouter.Startup, first scramClientFirst, serverFirst, nonce string, secret sqlrouter.SCRAMSecret) (string, error) {
	msg, err := c.receiveAuth(pgproto3.AuthTypeSASLContinue)
	if err != nil {
		return "", err
	}
	resp, ok := msg.(*pgproto3.SASLResponse)
	if !ok {
		return "", protocolViolation("expected SASL response, got %s", messageName(msg))
	}
	final, err := parseSCRAMClientFinal(string(resp.Data))
	if err != nil {
		return "", protocolViolation("%s", err.Error())
	}
	if final.channelBinding != b64(first.gs2Header) {
		return "", protocolViolation("SCRAM channel binding check failed")
	}
	if final.nonce != nonce {
		return "", protocolViolation("invalid SCRAM response (nonce mismatch)")
	}
	authMessage := first.bare + "," + serverFirst + "," + final.withoutProof
	key, ok := verifySCRAMProof(secret.Keys, authMessage, final.proof)
	if !ok {
		return "", passwordFailed(st.User)
	}
	c.out.send(&pgproto3.AuthenticationSASLFinal{Data: []byte(scramServerFinal(key, authMessage))})
	return key.ID, nil
}

// beginSession registers the cancel key and sends ParameterStatus,
// BackendKeyData and the first ReadyForQuery.
func (c *conn) beginSession() error {
	key, err := c.srv.cancels.register(c)
	if err != nil {
		return c.fatal(pgerr.Wrap(err, pgerr.InternalError, "could not generate a cancel key"))
	}
	c.key = key
	// The handshake deadline no longer applies.
	if err := c.nc.SetDeadline(time.Time{}); err != nil {
		return err
	}
	for _, p := range c.startupParams() {
		c.out.send(&pgproto3.ParameterStatus{Name: p.Name, Value: p.Value})
	}
	c.out.send(&pgproto3.BackendKeyData{ProcessID: key.pid, SecretKey: key.secret[:]})
	return c.readyForQuery()
}

// startupParams are the run-time parameters reported at startup: the ones
// PostgreSQL 15 reports (GUC_REPORT), with the session's values over the
// defaults, in PostgreSQL's order (case-insensitive by name). pgjdbc needs
// client_encoding UTF8, DateStyle starting with ISO and
// standard_conforming_strings; clients pick their catalog queries by
// server_version.
func (c *conn) startupParams() []sqlrouter.Param {
	tz := "UTC"
	if loc := c.sess.Format().TimeZone; loc != nil {
		tz = loc.String()
	}
	vals := map[string]string{
		"application_name":              c.startup.Params["application_name"],
		"client_encoding":               "UTF8",
		"DateStyle":                     "ISO, MDY",
		"default_transaction_read_only": "off",
		"in_hot_standby":                "off",
		"integer_datetimes":             "on",
		"IntervalStyle":                 "postgres",
		"is_superuser":                  "off",
		"server_encoding":               "UTF8",
		"server_version":                c.srv.cfg.ServerVersion,
		"session_authorization":         c.startup.User,
		"standard_conforming_strings":   "on",
		"TimeZone":                      tz,
	}
	for _, p := range c.sess.Params() {
		vals[p.Name] = p.Value
	}
	for _, p := range c.sess.ChangedParams() {
		vals[p.Name] = p.Value
	}
	params := make([]sqlrouter.Param, 0, len(vals))
	for k, v := range vals {
		params = append(params, sqlrouter.Param{Name: k, Value: v})
	}
	sort.Slice(params, func(i, j int) bool {
		return strings.ToLower(params[i].Name) < strings.ToLower(params[j].Name)
	})
	return params
}
