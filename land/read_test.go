package land_test

import (
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// A case's list row and page: the holder's name, what each reader has to
// do, the facts as people read them, and the audit log for officials only.
func TestListAndDetail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db, "2026-03-02")
		c := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-0815", Facts: facts(t, "")}))
		rows, err := w.s.List(ctx, w.holder)
		if err != nil || len(rows) != 1 || rows[0].Name != "亦庄精密制造有限公司" || len(rows[0].Todo) != 1 {
			t.Fatalf("the holder's list: %v %+v", err, rows)
		}
		if rows, _ := w.s.List(ctx, w.other); len(rows) != 0 {
			t.Fatalf("another enterprise lists %d cases", len(rows))
		}
		// Withdrawing is open to the holder but no work waiting.
		for _, r := range rows[0].Todo {
			if r == "撤回申请" {
				t.Errorf("withdrawal listed as work to do: %v", rows[0].Todo)
			}
		}
		if rows, _ := w.s.List(ctx, w.planning); len(rows) != 1 || len(rows[0].Todo) != 0 {
			t.Fatalf("规自分局 has work before the plan is in: %+v", rows)
		}

		d, err := w.s.Detail(ctx, w.holder, c.ID)
		if err != nil || d.Name != "亦庄精密制造有限公司" || d.Log != nil || len(d.Actions) == 0 {
			t.Fatalf("the holder's page: %v %+v", err, d)
		}
		var zones, far *land.FactRow
		for i, f := range d.Facts {
			switch f.Label {
			case land.PlotZones:
				zones = &d.Facts[i]
			case "现状容积率":
				far = &d.Facts[i]
			}
		}
		if zones == nil || zones.Value != "亦庄新城225平方公里范围" || (far != nil && far.Value != "1.0") {
			t.Fatalf("facts: %+v", d.Facts)
		}
		if d, err := w.s.Detail(ctx, w.planning, c.ID); err != nil || len(d.Log) != 1 || d.Log[0].Subject != c.ID {
			t.Fatalf("规自分局's page: %v %+v", err, d)
		}
		if _, err := w.s.Detail(ctx, w.other, c.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another enterprise read the case: %v", err)
		}
	})
}
