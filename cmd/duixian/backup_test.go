package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
)

// seeded fills db with the demo (applications in every stage, users,
// sessions, the audit chain) and returns the workflow on it.
func seeded(t *testing.T, db *sqldb.DB) *workflow.Service {
	t.Helper()
	cat, err := loadCatalogue("")
	if err != nil {
		t.Fatal(err)
	}
	svc := workflow.New(db, cat, calendar.Default())
	if _, err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return svc
}

// makeDraft makes one more draft as the demo bookstore.
func makeDraft(svc *workflow.Service, project string) (*duixian.Application, error) {
	var u *duixian.User
	if err := svc.DB.Read(context.Background(), func(tx *sqldb.Tx) error {
		var err error
		u, err = tx.User("bookstore")
		return err
	}); err != nil {
		return nil, err
	}
	return svc.CreateDraft(context.Background(), u.Actor("127.0.0.1"), workflow.DraftInput{Enterprise: u.Enterprise,
		Clause: "jjgf-2025-21/7.1", EventDate: duixian.DateOf(svc.Now()), Project: project, Facts: json.RawMessage(`{}`), Declared: true})
}

// tables reads every row of every table of the store, each row printed
// and the rows sorted (a copy may number SQLite's hidden row ids anew).
func tables(t *testing.T, db *sql.DB, postgres bool) map[string][]string {
	t.Helper()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if postgres {
		list = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.Query(list)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		names = append(names, n)
	}
	rows.Close()
	out := map[string][]string{}
	for _, name := range names {
		rows, err := db.Query(`SELECT * FROM ` + name)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			out[name] = append(out[name], fmt.Sprintf("%q", vals))
		}
		rows.Close()
		slices.Sort(out[name])
	}
	return out
}

func sameTables(t *testing.T, want, got map[string][]string) {
	t.Helper()
	if len(want["applications"]) == 0 || len(want["audit"]) == 0 || len(want["users"]) == 0 {
		t.Fatalf("the test's store is empty: %d applications, %d audit entries", len(want["applications"]), len(want["audit"]))
	}
	for name, rows := range want {
		if !slices.Equal(rows, got[name]) {
			t.Errorf("table %s: %d rows in the store, %d in the restored copy, or they differ", name, len(rows), len(got[name]))
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d tables in the store, %d in the copy", len(want), len(got))
	}
}

// A backup of a store with applications, restored as docs/deploy.md says
// (the file copied into place), passes audit verify and holds the same
// rows, table by table.
func TestBackupRestore(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "duixian.db")
	db, err := sqlite.Open(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	svc := seeded(t, db)
	if _, err := makeDraft(svc, "backup"); err != nil {
		t.Fatal(err)
	}
	want := tables(t, db.SQL(), false)
	db.Close()

	backup := filepath.Join(dir, "backup.db")
	code, out, errs := runCmd(t, "", "backup", "--db", src, "--out", backup)
	if code != exitOK || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: exit %d %s %s", code, out, errs)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*partial*")); len(left) > 0 {
		t.Errorf("the backup left %v behind", left)
	}
	// Restore: the copy becomes the store's file.
	restored := filepath.Join(t.TempDir(), "duixian.db")
	copyFile(t, backup, restored)
	if code, out, errs := runCmd(t, "", "audit", "verify", "--db", restored); code != exitOK {
		t.Fatalf("audit verify of the restored store: exit %d %s %s", code, out, errs)
	}
	rdb, err := sqlite.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	sameTables(t, want, tables(t, rdb.SQL(), false))

	// A backup never overwrites, and refuses what it cannot do.
	before, _ := os.ReadFile(backup)
	if code, _, errs := runCmd(t, "", "backup", "--db", src, "--out", backup); code != exitBadData || !strings.Contains(errs, "exists") {
		t.Errorf("backup onto an existing file: exit %d %s", code, errs)
	}
	if after, _ := os.ReadFile(backup); !slices.Equal(before, after) {
		t.Error("a refused backup changed the existing file")
	}
	missing := filepath.Join(dir, "missing.db")
	for _, c := range []struct {
		args []string
		say  string
	}{
		{[]string{"--db", "postgres://postgres@127.0.0.1:5432/test", "--out", filepath.Join(dir, "pg.dump")}, "pg_dump"},
		{[]string{"--db", src}, "--out"},
		{[]string{"--db", missing, "--out", filepath.Join(dir, "b2.db")}, "no database file"},
	} {
		if code, _, errs := runCmd(t, "", append([]string{"backup"}, c.args...)...); code != exitBadData || !strings.Contains(errs, c.say) {
			t.Errorf("backup %v: exit %d %s", c.args, code, errs)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("backup of a missing file created it")
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

// A backup taken while another connection keeps writing (as a running
// server does) is the store as of one moment: its audit chain verifies to
// its head (backup checks it) and each application in it is as the store
// has it.
func TestBackupOnline(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "duixian.db")
	db, err := sqlite.Open(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := seeded(t, db)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var made int
	var writeErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := makeDraft(svc, fmt.Sprintf("online-%d", i)); err != nil {
				writeErr = err
				return
			}
			made++
		}
	}()
	backup := filepath.Join(dir, "backup.db")
	code, out, errs := runCmd(t, "", "backup", "--db", src, "--out", backup)
	close(stop)
	wg.Wait()
	if code != exitOK {
		t.Fatalf("backup under writes: exit %d %s %s", code, out, errs)
	}
	if writeErr != nil {
		t.Fatalf("the writer failed during the backup: %v", writeErr)
	}
	t.Logf("%d drafts made during the backup; %s", made, strings.TrimSpace(out))
	store, copied := tables(t, db.SQL(), false), func() map[string][]string {
		cdb, err := sqlite.Open(context.Background(), backup)
		if err != nil {
			t.Fatal(err)
		}
		defer cdb.Close()
		return tables(t, cdb.SQL(), false)
	}()
	for _, row := range copied["applications"] {
		if _, found := slices.BinarySearch(store["applications"], row); !found {
			t.Errorf("the copy has an application the store does not: %.200s", row)
		}
	}
}

// PostgreSQL is backed up and restored with its own tools, as
// docs/deploy.md says: pg_dump of the store, pg_restore into a new
// database, audit verify there; the rows are the store's.
func TestPostgresBackupAsDocumented(t *testing.T) {
	db := dbtest.Postgres(t)
	seeded(t, db)
	var schema string
	if err := db.SQL().QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	want := tables(t, db.SQL(), true)

	dump := filepath.Join(t.TempDir(), "duixian.dump")
	pg := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, out)
		}
	}
	pg("pg_dump", "--format=custom", "--schema="+schema, "--file="+dump, dbtest.PostgresDSN())
	restoredDB := "restore_" + schema
	if _, err := db.SQL().Exec(`CREATE DATABASE ` + restoredDB); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.SQL().Exec(`DROP DATABASE IF EXISTS ` + restoredDB + ` WITH (FORCE)`) })
	restoredDSN := strings.Replace(dbtest.PostgresDSN(), "/test?", "/"+restoredDB+"?", 1)
	if restoredDSN == dbtest.PostgresDSN() {
		t.Fatalf("cannot name the restored database in %s", dbtest.PostgresDSN())
	}
	pg("pg_restore", "--no-owner", "--dbname="+restoredDSN, dump)

	restored := restoredDSN + "&search_path=" + schema
	if code, out, errs := runCmd(t, "", "audit", "verify", "--db", restored); code != exitOK {
		t.Fatalf("audit verify of the restored store: exit %d %s %s", code, out, errs)
	}
	rdb, err := postgres.Open(context.Background(), restored)
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	sameTables(t, want, tables(t, rdb.SQL(), true))
}
