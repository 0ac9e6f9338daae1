// Package reports computes what officials read off the platform as a
// whole: the dashboard (统计), the statistics table the export prints, and
// 应享未享, the awards enterprises qualify for on their registry facts alone
// and have not applied for.
//
// Totals come from aggregate queries (package sqldb, a constant number of
// statements whatever the number of applications); 应享未享 comes from the
// engine's batch matcher (package matching). Matching every enterprise
// against every clause is the expensive part, so its result is kept while
// the registry and the date stay the same, and a dashboard is kept while
// nothing was written (the audit chain's last entry has not moved).
package reports

import (
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

	mu         sync.Mutex
	dashboards dashboards

	// matchMu lets one caller run the match while the others wait for its
	// result instead of running it again.
	matchMu sync.Mutex
	match   *registryMatch
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

// clauses reports whether the scope counts clause cl in 应享未享 and in
// force.
func (sc Scope) clause(cl *engine.Clause) bool {
	return sc.Kind != Responsible || cl.Department == sc.Department
}

// store is the scope as the store's queries take it.
func (s *Service) store(sc Scope) sqldb.ReportScope {
	switch sc.Kind {
	case Responsible:
		ids := []string{}
		for _, cl := range s.Catalogue.Clauses() {
			if cl.Department == sc.Department {
				ids = append(ids, cl.ID)
			}
		}
		return sqldb.ReportScope{Clauses: ids}
	case Consulted:
		return sqldb.ReportScope{Opinion: sc.Department}
	}
	return sqldb.ReportScope{}
}

// dashboards keeps the dashboards computed at one audit version on one
// day, by scope; any write or a new day drops them all.
type dashboards struct {
	seq     int64
	today   duixian.Date
	cat     *engine.Catalogue
	byScope map[Scope]*Dashboard
}

func (s *Service) cached(seq int64, today duixian.Date, sc Scope) *Dashboard {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.dashboards
	if c.seq != seq || c.today != today || c.cat != s.Catalogue {
		return nil
	}
	return c.byScope[sc]
}

func (s *Service) keep(seq int64, today duixian.Date, sc Scope, d *Dashboard) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := &s.dashboards
	if c.seq != seq || c.today != today || c.cat != s.Catalogue {
		if seq < c.seq && c.today == today {
			return // a slower caller computed an older version: keep the newer
		}
		*c = dashboards{seq: seq, today: today, cat: s.Catalogue, byScope: map[Scope]*Dashboard{}}
	}
	c.byScope[sc] = d
}

func (s *Service) today() duixian.Date { return duixian.DateOf(s.Now()) }
