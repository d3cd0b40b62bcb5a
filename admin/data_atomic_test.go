package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine/duck"
)

// TestFullLoadIsAtomicUnderConcurrentReads swaps a table between two
// versions (300,000 rows of 'a', 200,000 rows of 'b') with full loads
// while readers count it through HTTP preview and through engine pins
// (the path SQL sessions take): every read sees one whole version, never
// an empty, partial or mixed table.
func TestFullLoadIsAtomicUnderConcurrentReads(t *testing.T) {
	e := newEnv(t)
	key := e.project("p")
	e.newTable("p", "t", []string{"id"}, "id BIGINT", "v VARCHAR")
	versions := map[string]int64{"a": 300_000, "b": 200_000}
	files := map[string]string{}
	for v, n := range versions {
		var b strings.Builder
		b.WriteString("id,v\n")
		for i := range n {
			fmt.Fprintf(&b, "%d,%s\n", i, v)
		}
		files[v] = e.upload("p", key, v+".csv", nil, b.String())
	}
	e.must(200, "POST", "/projects/p/buckets/b/tables/t/import/file", e.admin, map[string]any{"file_id": files["a"]})

	var stop atomic.Bool
	var reads, bad atomic.Int64
	var failures sync.Map
	check := func(where string, count int64, values []string) {
		reads.Add(1)
		ok := len(values) == 1 && versions[values[0]] == count
		if len(values) == 0 {
			ok = count == versions["a"] || count == versions["b"]
		}
		if !ok {
			bad.Add(1)
			failures.Store(fmt.Sprintf("%s: %d rows of %v", where, count, values), true)
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { // HTTP preview, as BI tools and the UI read
		defer wg.Done()
		for !stop.Load() {
			r := e.do("GET", "/projects/p/buckets/b/tables/t/preview?limit=1", e.admin, nil)
			var p struct {
				Total int64 `json:"total_row_count"`
			}
			json.Unmarshal(r.body, &p)
			check("preview", p.Total, nil)
		}
	}()
	go func() { // SQL through a pin, as a pgwire session reads
		defer wg.Done()
		ctx := context.Background()
		in, _ := e.eng.Instance(ctx, "p")
		for !stop.Load() {
			t0, _ := e.eng.Table(ctx, "p", catalog.MainBranch, "b", "t")
			alias, release, err := in.Pin(ctx, t0)
			if err != nil {
				bad.Add(1)
				failures.Store("pin: "+err.Error(), true)
				continue
			}
			conn, _ := in.Conn()
			rows, err := conn.Query(ctx, "SELECT count(*), list(DISTINCT v) FROM "+duck.QuoteIdent(alias)+".data")
			if err == nil && rows.Next() {
				rec := rows.Record()
				l := rec.Column(1).(*array.List)
				vals := l.ListValues().(*array.String)
				var vs []string
				for i := 0; i < vals.Len(); i++ {
					vs = append(vs, vals.Value(i))
				}
				check("sql", rec.Column(0).(*array.Int64).Value(0), vs)
				rows.Close()
			} else {
				bad.Add(1)
				failures.Store(fmt.Sprintf("sql: %v", err), true)
			}
			conn.Close()
			release()
		}
	}()
	for i, v := range []string{"b", "a", "b", "a"} {
		r := e.do("POST", "/projects/p/buckets/b/tables/t/import/file", e.admin, map[string]any{"file_id": files[v]})
		if r.status != 200 || r.obj()["table_rows_after"] != float64(versions[v]) {
			t.Fatalf("load %d: %d %s", i, r.status, r.body)
		}
	}
	stop.Store(true)
	wg.Wait()
	failures.Range(func(k, _ any) bool { t.Error(k); return true })
	if bad.Load() > 0 || reads.Load() < 10 {
		t.Fatalf("%d of %d reads saw a wrong table", bad.Load(), reads.Load())
	}
	t.Logf("%d reads during 4 full loads, all whole", reads.Load())
}
