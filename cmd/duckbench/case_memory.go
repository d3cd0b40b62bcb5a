package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// memoryBound is the bound on the server's peak RSS while it
// streams the fact table to a slow client.
const memoryBound = 512 << 20

// caseMemory restarts duckstore (so that its peak RSS, VmHWM, starts from
// a fresh process) and has one client read the fact table slowly: it
// sleeps slowSleep after every slowEvery rows. The server must stream with
// backpressure rather than buffer the result.
func (b *bench) caseMemory(ctx context.Context) error {
	const slowEvery, slowSleep = 4096, 2 * time.Millisecond
	b.ds.stop()
	b.ds = nil
	ds, err := startDuckstore(b.bin, b.dataDir, b.serverFlags...)
	if err != nil {
		return err
	}
	b.ds = ds
	b.dsDSN = ds.dsn("bench", b.keys["bench"])
	c, err := pgconn.Connect(ctx, b.dsDSN)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	idle, _, err := ds.memory()
	if err != nil {
		return err
	}
	start := time.Now()
	rr := c.ExecParams(ctx, qScan, nil, nil, nil, []int16{1})
	var n int64
	for rr.NextRow() {
		n++
		if n%slowEvery == 0 {
			time.Sleep(slowSleep)
		}
	}
	_, err = rr.Close()
	d := time.Since(start)
	if err != nil {
		return err
	}
	if n != b.sz.Rows {
		return fmt.Errorf("read %d rows, want %d", n, b.sz.Rows)
	}
	_, hwm, err := ds.memory()
	if err != nil {
		return err
	}
	const mib = 1 << 20
	c0 := "memory/slow-reader"
	note := fmt.Sprintf("%d rows read in %s, sleeping %s every %d rows", n, d.Round(time.Second), slowSleep, slowEvery)
	b.rep.add(c0, sysDuckstore, "peak RSS MiB", float64(hwm)/mib, note)
	b.rep.add(c0, sysDuckstore, "RSS after start MiB", float64(idle)/mib, "")
	b.rep.addRatio("memory: peak RSS / 512 MiB", float64(hwm), memoryBound, "VmHWM over the bound", "<=", 1)
	b.logf("  %s: peak RSS %.0f MiB (RSS after start %.0f MiB), %s", c0, float64(hwm)/mib, float64(idle)/mib, note)
	return nil
}
