package catalog

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestUploadsAndFilesSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	now := time.Now().UTC().Truncate(time.Microsecond)
	size := int64(10)
	u := &Upload{Key: "k1", ProjectID: "p1", Name: "a.csv", ContentType: "text/csv", ExpectedSize: &size,
		Tags: map[string]string{"t": "1"}, CreatedBy: "key1", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
	if err := s.CreateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	u.Slices = []FileSlice{{Name: "a.csv", Size: 10, SHA256: "ab"}}
	if err := s.UpdateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	id, err := s.NewFileID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	exp := now.Add(24 * time.Hour)
	f := &File{ID: id, ProjectID: "p1", Name: "a.csv", Path: "files/" + id, Size: 10, SHA256: "ab", Slices: u.Slices,
		Tags: map[string]string{"t": "1", "x": ""}, Origin: "upload", CreatedAt: now, ExpiresAt: &exp}
	if err := s.CreateFile(ctx, f); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	got, err := s.Upload(ctx, "p1", "k1")
	if err != nil || *got.ExpectedSize != 10 || got.Slices[0].Name != "a.csv" || got.Tags["t"] != "1" || !got.ExpiresAt.Equal(u.ExpiresAt) {
		t.Fatalf("upload after reopen = %+v, %v", got, err)
	}
	if _, err := s.Upload(ctx, "p2", "k1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("upload of another project: %v", err)
	}
	gf, err := s.File(ctx, "p1", id)
	if err != nil || gf.Path != "files/"+id || gf.Slices[0].SHA256 != "ab" || !gf.ExpiresAt.Equal(exp) {
		t.Fatalf("file after reopen = %+v, %v", gf, err)
	}
	for _, tc := range []struct {
		tags []string
		want int
	}{{nil, 1}, {[]string{"t"}, 1}, {[]string{"t=1"}, 1}, {[]string{"t=2"}, 0}, {[]string{"y", "x"}, 1}, {[]string{"y"}, 0}} {
		list, total, err := s.Files(ctx, "p1", FileFilter{Tags: tc.tags, Limit: -1})
		if err != nil || total != tc.want || len(list) != tc.want {
			t.Errorf("Files(tags=%v) = %d/%d, %v; want %d", tc.tags, len(list), total, err, tc.want)
		}
	}
	if err := s.DeleteFile(ctx, "p1", id); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFile(ctx, "p1", id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestJobsLifecycleAndInterruptedJobs(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := open(t, dir)
	now := time.Now().UTC().Truncate(time.Microsecond)
	a := &Job{ProjectID: "p1", BranchID: MainBranch, Operation: "tableImport", Table: "b.t", Status: JobWaiting,
		Params: []byte(`{"file_id":"1"}`), CreatedAt: now}
	b := &Job{ProjectID: "p1", BranchID: MainBranch, Operation: "tableExport", Table: "b.t", Status: JobWaiting, CreatedAt: now}
	for _, j := range []*Job{a, b} {
		if err := s.CreateJob(ctx, j); err != nil || j.ID == "" {
			t.Fatalf("create: %v %q", err, j.ID)
		}
	}
	a.Status, a.StartedAt, a.EndedAt = JobSuccess, &now, &now
	a.Result, a.Progress = []byte(`{"imported_rows":3}`), JobProgress{Rows: 3, Bytes: 9, Percent: 100}
	if err := s.UpdateJob(ctx, a); err != nil {
		t.Fatal(err)
	}
	b.Status, b.StartedAt = JobProcessing, &now
	if err := s.UpdateJob(ctx, b); err != nil {
		t.Fatal(err)
	}
	s.Close()

	s = open(t, dir)
	defer s.Close()
	if n, err := s.FailUnfinishedJobs(ctx, "interrupted by a restart", now); err != nil || n != 1 {
		t.Fatalf("FailUnfinishedJobs = %d, %v", n, err)
	}
	gb, err := s.Job(ctx, "p1", b.ID)
	if err != nil || gb.Status != JobError || gb.Error.Code != "job_interrupted" || gb.EndedAt == nil {
		t.Fatalf("interrupted job = %+v, %v", gb, err)
	}
	ga, _ := s.Job(ctx, "p1", a.ID)
	if string(ga.Result) != `{"imported_rows":3}` || ga.Progress.Rows != 3 || string(ga.Params) != `{"file_id":"1"}` {
		t.Fatalf("finished job = %+v", ga)
	}
	list, total, err := s.Jobs(ctx, "p1", JobFilter{Statuses: []JobStatus{JobError}, Limit: 10})
	if err != nil || total != 1 || list[0].ID != b.ID {
		t.Fatalf("Jobs(error) = %v %d %v", list, total, err)
	}
	list, total, _ = s.Jobs(ctx, "p1", JobFilter{Operation: "tableImport", Limit: -1})
	if total != 1 || list[0].ID != a.ID {
		t.Fatalf("Jobs(tableImport) = %v %d", list, total)
	}
	if n, err := s.DeleteJobsBefore(ctx, now.Add(time.Second)); err != nil || n != 2 {
		t.Fatalf("DeleteJobsBefore = %d, %v", n, err)
	}
}
