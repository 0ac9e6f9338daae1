package notify_test

import (
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// A land case (20号): 规自分局 is told a plan waits for its review, the
// holder of each official's step on its case, with a return's reason;
// nobody is told of what they did themselves.
func TestLandCaseIsTold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := setup(t, db)
		planner := duixian.User{Name: "gz.reviewer", Role: duixian.RoleReviewer, Department: land.DeptPlanning}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.PutUser(&planner) }); err != nil {
			t.Fatal(err)
		}
		gz := planner.Actor("")
		ls := land.New(db, cat)
		ls.Now = w.clk.Now
		c, err := ls.Start(ctx, w.staff, land.StartInput{Plot: "YZ-0815", Facts: []byte(`{"zones":["yizhuang-225"],"land_sold":true,"land_current_use":"M1",
"land_plan_consistent":true,"land_volume_transfer":true,"land_change_of_use":false,"land_urban_renewal":false,"land_industry_supported":true,
"land_industry_approved":true,"land_far_current":"1.0","land_far_planned":"1.5","land_block_baseline_far":"2.0"}`)})
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() (*land.Case, error){
			func() (*land.Case, error) {
				return ls.SubmitPlan(ctx, w.staff, c.ID, land.PlanInput{Title: "YZ-0815地块规划综合实施方案"})
			},
			func() (*land.Case, error) { return ls.Return(ctx, gz, c.ID, "容积率测算依据不足") },
		} {
			if _, err := step(); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := w.n.Derive(ctx); err != nil {
			t.Fatal(err)
		}
		got := inbox(t, w.n, planner.Name)
		if len(got) != 1 || got[0].Title != "地块规划综合实施方案待审核：YZ-0815" || !strings.Contains(got[0].Body, "亦城书房") || got[0].Link != "/land/cases/"+c.ID {
			t.Fatalf("规自分局 was told %q", titles(got))
		}
		for _, user := range []string{"shop.manager", "shop.clerk"} {
			got := inbox(t, w.n, user)
			if len(got) != 1 || got[0].Title != "地块办理进展：YZ-0815 · 退回修改方案" || !strings.Contains(got[0].Body, "容积率测算依据不足") || got[0].Link != "/land/cases/"+c.ID {
				t.Fatalf("%s was told %q", user, titles(got))
			}
		}
		for _, user := range []string{"other.staff", culture.User, finance.User} {
			if got := inbox(t, w.n, user); len(got) != 0 {
				t.Fatalf("%s was told %q", user, titles(got))
			}
		}
	})
}
