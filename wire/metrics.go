package wire

import (
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/duckstore/duckstore/wire/pgerr"
)

// Connection outcomes, the values of the "outcome" label: a session was
// opened; the connection limit refused it (53300); the login or the
// session's opening failed; or the startup packets were not valid.
// CancelRequest connections and clients that hang up while asked for a
// password are not counted.
const (
	outcomeAccepted      = "accepted"
	outcomeRejectedLimit = "rejected_limit"
	outcomeAuthFailed    = "auth_failed"
	outcomeProtocolError = "protocol_error"
)

// metrics are the server's Prometheus collectors. Every label is bounded:
// outcomes and commands come from fixed lists, SQLSTATE classes from the
// two-character class of a code.
type metrics struct {
	connections *prometheus.CounterVec
	sessions    prometheus.Gauge
	statements  *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	errors      *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "duckstore", Subsystem: "pgwire", Name: "connections_total",
			Help: "PostgreSQL connections by outcome (accepted, rejected_limit, auth_failed, protocol_error).",
		}, []string{"outcome"}),
		sessions: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "duckstore", Subsystem: "pgwire", Name: "sessions_active",
			Help: "Authenticated PostgreSQL sessions currently open.",
		}),
		statements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "duckstore", Subsystem: "pgwire", Name: "statements_total",
			Help: "Statements executed, by command and SQLSTATE class (00 for success).",
		}, []string{"command", "sqlstate_class"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "duckstore", Subsystem: "pgwire", Name: "statement_duration_seconds",
			Help:    "Time to execute a statement, including sending its rows.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"command"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "duckstore", Subsystem: "pgwire", Name: "errors_total",
			Help: "ErrorResponses sent, by SQLSTATE class.",
		}, []string{"sqlstate_class"}),
	}
	if reg != nil {
		reg.MustRegister(m.connections, m.sessions, m.statements, m.duration, m.errors)
	}
	return m
}

// observeStatement records one executed statement.
func (m *metrics) observeStatement(command string, err error, elapsed time.Duration) {
	m.statements.WithLabelValues(command, pgerr.CodeOf(err).Class()).Inc()
	m.duration.WithLabelValues(command).Observe(elapsed.Seconds())
}

// knownCommands bounds the "command" label: the first word of a
// CommandComplete tag, or of the statement text when it failed.
var knownCommands = map[string]bool{
	"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true,
	"COPY": true, "BEGIN": true, "START": true, "COMMIT": true, "ROLLBACK": true,
	"SAVEPOINT": true, "RELEASE": true, "PREPARE": true, "EXECUTE": true,
	"DEALLOCATE": true, "SET": true, "RESET": true, "SHOW": true, "CREATE": true,
	"DROP": true, "ALTER": true, "TRUNCATE": true, "EXPLAIN": true, "DECLARE": true,
	"FETCH": true, "MOVE": true, "CLOSE": true, "DISCARD": true, "VALUES": true,
	"WITH": true, "TABLE": true, "GRANT": true, "REVOKE": true, "ANALYZE": true,
	"VACUUM": true, "CHECKPOINT": true, "LISTEN": true, "UNLISTEN": true,
	"NOTIFY": true, "LOCK": true, "COMMENT": true, "CALL": true, "DO": true,
}

// commandLabel returns the bounded command label for a statement.
func commandLabel(tag, sql string) string {
	word := tag
	if word == "" {
		word = strings.TrimLeft(sql, " \t\r\n(")
	}
	if i := strings.IndexAny(word, " \t\r\n;("); i >= 0 {
		word = word[:i]
	}
	if len(word) > 16 {
		return "OTHER"
	}
	word = strings.ToUpper(word)
	if knownCommands[word] {
		return word
	}
	return "OTHER"
}
