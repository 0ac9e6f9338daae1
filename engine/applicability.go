package engine

import (
	"errors"
	"slices"

	"github.com/etown/duixian"
)

// Applicability is the one rule of which clauses apply to an enterprise.
// The policy calculator (MatchAll, /api/v1/match and its page), 免申即享
// (Batch, run by package matching) and the calculator's form all ask it,
// so they cannot consider different clauses.
//
// A clause applies to an enterprise for an event on EventDate, asked on
// AsOf, when
//
//  1. its document governs the event: Document.lifecycle finds nothing
//     against it, the same test by which Evaluate refuses. The document is
//     in force on AsOf (its in_force.from); the event is not after its end
//     (in_force.until), not before the first event it pays for
//     (events_from, else in_force.from), not left to a document it
//     supersedes (supersedes.events_until) and not on or after an
//     annulment (another document's annuls). Each is an article of the
//     documents concerned, cited when Evaluate refuses for it;
//  2. the document is not text still to be encoded (status: transcribed),
//     which may have no in_force to test. A record (kind: record, a
//     document outside the gazette) does apply: it is kept to decide the
//     claims its lifecycle still governs (28号 leaves events before
//     2025-11-28 to 155号);
//  3. the clause pays (Clause.Pays), when Paying is asked: 免申即享 and
//     应享未享 offer awards, not a 群雁 tier, an honour, a land path or a
//     land price; the calculator shows those too;
//  4. the clause is one of Only, when Only names any;
//  5. the enterprise is in the clause's zone (Clause.Zone, from the
//     document's zone: 21号第二条's 60平方公里范围), when its zones are
//     among the facts: no other fact could change that. Unknown zones are a
//     fact still needed (the zone condition reads them);
//  6. every fact the clause reads that has no default is among the facts.
//
// Parts 1–4 depend on the run, not on the enterprise, and are settled once
// per run; 5 and 6 are settled per enterprise. A clause that fails 1–5 is
// not shown. One that passes 1–5 and fails 6 is treated by what the caller
// can do: the calculator can ask, so it lists the clause with the facts
// still needed (Match.Missing); 免申即享 cannot, so it makes offers on
// complete facts only and leaves the clause out. A clause that passes all
// six is decided, eligible or a near miss (every fact known, some
// condition failed); if deciding it fails, it is reported as undecided
// (无法判定, Undecided) with the reason, never dropped.
type Applicability struct {
	EventDate, AsOf duixian.Date
	Paying          bool     // only clauses that pay (part 3)
	Only            []string // only these clauses, when any (part 4)
}

// admits is parts 1 and 2 of the rule, which concern the clause's document.
func (a Applicability) admits(d *Document) bool {
	return !d.transcribed && len(d.lifecycle(a.EventDate, a.AsOf)) == 0
}

// admitsClause is parts 3 and 4, for a clause whose document is admitted.
func (a Applicability) admitsClause(cl *Clause) bool {
	return (!a.Paying || cl.Pays()) && (len(a.Only) == 0 || slices.Contains(a.Only, cl.ID))
}

// Applicable lists the clauses that parts 1–5 of the rule let apply to an
// enterprise with these facts, in catalogue order: those the calculator
// decides or asks facts for. With no facts, the zone is not checked.
func (c *Catalogue) Applicable(a Applicability, facts duixian.Facts) []*Clause {
	zones, haveZones := zonesOf(facts)
	var out []*Clause
	for _, ap := range c.candidates(a) {
		if inZone(ap.cl, zones, haveZones) {
			out = append(out, ap.cl)
		}
	}
	return out
}

// candidate is a clause with what parts 5 and 6 of the rule read, made
// once per catalogue so that an enterprise is checked with a few bit tests.
type candidate struct {
	cl       *Clause
	need     []uint64 // the facts without a default, as bits of their slots
	records  []*Fact  // records facts without a default: they have no slot of their own
	defaults []*Fact  // bound to their default when the facts lack them
}

// candidates lists the clauses that parts 1–4 of the rule admit.
func (c *Catalogue) candidates(a Applicability) []*candidate {
	c.prepare.Do(func() {
		c.prepared = make([]candidate, len(c.clauses))
		for i, cl := range c.clauses {
			ap := candidate{cl: cl, need: make([]uint64, c.words())}
			for _, f := range cl.facts {
				switch {
				case f.Default != nil:
					ap.defaults = append(ap.defaults, f)
				case f.Kind == KindRecords:
					ap.records = append(ap.records, f)
				default:
					ap.need[f.slot/64] |= 1 << (f.slot % 64)
				}
			}
			c.prepared[i] = ap
		}
	})
	out := make([]*candidate, 0, len(c.prepared))
	var doc *Document
	admitted := false
	for i := range c.prepared {
		ap := &c.prepared[i]
		if d := ap.cl.Document; d != doc { // clauses come document by document: one lifecycle test each
			doc, admitted = d, a.admits(d)
		}
		if admitted && a.admitsClause(ap.cl) {
			out = append(out, ap)
		}
	}
	return out
}

// fit is what parts 5 and 6 of the rule say of a clause for one enterprise.
type fit uint8

const (
	elsewhere  fit = iota // not in the clause's zone: not for this enterprise
	needsFacts            // facts the clause needs are not known
	applies               // decide it
)

// fit settles parts 5 and 6 for an enterprise whose known facts are the
// bits of have (their slots) and, for records, the facts map.
func (ap *candidate) fit(have []uint64, facts duixian.Facts, zones []string, haveZones bool) fit {
	if !inZone(ap.cl, zones, haveZones) {
		return elsewhere
	}
	for i, n := range ap.need {
		if have[i]&n != n {
			return needsFacts
		}
	}
	for _, f := range ap.records {
		if _, ok := facts[f.Name]; !ok {
			return needsFacts
		}
	}
	return applies
}

// missing lists, in the clause's order, the facts part 6 still needs, as
// the calculator shows them.
func (ap *candidate) missing(have []uint64, facts duixian.Facts) []FactView {
	var out []FactView
	for _, f := range ap.cl.facts {
		switch {
		case f.Default != nil:
		case f.Kind == KindRecords:
			if _, ok := facts[f.Name]; !ok {
				out = append(out, f.view())
			}
		case have[f.slot/64]&(1<<(f.slot%64)) == 0:
			out = append(out, f.view())
		}
	}
	return out
}

// inZone is part 5 of the rule.
func inZone(cl *Clause, zones []string, haveZones bool) bool {
	return !haveZones || cl.Zone == "" || slices.Contains(zones, cl.Zone)
}

func zonesOf(facts duixian.Facts) ([]string, bool) {
	zones, ok := facts["zones"].([]string)
	return zones, ok
}

// words is the length of a bit set with one bit per slot.
func (c *Catalogue) words() int { return (c.nslots + 63) / 64 }

// known is the bit set of the facts given, by slot. A name the catalogue
// does not know sets nothing (Evaluate binds only a clause's own facts);
// records are looked up by name (candidate.records).
func (c *Catalogue) known(facts duixian.Facts) []uint64 {
	have := make([]uint64, c.words())
	for name := range facts {
		if f, ok := c.facts[name]; ok && f.Kind != KindRecords {
			have[f.slot/64] |= 1 << (f.slot % 64)
		}
	}
	return have
}

// Undecided is a clause that applies but could not be decided (无法判定):
// a fact it reads has a type or value it cannot take, or one of its rules
// fails on these facts (a division by zero: a fault of the catalogue to
// report). It is reported with the clause, never dropped.
type Undecided struct {
	Clause   string `json:"clause"`
	Title    string `json:"title"`
	Document string `json:"document"`
	Field    string `json:"field,omitempty"` // the fact at fault, or the clause
	Zh       string `json:"message_zh"`
	En       string `json:"message_en"`
}

// String is the reason in both languages, for a log or a list.
func (u Undecided) String() string { return u.Clause + " " + u.Zh + " / " + u.En }

func undecided(cl *Clause, err error) Undecided {
	u := Undecided{Clause: cl.ID, Title: cl.Title, Document: cl.Document.Number, Field: cl.ID}
	var e *duixian.Error
	if errors.As(err, &e) {
		if e.Field != "" {
			u.Field = e.Field
		}
		u.Zh, u.En = "无法判定："+e.Zh, "cannot be decided: "+e.En
		return u
	}
	u.Zh, u.En = "无法判定：按条款规则计算时出错（"+err.Error()+"）", "cannot be decided: evaluating the clause's rules failed ("+err.Error()+")"
	return u
}
