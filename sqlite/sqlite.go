// Package sqlite opens the embedded store: one file, write-ahead logging,
// synchronous=FULL (a commit is on disk before it is acknowledged), and
// write transactions that begin IMMEDIATE so that writers queue. Reads
// (sqldb.DB.Read) go through a second pool of query-only connections on the
// same file, which write-ahead logging lets read while a write is under way.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"

	"github.com/etown/duixian/sqldb"
	_ "modernc.org/sqlite" // the pure-Go SQLite driver: no cgo, nothing to install
)

// Open opens (creating if need be) the database file at path.
func Open(ctx context.Context, path string) (*sqldb.DB, error) {
	q := url.Values{}
	q.Set("_txlock", "immediate")
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(30000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// One writer at a time is SQLite's model; more connections would only
	// wait on each other's locks.
	db.SetMaxOpenConns(1)
	s, err := sqldb.Open(ctx, db, sqldb.SQLite)
	if err != nil {
		db.Close()
		return nil, err
	}
	// The readers, opened once the writer has made the file and put it in
	// WAL mode (a setting the file keeps). query_only makes a stray write
	// through them an error rather than a second writer; busy_timeout
	// covers the moments a reader waits (opening the log's index while a
	// checkpoint resets it).
	r := url.Values{}
	r.Set("_txlock", "deferred")
	r.Set("_query_only", "1")
	r.Add("_pragma", "busy_timeout(30000)")
	reader, err := sql.Open("sqlite", "file:"+path+"?"+r.Encode())
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)
	s.SetReadPool(reader)
	return s, nil
}

// Backup writes a consistent copy of the store to path while it is in use
// (VACUUM INTO: one read transaction, so the copy is the database as of
// one moment, and writers are not held up in write-ahead-log mode). path
// must not exist or be empty. The copy is written by SQLite; Backup syncs
// it to disk before it returns.
func Backup(ctx context.Context, db *sqldb.DB, path string) error {
	if _, err := db.SQL().ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("back up to %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// IntegrityCheck runs SQLite's integrity check: nil when it answers ok.
func IntegrityCheck(ctx context.Context, db *sqldb.DB) error {
	rows, err := db.SQL().QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}
