// Package bench compares duixian with a peer rule engine on one clause.
// It is a module of its own so that the product never depends on the peers.
//
//	cd bench && go test -run XX -bench . -benchtime 2s
package bench

import (
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/expression"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/govalues/decimal"
)

// The subset: 21号第七条（一）, its 18 conditions and five tiers, for a
// 120 m² bookstore that qualifies (12万元).
const factsJSON = `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,
"operating_normally":true,"declared_truthful":true,"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,
"operating_since":"2024-06-01","business_area_m2":"200","publication_area_m2":"120","books_on_shelf":3000,"publication_varieties":800,
"hosted_reading_events":6,"quarter_hour_service":true,"annual_costs":"50万元"}`

// exprRule is the same clause in expr-lang: conditions and tiers in one
// expression. expr has no decimal type, so areas are float64 here; the
// award is in yuan.
const exprRule = `
"core-60" in zones && !major_penalty_3y && !criminal_record_3y && !serious_dishonest && operating_normally && declared_truthful &&
has_publication_permit && bookstore_premises && publications_main_business && operating_months >= 12 &&
business_area_m2 >= 30 && publication_area_m2 * 2 > business_area_m2 && books_on_shelf >= 2000 && publication_varieties >= 500 &&
hosted_reading_events >= 4 && !municipal_bookstore_support && !fraud_ban_active && quarter_hour_service && !quarter_hour_awarded_before
? (publication_area_m2 < 30 ? -1 : publication_area_m2 <= 100 ? 60000 : publication_area_m2 <= 200 ? 120000 :
   publication_area_m2 <= 300 ? 180000 : publication_area_m2 <= 400 ? 240000 : 300000)
: -1`

func exprEnv() map[string]any {
	return map[string]any{
		"zones": []string{"core-60", "yizhuang-225"}, "major_penalty_3y": false, "criminal_record_3y": false, "serious_dishonest": false,
		"operating_normally": true, "declared_truthful": true, "has_publication_permit": true, "bookstore_premises": true,
		"publications_main_business": true, "operating_months": 18, "business_area_m2": 200.0, "publication_area_m2": 120.0,
		"books_on_shelf": 3000, "publication_varieties": 800, "hosted_reading_events": 6, "quarter_hour_service": true,
		"municipal_bookstore_support": false, "fraud_ban_active": false, "quarter_hour_awarded_before": false,
	}
}

type floorInput struct {
	core                                                     bool
	penalty, criminal, dishonest, normal, truthful           bool
	permit, premises, main, quarterHour, awardedBefore, muni bool
	banned                                                   bool
	months, books, varieties, hosted                         int64
	businessArea, publicationArea                            decimal.Decimal
}

var (
	d30, d100, d200, d300, d400, two = decimal.MustNew(30, 0), decimal.MustNew(100, 0), decimal.MustNew(200, 0),
		decimal.MustNew(300, 0), decimal.MustNew(400, 0), decimal.MustNew(2, 0)
)

// floor is the clause written by hand: the fastest it can be.
func floor(b *floorInput) (duixian.Money, bool) {
	twice, _ := b.publicationArea.Mul(two)
	if !b.core || b.penalty || b.criminal || b.dishonest || !b.normal || !b.truthful || !b.permit || !b.premises || !b.main ||
		b.months < 12 || b.businessArea.Cmp(d30) < 0 || twice.Cmp(b.businessArea) <= 0 || b.books < 2000 || b.varieties < 500 ||
		b.hosted < 4 || b.muni || b.banned || !b.quarterHour || b.awardedBefore {
		return 0, false
	}
	switch a := b.publicationArea; {
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

func BenchmarkRuleSubset(b *testing.B) {
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		b.Fatal(err)
	}
	facts, err := cat.DecodeJSONFacts("facts", []byte(factsJSON))
	if err != nil {
		b.Fatal(err)
	}
	ev, _ := duixian.ParseDate("2026-03-01")
	asOf, _ := duixian.ParseDate("2026-06-30")
	claim := duixian.Claim{Clause: "jjgf-2025-21/7.1", EventDate: ev, AsOf: asOf, Facts: facts}
	want := 120000 * duixian.Yuan

	b.Run("duixian", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if d, _ := cat.Evaluate(claim, engine.Options{}); d.Amount != want {
				b.Fatal(d.Amount)
			}
		}
	})
	// What the policy calculator does on each clause: the facts' names
	// resolved once (Bind), and each decision still checks and binds every
	// fact the clause reads, then decides; expr-lang's env is likewise
	// built once, and it looks each name up in it on every run.
	b.Run("duixian-bound", func(b *testing.B) {
		bound := cat.Bind(facts)
		b.ReportAllocs()
		for b.Loop() {
			if d, _ := bound.Evaluate(claim, engine.Options{}); d.Amount != want {
				b.Fatal(d.Amount)
			}
		}
	})
	b.Run("duixian-cel-interpreted", func(b *testing.B) {
		expression.Interpret.Store(true)
		defer expression.Interpret.Store(false)
		b.ReportAllocs()
		for b.Loop() {
			if d, _ := cat.Evaluate(claim, engine.Options{}); d.Amount != want {
				b.Fatal(d.Amount)
			}
		}
	})
	b.Run("expr-lang", func(b *testing.B) {
		env := exprEnv()
		prg, err := expr.Compile(exprRule, expr.Env(env))
		if err != nil {
			b.Fatal(err)
		}
		var m vm.VM
		b.ReportAllocs()
		for b.Loop() {
			out, err := m.Run(prg, env)
			if err != nil || out != 120000 {
				b.Fatal(out, err)
			}
		}
	})
	b.Run("hand-written", func(b *testing.B) {
		in := &floorInput{core: true, normal: true, truthful: true, permit: true, premises: true, main: true, quarterHour: true,
			months: 18, books: 3000, varieties: 800, hosted: 6, businessArea: decimal.MustNew(200, 0), publicationArea: decimal.MustNew(120, 0)}
		b.ReportAllocs()
		for b.Loop() {
			if m, ok := floor(in); !ok || m != want {
				b.Fatal(m)
			}
		}
	})
}
