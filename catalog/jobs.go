package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// JobStatus is where an async job is in its life: waiting → processing →
// success or error. A job never goes back.
type JobStatus string

// The job statuses, as Keboola names them.
const (
	JobWaiting    JobStatus = "waiting"
	JobProcessing JobStatus = "processing"
	JobSuccess    JobStatus = "success"
	JobError      JobStatus = "error"
)

// Finished reports whether the status is final.
func (s JobStatus) Finished() bool { return s == JobSuccess || s == JobError }

// JobProgress is how much of a job's input has been processed.
type JobProgress struct {
	Rows    int64   `json:"rows"`
	Bytes   int64   `json:"bytes"`
	Percent float64 `json:"percent"`
}

// JobFailure is why a job failed, in the admin API's error shape.
type JobFailure struct {
	Code    string         `json:"error"`
	Message string         `json:"message"`
	Details map[string]any `json:"details,omitempty"`
}

// Job is an async operation (import, export, table creation) of a
// project.
type Job struct {
	ID        string
	ProjectID string
	BranchID  string
	Operation string // e.g. tableImport, tableExport, tableCreate
	Table     string // "bucket.table" the job acts on, or ""
	Status    JobStatus
	Params    json.RawMessage // the request, as accepted
	Result    json.RawMessage // set on success
	Error     *JobFailure     // set on error
	Progress  JobProgress
	CreatedBy string
	CreatedAt time.Time
	StartedAt *time.Time
	EndedAt   *time.Time
}

// JobFilter selects jobs of a project; zero fields select everything.
type JobFilter struct {
	BranchID    string
	Statuses    []JobStatus
	Operation   string
	Table       string
	CreatedFrom time.Time
	CreatedTo   time.Time
	Limit       int // <0: no limit
	Offset      int
}

// JobStore keeps async jobs.
type JobStore interface {
	CreateJob(ctx context.Context, j *Job) error // sets ID
	// UpdateJob records status, result, error, progress and times.
	UpdateJob(ctx context.Context, j *Job) error
	Job(ctx context.Context, projectID, id string) (*Job, error)
	// Jobs lists a project's jobs, newest first, with the total count.
	Jobs(ctx context.Context, projectID string, filter JobFilter) ([]*Job, int, error)
	// FailUnfinishedJobs ends every waiting or processing job as error
	// with msg: at start, such jobs were interrupted by a stop or a crash.
	FailUnfinishedJobs(ctx context.Context, msg string, at time.Time) (int, error)
	// DeleteJobsBefore removes finished jobs that ended before t.
	DeleteJobsBefore(ctx context.Context, t time.Time) (int, error)
}

var _ JobStore = (*DuckStore)(nil)

const jobCols = `id, project_id, branch_id, operation, table_name, status, params, result, error, progress, created_by, created_at, started_at, ended_at`

func jobJSON(j *Job) (params string, result, jerr any, progress string) {
	params = "{}"
	if len(j.Params) > 0 {
		params = string(j.Params)
	}
	if len(j.Result) > 0 {
		result = string(j.Result)
	}
	if j.Error != nil {
		jerr = mustJSON(j.Error)
	}
	return params, result, jerr, mustJSON(j.Progress)
}

// CreateJob implements JobStore.
func (s *DuckStore) CreateJob(ctx context.Context, j *Job) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var id int64
	if err := s.db.QueryRowContext(ctx, `SELECT nextval('object_ids')`).Scan(&id); err != nil {
		return err
	}
	params, result, jerr, progress := jobJSON(j)
	_, err := s.db.ExecContext(ctx, `INSERT INTO jobs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, j.ProjectID, j.BranchID, j.Operation, j.Table, string(j.Status), params, result, jerr, progress,
		j.CreatedBy, j.CreatedAt, timeArg(j.StartedAt), timeArg(j.EndedAt))
	if err == nil {
		j.ID = strconv.FormatInt(id, 10)
	}
	return err
}

// UpdateJob implements JobStore.
func (s *DuckStore) UpdateJob(ctx context.Context, j *Job) error {
	id, err := strconv.ParseInt(j.ID, 10, 64)
	if err != nil {
		return fmt.Errorf("job %q: %w", j.ID, ErrNotFound)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, result, jerr, progress := jobJSON(j)
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET status = ?, result = ?, error = ?, progress = ?, started_at = ?, ended_at = ? WHERE id = ?`,
		string(j.Status), result, jerr, progress, timeArg(j.StartedAt), timeArg(j.EndedAt), id)
	return notFoundIfNone(res, err, "job", j.ID)
}

func scanJob(sc interface{ Scan(...any) error }) (*Job, error) {
	j := &Job{}
	var id int64
	var status, params, progress string
	var result, jerr sql.NullString
	var started, ended sql.NullTime
	if err := sc.Scan(&id, &j.ProjectID, &j.BranchID, &j.Operation, &j.Table, &status, &params, &result, &jerr, &progress,
		&j.CreatedBy, &j.CreatedAt, &started, &ended); err != nil {
		return nil, err
	}
	j.ID = strconv.FormatInt(id, 10)
	j.Status = JobStatus(status)
	j.Params = json.RawMessage(params)
	if result.Valid {
		j.Result = json.RawMessage(result.String)
	}
	if jerr.Valid {
		j.Error = &JobFailure{}
		if err := json.Unmarshal([]byte(jerr.String), j.Error); err != nil {
			return nil, fmt.Errorf("catalog: job %s error: %w", j.ID, err)
		}
	}
	if err := json.Unmarshal([]byte(progress), &j.Progress); err != nil {
		return nil, fmt.Errorf("catalog: job %s progress: %w", j.ID, err)
	}
	j.StartedAt, j.EndedAt = nullTime(started), nullTime(ended)
	return j, nil
}

// Job implements JobStore.
func (s *DuckStore) Job(ctx context.Context, projectID, id string) (*Job, error) {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("job %q: %w", id, ErrNotFound)
	}
	j, err := scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE project_id = ? AND id = ?`, projectID, n))
	if err == sql.ErrNoRows {
		return nil, fmt.Errorf("job %q: %w", id, ErrNotFound)
	}
	return j, err
}

// Jobs implements JobStore.
func (s *DuckStore) Jobs(ctx context.Context, projectID string, f JobFilter) ([]*Job, int, error) {
	where := []string{"project_id = ?"}
	args := []any{projectID}
	if len(f.Statuses) > 0 {
		marks := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			marks[i] = "?"
			args = append(args, string(st))
		}
		where = append(where, "status IN ("+strings.Join(marks, ", ")+")")
	}
	if f.BranchID != "" {
		where = append(where, "branch_id = ?")
		args = append(args, f.BranchID)
	}
	if f.Operation != "" {
		where = append(where, "operation = ?")
		args = append(args, f.Operation)
	}
	if f.Table != "" {
		where = append(where, "table_name = ?")
		args = append(args, f.Table)
	}
	if !f.CreatedFrom.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, f.CreatedFrom)
	}
	if !f.CreatedTo.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, f.CreatedTo)
	}
	cond := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM jobs`+cond, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	limit := int64(f.Limit)
	if limit < 0 {
		limit = 1 << 62
	}
	args = append(args, limit, int64(max(f.Offset, 0)))
	rows, err := s.db.QueryContext(ctx, `SELECT `+jobCols+` FROM jobs`+cond+` ORDER BY id DESC LIMIT ? OFFSET ?`, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, j)
	}
	return out, total, rows.Err()
}

// FailUnfinishedJobs implements JobStore.
func (s *DuckStore) FailUnfinishedJobs(ctx context.Context, msg string, at time.Time) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	jerr := mustJSON(&JobFailure{Code: "job_interrupted", Message: msg})
	res, err := s.db.ExecContext(ctx, `UPDATE jobs SET status = 'error', error = ?, ended_at = ?
		WHERE status IN ('waiting', 'processing')`, jerr, at)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteJobsBefore implements JobStore.
func (s *DuckStore) DeleteJobsBefore(ctx context.Context, t time.Time) (int, error) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	res, err := s.db.ExecContext(ctx, `DELETE FROM jobs WHERE status IN ('success', 'error') AND ended_at < ?`, t)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
