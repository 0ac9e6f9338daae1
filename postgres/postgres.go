// Package postgres opens the store on PostgreSQL, for deployments that run
// several duixian processes on one database.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/etown/duixian/sqldb"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
)

// Open connects to dsn (postgres://…) and migrates the schema.
func Open(ctx context.Context, dsn string) (*sqldb.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	// Two processes may migrate at once; an advisory lock lets one do it.
	if _, err := db.ExecContext(ctx, `SELECT pg_advisory_lock(424242)`); err != nil {
		return nil, err
	}
	s, err := sqldb.Open(ctx, db, sqldb.Postgres)
	if _, uerr := db.ExecContext(ctx, `SELECT pg_advisory_unlock(424242)`); err == nil && uerr != nil {
		err = uerr
	}
	if err != nil {
		db.Close()
		return nil, err
	}
	s.Retryable = retryable
	return s, nil
}

// retryable: serialization failure and deadlock; PostgreSQL aborted the
// transaction so that another could proceed, and it can simply run again.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == "40001" || pg.Code == "40P01")
}
