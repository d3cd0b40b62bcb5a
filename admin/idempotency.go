package admin

import (
	"bytes"
	"container/list"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

// Idempotency (DESIGN.md): a POST, PUT or DELETE carrying
// X-Idempotency-Key runs once per credential and key; for the TTL after
// it answered, the same credential sending the same key with the same
// method, URL and body gets that answer again (status, headers, body)
// marked X-Idempotency-Replay: true, and with anything else gets 409. A
// duplicate that arrives while the first is running waits for it. Answers
// with a 5xx status are not kept, so a retry runs again.
const (
	idempotencyHeader = "X-Idempotency-Key"
	replayHeader      = "X-Idempotency-Replay"
	maxIdempotencyKey = 255
	// Bodies up to this size are kept in memory while the request runs;
	// larger ones go to a temporary file.
	idemMemBody = 1 << 20
	// Responses larger than this are not kept for replay.
	idemMaxResponse = 1 << 20
	// The most response bytes kept for replay across all entries.
	idemMaxBytes = 64 << 20
)

type idempotency struct {
	ttl     time.Duration
	max     int
	tempDir string

	mu      sync.Mutex
	entries map[string]*idemEntry
	order   *list.List // of *idemEntry, oldest first
	bytes   int        // response bytes kept
}

type idemEntry struct {
	key         string
	fingerprint [32]byte
	done        chan struct{} // closed when the first request answered
	resp        *savedResponse
	expires     time.Time
	elem        *list.Element
}

type savedResponse struct {
	status int
	header http.Header
	body   []byte
}

func newIdempotency(ttl time.Duration, max int, tempDir string) *idempotency {
	return &idempotency{ttl: ttl, max: max, tempDir: tempDir, entries: map[string]*idemEntry{}, order: list.New()}
}

// serve runs the call through the cache under the client's key.
func (d *idempotency) serve(c *call, key string, run func(*call)) {
	if len(key) > maxIdempotencyKey || !printable(key) {
		c.fail(errBadRequest("invalid_idempotency_key", "%s must be 1 to %d printable ASCII characters", idempotencyHeader, maxIdempotencyKey))
		return
	}
	fp, cleanup, err := d.fingerprint(c.r)
	defer cleanup()
	if err != nil {
		c.fail(err)
		return
	}
	c.w.Header().Set(idempotencyHeader, key)
	mapKey := c.who.credential() + "\x00" + key
	for {
		e, first := d.claim(mapKey, fp)
		if first {
			d.runFirst(c, e, run)
			return
		}
		if e.fingerprint != fp {
			c.fail(errConflict("idempotency_key_reused",
				"%s %q was already used with another method, path or body", idempotencyHeader, key))
			return
		}
		select {
		case <-e.done:
		case <-c.ctx().Done():
			return // the client left; nothing to answer
		}
		if e.resp != nil {
			replay(c.w, e.resp)
			return
		}
		// The first answered with a server error, which is not kept:
		// run again (as the first, unless another duplicate won).
	}
}

// claim returns the live entry for mapKey, or creates one (first=true)
// that the caller must run and finish.
func (d *idempotency) claim(mapKey string, fp [32]byte) (e *idemEntry, first bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	now := time.Now()
	if e := d.entries[mapKey]; e != nil {
		if e.resp == nil || now.Before(e.expires) {
			return e, false
		}
		d.removeLocked(e)
	}
	e = &idemEntry{key: mapKey, fingerprint: fp, done: make(chan struct{})}
	e.elem = d.order.PushBack(e)
	d.entries[mapKey] = e
	d.evictLocked(now)
	return e, true
}

// runFirst runs the request, keeps its answer when it may be replayed,
// and wakes the duplicates waiting for it.
func (d *idempotency) runFirst(c *call, e *idemEntry, run func(*call)) {
	rec := &recorder{ResponseWriter: c.w}
	c.w = rec
	defer func() {
		d.mu.Lock()
		if rec.status != 0 && rec.status < 500 && !rec.overflow {
			e.resp = &savedResponse{status: rec.status, header: rec.header, body: rec.body.Bytes()}
			e.expires = time.Now().Add(d.ttl)
			d.bytes += len(e.resp.body)
			d.evictLocked(time.Now())
		} else {
			d.removeLocked(e)
		}
		close(e.done)
		d.mu.Unlock()
	}()
	run(c)
}

func (d *idempotency) removeLocked(e *idemEntry) {
	if d.entries[e.key] == e {
		delete(d.entries, e.key)
	}
	if e.elem != nil {
		d.order.Remove(e.elem)
		e.elem = nil
		if e.resp != nil {
			d.bytes -= len(e.resp.body)
		}
	}
}

// evictLocked drops expired entries, then the oldest answered ones while
// the cache is over its bounds. Running entries are never dropped.
func (d *idempotency) evictLocked(now time.Time) {
	for el := d.order.Front(); el != nil; {
		e, next := el.Value.(*idemEntry), el.Next()
		el = next
		if e.resp == nil {
			continue // still running
		}
		over := len(d.entries) > d.max || d.bytes > idemMaxBytes
		if !over && now.Before(e.expires) {
			// Entries behind this one answered later, so they expire
			// later (give or take a slow request; lookups check too).
			return
		}
		d.removeLocked(e)
	}
}

// Len returns the number of entries kept (for tests and metrics).
func (d *idempotency) Len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.entries)
}

// fingerprint hashes method, URL and body, and puts the body back for the
// handler: in memory when small, else in a temporary file that cleanup
// removes.
func (d *idempotency) fingerprint(r *http.Request) (fp [32]byte, cleanup func(), err error) {
	cleanup = func() {}
	bodyHash := sha256.New()
	var mem bytes.Buffer
	n, err := io.Copy(io.MultiWriter(&mem, bodyHash), io.LimitReader(r.Body, idemMemBody+1))
	if err != nil {
		return fp, cleanup, errBadRequest("body_unreadable", "could not read the request body")
	}
	if n <= idemMemBody {
		r.Body = io.NopCloser(bytes.NewReader(mem.Bytes()))
	} else {
		f, err := os.CreateTemp(d.tempDir, "duckstore-body-*")
		if err != nil {
			return fp, cleanup, err
		}
		cleanup = func() { f.Close(); os.Remove(f.Name()) }
		if _, err := io.Copy(io.MultiWriter(f, bodyHash), io.MultiReader(&mem, r.Body)); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return fp, cleanup, err
			}
			return fp, cleanup, errBadRequest("body_unreadable", "could not read the request body")
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return fp, cleanup, err
		}
		r.Body = f
	}
	h := sha256.New()
	h.Write([]byte(r.Method + "\x00" + r.URL.RequestURI() + "\x00"))
	h.Write(bodyHash.Sum(nil))
	copy(fp[:], h.Sum(nil))
	return fp, cleanup, nil
}

// replay writes a kept answer again.
func replay(w http.ResponseWriter, resp *savedResponse) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = append([]string(nil), v...)
	}
	h.Set(replayHeader, "true")
	h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	w.WriteHeader(resp.status)
	w.Write(resp.body)
}

// recorder passes a response through while keeping a copy for replay.
type recorder struct {
	http.ResponseWriter
	status   int
	header   http.Header
	body     bytes.Buffer
	overflow bool
}

// headers a replay must not copy: they describe this one response.
var unreplayed = map[string]bool{"X-Request-Id": true, "Date": true, "Content-Length": true}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
		r.header = http.Header{}
		for k, v := range r.ResponseWriter.Header() {
			if !unreplayed[k] {
				r.header[k] = append([]string(nil), v...)
			}
		}
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.WriteHeader(http.StatusOK)
	}
	if !r.overflow {
		if r.body.Len()+len(b) > idemMaxResponse {
			r.overflow = true
			r.body = bytes.Buffer{}
		} else {
			r.body.Write(b)
		}
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return s != ""
}
