// Package sqlite opens the embedded store: one file, write-ahead logging,
// synchronous=FULL (a commit is on disk before it is acknowledged), and
// write transactions that begin IMMEDIATE so that writers queue.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

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
	return sqldb.Open(ctx, db, sqldb.SQLite)
}
