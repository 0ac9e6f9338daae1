package engine

import (
	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
)

// Batch decides many enterprises against many clauses (免申即享 matching).
// The clauses are those the applicability rule (Applicability) admits for
// the run, paying ones only; an enterprise is decided on those that apply
// to it on complete facts, since 免申即享 cannot ask for more. It binds an
// enterprise's facts once and decides each clause by the same code as
// Evaluate. A Batch is safe for concurrent use.
type Batch struct {
	cat       *Catalogue
	eventDate duixian.Date
	asOf      duixian.Date
	trace     bool
	clauses   []*candidate
}

// NewBatch prepares 免申即享 matching on eventDate, decided as of asOf, for
// the clauses named (every clause when none is) that pay (Clause.Pays):
// nobody is offered a tier or a land price. A clause whose rules count time
// from the claim's own event date (the day an investment was paid) is left
// out: the registry does not know that day, and the run's date stands for
// it only where the event is the year's.
func (c *Catalogue) NewBatch(eventDate, asOf duixian.Date, trace bool, only ...string) *Batch {
	var clauses []*candidate
	for _, ap := range c.candidates(Applicability{EventDate: eventDate, AsOf: asOf, Paying: true, Only: only}) {
		if !ap.cl.countsFromEvent {
			clauses = append(clauses, ap)
		}
	}
	return &Batch{cat: c, eventDate: eventDate, asOf: asOf, trace: trace, clauses: clauses}
}

// Clauses is how many clauses the batch considers.
func (b *Batch) Clauses() int { return len(b.clauses) }

// Match decides every clause that applies to an enterprise with these
// facts, eligible or not. A clause whose decision fails is returned among
// the undecided, with the reason, and the others are still decided. An
// error names a fact the data holds that no clause can read (unknown, of
// the wrong type or out of bounds): then nothing is decided.
func (b *Batch) Match(facts duixian.Facts) ([]duixian.Decision, []Undecided, error) {
	c := b.cat
	frame := c.frame()
	defer c.frames.Put(frame)
	vals := *frame
	have := make([]uint64, c.words())
	for name, v := range facts {
		f, ok := c.facts[name]
		if !ok {
			return nil, nil, duixian.Errorf(duixian.EINVALID, "facts."+name, "未知事实 %s", "unknown fact %s", name)
		}
		if f.Kind == KindRecords {
			if _, ok := v.([]duixian.Facts); !ok {
				return nil, nil, f.factError("facts."+f.Name, "应为记录列表", "must be a list of records")
			}
			continue
		}
		if err := f.bindValue(v, vals); err != nil {
			return nil, nil, err
		}
		have[f.slot/64] |= 1 << (f.slot % 64)
	}
	zones, haveZones := zonesOf(facts)
	claim := duixian.Claim{EventDate: b.eventDate, AsOf: b.asOf, Facts: facts}
	var out []duixian.Decision
	var undecidable []Undecided
clauses:
	for _, ap := range b.clauses {
		if ap.fit(have, facts, zones, haveZones) != applies {
			continue
		}
		for _, f := range ap.defaults {
			if _, ok := facts[f.Name]; !ok {
				v, err := expression.ValueOf(f.exprType(), f.Default)
				if err != nil {
					undecidable = append(undecidable, undecided(ap.cl, err))
					continue clauses
				}
				vals[f.slot] = v
			}
		}
		claim.Clause = ap.cl.ID
		d, err := c.decide(ap.cl, claim, vals, Options{Trace: b.trace})
		if err != nil {
			undecidable = append(undecidable, undecided(ap.cl, err))
			continue
		}
		out = append(out, d)
	}
	return out, undecidable, nil
}
