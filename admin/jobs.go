package admin

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/jobs"
)

// work is an operation that runs in the request or, with ?async=true, as
// a job.
type work struct {
	operation string // Keboola's operation name: tableImport, tableExport, tableCreate
	bucket    string
	table     string
	params    any // the request as accepted, recorded with the job
	fn        jobs.Func
}

// run answers w: with its result (status) when synchronous, or with 202
// and the job when the request asks ?async=true. Jobs on one table run in
// the order they were submitted.
func (s *Server) run(c *call, w *work, status int) error {
	async, err := queryBool(c.r, "async")
	if err != nil {
		return err
	}
	if !async {
		res, err := w.fn(c.ctx(), func(catalog.JobProgress) {})
		if err != nil {
			return err
		}
		return c.json(status, res)
	}
	params, err := json.Marshal(w.params)
	if err != nil {
		return err
	}
	fn := w.fn
	w.fn = func(ctx context.Context, progress func(catalog.JobProgress)) (any, error) {
		res, err := fn(ctx, progress)
		if f, ok := res.(interface{ final() catalog.JobProgress }); ok && err == nil {
			progress(f.final())
		}
		return res, err
	}
	j := &catalog.Job{ProjectID: c.project.ID, BranchID: c.branch, Operation: w.operation,
		Table: w.bucket + "." + w.table, Params: params, CreatedBy: c.who.createdBy()}
	key := strings.Join([]string{c.project.ID, c.branch, w.bucket, w.table}, "\x00")
	if err := s.data.jobs.Submit(context.WithoutCancel(c.ctx()), j, key, w.fn); err != nil {
		return err
	}
	c.w.Header().Set("Location", jobURL(j))
	return c.json(http.StatusAccepted, jobView(j))
}

// The progress of a finished job is what it did.
func (r *importResponse) final() catalog.JobProgress {
	return catalog.JobProgress{Rows: r.ImportedRows, Bytes: r.Bytes, Percent: 100}
}

func (r *exportResponse) final() catalog.JobProgress {
	return catalog.JobProgress{Rows: r.RowsExported, Bytes: r.FileSizeBytes, Percent: 100}
}

func (r *tableFromFileResponse) final() catalog.JobProgress { return r.Import.final() }

func jobURL(j *catalog.Job) string { return "/projects/" + j.ProjectID + "/jobs/" + j.ID }

type jobProgress struct {
	Rows    int64   `json:"rows" doc:"rows done (an estimate while the job runs, exact when it ends)"`
	Bytes   int64   `json:"bytes" doc:"bytes of input read or output written"`
	Percent float64 `json:"percent"`
}

type jobError struct {
	Error   string         `json:"error" doc:"snake_case code, as the synchronous call would answer"`
	Message string         `json:"message"`
	Details map[string]any `json:"details"`
}

type jobResponse struct {
	ID        string          `json:"id"`
	Status    string          `json:"status" doc:"waiting, processing, success or error"`
	Operation string          `json:"operation" doc:"tableImport, tableExport or tableCreate"`
	URL       string          `json:"url" doc:"where to poll the job"`
	BranchID  string          `json:"branch_id"`
	TableID   string          `json:"table_id" doc:"bucket.table the job acts on"`
	Params    json.RawMessage `json:"params" doc:"the request as accepted"`
	Progress  jobProgress     `json:"progress"`
	Result    json.RawMessage `json:"result" doc:"on success, what the synchronous call would answer"`
	Error     *jobError       `json:"error" doc:"on error"`
	CreatedBy string          `json:"created_by"`
	CreatedAt string          `json:"created_at"`
	StartedAt *string         `json:"started_at"`
	EndedAt   *string         `json:"ended_at"`
}

type jobListResponse struct {
	Jobs  []jobResponse `json:"jobs"`
	Total int           `json:"total"`
}

func jobView(j *catalog.Job) jobResponse {
	v := jobResponse{ID: j.ID, Status: string(j.Status), Operation: j.Operation, URL: jobURL(j), BranchID: j.BranchID,
		TableID: j.Table, Params: j.Params, Result: j.Result, CreatedBy: j.CreatedBy, CreatedAt: isoTime(j.CreatedAt),
		StartedAt: isoTimePtr(j.StartedAt), EndedAt: isoTimePtr(j.EndedAt),
		Progress: jobProgress{Rows: j.Progress.Rows, Bytes: j.Progress.Bytes, Percent: j.Progress.Percent}}
	if v.BranchID == catalog.MainBranch {
		v.BranchID = "default"
	}
	if len(v.Params) == 0 {
		v.Params = json.RawMessage("{}")
	}
	if len(v.Result) == 0 {
		v.Result = json.RawMessage("null")
	}
	if j.Error != nil {
		v.Error = &jobError{Error: j.Error.Code, Message: j.Error.Message, Details: j.Error.Details}
		if v.Error.Details == nil {
			v.Error.Details = map[string]any{}
		}
	}
	return v
}

// getJob is GET P/jobs/{job_id}.
func (s *Server) getJob(c *call) error {
	j, err := s.data.jobs.Job(c.ctx(), c.project.ID, c.param("job_id"))
	if errors.Is(err, catalog.ErrNotFound) {
		return errNotFound("job", c.param("job_id"))
	}
	if err != nil {
		return err
	}
	if err := canSeeJob(c, j); err != nil {
		return err
	}
	return c.json(http.StatusOK, jobView(j))
}

// canSeeJob hides the jobs of other branches from keys bound to a branch.
func canSeeJob(c *call, j *catalog.Job) error {
	if c.who.key != nil && c.who.key.BranchID != "" && c.who.key.BranchID != j.BranchID {
		return errNotFound("job", j.ID)
	}
	return nil
}

// listJobs is GET P/jobs: newest first, filtered by status (a list:
// status=waiting,processing), operation, table (bucket.table) and
// creation time (created_from, created_to, RFC 3339).
func (s *Server) listJobs(c *call) error {
	q := c.r.URL.Query()
	limit, err := queryInt(c.r, "limit", 100, 1, 1000)
	if err != nil {
		return err
	}
	offset, err := queryInt(c.r, "offset", 0, 0, 1<<30)
	if err != nil {
		return err
	}
	f := catalog.JobFilter{Operation: q.Get("operation"), Table: q.Get("table"), Limit: limit, Offset: offset}
	if c.who.key != nil {
		f.BranchID = c.who.key.BranchID
	}
	for _, st := range strings.Split(q.Get("status"), ",") {
		switch st = strings.TrimSpace(st); catalog.JobStatus(st) {
		case "":
		case catalog.JobWaiting, catalog.JobProcessing, catalog.JobSuccess, catalog.JobError:
			f.Statuses = append(f.Statuses, catalog.JobStatus(st))
		default:
			return validationError([]any{"query", "status"}, "Input should be waiting, processing, success or error", "enum")
		}
	}
	for name, dst := range map[string]*time.Time{"created_from": &f.CreatedFrom, "created_to": &f.CreatedTo} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return validationError([]any{"query", name}, "Input should be an RFC 3339 time", "datetime_parsing")
			}
			*dst = t
		}
	}
	list, total, err := s.data.jobs.Jobs(c.ctx(), c.project.ID, f)
	if err != nil {
		return err
	}
	out := jobListResponse{Jobs: []jobResponse{}, Total: total}
	for _, j := range list {
		out.Jobs = append(out.Jobs, jobView(j))
	}
	return c.json(http.StatusOK, out)
}
