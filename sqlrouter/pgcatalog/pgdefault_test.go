package pgcatalog

import "testing"

func TestPGDefault(t *testing.T) {
	if err := loadDefs(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		expr string
		typ  uint32
		want string
	}{
		{"'new'", 25, "'new'::text"},
		{"CAST('it''s' AS VARCHAR)", 25, "'it''s'::text"},
		{"CAST('1.50' AS DECIMAL(12,2))", 1700, "'1.50'::numeric"},
		{"CAST('2024-01-01' AS DATE)", 1082, "'2024-01-01'::date"},
		{"1", 23, "1"},
		{"now()", 1184, "now()"},
		{"'a' || 'b'", 25, "'a' || 'b'"},
		{"CAST(x AS INTEGER)", 23, "CAST(x AS INTEGER)"},
	} {
		if got := pgDefault(c.expr, c.typ); got != c.want {
			t.Errorf("pgDefault(%q) = %q, want %q", c.expr, got, c.want)
		}
	}
}
