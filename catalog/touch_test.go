package catalog

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestTouchKeyChangesOnlyLastUsed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	now := time.Now().UTC().Truncate(time.Microsecond)
	k := &APIKey{ID: "k1", ProjectID: "p1", Scope: ScopeProjectAdmin, Prefix: "proj_p1_k1_", CreatedAt: now}
	if err := s.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	// A revoke that lands between a reader's Key and its TouchKey must
	// stay revoked.
	stale, _ := s.Key(ctx, "k1")
	rev := now.Add(time.Second)
	k.RevokedAt = &rev
	if err := s.UpdateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	used := now.Add(2 * time.Second)
	if err := s.TouchKey(ctx, stale.ID, used); err != nil {
		t.Fatal(err)
	}
	for _, st := range []*DuckStore{s, reopen(t, s, dir)} {
		got, err := st.Key(ctx, "k1")
		if err != nil || got.RevokedAt == nil || got.LastUsedAt == nil || !got.LastUsedAt.Equal(used) {
			t.Fatalf("key = %+v, %v; want revoked and last used at %v", got, err, used)
		}
	}
	if err := s.TouchKey(ctx, "nope", used); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TouchKey of a missing key: %v", err)
	}
}

func reopen(t *testing.T, s *DuckStore, dir string) *DuckStore {
	t.Helper()
	s.Close()
	s2 := open(t, dir)
	t.Cleanup(func() { s2.Close() })
	return s2
}

func TestDeleteProjectRemovesFilesAndJobs(t *testing.T) {
	ctx := context.Background()
	s := open(t, t.TempDir())
	defer s.Close()
	now := time.Now().UTC()
	for _, id := range []string{"p1", "p2"} {
		if err := s.CreateProject(ctx, &Project{ID: id, Name: id, CreatedAt: now, UpdatedAt: now, ScramSalt: []byte("s"), ScramIterations: 4096}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUpload(ctx, &Upload{Key: "u-" + id, ProjectID: id, Name: "a.csv", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		fid, _ := s.NewFileID(ctx)
		if err := s.CreateFile(ctx, &File{ID: fid, ProjectID: id, Name: "a.csv", Path: "files/" + fid, Origin: "upload", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateJob(ctx, &Job{ProjectID: id, BranchID: MainBranch, Operation: "tableImport", Status: JobWaiting, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteProject(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		project string
		want    int
	}{{"p1", 0}, {"p2", 1}} {
		files, _, err := s.Files(ctx, tc.project, FileFilter{Limit: -1})
		uploads, _ := s.Uploads(ctx, tc.project)
		jobs, _, jerr := s.Jobs(ctx, tc.project, JobFilter{Limit: -1})
		if err != nil || jerr != nil || len(files) != tc.want || len(uploads) != tc.want || len(jobs) != tc.want {
			t.Errorf("%s: %d files (%v), %d uploads, %d jobs (%v); want %d of each", tc.project, len(files), err, len(uploads), len(jobs), jerr, tc.want)
		}
	}
}
