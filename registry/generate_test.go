package registry

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/etown/duixian"
)

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := Generate(400, 42), Generate(400, 42)
	if len(a) != 400 {
		t.Fatalf("%d enterprises", len(a))
	}
	for i := range a {
		if a[i].USCC != b[i].USCC || a[i].Name != b[i].Name || !bytes.Equal(a[i].Facts, b[i].Facts) {
			t.Fatalf("enterprise %d differs between two runs with the same seed:\n%+v\n%+v", i, a[i], b[i])
		}
	}
	short := Generate(150, 42)
	for i := range short {
		if short[i].USCC != a[i].USCC || !bytes.Equal(short[i].Facts, a[i].Facts) {
			t.Fatalf("a shorter population is not the start of a longer one (enterprise %d)", i)
		}
	}
	c := Generate(400, 43)
	same := 0
	for i := range a {
		if a[i].USCC == c[i].USCC {
			same++
		}
	}
	if same > 0 {
		t.Errorf("another seed gives %d of the same codes", same)
	}
	if len(Generate(0, 1)) != 0 {
		t.Errorf("Generate(0) is not empty")
	}
}

func TestGeneratedEnterprisesAreValid(t *testing.T) {
	cat := loadCatalogue(t)
	const n = 4000
	pop := generate(n, 7)
	usccs, names := map[string]bool{}, map[string]bool{}
	kinds := map[string]int{}
	zones := map[string]int{}
	for _, p := range pop {
		if err := duixian.ValidateUSCC(p.USCC); err != nil {
			t.Fatalf("%s (%s): %v", p.USCC, p.Name, err)
		}
		if usccs[p.USCC] || names[p.Name] || p.Name == "" {
			t.Fatalf("duplicate or empty: %s %q", p.USCC, p.Name)
		}
		usccs[p.USCC], names[p.Name] = true, true
		facts, err := cat.DecodeJSONFacts("facts", p.Facts)
		if err != nil {
			t.Fatalf("%s %s (%s): the facts do not decode: %v\n%s", p.Kind, p.USCC, p.Name, err, p.Facts)
		}
		kinds[p.Kind]++
		z := facts["zones"].([]string)
		switch {
		case slices.Contains(z, "bonded"):
			zones["bonded"]++
		case slices.Contains(z, "core-60"):
			zones["core-60"]++
		case slices.Contains(z, "yizhuang-225"):
			zones["yizhuang-225 only"]++
		default:
			zones["outside"]++
		}
		for _, zz := range []string{"core-60", "bonded"} {
			if slices.Contains(z, zz) && !slices.Contains(z, "yizhuang-225") {
				t.Errorf("%s is in %s but not listed in the 225 km² new town", p.USCC, zz)
			}
		}
	}
	for _, k := range Kinds {
		want := float64(n) * float64(k.PerMil) / 1000
		if got := float64(kinds[k.ID]); got < want*0.6-3 || got > want*1.4+3 {
			t.Errorf("kind %s: %v enterprises, expected about %.0f", k.ID, got, want)
		}
	}
	share := func(k string) float64 { return float64(zones[k]) / n }
	if share("yizhuang-225 only") < 0.4 || share("core-60") < 0.25 || share("core-60") > 0.5 ||
		share("bonded") < 0.01 || share("bonded") > 0.06 || share("outside") < 0.02 || share("outside") > 0.1 {
		t.Errorf("zones %v", zones)
	}
	t.Logf("kinds %v; zones %v", kinds, zones)
}

// TestGeneratedPopulationQualifiesRealistically runs what the dashboard's
// 应享未享 runs — each enterprise's registry facts against every clause in
// force — and checks that a realistic share qualifies for something, many
// more just miss, and every kind's facts are complete enough for its
// clauses to be decided.
func TestGeneratedPopulationQualifiesRealistically(t *testing.T) {
	cat := loadCatalogue(t)
	today := duixian.Date{Year: 2026, Month: 6, Day: 30}
	pop := generate(3000, 11)
	type tally struct{ n, eligible, near, decided int }
	byKind := map[string]*tally{}
	var all tally
	for _, p := range pop {
		facts, err := cat.DecodeJSONFacts("facts", p.Facts)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range cat.Documents() {
			if d.FraudBan != nil {
				facts[d.FraudBan.Fact] = false // no bans
			}
		}
		k := byKind[p.Kind]
		if k == nil {
			k = &tally{}
			byKind[p.Kind] = k
		}
		eligible, near := false, false
		event, asOf := today, today
		if p.Kind == "vc" {
			// A venture fund's award (25号第十五条) is due two full years
			// after the investment's 划款日, its event date: none paid
			// under 25号 (from 2025) is due by mid-2026, so it is asked
			// about a payment of mid-2025 two years on.
			event, asOf = duixian.Date{Year: 2025, Month: 6, Day: 30}, duixian.Date{Year: 2027, Month: 6, Day: 30}
		}
		for _, m := range cat.MatchAll(facts, event, asOf) {
			eligible = eligible || m.Eligible()
			near = near || (m.Decision != nil && !m.Decision.Eligible)
		}
		for _, x := range []*tally{k, &all} {
			x.n++
			if eligible {
				x.eligible++
			}
			if near {
				x.near++
			}
			if eligible || near {
				x.decided++
			}
		}
	}
	pct := func(a, b int) float64 { return 100 * float64(a) / float64(b) }
	t.Logf("population: %.1f%% qualify for something, %.1f%% miss some clause, %.1f%% have no clause decided",
		pct(all.eligible, all.n), pct(all.near, all.n), pct(all.n-all.decided, all.n))
	if e := pct(all.eligible, all.n); e < 20 || e > 70 {
		t.Errorf("%.1f%% of the population qualifies for something; expected a realistic share", e)
	}
	if nm := pct(all.near, all.n); nm < 30 {
		t.Errorf("only %.1f%% are near misses", nm)
	}
	for _, k := range Kinds {
		x := byKind[k.ID]
		if x == nil {
			t.Errorf("no %s in the population", k.ID)
			continue
		}
		t.Logf("%-18s %4d: %5.1f%% qualify, %5.1f%% miss something", k.ID, x.n, pct(x.eligible, x.n), pct(x.near, x.n))
		if k.ID == "general" {
			if x.decided > 0 {
				t.Errorf("an ordinary business had a clause decided")
			}
			continue
		}
		if x.eligible == 0 {
			t.Errorf("no %s qualifies for anything", k.ID)
		}
		if d := pct(x.decided, x.n); d < 50 {
			t.Errorf("only %.1f%% of %s have a clause decided: their facts are incomplete", d, k.ID)
		}
	}
}

func TestWrite(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	pop := Generate(1100, 5)
	n, err := Write(ctx, db, pop, 400)
	if err != nil || n != 1100 {
		t.Fatalf("wrote %d: %v", n, err)
	}
	if c := count(t, db, `SELECT COUNT(*) FROM enterprises`); c != 1100 {
		t.Errorf("%d enterprises on file", c)
	}
	if n, err := Write(ctx, db, pop[:300], 0); err != nil || n != 0 {
		t.Errorf("writing them again wrote %d: %v", n, err)
	}
	e := enterprise(t, db, pop[17].USCC)
	if e.Name != pop[17].Name || !bytes.Equal(e.Facts, pop[17].Facts) || e.Version != 1 {
		t.Errorf("stored %+v", e)
	}
	if c, err := db.VerifyAudit(ctx); err != nil || c != 1100 {
		t.Errorf("audit chain %d %v", c, err)
	}
}
