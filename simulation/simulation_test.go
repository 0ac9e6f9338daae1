package simulation_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/simulation"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

const quarterHour = "jjgf-2025-21/7.1"

var day = duixian.Date{Year: 2026, Month: 6, Day: 30}

func load(t *testing.T, dir string) (*engine.Catalogue, *simulation.Reform) {
	t.Helper()
	base, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	files, err := simulation.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := simulation.Load(base, files)
	if err != nil {
		t.Fatal(err)
	}
	return base, r
}

// registryOf writes a synthetic registry big enough to hold bookstores
// on both sides of every 一刻钟 condition.
func registryOf(t *testing.T, db *sqldb.DB, n int) {
	t.Helper()
	if _, err := registry.Write(context.Background(), db, registry.Generate(n, 1), 500); err != nil {
		t.Fatal(err)
	}
}

// Doubling every 一刻钟 tier (21号第七条（一）) doubles the clause's spend to
// the fen, keeps who is eligible, and moves nothing else, whether the
// clauses the reform leaves alone are decided once or under both.
func TestDoublingTheQuarterHourTiers(t *testing.T) {
	base, r := load(t, "testdata/double-quarter-hour")
	if len(r.Documents) != 1 || r.Documents[0] != "jjgf-2025-21" {
		t.Fatalf("documents %v", r.Documents)
	}
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		registryOf(t, db, 3000)
		for _, full := range []bool{false, true} {
			var streamed []simulation.Mover
			rep, err := simulation.Run(context.Background(), db, base, r, simulation.Options{Date: day, Full: full,
				Mover: func(m simulation.Mover) error { streamed = append(streamed, m); return nil }})
			if err != nil {
				t.Fatal(err)
			}
			c, ok := rep.Clause(quarterHour)
			if !ok || c.Baseline.Eligible == 0 {
				t.Fatalf("full %v: no bookstore eligible for 7.1: %+v", full, c)
			}
			if c.Reform.Total != 2*c.Baseline.Total || c.Reform.Eligible != c.Baseline.Eligible {
				t.Errorf("full %v: 7.1 baseline %+v reform %+v, want twice the spend and the same count", full, c.Baseline, c.Reform)
			}
			if c.Gainers != c.Baseline.Eligible || c.Losers != 0 || c.Status != "changed" {
				t.Errorf("full %v: 7.1 gainers %d losers %d status %s", full, c.Gainers, c.Losers, c.Status)
			}
			for _, o := range rep.Clauses {
				if o.Clause != quarterHour && (o.Baseline != o.Reform || o.Gainers+o.Losers != 0) {
					t.Errorf("full %v: %s moved: %+v", full, o.Clause, o)
				}
			}
			if rep.Totals.Difference != c.Baseline.Total || rep.MoversTotal != c.Baseline.Eligible || len(streamed) != rep.MoversTotal {
				t.Errorf("full %v: totals %+v movers %d streamed %d", full, rep.Totals, rep.MoversTotal, len(streamed))
			}
			for _, m := range streamed {
				if m.Kind != "more" || m.Reform != 2*m.Baseline || len(m.Why) != 1 || m.Why[0].Reform.String() != "21号第七条（一）" ||
					m.Why[0].InForce.String() != "21号第七条（一）" {
					t.Errorf("full %v: mover %+v", full, m)
				}
			}
		}
	})
}

// Opening five years before, not one, for 一刻钟: the bookstores open for
// one to five years lose it, each with that condition cited to the
// reform's article and the one in force; nobody gains.
func TestTighteningACondition(t *testing.T) {
	base, r := load(t, "testdata/five-years")
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		registryOf(t, db, 6000)
		rep, err := simulation.Run(context.Background(), db, base, r, simulation.Options{Date: day})
		if err != nil {
			t.Fatal(err)
		}
		c, _ := rep.Clause(quarterHour)
		if c.Losers == 0 || c.Gainers != 0 || c.Reform.Eligible != c.Baseline.Eligible-c.Losers {
			t.Fatalf("7.1 %+v", c)
		}
		if len(rep.Movers) != c.Losers {
			t.Fatalf("movers %d, losers %d", len(rep.Movers), c.Losers)
		}
		for _, m := range rep.Movers {
			if m.Kind != "loses" || m.Reform != 0 || m.Difference != -m.Baseline {
				t.Errorf("mover %+v", m)
			}
			cited := false
			for _, w := range m.Why {
				if w.Code == quarterHour+":opened-one-year" && w.Reform != nil && w.InForce != nil &&
					w.Reform.String() == "21号第七条（一）" && w.InForce.String() == "21号第七条（一）" &&
					strings.Contains(w.Zh, "开办五年以上") && strings.Contains(w.Zh, "现行：开办一年以上") {
					cited = true
				}
			}
			if !cited {
				t.Errorf("%s loses without the condition cited: %+v", m.Enterprise, m.Why)
			}
		}
	})
}

// A reform is checked like any document: one that does not lint, or
// whose cases fail, is refused with what is wrong; one in force only
// later cannot be simulated before.
func TestReformChecked(t *testing.T) {
	base, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	files, err := simulation.ReadDir("testdata/double-quarter-hour")
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string][]byte{"jjgf-2025-21.yaml": []byte(strings.Replace(string(files["jjgf-2025-21.yaml"]),
		"when: quarter_hour_service\n", "when: no_such_fact\n", 1)), "jjgf-2025-21.test.yaml": files["jjgf-2025-21.test.yaml"]}
	if _, err := simulation.Load(base, broken); err == nil || !strings.Contains(err.Error(), "no_such_fact") {
		t.Errorf("a reform reading an unknown fact: %v", err)
	}
	// The cases of the law in force expect the old tiers: they fail.
	old, _ := catalogue.FS.ReadFile("jjgf-2025-21.test.yaml")
	wrong := map[string][]byte{"jjgf-2025-21.yaml": files["jjgf-2025-21.yaml"], "jjgf-2025-21.test.yaml": old}
	if _, err := simulation.Load(base, wrong); err == nil || !strings.Contains(err.Error(), "案例未通过") {
		t.Errorf("a reform whose cases fail: %v", err)
	}
	if _, err := simulation.Load(base, map[string][]byte{"jjgf-2025-21.yaml": files["jjgf-2025-21.yaml"]}); err == nil {
		t.Error("a reform without cases was taken")
	}
	// In force from 1 March 2026: the cases, of events from then, pass.
	later := map[string][]byte{"jjgf-2025-21.yaml": []byte(strings.Replace(string(files["jjgf-2025-21.yaml"]),
		"from: 2025-10-28", "from: 2026-03-01", 1)), "jjgf-2025-21.test.yaml": files["jjgf-2025-21.test.yaml"]}
	r, err := simulation.Load(base, later)
	if err != nil {
		t.Fatalf("a reform in force next year: %v", err)
	}
	if r.InForceFrom != (duixian.Date{Year: 2026, Month: 3, Day: 1}) {
		t.Errorf("in force from %s", r.InForceFrom)
	}
	before := duixian.Date{Year: 2026, Month: 2, Day: 28}
	if _, err := simulation.Run(context.Background(), nil, base, r, simulation.Options{Date: before}); err == nil || !strings.Contains(err.Error(), "2026-03-01") {
		t.Errorf("simulated before it is in force: %v", err)
	}
}

// Last year's applications are decided again under both catalogues, and
// the outlook reads their take-up: the demo's 2026 applications, the
// reform simulated on a day of 2027.
func TestLastYearsApplications(t *testing.T) {
	base, r := load(t, "testdata/double-quarter-hour")
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc := workflow.New(db, base, calendar.Default())
		svc.Now = func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai) }
		if _, err := demo.Seed(context.Background(), svc); err != nil {
			t.Fatal(err)
		}
		registryOf(t, db, 3000)
		rep, err := simulation.Run(context.Background(), db, base, r, simulation.Options{Date: duixian.Date{Year: 2027, Month: 3, Day: 1}})
		if err != nil {
			t.Fatal(err)
		}
		if rep.LastYear != 2026 {
			t.Fatalf("last year %d", rep.LastYear)
		}
		apps := 0
		for _, c := range rep.Clauses {
			apps += c.Applications
			if c.Clause != quarterHour && c.AppliedBaseline != c.AppliedReform {
				t.Errorf("%s's applications moved: %s then %s", c.Clause, c.AppliedBaseline, c.AppliedReform)
			}
		}
		c, _ := rep.Clause(quarterHour)
		if apps == 0 || c.Applications == 0 {
			t.Fatalf("no application of 2026 read: %d, 7.1 %d", apps, c.Applications)
		}
		if c.AppliedReform != 2*c.AppliedBaseline {
			t.Errorf("7.1's applications: %s under the law in force, %s under the reform", c.AppliedBaseline, c.AppliedReform)
		}
		want := c.Baseline.Total.Share(duixian.Money(min(c.Applications, c.Baseline.Eligible)), duixian.Money(c.Baseline.Eligible))
		if c.Outlook.Baseline != want || c.Outlook.Reform != 2*want || c.Outlook.TakeUpPermille != min(c.Applications, c.Baseline.Eligible)*1000/c.Baseline.Eligible {
			t.Errorf("7.1's outlook %+v, want %s", c.Outlook, want)
		}
		if rep.Outlook.Reform-rep.Outlook.Baseline != c.Outlook.Reform-c.Outlook.Baseline {
			t.Errorf("outlook %+v", rep.Outlook)
		}
	})
}

// The reform's reworded articles, cut into what both texts share and what
// changed: joined, each side is its own text; only 第七条（一） changed.
func TestArticleChanges(t *testing.T) {
	base, r := load(t, "testdata/double-quarter-hour")
	cs := r.Changes(base)
	if len(cs) != 1 || cs[0].Label != "第七条（一）" || cs[0].Status != "changed" {
		t.Fatalf("changes %+v", cs)
	}
	join := func(ss []simulation.Segment, changed bool) string {
		var b strings.Builder
		for _, s := range ss {
			if !changed || s.Changed {
				b.WriteString(s.Text)
			}
		}
		return b.String()
	}
	bd, _ := base.Document("jjgf-2025-21")
	rd, _ := r.Catalogue.Document("jjgf-2025-21")
	var before, after string
	for _, a := range bd.Articles {
		if a.ID == "7.1" {
			before = a.Text
		}
	}
	for _, a := range rd.Articles {
		if a.ID == "7.1" {
			after = a.Text
		}
	}
	c := cs[0]
	if join(c.InForce, false) != before || join(c.Reform, false) != after {
		t.Fatal("the segments do not make the texts")
	}
	// 6—30 becomes 12—60, 6 becomes 12, 12 becomes 24 …: only digits change.
	for _, s := range []string{join(c.InForce, true), join(c.Reform, true)} {
		if s == "" || strings.Trim(s, "0123456789") != "" {
			t.Errorf("changed text %q", s)
		}
	}
}
