package engine_test

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/registry"
	"github.com/govalues/decimal"
)

// The calculator and 免申即享 consider the same clauses: over a generated
// population and dates on both sides of the catalogue's supersessions and
// annulments, every clause that pays is decided by both alike, reported
// undecided by both, or left out by the batch because the calculator asks
// for facts it lacks or does not show it at all. Clauses that pay nothing
// are the calculator's alone. The calculator's form asks for the facts of
// exactly the clauses the calculator shows.
func TestMatchAllAndBatchConsiderTheSameClauses(t *testing.T) {
	cat := load(t, catalogue.FS)
	ents := registry.Generate(300, 5)
	runs := []struct{ event, asOf string }{
		{"2026-06-30", "2026-11-28"}, // matching's own test dates
		{"2024-06-30", "2026-06-30"}, // 33号 governs 2024's events (25号附则4)
		{"2025-11-27", "2026-01-15"}, // the day before 28号 annuls 155号
		{"2025-11-28", "2026-01-15"}, // the day it does
		{"2026-12-31", "2026-12-31"},
	}
	var decided, undecided, asked, notPaying int
	for _, r := range runs {
		event, asOf := date(r.event), date(r.asOf)
		batch := cat.NewBatch(event, asOf, true)
		for i := range ents {
			facts, err := cat.EnterpriseFacts(&ents[i], asOf)
			if err != nil {
				t.Fatal(err)
			}
			ms := cat.MatchAll(facts, event, asOf)
			ds, us, err := batch.Match(facts)
			if err != nil {
				t.Fatalf("%s: %v", ents[i].USCC, err)
			}
			byBatch := map[string]duixian.Decision{}
			for _, d := range ds {
				byBatch[d.Clause] = d
			}
			undecidedByBatch := map[string]bool{}
			for _, u := range us {
				undecidedByBatch[u.Clause] = true
			}
			var shown []string
			for _, m := range ms {
				shown = append(shown, m.Clause)
				cl, _ := cat.Clause(m.Clause)
				d, inBatch := byBatch[m.Clause]
				at := ents[i].USCC + " " + r.event + "/" + r.asOf + " " + m.Clause
				switch {
				case !cl.Pays():
					notPaying++
					if inBatch || undecidedByBatch[m.Clause] {
						t.Errorf("%s: the batch considered a clause that pays nothing", at)
					}
				case m.Undecided != nil:
					undecided++
					if !undecidedByBatch[m.Clause] {
						t.Errorf("%s: undecided by the calculator (%s), not by the batch", at, m.Undecided)
					}
				case m.Decision != nil && cl.CountsFromEvent():
					if inBatch {
						t.Errorf("%s: the batch decided a clause that counts from the claim's event date", at)
					}
				case m.Decision != nil:
					decided++
					if !inBatch {
						t.Errorf("%s: decided by the calculator, skipped by the batch", at)
					} else if !reflect.DeepEqual(d, *m.Decision) {
						t.Errorf("%s:\nbatch:      %+v\ncalculator: %+v", at, d, *m.Decision)
					}
				default:
					asked++
					if len(m.Missing) == 0 {
						t.Errorf("%s: neither decided nor asking for a fact", at)
					}
					if inBatch || undecidedByBatch[m.Clause] {
						t.Errorf("%s: the batch decided a clause whose facts the calculator asks for", at)
					}
				}
				delete(byBatch, m.Clause)
				delete(undecidedByBatch, m.Clause)
			}
			for id := range byBatch {
				t.Errorf("%s %s/%s %s: decided by the batch, not shown by the calculator", ents[i].USCC, r.event, r.asOf, id)
			}
			for id := range undecidedByBatch {
				t.Errorf("%s %s/%s %s: undecided by the batch, not shown by the calculator", ents[i].USCC, r.event, r.asOf, id)
			}
			var form []string
			for _, cl := range cat.Applicable(engine.Applicability{EventDate: event, AsOf: asOf}, facts) {
				form = append(form, cl.ID)
			}
			slices.Sort(shown)
			slices.Sort(form)
			if !slices.Equal(shown, form) {
				t.Fatalf("%s %s/%s: the calculator shows %v, its form asks for %v", ents[i].USCC, r.event, r.asOf, shown, form)
			}
		}
	}
	t.Logf("%d decided alike, %d undecided by both, %d asking for facts, %d paying nothing", decided, undecided, asked, notPaying)
	if decided < 1000 || asked < 1000 || notPaying < 100 {
		t.Fatal("too few clauses compared to mean anything")
	}
}

// A clause whose rules fail on the facts (here a division by zero) is
// reported with the reason by the calculator and by the batch, and the
// enterprise's other clauses are still decided.
func TestUndecidedClauseIsReported(t *testing.T) {
	cat := load(t, os.DirFS("testdata/undecidable"))
	day := date("2031-01-01")
	facts := duixian.Facts{"zones": []string{"yizhuang-225"}, "output_total": decimal.MustNew(1000000, 0), "staff": int64(0)}

	ms := cat.MatchAll(facts, day, day)
	if len(ms) != 2 || ms[0].Clause != "jjgf-2030-5/2" || !ms[0].Eligible() {
		t.Fatalf("the clause that pays regardless is not decided first: %+v", ms)
	}
	u := ms[1].Undecided
	if ms[1].Clause != "jjgf-2030-5/1" || ms[1].Decision != nil || u == nil {
		t.Fatalf("the failing clause is not reported undecided: %+v", ms[1])
	}
	if u.Clause != "jjgf-2030-5/1" || u.Field != "jjgf-2030-5/1" || !strings.HasPrefix(u.Zh, "无法判定") ||
		!strings.Contains(u.Zh, "division by zero") || !strings.HasPrefix(u.En, "cannot be decided") {
		t.Errorf("the reason: %+v", u)
	}

	// The API (/api/v1/match) says so beside the decisions.
	if b, err := json.Marshal(ms[1]); err != nil || !strings.Contains(string(b), `"undecided":{"clause":"jjgf-2030-5/1"`) ||
		!strings.Contains(string(b), `"message_zh":"无法判定`) {
		t.Errorf("as JSON: %s %v", b, err)
	}

	ds, us, err := cat.NewBatch(day, day, false).Match(facts)
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != 1 || ds[0].Clause != "jjgf-2030-5/2" || !ds[0].Eligible {
		t.Errorf("the batch's decisions: %+v", ds)
	}
	if len(us) != 1 || us[0] != *u {
		t.Errorf("the batch's undecided %+v, the calculator's %+v", us, *u)
	}

	// With staff the same clause is decided: the failure is the facts'.
	facts["staff"] = int64(10)
	if ms := cat.MatchAll(facts, day, day); len(ms) != 2 || !ms[0].Eligible() || !ms[1].Eligible() {
		t.Errorf("with staff: %+v", ms)
	}
	if ds, us, err := cat.NewBatch(day, day, false).Match(facts); err != nil || len(ds) != 2 || len(us) != 0 {
		t.Errorf("with staff the batch decided %d and left %v undecided, %v", len(ds), us, err)
	}
}

// The rule's first part is Evaluate's lifecycle: the calculator and the
// batch consider a document's clauses exactly when Evaluate would not
// refuse a claim for the document's dates. The fixture's 2030年1号 takes
// events from 2030-01-01, in force 2030-03-01 to 2031-12-31, superseding
// 2029年9号 for events to 2029-12-31, annulled by 2030年2号 from 2031-06-01.
func TestApplicabilityIsTheLifecycle(t *testing.T) {
	cat := load(t, os.DirFS("testdata/shapes"))
	for _, tc := range []struct {
		event, asOf string
		applies     bool
		refusal     string // Evaluate's reason when it does not
	}{
		{"2030-06-01", "2030-06-01", true, ""},
		{"2030-01-15", "2030-03-01", true, ""},              // an event before in_force that events_from admits
		{"2030-06-01", "2032-01-15", true, ""},              // asked after the end, for an event within it
		{"2030-06-01", "2030-02-28", false, "not-in-force"}, // asked before in_force
		{"2029-06-01", "2030-06-01", false, "superseded"},   // left to 2029年9号
		{"2031-06-01", "2031-06-01", false, "annulled"},
		{"2032-01-01", "2032-01-01", false, "expired"},
	} {
		event, asOf := date(tc.event), date(tc.asOf)
		var shown []string
		for _, m := range cat.MatchAll(duixian.Facts{}, event, asOf) {
			if strings.HasPrefix(m.Clause, "jjgf-2030-1/") {
				shown = append(shown, m.Clause)
			}
		}
		batch := cat.NewBatch(event, asOf, false, "jjgf-2030-1/1").Clauses()
		d, err := cat.Evaluate(duixian.Claim{Clause: "jjgf-2030-1/1", EventDate: event, AsOf: asOf,
			Facts: duixian.Facts{"zones": []string{"yizhuang-225"}, "premium": decimal.MustNew(100000, 0)}}, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var codes []string
		for _, r := range d.Reasons {
			codes = append(codes, r.Code)
		}
		if tc.applies {
			if len(shown) == 0 || batch != 1 || len(codes) > 0 {
				t.Errorf("%s asked %s: the calculator shows %d clauses, the batch has %d, Evaluate refuses %v", tc.event, tc.asOf, len(shown), batch, codes)
			}
			continue
		}
		if len(shown) > 0 || batch != 0 || !slices.ContainsFunc(d.Reasons, func(r duixian.Reason) bool { return r.Is(tc.refusal) }) {
			t.Errorf("%s asked %s: the calculator shows %v, the batch has %d, Evaluate refuses %v (want %s)", tc.event, tc.asOf, shown, batch, codes, tc.refusal)
		}
	}
}

// An English message is English: no reason of any decision over a generated
// population carries an expression's source (operators or fact names).
func TestReasonsInEnglishNotExpressions(t *testing.T) {
	cat := load(t, catalogue.FS)
	source := regexp.MustCompile(`&&|\|\||==|>=|<=|\b[a-z]+_[a-z0-9_]+\b`)
	seen := 0
	for _, e := range registry.Generate(300, 9) {
		facts, err := cat.DecodeJSONFacts(e.USCC, e.Facts)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range cat.MatchAll(facts, date("2026-06-30"), date("2026-11-28")) {
			if m.Decision == nil {
				continue
			}
			for _, r := range m.Decision.Reasons {
				seen++
				if source.MatchString(r.En) {
					t.Fatalf("%s: reason %s in English shows an expression: %q", m.Decision.Clause, r.Code, r.En)
				}
			}
		}
	}
	if seen < 500 {
		t.Fatalf("only %d reasons checked", seen)
	}
}
