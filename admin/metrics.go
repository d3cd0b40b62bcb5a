package admin

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/duckstore/duckstore/catalog"
)

// httpMetrics are the admin API's metrics. Labels are bounded: the route
// is the registered pattern (or "unmatched"), never the raw path.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	handler  http.Handler // /metrics
}

func newHTTPMetrics(reg prometheus.Registerer, s *Server) (*httpMetrics, error) {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "duckstore_http_requests_total",
			Help: "Admin API requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duckstore_http_request_duration_seconds",
			Help:    "Admin API request durations by method, route pattern and status.",
			Buckets: []float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60},
		}, []string{"method", "route", "status"}),
	}
	gatherer := s.cfg.Gatherer
	if reg != nil {
		for _, c := range []prometheus.Collector{m.requests, m.duration, &inventory{s: s}} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
		if g, ok := reg.(prometheus.Gatherer); ok && gatherer == nil {
			gatherer = g
		}
	}
	if gatherer == nil {
		gatherer = prometheus.NewRegistry()
	}
	m.handler = promhttp.HandlerFor(gatherer, promhttp.HandlerOpts{})
	return m, nil
}

var knownMethods = map[string]bool{"GET": true, "HEAD": true, "POST": true, "PUT": true, "DELETE": true, "PATCH": true, "OPTIONS": true}

func (m *httpMetrics) observe(method, route string, status int, d time.Duration) {
	if !knownMethods[method] {
		method = "OTHER"
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.duration.WithLabelValues(method, route, code).Observe(d.Seconds())
}

// serveMetrics is GET /metrics: the injected gatherer in Prometheus'
// text format.
func (s *Server) serveMetrics(c *call) error {
	s.metrics.handler.ServeHTTP(c.w, c.r)
	return nil
}

// inventory reports the stored objects at scrape time: counts from the
// catalog's in-memory mirror and file sizes from one stat per table file,
// so a scrape costs no DuckDB query.
type inventory struct{ s *Server }

var (
	invProjects = prometheus.NewDesc("duckstore_projects", "Projects.", nil, nil)
	invBuckets  = prometheus.NewDesc("duckstore_buckets", "Buckets across all projects and branches.", nil, nil)
	invTables   = prometheus.NewDesc("duckstore_tables", "Tables across all projects and branches (branch copies included).", nil, nil)
	invBytes    = prometheus.NewDesc("duckstore_table_bytes", "Bytes on disk of all table files and their WALs.", nil, nil)
)

func (i *inventory) Describe(ch chan<- *prometheus.Desc) {
	ch <- invProjects
	ch <- invBuckets
	ch <- invTables
	ch <- invBytes
}

func (i *inventory) Collect(ch chan<- prometheus.Metric) {
	// A scrape has no context of its own; the catalog answers these from
	// memory.
	ctx := context.Background()
	projects, _, err := i.s.cat.Projects(ctx, -1, 0)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(invProjects, err)
		return
	}
	var buckets, tables int
	var size int64
	for _, p := range projects {
		for _, b := range branchIDs(ctx, i.s.cat, p.ID) {
			bs, _ := i.s.cat.Buckets(ctx, p.ID, b)
			ts, _ := i.s.cat.Tables(ctx, p.ID, b, "")
			buckets += len(bs)
			tables += len(ts)
			for _, t := range ts {
				size += i.s.eng.FileSize(t)
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(invProjects, prometheus.GaugeValue, float64(len(projects)))
	ch <- prometheus.MustNewConstMetric(invBuckets, prometheus.GaugeValue, float64(buckets))
	ch <- prometheus.MustNewConstMetric(invTables, prometheus.GaugeValue, float64(tables))
	ch <- prometheus.MustNewConstMetric(invBytes, prometheus.GaugeValue, float64(size))
}

// branchIDs lists main and the project's dev branches.
func branchIDs(ctx context.Context, cat catalog.Store, projectID string) []string {
	ids := []string{catalog.MainBranch}
	branches, _ := cat.Branches(ctx, projectID)
	for _, b := range branches {
		ids = append(ids, b.ID)
	}
	return ids
}
