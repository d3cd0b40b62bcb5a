package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
)

func newStore(t *testing.T, cfg Config) (*Store, *catalog.DuckStore, string) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := catalog.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(ctx, engine.Config{DataDir: dir}, cat)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := cat.CreateProject(ctx, &catalog.Project{ID: "p", Name: "p", CreatedAt: now, UpdatedAt: now, ScramSalt: []byte("s"), ScramIterations: 4096}); err != nil {
		t.Fatal(err)
	}
	s, err := New(cfg, e, cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); e.Close(); cat.Close() })
	return s, cat, e.ProjectDir("p")
}

func sum(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestPrepareUploadRegisterDownloadDelete(t *testing.T) {
	ctx := context.Background()
	s, _, pdir := newStore(t, Config{})
	u, err := s.Prepare(ctx, "p", Prepare{Name: "data.csv", ContentType: "text/csv", Tags: map[string]string{"src": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	// A retried upload replaces the first attempt.
	if _, _, err := s.Upload(ctx, "p", u.Key, "ignored.csv", strings.NewReader("first attempt")); err != nil {
		t.Fatal(err)
	}
	sl, _, err := s.Upload(ctx, "p", u.Key, "", strings.NewReader("a,b\n1,2\n"))
	if err != nil || sl.Size != 8 || sl.SHA256 != sum("a,b\n1,2\n") || sl.Name != "data.csv" {
		t.Fatalf("slice = %+v, %v", sl, err)
	}
	f, err := s.Register(ctx, "p", u.Key, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size != 8 || f.SHA256 != sl.SHA256 || f.Tags["src"] != "x" || f.ExpiresAt == nil || f.Path != filepath.Join("files", f.ID) {
		t.Fatalf("file = %+v", f)
	}
	if _, err := s.Session(ctx, "p", u.Key); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("session after register: %v", err)
	}
	r, err := s.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "a,b\n1,2\n" {
		t.Fatalf("content %q", b)
	}
	if err := s.Delete(ctx, "p", f.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(pdir, f.Path)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("folder after delete: %v", err)
	}
}

func TestSlicedUploadReadsAsOneStream(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, Config{})
	u, _ := s.Prepare(ctx, "p", Prepare{Name: "big.csv", Sliced: true, Permanent: true})
	for _, part := range []struct{ name, data string }{{"part002", "world"}, {"part001", "hello "}, {"part003", "!"}} {
		if _, _, err := s.Upload(ctx, "p", u.Key, part.name, strings.NewReader(part.data)); err != nil {
			t.Fatal(err)
		}
	}
	f, err := s.Register(ctx, "p", u.Key, "greeting", map[string]string{"k": "v"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Sliced || len(f.Slices) != 3 || f.Slices[0].Name != "part001" || f.Size != 12 || f.ExpiresAt != nil {
		t.Fatalf("file = %+v", f)
	}
	r, _ := s.Open(f)
	defer r.Close()
	if _, err := r.Seek(4, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	n, _ := io.ReadFull(r, buf)
	if string(buf[:n]) != "o wor" {
		t.Fatalf("read after seek = %q", buf[:n])
	}
	rest, _ := io.ReadAll(r)
	if string(rest) != "ld!" {
		t.Fatalf("rest = %q", rest)
	}
}

func TestUploadCapAndNames(t *testing.T) {
	ctx := context.Background()
	s, _, pdir := newStore(t, Config{MaxUploadBytes: 10})
	big := int64(11)
	var tl *TooLargeError
	if _, err := s.Prepare(ctx, "p", Prepare{Name: "a", ExpectedSize: &big}); !errors.As(err, &tl) {
		t.Fatalf("prepare over the cap: %v", err)
	}
	u, _ := s.Prepare(ctx, "p", Prepare{Name: "a", Sliced: true})
	if _, _, err := s.Upload(ctx, "p", u.Key, "s1", strings.NewReader("123456")); err != nil {
		t.Fatal(err)
	}
	// The cap counts every slice of the session.
	if _, _, err := s.Upload(ctx, "p", u.Key, "s2", strings.NewReader("123456")); !errors.As(err, &tl) {
		t.Fatalf("upload over the cap: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(pdir, "files", "_uploads", u.Key))
	if len(entries) != 1 || entries[0].Name() != "s1" {
		t.Fatalf("session folder holds %v", entries)
	}
	for _, name := range []string{"../x", "a/b", ".hidden", "", "x\x00y", "a.part", `a\b`} {
		if _, err := s.Prepare(ctx, "p", Prepare{Name: name}); err == nil {
			t.Errorf("name %q accepted", name)
		}
		if _, _, err := s.Upload(ctx, "p", u.Key, name, strings.NewReader("1")); err == nil && name != "" {
			t.Errorf("slice name %q accepted", name)
		}
	}
}

func TestJanitorExpiresAndRemovesOrphans(t *testing.T) {
	ctx := context.Background()
	s, cat, pdir := newStore(t, Config{UploadTTL: time.Hour, FileTTL: time.Hour})
	keep, _ := s.Prepare(ctx, "p", Prepare{Name: "keep"})
	s.Upload(ctx, "p", keep.Key, "", strings.NewReader("k"))
	old, _ := s.Prepare(ctx, "p", Prepare{Name: "old"})
	s.Upload(ctx, "p", old.Key, "", strings.NewReader("o"))
	kf, _ := s.Prepare(ctx, "p", Prepare{Name: "f"})
	s.Upload(ctx, "p", kf.Key, "", strings.NewReader("f"))
	file, err := s.Register(ctx, "p", kf.Key, "", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	exp, _ := s.Prepare(ctx, "p", Prepare{Name: "e"})
	s.Upload(ctx, "p", exp.Key, "", strings.NewReader("e"))
	expired, _ := s.Register(ctx, "p", exp.Key, "", nil, nil)

	// Age the old session and the expired file.
	past := time.Now().Add(-time.Minute)
	db := cat.DB()
	db.Exec(`UPDATE file_uploads SET expires_at = ? WHERE key = ?`, past, old.Key)
	db.Exec(`UPDATE files SET expires_at = ? WHERE id = ?`, past, mustInt(expired.ID))
	// What a crash leaves: a folder moved into place without its row, a
	// half-written part, a session folder without a session, an export.
	os.MkdirAll(filepath.Join(pdir, "files", "999999"), 0o750)
	os.WriteFile(filepath.Join(pdir, "files", "_uploads", keep.Key, "keep.part"), []byte("x"), 0o640)
	os.MkdirAll(filepath.Join(pdir, "files", "_uploads", "deadbeef"), 0o750)
	os.MkdirAll(filepath.Join(pdir, "files", "_exports", "0123"), 0o750)

	if err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, "p", keep.Key); err != nil {
		t.Fatalf("live session removed: %v", err)
	}
	if _, err := cat.Upload(ctx, "p", old.Key); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("expired session kept: %v", err)
	}
	if _, err := s.File(ctx, "p", file.ID); err != nil {
		t.Fatalf("live file removed: %v", err)
	}
	if _, err := s.File(ctx, "p", expired.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("expired file kept: %v", err)
	}
	for _, gone := range []string{"files/999999", "files/_uploads/" + old.Key, "files/_uploads/" + keep.Key + "/keep.part",
		"files/_uploads/deadbeef", "files/_exports/0123", expired.Path} {
		if _, err := os.Stat(filepath.Join(pdir, gone)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s survived the janitor", gone)
		}
	}
	for _, kept := range []string{"files/_uploads/" + keep.Key + "/keep", file.Path} {
		if _, err := os.Stat(filepath.Join(pdir, kept)); err != nil {
			t.Errorf("%s removed: %v", kept, err)
		}
	}
	// A row whose data vanished is dropped rather than served.
	os.RemoveAll(filepath.Join(pdir, file.Path))
	s.Sweep(ctx)
	if _, err := s.File(ctx, "p", file.ID); !errors.Is(err, catalog.ErrNotFound) {
		t.Fatalf("row without data kept: %v", err)
	}
}

func mustInt(s string) int64 {
	var n int64
	for _, c := range s {
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestCreateMakesAFileFromAWriter(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newStore(t, Config{})
	f, err := s.Create(ctx, "p", NewFile{Name: "export.csv", ContentType: "text/csv"}, func(dir string) error {
		return os.WriteFile(filepath.Join(dir, "data_0.csv"), []byte("x\n1\n"), 0o640)
	})
	if err != nil || f.Size != 4 || f.Origin != "export" || f.Sliced {
		t.Fatalf("file = %+v, %v", f, err)
	}
	_, err = s.Create(ctx, "p", NewFile{Name: "fail.csv"}, func(dir string) error {
		os.WriteFile(filepath.Join(dir, "half"), []byte("x"), 0o640)
		return errors.New("disk full")
	})
	if err == nil {
		t.Fatal("failed writer made a file")
	}
	list, total, _ := s.Files(ctx, "p", catalog.FileFilter{Limit: -1})
	if total != 1 || list[0].ID != f.ID {
		t.Fatalf("files = %v", list)
	}
}

func TestNaturalOrderOfSlices(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		less bool
	}{{"data_2.csv", "data_10.csv", true}, {"data_10.csv", "data_2.csv", false}, {"part001", "part002", true},
		{"a", "b", true}, {"x9", "x09", false}, {"s1", "s1a", true}, {"data_1.csv", "data_1.csv", false}} {
		if got := naturalLess(tc.a, tc.b); got != tc.less {
			t.Errorf("naturalLess(%q, %q) = %v", tc.a, tc.b, got)
		}
	}
}

func TestExpiredSessionIsGone(t *testing.T) {
	ctx := context.Background()
	s, cat, _ := newStore(t, Config{})
	u, _ := s.Prepare(ctx, "p", Prepare{Name: "late.csv"})
	cat.DB().Exec(`UPDATE file_uploads SET expires_at = ? WHERE key = ?`, time.Now().Add(-time.Second), u.Key)
	if _, _, err := s.Upload(ctx, "p", u.Key, "", strings.NewReader("x")); !ErrExpired(err) {
		t.Fatalf("upload to an expired session: %v", err)
	}
	if _, err := s.Register(ctx, "p", u.Key, "", nil, nil); !ErrExpired(err) {
		t.Fatalf("register of an expired session: %v", err)
	}
}
