package wire

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// The fuzz targets drive the server's own read path with arbitrary bytes
// from a client: the startup phase, and the message loop after a login.
// Each run must end (the input ends with EOF) without a panic, and the
// server must never allocate more than the limits allow. The seed corpus
// is in testdata/fuzz; "go test" replays it, "go test -fuzz" explores.

// pipeConn is a net.Conn that reads a fixed input and discards writes.
type pipeConn struct {
	r   *bytes.Reader
	out int
}

func (p *pipeConn) Read(b []byte) (int, error)  { return p.r.Read(b) }
func (p *pipeConn) Write(b []byte) (int, error) { p.out += len(b); return len(b), nil }
func (p *pipeConn) Close() error                { return nil }
func (p *pipeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5432} }
func (p *pipeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (p *pipeConn) SetDeadline(time.Time) error      { return nil }
func (p *pipeConn) SetReadDeadline(time.Time) error  { return nil }
func (p *pipeConn) SetWriteDeadline(time.Time) error { return nil }

func fuzzServer() *Server {
	return NewServer(Config{AllowCleartextWithoutTLS: true, MaxMessageSize: 1 << 20, StartupTimeout: time.Second}, newFakeBackend())
}

// serveInput runs one connection over input to its end, on a server of
// its own.
func serveInput(t *testing.T, input []byte) {
	srv := fuzzServer()
	nc := &pipeConn{r: bytes.NewReader(input)}
	c := newConn(srv, nc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.serve(ctx)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("connection did not end on input %q", input)
	}
}

func startupBytes(params map[string]string) []byte {
	b, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersionNumber, Parameters: params}).Encode(nil)
	return b
}

func FuzzStartup(f *testing.F) {
	f.Add(startupBytes(map[string]string{"user": fakeUser, "database": "main"}))
	f.Add([]byte{0, 0, 0, 8, 4, 210, 22, 47})                          // SSLRequest
	f.Add([]byte{0, 0, 0, 8, 4, 210, 22, 48})                          // GSSENCRequest
	f.Add([]byte{0, 0, 0, 16, 4, 210, 22, 46, 0, 0, 0, 1, 1, 2, 3, 4}) // CancelRequest
	f.Add([]byte{0, 0, 0, 9, 0, 3, 0, 0, 0})                           // no parameters
	f.Add([]byte{0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, input []byte) {
		// The decoder alone must be safe on any packet...
		if pkt, err := readStartupPacket(bytes.NewReader(input)); err == nil {
			decodeStartupParams(pkt.body)
		}
		// ...and so must the whole handshake.
		serveInput(t, input)
	})
}

// loginBytes is a StartupMessage and the right cleartext password.
func loginBytes() []byte {
	b := startupBytes(map[string]string{"user": fakeUser, "database": "main"})
	pw, _ := (&pgproto3.PasswordMessage{Password: fakePassword}).Encode(nil)
	return append(b, pw...)
}

func frontendBytes(msgs ...pgproto3.FrontendMessage) []byte {
	var b []byte
	for _, m := range msgs {
		b, _ = m.Encode(b)
	}
	return b
}

func FuzzFrontendMessages(f *testing.F) {
	for _, seed := range [][]byte{
		frontendBytes(&pgproto3.Query{String: "SELECT 1"}),
		frontendBytes(&pgproto3.Parse{Name: "s", Query: "SELECT $1::int4", ParameterOIDs: []uint32{23}},
			&pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{0, 0, 0, 1}}, ResultFormatCodes: []int16{1}},
			&pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{MaxRows: 1}, &pgproto3.Sync{}),
		frontendBytes(&pgproto3.Query{String: "CREATE TEMP TABLE copy_t (a int, b text)"},
			&pgproto3.Query{String: "COPY copy_t FROM STDIN"}, &pgproto3.CopyData{Data: []byte("1\tx\n2\t\\N\n")}, &pgproto3.CopyDone{},
			&pgproto3.Query{String: "COPY copy_t TO STDOUT WITH (FORMAT binary)"}),
		frontendBytes(&pgproto3.Query{String: "CREATE TEMP TABLE copy_t (a int, b text)"},
			&pgproto3.Query{String: "COPY copy_t FROM STDIN WITH (FORMAT binary)"},
			&pgproto3.CopyData{Data: binaryCopy(tuple(be32(1), []byte("x")))}, &pgproto3.CopyDone{}),
		frontendBytes(&pgproto3.Query{String: "CREATE TEMP TABLE copy_t (a int, b text)"},
			&pgproto3.Query{String: "COPY copy_t FROM STDIN WITH (FORMAT csv)"},
			&pgproto3.CopyData{Data: []byte("1,\"a\"\"b\"\n")}, &pgproto3.CopyFail{Message: "no"}),
		frontendBytes(&pgproto3.Parse{Query: "SELECT generate_series(1, 5)"}, &pgproto3.Bind{}, &pgproto3.Execute{MaxRows: 2},
			&pgproto3.Execute{MaxRows: 2}, &pgproto3.Close{ObjectType: 'P'}, &pgproto3.Sync{}, &pgproto3.Terminate{}),
		{'Q', 0, 0, 0, 4},
		{'B', 0x7f, 0xff, 0xff, 0xff},
		{'Z', 0, 0, 0, 4},
	} {
		f.Add(seed)
	}
	login := loginBytes()
	f.Fuzz(func(t *testing.T, input []byte) {
		serveInput(t, append(append([]byte{}, login...), input...))
	})
}

// FuzzBinaryValues feeds arbitrary bytes to the binary decoders Bind and
// binary COPY use, for every type they know.
func FuzzBinaryValues(f *testing.F) {
	f.Add(uint32(oidNumeric), []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x13, 0x88})
	f.Add(uint32(1007), []byte{0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 23, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 7})
	f.Add(uint32(oidVarbit), []byte{0, 0, 0, 5, 0xb0})
	f.Add(uint32(oidInterval), make([]byte, 16))
	f.Fuzz(func(t *testing.T, oid uint32, v []byte) {
		appendBinaryAsText(nil, oid, v)
		decodeParam(0, oid, formatBinary, v)
	})
}
