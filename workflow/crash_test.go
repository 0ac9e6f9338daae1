package workflow_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
)

// The crash test (issue 4): a child process — this test binary run again
// as TestCrashChild — submits bookstore claims from several goroutines and
// prints "ACK <id>" once Submit has returned. The parent kills it with
// SIGKILL at a random moment and starts the next child on the same
// database. After the last kill it checks that each acknowledged submission is there,
// submitted, with its frozen decision and idempotency record; that the
// audit chain verifies; and that no application is half-written.
//
// Settings (environment):
//
//	DUIXIAN_CRASH_KILLS  kills per store (default 50)
//	DUIXIAN_CRASH_SEED   the seed of the kill delays (default: the clock; logged)
//
// docs/reliability.md describes it and records runs.
const (
	crashEnvStore   = "DUIXIAN_CRASH_STORE"   // to the child: sqlite or postgres
	crashEnvTarget  = "DUIXIAN_CRASH_TARGET"  // to the child: file path or schema
	crashEnvChild   = "DUIXIAN_CRASH_CHILD"   // to the child: its number
	crashDay        = "2026-11-28"            // the children's clock
	crashWorkers    = 4                       // submitting goroutines per child
	crashMinDelay   = 20 * time.Millisecond   // kill delay, drawn uniformly
	crashMaxDelay   = 200 * time.Millisecond  //
	crashFromSpawn  = 10                      // one kill in this many is timed from exec, not from READY
	crashReadyLimit = 60 * time.Second        // a child that is not READY by then has failed
	crashStaffUser  = "staff@bookstore"       // registerBookstore's actor
	crashUSCC17     = "91110302MA01ABCD1"     // registerBookstore's enterprise, less its check character
	crashClause     = "jjgf-2025-21/7.2"      // 21号第七条（二）: not once-only, so one enterprise submits many; 12万元
	crashEventDate  = "2026-03-01"            //
	crashAmount     = 120000 * duixian.Yuan   // what the engine decides for crashFacts
	crashKeyPrefix  = "crash-"                // idempotency key: crash-<application id>
	crashSubmitted  = duixian.StatusSubmitted //
)

// crashFacts: the bookstore, outstanding in public cultural services
// (120 m² of publications: the (100, 300] tier of 第七条（二）).
var crashFacts = strings.Replace(bookstoreFacts, `"quarter_hour_service":true`, `"quarter_hour_service":true,"public_culture_outstanding":true`, 1)

var crashAckLine = regexp.MustCompile(`^ACK (A[0-9]{8}[0-9A-F]{10})$`)

func TestCrashSQLite(t *testing.T) {
	t.Parallel() // its own file and children; mostly waiting for kills
	if testing.Short() {
		t.Skip("crash test: kills a child process at least 50 times")
	}
	path := t.TempDir() + "/crash.db"
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := service(t, db, crashDay)
	registerBookstore(t, s)
	db.Close() // the children own the file until the checks
	crashLoop(t, "sqlite", path, func() *sqldb.DB {
		db, err := sqlite.Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

// On PostgreSQL only the client is killed (the server is not ours to
// kill): what this shows is that a transaction cut off by its client's
// death leaves nothing behind, and that an acknowledgement means a commit.
func TestCrashPostgres(t *testing.T) {
	t.Parallel() // its own schema and children; mostly waiting for kills
	if testing.Short() {
		t.Skip("crash test: kills a child process at least 50 times")
	}
	db := dbtest.Postgres(t)
	var schema string
	if err := db.SQL().QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	s, _ := service(t, db, crashDay)
	registerBookstore(t, s)
	crashLoop(t, "postgres", schema, func() *sqldb.DB { return db })
}

// crashKills is DUIXIAN_CRASH_KILLS, 50 unless set.
func crashKills(t *testing.T) int {
	v := os.Getenv("DUIXIAN_CRASH_KILLS")
	if v == "" {
		return 50
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("DUIXIAN_CRASH_KILLS=%q: want a positive number", v)
	}
	return n
}

func crashSeed(t *testing.T) uint64 {
	if v := os.Getenv("DUIXIAN_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("DUIXIAN_CRASH_SEED=%q: %v", v, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

// crashStats counts what the children did.
type crashStats struct {
	kills, beforeReady, fromSpawn, childrenWithAck int
	acked                                          map[string]int // id → child
	maxReady                                       time.Duration
}

// crashLoop runs the children on target and checks the store after the
// last kill; open gives the parent a handle on the store.
func crashLoop(t *testing.T, store, target string, open func() *sqldb.DB) {
	kills, seed := crashKills(t), crashSeed(t)
	t.Logf("%s: %d kills, seed %d (DUIXIAN_CRASH_SEED=%d reproduces the delays)", store, kills, seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	st := &crashStats{acked: map[string]int{}}
	began := time.Now()
	for k := range kills {
		delay := crashMinDelay + time.Duration(rng.Int64N(int64(crashMaxDelay-crashMinDelay)+1))
		fromSpawn := rng.IntN(crashFromSpawn) == 0
		crashOnce(t, st, store, target, k, delay, fromSpawn)
		if t.Failed() {
			return
		}
	}
	children := time.Since(began)
	db := open()
	defer db.Close()
	c := checkCrashStore(t, db, store, st.acked)
	t.Logf("%s: %d kills in %s (%d before the child was READY, %d timed from exec; READY %s after exec at most); %d children acknowledged at least one",
		store, st.kills, children.Round(time.Millisecond), st.beforeReady, st.fromSpawn, st.maxReady.Round(time.Millisecond), st.childrenWithAck)
	t.Logf("%s: %d submissions acknowledged, all present and submitted; %d applications in the store: %d submitted (%d without an acknowledgement, %d of them without an idempotency record), %d drafts; audit chain of %d entries verified",
		store, len(st.acked), c.apps, c.submitted, c.submitted-len(st.acked), c.noIdem, c.drafts, c.audit)
	if len(st.acked) == 0 {
		t.Errorf("%s: no submission was acknowledged in %d runs; the test proved nothing", store, kills)
	}
	if c.unrecorded != "" {
		// The idempotency record commits with the submission it answers: a
		// submission without one means a client's retry would be refused.
		t.Errorf("%s: %d submissions have no idempotency record, e.g. %s", store, c.noIdem, c.unrecorded)
	}
}

// crashOnce starts child k, kills it after delay (counted from its READY,
// or from exec if fromSpawn), and collects its acknowledgements.
func crashOnce(t *testing.T, st *crashStats, store, target string, k int, delay time.Duration, fromSpawn bool) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), crashEnvStore+"="+store, crashEnvTarget+"="+target, crashEnvChild+"="+strconv.Itoa(k))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	spawned := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 256)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var other []string
	ready, acks := false, 0
	handle := func(l string) {
		switch m := crashAckLine.FindStringSubmatch(l); {
		case m != nil:
			st.acked[m[1]] = k
			acks++
		case l == "READY":
			ready = true
			st.maxReady = max(st.maxReady, time.Since(spawned))
		default:
			other = append(other, l)
		}
	}
	var kill <-chan time.Time
	if fromSpawn {
		st.fromSpawn++
		kill = time.After(delay)
	}
	limit := time.After(crashReadyLimit)
	exited := false
wait:
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				exited = true
				break wait
			}
			handle(l)
			if l == "READY" && kill == nil {
				kill = time.After(delay)
			}
		case <-kill:
			break wait
		case <-limit:
			if !ready {
				break wait
			}
		}
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	for l := range lines { // what it wrote before it died
		handle(l)
	}
	_ = cmd.Wait()
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if exited || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s child %d ended by itself (%s) instead of being killed:\n%s\n%s", store, k, cmd.ProcessState, strings.Join(other, "\n"), stderr.String())
	}
	if !ready && !fromSpawn {
		t.Fatalf("%s child %d was not READY within %s:\n%s\n%s", store, k, crashReadyLimit, strings.Join(other, "\n"), stderr.String())
	}
	st.kills++
	if !ready {
		st.beforeReady++
	}
	if acks > 0 {
		st.childrenWithAck++
	}
}

// TestCrashChild is the process TestCrashSQLite and TestCrashPostgres
// kill; run without their environment it does nothing.
func TestCrashChild(t *testing.T) {
	store, target := os.Getenv(crashEnvStore), os.Getenv(crashEnvTarget)
	if store == "" {
		return
	}
	var db *sqldb.DB
	var err error
	switch store {
	case "sqlite":
		db, err = sqlite.Open(ctx, target)
	case "postgres":
		db, err = postgres.Open(ctx, dbtest.PostgresDSN()+"&search_path="+target)
	default:
		err = fmt.Errorf("unknown store %q", store)
	}
	if err != nil {
		fmt.Println("ERR open:", err)
		os.Exit(2)
	}
	s, _ := service(t, db, crashDay)
	enterprise := uscc(t, crashUSCC17)
	staff := duixian.Actor{User: crashStaffUser, Role: duixian.RoleEnterprise, Enterprise: enterprise}
	child := os.Getenv(crashEnvChild)
	for w := range crashWorkers {
		go func() {
			for i := 0; ; i++ {
				a, err := s.CreateDraft(context.Background(), staff, workflow.DraftInput{Enterprise: enterprise, Clause: crashClause, Materials: specimens(crashClause),
					EventDate: date(crashEventDate), Project: fmt.Sprintf("门店-%s-%d-%d", child, w, i),
					Facts: json.RawMessage(crashFacts), Declared: true})
				if err != nil {
					fmt.Println("ERR create:", err)
					os.Exit(3)
				}
				if _, err := s.Submit(context.Background(), staff, a.ID, crashKeyPrefix+a.ID); err != nil {
					fmt.Println("ERR submit:", err)
					os.Exit(4)
				}
				// One write(2) to a pipe: the line arrives whole or not at all.
				fmt.Println("ACK " + a.ID)
			}
		}()
	}
	fmt.Println("READY")
	select {} // until SIGKILL
}

type crashCounts struct {
	apps, submitted, drafts, noIdem, audit int
	unrecorded                             string // a submitted application without an idempotency record
}

// checkCrashStore checks what the children left: every acknowledged
// submission is there, submitted, with its frozen decision and its
// idempotency record; every row decodes and agrees with its columns;
// every application has exactly the audit entries of its state; the
// audit chain verifies.
func checkCrashStore(t *testing.T, db *sqldb.DB, store string, acked map[string]int) crashCounts {
	t.Helper()
	var c crashCounts
	if store == "sqlite" {
		var res string
		if err := db.SQL().QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Fatalf("PRAGMA integrity_check: %q, %v", res, err)
		}
	}
	n, err := db.VerifyAudit(ctx)
	if err != nil {
		t.Fatalf("audit chain: %v", err)
	}
	c.audit = int(n)

	rows, err := db.SQL().QueryContext(ctx, "SELECT id, status, version, doc FROM applications")
	if err != nil {
		t.Fatal(err)
	}
	apps := map[string]*duixian.Application{}
	for rows.Next() {
		var id, status, doc string
		var version int
		if err := rows.Scan(&id, &status, &version, &doc); err != nil {
			t.Fatal(err)
		}
		var a duixian.Application
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			t.Errorf("application %s: its row does not decode: %v", id, err)
			continue
		}
		if a.ID != id || string(a.Status) != status || a.Version != version {
			t.Errorf("application %s: row says %s v%d, document %s %s v%d", id, status, version, a.ID, a.Status, a.Version)
		}
		switch a.Status {
		case duixian.StatusDraft:
			c.drafts++
			if a.Version != 1 || a.Decision != nil {
				t.Errorf("draft %s: version %d, decision %v", id, a.Version, a.Decision != nil)
			}
		case crashSubmitted:
			c.submitted++
			if a.Version != 2 || a.Decision == nil || a.Review == nil || !a.Decision.Eligible || a.Decision.Amount != crashAmount || a.CatalogueVersion == "" {
				t.Errorf("submitted %s: version %d, no frozen decision of %s: %+v", id, a.Version, crashAmount, a.Decision)
			}
		default:
			t.Errorf("application %s is %s; the children only create and submit", id, a.Status)
		}
		apps[id] = &a
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	c.apps = len(apps)

	// Audit: one "create" for each application, one "submit" for each
	// submitted one, nothing refused, the enterprise's registration.
	var log []duixian.AuditEntry
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error { var err error; log, err = tx.AuditLog(""); return err }); err != nil {
		t.Fatal(err)
	}
	created, submitted := map[string]int{}, map[string]int{}
	for _, e := range log {
		switch {
		case e.Action == "create" && e.After == string(duixian.StatusDraft):
			created[e.Subject]++
		case e.Action == "submit" && e.Before == string(duixian.StatusDraft) && e.After == string(crashSubmitted):
			submitted[e.Subject]++
		case e.Action == "register-enterprise":
		default:
			t.Errorf("unexpected audit entry %d: %s %s %s→%s", e.Seq, e.Action, e.Subject, e.Before, e.After)
		}
	}
	for id, a := range apps {
		wantSubmit := 0
		if a.Status == crashSubmitted {
			wantSubmit = 1
		}
		if created[id] != 1 || submitted[id] != wantSubmit {
			t.Errorf("application %s (%s): %d create and %d submit audit entries", id, a.Status, created[id], submitted[id])
		}
	}
	if len(created) != len(apps) || len(submitted) != c.submitted || len(log) != 1+len(apps)+c.submitted {
		t.Errorf("audit: %d entries for %d applications (%d submitted): %d created, %d submitted subjects",
			len(log), len(apps), c.submitted, len(created), len(submitted))
	}

	// Idempotency records: each names a submitted application and holds its
	// answer. A submission whose process died between the submission's
	// transaction and the record's has none; it was never acknowledged.
	idem := map[string]duixian.Application{}
	irows, err := db.SQL().QueryContext(ctx, "SELECT key, response FROM idempotency")
	if err != nil {
		t.Fatal(err)
	}
	for irows.Next() {
		var key, resp string
		if err := irows.Scan(&key, &resp); err != nil {
			t.Fatal(err)
		}
		var a duixian.Application
		if err := json.Unmarshal([]byte(resp), &a); err != nil {
			t.Errorf("idempotency record %s does not decode: %v", key, err)
			continue
		}
		if want := crashStaffUser + "/submit/" + crashKeyPrefix + a.ID; key != want || a.Status != crashSubmitted {
			t.Errorf("idempotency record %s answers %s (%s)", key, a.ID, a.Status)
		}
		if stored, ok := apps[a.ID]; !ok || stored.Status != crashSubmitted {
			t.Errorf("idempotency record %s for an application that is not submitted", key)
		}
		idem[a.ID] = a
	}
	if err := irows.Err(); err != nil {
		t.Fatal(err)
	}
	irows.Close()
	for id, a := range apps {
		if _, ok := idem[id]; a.Status == crashSubmitted && !ok {
			c.noIdem++
			c.unrecorded = id
			if _, ok := acked[id]; ok {
				t.Errorf("acknowledged %s has no idempotency record", id)
			}
		}
	}

	// Every acknowledgement is in the store.
	lost := 0
	for id, child := range acked {
		a, ok := apps[id]
		switch {
		case !ok:
			lost++
			t.Errorf("acknowledged by child %d, missing: %s", child, id)
		case a.Status != crashSubmitted:
			lost++
			t.Errorf("acknowledged by child %d, %s is %s", child, id, a.Status)
		case idem[id].Version != a.Version || idem[id].Decision == nil || idem[id].Decision.Amount != crashAmount:
			t.Errorf("acknowledged %s: the idempotency record answers version %d, the store holds %d", id, idem[id].Version, a.Version)
		}
	}
	if lost > 0 {
		t.Fatalf("%s: %d of %d acknowledged submissions lost", store, lost, len(acked))
	}
	return c
}
