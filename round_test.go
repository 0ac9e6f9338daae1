package duixian

import "testing"

// 21号第十二条（二）: 应在规定时间内申报. A round's window takes both its
// first and its last day (申报期 2026-04-01 至 2026-04-30), not the day
// before nor the day after.
func TestRoundWindowTakesBothEdges(t *testing.T) {
	r := Round{Opens: Date{Year: 2026, Month: 4, Day: 1}, Closes: Date{Year: 2026, Month: 4, Day: 30}}
	for _, c := range []struct {
		day  Date
		open bool
	}{
		{Date{Year: 2026, Month: 3, Day: 31}, false},
		{Date{Year: 2026, Month: 4, Day: 1}, true},
		{Date{Year: 2026, Month: 4, Day: 30}, true},
		{Date{Year: 2026, Month: 5, Day: 1}, false},
	} {
		if got := r.OpenOn(c.day); got != c.open {
			t.Errorf("%s: open %t, want %t", c.day, got, c.open)
		}
	}
}

// 21号第十二条（四）: 公示期满后 the plan waits to go to payment. Its window's
// last day is still 公示 (含); the day after, it waits for the release.
func TestPlanStatusOnTheWindowsEdge(t *testing.T) {
	p := Plan{Status: PlanPublicity, Publicity: &Publicity{From: Date{Year: 2026, Month: 4, Day: 1}, Until: Date{Year: 2026, Month: 4, Day: 8}, Days: 5}}
	for _, c := range []struct {
		day  Date
		want string
	}{
		{Date{Year: 2026, Month: 4, Day: 8}, "公示中"},
		{Date{Year: 2026, Month: 4, Day: 9}, "公示期满，待转入拨付"},
	} {
		if got := p.StatusOn(c.day); got != c.want {
			t.Errorf("%s: %q, want %q", c.day, got, c.want)
		}
	}
	p.Status = PlanClosed
	if got := p.StatusOn(Date{Year: 2026, Month: 4, Day: 9}); got != PlanClosed.Zh() {
		t.Errorf("a closed plan reads %q", got)
	}
}
