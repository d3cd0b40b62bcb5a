package sqlrouter

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// metrics are the router's collectors. Labels are bounded: the statement
// kind comes from a fixed list, the SQLSTATE class from a code's first two
// characters.
type metrics struct {
	statements   *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	lockTimeouts prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		statements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "duckstore", Subsystem: "sql", Name: "statements_total",
			Help: "SQL statements run, by kind (read, write, ddl, tx, set, utility) and SQLSTATE class (00 for success).",
		}, []string{"kind", "sqlstate_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "duckstore", Subsystem: "sql", Name: "statement_duration_seconds",
			Help:    "Time from a statement's bind to its completion, by kind.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"kind"}),
		lockTimeouts: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "duckstore", Subsystem: "sql", Name: "lock_timeouts_total",
			Help: "Statements that gave up waiting for a table's write lock (SQLSTATE 55P03).",
		}),
	}
	if reg != nil {
		reg.MustRegister(m.statements, m.duration, m.lockTimeouts)
	}
	return m
}

// observe records one finished statement.
func (m *metrics) observe(k kind, err error, d time.Duration) {
	code := pgerr.CodeOf(err)
	m.statements.WithLabelValues(k.String(), code.Class()).Inc()
	if err == nil {
		m.duration.WithLabelValues(k.String()).Observe(d.Seconds())
	}
	if code == pgerr.LockNotAvailable {
		m.lockTimeouts.Inc()
	}
}
