package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// loadCacheKiB is Load's page cache: the USCC index of a million
// enterprises is 29 MB, and a cache that holds it (with the pages the
// load is appending) keeps its pages from being written out and read back
// (docs/performance.md: 16, 48 and 128 MB compared). Pages cost about
// twice their size in the driver's allocator.
const loadCacheKiB = 64 << 10

// Load runs fn in one transaction made for writing a registry of millions
// into a store that holds none: what the per-batch transactions of
// registry.Write cost at that size is the rewriting, at every commit, of
// B-tree pages scattered over indexes with random keys (the USCC, the
// audit log's subject), each written to the write-ahead log and again at
// its checkpoint.
//
// On SQLite, for the transaction's length, the connection
//   - journals in TRUNCATE mode instead of to the write-ahead log: pages
//     past the end of the file as the transaction found it — nearly all of
//     a fresh load — are written once, not twice, and a crash rolls the
//     whole load back from the journal on the next open. With
//     synchronous=FULL the commit is durable (the truncated journal is
//     synced, so it cannot reappear after a power loss and undo it).
//     Changing the mode needs the file to itself; when another connection
//     has it open the load stays in the write-ahead log, slower but the
//     same;
//   - keeps its temporary files in memory (the audit INSERTs' statement
//     journals, to undo one should it fail halfway; the sort that builds
//     an index) and a page cache large enough to hold the USCC index, so
//     that pages are not written out and read back within the
//     transaction;
//   - drops the secondary indexes of enterprises and audit and builds them
//     again (one sorted pass) before the commit, from the definitions the
//     schema holds; all in the one transaction, so no one ever sees the
//     store without them.
//
// Everything is restored before Load returns: the write-ahead log, the
// cache, the temporary store. fn is run once, never again on an error, so
// it may consume its input. On PostgreSQL, Load is one transaction.
func (s *DB) Load(ctx context.Context, fn func(*Tx) error) (err error) {
	if s.dialect != SQLite {
		return s.tryTx(ctx, fn)
	}
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var mode, temp string
	var cache int64
	if err := conn.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA cache_size`).Scan(&cache); err != nil {
		return err
	}
	if err := conn.QueryRowContext(ctx, `PRAGMA temp_store`).Scan(&temp); err != nil {
		return err
	}
	// SQLite refuses (SQLITE_BUSY, at once) while another connection has
	// the file open in WAL mode; the load then goes ahead in the
	// write-ahead log, where any other failure of the store shows again in
	// the statements that follow.
	var now string
	_ = conn.QueryRowContext(ctx, `PRAGMA journal_mode = TRUNCATE`).Scan(&now)
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = %d`, -loadCacheKiB)); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err != nil {
		return err
	}
	defer func() {
		// The load is committed or rolled back by now; what follows puts the
		// connection back as sqlite.Open left it.
		var back string
		e := conn.QueryRowContext(context.WithoutCancel(ctx), `PRAGMA journal_mode = `+mode).Scan(&back)
		if e == nil && !strings.EqualFold(back, mode) {
			e = fmt.Errorf("journal mode %s after the load, not %s", back, mode)
		}
		if _, e2 := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf(`PRAGMA cache_size = %d`, cache)); e == nil {
			e = e2
		}
		if _, e2 := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA temp_store = `+temp); e == nil {
			e = e2
		}
		if e != nil {
			err = errors.Join(err, fmt.Errorf("restore the connection after a load: %w", e))
		}
	}()
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{ctx: ctx, tx: sqlTx, dialect: s.dialect}
	err = func() error {
		defs, err := secondaryIndexes(tx, "enterprises", "audit")
		if err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := tx.exec(`DROP INDEX ` + d[0]); err != nil {
				return err
			}
		}
		if err := fn(tx); err != nil {
			return err
		}
		for _, d := range defs {
			if _, err := tx.exec(d[1]); err != nil {
				return err
			}
		}
		return nil
	}()
	if err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

// secondaryIndexes names the indexes on tables that SQLite can drop and
// build again, each with the statement that made it: those the schema
// declares, not those a PRIMARY KEY or UNIQUE constraint makes (which
// have no statement).
func secondaryIndexes(tx *Tx, tables ...string) ([][2]string, error) {
	q := `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (?` + strings.Repeat(", ?", len(tables)-1) + `) ORDER BY name`
	args := make([]any, len(tables))
	for i, t := range tables {
		args[i] = t
	}
	rows, err := tx.tx.QueryContext(tx.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var d [2]string
		if err := rows.Scan(&d[0], &d[1]); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RegistryEmpty reports whether no enterprise is on file.
func (s *DB) RegistryEmpty(ctx context.Context) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM enterprises LIMIT 1) x`).Scan(&n)
	return n == 0, err
}
