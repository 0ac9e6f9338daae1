package engine

import (
	"slices"

	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
)

// Batch decides many enterprises against many clauses (免申即享 matching).
// It binds an enterprise's facts once and skips, before evaluating
// anything, every clause that cannot apply: a document not in force on the
// date, a zone the enterprise is not in, a fact the clause needs that the
// enterprise's data does not hold. The clauses left are decided by the same
// code as Evaluate. A Batch is safe for concurrent use.
type Batch struct {
	cat       *Catalogue
	eventDate duixian.Date
	asOf      duixian.Date
	trace     bool
	clauses   []batchClause
	words     int
}

type batchClause struct {
	cl       *Clause
	need     []uint64 // facts without a default, as bits of their slot
	defaults []*Fact
}

// NewBatch prepares 免申即享 matching on eventDate, decided as of asOf, for
// the clauses named (every clause when none is) that pay (Clause.Pays):
// nobody is offered a tier or a land price.
func (c *Catalogue) NewBatch(eventDate, asOf duixian.Date, trace bool, only ...string) *Batch {
	b := &Batch{cat: c, eventDate: eventDate, asOf: asOf, trace: trace, words: (c.nslots + 63) / 64}
	for _, cl := range c.clauses {
		d := cl.Document
		if len(only) > 0 && !slices.Contains(only, cl.ID) {
			continue
		}
		if !cl.Pays() || d.transcribed || len(d.lifecycle(eventDate, asOf)) > 0 {
			continue
		}
		bc := batchClause{cl: cl, need: make([]uint64, b.words)}
		for _, f := range cl.facts {
			switch {
			case f.Default != nil:
				bc.defaults = append(bc.defaults, f)
			case f.Kind != KindRecords: // records are read from the facts themselves: hasRecords
				bc.need[f.slot/64] |= 1 << (f.slot % 64)
			}
		}
		b.clauses = append(b.clauses, bc)
	}
	return b
}

// Clauses is how many clauses the batch considers.
func (b *Batch) Clauses() int { return len(b.clauses) }

// Match decides every clause that can apply to an enterprise with these
// facts, eligible or not. An error names a fact the data holds with the
// wrong type or out of bounds.
func (b *Batch) Match(facts duixian.Facts) ([]duixian.Decision, error) {
	c := b.cat
	frame := c.frame()
	defer c.frames.Put(frame)
	vals := *frame
	have := make([]uint64, b.words)
	for name, v := range facts {
		f, ok := c.facts[name]
		if !ok {
			return nil, duixian.Errorf(duixian.EINVALID, "facts."+name, "未知事实 %s", "unknown fact %s", name)
		}
		if f.Kind == KindRecords {
			if _, ok := v.([]duixian.Facts); !ok {
				return nil, f.factError("facts."+f.Name, "应为记录列表", "must be a list of records")
			}
			continue
		}
		if err := f.bindValue(v, vals); err != nil {
			return nil, err
		}
		have[f.slot/64] |= 1 << (f.slot % 64)
	}
	zones, haveZones := facts["zones"].([]string)
	claim := duixian.Claim{EventDate: b.eventDate, AsOf: b.asOf, Facts: facts}
	var out []duixian.Decision
	for i := range b.clauses {
		bc := &b.clauses[i]
		if haveZones && bc.cl.Zone != "" && !slices.Contains(zones, bc.cl.Zone) {
			continue
		}
		if !covers(have, bc.need) || !hasRecords(bc.cl, facts) {
			continue
		}
		for _, f := range bc.defaults {
			if _, ok := facts[f.Name]; !ok {
				v, err := expression.ValueOf(f.exprType(), f.Default)
				if err != nil {
					return nil, err
				}
				vals[f.slot] = v
			}
		}
		claim.Clause = bc.cl.ID
		d, err := c.decide(bc.cl, claim, vals, Options{Trace: b.trace})
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func covers(have, need []uint64) bool {
	for i, n := range need {
		if have[i]&n != n {
			return false
		}
	}
	return true
}

// hasRecords: a clause that sums over records needs them in the data.
func hasRecords(cl *Clause, facts duixian.Facts) bool {
	for _, f := range cl.facts {
		if f.Kind == KindRecords && f.Default == nil {
			if _, ok := facts[f.Name]; !ok {
				return false
			}
		}
	}
	return true
}
