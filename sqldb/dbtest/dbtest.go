// Package dbtest opens throwaway stores for tests: an SQLite file in the
// test's temporary directory, and a fresh PostgreSQL schema that is dropped
// afterwards. PostgreSQL tests fail, never skip, when the server cannot be
// reached: CI starts it, and a database test that silently skips hides a gap.
package dbtest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
)

// PostgresDSN is where PostgreSQL tests run: DUIXIAN_TEST_POSTGRES, or the
// server these machines run on 127.0.0.1:5432 (trust auth, database test).
func PostgresDSN() string {
	if v := os.Getenv("DUIXIAN_TEST_POSTGRES"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

// SQLite opens a store in a new file.
func SQLite(t testing.TB) *sqldb.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/duixian.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Postgres opens a store in a schema of its own, so tests never see each
// other's rows.
func Postgres(t testing.TB) *sqldb.DB {
	t.Helper()
	ctx := context.Background()
	// A plain connection: opening the store on the database's own schema
	// would migrate it, and code of another revision (another branch, an
	// older checkout) may have migrated it differently.
	admin, err := sql.Open("pgx", PostgresDSN())
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		t.Fatalf("PostgreSQL must be reachable at %s for these tests: %v", PostgresDSN(), err)
	}
	schema := fmt.Sprintf("t_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		admin.Close()
	})
	db, err := postgres.Open(ctx, PostgresDSN()+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// Each runs f on SQLite and on PostgreSQL.
func Each(t *testing.T, f func(t *testing.T, db *sqldb.DB)) {
	t.Run("sqlite", func(t *testing.T) { f(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { f(t, Postgres(t)) })
}

// DSN is the connection string of a PostgreSQL store opened by Postgres
// (its schema first on the search path), for what connects beside the
// store, like the job queue; "" for an SQLite store.
func DSN(t testing.TB, db *sqldb.DB) string {
	t.Helper()
	if db.Dialect() != sqldb.Postgres {
		return ""
	}
	var schema string
	if err := db.SQL().QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	return PostgresDSN() + "&search_path=" + schema
}
