package wire

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/duckstore/duckstore/sqlrouter"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Request codes of the packets a client may send before StartupMessage
// (https://www.postgresql.org/docs/current/protocol-message-formats.html).
const (
	sslRequestCode    = 80877103 // 1234.5679
	gssEncRequestCode = 80877104 // 1234.5680
	cancelRequestCode = 80877102 // 1234.5678
)

// Limits on a startup packet, as PostgreSQL's ProcessStartupPacket applies
// them: at least the 4-byte length and a 4-byte code, at most
// MAX_STARTUP_PACKET_LENGTH.
const (
	minStartupPacket = 8
	maxStartupPacket = 10000
)

// startupPacket is one packet of the startup phase: a length, a 4-byte code
// (a protocol version or a request code), and the rest of the body.
type startupPacket struct {
	code uint32
	body []byte
}

// readStartupPacket reads exactly one startup packet from r. It reads no
// byte past the packet, so nothing the client sent after an SSLRequest can
// be mistaken for data protected by the TLS session that follows.
func readStartupPacket(r io.Reader) (startupPacket, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return startupPacket{}, err
	}
	n := int64(int32(binary.BigEndian.Uint32(hdr[:])))
	if n < minStartupPacket || n > maxStartupPacket {
		return startupPacket{}, fmt.Errorf("invalid length of startup packet: %d", n)
	}
	buf := make([]byte, n-4)
	if _, err := io.ReadFull(r, buf); err != nil {
		return startupPacket{}, err
	}
	return startupPacket{code: binary.BigEndian.Uint32(buf), body: buf[4:]}, nil
}

// protocolVersion splits a StartupMessage code into major and minor version.
func protocolVersion(code uint32) (major, minor uint16) {
	return uint16(code >> 16), uint16(code)
}

// decodeStartupParams decodes the name/value pairs of a StartupMessage: NUL
// terminated strings ending with an empty name.
func decodeStartupParams(b []byte) (map[string]string, error) {
	params := make(map[string]string)
	for {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return nil, errors.New("invalid startup packet layout: expected terminator as last byte")
		}
		if i == 0 {
			if len(b) != 1 {
				return nil, errors.New("invalid startup packet layout: expected terminator as last byte")
			}
			return params, nil
		}
		name := string(b[:i])
		b = b[i+1:]
		j := bytes.IndexByte(b, 0)
		if j < 0 {
			return nil, errors.New("invalid startup packet layout: expected terminator as last byte")
		}
		params[name] = string(b[:j])
		b = b[j+1:]
	}
}

// handshake runs the startup phase up to a valid StartupMessage: it answers
// SSLRequest with TLS or 'N', GSSENCRequest with 'N', and serves a
// CancelRequest (after which the connection is done). It reports false when
// the connection is to be closed; any error has been sent.
func (c *conn) handshake() (sqlrouter.Startup, bool) {
	c.nc.SetDeadline(time.Now().Add(c.srv.cfg.StartupTimeout))
	// As in PostgreSQL's ProcessStartupPacket: GSSENCRequest may come
	// first and be followed by SSLRequest; each may come once, and nothing
	// may follow an SSLRequest but the StartupMessage (or CancelRequest).
	var tlsDone, sslAsked, gssAsked bool
	for {
		pkt, err := readStartupPacket(c.nc)
		if err != nil {
			c.handshakeFailed(err)
			return sqlrouter.Startup{}, false
		}
		switch pkt.code {
		case sslRequestCode:
			if sslAsked {
				c.handshakeFailed(errors.New("second SSLRequest"))
				return sqlrouter.Startup{}, false
			}
			sslAsked = true
			if err := c.negotiateTLS(); err != nil {
				c.handshakeFailed(err)
				return sqlrouter.Startup{}, false
			}
			tlsDone = c.srv.cfg.TLS != nil
		case gssEncRequestCode:
			if gssAsked || sslAsked {
				c.handshakeFailed(errors.New("GSSENCRequest out of order"))
				return sqlrouter.Startup{}, false
			}
			gssAsked = true
			// GSSAPI encryption is not offered: 'N', and the client goes on
			// with SSLRequest or StartupMessage on the same socket.
			if _, err := c.nc.Write([]byte{'N'}); err != nil {
				c.handshakeFailed(err)
				return sqlrouter.Startup{}, false
			}
		case cancelRequestCode:
			c.serveCancelRequest(pkt.body)
			return sqlrouter.Startup{}, false
		default:
			return c.startupMessage(pkt, tlsDone)
		}
	}
}

// negotiateTLS answers an SSLRequest: 'N' without a TLS config, else 'S'
// and a TLS handshake on the same socket.
func (c *conn) negotiateTLS() error {
	if c.srv.cfg.TLS == nil {
		_, err := c.nc.Write([]byte{'N'})
		return err
	}
	if _, err := c.nc.Write([]byte{'S'}); err != nil {
		return err
	}
	tc := tls.Server(c.nc, c.srv.cfg.TLS)
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("TLS handshake: %w", err)
	}
	c.mu.Lock()
	c.nc = tc
	c.mu.Unlock()
	c.out = newWriter(tc)
	return nil
}

// handshakeFailed counts and logs a connection that ended before a valid
// StartupMessage. A socket closed without a byte is a probe (pg_isready,
// load balancer health checks) and is not logged.
func (c *conn) handshakeFailed(err error) {
	c.srv.metrics.connections.WithLabelValues(outcomeProtocolError).Inc()
	if !errors.Is(err, io.EOF) {
		c.log.Info("startup failed", "err", err)
	}
}

// serveCancelRequest handles a CancelRequest: process id and secret key.
// PostgreSQL answers nothing, whether or not the key matched.
func (c *conn) serveCancelRequest(body []byte) {
	if len(body) < 8 {
		c.log.Info("short CancelRequest")
		return
	}
	c.srv.cancels.cancel(binary.BigEndian.Uint32(body), body[4:])
}

// startupMessage checks the protocol version and parameters of a
// StartupMessage and prepares the connection for the message protocol.
func (c *conn) startupMessage(pkt startupPacket, tlsDone bool) (sqlrouter.Startup, bool) {
	major, minor := protocolVersion(pkt.code)
	if major != 3 {
		c.srv.metrics.connections.WithLabelValues(outcomeProtocolError).Inc()
		c.fatal(&pgerr.Error{Code: pgerr.FeatureNotSupported,
			Message: fmt.Sprintf("unsupported frontend protocol %d.%d: server supports 3.0 to 3.0", major, minor)})
		return sqlrouter.Startup{}, false
	}
	params, err := decodeStartupParams(pkt.body)
	if err != nil {
		c.srv.metrics.connections.WithLabelValues(outcomeProtocolError).Inc()
		c.fatal(&pgerr.Error{Code: pgerr.ProtocolViolation, Message: err.Error()})
		return sqlrouter.Startup{}, false
	}
	st := sqlrouter.Startup{User: params["user"], Database: params["database"],
		Params: make(map[string]string), RemoteAddr: c.nc.RemoteAddr(), TLS: tlsDone}
	var unknownOptions []string
	for k, v := range params {
		switch {
		case k == "user" || k == "database":
		case strings.HasPrefix(k, "_pq_."):
			unknownOptions = append(unknownOptions, k)
		default:
			st.Params[k] = v
		}
	}
	if st.User == "" {
		c.srv.metrics.connections.WithLabelValues(outcomeProtocolError).Inc()
		c.fatal(&pgerr.Error{Code: pgerr.InvalidAuthorizationSpecification,
			Message: "no PostgreSQL user name specified in startup packet"})
		return sqlrouter.Startup{}, false
	}
	c.be = pgproto3.NewBackend(c.nc, io.Discard)
	c.be.SetMaxBodyLen(c.srv.cfg.MaxMessageSize)
	c.log = c.log.With("user", st.User, "database", st.Database)
	if minor > 0 || len(unknownOptions) > 0 {
		// A newer minor version or protocol options this server does not
		// know: say which version it speaks, as PostgreSQL 15 does (it
		// sends the whole version number, 3.0, in the "newest minor
		// version" field).
		sort.Strings(unknownOptions)
		c.out.send(&pgproto3.NegotiateProtocolVersion{NewestMinorProtocol: pgproto3.ProtocolVersion30, UnrecognizedOptions: unknownOptions})
	}
	return st, true
}
