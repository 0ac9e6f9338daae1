package reports

import (
	"context"
	"sort"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
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
	InForce          int      // clauses in force that pay, in scope
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
// since the last write today. The store is asked four aggregate questions,
// however many applications and enterprises there are, and the registry is
// matched again only when an enterprise's file changed or the day did.
func (s *Service) Dashboard(ctx context.Context, sc Scope) (*Dashboard, error) {
	today := s.today()
	var (
		d         *Dashboard
		seq       int64
		totals    []sqldb.ApplicationTotal
		approvals []sqldb.ApprovalTotal
		applied   []sqldb.AppliedClause
		registry  sqldb.EnterprisesVersion
	)
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		// The version first: data read after it is at least as new, so a
		// dashboard is never kept under a version newer than its data.
		if seq, err = tx.ReportVersion(); err != nil {
			return err
		}
		if d = s.cached(seq, today, sc); d != nil {
			return nil
		}
		rs := s.store(sc)
		if registry, err = tx.EnterprisesVersion(); err != nil {
			return err
		}
		if totals, err = tx.ApplicationTotals(rs); err != nil {
			return err
		}
		if approvals, err = tx.ApprovalTotals(rs); err != nil {
			return err
		}
		applied, err = tx.AppliedClauses(rs)
		return err
	})
	if err != nil || d != nil {
		return d, err
	}
	m, err := s.registryMatch(ctx, today, registry)
	if err != nil {
		return nil, err
	}
	d = s.totals(totals, approvals)
	m.unclaimed(d, sc, applied)
	s.keep(seq, today, sc, d)
	return d, nil
}

// totals fills the dashboard's counts and amounts.
func (s *Service) totals(totals []sqldb.ApplicationTotal, approvals []sqldb.ApprovalTotal) *Dashboard {
	d := &Dashboard{}
	byDoc, byDept, byMonth, byStage := map[string]*Stat{}, map[string]*Stat{}, map[string]*Stat{}, map[string]*Stat{}
	add := func(m map[string]*Stat, key, label string, count int, amount duixian.Money) {
		st := m[key]
		if st == nil {
			st = &Stat{Key: key, Label: label}
			m[key] = st
		}
		st.Count += count
		st.Amount += amount
	}
	for _, t := range totals {
		if t.Status == duixian.StatusDraft {
			continue
		}
		d.CountAll += t.Count
		add(byStage, string(t.Status), t.Status.Zh(), t.Count, 0)
		d.Paid += t.Paid
		d.Claw += t.Clawback
		if !approvedStatus(t.Status) {
			continue
		}
		d.CountApproved += t.Count
		d.Approved += t.Approved
		docKey, docLabel, dept := "?", "（未知文件）", "（未知）"
		if cl, ok := s.Catalogue.Clause(t.Clause); ok {
			docKey, docLabel, dept = cl.Document.Short, cl.Document.Number, cl.Department
			if dept == "" {
				dept = "（未指定）"
			}
		}
		add(byDoc, docKey, docLabel, t.Count, t.Approved)
		add(byDept, dept, dept, t.Count, t.Approved)
	}
	for _, a := range approvals {
		month := "（未知）"
		if a.At != "" {
			if t, err := time.Parse(time.RFC3339Nano, a.At); err == nil {
				month = t.In(duixian.Shanghai).Format("2006-01")
			}
		}
		add(byMonth, month, month, a.Count, a.Approved)
	}
	d.ByDocument, d.ByDepartment, d.ByMonth = sorted(byDoc, false), sorted(byDept, false), sorted(byMonth, true)
	for _, st := range Stages {
		if x := byStage[string(st)]; x != nil {
			d.ByStage = append(d.ByStage, *x)
		}
	}
	return d
}

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
