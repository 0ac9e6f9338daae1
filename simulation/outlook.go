package simulation

import (
	"context"
	"maps"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// applicationPage is how many applications are read at a time.
const applicationPage = 500

// applications decides last year's applications (the year before the
// simulation's date; past draft, not withdrawn) again under both
// catalogues, each with the facts the applicant gave and the platform's
// over them, as at submission, on its own event date.
func (s *state) applications(ctx context.Context, db *sqldb.DB) error {
	after := ""
	for {
		var apps []*duixian.Application
		ents := map[string]*duixian.Enterprise{}
		err := db.Read(ctx, func(tx *sqldb.Tx) error {
			var err error
			if apps, err = tx.Applications(sqldb.ApplicationFilter{NoDrafts: true, After: after, Limit: applicationPage}); err != nil {
				return err
			}
			var usccs []string
			for _, a := range apps {
				if a.Year == s.lastYear {
					usccs = append(usccs, a.Enterprise)
				}
			}
			es, err := tx.EnterprisesIn(usccs)
			for _, e := range es {
				ents[e.USCC] = e
			}
			return err
		})
		if err != nil {
			return err
		}
		for _, a := range apps {
			if a.Year != s.lastYear || a.Status == duixian.StatusWithdrawn || !s.pays(a.Clause) {
				continue
			}
			row := s.clause(a.Clause)
			row.Applications++
			bd, berr := decideAgain(s.base, a, ents[a.Enterprise], s.o.AsOf)
			rd, rerr := decideAgain(s.reform, a, ents[a.Enterprise], s.o.AsOf)
			if berr != nil || rerr != nil {
				row.AppliedUndecided++
				continue
			}
			row.AppliedBaseline += bd
			row.AppliedReform += rd
		}
		if len(apps) < applicationPage {
			return nil
		}
		after = sqldb.Cursor(apps[len(apps)-1])
	}
}

// pays reports whether the clause pays under either catalogue: the
// report's rows are the paying clauses (a 群雁 tier has none).
func (s *state) pays(id string) bool {
	bc, inBase := s.base.Clause(id)
	rc, inReform := s.reform.Clause(id)
	return inBase && bc.Pays() || inReform && rc.Pays()
}

// decideAgain is what the application would be awarded under cat: zero
// when refused, an error when it cannot be decided (its clause is gone,
// a fact it gave is unknown to cat).
func decideAgain(cat *engine.Catalogue, a *duixian.Application, e *duixian.Enterprise, asOf duixian.Date) (duixian.Money, error) {
	if _, ok := cat.Clause(a.Clause); !ok {
		return 0, nil
	}
	facts, err := cat.DecodeJSONFacts("facts", a.Facts)
	if err != nil {
		return 0, err
	}
	if e != nil {
		known, err := cat.EnterpriseFacts(e, asOf)
		if err != nil {
			return 0, err
		}
		maps.Copy(facts, known)
	}
	d, err := cat.Evaluate(duixian.Claim{Clause: a.Clause, EventDate: a.EventDate, AsOf: asOf, Project: a.Project, Facts: facts}, engine.Options{})
	if err != nil || !d.Eligible {
		return 0, err
	}
	return d.Amount, nil
}

// outlook sets each clause's expected spend next year: its total now,
// under each catalogue, times last year's take-up (applications ÷
// eligible now under the law in force, at most all). A clause without
// that history takes the catalogue's take-up; rounded down to the fen.
func (s *state) outlook() {
	apps, eligible := 0, 0
	for _, c := range s.clauses {
		if c.Baseline.Eligible > 0 {
			apps += min(c.Applications, c.Baseline.Eligible)
			eligible += c.Baseline.Eligible
		}
	}
	for _, c := range s.clauses {
		num, den, assumed := min(c.Applications, c.Baseline.Eligible), c.Baseline.Eligible, false
		if den == 0 {
			num, den, assumed = apps, eligible, true
		}
		if den == 0 {
			c.Outlook = Outlook{Assumed: true}
			continue
		}
		c.Outlook = Outlook{TakeUpPermille: num * 1000 / den, Assumed: assumed,
			Baseline: c.Baseline.Total.Share(duixian.Money(num), duixian.Money(den)),
			Reform:   c.Reform.Total.Share(duixian.Money(num), duixian.Money(den))}
	}
}
