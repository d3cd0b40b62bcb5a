package jobs

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	waiting  prometheus.Gauge
	running  prometheus.Gauge
	finished *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		waiting: prometheus.NewGauge(prometheus.GaugeOpts{Name: "duckstore_jobs_waiting", Help: "Async jobs waiting for their turn."}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{Name: "duckstore_jobs_running", Help: "Async jobs running."}),
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "duckstore_jobs_finished_total",
			Help: "Async jobs finished, by operation and status."}, []string{"operation", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "duckstore_job_duration_seconds",
			Help: "Run time of async jobs, by operation and status.", Buckets: prometheus.ExponentialBuckets(0.01, 4, 10)},
			[]string{"operation", "status"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.waiting, m.running, m.finished, m.duration} {
			if err := reg.Register(c); err != nil {
				return nil, err
			}
		}
	}
	return m, nil
}
