package qunyan_test

import (
	"encoding/json"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// Facts read as people read them: money in 万元 exactly, enum labels, 是/否.
func TestShow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		profit, _ := cat.Fact("qunyan_net_profit_y1")
		zones, _ := cat.Fact("zones")
		penalty, _ := cat.Fact("major_penalty_3y")
		for _, tc := range []struct {
			raw, want string
		}{{`"12345678.9"`, "1234.56789万元"}, {`-20000`, "-2万元"}, {`"三百万"`, "三百万"}} {
			if got := qunyan.Show(profit, json.RawMessage(tc.raw)); got != tc.want {
				t.Errorf("%s: %q, want %q", tc.raw, got, tc.want)
			}
		}
		if got := qunyan.Show(zones, json.RawMessage(`["core-60"]`)); got != "经开区60平方公里范围" {
			t.Errorf("zones: %q", got)
		}
		if got := qunyan.Show(penalty, json.RawMessage(`false`)); got != "否" {
			t.Errorf("bool: %q", got)
		}
		// Who admits and who re-checks: 商务金融局; and supervision and
		// administrators re-check.
		dept := duixian.Actor{Role: duixian.RoleReviewer, Department: e.q.Department()}
		other := duixian.Actor{Role: duixian.RoleReviewer, Department: "宣传文化部"}
		sup := duixian.Actor{Role: duixian.RoleSupervisor}
		if !e.q.Admits(dept) || e.q.Admits(other) || e.q.Admits(sup) || !e.q.MayRecheck(dept) || !e.q.MayRecheck(sup) || e.q.MayRecheck(other) {
			t.Error("admits / re-checks")
		}
		if _, _, err := e.q.Registered(ctx, "91110302MA01NONE1X"); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Errorf("an unregistered enterprise: %v", err)
		}
	})
}
