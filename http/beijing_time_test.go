package http

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/land"
)

// The stores give times in UTC; every page prints Beijing time. An action
// at 15:22 in Beijing is stored as 07:22 UTC and must read 15:22 in the
// land case's history and in its audit log.
func TestLandCaseShowsBeijingTime(t *testing.T) {
	p, err := loadPages(func(*duixian.User) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 30, 7, 22, 0, 0, time.UTC)
	v := &landCaseView{C: &land.Case{ID: "L1", Plot: "地块", State: land.StatePlan},
		History: []landEvent{{Event: land.Event{Action: land.ActStart, At: at, By: "tech"}, Zh: "申请"}},
		Log:     []landLogRow{{AuditEntry: duixian.AuditEntry{Seq: 1, At: at.Format(time.RFC3339Nano), Action: "land:start"}}}}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "land_case.html", View{Data: v}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	for _, want := range []string{"2026-11-30 15:22 · 申请", "2026-11-30 15:22:00", "工业用地申请受理"} {
		if !strings.Contains(page, want) {
			t.Errorf("the land case lacks %q", want)
		}
	}
	if strings.Contains(page, "07:22") {
		t.Error("the land case prints a UTC time")
	}
}
