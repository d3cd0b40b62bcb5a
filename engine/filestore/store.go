// Package filestore keeps the Files API's files on local disk: upload
// sessions (prepare → upload → register), files written by exports, their
// retention, and the janitor that enforces it and removes what a crash
// left behind.
//
// Layout inside a project folder:
//
//	files/<id>/<slice>...           a registered file: one slice, or the slices of a sliced file
//	files/_uploads/<key>/<slice>    an upload session's data (<slice>.part while it streams in)
//	files/_exports/<random>/...     an export being written
//
// A file is moved into place (one rename of its folder) before its
// catalog row is written, and its row is deleted before its folder: a
// crash leaves at worst a folder without a row, which the janitor
// removes, never a row without its data.
//
// filestore imports engine and catalog; it must not import admin,
// sqlrouter or wire.
package filestore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Config tunes the store.
type Config struct {
	// MaxUploadBytes caps one upload session (all its slices). 0 means
	// DefaultMaxUploadBytes.
	MaxUploadBytes int64
	// UploadTTL is how long a prepared upload may wait for register. 0
	// means 24 hours.
	UploadTTL time.Duration
	// FileTTL is how long a file that is not permanent is kept. 0 means 15
	// days, Keboola's default.
	FileTTL time.Duration
	// JanitorEvery is how often expired and orphaned files are removed.
	// 0 means 10 minutes.
	JanitorEvery time.Duration
	Logger       *slog.Logger
	Registerer   prometheus.Registerer
}

// DefaultMaxUploadBytes is the default cap of one upload: 10 GiB.
const DefaultMaxUploadBytes = 10 << 30

// Folders under a project's files folder.
const (
	filesDir   = "files"
	uploadsDir = "_uploads"
	exportsDir = "_exports"
	partSuffix = ".part"
)

// Store is the Files API's storage. Safe for concurrent use.
type Store struct {
	cfg     Config
	eng     *engine.Engine
	cat     catalog.FileStore
	log     *slog.Logger
	metrics *metrics

	mu sync.Mutex
	// busy holds what is being written right now (upload keys, file ids
	// being registered, export folders), which the janitor leaves alone.
	busy map[string]int
	// uploadLocks serializes writes to one upload session.
	uploadLocks map[string]*sync.Mutex

	stop chan struct{}
	done chan struct{}
}

// New returns a store over the engine's data folder, keeping its rows in
// cat. Start runs the janitor.
func New(cfg Config, eng *engine.Engine, cat catalog.FileStore) (*Store, error) {
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if cfg.UploadTTL <= 0 {
		cfg.UploadTTL = 24 * time.Hour
	}
	if cfg.FileTTL <= 0 {
		cfg.FileTTL = 15 * 24 * time.Hour
	}
	if cfg.JanitorEvery <= 0 {
		cfg.JanitorEvery = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Store{cfg: cfg, eng: eng, cat: cat, log: cfg.Logger, busy: map[string]int{}, uploadLocks: map[string]*sync.Mutex{}}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	return s, nil
}

// Config returns the effective configuration.
func (s *Store) Config() Config { return s.cfg }

// Start runs the janitor in the background: once now (removing what a
// crash left behind) and then every JanitorEvery, until Close.
func (s *Store) Start(ctx context.Context) {
	s.stop, s.done = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(s.done)
		for {
			if err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Warn("file janitor", "err", err)
			}
			select {
			case <-s.stop:
				return
			case <-ctx.Done():
				return
			case <-time.After(s.cfg.JanitorEvery):
			}
		}
	}()
}

// Close stops the janitor and waits for it.
func (s *Store) Close() error {
	if s.stop != nil {
		close(s.stop)
		<-s.done
		s.stop = nil
	}
	return nil
}

// claim marks name busy until the returned release is called.
func (s *Store) claim(name string) func() {
	s.mu.Lock()
	s.busy[name]++
	s.mu.Unlock()
	return func() {
		s.mu.Lock()
		if s.busy[name]--; s.busy[name] == 0 {
			delete(s.busy, name)
		}
		s.mu.Unlock()
	}
}

func (s *Store) isBusy(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.busy[name] > 0
}

// lockUpload serializes the writers of one upload session.
func (s *Store) lockUpload(key string) func() {
	s.mu.Lock()
	l := s.uploadLocks[key]
	if l == nil {
		l = &sync.Mutex{}
		s.uploadLocks[key] = l
	}
	s.mu.Unlock()
	l.Lock()
	return l.Unlock
}

// projectDir is the project's folder, its id checked.
func (s *Store) projectDir(projectID string) (string, error) {
	if err := engine.ValidateID("project", projectID); err != nil {
		return "", err
	}
	return s.eng.ProjectDir(projectID), nil
}

// Dir returns the absolute folder of a registered file.
func (s *Store) Dir(f *catalog.File) string {
	return filepath.Join(s.eng.ProjectDir(f.ProjectID), f.Path)
}

// Paths returns the absolute paths of a file's slices, in order.
func (s *Store) Paths(f *catalog.File) []string {
	dir := s.Dir(f)
	out := make([]string, len(f.Slices))
	for i, sl := range f.Slices {
		out[i] = filepath.Join(dir, sl.Name)
	}
	return out
}

// ValidateName checks a file or slice name given by a client: it becomes
// a name on disk, so it must not be able to leave its folder.
func ValidateName(name string) error {
	bad := func(why string) error {
		return pgerr.New(pgerr.InvalidName, "invalid file name %q: %s", name, why)
	}
	switch {
	case name == "":
		return bad("must not be empty")
	case len(name) > 255:
		return bad("longer than 255 bytes")
	case !utf8.ValidString(name):
		return bad("not valid UTF-8")
	case strings.HasPrefix(name, "."):
		return bad("must not start with a dot")
	case strings.HasSuffix(name, partSuffix):
		return bad("must not end with " + partSuffix)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return bad(fmt.Sprintf("must not contain %q", r))
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// errGone is an expired upload session (410).
var errGone = errors.New("upload session expired")

// ErrExpired reports whether err is an expired upload session.
func ErrExpired(err error) bool { return errors.Is(err, errGone) }

// TooLargeError is an upload past the configured cap.
type TooLargeError struct{ Limit int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("upload larger than the limit of %d bytes", e.Limit)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
