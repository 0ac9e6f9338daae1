package http

import (
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/workflow"
)

// 逾期不予受理: the 公示 page takes objections through the window's last
// day (含) and not the day after.
func TestPublicityTakesObjectionsThroughItsLastDay(t *testing.T) {
	it := workflow.PublicityItem{Until: duixian.Date{Year: 2026, Month: 12, Day: 4}}
	for _, c := range []struct {
		today duixian.Date
		open  bool
	}{
		{duixian.Date{Year: 2026, Month: 12, Day: 4}, true},
		{duixian.Date{Year: 2026, Month: 12, Day: 5}, false},
	} {
		if got := (&PublicityPage{Today: c.today}).Open(it); got != c.open {
			t.Errorf("%s: open %t, want %t", c.today, got, c.open)
		}
	}
}
