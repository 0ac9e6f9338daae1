package jobs

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

var testCat = func() *engine.Catalogue {
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		panic(err)
	}
	return cat
}()

var (
	testNow = time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai)
	admin   = duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	asked   = matching.RunInput{EventDate: "2026-06-30", AsOf: "2026-11-30"}
)

// registrySize enterprises in partitions of partitionSize: several
// partitions, the last one short.
const (
	registrySize  = 650
	partitionSize = 100
)

// runService is matching over db with the generated registry and a job
// queue whose workers are not started.
func runService(t *testing.T, db *sqldb.DB) (*matching.Service, *Queue) {
	t.Helper()
	ctx := context.Background()
	if _, err := registry.Write(ctx, db, registry.Generate(registrySize, 3), 500); err != nil {
		t.Fatal(err)
	}
	wf := workflow.New(db, testCat, calendar.Default())
	wf.Now = func() time.Time { return testNow }
	m := matching.NewService(wf)
	m.PartitionSize = partitionSize
	q, err := Open(ctx, db, dbtest.DSN(t, db), Services{Matching: m, Qunyan: qunyan.New(db, testCat)}, Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
	m.Queue = q
	return m, q
}

// waitOver waits for the run to be over. The wait is bounded only so that
// a broken queue fails the test instead of hanging it.
func waitOver(t *testing.T, m *matching.Service, id string) *matching.RunProgress {
	t.Helper()
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		p, err := m.OfferRun(context.Background(), admin, id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status.Final() {
			return p
		}
	}
	t.Fatalf("run %s is not over", id)
	return nil
}

// runJobs lists the run's jobs once River has finished with them (a
// job's completion is recorded a moment after its work is done).
func runJobs(t *testing.T, q *Queue, run string) *river.JobListResult {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		jobs, err := q.client.JobList(context.Background(), river.NewJobListParams().TagsAny(runTag(run)).First(100))
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(jobs.Jobs, func(j *rivertype.JobRow) bool { return j.FinalizedAt == nil }) || time.Now().After(deadline) {
			return jobs
		}
	}
}

// offerDocs are the stored offers, by id, as stored.
func offerDocs(t *testing.T, db *sqldb.DB) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := db.Read(context.Background(), func(tx *sqldb.Tx) error {
		recs, err := tx.Records("offer", "")
		for _, r := range recs {
			out[r.ID] = string(r.Doc)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// direct is the same match made directly, streamed over the registry and
// stored page by page, into a store of its own.
func direct(t *testing.T) (matching.Totals, map[string]string) {
	t.Helper()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	if _, err := registry.Write(ctx, db, registry.Generate(registrySize, 3), 500); err != nil {
		t.Fatal(err)
	}
	event, _ := duixian.ParseDate(asked.EventDate)
	asOf, _ := duixian.ParseDate(asked.AsOf)
	totals, err := matching.Stream(ctx, db, testCat, testCat.NewBatch(event, asOf, true), asOf, nil, func(p *matching.Page) error {
		_, err := matching.Store(ctx, db, admin, testNow, p.Offers)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return totals, offerDocs(t, db)
}

// A run started through the service is planned and matched by the
// queue's workers; it reports its progress as it goes (here: two
// partitions matched by hand before the workers start, as a worker would),
// and when it is over it has decided every enterprise once and stored the
// offers a direct streamed match stores, each once, with the same totals.
func TestRunCompletesLikeADirectMatch(t *testing.T) {
	want, wantDocs := direct(t)
	if want.Offers == 0 || want.Enterprises != registrySize {
		t.Fatalf("the direct match found %d offers for %d enterprises: nothing to compare", want.Offers, want.Enterprises)
	}
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		m, q := runService(t, db)
		started, err := m.StartRun(ctx, admin, asked)
		if err != nil {
			t.Fatal(err)
		}
		if started.Status != matching.RunQueued || started.Done != 0 {
			t.Fatalf("a new run is %s with %d partitions done", started.Status, started.Done)
		}
		if err := m.PlanRun(ctx, started.RunSpec); err != nil {
			t.Fatal(err)
		}
		for _, k := range []int{0, 6} {
			if out, err := m.MatchPartition(ctx, started.ID, k, "by-hand"); err != nil || out != matching.PartitionMatched {
				t.Fatalf("partition %d: %v %v", k, out, err)
			}
		}
		p, err := m.OfferRun(ctx, admin, started.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != matching.RunRunning || p.Partitions != 7 || p.Done != 2 || p.Registry != registrySize ||
			p.Totals.Enterprises != partitionSize+registrySize%partitionSize {
			t.Fatalf("progress after partitions 0 and 6: %s, %d of %d partitions, %d of %d enterprises",
				p.Status, p.Done, p.Partitions, p.Totals.Enterprises, p.Registry)
		}
		if out, err := m.MatchPartition(ctx, started.ID, 6, "again"); err != nil || out != matching.PartitionDone {
			t.Fatalf("a partition done, run again: %v %v", out, err)
		}

		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		p = waitOver(t, m, started.ID)
		if p.Status != matching.RunDone || p.Done != 7 || p.Workers["by-hand"] != 2 || p.Workers[q.ID()] != 5 {
			t.Fatalf("the run is %s with %d partitions done, by %v", p.Status, p.Done, p.Workers)
		}
		got := p.Totals
		if got.Enterprises != want.Enterprises || got.Decisions != want.Decisions || got.Offers != want.Offers ||
			got.Amount != want.Amount || got.NearMisses != want.NearMisses || got.Undecided != want.Undecided || got.Errors != want.Errors {
			t.Errorf("the run's totals %+v differ from the direct match's %+v", got.Totals, want)
		}
		if got.Stored != want.Offers {
			t.Errorf("%d offers stored, want %d", got.Stored, want.Offers)
		}
		docs := offerDocs(t, db)
		if len(docs) != len(wantDocs) {
			t.Errorf("%d offers stored, the direct match stores %d", len(docs), len(wantDocs))
		}
		for id, doc := range wantDocs {
			if docs[id] != doc {
				t.Errorf("offer %s stored as\n%s\nwant\n%s", id, docs[id], doc)
				break
			}
		}
		if len(p.Offers) != min(want.Offers, matching.OffersShown) || p.Offers[0].Decision.Amount < p.Offers[len(p.Offers)-1].Decision.Amount {
			t.Errorf("the run shows %d offers, not the largest first", len(p.Offers))
		}
		audited := 0
		db.Read(ctx, func(tx *sqldb.Tx) error {
			for id := range docs {
				log, err := tx.AuditLog(id)
				if err != nil {
					return err
				}
				audited += len(log)
			}
			return nil
		})
		if audited != len(docs) {
			t.Errorf("%d audit entries for %d offers stored once each", audited, len(docs))
		}
		jobs := runJobs(t, q, started.ID)
		kinds := map[string]int{}
		for _, j := range jobs.Jobs {
			if j.State != rivertype.JobStateCompleted {
				t.Errorf("job %s of the run is %s", j.Kind, j.State)
			}
			kinds[j.Kind]++
		}
		if kinds[planArgs{}.Kind()] != 1 || kinds[partitionArgs{}.Kind()] != 7 {
			t.Errorf("the run's jobs: %v, want one plan (planned twice) and 7 partitions, each queued once", kinds)
		}
	})
}

// A run cancelled after one partition stops there: its record says who
// cancelled it and what the partition done found, its jobs are cancelled
// in River, and a partition's job that comes anyway stores nothing.
func TestRunCancelled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		m, q := runService(t, db)
		started, err := m.StartRun(ctx, admin, asked)
		if err != nil {
			t.Fatal(err)
		}
		if err := m.PlanRun(ctx, started.RunSpec); err != nil {
			t.Fatal(err)
		}
		if _, err := m.MatchPartition(ctx, started.ID, 3, "by-hand"); err != nil {
			t.Fatal(err)
		}
		stored := len(offerDocs(t, db))
		reviewer := duixian.Actor{User: "culture", Role: duixian.RoleReviewer, Department: "宣传文化部"}
		if _, err := m.CancelRun(ctx, reviewer, started.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Errorf("a reviewer cancelled an administrator's run: %v", err)
		}
		p, err := m.CancelRun(ctx, admin, started.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != matching.RunCancelled || p.EndedBy != "admin" || p.Done != 1 || p.Totals.Enterprises != partitionSize || p.Totals.Stored != stored {
			t.Fatalf("the cancelled run: %s by %q, %d partitions, %d enterprises, %d stored (%d in the store)",
				p.Status, p.EndedBy, p.Done, p.Totals.Enterprises, p.Totals.Stored, stored)
		}
		if _, err := m.CancelRun(ctx, admin, started.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Errorf("a run cancelled twice: %v", err)
		}
		jobs := runJobs(t, q, started.ID)
		if len(jobs.Jobs) != 8 || slices.ContainsFunc(jobs.Jobs, func(j *rivertype.JobRow) bool { return j.State != rivertype.JobStateCancelled }) {
			t.Errorf("the cancelled run's %d jobs are not all cancelled", len(jobs.Jobs))
		}
		if out, err := m.MatchPartition(ctx, started.ID, 4, "late"); err != nil || out != matching.PartitionCancelled {
			t.Errorf("a partition of the cancelled run: %v %v", out, err)
		}
		if n := len(offerDocs(t, db)); n != stored {
			t.Errorf("%d offers stored after the cancel, %d before", n, stored)
		}
		var log []duixian.AuditEntry
		db.Read(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(started.ID); return })
		if len(log) != 2 || log[0].Action != "start-offer-run" || log[1].Action != "cancel-offer-run" || log[1].Actor.User != "admin" {
			t.Errorf("the run's audit log: %+v", log)
		}
	})
}

// The scheduled jobs run through the queue: the day's 免申即享 run (every
// clause, started by the scheduler) is matched to the end, and the 群雁
// re-check completes; a second scheduled run the same day is not queued.
func TestScheduledJobs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		m, q := runService(t, db)
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		first, err := q.client.Insert(ctx, scheduledRunArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		again, err := q.client.Insert(ctx, scheduledRunArgs{}, nil)
		if err != nil || !again.UniqueSkippedAsDuplicate || again.Job.ID != first.Job.ID {
			t.Errorf("a second scheduled run the same day was queued: %+v %v", again, err)
		}
		recheck, err := q.client.Insert(ctx, recheckArgs{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var runs []*matching.RunProgress
		for deadline := time.Now().Add(3 * time.Minute); len(runs) == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if runs, err = m.OfferRuns(ctx, admin); err != nil {
				t.Fatal(err)
			}
		}
		if len(runs) != 1 || runs[0].By != matching.Scheduler || len(runs[0].Clauses) != 0 || runs[0].EventDate != duixian.DateOf(testNow) {
			t.Fatalf("the scheduled run: %+v", runs)
		}
		if p := waitOver(t, m, runs[0].ID); p.Status != matching.RunDone || p.Totals.Enterprises != registrySize {
			t.Errorf("the scheduled run is %s after %d enterprises", p.Status, p.Totals.Enterprises)
		}
		for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
			j, err := q.client.JobList(ctx, river.NewJobListParams().IDs(recheck.Job.ID))
			if err != nil || len(j.Jobs) != 1 {
				t.Fatal(err, j)
			}
			if j.Jobs[0].State == rivertype.JobStateCompleted {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the 群雁 re-check is %s: %v", j.Jobs[0].State, j.Jobs[0].Errors)
			}
		}
	})
}

// The daily schedule is a time of day in Shanghai, whatever the zone of
// the time it is asked from.
func TestDailySchedule(t *testing.T) {
	at, err := dailyAt("02:00")
	if err != nil {
		t.Fatal(err)
	}
	for from, want := range map[time.Time]time.Time{
		time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai): time.Date(2026, 12, 1, 2, 0, 0, 0, duixian.Shanghai),
		time.Date(2026, 11, 30, 1, 59, 0, 0, duixian.Shanghai): time.Date(2026, 11, 30, 2, 0, 0, 0, duixian.Shanghai),
		time.Date(2026, 11, 30, 2, 0, 0, 0, duixian.Shanghai):  time.Date(2026, 12, 1, 2, 0, 0, 0, duixian.Shanghai),
		time.Date(2026, 11, 30, 18, 30, 0, 0, time.UTC):        time.Date(2026, 12, 2, 2, 0, 0, 0, duixian.Shanghai),
	} {
		if got := at.Next(from); !got.Equal(want) {
			t.Errorf("after %s: %s, want %s", from, got, want)
		}
	}
	if _, err := dailyAt("25:00"); err == nil {
		t.Error("25:00 is a time of day")
	}
}
