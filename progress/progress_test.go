package progress

import (
	"testing"

	"github.com/etown/duixian"
)

// A returned application stands, warned, at the preliminary review; a
// withdrawn one is off the path.
func TestStages(t *testing.T) {
	s := Stages(duixian.StatusReturned)
	if s[0].Class != "done" || s[1].Class != "current warn" || s[2].Class != "todo" {
		t.Errorf("returned: %v", s)
	}
	for _, st := range Stages(duixian.StatusWithdrawn) {
		if st.Class != "off" {
			t.Errorf("withdrawn: %v", st)
		}
	}
	if paid := Stages(duixian.StatusPaid); paid[len(paid)-1].Class != "done" {
		t.Errorf("paid: %v", paid)
	}
}

// The timeline is in time order whatever the log's order, each payment is
// told with its own tranche, and an official's refused attempt is not
// shown to the applicant.
func TestTimeline(t *testing.T) {
	a := &duixian.Application{Enterprise: "E", Status: duixian.StatusPaying,
		Payments: []duixian.Payment{{Tranche: 1, Amount: 300000 * duixian.Yuan}, {Tranche: 2, Amount: 300000 * duixian.Yuan}}}
	fin := duixian.Actor{Role: duixian.RoleFinance, Department: "财政国资局"}
	log := []duixian.AuditEntry{
		{At: "2026-03-25T10:00:00+08:00", Actor: fin, Action: "disburse"},
		{At: "2026-03-26T10:00:00+08:00", Actor: fin, Action: "disburse"},
		{At: "2026-03-20T10:00:00+08:00", Actor: fin, Action: "denied:disburse", After: "条件尚未满足 / not yet"},
		{At: "2026-03-01T10:00:00+08:00", Actor: duixian.Actor{Role: duixian.RoleEnterprise, Enterprise: "E", User: "u"}, Action: "create"},
	}
	ev := timeline(a, log)
	if len(ev) != 3 || ev[0].Title != "创建申报草稿" || ev[0].Who != "本企业经办人（u）" {
		t.Fatalf("timeline %+v", ev)
	}
	if ev[1].Lines[0] != "第1笔 30.00万元（300000.00元）" || ev[2].Lines[0] != "第2笔 30.00万元（300000.00元）" || ev[2].Who != "财政国资局（拨付）" {
		t.Errorf("payments %+v, %+v", ev[1], ev[2])
	}
}
