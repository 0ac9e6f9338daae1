package engine

import (
	"maps"
	"sort"

	"github.com/etown/duixian"
)

// Match is what one clause means for an enterprise: the decision when every
// fact is known, which facts are still missing (差哪条信息), or why the
// clause could not be decided (无法判定).
type Match struct {
	Clause    string            `json:"clause"`
	Title     string            `json:"title"`
	Document  string            `json:"document"`
	Decision  *duixian.Decision `json:"decision,omitempty"`
	Missing   []FactView        `json:"missing,omitempty"`
	Undecided *Undecided        `json:"undecided,omitempty"`
}

// Eligible reports whether the clause grants the claim.
func (m Match) Eligible() bool { return m.Decision != nil && m.Decision.Eligible }

// Calculate is the calculator asked about a form: typed, the facts an
// enterprise entered, decoded and checked; known, the facts the platform
// holds (registry, bans, the award ledger), which win as they do at
// submission; the event date as entered (YYYY-MM-DD), today when empty.
func (c *Catalogue) Calculate(typed map[string]any, known duixian.Facts, eventDate string, today duixian.Date) ([]Match, error) {
	facts, err := c.DecodeFacts("facts", typed)
	if err != nil {
		return nil, err
	}
	maps.Copy(facts, known)
	ev := today
	if eventDate != "" {
		if ev, err = duixian.ParseDate(eventDate); err != nil {
			return nil, duixian.Errorf(duixian.EINVALID, "event_date", "日期格式应为 YYYY-MM-DD", "event_date must be YYYY-MM-DD")
		}
	}
	return c.MatchAll(facts, ev, today), nil
}

// MatchAll is the policy calculator (政策计算器): every clause that applies
// (Applicability: in force for an event on eventDate asked on asOf, in the
// enterprise's zone), paying or not, evaluated on facts. Eligible clauses
// come first, highest amount first; then near misses (all facts known, some
// condition failed: the reasons say which and cite the article); then
// clauses that could not be decided, with the reason; then clauses that
// need more facts, with the facts.
func (c *Catalogue) MatchAll(facts duixian.Facts, eventDate, asOf duixian.Date) []Match {
	var eligible, near, undecidable, missing []Match
	have := c.known(facts)
	zones, haveZones := zonesOf(facts)
	bound := c.Bind(facts)
	for _, ap := range c.candidates(Applicability{EventDate: eventDate, AsOf: asOf}) {
		cl := ap.cl
		m := Match{Clause: cl.ID, Title: cl.Title, Document: cl.Document.Number}
		switch ap.fit(have, facts, zones, haveZones) {
		case elsewhere:
			continue
		case needsFacts:
			m.Missing = ap.missing(have, facts)
			missing = append(missing, m)
			continue
		}
		dec, err := bound.Evaluate(duixian.Claim{Clause: cl.ID, EventDate: eventDate, AsOf: asOf}, Options{Trace: true})
		if err != nil {
			u := undecided(cl, err)
			m.Undecided = &u
			undecidable = append(undecidable, m)
			continue
		}
		m.Decision = &dec
		if dec.Eligible {
			eligible = append(eligible, m)
		} else {
			near = append(near, m)
		}
	}
	sortByAmount(eligible)
	return append(append(append(eligible, near...), undecidable...), missing...)
}

func sortByAmount(ms []Match) {
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Decision.Amount > ms[j].Decision.Amount })
}
