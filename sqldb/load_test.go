package sqldb_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// loaded is what a registry load leaves, less the times it was made at
// (and the hashes, which seal the times): the enterprises in USCC order,
// the audit entries in chain order, and the indexes.
type loaded struct {
	enterprises []string
	audit       []string
	indexes     []string
}

func readLoaded(t *testing.T, db *sqldb.DB) loaded {
	t.Helper()
	var l loaded
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		es, err := tx.Enterprises()
		if err != nil {
			return err
		}
		for _, e := range es {
			l.enterprises = append(l.enterprises, fmt.Sprint(e.USCC, e.Name, string(e.Facts), e.Version))
		}
		as, err := tx.AuditLog("")
		if err != nil {
			return err
		}
		for _, a := range as {
			l.audit = append(l.audit, fmt.Sprint(a.Seq, a.Actor, a.Action, a.Subject, a.After))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	q := `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('enterprises', 'audit') ORDER BY name`
	if db.Dialect() == sqldb.Postgres {
		q = `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename IN ('enterprises', 'audit') ORDER BY indexname`
	}
	rows, err := db.SQL().QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		l.indexes = append(l.indexes, n)
	}
	return l
}

func sendBatches(ents []duixian.Enterprise, size int) <-chan []duixian.Enterprise {
	ch := make(chan []duixian.Enterprise, len(ents)/size+1)
	for start := 0; start < len(ents); start += size {
		ch <- ents[start:min(start+size, len(ents))]
	}
	close(ch)
	return ch
}

func journalMode(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	if db.Dialect() != sqldb.SQLite {
		return ""
	}
	var m string
	if err := db.SQL().QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// A registry loaded in one transaction (registry.Load, sqldb.DB.Load) is
// the registry loaded batch by batch: the same enterprises, the same audit
// entries in the same order, a chain that verifies, every index there, and
// the SQLite store back in write-ahead-log mode.
func TestLoadIsTheBatchedWrite(t *testing.T) {
	ents := registry.Generate(1203, 11) // more than one statement's rows
	var want loaded
	t.Run("batches", func(t *testing.T) {
		db := dbtest.SQLite(t)
		if n, err := registry.Write(ctx, db, ents, 500); err != nil || n != len(ents) {
			t.Fatalf("Write: %d, %v", n, err)
		}
		want = readLoaded(t, db)
	})
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		before := readLoaded(t, db)
		written, given, err := registry.Load(ctx, db, sendBatches(ents, 500))
		if err != nil || written != len(ents) || given != len(ents) {
			t.Fatalf("Load: %d of %d, %v", written, given, err)
		}
		got := readLoaded(t, db)
		if !slices.Equal(got.enterprises, want.enterprises) {
			t.Errorf("the enterprises differ from those written batch by batch")
		}
		if !slices.Equal(got.audit, want.audit) {
			t.Errorf("the audit entries differ from those written batch by batch")
		}
		if !slices.Equal(got.indexes, before.indexes) || !slices.Contains(got.indexes, "audit_subject") {
			t.Errorf("indexes %v after the load, %v before", got.indexes, before.indexes)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != int64(len(ents)) {
			t.Errorf("the chain: %d entries, %v", n, err)
		}
		if m := journalMode(t, db); m != "" && m != "wal" {
			t.Errorf("journal mode %q after the load", m)
		}
		// The subject index is used again: one enterprise's entries.
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			es, err := tx.AuditLog(ents[600].USCC)
			if err == nil && (len(es) != 1 || es[0].After != ents[600].Name) {
				t.Errorf("entries about %s: %+v", ents[600].USCC, es)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// On a store with enterprises, Load is as correct: those on file are kept
// as they are and get no entry, the chain goes on from the entries before,
// and the entries before are still found by subject.
func TestLoadOnARegistryOnFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ents := registry.Generate(900, 12)
		if _, err := registry.Write(ctx, db, ents[:300], 100); err != nil {
			t.Fatal(err)
		}
		written, given, err := registry.Load(ctx, db, sendBatches(ents, 250))
		if err != nil || written != 600 || given != 900 {
			t.Fatalf("Load: %d of %d, %v", written, given, err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 900 {
			t.Errorf("the chain: %d entries, %v", n, err)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			for _, e := range []duixian.Enterprise{ents[5], ents[700]} {
				es, err := tx.AuditLog(e.USCC)
				if err != nil {
					return err
				}
				if len(es) != 1 || es[0].After != e.Name {
					t.Errorf("entries about %s: %+v", e.USCC, es)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	})
}

// A load that fails writes nothing and leaves the store as it was: its
// indexes, its journal mode; one while a reader holds the SQLite file open
// stays in the write-ahead log and succeeds.
func TestLoadFailingAndBesideAReader(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ents := registry.Generate(700, 13)
		if _, err := registry.Write(ctx, db, ents[:100], 100); err != nil {
			t.Fatal(err)
		}
		before := readLoaded(t, db)
		broken := errors.New("the source broke")
		err := db.Load(ctx, func(tx *sqldb.Tx) error {
			if db.Dialect() == sqldb.SQLite {
				// The load as made for it: out of the write-ahead log,
				// without the subject index until the end.
				if m, err := tx.QueryString(`PRAGMA journal_mode`); err != nil || m != "truncate" {
					t.Errorf("journal mode %q during the load (%v)", m, err)
				}
				if n, err := tx.QueryString(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'audit_subject'`); err != nil || n != "0" {
					t.Errorf("audit_subject during the load: %s (%v)", n, err)
				}
			}
			if _, err := tx.AddEnterprises(ents[100:400]); err != nil {
				return err
			}
			return broken
		})
		if !errors.Is(err, broken) {
			t.Fatalf("Load: %v", err)
		}
		after := readLoaded(t, db)
		if !slices.Equal(after.enterprises, before.enterprises) || !slices.Equal(after.audit, before.audit) || !slices.Equal(after.indexes, before.indexes) {
			t.Errorf("a failed load changed the store: %d enterprises, indexes %v", len(after.enterprises), after.indexes)
		}
		if m := journalMode(t, db); m != "" && m != "wal" {
			t.Errorf("journal mode %q after a failed load", m)
		}

		// A reader's connection, held open across the load.
		reading := make(chan struct{})
		done := make(chan error)
		go func() {
			done <- db.Read(ctx, func(tx *sqldb.Tx) error {
				if _, err := tx.Enterprise(ents[0].USCC, false); err != nil {
					return err
				}
				close(reading)
				<-done
				return nil
			})
		}()
		<-reading
		written, _, err := registry.Load(ctx, db, sendBatches(ents[100:], 200))
		done <- nil
		if err != nil || written != 600 {
			t.Fatalf("Load beside a reader: %d, %v", written, err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 700 {
			t.Errorf("the chain: %d entries, %v", n, err)
		}
		if m := journalMode(t, db); m != "" && m != "wal" {
			t.Errorf("journal mode %q after a load beside a reader", m)
		}
	})
}
