package jobs

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/duckstore/duckstore/catalog"
)

func newRunner(t *testing.T, dir string, parallel int) (*Runner, *catalog.DuckStore) {
	t.Helper()
	cat, err := catalog.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := New(Config{MaxParallel: parallel}, cat)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r, cat
}

func job(op string) *catalog.Job {
	return &catalog.Job{ProjectID: "p", BranchID: catalog.MainBranch, Operation: op, Table: "b.t"}
}

func TestJobsOfOneKeyRunInOrderOthersInParallel(t *testing.T) {
	r, cat := newRunner(t, t.TempDir(), 4)
	defer cat.Close()
	defer r.Close()
	ctx := context.Background()
	var mu sync.Mutex
	var order []int
	var running, maxRunning atomic.Int32
	release := make(chan struct{})
	var ids []string
	for i := range 6 {
		key := "t1"
		if i%2 == 1 {
			key = "t2"
		}
		j := job("tableImport")
		err := r.Submit(ctx, j, key, func(ctx context.Context, progress func(catalog.JobProgress)) (any, error) {
			n := running.Add(1)
			for {
				m := maxRunning.Load()
				if n <= m || maxRunning.CompareAndSwap(m, n) {
					break
				}
			}
			progress(catalog.JobProgress{Rows: int64(i)})
			<-release
			running.Add(-1)
			mu.Lock()
			order = append(order, i)
			mu.Unlock()
			return map[string]int{"i": i}, nil
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, j.ID)
	}
	time.Sleep(100 * time.Millisecond)
	if got := maxRunning.Load(); got != 2 {
		t.Fatalf("%d jobs ran at once; want one per key", got)
	}
	j, _ := r.Job(ctx, "p", ids[0])
	if j.Status != catalog.JobProcessing || j.StartedAt == nil {
		t.Fatalf("first job = %+v", j)
	}
	if j2, _ := r.Job(ctx, "p", ids[2]); j2.Status != catalog.JobWaiting {
		t.Fatalf("third job = %+v", j2)
	}
	close(release)
	for _, id := range ids {
		j, err := r.Wait(ctx, "p", id)
		if err != nil || j.Status != catalog.JobSuccess || j.EndedAt == nil {
			t.Fatalf("job %s = %+v, %v", id, j, err)
		}
	}
	var t1, t2 []int
	for _, i := range order {
		if i%2 == 0 {
			t1 = append(t1, i)
		} else {
			t2 = append(t2, i)
		}
	}
	if len(t1) != 3 || t1[0] != 0 || t1[1] != 2 || t1[2] != 4 || t2[0] != 1 || t2[1] != 3 || t2[2] != 5 {
		t.Fatalf("order = %v", order)
	}
	last, _ := r.Job(ctx, "p", ids[5])
	if string(last.Result) != `{"i":5}` || last.Progress.Rows != 5 {
		t.Fatalf("last job = %+v", last)
	}
}

func TestErrorsAndPanicsEndAsError(t *testing.T) {
	r, cat := newRunner(t, t.TempDir(), 2)
	defer cat.Close()
	defer r.Close()
	ctx := context.Background()
	a, b := job("tableExport"), job("tableExport")
	r.Submit(ctx, a, "k", func(context.Context, func(catalog.JobProgress)) (any, error) {
		return nil, errors.New("no such column")
	})
	r.Submit(ctx, b, "k", func(context.Context, func(catalog.JobProgress)) (any, error) { panic("boom") })
	ja, _ := r.Wait(ctx, "p", a.ID)
	jb, _ := r.Wait(ctx, "p", b.ID)
	if ja.Status != catalog.JobError || ja.Error.Message != "no such column" || jb.Status != catalog.JobError {
		t.Fatalf("jobs = %+v / %+v", ja, jb)
	}
}

func TestStopAndRestartNeverLeaveJobsProcessing(t *testing.T) {
	dir := t.TempDir()
	r, cat := newRunner(t, dir, 1)
	ctx := context.Background()
	started := make(chan struct{})
	running, waiting := job("tableImport"), job("tableImport")
	r.Submit(ctx, running, "k", func(ctx context.Context, _ func(catalog.JobProgress)) (any, error) {
		close(started)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	r.Submit(ctx, waiting, "k", func(context.Context, func(catalog.JobProgress)) (any, error) { return "ran", nil })
	<-started
	r.Close()
	for _, id := range []string{running.ID, waiting.ID} {
		j, _ := cat.Job(ctx, "p", id)
		if j.Status != catalog.JobError || j.Error.Code != "job_interrupted" {
			t.Fatalf("job after stop = %+v", j)
		}
	}
	// A crash leaves jobs as they were: the next start ends them.
	crashed := job("tableCreate")
	crashed.Status = catalog.JobProcessing
	cat.CreateJob(ctx, crashed)
	cat.Close()
	r2, cat2 := newRunner(t, dir, 1)
	defer cat2.Close()
	defer r2.Close()
	j, _ := cat2.Job(ctx, "p", crashed.ID)
	if j.Status != catalog.JobError || j.EndedAt == nil || j.Error.Message == "" {
		t.Fatalf("crashed job after restart = %+v", j)
	}
}
