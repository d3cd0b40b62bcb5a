package load

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/engine/duck"
)

// benchMB is the size of the generated CSV: DUCKSTORE_BENCH_MB, 64 by
// default (make bench sets 1024).
func benchMB() int {
	if n, err := strconv.Atoi(os.Getenv("DUCKSTORE_BENCH_MB")); err == nil && n > 0 {
		return n
	}
	return 64
}

var benchColumns = []string{"id BIGINT", "name VARCHAR", "amount DECIMAL(12,2)", "created TIMESTAMP", "active BOOLEAN", "qty INTEGER", "note VARCHAR"}

// writeBenchCSV writes about mb megabytes of rows typical of an extractor's
// output (ids, names, money, timestamps, flags, some quoted text) and
// returns the row count.
func writeBenchCSV(b testing.TB, path string, mb int) int64 {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("id,name,amount,created,active,qty,note\n")
	var n int64
	limit := int64(mb) << 20
	var written int64
	buf := make([]byte, 0, 256)
	for written < limit {
		buf = buf[:0]
		buf = strconv.AppendInt(buf, n, 10)
		buf = append(buf, ",customer "...)
		buf = strconv.AppendInt(buf, n%100_003, 10)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, n%1_000_000/100, 10)
		buf = append(buf, '.')
		buf = strconv.AppendInt(buf, 10+n%90, 10)
		buf = append(buf, ",2024-"...)
		buf = append(buf, byte('0'+(n%9+1)/10), byte('0'+(n%9+1)%10), '-', byte('0'+(n%28+1)/10), byte('0'+(n%28+1)%10))
		buf = append(buf, " 12:34:56,"...)
		buf = strconv.AppendBool(buf, n%3 == 0)
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, n%1000, 10)
		if n%4 == 0 {
			buf = append(buf, ",\"note, with \"\"quotes\"\" "...)
			buf = strconv.AppendInt(buf, n, 10)
			buf = append(buf, "\"\n"...)
		} else {
			buf = append(buf, ",plain note\n"...)
		}
		w.Write(buf)
		written += int64(len(buf))
		n++
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return n
}

// duckdbOwn times DuckDB's own reader into a fresh table of a new file:
// CREATE TABLE AS SELECT * FROM <reader>, checkpointed, as the baseline.
func duckdbOwn(b testing.TB, in *engine.Instance, reader string) time.Duration {
	ctx := context.Background()
	conn, err := in.Conn()
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	path := filepath.Join(in.Dir(), "_staging", randomName("bench_")+".duckdb")
	start := time.Now()
	if _, err := conn.Exec(ctx, "ATTACH "+duck.QuoteString(path)+" AS bench; CREATE TABLE bench.data AS SELECT * FROM "+reader+"; CHECKPOINT bench"); err != nil {
		b.Fatal(err)
	}
	d := time.Since(start)
	conn.Exec(ctx, "DETACH bench")
	os.Remove(path)
	return d
}

func benchImport(b *testing.B, src func(f *fixture) (Source, string, int64)) {
	f := newFixture(b)
	source, reader, rows := src(f)
	bytes := float64(0)
	for _, p := range source.Paths {
		st, _ := os.Stat(p)
		bytes += float64(st.Size())
	}
	tb := f.table("bench", benchColumns, nil, "")
	// The machine may be shared: each side keeps its best run, and the
	// two alternate which goes first.
	var ours, theirs, oursCPU, theirsCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var mine, mineCPU time.Duration
		load := func() {
			c0 := cpuTime()
			res, err := f.load(tb, source, Options{Mode: Full})
			if err != nil {
				b.Fatal(err)
			}
			if res.TableRows != rows {
				b.Fatalf("loaded %d rows, want %d", res.TableRows, rows)
			}
			mine, mineCPU = res.Duration, cpuTime()-c0
		}
		var own, ownCPU time.Duration
		own1 := func() {
			c0 := cpuTime()
			own = duckdbOwn(b, f.in, reader)
			ownCPU = cpuTime() - c0
		}
		if i%2 == 0 {
			own1()
			load()
		} else {
			load()
			own1()
		}
		ours, oursCPU = best(ours, mine), best(oursCPU, mineCPU)
		theirs, theirsCPU = best(theirs, own), best(theirsCPU, ownCPU)
	}
	b.StopTimer()
	mb := bytes / (1 << 20)
	b.ReportMetric(mb/ours.Seconds(), "MB/s")
	b.ReportMetric(float64(rows)/ours.Seconds(), "rows/s")
	b.ReportMetric(mb/theirs.Seconds(), "duckdb-MB/s")
	b.ReportMetric(float64(rows)/theirs.Seconds(), "duckdb-rows/s")
	b.ReportMetric(theirs.Seconds()/ours.Seconds(), "ratio")
	b.ReportMetric(theirsCPU.Seconds()/oursCPU.Seconds(), "cpu-ratio")
	fmt.Fprintf(os.Stderr, "%s (best of %d): %.0f MB, %d rows: duckstore %.1f MB/s, %.0f rows/s; DuckDB's own %.1f MB/s, %.0f rows/s; "+
		"ratio %.2f (by CPU time %.2f)\n",
		b.Name(), b.N, mb, rows, mb/ours.Seconds(), float64(rows)/ours.Seconds(), mb/theirs.Seconds(), float64(rows)/theirs.Seconds(),
		theirs.Seconds()/ours.Seconds(), theirsCPU.Seconds()/oursCPU.Seconds())
}

func best(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

// cpuTime is the process's user and system CPU time: unlike wall time,
// it does not grow when other processes take the cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkImportCSV compares a full load of a generated CSV with
// DuckDB's own read_csv into a fresh table, in the same process.
func BenchmarkImportCSV(b *testing.B) {
	benchImport(b, func(f *fixture) (Source, string, int64) {
		path := filepath.Join(f.in.Dir(), "files", "bench.csv")
		os.MkdirAll(filepath.Dir(path), 0o750)
		rows := writeBenchCSV(b, path, benchMB())
		return csvSrc(true, path), "read_csv(" + duck.QuoteString(path) + ")", rows
	})
}

// BenchmarkImportParquet does the same for the generated rows written as
// Parquet.
func BenchmarkImportParquet(b *testing.B) {
	benchImport(b, func(f *fixture) (Source, string, int64) {
		csvPath := filepath.Join(f.in.Dir(), "files", "bench.csv")
		path := filepath.Join(f.in.Dir(), "files", "bench.parquet")
		os.MkdirAll(filepath.Dir(path), 0o750)
		rows := writeBenchCSV(b, csvPath, benchMB())
		tb := f.table("pq", benchColumns, nil, "")
		if _, err := f.load(tb, csvSrc(true, csvPath), Options{Mode: Full}); err != nil {
			b.Fatal(err)
		}
		cur, _ := f.cat.TableByID(context.Background(), tb.ID)
		f.exportParquet(cur, "bench.parquet")
		os.Remove(csvPath)
		return Source{Format: Parquet, Paths: []string{filepath.Join(f.in.Dir(), "files", "t", "bench.parquet")}},
			"read_parquet(" + duck.QuoteString(filepath.Join(f.in.Dir(), "files", "t", "bench.parquet")) + ")", rows
	})
}
