package sqldb_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/etown/duixian"
	"github.com/etown/duixian/audit"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/sqlite"
	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

var ctx = context.Background()

// oldEntry is duixian.AuditEntry as it was before migration 4 (commit
// 09744a9); the code of that time hashed its json.Marshal.
type oldEntry struct {
	Seq   int64  `json:"seq"`
	At    string `json:"at"`
	Actor struct {
		User       string `json:"user"`
		Role       string `json:"role"`
		Department string `json:"department,omitempty"`
		Enterprise string `json:"enterprise,omitempty"`
		IP         string `json:"ip,omitempty"`
	} `json:"actor"`
	Action  string `json:"action"`
	Subject string `json:"subject"`
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
	Prev    string `json:"prev"`
	Hash    string `json:"hash"`
}

// oldSeal seals e as audit.Seal did then and returns the doc column.
func oldSeal(prev string, e *oldEntry) string {
	e.Prev, e.Hash = prev, ""
	b, _ := json.Marshal(e)
	sum := sm3.Sum(b)
	e.Hash = hex.EncodeToString(sum[:])
	b, _ = json.Marshal(e)
	return string(b)
}

const caseID = "A202603020A1B2C3D4E"

// writeLegacyLog writes three entries into a store of the old schema, with
// the old code's statements; the third is a refusal cut inside a character,
// as workflow.logDenied cut them at byte 500. It returns the last hash.
func writeLegacyLog(t *testing.T, db *sql.DB, d sqldb.Dialect) string {
	t.Helper()
	ph := func(s string) string {
		if d != sqldb.Postgres {
			return s
		}
		for i := 1; strings.Contains(s, "?"); i++ {
			s = strings.Replace(s, "?", fmt.Sprintf("$%d", i), 1)
		}
		return s
	}
	refusal := "依据京技管发〔2025〕21号第七条，申报未通过"
	entries := make([]oldEntry, 3)
	entries[0].At, entries[0].Action, entries[0].Subject, entries[0].After = "2026-03-02T09:00:00+08:00", "register-enterprise", "91110302MA01HJKL2X", "亦城书房文化传播有限公司"
	entries[0].Actor.User, entries[0].Actor.Role, entries[0].Actor.IP = "admin", "admin", "10.1.2.3"
	entries[1].At, entries[1].Action, entries[1].Subject, entries[1].Before, entries[1].After = "2026-03-02T09:10:00+08:00", "submit", caseID, "draft", "submitted"
	entries[1].Actor.User, entries[1].Actor.Role, entries[1].Actor.Enterprise = "staff@bookstore", "enterprise", "91110302MA01HJKL2X"
	entries[2].At, entries[2].Action, entries[2].Subject, entries[2].After = "2026-03-02T09:20:00+08:00", "denied:disburse", caseID, refusal[:len(refusal)-4]
	entries[2].Actor.User, entries[2].Actor.Role, entries[2].Actor.Department = "li.finance", "finance", "财政国资局"
	prev := audit.Genesis
	for i := range entries {
		e := &entries[i]
		e.Seq = int64(i + 1)
		doc := oldSeal(prev, e)
		if _, err := db.ExecContext(ctx, ph(`INSERT INTO audit (seq, subject, doc) VALUES (?, ?, ?)`), e.Seq, e.Subject, doc); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, ph(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), e.Seq, e.Hash); err != nil {
			t.Fatal(err)
		}
		prev = e.Hash
	}
	return prev
}

// openOld creates a store with the schema of the code before migration 4,
// lets fill write into it, and opens it with the current code, which
// migrates it.
func openOld(t *testing.T, store string, fill func(*sql.DB, sqldb.Dialect)) *sqldb.DB {
	t.Helper()
	return openOldAt(t, store, 3, fill)
}

// openOldAt is openOld for the schema of the first n migrations.
func openOldAt(t *testing.T, store string, n int, fill func(*sql.DB, sqldb.Dialect)) *sqldb.DB {
	t.Helper()
	var raw *sql.DB
	var d sqldb.Dialect
	var open func() (*sqldb.DB, error)
	switch store {
	case "sqlite":
		path := t.TempDir() + "/old.db"
		raw, _ = sql.Open("sqlite", "file:"+path)
		d, open = sqldb.SQLite, func() (*sqldb.DB, error) { return sqlite.Open(ctx, path) }
	case "postgres":
		admin, err := sql.Open("pgx", dbtest.PostgresDSN())
		if err != nil {
			t.Fatal(err)
		}
		schema := fmt.Sprintf("t_old_%d", time.Now().UnixNano())
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			t.Fatalf("PostgreSQL must be reachable at %s for these tests: %v", dbtest.PostgresDSN(), err)
		}
		t.Cleanup(func() {
			admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
			admin.Close()
		})
		dsn := dbtest.PostgresDSN() + "&search_path=" + schema
		raw, _ = sql.Open("pgx", dsn)
		d, open = sqldb.Postgres, func() (*sqldb.DB, error) { return postgres.Open(ctx, dsn) }
	}
	if err := sqldb.CreateOldSchema(ctx, raw, d, n); err != nil {
		t.Fatal(err)
	}
	var cols int
	if err := raw.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit WHERE format = 1`).Scan(&cols); n < 4 && err == nil {
		t.Fatal("the old schema already has the format column")
	}
	fill(raw, d)
	raw.Close()
	db, err := open()
	if err != nil {
		t.Fatalf("opening the old store with the current code: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func formats(t *testing.T, db *sqldb.DB) []int {
	t.Helper()
	rows, err := db.SQL().QueryContext(ctx, `SELECT format FROM audit ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var f int
		rows.Scan(&f)
		out = append(out, f)
	}
	return out
}

func exec(t *testing.T, db *sqldb.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL().ExecContext(ctx, db.Rebind(q), args...); err != nil {
		t.Fatal(err)
	}
}

func appendEntry(t *testing.T, db *sqldb.DB, subject, action string) {
	t.Helper()
	e := duixian.AuditEntry{At: "2026-03-03T10:00:00+08:00", Actor: duixian.Actor{User: "treasury", Role: duixian.RoleFinance, Department: "财政国资局"},
		Action: action, Subject: subject, Before: "approved", After: "paid"}
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.Audit(e) }); err != nil {
		t.Fatal(err)
	}
}

// wantBreak checks that the chain breaks at entry seq, saying so in both
// languages and with words.
func wantBreak(t *testing.T, db *sqldb.DB, what string, seq int64, words ...string) {
	t.Helper()
	n, err := db.VerifyAudit(ctx)
	var b *audit.Break
	if !errors.As(err, &b) || b.Seq != seq {
		t.Fatalf("%s: got %d, %v; want a break at entry %d", what, n, err, seq)
	}
	if n != seq-1 {
		t.Errorf("%s: %d entries verified, want %d", what, n, seq-1)
	}
	for _, w := range append(words, fmt.Sprintf("第 %d 条", seq), fmt.Sprintf("entry %d", seq)) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q does not say %q", what, err, w)
		}
	}
}

// A store written before migration 4 migrates and verifies as it is: its
// entries keep their hashes under format 1, and new entries chain on from
// the last of them in format 2.
func TestAuditMigration(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			var lastLegacy string
			db := openOld(t, store, func(raw *sql.DB, d sqldb.Dialect) { lastLegacy = writeLegacyLog(t, raw, d) })
			if got := formats(t, db); !slices.Equal(got, []int{1, 1, 1}) {
				t.Fatalf("formats after the migration %v, want 1 1 1", got)
			}
			if n, err := db.VerifyAudit(ctx); err != nil || n != 3 {
				t.Fatalf("legacy chain after the migration: %d, %v", n, err)
			}
			// An older binary run on the migrated store cannot append an
			// entry of the old format: its statement names no format.
			if _, err := db.SQL().ExecContext(ctx, db.Rebind(`INSERT INTO audit (seq, subject, doc) VALUES (?, ?, ?)`), 4, caseID, "{}"); err == nil {
				t.Fatal("the old INSERT still works")
			}
			appendEntry(t, db, caseID, "disburse")
			appendEntry(t, db, caseID, "disburse")
			if got := formats(t, db); !slices.Equal(got, []int{1, 1, 1, 2, 2}) {
				t.Fatalf("formats %v, want 1 1 1 2 2", got)
			}
			if n, err := db.VerifyAudit(ctx); err != nil || n != 5 {
				t.Fatalf("legacy then format 2: %d, %v", n, err)
			}
			var log []duixian.AuditEntry
			if err := db.Tx(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(caseID); return }); err != nil {
				t.Fatal(err)
			}
			if len(log) != 4 || log[0].Seq != 2 || log[0].Actor.Enterprise != "91110302MA01HJKL2X" || log[1].After != "依据京技管发〔2025〕21号第七条，申报未\uFFFD\uFFFD" ||
				log[2].Prev != lastLegacy || log[3].Prev != log[2].Hash {
				t.Fatalf("the case's history reads %+v", log)
			}

			var doc string
			db.SQL().QueryRowContext(ctx, db.Rebind(`SELECT doc FROM audit WHERE seq = 2`)).Scan(&doc)
			exec(t, db, `UPDATE audit SET doc = ? WHERE seq = 2`, strings.Replace(doc, `"after":"submitted"`, `"after":"approved"`, 1))
			wantBreak(t, db, "legacy entry altered", 2, "altered")
			exec(t, db, `UPDATE audit SET doc = ? WHERE seq = 2`, doc)
			exec(t, db, `UPDATE audit SET subject = ? WHERE seq = 3`, "91110302MA01HJKL2X")
			wantBreak(t, db, "legacy subject column", 3, "subject")
			exec(t, db, `UPDATE audit SET subject = ? WHERE seq = 3`, caseID)
			exec(t, db, `UPDATE audit SET format = 1 WHERE seq = 4`)
			wantBreak(t, db, "format-2 entry relabelled format 1", 4)
			exec(t, db, `UPDATE audit SET format = 2 WHERE seq = 4`)
			if _, err := db.VerifyAudit(ctx); err != nil {
				t.Fatalf("restored: %v", err)
			}
			exec(t, db, `DELETE FROM audit WHERE seq = 5`)
			wantBreak(t, db, "last entry deleted", 5, "deleted")
		})
	}
}

// The chain's end is checked against the head, and the subject column
// against the entry.
func TestAuditChainEnds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		if n, err := db.VerifyAudit(ctx); err != nil || n != 0 {
			t.Fatalf("empty log: %d, %v", n, err)
		}
		for i := range 4 {
			appendEntry(t, db, fmt.Sprintf("A%d", i%2), "disburse")
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n != 4 {
			t.Fatalf("intact: %d, %v", n, err)
		}

		// The subject column decides a case's history: an edit is found.
		exec(t, db, `UPDATE audit SET subject = 'A1' WHERE seq = 3`)
		wantBreak(t, db, "subject column", 3, "subject", `"A1"`, `"A0"`, "edited")
		exec(t, db, `UPDATE audit SET subject = 'A0' WHERE seq = 3`)

		// Deleting the last entries leaves an intact-looking chain, one the
		// head does not end at.
		var doc string
		db.SQL().QueryRowContext(ctx, db.Rebind(`SELECT doc FROM audit WHERE seq = 4`)).Scan(&doc)
		exec(t, db, `DELETE FROM audit WHERE seq = 4`)
		wantBreak(t, db, "last entry deleted", 4, "deleted", "ends at entry 3", "head records entry 4")
		exec(t, db, `DELETE FROM audit WHERE seq = 3`)
		wantBreak(t, db, "last two deleted", 3, "deleted")
		exec(t, db, `UPDATE audit_head SET seq = 2 WHERE id = 1`)
		wantBreak(t, db, "last two deleted and the head's seq moved back", 2, "head")

		exec(t, db, `DELETE FROM audit_head`)
		if _, err := db.VerifyAudit(ctx); err == nil || !strings.Contains(err.Error(), "head") {
			t.Fatalf("no head row: %v", err)
		}
	})
}

// Entries appended while the chain is walked are not mistaken for entries
// past the head: the walk reads one snapshot.
func TestVerifyAuditWhileAppending(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		appendEntry(t, db, "A0", "disburse")
		var wg sync.WaitGroup
		stop := make(chan struct{})
		var appendErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				e := duixian.AuditEntry{At: "2026-03-03T10:00:00+08:00", Action: "disburse", Subject: "A0"}
				if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.Audit(e) }); err != nil {
					appendErr = err
					return
				}
			}
		}()
		var last int64
		for deadline := time.Now().Add(10 * time.Second); last < 50 && time.Now().Before(deadline); {
			n, err := db.VerifyAudit(ctx)
			if err != nil {
				close(stop)
				wg.Wait()
				t.Fatalf("after %d entries: %v", n, err)
			}
			last = n
		}
		close(stop)
		wg.Wait()
		if appendErr != nil {
			t.Fatal(appendErr)
		}
		if last < 50 {
			t.Errorf("only %d entries were appended while verifying", last)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n < last {
			t.Fatalf("at the end: %d, %v", n, err)
		}
	})
}
