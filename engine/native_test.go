package engine

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"reflect"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
)

// Every case decided through the linked Go closures and again through CEL
// alone must give the same decision, trace and all: the closures are only
// a faster route to the same answer.
func TestLinkedAndInterpretedAgree(t *testing.T) {
	for name, fsys := range map[string]fs.FS{"shipped": catalogue.FS, "shapes": os.DirFS("testdata/shapes")} {
		t.Run(name, func(t *testing.T) {
			cat, err := Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, cf := range cat.cases {
				defaults, _ := rawFromYAML(&cf.spec.Defaults)
				base, _ := defaults.(map[string]any)
				for _, cs := range cf.spec.Cases {
					a := decideCase(cat, cf, cs, base)
					expression.Interpret.Store(true)
					b := decideCase(cat, cf, cs, base)
					expression.Interpret.Store(false)
					if !reflect.DeepEqual(a, b) {
						t.Errorf("%s %s:\nlinked:      %+v\ninterpreted: %+v", cf.name, cs.Name.Value, a, b)
					}
					n++
				}
			}
			if n == 0 {
				t.Fatal("no cases")
			}
			var interpreted []string
			for _, p := range cat.programs() {
				if !p.Native() {
					interpreted = append(interpreted, p.Source())
				}
			}
			t.Logf("%d cases agree; %d programs, %d interpreted by CEL: %q", n, len(cat.programs()), len(interpreted), interpreted)
		})
	}
}

// decideCase evaluates one case as RunCases does and returns what it got:
// the decision(s), or the error.
func decideCase(cat *Catalogue, cf caseFile, cs caseSpec, base map[string]any) any {
	opt := Options{Trace: true}
	if !cs.Year.set() {
		claim, err := cat.claimOf(cf, cs, base, "facts")
		if err != nil {
			return err.Error()
		}
		d, err := cat.Evaluate(claim, opt)
		if err != nil {
			return err.Error()
		}
		return d
	}
	set := duixian.ClaimSet{}
	fmt.Sscan(cs.Year.Value, &set.Year)
	set.Facts, _ = cat.DecodeFacts("facts", base)
	for _, sub := range cs.Claims {
		claim, err := cat.claimOf(cf, sub, base, "claims")
		if err != nil {
			return err.Error()
		}
		set.AsOf = claim.AsOf
		set.Claims = append(set.Claims, claim)
	}
	y, err := cat.EvaluateYear(set, opt)
	if err != nil {
		return err.Error()
	}
	return y
}

// programs lists every linked program of the catalogue.
func (c *Catalogue) programs() []*expression.Linked {
	var out []*expression.Linked
	add := func(ps ...*expression.Linked) {
		for _, p := range ps {
			if p != nil {
				out = append(out, p)
			}
		}
	}
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		add(n.when, n.of, n.count, n.on, n.less)
		for _, b := range n.bands {
			walk(b.node)
		}
		for _, ch := range append(append([]*node{}, n.children...), n.caps...) {
			walk(ch)
		}
		if n.each != nil {
			for _, v := range n.each.valid {
				add(v.prg)
			}
			walk(n.each.award)
		}
	}
	for _, cl := range c.clauses {
		for _, cond := range cl.conditions {
			add(cond.prg)
		}
		walk(cl.award)
		if cl.classify != nil {
			for _, o := range cl.classify.outcomes {
				add(o.prg)
			}
		}
		if cl.payment != nil {
			for _, tr := range cl.payment.tranches {
				add(tr.prg)
			}
		}
	}
	for _, d := range c.documents {
		for _, l := range d.limits {
			add(l.total)
		}
	}
	return out
}

// A decision on bound facts is Evaluate's decision, error for error, on
// every single-claim case of the shipped and fixture catalogues, and on
// facts no case could decode: missing, of the wrong type, out of bounds,
// unknown.
func TestBoundAgreesWithEvaluate(t *testing.T) {
	for name, fsys := range map[string]fs.FS{"shipped": catalogue.FS, "shapes": os.DirFS("testdata/shapes")} {
		t.Run(name, func(t *testing.T) {
			cat, err := Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			agree := func(what string, claim duixian.Claim) {
				t.Helper()
				want, werr := cat.Evaluate(claim, Options{Trace: true})
				got, gerr := cat.Bind(claim.Facts).Evaluate(duixian.Claim{Clause: claim.Clause, EventDate: claim.EventDate, AsOf: claim.AsOf, Project: claim.Project}, Options{Trace: true})
				if !reflect.DeepEqual(got, want) || fmt.Sprint(gerr) != fmt.Sprint(werr) {
					t.Errorf("%s:\nbound:    %+v %v\nevaluate: %+v %v", what, got, gerr, want, werr)
				}
				n++
			}
			for _, cf := range cat.cases {
				defaults, _ := rawFromYAML(&cf.spec.Defaults)
				base, _ := defaults.(map[string]any)
				for _, cs := range cf.spec.Cases {
					if cs.Year.set() {
						continue
					}
					claim, err := cat.claimOf(cf, cs, base, "facts")
					if err != nil {
						continue // a case about input that does not decode
					}
					agree(cs.Name.Value, claim)
					with := func(facts duixian.Facts) duixian.Claim {
						c := claim
						c.Facts = facts
						return c
					}
					cl := cat.byID[claim.Clause]
					for _, f := range cl.facts {
						bad := maps.Clone(claim.Facts)
						delete(bad, f.Name)
						agree(cs.Name.Value+" without "+f.Name, with(bad))
						bad[f.Name] = "not a value"
						agree(cs.Name.Value+" with text for "+f.Name, with(bad))
						if f.Max != nil {
							bad[f.Name], _ = f.Max.Add(decimal.One)
							agree(cs.Name.Value+" above the bound of "+f.Name, with(bad))
						}
					}
					bad := maps.Clone(claim.Facts)
					bad["no_such_fact"] = true
					agree(cs.Name.Value+" with an unknown fact", with(bad))
				}
			}
			t.Logf("%d decisions agree", n)
			if n < 100 {
				t.Fatalf("only %d decisions compared", n)
			}
		})
	}
}

// Batch matching and Evaluate are one decision: for every single-claim case
// of the shipped catalogue, the batch either decides the clause exactly as
// Evaluate does, or skips it for a reason that makes Evaluate refuse or
// fail (not in force for the event, another zone, facts the data lacks).
func TestBatchAgreesWithEvaluate(t *testing.T) {
	cat, err := Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	decided, skipped, notPaying := 0, 0, 0
	for _, cf := range cat.cases {
		defaults, _ := rawFromYAML(&cf.spec.Defaults)
		base, _ := defaults.(map[string]any)
		for _, cs := range cf.spec.Cases {
			if cs.Year.set() {
				continue
			}
			claim, err := cat.claimOf(cf, cs, base, "facts")
			if err != nil {
				continue // a case about bad input
			}
			single, evalErr := cat.Evaluate(claim, Options{Trace: true})
			got, undecidable, err := cat.NewBatch(claim.EventDate, claim.AsOf, true, claim.Clause).Match(claim.Facts)
			if err != nil {
				t.Fatalf("%s: batch: %v", cs.Name.Value, err)
			}
			if len(undecidable) > 0 && evalErr == nil {
				t.Errorf("%s: the batch could not decide what Evaluate decides: %v", cs.Name.Value, undecidable)
			}
			if cl, _ := cat.Clause(claim.Clause); !cl.Pays() {
				// A batch is 免申即享: it never offers a tier, a path or a price.
				notPaying++
				if len(got) != 0 {
					t.Errorf("%s: the batch decided %s, which pays nothing", cs.Name.Value, claim.Clause)
				}
				continue
			}
			if cl, _ := cat.Clause(claim.Clause); cl.CountsFromEvent() {
				// 免申即享 decides on one day for everyone; a rule counting
				// from the claim's own event date needs the claim.
				skipped++
				if len(got) != 0 {
					t.Errorf("%s: the batch decided %s, which counts from the claim's event date", cs.Name.Value, claim.Clause)
				}
				continue
			}
			if len(got) == 0 {
				skipped++
				if evalErr == nil && single.Eligible {
					t.Errorf("%s: the batch skipped a claim Evaluate grants", cs.Name.Value)
				}
				continue
			}
			decided++
			if evalErr != nil || !reflect.DeepEqual(got[0], single) {
				t.Errorf("%s:\nbatch:    %+v\nevaluate: %+v %v", cs.Name.Value, got[0], single, evalErr)
			}
		}
	}
	t.Logf("%d decided alike, %d skipped by the batch, %d of clauses that pay nothing", decided, skipped, notPaying)
	if decided < 500 {
		t.Fatalf("only %d cases compared", decided)
	}
}
