package engine_test

import (
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/registry"
	"github.com/govalues/decimal"
)

// bookstore is the hand-written floor for 21号第七条（一）: the same
// conditions and tiers as the catalogue, in plain Go, no explanation.
type bookstore struct {
	zones                                                      []string
	penalty, criminal, dishonest, normal, truthful             bool
	permit, premises, mainBusiness, quarterHour, awardedBefore bool
	municipal, banned                                          bool
	months, books, varieties, hosted                           int64
	businessArea, publicationArea                              decimal.Decimal
}

var (
	d30, d100, d200, d300, d400 = decimal.MustNew(30, 0), decimal.MustNew(100, 0), decimal.MustNew(200, 0), decimal.MustNew(300, 0), decimal.MustNew(400, 0)
	two                         = decimal.MustNew(2, 0)
)

func quarterHourAward(b *bookstore) (duixian.Money, bool) {
	inCore := false
	for _, z := range b.zones {
		inCore = inCore || z == "core-60"
	}
	twice, _ := b.publicationArea.Mul(two)
	if !inCore || !b.permit || !b.premises || !b.mainBusiness || b.months < 12 || !b.normal ||
		b.businessArea.Cmp(d30) < 0 || twice.Cmp(b.businessArea) <= 0 || b.books < 2000 || b.varieties < 500 ||
		b.hosted < 4 || b.penalty || b.criminal || b.dishonest || !b.truthful || b.municipal || b.banned ||
		!b.quarterHour || b.awardedBefore {
		return 0, false
	}
	a := b.publicationArea
	switch {
	case a.Cmp(d30) < 0:
		return 0, false
	case a.Cmp(d100) <= 0:
		return 60000 * duixian.Yuan, true
	case a.Cmp(d200) <= 0:
		return 120000 * duixian.Yuan, true
	case a.Cmp(d300) <= 0:
		return 180000 * duixian.Yuan, true
	case a.Cmp(d400) <= 0:
		return 240000 * duixian.Yuan, true
	}
	return 300000 * duixian.Yuan, true
}

var benchStore = &bookstore{zones: []string{"core-60", "yizhuang-225"}, normal: true, truthful: true, permit: true, premises: true,
	mainBusiness: true, quarterHour: true, months: 18, books: 3000, varieties: 800, hosted: 6,
	businessArea: decimal.MustNew(200, 0), publicationArea: decimal.MustNew(120, 0)}

// The floor and the engine must agree, or the comparison means nothing.
func TestHandWrittenFloorAgrees(t *testing.T) {
	cat := load(t, catalogue.FS)
	d, err := cat.Evaluate(bookstoreClaim(t, cat), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m, ok := quarterHourAward(benchStore)
	if !ok || !d.Eligible || m != d.Amount {
		t.Fatalf("engine %s (%v), hand-written %s (%v)", d.Amount, d.Eligible, m, ok)
	}
}

func BenchmarkClause(b *testing.B) {
	cat := load(b, catalogue.FS)
	claim := bookstoreClaim(b, cat)
	for _, tc := range []struct {
		name  string
		trace bool
	}{{"trace=off", false}, {"trace=on", true}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				d, err := cat.Evaluate(claim, engine.Options{Trace: tc.trace})
				if err != nil || !d.Eligible {
					b.Fatal(err, d.Reasons)
				}
			}
		})
	}
	b.Run("hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := quarterHourAward(benchStore); !ok {
				b.Fatal("not eligible")
			}
		}
	})
}

// BenchmarkYear decides a bookstore's year: four claims (一刻钟, 公共文化服务,
// 特色经营, 活动组织 with 30 events) under exclusivity, the category limit,
// the yearly cap and the cost cap.
func BenchmarkYear(b *testing.B) {
	cat := load(b, catalogue.FS)
	base := bookstoreClaim(b, cat).Facts
	base["public_culture_outstanding"] = true
	base["annual_costs"] = decimal.MustNew(400000, 0)
	var events []duixian.Facts
	for range 30 {
		events = append(events, duixian.Facts{"name": "读书沙龙", "minutes": int64(60), "mode": "offline", "offline_attendees": int64(20),
			"online_peak": int64(0), "online_total": int64(0), "activity": "reading-promotion", "in_etown": true, "free_and_open": true})
	}
	set := duixian.ClaimSet{Year: 2026, AsOf: date("2027-01-15"), Facts: base, Claims: []duixian.Claim{
		{Clause: "jjgf-2025-21/7.1", EventDate: date("2026-03-01")},
		{Clause: "jjgf-2025-21/7.2", EventDate: date("2026-03-01")},
		{Clause: "jjgf-2025-21/7.3.1", EventDate: date("2026-05-01"), Facts: duixian.Facts{"specialized_store": true}},
		{Clause: "jjgf-2025-21/7.4", EventDate: date("2026-12-31"), Facts: duixian.Facts{"reading_events": events}},
	}}
	for _, tc := range []struct {
		name  string
		trace bool
	}{{"trace=off", false}, {"trace=on", true}} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				y, err := cat.EvaluateYear(set, engine.Options{Trace: tc.trace})
				if err != nil || y.Total != 195000*duixian.Yuan {
					b.Fatal(err, y.Total)
				}
			}
		})
	}
}

func BenchmarkLoadCatalogue(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := engine.Load(catalogue.FS); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatchAll is the policy calculator for one enterprise: every
// clause in force against a bookstore's facts, and against the registry
// facts of 200 synthetic enterprises of every kind (registry.Generate).
func BenchmarkMatchAll(b *testing.B) {
	cat := load(b, catalogue.FS)
	claim := bookstoreClaim(b, cat)
	b.Run("bookstore", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if ms := cat.MatchAll(claim.Facts, claim.EventDate, claim.AsOf); len(ms) == 0 || !ms[0].Eligible() {
				b.Fatal("no eligible clause first")
			}
		}
	})
	var pop []duixian.Facts
	for _, e := range registry.Generate(200, 3) {
		facts, err := cat.DecodeJSONFacts(e.USCC, e.Facts)
		if err != nil {
			b.Fatal(err)
		}
		pop = append(pop, facts)
	}
	b.Run("registry", func(b *testing.B) {
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			cat.MatchAll(pop[i%len(pop)], claim.EventDate, claim.AsOf)
			i++
		}
	})
}
