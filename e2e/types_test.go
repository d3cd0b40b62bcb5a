package e2e

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestDuckDBTypes reads values of DuckDB types PostgreSQL lacks, whose
// Arrow form would lose them, through the binary with pgx in binary
// (cached statements) and text (simple protocol) formats: UHUGEINT at
// its maximum, beyond int128, as numeric; TIMETZ with its offset, as
// text. duckstore only: PostgreSQL has no such types.
func TestDuckDBTypes(t *testing.T) {
	target := Targets(t)[0]
	t.Run(target.Name, func(t *testing.T) { duckDBTypes(t, target) })
}

func duckDBTypes(t *testing.T, target Target) {
	ctx := context.Background()
	const max = "340282366920938463463374607431768211455"
	modes := []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol}
	defer countChecks(t, len(modes))
	for _, mode := range modes {
		t.Run(mode.String(), func(t *testing.T) {
			c := pgxConnect(t, target)
			var u pgtype.Numeric
			var small int64
			var tz string
			err := c.QueryRow(ctx, `SELECT CAST('`+max+`' AS UHUGEINT) AS u, CAST(7 AS UHUGEINT) AS small, CAST('12:34:56+02' AS TIMETZ) AS tz`,
				mode).Scan(&u, &small, &tz)
			if err != nil {
				t.Fatal(err)
			}
			if u.Int == nil || u.Int.String() != max || u.Exp != 0 {
				t.Errorf("UHUGEINT max = %v e%d", u.Int, u.Exp)
			}
			if small != 7 || tz != "12:34:56+02" {
				t.Errorf("small = %d, TIMETZ = %q", small, tz)
			}
		})
	}
}
