package engine

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	instances prometheus.Gauge
	attached  prometheus.Gauge
	lockWaits *prometheus.HistogramVec
	// branchCopies counts tables copied into a branch on first write.
	branchCopies prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, e *Engine) *metrics {
	m := &metrics{
		instances: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "duckstore_engine_instances", Help: "Project DuckDB instances open."}),
		attached: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "duckstore_engine_attached_files", Help: "Table files attached across all instances."}),
		lockWaits: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "duckstore_table_lock_wait_seconds",
			Help:    "Time spent waiting for table write locks, by outcome.",
			Buckets: []float64{0.0001, 0.001, 0.01, 0.1, 0.5, 1, 5, 30},
		}, []string{"outcome"}),
		branchCopies: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "duckstore_branch_table_copies_total", Help: "Tables copied into a dev branch on their first write."}),
	}
	if reg != nil {
		reg.MustRegister(m.instances, m.attached, m.lockWaits, m.branchCopies)
	}
	return m
}

func (m *metrics) lockWait(d time.Duration, acquired bool) {
	outcome := "acquired"
	if !acquired {
		outcome = "timeout"
	}
	m.lockWaits.WithLabelValues(outcome).Observe(d.Seconds())
}
