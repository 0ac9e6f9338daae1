package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
)

// Choosing group by group must give exactly what enumerating every subset
// of all eligible claims gives (the rule before groups), tie-break
// included, on random years of claims across the documents that have
// selection rules: 21号 (exclusions, categories), 22号 (at most two
// categories), 25号, 29号 and 30号, with shared projects and granted claims.
func TestRivalGroupsAgreeWithWholeEnumeration(t *testing.T) {
	cat, err := Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	var pool []string
	for _, cl := range cat.clauses {
		switch cl.Document.ID {
		case "jjgf-2025-21", "jjgf-2025-22", "jjgf-2025-25", "jjgf-2025-29", "jjgf-2025-30":
			if cl.Pays() {
				pool = append(pool, cl.ID)
			}
		}
	}
	rng := rand.New(rand.NewPCG(7, 11))
	infeasible := 0
	defer func() {
		if infeasible > 200 {
			t.Errorf("%d of 2000 trials had conflicting granted claims: the generator tests too little", infeasible)
		}
	}()
	for trial := range 2000 {
		n := 1 + rng.IntN(12)
		set := duixian.ClaimSet{Year: 2026}
		var ds []duixian.Decision
		for range n {
			project := ""
			if rng.IntN(3) > 0 {
				project = fmt.Sprintf("P%d", rng.IntN(4))
			}
			c := duixian.Claim{Clause: pool[rng.IntN(len(pool))], Project: project, Granted: rng.IntN(10) == 0}
			set.Claims = append(set.Claims, c)
			// Equal amounts are common, so the tie-break is exercised.
			ds = append(ds, duixian.Decision{Clause: c.Clause, Eligible: c.Granted || rng.IntN(5) > 0,
				Amount: duixian.Money(1+rng.IntN(4)) * 10000 * duixian.Yuan})
		}
		grouped := &yearSelection{cat: cat, set: set, d: ds}
		if err := grouped.choose(); err != nil {
			t.Fatal(err)
		}
		var elig []int
		for i, d := range ds {
			if d.Eligible {
				elig = append(elig, i)
			}
		}
		all := &yearSelection{cat: cat, set: set, d: ds}
		whole := all.best(elig)
		if all.violation(whole, -1) != nil {
			// Granted claims that break a rule together (data the workflow
			// never writes): the whole enumeration then finds no admissible
			// set and keeps everything, groups keep the best of each group.
			infeasible++
			continue
		}
		var kept []int
		for _, i := range elig {
			if grouped.dropped[i] == nil {
				kept = append(kept, i)
			}
		}
		if !slices.Equal(kept, whole) {
			t.Fatalf("trial %d: groups keep %v, whole enumeration %v\nclaims %+v", trial, kept, whole, set.Claims)
		}
	}
}

// Sixty claims in a year, across documents and projects, are decided;
// before, more than 16 could not be submitted at all.
func TestSixtyClaimsInAYear(t *testing.T) {
	cat, err := Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	set, ds := sixtyClaims(cat)
	ys := &yearSelection{cat: cat, set: set, d: ds}
	if err := ys.choose(); err != nil {
		t.Fatal(err)
	}
	kept := 0
	for i := range ds {
		if ys.dropped[i] == nil {
			kept++
		}
	}
	if kept == 0 || kept > len(ds) {
		t.Fatalf("kept %d of %d", kept, len(ds))
	}
}

// sixtyClaims: one claim on each of sixty paying clauses, each its own
// project, all eligible.
func sixtyClaims(cat *Catalogue) (duixian.ClaimSet, []duixian.Decision) {
	set := duixian.ClaimSet{Year: 2026}
	var ds []duixian.Decision
	for _, cl := range cat.clauses {
		if !cl.Pays() || len(ds) == 60 {
			continue
		}
		set.Claims = append(set.Claims, duixian.Claim{Clause: cl.ID, Project: fmt.Sprintf("项目%d", len(ds))})
		ds = append(ds, duixian.Decision{Clause: cl.ID, Eligible: true, Amount: 10000 * duixian.Yuan})
	}
	return set, ds
}

func BenchmarkChooseSixtyClaims(b *testing.B) {
	cat, err := Load(catalogue.FS)
	if err != nil {
		b.Fatal(err)
	}
	set, ds := sixtyClaims(cat)
	for b.Loop() {
		ys := &yearSelection{cat: cat, set: set, d: ds}
		if err := ys.choose(); err != nil {
			b.Fatal(err)
		}
	}
}
