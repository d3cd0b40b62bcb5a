package wire

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func (ts *testServer) url(extra string) string {
	return "postgres://" + fakeUser + ":" + fakePassword + "@" + ts.addr + "/main?sslmode=disable" + extra
}

func connect(t testing.TB, ts *testServer, extra string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, ts.url(extra))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

var execModes = []pgx.QueryExecMode{
	pgx.QueryExecModeCacheStatement, pgx.QueryExecModeCacheDescribe, pgx.QueryExecModeDescribeExec,
	pgx.QueryExecModeExec, pgx.QueryExecModeSimpleProtocol,
}

// TestPgxQueries drives the server with pgx in every query mode: cached
// named statements (Bind/Execute only after the first run), described
// statements, the unnamed statement, and the simple protocol.
func TestPgxQueries(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	ctx := context.Background()
	for _, mode := range execModes {
		t.Run(mode.String(), func(t *testing.T) {
			for range 3 { // statement caches change what is sent after the first run
				var one int32
				if err := conn.QueryRow(ctx, "SELECT 1", mode).Scan(&one); err != nil || one != 1 {
					t.Fatalf("SELECT 1: %d, %v", one, err)
				}
				rows, err := conn.Query(ctx, "SELECT generate_series(1, 5)", mode)
				if err != nil {
					t.Fatal(err)
				}
				got, err := pgx.CollectRows(rows, pgx.RowTo[int32])
				if err != nil || len(got) != 5 || got[0] != 1 || got[4] != 5 {
					t.Fatalf("generate_series: %v, %v", got, err)
				}
				var v int32
				if err := conn.QueryRow(ctx, "SELECT $1::int4", mode, int32(42)).Scan(&v); err != nil || v != 42 {
					t.Fatalf("SELECT $1::int4: %d, %v", v, err)
				}
			}
			_, err := conn.Exec(ctx, "SELECT 1/0", mode)
			if pgCode(err) != "22012" {
				t.Fatalf("SELECT 1/0: %v", err)
			}
			// The session goes on after the error.
			var one int32
			if err := conn.QueryRow(ctx, "SELECT 1", mode).Scan(&one); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestPgxBatch sends a pipeline with an error in the middle: the rest up to
// Sync is skipped, and the connection stays in step.
func TestPgxBatch(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	ctx := context.Background()
	b := &pgx.Batch{}
	b.Queue("SELECT 1")
	b.Queue("SELECT 1/0")
	b.Queue("SELECT 1")
	res := conn.SendBatch(ctx, b)
	var one int32
	if err := res.QueryRow().Scan(&one); err != nil || one != 1 {
		t.Fatalf("first: %v", err)
	}
	if _, err := res.Exec(); pgCode(err) != "22012" {
		t.Fatalf("second: %v", err)
	}
	if _, err := res.Exec(); err == nil {
		t.Fatal("third ran after the error in its pipeline")
	}
	res.Close()
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("after the batch: %v", err)
	}
}

func TestAuthentication(t *testing.T) {
	ts := startServer(t, Config{})
	ctx := context.Background()
	for _, tc := range []struct{ name, url string }{
		{"wrong password", "postgres://" + fakeUser + ":nope@" + ts.addr + "/main?sslmode=disable"},
		{"unknown user", "postgres://mallory:" + fakePassword + "@" + ts.addr + "/main?sslmode=disable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pgx.Connect(ctx, tc.url)
			if pgCode(err) != "28P01" {
				t.Fatalf("got %v, want 28P01", err)
			}
			if !strings.Contains(err.Error(), "password authentication failed for user") {
				t.Fatalf("message: %v", err)
			}
		})
	}
	if got := metricValue(ts.srv.metrics.connections.WithLabelValues(outcomeAuthFailed)); got != 2 {
		t.Errorf("auth_failed connections: %v, want 2", got)
	}
	// SCRAM found the second of the user's two keys.
	connect(t, ts, "")
	if conns := ts.be.openConns(); len(conns) != 1 || conns[0].st.User != fakeUser {
		t.Fatalf("sessions opened: %d", len(conns))
	}
}

// rawConn is a pgproto3 frontend on a plain connection.
type rawConn struct {
	t  testing.TB
	nc net.Conn
	fe *pgproto3.Frontend
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{t: t, nc: nc, fe: pgproto3.NewFrontend(nc, nc)}
}

func (r *rawConn) send(msgs ...pgproto3.FrontendMessage) {
	r.t.Helper()
	for _, m := range msgs {
		r.fe.Send(m)
	}
	if err := r.fe.Flush(); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rawConn) receive() pgproto3.BackendMessage {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	m, err := r.fe.Receive()
	if err != nil {
		r.t.Fatalf("receive: %v", err)
	}
	return m
}

func (r *rawConn) startup(params map[string]string) {
	r.t.Helper()
	if params == nil {
		params = map[string]string{"user": fakeUser, "database": "main"}
	}
	r.send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: params})
}

// expectError reads messages until an ErrorResponse and returns it.
func (r *rawConn) expectError() *pgproto3.ErrorResponse {
	r.t.Helper()
	for {
		switch m := r.receive().(type) {
		case *pgproto3.ErrorResponse:
			c := *m
			return &c
		case *pgproto3.ReadyForQuery:
			r.t.Fatal("ReadyForQuery before the expected error")
		}
	}
}

// expectClosed checks that the server closed the connection.
func (r *rawConn) expectClosed() {
	r.t.Helper()
	r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		if _, err := r.fe.Receive(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				r.t.Fatal("connection still open")
			}
			return
		}
	}
}

// TestCleartextOnlyOverTLS checks the password is asked for in clear only
// on a TLS connection or when the configuration allows it.
func TestCleartextOnlyOverTLS(t *testing.T) {
	t.Run("refused without TLS", func(t *testing.T) {
		ts := startServer(t, Config{})
		r := dialRaw(t, ts.addr)
		r.startup(nil)
		m := r.receive()
		if _, ok := m.(*pgproto3.AuthenticationSASL); !ok {
			t.Fatalf("server asked for %T, want SCRAM", m)
		}
		// A client that answers with its password in clear is refused.
		r.send(&pgproto3.PasswordMessage{Password: fakePassword})
		if e := r.expectError(); e.Code != "08P01" || e.Severity != "FATAL" {
			t.Fatalf("got %s %s %s", e.Severity, e.Code, e.Message)
		}
		r.expectClosed()
	})
	t.Run("allowed by configuration", func(t *testing.T) {
		ts := startServer(t, Config{AllowCleartextWithoutTLS: true})
		r := dialRaw(t, ts.addr)
		r.startup(nil)
		if m, ok := r.receive().(*pgproto3.AuthenticationCleartextPassword); !ok {
			t.Fatalf("server asked for %T, want cleartext", m)
		}
		r.send(&pgproto3.PasswordMessage{Password: fakePassword})
		if _, ok := r.receive().(*pgproto3.AuthenticationOk); !ok {
			t.Fatal("no AuthenticationOk")
		}
	})
	t.Run("accepted over TLS", func(t *testing.T) {
		ts := startServer(t, Config{TLS: selfSignedTLS(t)})
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, strings.Replace(ts.url(""), "sslmode=disable", "sslmode=require", 1))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		var one int32
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("SELECT 1 over TLS: %v", err)
		}
		if c := ts.be.openConns(); len(c) != 1 || !c[0].st.TLS {
			t.Fatal("the session was not told it runs over TLS")
		}
		if _, err := pgx.Connect(ctx, strings.Replace(strings.Replace(ts.url(""), "sslmode=disable", "sslmode=require", 1), fakePassword, "wrong", 1)); pgCode(err) != "28P01" {
			t.Fatalf("wrong password over TLS: %v", err)
		}
	})
}

func selfSignedTLS(t testing.TB) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

// TestSSLAndGSSENCRequests checks the one-byte answers and that the startup
// goes on on the same socket.
func TestSSLAndGSSENCRequests(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts.addr)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.GSSEncRequest{}, &pgproto3.SSLRequest{}} {
		r.send(req)
		var b [1]byte
		r.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.ReadFull(r.nc, b[:]); err != nil || b[0] != 'N' {
			t.Fatalf("%T: got %q, %v", req, b, err)
		}
	}
	r.startup(nil)
	if _, ok := r.receive().(*pgproto3.AuthenticationSASL); !ok {
		t.Fatal("no authentication request after the refused requests")
	}
}

// TestCancel cancels a running statement from another connection: the
// client gets 57014 within a second and the session stays usable.
func TestCancel(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "SELECT count(*) FROM generate_series(1, 100000) a, generate_series(1, 100000) b")
		errc <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	if err := conn.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errc:
		if pgCode(err) != "57014" || !strings.Contains(err.Error(), "canceling statement due to user request") {
			t.Fatalf("got %v", err)
		}
	case <-time.After(time.Second):
		t.Fatal("no answer within a second of the CancelRequest")
	}
	t.Logf("canceled in %v", time.Since(start))
	var one int32
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("after cancel: %v", err)
	}
	// A CancelRequest with the wrong secret does nothing.
	pid := conn.PgConn().PID()
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	buf, _ := (&pgproto3.CancelRequest{ProcessID: pid, SecretKey: []byte{1, 2, 3, 4}}).Encode(nil)
	nc.Write(buf)
	nc.Close()
	if err := conn.QueryRow(ctx, "SELECT pg_sleep(0.2)").Scan(new(any)); err != nil {
		t.Fatalf("a cancel with a wrong key canceled: %v", err)
	}
}

func TestStatementTimeout(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	ctx := context.Background()
	if _, err := conn.Exec(ctx, "SET statement_timeout = 100"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := conn.Exec(ctx, "SELECT pg_sleep(5)")
	if pgCode(err) != "57014" || !strings.Contains(err.Error(), "statement timeout") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("timed out after %v", d)
	}
	var one int32
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("after the timeout: %v", err)
	}
}

func TestMaxConnections(t *testing.T) {
	ts := startServer(t, Config{MaxConnections: 1})
	ctx := context.Background()
	first, err := pgx.Connect(ctx, ts.url(""))
	if err != nil {
		t.Fatal(err)
	}
	_, err = pgx.Connect(ctx, ts.url(""))
	if pgCode(err) != "53300" || !strings.Contains(err.Error(), "sorry, too many clients already") {
		t.Fatalf("second connection: %v", err)
	}
	first.Close(ctx)
	// The slot is free again once the first session ends.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := pgx.Connect(ctx, ts.url(""))
		if err == nil {
			c.Close(ctx)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("slot not released: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// (The retry loop above may have been refused too before the slot freed.)
	if got := metricValue(ts.srv.metrics.connections.WithLabelValues(outcomeRejectedLimit)); got < 1 {
		t.Errorf("rejected_limit: %v, want at least 1", got)
	}
}

func TestIdleSessionTimeout(t *testing.T) {
	ts := startServer(t, Config{IdleSessionTimeout: 150 * time.Millisecond})
	conn := connect(t, ts, "")
	ctx := context.Background()
	// Inside a transaction block the session may idle.
	if _, err := conn.Exec(ctx, "BEGIN"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
		t.Fatalf("idle in a transaction block: %v", err)
	}
	r := dialRaw(t, ts.addr)
	loginRaw(t, r)
	time.Sleep(300 * time.Millisecond)
	if e := r.expectError(); e.Code != "57P05" || e.Severity != "FATAL" {
		t.Fatalf("got %s %s", e.Severity, e.Code)
	}
	r.expectClosed()
}

// loginRaw logs a raw connection in, answering either password request.
func loginRaw(t testing.TB, r *rawConn) {
	t.Helper()
	r.startup(nil)
	switch m := r.receive().(type) {
	case *pgproto3.AuthenticationCleartextPassword:
		r.send(&pgproto3.PasswordMessage{Password: fakePassword})
	case *pgproto3.AuthenticationSASL:
		scramLogin(t, r)
	default:
		t.Fatalf("unexpected %T", m)
	}
	for {
		if _, ok := r.receive().(*pgproto3.ReadyForQuery); ok {
			return
		}
	}
}

func TestTerminate(t *testing.T) {
	ts := startServer(t, Config{})
	r := dialRaw(t, ts.addr)
	loginRaw(t, r)
	r.send(&pgproto3.Terminate{})
	r.expectClosed()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c := ts.be.openConns()
		if len(c) == 1 && c[0].isClosed() {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("session not closed after Terminate")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (c *fakeConn) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// TestShutdown: idle sessions end at once with 57P01; a running statement
// finishes and its session then ends.
func TestShutdown(t *testing.T) {
	ts := startServer(t, Config{ShutdownGrace: 5 * time.Second})
	idle := dialRaw(t, ts.addr)
	loginRaw(t, idle)
	busy := dialRaw(t, ts.addr)
	loginRaw(t, busy)
	busy.send(&pgproto3.Query{String: "SELECT pg_sleep(0.3)"})
	time.Sleep(50 * time.Millisecond)
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- ts.srv.Shutdown(ctx)
	}()
	if e := idle.expectError(); e.Code != "57P01" || e.Severity != "FATAL" {
		t.Fatalf("idle session got %s %s", e.Severity, e.Code)
	}
	// The running statement completes...
	var sawComplete bool
	for !sawComplete {
		switch m := busy.receive().(type) {
		case *pgproto3.CommandComplete:
			sawComplete = true
		case *pgproto3.ErrorResponse:
			t.Fatalf("running statement failed: %s", m.Message)
		}
	}
	// ...and the session then ends, after its ReadyForQuery.
	for {
		m := busy.receive()
		if e, ok := m.(*pgproto3.ErrorResponse); ok {
			if e.Code != "57P01" {
				t.Fatalf("busy session then got %s", e.Code)
			}
			break
		}
	}
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", ts.addr, time.Second); err == nil {
		t.Fatal("still accepting connections")
	}
}

// TestShutdownGrace: a statement still running when the grace period ends
// is canceled, and its client learns why.
func TestShutdownGrace(t *testing.T) {
	ts := startServer(t, Config{ShutdownGrace: 100 * time.Millisecond})
	busy := dialRaw(t, ts.addr)
	loginRaw(t, busy)
	busy.send(&pgproto3.Query{String: "SELECT pg_sleep(30)"})
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	if err := ts.srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := busy.expectError(); e.Code != "57P01" || e.Severity != "FATAL" {
		t.Fatalf("got %s %s", e.Severity, e.Code)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("shutdown took %v", d)
	}
}

// TestMessageTooLong: a message past MaxMessageSize ends the connection
// before its body is read.
func TestMessageTooLong(t *testing.T) {
	ts := startServer(t, Config{MaxMessageSize: 1024})
	r := dialRaw(t, ts.addr)
	loginRaw(t, r)
	r.send(&pgproto3.Query{String: strings.Repeat("x", 2000)})
	if e := r.expectError(); e.Code != "54000" || e.Severity != "FATAL" {
		t.Fatalf("got %s %s", e.Severity, e.Code)
	}
	r.expectClosed()
}

// TestNoticesAndParameterStatus checks NoticeResponse from the session and
// ParameterStatus for a changed setting before ReadyForQuery.
func TestNoticesAndParameterStatus(t *testing.T) {
	ts := startServer(t, Config{})
	var notices []*pgconn.Notice
	cfg, err := pgx.ParseConfig(ts.url(""))
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) { notices = append(notices, n) }
	ctx := context.Background()
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if got := conn.PgConn().ParameterStatus("server_version"); got != "15.8 (duckstore)" {
		t.Errorf("server_version %q", got)
	}
	for _, p := range []string{"client_encoding", "DateStyle", "integer_datetimes", "standard_conforming_strings", "TimeZone", "IntervalStyle"} {
		if conn.PgConn().ParameterStatus(p) == "" {
			t.Errorf("no %s at startup", p)
		}
	}
	if _, err := conn.Exec(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if len(notices) != 1 || notices[0].Code != "25P01" || notices[0].Severity != "WARNING" {
		t.Fatalf("notices: %+v", notices)
	}
	if _, err := conn.Exec(ctx, "SET TimeZone = 'Europe/Prague'"); err != nil {
		t.Fatal(err)
	}
	if got := conn.PgConn().ParameterStatus("TimeZone"); got != "Europe/Prague" {
		t.Fatalf("TimeZone %q after SET", got)
	}
}

// TestErrorFields checks the fields of an ErrorResponse reach the client.
func TestErrorFields(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	_, err := conn.Exec(context.Background(), "SELEC 1")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		t.Fatalf("got %v", err)
	}
	if pe.Code != "42601" || pe.Severity != "ERROR" || pe.SeverityUnlocalized != "ERROR" || pe.Position != 1 || pe.Message == "" {
		t.Fatalf("got %+v", pe)
	}
}

func TestMetrics(t *testing.T) {
	ts := startServer(t, Config{})
	conn := connect(t, ts, "")
	ctx := context.Background()
	conn.Exec(ctx, "SELECT 1")
	conn.Exec(ctx, "SELECT 1/0")
	if got := metricValue(ts.srv.metrics.connections.WithLabelValues(outcomeAccepted)); got != 1 {
		t.Errorf("accepted: %v", got)
	}
	if got := metricValue(ts.srv.metrics.sessions); got != 1 {
		t.Errorf("active sessions: %v", got)
	}
	if got := metricValue(ts.srv.metrics.statements.WithLabelValues("SELECT", "00")); got < 1 {
		t.Errorf("SELECT statements: %v", got)
	}
	if got := metricValue(ts.srv.metrics.statements.WithLabelValues("SELECT", "22")); got != 1 {
		t.Errorf("failed SELECT statements: %v", got)
	}
	if got := metricValue(ts.srv.metrics.errors.WithLabelValues("22")); got != 1 {
		t.Errorf("errors of class 22: %v", got)
	}
	if fams, err := ts.reg.Gather(); err != nil || len(fams) < 5 {
		t.Errorf("registry: %d families, %v", len(fams), err)
	}
	if commandLabel("", "  select * from x") != "SELECT" || commandLabel("INSERT 0 1", "") != "INSERT" ||
		commandLabel("", "'); DROP TABLE students; --") != "OTHER" {
		t.Error("commandLabel")
	}
}

// scramLogin runs the client side of SCRAM-SHA-256 with fakePassword.
func scramLogin(t testing.TB, r *rawConn) {
	t.Helper()
	nonce := "rawclientnonce"
	first := "n=,r=" + nonce
	r.send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,," + first)})
	cont, ok := r.receive().(*pgproto3.AuthenticationSASLContinue)
	if !ok {
		t.Fatal("no AuthenticationSASLContinue")
	}
	serverFirst := string(cont.Data)
	attrs := map[string]string{}
	for _, a := range strings.Split(serverFirst, ",") {
		k, v, _ := strings.Cut(a, "=")
		attrs[k] = v
	}
	salt, _ := base64.StdEncoding.DecodeString(attrs["s"])
	iter, _ := strconv.Atoi(attrs["i"])
	salted, _ := pbkdf2.Key(sha256.New, fakePassword, salt, iter, 32)
	mac := func(key []byte, msg string) []byte {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(msg))
		return h.Sum(nil)
	}
	clientKey := mac(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	withoutProof := "c=biws,r=" + attrs["r"]
	sig := mac(stored[:], first+","+serverFirst+","+withoutProof)
	for i := range clientKey {
		clientKey[i] ^= sig[i]
	}
	r.send(&pgproto3.SASLResponse{Data: []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(clientKey))})
	if _, ok := r.receive().(*pgproto3.AuthenticationSASLFinal); !ok {
		t.Fatal("no AuthenticationSASLFinal")
	}
}

// metricValue reads a counter or gauge.
func metricValue(m prometheus.Metric) float64 {
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		panic(err)
	}
	if c := d.GetCounter(); c != nil {
		return c.GetValue()
	}
	return d.GetGauge().GetValue()
}

// TestShutdownContext: a context that ends before the grace period (as
// cmd/duckstore passes one) ends it too; the session still learns why.
func TestShutdownContext(t *testing.T) {
	ts := startServer(t, Config{ShutdownGrace: time.Minute})
	busy := dialRaw(t, ts.addr)
	loginRaw(t, busy)
	busy.send(&pgproto3.Query{String: "SELECT pg_sleep(30)"})
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := ts.srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown: %v", err)
	}
	if e := busy.expectError(); e.Code != "57P01" || e.Severity != "FATAL" {
		t.Fatalf("got %s %s", e.Severity, e.Code)
	}
}
