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
)

// BenchmarkMatch100k is issue 6's target: 100,000 synthetic enterprises
// (registry.Generate, seed 1) against every clause of the catalogue in
// force, on all cores. Decoding the registry's JSON into typed facts is
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
