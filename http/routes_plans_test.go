package http

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// The annual plan through the API, on both stores: the demo bookstore's
// 活动组织 claim of the 2026 round is assessed and proposed, compiled into
// the round's plan, submitted, approved by another official, published,
// and paid once the window has ended; nothing is published before the
// approval nor paid before the window's end, and the route table admits
// only the department's reviewers to the steps.
func TestPlanThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		_, ts, clk := serverOn(t, db)
		as := func(user string) *client {
			c := newClient(t, ts)
			if code := c.login(user, demo.Password); code != 200 {
				t.Fatalf("login %s: %d", user, code)
			}
			return c
		}
		ok := func(c *client, path, body string) string {
			t.Helper()
			resp, out := c.post(path, body)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %d %s", path, resp.StatusCode, out)
			}
			return out
		}
		culture, head, expert, treasury := as("culture"), as("culture-head"), as("expert"), as("treasury")
		var page struct {
			Items []duixian.Application `json:"items"`
		}
		culture.getJSON("/api/v1/applications?status=submitted", &page)
		var app duixian.Application
		for _, a := range page.Items {
			if a.Clause == "jjgf-2025-21/7.3.2" {
				app = a
			}
		}
		if app.ID == "" {
			t.Fatalf("no submitted 活动组织 claim in the demo: %+v", page.Items)
		}
		ok(culture, "/api/v1/applications/"+app.ID+"/preliminary", "")
		ok(culture, "/api/v1/applications/"+app.ID+"/experts", `{"experts":["expert"]}`)
		ok(expert, "/api/v1/applications/"+app.ID+"/expert-review", `{"scores":{"总分":90},"opinion":"活动佐证齐全","pass":true}`)
		culture.getJSON("/api/v1/applications/"+app.ID, &app)
		ok(culture, "/api/v1/applications/"+app.ID+"/propose", fmt.Sprintf(`{"amount_fen":%d}`, app.Review.Amount))
		var rounds []duixian.Round
		culture.getJSON("/api/v1/rounds?document=jjgf-2025-21", &rounds)
		if len(rounds) != 1 {
			t.Fatalf("rounds: %+v", rounds)
		}
		if resp, _ := as("bookstore").post("/api/v1/rounds/"+rounds[0].ID+"/plan", ""); resp.StatusCode != 403 {
			t.Fatalf("an enterprise compiled a plan: %d", resp.StatusCode)
		}
		var plan duixian.Plan
		json.Unmarshal([]byte(ok(culture, "/api/v1/rounds/"+rounds[0].ID+"/plan", "")), &plan)
		// The demo's first plan of the round was published in May: this is the next.
		if plan.Title != "2026年度实体书店扶持资金建议方案（第2批）" || len(plan.Projects) != 1 || plan.Total != app.Review.Amount {
			t.Fatalf("the plan: %+v", plan)
		}
		if resp, _ := culture.post("/api/v1/plans/"+plan.ID+"/publish", `{"start":"2026-12-01","days":5}`); resp.StatusCode != 409 {
			t.Fatalf("published before approval: %d", resp.StatusCode)
		}
		ok(culture, "/api/v1/plans/"+plan.ID+"/submit", "")
		if resp, _ := culture.post("/api/v1/plans/"+plan.ID+"/approve", ""); resp.StatusCode != 403 {
			t.Fatalf("approved by who submitted it: %d", resp.StatusCode)
		}
		ok(head, "/api/v1/plans/"+plan.ID+"/approve", "")
		ok(culture, "/api/v1/plans/"+plan.ID+"/publish", `{"start":"2026-12-01","days":5}`)
		var pub struct {
			Items []struct {
				Application string `json:"application"`
				Plan        string `json:"plan_title"`
			} `json:"items"`
		}
		newClient(t, ts).getJSON("/api/v1/publicity", &pub)
		found := false
		for _, it := range pub.Items {
			found = found || it.Application == app.ID && it.Plan == plan.Title
		}
		if !found {
			t.Fatalf("the project is not in 公示 under the plan's title: %+v", pub.Items)
		}
		if _, page := newClient(t, ts).do("GET", "/publicity", "", nil); !strings.Contains(page, `<h2 class="plan-title">`+plan.Title+`</h2>`) {
			t.Fatal("the 公示 page does not group the plan's projects under its title")
		}
		if _, page := culture.do("GET", "/plans/"+plan.ID, "", nil); !strings.Contains(page, `id="plan-release"`) || !strings.Contains(page, "/plans/"+plan.ID+"/plan.xlsx") {
			t.Fatal("the plan's page offers no release or export")
		}
		for _, x := range []string{"plan.xlsx", "publicity.xlsx"} {
			resp, body := culture.do("GET", "/plans/"+plan.ID+"/"+x, "", nil)
			if resp.StatusCode != 200 || !strings.HasPrefix(body, "PK") || !strings.Contains(resp.Header.Get("Content-Disposition"), ".xlsx") {
				t.Fatalf("%s: %d %q", x, resp.StatusCode, resp.Header.Get("Content-Disposition"))
			}
		}
		if resp, _ := as("bookstore").do("GET", "/plans/"+plan.ID, "", nil); resp.StatusCode == 200 {
			t.Fatal("an enterprise read the plan's page")
		}
		voucher := `{"voucher":"JZ-2026-1209","account":"6222 0200 1234 5678","paid_on":"2026-12-09"}`
		if resp, out := treasury.do("POST", "/api/v1/applications/"+app.ID+"/disburse", voucher, map[string]string{"X-CSRF-Token": treasury.csrf, "Idempotency-Key": "plan-pay-early"}); resp.StatusCode != 409 {
			t.Fatalf("paid inside the window: %d %s", resp.StatusCode, out)
		}
		clk.mu.Lock()
		clk.t = time.Date(2026, 12, 9, 10, 0, 0, 0, duixian.Shanghai)
		clk.mu.Unlock()
		culture, treasury = as("culture"), as("treasury")
		if out := ok(culture, "/api/v1/plans/"+plan.ID+"/release", ""); !strings.Contains(out, `"status":"closed"`) {
			t.Fatalf("released: %s", out)
		}
		resp, out := treasury.do("POST", "/api/v1/applications/"+app.ID+"/disburse", voucher, map[string]string{"X-CSRF-Token": treasury.csrf, "Idempotency-Key": "plan-pay-1"})
		if resp.StatusCode != 200 || !strings.Contains(out, `"status":"paid"`) {
			t.Fatalf("payment after the window: %d %s", resp.StatusCode, out)
		}
		var plans []duixian.Plan
		// The demo's three (21号's first, 22号's two) and this one.
		if code := treasury.getJSON("/api/v1/plans", &plans); code != 200 || len(plans) != 4 || !slices.ContainsFunc(plans, func(p duixian.Plan) bool { return p.ID == plan.ID }) {
			t.Fatalf("finance reads the plans: %d %d", code, len(plans))
		}
	})
}
