package main

import (
	"bufio"
	"context"
	"database/sql"
	"io"
	"os"
	"os/exec"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/jobs"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// workerProcess is a `duixian worker` running as a process of its own
// (this test binary run again: TestWorkerProcess).
type workerProcess struct {
	cmd  *exec.Cmd
	id   string // its River client's ID: the worker a partition's done mark names
	name string // the application_name of its connections
}

// startWorker starts `duixian worker` on dsn, one job at a time, with a
// short job timeout and rescue time so that a dead worker's job is
// retried soon (River rescues a running job once it is past both; the
// timeout still exceeds what the test makes a worker wait).
func startWorker(t *testing.T, dsn, name string) *workerProcess {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestWorkerProcess$")
	cmd.Env = append(os.Environ(), "DUIXIAN_WORKER_DB="+dsn+"&application_name="+name)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	started := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "duixian worker "); ok {
				id, _, _ := strings.Cut(rest, ":")
				started <- id
			}
		}
		close(started)
	}()
	w := &workerProcess{cmd: cmd, name: name}
	select {
	case w.id = <-started:
	case <-time.After(2 * time.Minute):
	}
	if w.id == "" {
		t.Fatalf("the worker %s did not start", name)
	}
	return w
}

// TestWorkerProcess is a worker process of TestWorkerKilledMidRun. Run
// alone it does nothing.
func TestWorkerProcess(t *testing.T) {
	dsn := os.Getenv("DUIXIAN_WORKER_DB")
	if dsn == "" {
		return
	}
	if code := run([]string{"worker", "--db", dsn, "--workers", "1", "--job-timeout", "20s", "--rescue-after", "21s"}, os.Stdin, os.Stdout, os.Stderr); code != 0 {
		t.Fatalf("duixian worker exited %d", code)
	}
}

// Issue 13's acceptance test: two `duixian worker` processes on one
// PostgreSQL split a 免申即享 run; one is killed (SIGKILL) in the middle of
// a partition, its offers written and not committed; the run completes
// with every enterprise decided exactly once and every offer stored once,
// as a direct match finds them, and the dead worker's partition is
// matched again by the other.
//
// The test decides when the workers may commit by holding the audit
// chain's head, which a partition's transaction takes to audit its first
// offer (every partition here has offers): first until both workers are in
// a partition at once, then, once each has committed one, again until one
// holds a partition's uncommitted offers — that one is killed.
func TestWorkerKilledMidRun(t *testing.T) {
	ctx := context.Background()
	db := dbtest.Postgres(t)
	dsn := dbtest.DSN(t, db)
	const size, partition = 3000, 50
	if _, err := registry.Write(ctx, db, registry.Generate(size, 5), 1000); err != nil {
		t.Fatal(err)
	}
	cat, err := loadCatalogue("")
	if err != nil {
		t.Fatal(err)
	}
	in := matching.RunInput{EventDate: "2026-06-30", AsOf: "2026-11-30"}

	// The direct match, and the partitions the run will cut.
	event, _ := duixian.ParseDate(in.EventDate)
	asOf, _ := duixian.ParseDate(in.AsOf)
	want := map[string]bool{}
	direct, err := matching.Stream(ctx, db, cat, cat.NewBatch(event, asOf, true), asOf, nil, func(p *matching.Page) error {
		for _, o := range p.Offers {
			want[o.Enterprise+":"+o.Decision.Clause+":"+in.EventDate] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var cuts []string
	db.Read(ctx, func(tx *sqldb.Tx) (err error) { cuts, err = tx.EnterpriseCuts(partition); return })
	offered := make([]bool, len(cuts)+1)
	for id := range want {
		offered[sort.SearchStrings(cuts, id[:18])] = true
	}
	for k, ok := range offered {
		if !ok {
			t.Fatalf("partition %d has no offer: the test's hold on the audit chain would not stop it", k)
		}
	}

	// This process starts the run and works no job.
	wf := workflow.New(db, cat, calendar.Default())
	m := matching.NewService(wf)
	m.PartitionSize = partition
	_, stop, err := startJobs(ctx, db, dsn, jobs.Services{Matching: m, Qunyan: qunyan.New(db, cat)}, &jobFlags{workers: new(int),
		timeout: ptr(time.Minute), rescueAfter: ptr(2 * time.Minute), matchDaily: new(string)})
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	run, err := m.StartRun(ctx, admin, in)
	if err != nil {
		t.Fatal(err)
	}
	progress := func() *matching.RunProgress {
		t.Helper()
		p, err := m.OfferRun(ctx, admin, run.ID)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}

	hold := func() *sql.Tx {
		t.Helper()
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.Exec(`SELECT seq FROM audit_head WHERE id = 1 FOR UPDATE`); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	// blocked waits until one worker is in a partition's transaction
	// waiting for the audit chain's head (its offers written) and the
	// other waiting for the run (to store its own), and returns the first.
	schema := dsn[strings.LastIndex(dsn, "=")+1:]
	workers := []*workerProcess{}
	blocked := func() *workerProcess {
		t.Helper()
		for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			at := map[string]string{}
			rows, err := db.SQL().QueryContext(ctx, `SELECT application_name, query FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE $1`, "%"+schema)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var name, query string
				rows.Scan(&name, &query)
				switch {
				case strings.Contains(query, "audit_head"):
					at[name] = "audit"
				case strings.Contains(query, "FROM records"):
					at[name] = "run"
				}
			}
			rows.Close()
			if p := progress(); p.Status.Final() {
				t.Fatalf("the run is %s before the workers could be stopped in it", p.Status)
			}
			a, b := at[workers[0].name], at[workers[1].name]
			switch {
			case a == "audit" && b == "run":
				return workers[0]
			case a == "run" && b == "audit":
				return workers[1]
			}
		}
		t.Fatal("the workers did not both reach a partition's transaction")
		return nil
	}

	// Round 1: both workers in a partition at once.
	head := hold()
	workers = append(workers, startWorker(t, dsn, "duixian-worker-1-"+schema), startWorker(t, dsn, "duixian-worker-2-"+schema))
	blocked()
	t.Logf("round 1: both workers in a partition")
	head.Rollback()
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(10 * time.Millisecond) {
		p := progress()
		if p.Workers[workers[0].id] > 0 && p.Workers[workers[1].id] > 0 {
			break
		}
		if p.Status.Final() || time.Now().After(deadline) {
			t.Fatalf("the two workers did not each commit a partition: %s, %v", p.Status, p.Workers)
		}
	}

	// Round 2: one worker holds a partition's uncommitted offers; kill it.
	head = hold()
	victim := blocked()
	t.Logf("round 2: killing %s (%s) with %v", victim.id, victim.name, progress().Workers)
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	head.Rollback()
	survivor := workers[0]
	if victim == survivor {
		survivor = workers[1]
	}
	t.Logf("killed")
	var p *matching.RunProgress
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if p = progress(); p.Status.Final() || time.Now().After(deadline) {
			break
		}
	}

	if p.Status != matching.RunDone || p.Done != p.Partitions || p.Partitions != len(cuts)+1 {
		t.Fatalf("the run is %s with %d of %d partitions done", p.Status, p.Done, p.Partitions)
	}
	if p.Workers[victim.id]+p.Workers[survivor.id] != p.Partitions || p.Workers[victim.id] == 0 {
		t.Errorf("partitions done by each worker: %v (killed: %s)", p.Workers, victim.id)
	}
	if got := p.Totals; got.Enterprises != size || got.Decisions != direct.Decisions || got.Offers != direct.Offers ||
		got.Amount != direct.Amount || got.Stored != direct.Offers {
		t.Errorf("the run decided %d enterprises (%d decisions) and found %d offers (%s), %d stored; the direct match %d, %d, %d (%s)",
			got.Enterprises, got.Decisions, got.Offers, got.Amount.Wan(), got.Stored, size, direct.Decisions, direct.Offers, direct.Amount.Wan())
	}
	stored := map[string]int{}
	err = db.Read(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records("offer", "")
		for _, r := range recs {
			stored[r.ID]++
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	audited := map[string]int{}
	rows, err := db.SQL().QueryContext(ctx, `SELECT subject, COUNT(*) FROM audit WHERE subject LIKE $1 GROUP BY subject`, "%:"+in.EventDate)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var subject string
		var n int
		rows.Scan(&subject, &n)
		audited[subject] = n
	}
	rows.Close()
	if len(stored) != len(want) || len(audited) != len(want) {
		t.Errorf("%d offers stored, %d audited; the direct match finds %d", len(stored), len(audited), len(want))
	}
	for id := range want {
		if stored[id] != 1 || audited[id] != 1 {
			t.Errorf("offer %s stored %d times, audited %d times", id, stored[id], audited[id])
			break
		}
	}
	// The partition the dead worker held was matched again, by the other.
	// The run is over once the partition's transaction commits; River marks
	// the job completed a moment later (its completer writes in batches),
	// so the job's state is waited for, up to a deadline that only keeps a
	// broken queue from hanging the test.
	var retried int
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(100 * time.Millisecond) {
		if err := db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM river_job WHERE kind = 'offer_run_partition' AND state = 'completed'
			AND $1 = ANY(attempted_by) AND $2 = ANY(attempted_by)`, victim.id, survivor.id).Scan(&retried); err != nil {
			t.Fatal(err)
		}
		if retried > 0 || time.Now().After(deadline) {
			break
		}
	}
	if retried == 0 {
		rows, _ := db.SQL().QueryContext(ctx, `SELECT id, kind, state, attempt, attempted_by::text FROM river_job WHERE $1 = ANY(attempted_by) ORDER BY id`, victim.id)
		for rows != nil && rows.Next() {
			var id, attempt int64
			var kind, state, by string
			rows.Scan(&id, &kind, &state, &attempt, &by)
			t.Logf("the killed worker's job %d: %s %s attempt %d by %s", id, kind, state, attempt, by)
		}
		t.Error("no partition the killed worker had taken was completed by the other")
	}

	// The survivor stops gracefully when told to.
	survivor.cmd.Process.Signal(syscall.SIGTERM)
	if err := survivor.cmd.Wait(); err != nil {
		t.Errorf("the surviving worker, stopped: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// The job queue's flags are checked before anything starts, the same on
// serve and worker, with the flag named.
func TestJobFlagsChecked(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args  []string
		field string
	}{
		{[]string{"--match-daily", "25:00"}, "match-daily"},
		{[]string{"--job-timeout", "0s"}, "job-timeout"},
		{[]string{"--job-timeout", "10m", "--rescue-after", "5m"}, "rescue-after"},
		{[]string{"--workers", "-1"}, "workers"},
		{[]string{"--notify-every", "0s"}, "notify-every"},
		{[]string{"--smtp-host", "smtp.example.cn"}, "smtp-host"}, // no sender
		{[]string{"--smtp-host", "smtp.example.cn", "--smtp-from", "not an address"}, "smtp-host"},
	} {
		_, _, _, err := newServer(ctx, append(tc.args, "--db", t.TempDir()+"/s.db"), io.Discard)
		if e, ok := err.(*duixian.Error); !ok || e.Code != duixian.EINVALID || e.Field != tc.field {
			t.Errorf("serve %v: %v", tc.args, err)
		}
		var stderr strings.Builder
		if code := run(append([]string{"worker", "--db", t.TempDir() + "/w.db"}, tc.args...), nil, io.Discard, &stderr); code != exitBadData || !strings.Contains(stderr.String(), tc.field) {
			t.Errorf("worker %v: exit %d, %s", tc.args, code, stderr.String())
		}
	}
	if code := run([]string{"worker", "--workers", "0", "--db", t.TempDir() + "/w.db"}, nil, io.Discard, io.Discard); code != exitBadData {
		t.Errorf("a worker that works nothing: exit %d", code)
	}
}
