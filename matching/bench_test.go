package matching_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb/dbtest"
)

// BenchmarkMatch100k is issue 6's target: 100,000 synthetic enterprises
// (registry.Generate, seed 1) against every clause of the catalogue in
// force that pays, on all cores. Decoding the registry's JSON into typed facts is
// measured separately (it happens once per load, not per match).
//
//	go test ./matching -run XX -bench Match100k -benchtime 3x
func BenchmarkMatch100k(b *testing.B) {
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	ents := registry.Generate(100000, 1)
	gen := time.Since(start)
	start = time.Now()
	subjects := make([]matching.Subject, 0, len(ents))
	for _, e := range ents {
		facts, err := cat.DecodeJSONFacts(e.USCC, e.Facts)
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, matching.Subject{USCC: e.USCC, Name: e.Name, Facts: facts})
	}
	decode := time.Since(start)
	day := duixian.Date{Year: 2026, Month: 6, Day: 30}
	batch := cat.NewBatch(day, duixian.Date{Year: 2026, Month: 11, Day: 28}, false)
	var ms runtime.MemStats
	b.ResetTimer()
	var res matching.Result
	for b.Loop() {
		res, err = matching.Run(context.Background(), subjects, batch, nil)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(len(res.Offers)), "offers")
	b.ReportMetric(float64(len(res.NearMisses)), "near-misses")
	b.ReportMetric(float64(res.Decisions), "decisions")
	b.ReportMetric(float64(batch.Clauses()), "clauses")
	b.ReportMetric(float64(ms.HeapAlloc)/(1<<20), "heap-MB")
	b.Logf("generate %s, decode %s, GOMAXPROCS %d", gen.Round(time.Millisecond), decode.Round(time.Millisecond), runtime.GOMAXPROCS(0))
}

// BenchmarkStoreOffers stores the offers of a run over 20,000 synthetic
// enterprises into an empty SQLite database: each offer a record and an
// SM3-chained audit entry, in one transaction.
//
//	go test ./matching -run XX -bench StoreOffers -benchtime 3x
func BenchmarkStoreOffers(b *testing.B) {
	ctx := context.Background()
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		b.Fatal(err)
	}
	var subjects []matching.Subject
	for _, e := range registry.Generate(20000, 7) {
		facts, err := cat.DecodeJSONFacts(e.USCC, e.Facts)
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, matching.Subject{USCC: e.USCC, Name: e.Name, Facts: facts})
	}
	day := duixian.Date{Year: 2026, Month: 6, Day: 30}
	res, err := matching.Run(ctx, subjects, cat.NewBatch(day, day, true), nil)
	if err != nil {
		b.Fatal(err)
	}
	admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		db := dbtest.SQLite(b)
		b.StartTimer()
		if n, err := matching.Store(ctx, db, admin, time.Now(), res.Offers); err != nil || n != len(res.Offers) {
			b.Fatalf("stored %d of %d: %v", n, len(res.Offers), err)
		}
	}
	b.ReportMetric(float64(len(res.Offers)), "offers")
	b.ReportMetric(float64(len(res.Offers)*b.N)/b.Elapsed().Seconds(), "offers/s")
}
