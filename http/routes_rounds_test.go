package http

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
)

// The demo's 2026 guides are public; 宣传文化部 publishes the next through
// the API (no enterprise may); outside any open round the form says when
// the next opens and the draft is refused with the same answer.
func TestRoundsPublishedAndEnforced(t *testing.T) {
	_, ts, clk := testServer(t)
	anon := newClient(t, ts)
	var rounds []duixian.Round
	if code := anon.getJSON("/api/v1/rounds", &rounds); code != 200 || len(rounds) != 2 {
		t.Fatalf("public rounds: %d %+v", code, rounds)
	}
	if _, page := anon.do("GET", "/rounds", "", nil); !strings.Contains(page, "2026年度实体书店扶持项目申报指南") || strings.Contains(page, `action="/rounds"`) {
		t.Fatal("the public page does not list the open guide, or offers the publishing form")
	}
	guide := `{"document":"jjgf-2025-21","year":2027,"title":"2027年度实体书店扶持项目申报指南","text":"见21号第十二条","opens":"2027-03-01","closes":"2027-04-30","budget_fen":300000000}`
	tech := newClient(t, ts)
	tech.login("tech", demo.Password)
	if resp, _ := tech.post("/api/v1/rounds", guide); resp.StatusCode != 403 {
		t.Fatalf("an enterprise published a guide: %d", resp.StatusCode)
	}
	culture := newClient(t, ts)
	culture.login("culture", demo.Password)
	if _, page := culture.do("GET", "/rounds", "", nil); !strings.Contains(page, `action="/rounds"`) {
		t.Fatal("宣传文化部 is not offered the publishing form")
	}
	if resp, body := culture.post("/api/v1/rounds", guide); resp.StatusCode != 200 || !strings.Contains(body, `"by":"culture"`) {
		t.Fatalf("publishing: %d %s", resp.StatusCode, body)
	}
	// The form: the same department, the window overlapping the demo's round.
	resp, body := culture.form("/rounds", url.Values{"document": {"jjgf-2025-22"}, "year": {"2026"}, "title": {"补充批次"}, "text": {"补充"},
		"opens": {"2026-12-01"}, "closes": {"2026-12-20"}})
	if resp.StatusCode != 409 || !strings.Contains(body, "重叠") {
		t.Fatalf("an overlapping round by the form: %d", resp.StatusCode)
	}

	clk.mu.Lock()
	clk.t = time.Date(2027, 2, 10, 10, 0, 0, 0, duixian.Shanghai) // the demo's round closed on 2027-01-29
	clk.mu.Unlock()
	shop := newClient(t, ts)
	shop.login("bookstore", demo.Password)
	if resp, page := shop.do("GET", "/apply/jjgf-2025-21/7.1", "", nil); !strings.Contains(page, "不在申报期内") || !strings.Contains(page, "2027-03-01开始受理") {
		t.Fatalf("the form does not say when the next round opens: %d %s", resp.StatusCode, page)
	}
	resp, body = shop.post("/api/v1/applications", `{"clause":"jjgf-2025-21/7.1","event_date":"2026-12-31","facts":{},"declared":true}`)
	if resp.StatusCode != 409 || !strings.Contains(body, "2027-03-01") || !strings.Contains(body, `"field":"round"`) || !strings.Contains(body, "opens on 2027-03-01") {
		t.Fatalf("a draft between rounds: %d %s", resp.StatusCode, body)
	}
	// 25号 takes applications any day.
	tech = newClient(t, ts)
	tech.login("tech", demo.Password)
	if resp, body := tech.post("/api/v1/applications", `{"clause":"jjgf-2025-25/2","event_date":"2026-12-31","facts":{},"declared":true}`); resp.StatusCode != 200 {
		t.Fatalf("a 25号 draft between 21号's rounds: %d %s", resp.StatusCode, body)
	}
}
