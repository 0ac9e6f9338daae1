package reports

import (
	"context"
	"sort"
	"time"

	"github.com/etown/duixian"
)

// Stat is one row of a dashboard table.
type Stat struct {
	Key, Label string
	Count      int
	Amount     duixian.Money
}

// Dashboard is what the 统计 page shows for one scope. Drafts are not
// counted: they are the enterprise's, not yet the government's.
type Dashboard struct {
	Approved      duixian.Money // approved, paying and paid; revocations excluded
	Paid          duixian.Money // every payment made, revoked applications' included
	Claw          duixian.Money // booked for clawback
	CountApproved int
	CountAll      int
	ByDocument    []Stat // approved amounts, largest first
	ByDepartment  []Stat // approved amounts, largest first
	ByMonth       []Stat // approved amounts by month of approval (Beijing time)
	ByStage       []Stat // applications by status, in the workflow's order
	// 应享未享, an enterprise a row, those with the most clauses first.
	Unclaimed        []Unclaimed
	UnclaimedClauses int
	Enterprises      int      // registered, files that cannot be read included
	InForce          int      // clauses in force that pay and 免申即享 can decide (engine.NewBatch), in scope
	Unreadable       []string // enterprises whose file could not be matched, with why
}

// Stages is the order of the workflow's statuses on the dashboard.
var Stages = []duixian.Status{duixian.StatusSubmitted, duixian.StatusReturned, duixian.StatusReviewed, duixian.StatusAssessed,
	duixian.StatusProposed, duixian.StatusPublicity, duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid,
	duixian.StatusRejected, duixian.StatusWithdrawn, duixian.StatusRevoked}

// approvedStatus: the statuses whose approved amount counts.
func approvedStatus(st duixian.Status) bool {
	return st == duixian.StatusApproved || st == duixian.StatusPaying || st == duixian.StatusPaid
}

// Dashboard computes the dashboard for a scope, or returns the one computed
// since the last write today. The store is asked a constant number of
// questions, however many applications and enterprises there are, and the
// registry is matched again only when an enterprise's file changed or the
// day did.
func (s *Service) Dashboard(ctx context.Context, sc Scope) (*Dashboard, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.refresh(ctx)
	if err != nil {
		return nil, err
	}
	today := s.today()
	if d := s.cached(l.gen, today, sc); d != nil {
		return d, nil
	}
	m, err := s.registryMatch(ctx, today, l)
	if err != nil {
		return nil, err
	}
	d, applied := s.totals(l, sc)
	m.unclaimed(d, sc, applied)
	s.keep(l.gen, today, sc, d)
	return d, nil
}

// totals fills the dashboard's counts and amounts from the applications in
// scope, and says which clauses each enterprise applied for.
func (s *Service) totals(l *ledger, sc Scope) (*Dashboard, map[applied]bool) {
	d := &Dashboard{}
	did := map[applied]bool{}
	byDoc, byDept, byMonth, byStage := map[string]*Stat{}, map[string]*Stat{}, map[string]*Stat{}, map[string]*Stat{}
	add := func(m map[string]*Stat, key, label string, amount duixian.Money) {
		st := m[key]
		if st == nil {
			st = &Stat{Key: key, Label: label}
			m[key] = st
		}
		st.Count++
		st.Amount += amount
	}
	for _, a := range l.apps {
		if a.Status == duixian.StatusDraft || !s.sees(sc, a) {
			continue
		}
		d.CountAll++
		did[applied{a.Enterprise, a.Clause}] = true
		add(byStage, string(a.Status), a.Status.Zh(), 0)
		d.Paid += a.Paid
		d.Claw += a.Clawback
		if !approvedStatus(a.Status) {
			continue
		}
		d.CountApproved++
		d.Approved += a.Approved
		docKey, docLabel, dept := "?", "（未知文件）", "（未知）"
		if cl, ok := s.Catalogue.Clause(a.Clause); ok {
			docKey, docLabel, dept = cl.Document.Short, cl.Document.Number, cl.Department
			if dept == "" {
				dept = "（未指定）"
			}
		}
		add(byDoc, docKey, docLabel, a.Approved)
		add(byDept, dept, dept, a.Approved)
		month := "（未知）"
		// The log is read for an application with an approved amount.
		if a.ApprovedAt != "" && a.Approved > 0 {
			if t, err := time.Parse(time.RFC3339Nano, a.ApprovedAt); err == nil {
				month = t.In(duixian.Shanghai).Format("2006-01")
			}
		}
		add(byMonth, month, month, a.Approved)
	}
	d.ByDocument, d.ByDepartment, d.ByMonth = sorted(byDoc, false), sorted(byDept, false), sorted(byMonth, true)
	for _, st := range Stages {
		if x := byStage[string(st)]; x != nil {
			d.ByStage = append(d.ByStage, *x)
		}
	}
	return d, did
}

// applied is an enterprise and a clause it applied for.
type applied struct{ enterprise, clause string }

// sorted lists a table's rows, by key or largest amount first.
func sorted(m map[string]*Stat, byKey bool) []Stat {
	out := make([]Stat, 0, len(m))
	for _, st := range m {
		out = append(out, *st)
	}
	sort.Slice(out, func(i, j int) bool {
		if !byKey && out[i].Amount != out[j].Amount {
			return out[i].Amount > out[j].Amount
		}
		return out[i].Key < out[j].Key
	})
	return out
}
