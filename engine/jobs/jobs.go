// Package jobs runs long operations (imports, exports, table creation
// from files) in the background as Keboola's async jobs: each job is
// recorded in the catalog (waiting → processing → success | error),
// jobs on one resource (a table) run one after another in the order they
// were submitted, jobs on different resources in parallel up to a bound,
// and a job that a stop or a crash interrupted ends as error at the next
// start, never stuck in processing.
//
// jobs imports catalog only.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
)

// Func does a job's work. It reports progress through progress (cheap:
// kept in memory, merged into the job when it is read) and returns the
// job's result, marshalled to JSON.
type Func func(ctx context.Context, progress func(catalog.JobProgress)) (result any, err error)

// Config tunes the runner.
type Config struct {
	// MaxParallel bounds the jobs running at once. 0 means 4.
	MaxParallel int
	// Retention is how long finished jobs are kept. 0 means 30 days.
	Retention time.Duration
	// Describe turns a job's error into what the job records (the API's
	// error code, message and details). nil records the message only.
	Describe   func(error) *catalog.JobFailure
	Logger     *slog.Logger
	Registerer prometheus.Registerer
}

// Runner runs jobs. Safe for concurrent use.
type Runner struct {
	cfg     Config
	cat     catalog.JobStore
	log     *slog.Logger
	sem     chan struct{}
	metrics *metrics

	ctx    context.Context // canceled by Close: running jobs stop
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	queues map[string][]*entry // per resource, in submission order; the head runs
	live   map[string]*entry   // waiting and running jobs by id
	closed bool
}

type entry struct {
	job *catalog.Job
	fn  Func
	key string

	mu       sync.Mutex
	progress catalog.JobProgress
	status   catalog.JobStatus
	started  *time.Time
}

// New returns a runner over cat. Start must be called before Submit.
func New(cfg Config, cat catalog.JobStore) (*Runner, error) {
	if cfg.MaxParallel <= 0 {
		cfg.MaxParallel = 4
	}
	if cfg.Retention <= 0 {
		cfg.Retention = 30 * 24 * time.Hour
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{cfg: cfg, cat: cat, log: cfg.Logger, sem: make(chan struct{}, cfg.MaxParallel), metrics: m,
		ctx: ctx, cancel: cancel, queues: map[string][]*entry{}, live: map[string]*entry{}}, nil
}

// interruptedMsg is what a job cut short by a stop or crash records.
const interruptedMsg = "the server stopped before the job finished; run it again"

// Start ends the jobs an earlier run left waiting or processing (a crash,
// or a stop that could not record them) as error, and starts the hourly
// removal of finished jobs past the retention.
func (r *Runner) Start(ctx context.Context) error {
	n, err := r.cat.FailUnfinishedJobs(ctx, interruptedMsg, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("jobs: fail interrupted jobs: %w", err)
	}
	if n > 0 {
		r.log.Warn("jobs interrupted by the last stop ended as error", "jobs", n)
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		for {
			if _, err := r.cat.DeleteJobsBefore(r.ctx, time.Now().Add(-r.cfg.Retention)); err != nil && r.ctx.Err() == nil {
				r.log.Warn("remove old jobs", "err", err)
			}
			select {
			case <-r.ctx.Done():
				return
			case <-time.After(time.Hour):
			}
		}
	}()
	return nil
}

// Submit records j as waiting (setting its id, status and creation time)
// and runs fn after every earlier job of the same key has finished. key
// names the resource the job acts on, e.g. project/branch/bucket/table.
func (r *Runner) Submit(ctx context.Context, j *catalog.Job, key string, fn Func) error {
	r.mu.Lock()
	closed := r.closed
	r.mu.Unlock()
	if closed {
		return errors.New("jobs: the server is shutting down")
	}
	j.Status = catalog.JobWaiting
	j.CreatedAt = time.Now().UTC()
	j.StartedAt, j.EndedAt, j.Result, j.Error = nil, nil, nil, nil
	if err := r.cat.CreateJob(ctx, j); err != nil {
		return err
	}
	e := &entry{job: cloneJob(j), fn: fn, key: key, status: catalog.JobWaiting}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		r.finish(e, nil, errors.New("the server is shutting down"))
		return nil
	}
	r.live[j.ID] = e
	r.queues[key] = append(r.queues[key], e)
	r.metrics.waiting.Inc()
	if len(r.queues[key]) == 1 {
		r.wg.Add(1)
		go r.drain(key)
	}
	return nil
}

// drain runs the queue of key, head first, until it is empty.
func (r *Runner) drain(key string) {
	defer r.wg.Done()
	for {
		r.mu.Lock()
		q := r.queues[key]
		if len(q) == 0 {
			delete(r.queues, key)
			r.mu.Unlock()
			return
		}
		e := q[0]
		r.mu.Unlock()
		r.run(e)
		r.mu.Lock()
		r.queues[key] = r.queues[key][1:]
		delete(r.live, e.job.ID)
		r.mu.Unlock()
	}
}

// run runs one job when a slot is free.
func (r *Runner) run(e *entry) {
	if r.ctx.Err() != nil {
		r.metrics.waiting.Dec()
		r.finish(e, nil, r.ctx.Err())
		return
	}
	select {
	case r.sem <- struct{}{}:
	case <-r.ctx.Done():
		r.metrics.waiting.Dec()
		r.finish(e, nil, r.ctx.Err())
		return
	}
	defer func() { <-r.sem }()
	r.metrics.waiting.Dec()
	now := time.Now().UTC()
	e.mu.Lock()
	e.status, e.started = catalog.JobProcessing, &now
	e.mu.Unlock()
	e.job.Status, e.job.StartedAt = catalog.JobProcessing, &now
	if err := r.cat.UpdateJob(r.ctx, e.job); err != nil {
		r.finish(e, nil, err)
		return
	}
	r.metrics.running.Inc()
	result, err := r.call(e)
	r.metrics.running.Dec()
	r.finish(e, result, err)
}

// call runs the job's function, turning a panic into the job's error.
func (r *Runner) call(e *entry) (result any, err error) {
	defer func() {
		if v := recover(); v != nil {
			r.log.Error("job panicked", "job", e.job.ID, "operation", e.job.Operation, "panic", v)
			err = fmt.Errorf("internal error: %v", v)
		}
	}()
	return e.fn(r.ctx, func(p catalog.JobProgress) {
		e.mu.Lock()
		e.progress = p
		e.mu.Unlock()
	})
}

// finish records the job's end. It must be recorded even while the
// runner closes, so it does not use the runner's context.
func (r *Runner) finish(e *entry, result any, err error) {
	now := time.Now().UTC()
	j := e.job
	j.EndedAt = &now
	e.mu.Lock()
	j.Progress = e.progress
	e.mu.Unlock()
	if err == nil {
		b, merr := json.Marshal(result)
		if merr != nil {
			err = merr
		} else {
			j.Status, j.Result = catalog.JobSuccess, b
		}
	}
	if err != nil {
		j.Status = catalog.JobError
		j.Error = r.describe(err)
	}
	r.metrics.finished.WithLabelValues(j.Operation, string(j.Status)).Inc()
	if j.StartedAt != nil {
		r.metrics.duration.WithLabelValues(j.Operation, string(j.Status)).Observe(now.Sub(*j.StartedAt).Seconds())
	}
	if uerr := r.cat.UpdateJob(context.Background(), j); uerr != nil {
		r.log.Error("record the end of a job", "job", j.ID, "err", uerr)
	}
	e.mu.Lock()
	e.status = j.Status
	e.mu.Unlock()
}

func (r *Runner) describe(err error) *catalog.JobFailure {
	if errors.Is(err, context.Canceled) && r.ctx.Err() != nil {
		return &catalog.JobFailure{Code: "job_interrupted", Message: interruptedMsg}
	}
	if r.cfg.Describe != nil {
		if f := r.cfg.Describe(err); f != nil {
			return f
		}
	}
	return &catalog.JobFailure{Code: "job_failed", Message: err.Error()}
}

// Job returns a job, with the live progress of a running one.
func (r *Runner) Job(ctx context.Context, projectID, id string) (*catalog.Job, error) {
	j, err := r.cat.Job(ctx, projectID, id)
	if err != nil {
		return nil, err
	}
	r.overlay(j)
	return j, nil
}

// Jobs lists a project's jobs, with live progress.
func (r *Runner) Jobs(ctx context.Context, projectID string, f catalog.JobFilter) ([]*catalog.Job, int, error) {
	list, total, err := r.cat.Jobs(ctx, projectID, f)
	for _, j := range list {
		r.overlay(j)
	}
	return list, total, err
}

func (r *Runner) overlay(j *catalog.Job) {
	r.mu.Lock()
	e := r.live[j.ID]
	r.mu.Unlock()
	if e == nil || j.Status.Finished() {
		return
	}
	e.mu.Lock()
	j.Progress = e.progress
	e.mu.Unlock()
}

// Wait blocks until the job has finished or ctx ends, and returns it.
func (r *Runner) Wait(ctx context.Context, projectID, id string) (*catalog.Job, error) {
	for {
		j, err := r.Job(ctx, projectID, id)
		if err != nil || j.Status.Finished() {
			return j, err
		}
		select {
		case <-ctx.Done():
			return j, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close stops taking jobs, interrupts running ones (they end as error)
// and ends waiting ones as error, then waits for all of them to be
// recorded.
func (r *Runner) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
	return nil
}

func cloneJob(j *catalog.Job) *catalog.Job {
	c := *j
	return &c
}
