package engine

import (
	"slices"
	"sort"

	"github.com/etown/duixian"
)

// Match is what one clause means for an enterprise: the decision when every
// fact is known, or which facts are still missing (差哪条信息).
type Match struct {
	Clause   string            `json:"clause"`
	Title    string            `json:"title"`
	Document string            `json:"document"`
	Decision *duixian.Decision `json:"decision,omitempty"`
	Missing  []FactView        `json:"missing,omitempty"`
}

// Eligible reports whether the clause grants the claim.
func (m Match) Eligible() bool { return m.Decision != nil && m.Decision.Eligible }

// MatchAll is the policy calculator (政策计算器): every clause of a policy
// document in force on asOf, evaluated on facts for an event on eventDate.
// Clauses whose zone the enterprise is not in are left out when zones is
// among the facts, since no other fact could change that. Eligible clauses
// come first, highest amount first; then near misses (all facts known, some
// condition failed: the reasons say which and cite the article); then
// clauses that need more facts.
func (c *Catalogue) MatchAll(facts duixian.Facts, eventDate, asOf duixian.Date) []Match {
	var eligible, near, missing []Match
	zones, haveZones := facts["zones"].([]string)
	for _, cl := range c.clauses {
		d := cl.Document
		if d.Record || d.transcribed || asOf.Before(d.InForceFrom) || (!d.InForceTo.IsZero() && asOf.After(d.InForceTo)) {
			continue
		}
		if haveZones && cl.Zone != "" && !slices.Contains(zones, cl.Zone) {
			continue
		}
		m := Match{Clause: cl.ID, Title: cl.Title, Document: d.Number}
		for _, f := range cl.facts {
			if _, ok := facts[f.Name]; !ok && f.Default == nil {
				m.Missing = append(m.Missing, f.view())
			}
		}
		if len(m.Missing) > 0 {
			missing = append(missing, m)
			continue
		}
		dec, err := c.Evaluate(duixian.Claim{Clause: cl.ID, EventDate: eventDate, AsOf: asOf, Facts: facts}, Options{Trace: true})
		if err != nil {
			continue // a fact of the wrong type for this clause: the form will say so
		}
		m.Decision = &dec
		if dec.Eligible {
			eligible = append(eligible, m)
		} else {
			near = append(near, m)
		}
	}
	sortByAmount(eligible)
	return append(append(eligible, near...), missing...)
}

func sortByAmount(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Decision.Amount > ms[j].Decision.Amount })
}
