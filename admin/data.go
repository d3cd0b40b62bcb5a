package admin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/filestore"
	"github.com/duckstore/duckstore/engine/jobs"
	"github.com/duckstore/duckstore/engine/load"
)

// Data in and out: the Files API, imports, exports and async jobs. The
// work is done by engine/filestore, engine/load, engine/export and
// engine/jobs; the handlers here parse requests, check access and shape
// answers.

// DataConfig tunes the Files API and async jobs.
type DataConfig struct {
	// MaxUploadBytes caps one upload (all slices); past it uploads get
	// 413. 0 means 10 GiB.
	MaxUploadBytes int64
	// UploadTTL is how long a prepared upload waits to be registered. 0
	// means 24 hours.
	UploadTTL time.Duration
	// FileTTL is how long files that are not permanent are kept. 0 means
	// 15 days.
	FileTTL time.Duration
	// JanitorEvery is how often expired and orphaned files are removed.
	// 0 means 10 minutes.
	JanitorEvery time.Duration
	// MaxParallelJobs bounds the async jobs running at once. 0 means 4.
	MaxParallelJobs int
}

// dataServices are the components behind the data routes.
type dataServices struct {
	files   *filestore.Store
	jobs    *jobs.Runner
	metrics *dataMetrics
	stop    context.CancelFunc
}

// initData starts the file janitor and the job runner. Jobs left
// unfinished by the previous run are ended as error first.
func (s *Server) initData() error {
	fs, ok := s.cat.(catalog.FileStore)
	js, ok2 := s.cat.(catalog.JobStore)
	if !ok || !ok2 {
		return errors.New("admin: the catalog keeps no files or jobs")
	}
	d := s.cfg.Data
	store, err := filestore.New(filestore.Config{MaxUploadBytes: d.MaxUploadBytes, UploadTTL: d.UploadTTL, FileTTL: d.FileTTL,
		JanitorEvery: d.JanitorEvery, Logger: s.log.With("component", "files"), Registerer: s.cfg.Registerer}, s.eng, fs)
	if err != nil {
		return err
	}
	runner, err := jobs.New(jobs.Config{MaxParallel: d.MaxParallelJobs, Describe: describeJobError,
		Logger: s.log.With("component", "jobs"), Registerer: s.cfg.Registerer}, js)
	if err != nil {
		return err
	}
	m, err := newDataMetrics(s.cfg.Registerer)
	if err != nil {
		return err
	}
	// Background work outlives requests: it stops with Close.
	ctx, stop := context.WithCancel(context.Background())
	if err := runner.Start(ctx); err != nil {
		stop()
		return err
	}
	store.Start(ctx)
	s.data = &dataServices{files: store, jobs: runner, metrics: m, stop: stop}
	return nil
}

// closeData interrupts running jobs (recording them as error) and stops
// the janitor.
func (s *Server) closeData() error {
	if s.data == nil {
		return nil
	}
	err := s.data.jobs.Close()
	s.data.stop()
	s.data.files.Close()
	return err
}

// registerDataRoutes adds the data routes (see dataDocs).
func (s *Server) registerDataRoutes() {
	s.handle("POST", pathProject+"/files/prepare", accessProjectRead, s.prepareFile)
	s.handle("POST", pathProject+"/files/upload/:upload_key", accessProjectRead, s.uploadFile)
	s.handle("POST", pathProject+"/files", accessProjectRead, s.registerFile)
	s.handle("GET", pathProject+"/files", accessProjectRead, s.listFiles)
	s.handle("GET", pathFile, accessProjectRead, s.getFile)
	s.handle("DELETE", pathFile, accessProjectRead, s.deleteFile)
	s.handle("GET", pathFile+"/download", accessProjectRead, s.downloadFile)
	s.handle("PUT", pathFile+"/tags", accessProjectRead, s.addFileTags)
	s.handle("DELETE", pathFile+"/tags/:tag_name", accessProjectRead, s.deleteFileTag)

	s.handleBranch("POST", pathBucket+"/tables-async", accessBranchWrite, s.createTableFromFile)
	s.handleBranch("POST", pathTable+"/import/file", accessBranchWrite, s.importFile)
	s.handleBranch("POST", pathTable+"/import/table", accessBranchWrite, s.importTable)
	s.handleBranch("POST", pathTable+"/export", accessBranchRead, s.exportTable)

	s.handle("GET", pathProject+"/jobs", accessProjectRead, s.listJobs)
	s.handle("GET", pathProject+"/jobs/:job_id", accessProjectRead, s.getJob)
}

const pathFile = pathProject + "/files/:file_id"

// requireWriter refuses read_only keys on project-level routes that
// change something (the files of a project are shared by its branches,
// so any key that may write a branch may use them).
func requireWriter(c *call) error {
	if c.who != nil && c.who.key != nil && c.who.key.Scope == catalog.ScopeReadOnly {
		return errForbidden("this API key is read-only")
	}
	return nil
}

// loadError turns a load refused for its input into the API's error: the
// load's kind is the code, its facts the details.
func loadError(err error) error {
	var le *load.Error
	if !errors.As(err, &le) {
		return err
	}
	status := http.StatusBadRequest
	if le.Kind == load.KindDuplicateKey {
		status = http.StatusConflict
	}
	details := map[string]any{"sqlstate": string(le.Err.Code)}
	for k, v := range le.Details {
		details[k] = v
	}
	return &Error{Status: status, Code: le.Kind, Message: le.Error(), Details: details, Err: err}
}

// tooLarge maps an upload past the cap to 413.
func tooLarge(err error) error {
	var tl *filestore.TooLargeError
	if errors.As(err, &tl) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "file_too_large", Message: tl.Error(),
			Details: map[string]any{"limit_bytes": tl.Limit}, Err: err}
	}
	if filestore.ErrExpired(err) {
		return &Error{Status: http.StatusGone, Code: "upload_expired", Message: "the upload session has expired; prepare a new one", Err: err}
	}
	return err
}

// describeJobError records a failed job's error as the API would answer
// it synchronously.
func describeJobError(err error) *catalog.JobFailure {
	e := toAPIError(tooLarge(loadError(err)))
	f := &catalog.JobFailure{Code: e.Code, Message: e.Message, Details: e.Details}
	if e.Status >= 500 {
		f.Message = fmt.Sprintf("internal error: %v", err)
	}
	return f
}

// dataMetrics count imports and exports.
type dataMetrics struct {
	rows     *prometheus.CounterVec
	bytes    *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newDataMetrics(reg prometheus.Registerer) (*dataMetrics, error) {
	labels := []string{"direction", "format", "outcome"}
	m := &dataMetrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "duckstore_data_rows_total",
			Help: "Rows imported into or exported from tables, by direction (import, export), format (csv, parquet, table) and outcome."}, labels),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "duckstore_data_bytes_total",
			Help: "Bytes of files read by imports or written by exports, by direction, format and outcome."}, labels),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "duckstore_data_duration_seconds",
			Help: "Durations of imports and exports, by direction, format and outcome.", Buckets: prometheus.ExponentialBuckets(0.005, 4, 10)}, labels),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.rows, m.bytes, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}

// observe records one import or export.
func (m *dataMetrics) observe(direction, format string, rows, bytes int64, d time.Duration, err error) {
	outcome := "success"
	if err != nil {
		outcome = "error"
	}
	m.rows.WithLabelValues(direction, format, outcome).Add(float64(rows))
	m.bytes.WithLabelValues(direction, format, outcome).Add(float64(bytes))
	m.duration.WithLabelValues(direction, format, outcome).Observe(d.Seconds())
}
