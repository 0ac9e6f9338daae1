package engine

import "github.com/etown/duixian"

// Bound is a set of facts whose names were resolved once, so that the
// decisions made on them find each fact by its number instead of looking
// its name up in a map: the policy calculator decides one enterprise's
// facts on every clause, and each lookup costs about as much as a
// condition. A decision still checks every fact the clause reads (given or
// defaulted, its type, its bounds) exactly as Evaluate does. A Bound is
// read-only and safe for concurrent use.
type Bound struct {
	cat   *Catalogue
	facts duixian.Facts
	vals  []any // by Fact.number
	given []bool
}

// Bind resolves the names of facts for the decisions to be made on them.
// A name the catalogue does not know is left out, as Evaluate leaves it;
// a value of the wrong type is refused by the decisions that read it. The
// map must not change while the Bound is in use: decisions read its
// records and name its values when facts contradict each other.
func (c *Catalogue) Bind(facts duixian.Facts) *Bound {
	b := &Bound{cat: c, facts: facts, vals: make([]any, len(c.facts)), given: make([]bool, len(c.facts))}
	for name, v := range facts {
		if f, ok := c.facts[name]; ok {
			b.vals[f.number], b.given[f.number] = v, true
		}
	}
	return b
}

// Evaluate is Catalogue.Evaluate of the claim on the bound facts; the
// claim's own Facts are not read.
func (b *Bound) Evaluate(claim duixian.Claim, opt Options) (duixian.Decision, error) {
	c := b.cat
	cl, err := c.clauseOf(claim)
	if err != nil {
		return duixian.Decision{}, err
	}
	claim.Facts = b.facts
	frame := c.frame()
	defer c.frames.Put(frame)
	vals := *frame
	for _, f := range cl.facts {
		if err := f.bind(b.vals[f.number], b.given[f.number], vals); err != nil {
			return duixian.Decision{}, err
		}
	}
	return c.decide(cl, claim, vals, opt)
}
