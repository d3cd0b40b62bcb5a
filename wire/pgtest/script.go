package pgtest

import (
	"bufio"
	"crypto/hmac"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Options configure a script run.
type Options struct {
	User     string // $USER, and the user of "startup"
	Password string // $PASSWORD, and the password of "startup" and "auth"
	Database string // $DATABASE, and the database of "startup"
	// Vars are further $NAME substitutions.
	Vars map[string]string
	// Timeout bounds each wait for a backend message (default 10s).
	Timeout time.Duration
}

// RunScript runs the protocol script at path against the server at addr
// and fails t at the first message that differs from the script.
//
// A script is a sequence of directives, one per line; '#' starts a comment:
//
//	startup [name=value ...]   StartupMessage with $USER and $DATABASE (plus
//	                           the given parameters), authentication with
//	                           $PASSWORD, and everything up to ReadyForQuery
//	auth [password=...]        answer the server's authentication request
//	send Type [json]           send a frontend message in pgproto3's JSON form
//	until [ignore=T,...] T,... receive until each listed type has arrived in
//	                           order, then compare with the block below
//	expect                     receive exactly the messages of the block below
//	byte C                     read one raw byte (the answer to SSLRequest)
//	cancel                     send a CancelRequest for this session's key
//	sleep 100ms                pause
//	closed                     expect the server to close the connection
//	reconnect                  close the connection and open a new one
//
// The block after until or expect lists backend messages, one per line, as
// "Type {json}". The JSON need only hold the fields that matter: it matches
// when every field it names has that value in the message received (for
// arrays, element by element). A line starting with '?' may be absent.
// The block ends at a blank line or the next directive.
func RunScript(t testing.TB, addr, path string, opts Options) {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Timeout == 0 {
		opts.Timeout = 10 * time.Second
	}
	r := &runner{t: t, addr: addr, opts: opts, path: path}
	defer r.close()
	if err := r.dial(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r.line = i + 1
		verb, arg, _ := strings.Cut(line, " ")
		arg = r.subst(strings.TrimSpace(arg))
		switch verb {
		case "until", "expect":
			var block []string
			for i+1 < len(lines) && isExpectation(lines[i+1]) {
				i++
				if l := strings.TrimSpace(lines[i]); !strings.HasPrefix(l, "#") {
					block = append(block, r.subst(l))
				}
			}
			if verb == "until" {
				err = r.until(arg, block)
			} else {
				err = r.expect(block)
			}
		default:
			err = r.do(verb, arg)
		}
		if err != nil {
			t.Fatalf("%s:%d: %s: %v", path, r.line, line, err)
		}
	}
}

// isExpectation reports whether a line continues an expectation block: a
// message type (capitalized), an optional one, or a comment.
func isExpectation(line string) bool {
	l := strings.TrimSpace(line)
	return l != "" && (l[0] == '?' || l[0] == '#' || (l[0] >= 'A' && l[0] <= 'Z'))
}

type runner struct {
	t       testing.TB
	addr    string
	opts    Options
	path    string
	line    int
	nc      net.Conn
	fe      *pgproto3.Frontend
	key     *pgproto3.BackendKeyData
	pending []received // received by auth, not yet matched
}

// received is a snapshot of a backend message: pgproto3 reuses message
// values across Receive calls, so each is rendered as soon as it arrives.
type received struct {
	name string
	json []byte
	msg  pgproto3.BackendMessage // valid only until the next receive
}

func (m received) String() string { return m.name + " " + string(m.json) }

func (r *runner) dial() error {
	nc, err := net.DialTimeout("tcp", r.addr, r.opts.Timeout)
	if err != nil {
		return err
	}
	r.nc = nc
	r.fe = pgproto3.NewFrontend(nc, nc)
	return nil
}

func (r *runner) close() {
	if r.nc != nil {
		r.nc.Close()
	}
}

// scratchDefaults name the scratch table scripts create ($TEMP and
// $COPY_TABLE): a temporary table unless the options say otherwise, for
// servers without temporary tables.
var scratchDefaults = map[string]string{"TEMP": "TEMP", "COPY_TABLE": "copy_t"}

func (r *runner) subst(s string) string {
	repl := []string{"$USER", r.opts.User, "$PASSWORD", r.opts.Password, "$DATABASE", r.opts.Database}
	for k, v := range r.opts.Vars {
		repl = append(repl, "$"+k, v)
	}
	for k, v := range scratchDefaults {
		if _, ok := r.opts.Vars[k]; !ok {
			repl = append(repl, "$"+k, v)
		}
	}
	return strings.NewReplacer(repl...).Replace(s)
}

func (r *runner) do(verb, arg string) error {
	switch verb {
	case "startup":
		return r.startup(arg)
	case "auth":
		pw := r.opts.Password
		if v, ok := strings.CutPrefix(arg, "password="); ok {
			pw = v
		}
		return r.auth(pw)
	case "send":
		return r.send(arg)
	case "byte":
		return r.readByte(arg)
	case "cancel":
		return r.cancel()
	case "sleep":
		d, err := time.ParseDuration(arg)
		if err != nil {
			return err
		}
		time.Sleep(d)
		return nil
	case "closed":
		return r.closed()
	case "reconnect":
		r.close()
		r.key, r.pending = nil, nil
		return r.dial()
	}
	return fmt.Errorf("unknown directive %q", verb)
}

// frontendMessage returns an empty message of the named type.
func frontendMessage(name string) (pgproto3.FrontendMessage, error) {
	switch name {
	case "Query":
		return &pgproto3.Query{}, nil
	case "Parse":
		return &pgproto3.Parse{}, nil
	case "Bind":
		return &pgproto3.Bind{}, nil
	case "Describe":
		return &pgproto3.Describe{}, nil
	case "Execute":
		return &pgproto3.Execute{}, nil
	case "Sync":
		return &pgproto3.Sync{}, nil
	case "Flush":
		return &pgproto3.Flush{}, nil
	case "Close":
		return &pgproto3.Close{}, nil
	case "Terminate":
		return &pgproto3.Terminate{}, nil
	case "CopyData":
		return &pgproto3.CopyData{}, nil
	case "CopyDone":
		return &pgproto3.CopyDone{}, nil
	case "CopyFail":
		return &pgproto3.CopyFail{}, nil
	case "StartupMessage":
		return &pgproto3.StartupMessage{}, nil
	case "SSLRequest":
		return &pgproto3.SSLRequest{}, nil
	case "GSSEncRequest":
		return &pgproto3.GSSEncRequest{}, nil
	case "PasswordMessage":
		return &pgproto3.PasswordMessage{}, nil
	case "FunctionCall":
		return &pgproto3.FunctionCall{}, nil
	}
	return nil, fmt.Errorf("unknown frontend message type %q", name)
}

func (r *runner) send(arg string) error {
	name, body, _ := strings.Cut(arg, " ")
	msg, err := frontendMessage(name)
	if err != nil {
		return err
	}
	if body = strings.TrimSpace(body); body != "" {
		if err := json.Unmarshal([]byte(body), msg); err != nil {
			return fmt.Errorf("decoding %s: %w", name, err)
		}
	}
	if sm, ok := msg.(*pgproto3.StartupMessage); ok && sm.ProtocolVersion == 0 {
		sm.ProtocolVersion = pgproto3.ProtocolVersionNumber
	}
	r.fe.Send(msg)
	return r.fe.Flush()
}

func (r *runner) receive() (received, error) {
	if len(r.pending) > 0 {
		m := r.pending[0]
		r.pending = r.pending[1:]
		return m, nil
	}
	r.nc.SetReadDeadline(time.Now().Add(r.opts.Timeout))
	msg, err := r.fe.Receive()
	if err != nil {
		return received{}, err
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return received{}, err
	}
	return received{name: typeName(msg), json: b, msg: msg}, nil
}

// typeName is the message's type name as scripts write it.
func typeName(msg any) string { return reflect.TypeOf(msg).Elem().Name() }

// until receives messages until the listed types have arrived in order and
// compares them with block.
func (r *runner) until(arg string, block []string) error {
	ignore := map[string]bool{}
	if rest, ok := strings.CutPrefix(arg, "ignore="); ok {
		var list string
		list, arg, _ = strings.Cut(rest, " ")
		for _, n := range strings.Split(list, ",") {
			ignore[n] = true
		}
	}
	want := strings.Split(strings.TrimSpace(arg), ",")
	var got []received
	for len(want) > 0 {
		msg, err := r.receive()
		if err != nil {
			return fmt.Errorf("waiting for %s after %s: %w", want[0], summary(got), err)
		}
		name := msg.name
		if ignore[name] {
			continue
		}
		got = append(got, msg)
		if name == want[0] {
			want = want[1:]
		}
	}
	return match(block, got)
}

// expect receives exactly as many messages as block lists (optional ones
// included only when they come) and compares them.
func (r *runner) expect(block []string) error {
	var got []received
	required := 0
	for _, l := range block {
		if !strings.HasPrefix(l, "?") {
			required++
		}
	}
	for len(got) < len(block) {
		if err := match(block, got); err == nil && len(got) >= required {
			break
		}
		msg, err := r.receive()
		if err != nil {
			return fmt.Errorf("after %s: %w", summary(got), err)
		}
		got = append(got, msg)
	}
	return match(block, got)
}

func summary(got []received) string {
	names := make([]string, len(got))
	for i, m := range got {
		names[i] = m.name
	}
	return "[" + strings.Join(names, " ") + "]"
}

// match compares received messages with expectation lines; lines starting
// with '?' may be skipped. An empty block matches anything.
func match(block []string, got []received) error {
	if len(block) == 0 {
		return nil
	}
	i := 0
	for _, m := range got {
		for {
			if i >= len(block) {
				return fmt.Errorf("unexpected %s", m)
			}
			optional := strings.HasPrefix(block[i], "?")
			err := matchLine(strings.TrimPrefix(block[i], "?"), m)
			if err == nil {
				i++
				break
			}
			if !optional {
				return fmt.Errorf("expected %s, got %s: %v", block[i], m, err)
			}
			i++
		}
	}
	for ; i < len(block); i++ {
		if !strings.HasPrefix(block[i], "?") {
			return fmt.Errorf("missing %s after %s", block[i], summary(got))
		}
	}
	return nil
}

func matchLine(line string, msg received) error {
	name, body, _ := strings.Cut(line, " ")
	if msg.name != name {
		return fmt.Errorf("type %s", msg.name)
	}
	body = strings.TrimSpace(body)
	if body == "" {
		return nil
	}
	var want any
	if err := json.Unmarshal([]byte(body), &want); err != nil {
		return fmt.Errorf("bad expectation JSON: %w", err)
	}
	var have any
	if err := json.Unmarshal(msg.json, &have); err != nil {
		return err
	}
	return subset(want, have, "")
}

// subset reports where have differs from the fields want names.
func subset(want, have any, path string) error {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: want object, have %v", path, have)
		}
		for k, v := range w {
			if err := subset(v, h[k], path+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return fmt.Errorf("%s: want %d elements, have %v", path, len(w), have)
		}
		for i := range w {
			if err := subset(w[i], h[i], fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	if !reflect.DeepEqual(want, have) {
		return fmt.Errorf("%s: want %v, have %v", path, want, have)
	}
	return nil
}

// startup sends a StartupMessage, authenticates and reads up to the first
// ReadyForQuery, remembering the cancel key.
func (r *runner) startup(arg string) error {
	params := map[string]string{"user": r.opts.User}
	if r.opts.Database != "" {
		params["database"] = r.opts.Database
	}
	for _, kv := range strings.Fields(arg) {
		k, v, _ := strings.Cut(kv, "=")
		params[k] = v
	}
	r.fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: params})
	if err := r.fe.Flush(); err != nil {
		return err
	}
	if err := r.auth(r.opts.Password); err != nil {
		return err
	}
	for {
		msg, err := r.receive()
		if err != nil {
			return err
		}
		switch m := msg.msg.(type) {
		case *pgproto3.ErrorResponse:
			return fmt.Errorf("startup failed: %s", msg)
		case *pgproto3.BackendKeyData:
			k := *m
			k.SecretKey = append([]byte(nil), m.SecretKey...)
			r.key = &k
		case *pgproto3.ReadyForQuery:
			return nil
		}
	}
}

// auth answers the server's authentication request with password: in
// clear, MD5 or SCRAM-SHA-256. Messages that are not requests are kept for
// the next until or expect.
func (r *runner) auth(password string) error {
	msg, err := r.receive()
	if err != nil {
		return err
	}
	switch m := msg.msg.(type) {
	case *pgproto3.AuthenticationCleartextPassword:
		r.fe.Send(&pgproto3.PasswordMessage{Password: password})
	case *pgproto3.AuthenticationMD5Password:
		inner := md5.Sum([]byte(password + r.opts.User))
		outer := md5.Sum(append([]byte(hex.EncodeToString(inner[:])), m.Salt[:]...))
		r.fe.Send(&pgproto3.PasswordMessage{Password: "md5" + hex.EncodeToString(outer[:])})
	case *pgproto3.AuthenticationSASL:
		return r.scram(password)
	default:
		r.pending = append(r.pending, msg)
		return nil
	}
	return r.fe.Flush()
}

// scram runs the client side of SCRAM-SHA-256 up to the client-final
// message; the server's answer is left for the script.
func (r *runner) scram(password string) error {
	var raw [18]byte
	rand.Read(raw[:])
	nonce := base64.StdEncoding.EncodeToString(raw[:])
	first := "n=,r=" + nonce
	r.fe.Send(&pgproto3.SASLInitialResponse{AuthMechanism: "SCRAM-SHA-256", Data: []byte("n,," + first)})
	if err := r.fe.Flush(); err != nil {
		return err
	}
	msg, err := r.receive()
	if err != nil {
		return err
	}
	cont, ok := msg.msg.(*pgproto3.AuthenticationSASLContinue)
	if !ok {
		r.pending = append(r.pending, msg)
		return nil
	}
	serverFirst := string(cont.Data)
	attrs := map[string]string{}
	for _, a := range strings.Split(serverFirst, ",") {
		if k, v, ok := strings.Cut(a, "="); ok {
			attrs[k] = v
		}
	}
	salt, err := base64.StdEncoding.DecodeString(attrs["s"])
	if err != nil {
		return fmt.Errorf("server-first-message %q: %w", serverFirst, err)
	}
	iter, err := strconv.Atoi(attrs["i"])
	if err != nil {
		return fmt.Errorf("server-first-message %q: %w", serverFirst, err)
	}
	if !strings.HasPrefix(attrs["r"], nonce) {
		return errors.New("server nonce does not extend the client's")
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iter, 32)
	if err != nil {
		return err
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	withoutProof := "c=biws,r=" + attrs["r"]
	authMessage := first + "," + serverFirst + "," + withoutProof
	sig := hmacSHA256(stored[:], authMessage)
	proof := make([]byte, len(clientKey))
	for i := range proof {
		proof[i] = clientKey[i] ^ sig[i]
	}
	final := withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)
	r.fe.Send(&pgproto3.SASLResponse{Data: []byte(final)})
	return r.fe.Flush()
}

func hmacSHA256(key []byte, msg string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return h.Sum(nil)
}

func (r *runner) readByte(arg string) error {
	var b [1]byte
	r.nc.SetReadDeadline(time.Now().Add(r.opts.Timeout))
	if _, err := io.ReadFull(r.nc, b[:]); err != nil {
		return err
	}
	if string(b[:]) != arg {
		return fmt.Errorf("got byte %q, want %q", b[:], arg)
	}
	return nil
}

// cancel sends a CancelRequest for this session on a connection of its
// own, and waits until the server closes it.
func (r *runner) cancel() error {
	if r.key == nil {
		return errors.New("no BackendKeyData yet (use startup)")
	}
	nc, err := net.DialTimeout("tcp", r.addr, r.opts.Timeout)
	if err != nil {
		return err
	}
	defer nc.Close()
	buf, err := (&pgproto3.CancelRequest{ProcessID: r.key.ProcessID, SecretKey: r.key.SecretKey}).Encode(nil)
	if err != nil {
		return err
	}
	if _, err := nc.Write(buf); err != nil {
		return err
	}
	nc.SetReadDeadline(time.Now().Add(r.opts.Timeout))
	_, err = bufio.NewReader(nc).ReadByte()
	if errors.Is(err, io.EOF) {
		return nil
	}
	return fmt.Errorf("server answered a CancelRequest: %v", err)
}

// closed expects the server to end the connection, reading what is left.
func (r *runner) closed() error {
	for {
		msg, err := r.receive()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return errors.New("connection still open")
			}
			return nil
		}
		if msg.name != "ErrorResponse" && msg.name != "NoticeResponse" {
			return fmt.Errorf("unexpected %s before close", msg)
		}
	}
}
