package http

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// applyServer serves the platform from the store on schema, on the clock
// of the apply tests. Its connections carry name, so that the test can
// count those of them waiting on a lock.
func applyServer(t *testing.T, schema, name string, seed bool) (*sqldb.DB, *httptest.Server) {
	t.Helper()
	entCatOnce.Do(func() { entCat, entCatErr = engine.Load(catalogue.FS) })
	if entCatErr != nil {
		t.Fatal(entCatErr)
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, dbtest.PostgresDSN()+"&search_path="+schema+"&application_name="+name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := workflow.New(db, entCat, calendar.Default())
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai)
	svc.Now = func() time.Time { return now }
	if seed {
		if _, err := demo.Seed(ctx, svc); err != nil {
			t.Fatal(err)
		}
	}
	s, err := New(svc)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return db, ts
}

// Two duixian processes on one PostgreSQL — this test and a second
// operating-system process (the test binary run again) — receive the same
// apply form posted several times at once: a double click, a retry through
// the other server. The test holds the audit chain's head while the posts
// arrive, so that every one of them has looked for the form's draft, found
// none, and is making one before any can commit: the worst interleaving,
// every time. Exactly one application is made and submitted, once, and
// every post is sent to it.
func TestApplyFormDoubleSubmitTwoProcesses(t *testing.T) {
	ctx := context.Background()
	admin := dbtest.Postgres(t)
	var schema string
	if err := admin.SQL().QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	name := "duixian-apply-" + schema
	db, first := applyServer(t, schema, name, true)

	cmd := exec.Command(os.Args[0], "-test.run=^TestApplyFormServerProcess$")
	cmd.Env = append(os.Environ(), "DUIXIAN_APPLY_SCHEMA="+schema, "DUIXIAN_APPLY_NAME="+name)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); cmd.Wait() })
	listening := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if url, ok := strings.CutPrefix(sc.Text(), "LISTENING "); ok {
				listening <- url
			}
		}
		close(listening)
	}()
	var second string
	select {
	case second = <-listening:
	case <-time.After(2 * time.Minute):
	}
	if second == "" {
		t.Fatal("the second process did not start its server")
	}
	servers := []string{first.URL, second}

	// One person, one form, rendered by the first process; the session is
	// in the database, so the second knows it too.
	b := entSignIn(t, first, "bookstore")
	const clause = "jjgf-2025-21/7.4"
	_, page := b.get("/apply/" + clause)
	form := entBookstore()
	// 2026 is taken: the demo bookstore holds 一刻钟 (paid) and 融合发展 (in
	// review), and 21号第九条 allows no third category in a year.
	form.Set("event_date", "2025-12-20")
	form.Set("key", entKeyField.FindStringSubmatch(page)[1])
	form.Set("csrf", b.csrf)
	form.Set("f.municipal_bookstore_support", "false")
	form.Set("n.reading_events", "3")
	for k, v := range map[string]string{"name": "“书香亦城”读书会", "minutes": "90", "mode": "offline", "offline_attendees": "25",
		"activity": "reading-promotion", "in_etown": "true", "free_and_open": "true"} {
		form.Set("r.reading_events.1."+k, v) // row 0 is left empty
	}
	form.Set("declared", "yes")
	form.Set("action", "submit")
	contentType, body := multipartOf(t, form, specimenFiles(t, clause))

	const posts = 6
	hold, err := admin.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Rollback()
	if _, err := hold.Exec(`SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	locations := make([]string, posts)
	codes := make([]int, posts)
	errs := make([]error, posts)
	var wg sync.WaitGroup
	for i := range posts {
		wg.Go(func() {
			resp, err := b.c.Post(servers[i%2]+"/apply/"+clause, contentType, bytes.NewReader(body))
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			codes[i], locations[i] = resp.StatusCode, resp.Header.Get("Location")
		})
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var waiting int
		if err := admin.SQL().QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, name).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == posts {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d posts reached the store: something holds the others in their process", waiting, posts)
		}
	}
	if err := hold.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()

	s := &Server{DB: db}
	uscc := s.entUSCC(t, "bookstore")
	list := s.entApplications(t, uscc, clause)
	if len(list) != 1 {
		t.Fatalf("%d applications made by one form posted %d times to two processes, want 1", len(list), posts)
	}
	id := list[0].ID
	if list[0].Status != duixian.StatusSubmitted {
		t.Fatalf("the application is %s, want submitted", list[0].Status)
	}
	for i := range posts {
		if errs[i] != nil {
			t.Fatalf("post %d: %v", i, errs[i])
		}
		if m := entMyLink.FindStringSubmatch(locations[i]); codes[i] != http.StatusSeeOther || m == nil || m[1] != id {
			t.Errorf("post %d (process %d): %d %q, want the redirect to %s", i, i%2+1, codes[i], locations[i], id)
		}
	}
	var log []duixian.AuditEntry
	if err := db.Tx(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(id); return }); err != nil {
		t.Fatal(err)
	}
	made := map[string]int{}
	for _, e := range log {
		made[e.Action]++
	}
	if made["create"] != 1 || made["submit"] != 1 || len(log) != 2 {
		t.Errorf("the audit log of %s: %v, want one create and one submit", id, made)
	}

	// The key cannot be turned to another claim: posted again with other
	// figures once its draft is submitted, it still answers with it.
	form.Set("f.annual_costs", "90万元")
	resp, _ := b.post("/apply/"+clause, form)
	if m := entMyLink.FindStringSubmatch(resp.Header.Get("Location")); m == nil || m[1] != id {
		t.Errorf("the key posted again with other figures: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if n := len(s.entApplications(t, uscc, clause)); n != 1 {
		t.Errorf("%d applications after the key was posted again", n)
	}
}

// TestApplyFormServerProcess is the second process of
// TestApplyFormDoubleSubmitTwoProcesses: it serves until its standard input
// closes. Run alone it does nothing.
func TestApplyFormServerProcess(t *testing.T) {
	schema := os.Getenv("DUIXIAN_APPLY_SCHEMA")
	if schema == "" {
		return
	}
	_, ts := applyServer(t, schema, os.Getenv("DUIXIAN_APPLY_NAME"), false)
	fmt.Printf("LISTENING %s\n", ts.URL)
	io.Copy(io.Discard, os.Stdin)
}
