package load

import (
	"context"

	"github.com/duckstore/duckstore/catalog"
	"github.com/duckstore/duckstore/engine"
	"github.com/duckstore/duckstore/wire/pgerr"
)

// Columns returns the columns a source gives a table created from it:
// a CSV's header (or CSV.Columns) as nullable VARCHAR columns, as Keboola
// creates them, or a Parquet file's names and types.
func Columns(ctx context.Context, in *engine.Instance, src Source) ([]catalog.Column, error) {
	if _, err := inputBytes(src.Paths); err != nil {
		return nil, err
	}
	if src.Format == Parquet {
		conn, err := in.Conn()
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		cols, err := describe(ctx, conn, "read_parquet("+pathList(src.Paths)+")")
		if err != nil {
			return nil, newError(KindUnreadable, pgerr.InvalidParameterValue, map[string]any{"file": baseName(src.Paths[0])},
				"cannot read %s as Parquet: %v", baseName(src.Paths[0]), err)
		}
		for i := range cols {
			cols[i].Nullable = true
		}
		return cols, nil
	}
	d, err := resolveDialect(src.CSV)
	if err != nil {
		return nil, err
	}
	compression, err := csvCompression(src.CSV, src.Paths)
	if err != nil {
		return nil, err
	}
	if !src.CSV.Header && src.CSV.Columns == nil {
		return nil, invalidOption("columns", "", "the file's column names when it has no header")
	}
	names, err := csvColumns(nil, src, d, compression)
	if err != nil {
		return nil, err
	}
	cols := make([]catalog.Column, len(names))
	for i, n := range names {
		cols[i] = catalog.Column{Name: n, Type: "VARCHAR", Nullable: true}
	}
	return cols, nil
}
