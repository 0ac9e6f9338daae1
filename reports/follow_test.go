package reports_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/reports/reportstest"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// TestStatisticsAgreesWithOldCode: the statistics table's lines and total
// are the ones the export computed before, drafts and applications on a
// clause the catalogue no longer has included.
func TestStatisticsAgreesWithOldCode(t *testing.T) {
	cat := loadCatalogue(t)
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		reportstest.Populate(t, db, cat, today, 200, 1200, 4)
		want, err := oldStatistics(ctx, db, cat)
		if err != nil {
			t.Fatal(err)
		}
		got, err := reports.New(db, cat).Statistics(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("statistics\n got %+v\nwant %+v", got, want)
		}
		if last := want.Lines[len(want.Lines)-1]; last.Number != "—" || want.Total.ByStatus[duixian.StatusDraft] == 0 || want.Total.Clawback == 0 {
			t.Fatalf("the fixture exercises too little: %+v", want.Total)
		}
	})
}

// TestDashboardFollowsChanges: a dashboard is kept while nothing changes,
// and after each kind of change (applications approved, paid and revoked;
// an enterprise banned; an application written without an audit entry; a
// new day) it is again exactly what the old code computes.
func TestDashboardFollowsChanges(t *testing.T) {
	cat := loadCatalogue(t)
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		reportstest.Populate(t, db, cat, today, 150, 400, 8)
		now := clock()
		svc := &reports.Service{DB: db, Catalogue: cat, Now: func() time.Time { return now }}
		users := users(cat)
		check := func(t *testing.T, what string) {
			t.Helper()
			for _, u := range users {
				want, err := oldDashboard(ctx, db, cat, u, duixian.DateOf(now))
				if err != nil {
					t.Fatal(err)
				}
				got, err := svc.Dashboard(ctx, reports.ScopeOf(u))
				if err != nil {
					t.Fatal(err)
				}
				t.Run(what+"/"+u.Name, func(t *testing.T) { sameDashboard(t, got, want) })
			}
		}
		check(t, "first")
		all := reports.Scope{Kind: reports.All}
		first, _ := svc.Dashboard(ctx, all)
		if again, _ := svc.Dashboard(ctx, all); again != first {
			t.Error("nothing changed, yet the dashboard was computed again")
		}

		officer := duixian.Actor{User: "officer", Role: duixian.RoleAdmin}
		at := now.Format(time.RFC3339Nano)
		write := func(f func(tx *sqldb.Tx) error) {
			t.Helper()
			if err := db.Tx(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		// Approve a submitted application for an amount, pay an approved
		// one, revoke a paid one: each audited.
		write(func(tx *sqldb.Tx) error {
			for _, c := range []struct {
				from, to duixian.Status
				action   string
			}{{duixian.StatusPublicity, duixian.StatusApproved, "approve"}, {duixian.StatusApproved, duixian.StatusPaid, "disburse"}, {duixian.StatusPaid, duixian.StatusRevoked, "revoke"}} {
				list, err := tx.Applications(sqldb.ApplicationFilter{Status: c.from, Limit: 1})
				if err != nil || len(list) == 0 {
					t.Fatalf("no %s application: %v", c.from, err)
				}
				a := list[0]
				switch c.to {
				case duixian.StatusApproved:
					a.Approved = 1234500
				case duixian.StatusPaid:
					a.Payments = append(a.Payments, duixian.Payment{Tranche: 1, Amount: a.Approved, At: now, By: "treasury"})
				case duixian.StatusRevoked:
					a.Clawback = a.Paid()
				}
				a.Status = c.to
				if err := tx.PutApplication(a); err != nil {
					return err
				}
				if err := tx.Audit(duixian.AuditEntry{At: at, Actor: officer, Action: c.action, Subject: a.ID}); err != nil {
					return err
				}
			}
			return nil
		})
		if d, _ := svc.Dashboard(ctx, all); d == first {
			t.Error("applications changed, yet the dashboard was kept")
		}
		check(t, "applications")

		// Ban the enterprises that qualify for the most on their files: their
		// 应享未享 under the banning documents goes.
		write(func(tx *sqldb.Tx) error {
			for _, row := range first.Unclaimed[:5] {
				if len(row.Clauses) == 0 {
					continue
				}
				e, err := tx.Enterprise(row.USCC, true)
				if err != nil {
					return err
				}
				cl, _ := cat.Clause(row.Clauses[0].Clause)
				e.Bans = append(e.Bans, duixian.Ban{Document: cl.Document.ID, From: duixian.DateOf(now), Until: duixian.DateOf(now).AddDays(1000)})
				if err := tx.PutEnterprise(e); err != nil {
					return err
				}
				if err := tx.Audit(duixian.AuditEntry{At: at, Actor: officer, Action: "ban", Subject: e.USCC}); err != nil {
					return err
				}
			}
			return nil
		})
		check(t, "enterprises")

		// An application written without its audit entry (a bug elsewhere,
		// or a tool): the count does not add up, so everything is read again.
		write(func(tx *sqldb.Tx) error {
			a := &duixian.Application{ID: "A-unaudited", Enterprise: first.Unclaimed[0].USCC, Clause: first.Unclaimed[0].Clauses[0].Clause,
				Year: 2026, EventDate: duixian.DateOf(now), Status: duixian.StatusApproved, Approved: 500000, Created: now, Updated: now}
			return tx.PutApplication(a)
		})
		check(t, "unaudited")

		// A new day.
		now = now.Add(400 * 24 * time.Hour)
		check(t, "next year")
	})
}
