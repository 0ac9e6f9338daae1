package sqldb

import (
	"context"
	"database/sql"
	"strings"
)

// CreateOldSchema builds, in an empty database, the schema the first n
// migrations made, as Open did when there were no more: a store written
// by older code, for testing what a later migration does to it.
func CreateOldSchema(ctx context.Context, db *sql.DB, d Dialect, n int) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	for v := range n {
		for _, stmt := range strings.Split(migrations[v], ";") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if d == SQLite {
				stmt = strings.ReplaceAll(stmt, "BYTEA", "BLOB")
			}
			if _, err := db.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
		if _, err := db.ExecContext(ctx, (&Tx{dialect: d}).rebind(`INSERT INTO schema_migrations (version) VALUES (?)`), v+1); err != nil {
			return err
		}
	}
	return nil
}

// QueryString answers a query of one text value in tx, for tests that
// look at the store from inside a transaction (a pragma during a load).
func (tx *Tx) QueryString(q string) (string, error) {
	var s string
	err := tx.row(q).Scan(&s)
	return s, err
}
