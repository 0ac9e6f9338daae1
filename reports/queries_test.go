package reports_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/reports/reportstest"
	"github.com/etown/duixian/sqldb"
	_ "modernc.org/sqlite"
)

// statements counts the SQL statements sent through the "counting-sqlite"
// driver.
var statements atomic.Int64

var registerCounting sync.Once

// countingDB opens an SQLite store whose every statement is counted.
func countingDB(t *testing.T) *sqldb.DB {
	t.Helper()
	registerCounting.Do(func() {
		probe, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		sql.Register("counting-sqlite", countingDriver{probe.Driver()})
		probe.Close()
	})
	raw, err := sql.Open("counting-sqlite", "file:"+t.TempDir()+"/counted.db?_pragma=journal_mode(WAL)&_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	db, err := sqldb.Open(context.Background(), raw, sqldb.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type countingDriver struct{ driver.Driver }

func (d countingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return countingConn{c}, nil
}

type countingConn struct{ driver.Conn }

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	statements.Add(1)
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}

func (c countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	statements.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, q, args)
}

func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	statements.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, q, args)
}

// TestNoPerRowQueries: the statements a dashboard, the statistics and a
// view after a batch of changes cost do not grow with the number of
// applications or enterprises, counted at the driver.
func TestNoPerRowQueries(t *testing.T) {
	cat := loadCatalogue(t)
	ctx := context.Background()
	type counts struct{ cold, warm, changed, statistics int64 }
	measure := func(nEnt, nApp, nChanged int) counts {
		db := countingDB(t)
		reportstest.Populate(t, db, cat, today, nEnt, nApp, 9)
		svc := &reports.Service{DB: db, Catalogue: cat, Now: clock}
		var c counts
		count := func(f func()) int64 {
			before := statements.Load()
			f()
			return statements.Load() - before
		}
		view := func() {
			for _, sc := range []reports.Scope{{Kind: reports.All}, {Kind: reports.Consulted, Department: "经济发展局"}} {
				if _, err := svc.Dashboard(ctx, sc); err != nil {
					t.Fatal(err)
				}
			}
		}
		c.cold = count(view)
		c.warm = count(view)
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			list, err := tx.Applications(sqldb.ApplicationFilter{Limit: nChanged})
			if err != nil {
				return err
			}
			for _, a := range list {
				a.Clawback++
				if err := tx.PutApplication(a); err != nil {
					return err
				}
				if err := tx.Audit(duixian.AuditEntry{At: time.Now().Format(time.RFC3339Nano), Action: "test", Subject: a.ID}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		c.changed = count(view)
		c.statistics = count(func() {
			if _, err := reports.New(db, cat).Statistics(ctx); err != nil {
				t.Fatal(err)
			}
		})
		return c
	}
	small, big := measure(40, 60, 5), measure(300, 900, 120)
	if small != big {
		t.Errorf("statements for 40 enterprises and 60 applications %+v, for 300 and 900 %+v: they grow with the data", small, big)
	}
	if big.cold > 8 || big.warm > 4 || big.changed > 8 {
		t.Errorf("statements %+v", big)
	}
	t.Logf("statements: %+v", big)
}
