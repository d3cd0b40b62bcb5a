package catalog

import (
	"context"
	"errors"
	"testing"
	"time"
)

func open(t *testing.T, dir string) *DuckStore {
	t.Helper()
	s, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMigratesEmptyDirectory(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	v, err := s.Version(context.Background())
	if err != nil || v != len(migrations) {
		t.Fatalf("version = %d, %v; want %d", v, err, len(migrations))
	}
	s.Close()
	// Reopening applies nothing and keeps the version.
	s = open(t, dir)
	defer s.Close()
	if v, _ := s.Version(context.Background()); v != len(migrations) {
		t.Fatalf("version after reopen = %d", v)
	}
}

func TestObjectsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	now := time.Now().UTC().Truncate(time.Microsecond)
	p := &Project{ID: "p1", Name: "One", Settings: map[string]any{"a": "b"}, CreatedAt: now, UpdatedAt: now, ScramSalt: []byte("salt"), ScramIterations: 4096}
	if err := s.CreateProject(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateProject(ctx, p); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate project: %v", err)
	}
	exp := now.Add(time.Hour)
	k := &APIKey{ID: "k1", ProjectID: "p1", BranchID: "", Scope: ScopeReadOnly, Description: "d", Prefix: "proj_p1_k1_", CreatedAt: now, ExpiresAt: &exp}
	k.SecretHash[0] = 7
	if err := s.CreateKey(ctx, k); err != nil {
		t.Fatal(err)
	}
	b := &Bucket{ProjectID: "p1", BranchID: MainBranch, Name: "in.c-sales", CreatedAt: now}
	if err := s.CreateBucket(ctx, b); err != nil || b.ID == 0 {
		t.Fatalf("bucket: %v id=%d", err, b.ID)
	}
	def := "0"
	tb := &Table{ProjectID: "p1", BranchID: MainBranch, Bucket: "in.c-sales", Name: "orders", Path: "main/in.c-sales/orders.duckdb",
		Columns: []Column{{Name: "id", Type: "INTEGER"}, {Name: "n", Type: "BIGINT", Nullable: true, Default: &def}}, PrimaryKey: []string{"id"}, CreatedAt: now, UpdatedAt: now}
	g0 := s.Generation("p1")
	if err := s.CreateTable(ctx, tb); err != nil {
		t.Fatal(err)
	}
	if s.Generation("p1") == g0 {
		t.Error("generation did not move")
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	gp, err := s.Project(ctx, "p1")
	if err != nil || gp.Name != "One" || gp.Settings["a"] != "b" || string(gp.ScramSalt) != "salt" || !gp.CreatedAt.Equal(now) {
		t.Fatalf("project = %+v, %v", gp, err)
	}
	gk, err := s.Key(ctx, "k1")
	if err != nil || gk.Scope != ScopeReadOnly || gk.SecretHash[0] != 7 || gk.ExpiresAt == nil || !gk.ExpiresAt.Equal(exp) || gk.RevokedAt != nil {
		t.Fatalf("key = %+v, %v", gk, err)
	}
	gt, err := s.Table(ctx, "p1", MainBranch, "in.c-sales", "orders")
	if err != nil || gt.ID != tb.ID || len(gt.Columns) != 2 || *gt.Columns[1].Default != "0" || gt.PrimaryKey[0] != "id" {
		t.Fatalf("table = %+v, %v", gt, err)
	}
	// Rename through UpdateTable moves the name index.
	gt.Name = "orders2"
	if err := s.UpdateTable(ctx, gt); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Table(ctx, "p1", MainBranch, "in.c-sales", "orders"); !errors.Is(err, ErrNotFound) {
		t.Errorf("old name still resolves: %v", err)
	}
	if err := s.DeleteProject(ctx, "p1"); err != nil {
		t.Fatal(err)
	}
	if ts, _ := s.Tables(ctx, "p1", MainBranch, ""); len(ts) != 0 {
		t.Errorf("tables left after project delete: %d", len(ts))
	}
	if _, err := s.Key(ctx, "k1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("key left after project delete: %v", err)
	}
}
