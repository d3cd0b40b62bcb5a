package wire

import (
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgproto3"
)

// flushThreshold is the size at which buffered messages go to the socket in
// one write. DataRows and COPY data accumulate up to it rather than cost a
// system call each.
const flushThreshold = 64 << 10

// keepCap bounds the buffer kept between flushes; a buffer grown past it by
// one large row is dropped so that an idle session holds little memory.
const keepCap = 1 << 20

// writer buffers backend messages for one connection. pgproto3.Backend has
// its own Send buffer; wire bypasses it so that DataRows can be appended in
// place (see rowSink) into the same buffer as every other message, keeping
// them in order.
type writer struct {
	w   io.Writer
	buf []byte
	// err is sticky: once a write has failed part way the stream is out of
	// step with the client and nothing more may be sent.
	err error
}

func newWriter(w io.Writer) *writer {
	return &writer{w: w, buf: make([]byte, 0, flushThreshold+flushThreshold/4)}
}

// send appends msg to the buffer.
func (w *writer) send(msg pgproto3.BackendMessage) {
	if w.err != nil {
		return
	}
	buf, err := msg.Encode(w.buf)
	if err != nil {
		// Only messages larger than the protocol allows fail to encode;
		// nothing half-written is left in the buffer.
		w.err = err
		return
	}
	w.buf = buf
}

// flush writes the buffer to the socket.
func (w *writer) flush() error {
	if w.err != nil {
		return w.err
	}
	if len(w.buf) == 0 {
		return nil
	}
	n, err := w.w.Write(w.buf)
	if err != nil {
		var ne net.Error
		if n == 0 && errors.As(err, &ne) && ne.Timeout() {
			// Nothing was written (a deadline set by a canceled statement
			// expired before the write began): the buffer can still go out
			// once the deadline is cleared.
			return err
		}
		w.err = err
		return err
	}
	if cap(w.buf) > keepCap {
		w.buf = make([]byte, 0, flushThreshold+flushThreshold/4)
	} else {
		w.buf = w.buf[:0]
	}
	return nil
}

// maybeFlush flushes once the buffer has reached flushThreshold.
func (w *writer) maybeFlush() error {
	if len(w.buf) < flushThreshold {
		return w.err
	}
	return w.flush()
}
