package reports_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/reports/reportstest"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// users are one official of each kind of scope: everything, a reviewing
// department's clauses (one with many clauses, one with few), a consulted
// department's applications.
func users(cat *engine.Catalogue) []*duixian.User {
	count := map[string]int{}
	for _, cl := range cat.Clauses() {
		for _, d := range cl.Departments() {
			count[d]++
		}
	}
	var depts []string
	for d := range count {
		depts = append(depts, d)
	}
	slices.SortFunc(depts, func(a, b string) int { return count[b] - count[a] })
	return []*duixian.User{
		{Name: "admin", Role: duixian.RoleAdmin},
		{Name: "supervisor", Role: duixian.RoleSupervisor},
		{Name: "big", Role: duixian.RoleReviewer, Department: depts[0]},
		{Name: "small", Role: duixian.RoleReviewer, Department: depts[len(depts)-1]},
		{Name: "nobody", Role: duixian.RoleReviewer, Department: "没有条款的部门"},
		{Name: "co", Role: duixian.RoleCoReviewer, Department: depts[0]},
		{Name: "co2", Role: duixian.RoleCoReviewer, Department: depts[1]},
	}
}

// TestDashboardAgreesWithOldCode: on a fixture of every status, opinions,
// payments, clawbacks, approvals logged in UTC and twice, and applications
// on a clause the catalogue no longer has, the reports give for every
// scope exactly the numbers and the 应享未享 list the page computed before.
func TestDashboardAgreesWithOldCode(t *testing.T) {
	cat := loadCatalogue(t)
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		reportstest.Populate(t, db, cat, today, 400, 1500, 3)
		svc := &reports.Service{DB: db, Catalogue: cat, Now: clock}
		for _, u := range users(cat) {
			t.Run(u.Name, func(t *testing.T) {
				want, err := oldDashboard(ctx, db, cat, u, today)
				if err != nil {
					t.Fatal(err)
				}
				got, err := svc.Dashboard(ctx, reports.ScopeOf(u))
				if err != nil {
					t.Fatal(err)
				}
				sameDashboard(t, got, want)
				if u.Role == duixian.RoleAdmin && (want.CountApproved == 0 || want.UnclaimedClauses == 0 || len(want.ByMonth) < 10 || want.Claw == 0) {
					t.Fatalf("the fixture exercises too little: %d approved, %d unclaimed, %d months, clawback %s",
						want.CountApproved, want.UnclaimedClauses, len(want.ByMonth), want.Claw)
				}
			})
		}
	})
}

func sameDashboard(t *testing.T, got, want *reports.Dashboard) {
	t.Helper()
	type totals struct {
		Approved, Paid, Claw                                            duixian.Money
		CountApproved, CountAll, UnclaimedClauses, Enterprises, InForce int
	}
	g := totals{got.Approved, got.Paid, got.Claw, got.CountApproved, got.CountAll, got.UnclaimedClauses, got.Enterprises, got.InForce}
	w := totals{want.Approved, want.Paid, want.Claw, want.CountApproved, want.CountAll, want.UnclaimedClauses, want.Enterprises, want.InForce}
	if g != w {
		t.Errorf("totals %+v, want %+v", g, w)
	}
	for _, c := range []struct {
		name      string
		got, want []reports.Stat
	}{{"by document", got.ByDocument, want.ByDocument}, {"by department", got.ByDepartment, want.ByDepartment},
		{"by month", got.ByMonth, want.ByMonth}, {"by stage", got.ByStage, want.ByStage}} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s:\n got %v\nwant %v", c.name, c.got, c.want)
		}
	}
	if len(got.Unclaimed) != len(want.Unclaimed) {
		t.Fatalf("%d enterprises in 应享未享, want %d", len(got.Unclaimed), len(want.Unclaimed))
	}
	bad := 0
	for i := range want.Unclaimed {
		if g, w := unclaimedLine(got.Unclaimed[i]), unclaimedLine(want.Unclaimed[i]); g != w && bad < 5 {
			bad++
			t.Errorf("应享未享 row %d:\n got %s\nwant %s", i, g, w)
		}
	}
}

// unclaimedLine is a row of 应享未享 as the page shows it.
func unclaimedLine(u reports.Unclaimed) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s amount %s missing %d:", u.USCC, u.Name, u.Amount, u.Missing)
	for _, m := range u.Clauses {
		fmt.Fprintf(&b, " %s|%s|%s|%s", m.Clause, m.Title, m.Document, m.Decision.Amount)
	}
	return b.String()
}
