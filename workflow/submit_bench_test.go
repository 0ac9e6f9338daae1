package workflow_test

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// BenchmarkSubmit measures durable submissions (issue 4): b.N bookstore
// drafts are created outside the timer, then submitted concurrently by G
// goroutines, each Submit with its own idempotency key. A submission is
// durable when Submit returns (SQLite: WAL, synchronous=FULL; PostgreSQL:
// its defaults, synchronous_commit=on). Reported: submits/s over the
// timed phase and the p50/p99 latency of single Submit calls.
//
//	go test ./workflow -run XX -bench Submit -benchtime 2000x -count 3
//
// DUIXIAN_BENCH_SUBMITTERS sets G (default 8); the drafts belong to
// benchEnterprises enterprises, so that one enterprise's lock is not the
// only thing measured. docs/performance.md records the figures.
func BenchmarkSubmit(b *testing.B) {
	for _, store := range []struct {
		name string
		open func(testing.TB) *sqldb.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		b.Run(store.name, func(b *testing.B) { benchSubmit(b, store.open(b)) })
	}
}

const benchEnterprises = 32

func benchSubmitters(b *testing.B) int {
	if v := os.Getenv("DUIXIAN_BENCH_SUBMITTERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			b.Fatalf("DUIXIAN_BENCH_SUBMITTERS=%q", v)
		}
		return n
	}
	return 8
}

// benchService is service() for a benchmark: the catalogue, the test
// calendar and a clock standing on crashDay.
func benchService(b *testing.B, db *sqldb.DB) *workflow.Service {
	catOnce.Do(func() {
		var err error
		if cat, err = engine.Load(catalogue.FS); err != nil {
			panic(err)
		}
	})
	c := &clock{}
	c.Set(crashDay)
	s := workflow.New(db, cat, testCalendar(b))
	s.Now = c.Now
	return s
}

func benchSubmit(b *testing.B, db *sqldb.DB) {
	g := benchSubmitters(b)
	s := benchService(b, db)
	staff := make([]duixian.Actor, benchEnterprises)
	for i := range staff {
		id := uscc(b, fmt.Sprintf("91110302MA01B%04d", i))
		if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: fmt.Sprintf("书房%02d有限公司", i),
			Facts: json.RawMessage(cleanEnterprise)}); err != nil {
			b.Fatal(err)
		}
		staff[i] = duixian.Actor{User: fmt.Sprintf("staff%02d@bookstore", i), Role: duixian.RoleEnterprise, Enterprise: id}
	}
	// The drafts, b.N of them, created concurrently outside the timer.
	ids := make([]string, b.N)
	benchParallel(g, b.N, func(i int) {
		who := staff[i%benchEnterprises]
		a, err := s.CreateDraft(ctx, who, workflow.DraftInput{Enterprise: who.Enterprise, Clause: crashClause, Materials: specimens(crashClause),
			EventDate: date(crashEventDate), Project: fmt.Sprintf("门店%06d", i), Facts: json.RawMessage(crashFacts), Declared: true})
		if err != nil {
			b.Error(err)
			return
		}
		ids[i] = a.ID
	})
	if b.Failed() {
		b.FailNow()
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	start := time.Now()
	benchParallel(g, b.N, func(i int) {
		t0 := time.Now()
		a, err := s.Submit(ctx, staff[i%benchEnterprises], ids[i], "bench-"+ids[i])
		lat[i] = time.Since(t0)
		if err != nil {
			b.Error(err)
		} else if a.Status != duixian.StatusSubmitted || a.Decision == nil || a.Decision.Amount != crashAmount {
			b.Errorf("%s: %s, decision %+v", a.ID, a.Status, a.Decision)
		}
	})
	elapsed := time.Since(start)
	b.StopTimer()
	var n int
	if err := db.SQL().QueryRowContext(ctx, db.Rebind("SELECT COUNT(*) FROM applications WHERE status = ?"), string(duixian.StatusSubmitted)).Scan(&n); err != nil || n != b.N {
		b.Fatalf("%d of %d applications submitted (%v)", n, b.N, err)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "submits/s")
	b.ReportMetric(benchMS(lat[(len(lat)-1)/2]), "p50-ms")
	b.ReportMetric(benchMS(lat[(len(lat)*99+99)/100-1]), "p99-ms")
	b.ReportMetric(float64(g), "submitters")
}

func benchMS(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// benchParallel runs f(0) … f(n-1) on g goroutines.
func benchParallel(g, n int, f func(int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}
