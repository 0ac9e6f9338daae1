package registry

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
)

var (
	catOnce sync.Once
	testCat *engine.Catalogue
	catErr  error
)

func loadCatalogue(t testing.TB) *engine.Catalogue {
	t.Helper()
	catOnce.Do(func() { testCat, catErr = engine.Load(catalogue.FS) })
	if catErr != nil {
		t.Fatal(catErr)
	}
	return testCat
}

func openDB(t testing.TB) *sqldb.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "registry.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// count runs a COUNT(*) query.
func count(t testing.TB, db *sqldb.DB, q string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// usccFor completes a 17-character prefix with its check character.
func usccFor(t testing.TB, prefix string) string {
	t.Helper()
	c, ok := duixian.USCCCheckChar(prefix)
	if !ok {
		t.Fatalf("bad prefix %s", prefix)
	}
	return prefix + string(c)
}

func enterprise(t testing.TB, db *sqldb.DB, uscc string) *duixian.Enterprise {
	t.Helper()
	var e *duixian.Enterprise
	if err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		var err error
		e, err = tx.Enterprise(uscc, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return e
}
