package engine

import (
	"slices"
	"strings"

	"github.com/etown/duixian"
)

// Derivation is how the platform answers a fact from its own records, so
// that no decision rests on what the applicant says of the platform's own
// ledger. The one source today is the award ledger:
//
//	derived: {from: ledger, clause: "7.1", per: enterprise}
//
// The fact is true when the enterprise holds or claims an award under the
// clause in another application (duixian.Status.Holds: from submission
// until it is rejected, withdrawn or revoked). That is how a once-only
// award (一次性奖励, e.g. 21号第七条（一）) is enforced: a second claim is
// refused while the first is still in review, not only after it is paid.
// per: project counts only applications for the same project (27号's
// one-off support is per project or per application).
type Derivation struct {
	From       string // "ledger" or "registry"
	Clause     string // the clause whose awards the fact reports, as a full id
	PerProject bool
	file       string
	line       int
}

// Zh says, for a form or a trace, where the value comes from.
func (d *Derivation) Zh() string {
	if d.From == "registry" {
		return "由平台根据登记记录确定"
	}
	return "由平台根据奖励台账确定"
}

func (l *loader) derivation(f *Fact, s *derivedSpec, hasDefault bool) *Derivation {
	d := &Derivation{From: s.From.Value, Clause: s.Clause.Value, file: l.file, line: s.From.Line}
	switch d.From {
	case "ledger":
	case "registry":
		// The registry's file (一企一档, which the 群雁 registry writes
		// to) answers; where it says nothing, the fact's default does,
		// never the applicant.
		if s.Clause.set() || s.Per.set() {
			l.errf(s.From.Line, "fact %s: a fact derived from the registry names no clause and no per", f.Name)
			return nil
		}
		if !hasDefault {
			l.errf(s.From.Line, "fact %s: a fact derived from the registry needs a default, the answer when the registry holds none", f.Name)
			return nil
		}
		return d
	default:
		l.errf(s.From.Line, "fact %s: derived.from %q is not a source the platform has (allowed: ledger, registry)", f.Name, d.From)
		return nil
	}
	if f.Kind != KindBool {
		l.errf(s.From.Line, "fact %s: a fact derived from the ledger says whether an award is held, so it must be a bool", f.Name)
		return nil
	}
	switch s.Per.Value {
	case "enterprise", "":
	case "project":
		d.PerProject = true
	default:
		l.errf(s.Per.Line, "fact %s: derived.per %q must be enterprise or project", f.Name, s.Per.Value)
		return nil
	}
	if d.Clause == "" {
		l.errf(s.From.Line, "fact %s: derived.clause must name the clause whose awards the fact reports", f.Name)
		return nil
	}
	if !strings.Contains(d.Clause, "/") {
		if f.Document == "" {
			l.errf(s.Clause.Line, "fact %s: a shared fact names its clause in full (document/clause)", f.Name)
			return nil
		}
		d.Clause = f.Document + "/" + d.Clause
	}
	return d
}

// resolveDerivations runs once every clause is compiled: a derivation
// naming no clause is a broken citation and fails the load.
func (l *loader) resolveDerivations() {
	for _, f := range l.cat.facts {
		if f.Derived == nil || f.Derived.From != "ledger" {
			continue
		}
		if _, ok := l.cat.byID[f.Derived.Clause]; !ok {
			l.errs = append(l.errs, LintError{File: f.Derived.file, Line: f.Derived.line,
				Msg: "fact " + f.Name + ": derived.clause " + f.Derived.Clause + " is not a clause of the catalogue"})
			continue
		}
		l.cat.ledgerFacts = append(l.cat.ledgerFacts, f)
	}
	slices.SortFunc(l.cat.ledgerFacts, func(a, b *Fact) int { return strings.Compare(a.Name, b.Name) })
}

// LedgerFacts answers every ledger-derived fact from held, the
// enterprise's applications other than the one being decided (those not
// holding an award are ignored); project is the claim's project, for facts
// held per project. Callers merge the result over the applicant's facts.
func (c *Catalogue) LedgerFacts(held []*duixian.Application, project string) duixian.Facts {
	facts := make(duixian.Facts, len(c.ledgerFacts))
	for _, f := range c.ledgerFacts {
		facts[f.Name] = c.Holder(f, held, project) != nil
	}
	return facts
}

// LedgerClauses lists the clauses the ledger's facts report on: the
// applications a decision must read to answer them.
func (c *Catalogue) LedgerClauses() []string {
	var out []string
	for _, f := range c.ledgerFacts {
		if !slices.Contains(out, f.Derived.Clause) {
			out = append(out, f.Derived.Clause)
		}
	}
	return out
}

// LedgerFactsOf lists the ledger-derived facts about awards under clause:
// the once-only rules a payment under it checks again.
func (c *Catalogue) LedgerFactsOf(clause string) []*Fact {
	var out []*Fact
	for _, f := range c.ledgerFacts {
		if f.Derived.Clause == clause {
			out = append(out, f)
		}
	}
	return out
}

// Holder is the first application in held that makes ledger fact f true,
// or nil.
func (c *Catalogue) Holder(f *Fact, held []*duixian.Application, project string) *duixian.Application {
	if f.Derived == nil {
		return nil
	}
	for _, a := range held {
		if a.Status.Holds() && a.Clause == f.Derived.Clause && (!f.Derived.PerProject || a.Project == project) {
			return a
		}
	}
	return nil
}
