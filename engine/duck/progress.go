//go:build duckdb_arrow

package duck

import bindings "github.com/duckdb/duckdb-go-bindings"

// Progress reports how far the statement running on the connection is:
// percent is -1 when DuckDB tracks no progress for it (no statement, or
// one too short to report). Safe to call from any goroutine, like
// Interrupt, so a loader can publish progress while its statement runs.
func (c *Conn) Progress() (percent float64, rows, total uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return -1, 0, 0
	}
	p := bindings.QueryProgress(c.c)
	return bindings.QueryProgressTypeMembers(&p)
}
