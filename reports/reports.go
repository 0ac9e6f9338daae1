// Package reports computes what officials read off the platform as a
// whole: the dashboard (统计), the statistics table the export prints, and
// 应享未享, the awards enterprises qualify for on their registry facts alone
// and have not applied for.
//
// The totals are added up from a summary of every application (its
// clause, status, amounts, consulted departments and time of approval),
// read in one statement, then kept up to date from the audit log: the
// applications it names as changed since are read again, a constant number
// of statements per view whatever the number of applications. 应享未享
// comes from the engine's batch matcher (package matching); matching every
// enterprise against every clause is the expensive part, so its result is
// kept for the day, and an enterprise the audit log names as changed is
// matched again alone. A dashboard is kept per scope until the next change.
//
// This rests on the project's rule that every change is audited in its own
// transaction with the application or the enterprise as subject. A change
// that bypasses the log is caught at once when it adds an application (the
// counts are checked), otherwise at the next audited change.
package reports

import (
	"slices"
	"sync"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Service computes reports. Its results are shared between callers and must
// not be modified.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
	// Now is the clock: 应享未享 is decided as of today in Beijing.
	Now func() time.Time

	// mu serialises the reports: a caller waits for the one bringing the
	// picture up to date rather than doing the same work again. It is taken
	// before any transaction, never inside one.
	mu         sync.Mutex
	ledger     *ledger
	dashboards dashboards
	match      *registryMatch
}

// New returns a service on db and cat with the system clock.
func New(db *sqldb.DB, cat *engine.Catalogue) *Service {
	return &Service{DB: db, Catalogue: cat, Now: time.Now}
}

// ScopeKind is which applications and clauses a report covers.
type ScopeKind int

const (
	// All is every application and every clause.
	All ScopeKind = iota
	// Responsible is the clauses a department is responsible for, and the
	// applications on them (a reviewer's).
	Responsible
	// Consulted is the applications a department was asked an opinion on
	// (a co-reviewer's), against every clause.
	Consulted
)

// Scope is whose view a report is.
type Scope struct {
	Kind       ScopeKind
	Department string
}

// ScopeOf is the scope of what u sees in the officials' lists: a reviewer
// the clauses of the department, a co-reviewer what the department was
// asked about, any other official everything.
func ScopeOf(u *duixian.User) Scope {
	switch u.Role {
	case duixian.RoleReviewer:
		return Scope{Kind: Responsible, Department: u.Department}
	case duixian.RoleCoReviewer:
		return Scope{Kind: Consulted, Department: u.Department}
	}
	return Scope{Kind: All}
}

// clause reports whether the scope counts clause cl in 应享未享 and among
// the clauses in force.
func (sc Scope) clause(cl *engine.Clause) bool {
	return sc.Kind != Responsible || cl.Responsible(sc.Department)
}

// sees reports whether the scope counts application a: the rule of the
// officials' lists (package http's offSees).
func (s *Service) sees(sc Scope, a *sqldb.ApplicationSummary) bool {
	switch sc.Kind {
	case Responsible:
		cl, ok := s.Catalogue.Clause(a.Clause)
		return ok && cl.Responsible(sc.Department)
	case Consulted:
		return slices.Contains(a.Consulted, sc.Department)
	}
	return true
}

// dashboards keeps the dashboards computed from one state of the ledger on
// one day, by scope; any change or a new day drops them all.
type dashboards struct {
	gen     int64
	today   duixian.Date
	cat     *engine.Catalogue
	byScope map[Scope]*Dashboard
}

func (s *Service) cached(gen int64, today duixian.Date, sc Scope) *Dashboard {
	c := &s.dashboards
	if c.gen != gen || c.today != today || c.cat != s.Catalogue {
		return nil
	}
	return c.byScope[sc]
}

func (s *Service) keep(gen int64, today duixian.Date, sc Scope, d *Dashboard) {
	c := &s.dashboards
	if c.gen != gen || c.today != today || c.cat != s.Catalogue {
		*c = dashboards{gen: gen, today: today, cat: s.Catalogue, byScope: map[Scope]*Dashboard{}}
	}
	c.byScope[sc] = d
}

func (s *Service) today() duixian.Date { return duixian.DateOf(s.Now()) }
