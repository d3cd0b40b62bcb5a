package engine

import (
	"context"

	"github.com/duckstore/duckstore/engine/duck"
)

// loaderConns is how many connections with progress tracking each
// instance keeps for long loads (imports, exports). More loads than that
// at once still run, on plain connections, without progress.
const loaderConns = 4

// openLoaderConns opens the instance's loader connections. It must run
// before the sandbox locks the configuration: DuckDB tracks a statement's
// progress only on connections with enable_progress_bar, a per-connection
// setting that cannot be changed once lock_configuration is on (and that
// DuckDB refuses to set globally).
func openLoaderConns(ctx context.Context, db *duck.DB) (chan *duck.Conn, error) {
	pool := make(chan *duck.Conn, loaderConns)
	for range loaderConns {
		c, err := db.Connect()
		if err != nil {
			return nil, err
		}
		if _, err := c.Exec(ctx, "SET enable_progress_bar=true; SET enable_progress_bar_print=false"); err != nil {
			c.Close()
			return nil, err
		}
		pool <- c
	}
	return pool, nil
}

// LoaderConn returns a connection for a long load, on which
// duck.Conn.Progress reports how far the running statement is (when one
// of the instance's loader connections is free; else a plain one, whose
// progress reads -1). The caller must leave it without an open
// transaction and call release when done.
func (in *Instance) LoaderConn() (conn *duck.Conn, release func(), err error) {
	select {
	case c := <-in.loaders:
		return c, func() {
			select {
			case in.loaders <- c:
			default:
				c.Close()
			}
		}, nil
	default:
	}
	c, err := in.Conn()
	if err != nil {
		return nil, nil, err
	}
	return c, c.Close, nil
}
