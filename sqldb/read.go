package sqldb

import (
	"context"
	"database/sql"
	"time"
)

// Reads run beside the writer. SQLite lets one connection write at a time,
// and the writer's transactions begin IMMEDIATE, so a read through the
// writer's pool would queue behind every write (a sign-in, a payment) and
// the writes behind it. In write-ahead-log mode a reader on another
// connection needs no lock the writer holds: it reads the last committed
// state, as of its first statement. So the SQLite store keeps a second,
// query-only pool on the same file for Read. On PostgreSQL, which has no
// single writer, Read uses the one pool.

// SetReadPool gives Read a pool of its own (package sqlite: query-only
// connections on the database file). Close closes it.
func (s *DB) SetReadPool(reader *sql.DB) { s.reader = reader }

// Read runs fn in a read-only transaction: it sees what was committed
// before it began, never waits for a writer, and fails if fn tries to
// write. Row locks (the lock arguments of the readers) are not taken.
// Whatever must be decided on the state it reads, then written, belongs in
// Tx.
func (s *DB) Read(ctx context.Context, fn func(*Tx) error) error {
	pool := s.db
	if s.reader != nil {
		pool = s.reader
	}
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if err = s.tryRead(ctx, pool, fn); err == nil || !s.Retryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func (s *DB) tryRead(ctx context.Context, pool *sql.DB, fn func(*Tx) error) error {
	sqlTx, err := pool.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	// Nothing to keep: ending it with a rollback is the same as a commit,
	// and cannot fail for want of a lock.
	defer sqlTx.Rollback()
	return fn(&Tx{ctx: ctx, tx: sqlTx, dialect: s.dialect, readOnly: true})
}
