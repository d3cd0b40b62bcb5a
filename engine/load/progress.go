package load

import (
	"sync"
	"time"

	"github.com/duckstore/duckstore/engine/duck"
)

// watch calls report with the progress DuckDB tracks on conn until the
// returned stop is called. Bytes are the share of the input the
// percentage stands for; rows are counted only where the source knows
// its size (p.rows).
func watch(conn *duck.Conn, p *plan, report func(Progress)) (stop func()) {
	if report == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(ProgressEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			pct, _, _ := conn.Progress()
			if pct < 0 {
				continue
			}
			pct = min(pct, 100)
			report(Progress{Percent: pct, Bytes: int64(float64(p.bytes) * pct / 100), Rows: int64(float64(p.rows) * pct / 100)})
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
