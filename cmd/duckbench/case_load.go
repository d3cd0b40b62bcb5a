package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// loadFiles writes the files the loading case reads: the first LoadRows
// rows of the fact table as CSV with a header (written by the in-process
// DuckDB) and as PostgreSQL binary COPY data (written by duckstore's COPY
// TO STDOUT).
func (b *bench) loadFiles(ctx context.Context) error {
	b.csvPath = filepath.Join(b.work, "fact.csv")
	b.binPath = filepath.Join(b.work, "fact.bin")
	b.parquetPath = filepath.Join(b.work, "fact.parquet")
	sel := fmt.Sprintf("SELECT * FROM b.t WHERE id < %d ORDER BY id", b.sz.LoadRows)
	if _, err := b.duck.ExecContext(ctx, "COPY ("+sel+") TO '"+b.csvPath+"' (HEADER true)"); err != nil {
		return fmt.Errorf("writing the CSV: %w", err)
	}
	if _, err := b.duck.ExecContext(ctx, "COPY ("+sel+") TO '"+b.parquetPath+"' (FORMAT parquet)"); err != nil {
		return fmt.Errorf("writing the Parquet file: %w", err)
	}
	f, err := os.Create(b.binPath)
	if err != nil {
		return err
	}
	defer f.Close()
	c, err := pgconn.Connect(ctx, b.dsDSN)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if _, err := c.CopyTo(ctx, f, "COPY ("+sel+") TO STDOUT (FORMAT binary)"); err != nil {
		return fmt.Errorf("writing the binary COPY file: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	st, err := os.Stat(b.csvPath)
	if err != nil {
		return err
	}
	b.sz.LoadMB = float64(st.Size()) / (1 << 20)
	return nil
}

// loadTable is a fresh table for one load: the fact table's columns,
// without the primary key, as a bulk load target usually is.
var loadSeq atomic.Int64

func loadTable() string { return fmt.Sprintf("b.load_%d", loadSeq.Add(1)) }

// copyIn creates a fresh table over dsn and COPYs path into it.
func copyIn(ctx context.Context, dsn, path, options string, wantRows int64) (time.Duration, error) {
	c, err := pgconn.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	table := loadTable()
	if err := execAll(ctx, c, factDDL(table, false)); err != nil {
		return 0, err
	}
	defer execAll(context.WithoutCancel(ctx), c, "DROP TABLE "+table)
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	start := time.Now()
	tag, err := c.CopyFrom(ctx, f, "COPY "+table+" FROM STDIN "+options)
	if err != nil {
		return 0, err
	}
	d := time.Since(start)
	if tag.RowsAffected() != wantRows {
		return 0, fmt.Errorf("COPY loaded %d rows, want %d", tag.RowsAffected(), wantRows)
	}
	return d, nil
}

// httpImport loads a file (csv or parquet) through the Files API and a
// table import: prepare, upload (raw body), register, then POST
// .../import/file. It returns the upload's and the import's durations.
func (b *bench) httpImport(ctx context.Context, path, format string) (upload, imp time.Duration, err error) {
	c, err := pgconn.Connect(ctx, b.dsDSN)
	if err != nil {
		return 0, 0, err
	}
	defer c.Close(ctx)
	table := loadTable()
	if err := execAll(ctx, c, factDDL(table, false)); err != nil {
		return 0, 0, err
	}
	defer execAll(context.WithoutCancel(ctx), c, "DROP TABLE "+table)
	st, err := os.Stat(path)
	if err != nil {
		return 0, 0, err
	}
	key := b.keys["bench"]
	start := time.Now()
	var prep struct {
		UploadKey string `json:"upload_key"`
	}
	if err := b.ds.apiJSON(ctx, http.MethodPost, "/projects/bench/files/prepare", key,
		map[string]any{"filename": filepath.Base(path), "size_bytes": st.Size()}, &prep); err != nil {
		return 0, 0, err
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	err = b.ds.api(ctx, http.MethodPost, "/projects/bench/files/upload/"+prep.UploadKey, key, f, "application/octet-stream", nil)
	f.Close()
	if err != nil {
		return 0, 0, err
	}
	var file struct {
		ID string `json:"id"`
	}
	if err := b.ds.apiJSON(ctx, http.MethodPost, "/projects/bench/files", key, map[string]string{"upload_key": prep.UploadKey}, &file); err != nil {
		return 0, 0, err
	}
	defer b.ds.api(context.WithoutCancel(ctx), http.MethodDelete, "/projects/bench/files/"+file.ID, key, nil, "", nil)
	upload = time.Since(start)
	start = time.Now()
	var res struct {
		ImportedRows int64 `json:"imported_rows"`
	}
	_, name, _ := strings.Cut(table, ".")
	if err := b.ds.apiJSON(ctx, http.MethodPost, "/projects/bench/buckets/b/tables/"+name+"/import/file", key,
		map[string]any{"file_id": file.ID, "format": format}, &res); err != nil {
		return 0, 0, err
	}
	imp = time.Since(start)
	if res.ImportedRows != b.sz.LoadRows {
		return 0, 0, fmt.Errorf("the import loaded %d rows, want %d", res.ImportedRows, b.sz.LoadRows)
	}
	return upload, imp, nil
}

// duckdbRead is DuckDB's own reader (read_csv with the columns' types, or
// read_parquet) into a fresh table of a new database file, checkpointed:
// the ceiling for any loader built on it.
func (b *bench) duckdbRead(ctx context.Context, format string) (time.Duration, error) {
	conn, err := b.duck.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	path := filepath.Join(b.work, fmt.Sprintf("load_%d.duckdb", loadSeq.Add(1)))
	defer os.Remove(path)
	from := "read_parquet('" + b.parquetPath + "')"
	if format == "csv" {
		types := make([]string, len(factColumns))
		for i, c := range factColumns {
			name, typ, _ := strings.Cut(c, " ")
			types[i] = "'" + name + "': '" + typ + "'"
		}
		from = "read_csv('" + b.csvPath + "', header = true, columns = {" + strings.Join(types, ", ") + "})"
	}
	start := time.Now()
	for _, s := range []string{
		"ATTACH '" + path + "' AS fresh",
		"CREATE TABLE fresh.data AS SELECT * FROM " + from,
		"CHECKPOINT fresh",
	} {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return 0, fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	d := time.Since(start)
	var n int64
	err = conn.QueryRowContext(ctx, "SELECT count(*) FROM fresh.data").Scan(&n)
	conn.ExecContext(ctx, "DETACH fresh")
	if err == nil && n != b.sz.LoadRows {
		err = fmt.Errorf("DuckDB's %s reader loaded %d rows, want %d", format, n, b.sz.LoadRows)
	}
	return d, err
}

// caseLoad compares COPY FROM STDIN (csv, binary) and the HTTP import of
// the CSV with DuckDB's read_csv in process and PostgreSQL's COPY, and the
// HTTP import of the Parquet file with DuckDB's read_parquet.
func (b *bench) caseLoad(ctx context.Context) error {
	rows := float64(b.sz.LoadRows)
	csvMB := b.sz.LoadMB
	st, err := os.Stat(b.binPath)
	if err != nil {
		return err
	}
	binMB := float64(st.Size()) / (1 << 20)
	if st, err = os.Stat(b.parquetPath); err != nil {
		return err
	}
	parquetMB := float64(st.Size()) / (1 << 20)
	record := func(c, sys string, d time.Duration, mb float64) {
		b.rep.add(c, sys, "rows/s", rows/d.Seconds(), "")
		b.rep.add(c, sys, "MB/s", mb/d.Seconds(), fmt.Sprintf("of a %.0f MB file", mb))
		b.rep.add(c, sys, "s", d.Seconds(), "")
		b.logf("  %s %s: %s (%.1f MB/s, %.0f rows/s)", c, sys, d.Round(time.Millisecond), mb/d.Seconds(), rows/d.Seconds())
	}
	best := func(f func() (time.Duration, error)) (time.Duration, error) {
		var b0 time.Duration
		for i := 0; i < b.sz.LoadRepeat; i++ {
			d, err := f()
			if err != nil {
				return 0, err
			}
			if b0 == 0 || d < b0 {
				b0 = d
			}
		}
		return b0, nil
	}
	type side struct {
		c, sys string
		mb     float64
		run    func() (time.Duration, error)
	}
	sides := []side{
		{"load/read_csv", sysDuckDB, csvMB, func() (time.Duration, error) { return b.duckdbRead(ctx, "csv") }},
		{"load/read_parquet", sysDuckDB, parquetMB, func() (time.Duration, error) { return b.duckdbRead(ctx, "parquet") }},
		{"load/copy-csv", sysDuckstore, csvMB, func() (time.Duration, error) {
			return copyIn(ctx, b.dsDSN, b.csvPath, "(FORMAT csv, HEADER true)", b.sz.LoadRows)
		}},
		{"load/copy-binary", sysDuckstore, binMB, func() (time.Duration, error) {
			return copyIn(ctx, b.dsDSN, b.binPath, "(FORMAT binary)", b.sz.LoadRows)
		}},
	}
	if b.pg != nil {
		sides = append(sides,
			side{"load/copy-csv", sysPostgres, csvMB, func() (time.Duration, error) {
				return copyIn(ctx, b.pg.dsn("postgres"), b.csvPath, "(FORMAT csv, HEADER true)", b.sz.LoadRows)
			}},
			side{"load/copy-binary", sysPostgres, binMB, func() (time.Duration, error) {
				return copyIn(ctx, b.pg.dsn("postgres"), b.binPath, "(FORMAT binary)", b.sz.LoadRows)
			}})
	}
	for _, s := range sides {
		d, err := best(s.run)
		if err != nil {
			return fmt.Errorf("%s on %s: %w", s.c, s.sys, err)
		}
		record(s.c, s.sys, d, s.mb)
	}
	for _, f := range []struct {
		c, path, format string
		mb              float64
	}{{"load/http-import", b.csvPath, "csv", csvMB}, {"load/http-import-parquet", b.parquetPath, "parquet", parquetMB}} {
		var up, imp time.Duration
		for i := 0; i < b.sz.LoadRepeat; i++ {
			u, m, err := b.httpImport(ctx, f.path, f.format)
			if err != nil {
				return fmt.Errorf("%s: %w", f.c, err)
			}
			if imp == 0 || m < imp {
				up, imp = u, m
			}
		}
		record(f.c, sysDuckstore, imp, f.mb)
		if f.format == "csv" {
			record("load/http-upload+import", sysDuckstore, up+imp, f.mb)
		}
	}
	r := b.rep
	r.addRatio("load/http-import-parquet: duckstore / DuckDB read_parquet (rows/s)", r.get("load/http-import-parquet", sysDuckstore, "rows/s"),
		r.get("load/read_parquet", sysDuckDB, "rows/s"), "rows/s over rows/s", ">=", 0.8)
	duck := r.get("load/read_csv", sysDuckDB, "rows/s")
	for _, c := range []string{"load/copy-csv", "load/copy-binary", "load/http-import"} {
		ds := r.get(c, sysDuckstore, "rows/s")
		r.addRatio(c+": duckstore / DuckDB read_csv (rows/s)", ds, duck, "rows/s over rows/s", ">=", 0.8)
		pgCase := c
		if c == "load/http-import" {
			pgCase = "load/copy-csv"
		}
		r.addRatio(c+": duckstore / PostgreSQL "+strings.TrimPrefix(pgCase, "load/")+" (rows/s)", ds, r.get(pgCase, sysPostgres, "rows/s"),
			"rows/s over rows/s", ">=", 2)
	}
	return nil
}

// caseWrites has 1, 2 and 4 writers insert into as many tables at once:
// prepared multi-row INSERTs of writeBatch rows, each its own transaction.
func (b *bench) caseWrites(ctx context.Context) error {
	targets := []struct{ sys, dsn string }{{sysDuckstore, b.dsDSN}}
	if b.pg != nil {
		targets = append(targets, struct{ sys, dsn string }{sysPostgres, b.pg.dsn("postgres")})
	}
	for _, n := range []int{1, 2, 4} {
		c := fmt.Sprintf("writes/%d-tables", n)
		for _, t := range targets {
			// The machine's CPU time while the writers run tells whether
			// more writers could have gone faster at all.
			m0, w0 := machineCPU(), time.Now()
			rowsPerSec, err := parallelInserts(ctx, t.dsn, n, b.sz.Duration)
			if err != nil {
				return fmt.Errorf("%s on %s: %w", c, t.sys, err)
			}
			busy := (machineCPU() - m0).Seconds() / time.Since(w0).Seconds()
			b.rep.add(c, t.sys, "rows/s", rowsPerSec, fmt.Sprintf("%d writers, %d-row INSERTs", n, writeBatch))
			b.rep.add(c, t.sys, "busy cores", busy, "whole machine, other users included")
			b.logf("  %s %s: %.0f rows/s (%.1f cores busy)", c, t.sys, rowsPerSec, busy)
		}
	}
	for _, sys := range []string{sysDuckstore, sysPostgres} {
		b.rep.addRatio("writes: 4 tables / 1 table ("+sys+")", b.rep.get("writes/4-tables", sys, "rows/s"), b.rep.get("writes/1-tables", sys, "rows/s"),
			"rows/s over rows/s", map[string]string{sysDuckstore: ">="}[sys], 1.6)
	}
	return nil
}

const writeBatch = 200

var writeSeq atomic.Int64

// parallelInserts runs n writers, one per new table, for d and returns
// the rows inserted per second by all of them.
func parallelInserts(ctx context.Context, dsn string, n int, d time.Duration) (float64, error) {
	var sb strings.Builder
	sb.WriteString("VALUES ")
	for i := 0; i < writeBatch; i++ {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "($%d::bigint, $%d::double precision, $%d::varchar)", 3*i+1, 3*i+2, 3*i+3)
	}
	values := sb.String()
	conns := make([]*pgx.Conn, n)
	tables := make([]string, n)
	defer func() {
		for i, c := range conns {
			if c != nil {
				c.Exec(context.WithoutCancel(ctx), "DROP TABLE "+tables[i])
				c.Close(ctx)
			}
		}
	}()
	for i := range conns {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return 0, err
		}
		conns[i] = c
		if i == 0 {
			if _, err := c.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS w"); err != nil {
				return 0, err
			}
		}
		tables[i] = fmt.Sprintf("w.t_%d", writeSeq.Add(1))
		if _, err := c.Exec(ctx, "CREATE TABLE "+tables[i]+" (id BIGINT, v DOUBLE PRECISION, s VARCHAR)"); err != nil {
			return 0, err
		}
	}
	var total atomic.Int64
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(i), 7))
			args := make([]any, 3*writeBatch)
			q := "INSERT INTO " + tables[i] + " " + values
			var id int64
			for time.Now().Before(end) {
				for r := 0; r < writeBatch; r++ {
					id++
					args[3*r], args[3*r+1], args[3*r+2] = id, rnd.Float64(), fmt.Sprintf("value %d", id)
				}
				if _, err := conns[i].Exec(ctx, q, args...); err != nil {
					errs[i] = err
					return
				}
				total.Add(writeBatch)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, err := range errs {
		if err != nil {
			return 0, err
		}
	}
	return float64(total.Load()) / elapsed.Seconds(), nil
}
