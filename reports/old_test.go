package reports_test

import (
	"context"
	"sort"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
)

// oldDashboard is the dashboard as package http computed it before package
// reports existed (offDashboardPage): every application read, the audit
// log read once per approved one, every enterprise matched with the
// calculator on each view. It is kept here as the reference the reports
// must agree with.
func oldDashboard(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, u *duixian.User, today duixian.Date) (*reports.Dashboard, error) {
	sees := func(a *duixian.Application) bool { // offSees
		switch u.Role {
		case duixian.RoleReviewer:
			cl, ok := cat.Clause(a.Clause)
			return ok && cl.Responsible(u.Department)
		case duixian.RoleCoReviewer:
			for _, o := range a.Opinions {
				if o.Department == u.Department {
					return true
				}
			}
			return false
		}
		return true
	}
	v := &reports.Dashboard{}
	var ents []*duixian.Enterprise
	approvedAt := map[string]string{}
	var apps []*duixian.Application
	err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		if ents, err = tx.Enterprises(); err != nil {
			return err
		}
		all, err := tx.Applications(sqldb.ApplicationFilter{})
		if err != nil {
			return err
		}
		for _, a := range all {
			if a.Status == duixian.StatusDraft || !sees(a) {
				continue
			}
			apps = append(apps, a)
			if a.Approved > 0 {
				log, err := tx.AuditLog(a.ID)
				if err != nil {
					return err
				}
				for _, e := range log {
					if e.Action == "approve" {
						approvedAt[a.ID] = e.At
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byDoc, byDept, byMonth, byStage := map[string]*reports.Stat{}, map[string]*reports.Stat{}, map[string]*reports.Stat{}, map[string]*reports.Stat{}
	bump := func(m map[string]*reports.Stat, key, label string, amount duixian.Money) {
		st := m[key]
		if st == nil {
			st = &reports.Stat{Key: key, Label: label}
			m[key] = st
		}
		st.Count++
		st.Amount += amount
	}
	applied := map[string]bool{}
	for _, a := range apps {
		v.CountAll++
		applied[a.Enterprise+"|"+a.Clause] = true
		bump(byStage, string(a.Status), a.Status.Zh(), 0)
		v.Paid += a.Paid()
		v.Claw += a.Clawback
		switch a.Status {
		case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid:
		default:
			continue
		}
		v.CountApproved++
		v.Approved += a.Approved
		docKey, docLabel, dept := "?", "（未知文件）", "（未知）"
		if cl, ok := cat.Clause(a.Clause); ok {
			docKey, docLabel, dept = cl.Document.Short, cl.Document.Number, cl.Department
			if dept == "" {
				dept = "（未指定）"
			}
		}
		bump(byDoc, docKey, docLabel, a.Approved)
		bump(byDept, dept, dept, a.Approved)
		month := "（未知）"
		if at, ok := approvedAt[a.ID]; ok {
			if t, err := time.Parse(time.RFC3339Nano, at); err == nil {
				month = t.In(duixian.Shanghai).Format("2006-01")
			}
		}
		bump(byMonth, month, month, a.Approved)
	}
	sorted := func(m map[string]*reports.Stat, byKey bool) []reports.Stat {
		out := make([]reports.Stat, 0, len(m))
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
	v.ByDocument, v.ByDepartment, v.ByMonth = sorted(byDoc, false), sorted(byDept, false), sorted(byMonth, true)
	for _, st := range reports.Stages {
		if x := byStage[string(st)]; x != nil {
			v.ByStage = append(v.ByStage, *x)
		}
	}
	for _, m := range cat.MatchAll(duixian.Facts{}, today, today) {
		// The old code asked the calculator, which decides on the day it is
		// given; 免申即享 now leaves out a clause counting from the claim's
		// own event date (25号第十五条), which the registry cannot know.
		if cl, ok := cat.Clause(m.Clause); ok && cl.Pays() && !cl.CountsFromEvent() && (u.Role != duixian.RoleReviewer || cl.Responsible(u.Department)) {
			v.InForce++
		}
	}
	v.Enterprises = len(ents)
	for _, e := range ents {
		facts, err := cat.EnterpriseFacts(e, today)
		if err != nil {
			continue
		}
		row := reports.Unclaimed{USCC: e.USCC, Name: e.Name}
		for _, m := range cat.MatchAll(facts, today, today) {
			cl, ok := cat.Clause(m.Clause)
			if !ok || !cl.Pays() || cl.CountsFromEvent() || (u.Role == duixian.RoleReviewer && !cl.Responsible(u.Department)) {
				continue
			}
			switch {
			case m.Eligible() && !applied[e.USCC+"|"+m.Clause]:
				row.Clauses = append(row.Clauses, m)
				row.Amount += m.Decision.Amount
			case m.Decision == nil:
				row.Missing++
			}
		}
		v.UnclaimedClauses += len(row.Clauses)
		v.Unclaimed = append(v.Unclaimed, row)
	}
	sort.SliceStable(v.Unclaimed, func(i, j int) bool { return len(v.Unclaimed[i].Clauses) > len(v.Unclaimed[j].Clauses) })
	return v, nil
}

// oldStatistics is the statistics table as package registry computed it
// before package reports existed (ExportStatistics): every application
// read and grouped by its clause's document.
func oldStatistics(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue) (*reports.Statistics, error) {
	var apps []*duixian.Application
	err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		apps, err = tx.Applications(sqldb.ApplicationFilter{})
		return err
	})
	if err != nil {
		return nil, err
	}
	groups := map[string][]*duixian.Application{}
	for _, a := range apps {
		id := "—"
		if cl, ok := cat.Clause(a.Clause); ok {
			id = cl.Document.ID
		}
		groups[id] = append(groups[id], a)
	}
	totals := func(number, title string, apps []*duixian.Application) reports.Line {
		t := reports.Line{Number: number, Title: title, ByStatus: map[duixian.Status]int{}}
		for _, a := range apps {
			t.Count++
			t.ByStatus[a.Status]++
			switch a.Status {
			case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid:
				t.Approved += a.Approved
				t.Paid += a.Paid()
			case duixian.StatusRevoked:
				t.Clawback += a.Clawback
			}
		}
		return t
	}
	st := &reports.Statistics{}
	for _, d := range cat.Documents() {
		list := groups[d.ID]
		hasClauses := false
		for _, a := range d.Articles {
			hasClauses = hasClauses || len(a.Clauses) > 0
		}
		if len(list) == 0 && (d.Record || d.Source != "" || !hasClauses) {
			continue
		}
		st.Lines = append(st.Lines, totals(d.Number, d.Title, list))
		delete(groups, d.ID)
	}
	var other []*duixian.Application
	for _, g := range groups {
		other = append(other, g...)
	}
	if len(other) > 0 {
		st.Lines = append(st.Lines, totals("—", "其他（目录中已无该条款）", other))
	}
	st.Total = totals("", "", apps)
	return st, nil
}
