package http

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/jobs"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// startJobs gives s a job queue whose workers run in the test, as serve's do.
func startJobs(t testing.TB, s *Server) {
	t.Helper()
	ctx := context.Background()
	q, err := jobs.Open(ctx, s.DB, dbtest.DSN(t, s.DB), jobs.Services{Matching: s.Offers, Qunyan: s.Qunyan}, jobs.Options{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	s.Offers.Queue = q
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Stop(context.Background()) })
}

// runPage follows a run started by a post of the 免申即享 form to its
// page, as the page's refresh does, until the run is over, and returns
// the page then. The wait is bounded only so that a broken queue fails
// the test instead of hanging it.
func runPage(t testing.TB, c *client, started string) string {
	t.Helper()
	if !strings.HasPrefix(started, "/offers/runs/") {
		t.Fatalf("the form did not send to the run's page: %q", started)
	}
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, body := c.do("GET", started, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", started, resp.StatusCode)
		}
		if resp.Header.Get("Refresh") == "" {
			return body
		}
	}
	t.Fatalf("the run %s is not over", started)
	return ""
}

// 免申即享 through the pages: a reviewer matches the registry for their
// department's clauses only; the enterprise finds the offer under 我的申报
// and confirms it, which submits an application; another enterprise cannot
// confirm it.
func TestOffersPages(t *testing.T) {
	s, ts, _ := testServer(t)
	startJobs(t, s)
	ctx := context.Background()
	// The demo's 南海子书店 has complete registry data: 一刻钟 and 特色经营 qualify.
	ch, _ := duixian.USCCCheckChar("92110302MA01NHK51")
	uscc := "92110302MA01NHK51" + string(ch)
	run := func(user string) string {
		t.Helper()
		c := newClient(t, ts)
		if c.login(user, "duixian-demo") != 200 {
			t.Fatalf("%s cannot sign in", user)
		}
		if resp, body := c.do("GET", "/offers", "", nil); resp.StatusCode != 200 || !strings.Contains(body, `name="event_date"`) {
			t.Fatalf("%s: the 免申即享 page: %d", user, resp.StatusCode)
		}
		resp, body := c.form("/offers", url.Values{"event_date": {"2026-11-02"}, "as_of": {"2026-11-30"}})
		if resp.StatusCode != 303 {
			t.Fatalf("%s: run: %d %s", user, resp.StatusCode, body)
		}
		body = runPage(t, c, resp.Header.Get("Location"))
		if !strings.Contains(body, "run-done") {
			t.Fatalf("%s: the run is not done:\n%s", user, body)
		}
		return body
	}
	for user, tab := range map[string]bool{"culture": true, "admin": true, "planning-bureau": false, "treasury": false} {
		c := newClient(t, ts)
		c.login(user, "duixian-demo")
		if _, body := c.do("GET", "/dashboard", "", nil); strings.Contains(body, `href="/offers"`) != tab {
			t.Errorf("%s: the 免申即享 tab shown = %v, want %v", user, !tab, tab)
		}
	}
	if body := run("finance-bureau"); strings.Contains(body, uscc) {
		t.Error("a 商务金融局 reviewer pushed a 宣传文化部 award")
	}
	body := run("culture")
	if !strings.Contains(body, uscc) || !strings.Contains(body, "“一刻钟”建设奖励") || !strings.Contains(body, "宣传文化部") {
		t.Fatalf("the culture reviewer's run does not offer the bookstore its 一刻钟 award:\n%s", body)
	}
	api := newClient(t, ts)
	api.login("culture", "duixian-demo")
	if resp, body := api.post("/api/v1/offers/run", `{"clauses":["jjgf-2025-25/2"]}`); resp.StatusCode != 403 || !strings.Contains(body, "jjgf-2025-25/2") {
		t.Errorf("a reviewer pushed another department's clause through the API: %d %s", resp.StatusCode, body)
	}
	resp, body := api.post("/api/v1/offers/run", `{"event_date":"2026-11-02","as_of":"2026-11-30"}`)
	var started matching.RunProgress
	if resp.StatusCode != 202 || json.Unmarshal([]byte(body), &started) != nil || started.ID == "" || started.Department != "宣传文化部" {
		t.Fatalf("the API does not start a run: %d %s", resp.StatusCode, body)
	}
	var apiRun matching.RunProgress
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if code := api.getJSON("/api/v1/offers/runs/"+started.ID, &apiRun); code != 200 {
			t.Fatalf("the run through the API: %d", code)
		}
		if apiRun.Status.Final() || time.Now().After(deadline) {
			break
		}
	}
	if apiRun.Status != matching.RunDone || apiRun.Totals.Offers != 2 || apiRun.Totals.Enterprises == 0 || apiRun.Done != apiRun.Partitions {
		t.Errorf("the API run differs from the page's (two offers: 一刻钟 and 特色经营): %+v", apiRun)
	}
	var list []matching.RunProgress
	if api.getJSON("/api/v1/offers/runs", &list); len(list) != 2 || !slices.ContainsFunc(list, func(r matching.RunProgress) bool { return r.ID == started.ID }) {
		t.Errorf("the culture reviewer's runs listed: %+v", list)
	}
	finance := newClient(t, ts)
	finance.login("finance-bureau", "duixian-demo")
	if code := finance.getJSON("/api/v1/offers/runs/"+started.ID, &apiRun); code != 404 {
		t.Errorf("another department's reviewer sees the run: %d", code)
	}

	id := uscc + ":jjgf-2025-21/7.1:2026-11-02"
	shop := newClient(t, ts)
	shop.login("nanhaizi", "duixian-demo")
	if _, body := shop.do("GET", "/my", "", nil); !strings.Contains(body, "确认并提交申报") || !strings.Contains(body, id) {
		t.Fatalf("the offer is not on 我的申报:\n%s", body)
	}
	other := newClient(t, ts)
	other.login("tech", "duixian-demo")
	if resp, _ := other.form("/my/offers/confirm", url.Values{"offer": {id}}); resp.StatusCode != 404 {
		t.Errorf("another enterprise confirmed the offer: %d", resp.StatusCode)
	}
	resp, _ = shop.form("/my/offers/confirm", url.Values{"offer": {id}})
	loc := resp.Header.Get("Location")
	if resp.StatusCode != 303 || !strings.HasPrefix(loc, "/my/") {
		t.Fatalf("confirm: %d %s", resp.StatusCode, loc)
	}
	appID := strings.TrimSuffix(strings.TrimPrefix(loc, "/my/"), "?submitted=1")
	a, err := s.Service.Application(ctx, duixian.Actor{User: "nanhaizi", Role: duixian.RoleEnterprise, Enterprise: uscc}, appID)
	if err != nil || a.Status != duixian.StatusSubmitted || a.Decision.Amount != 120000*duixian.Yuan {
		t.Fatalf("the confirmed offer is not a submitted application of 12万元: %+v %v", a, err)
	}
	if _, body := shop.do("GET", "/my", "", nil); strings.Contains(body, id) {
		t.Error("a confirmed offer is still offered")
	}
	if resp, _ := shop.form("/my/offers/decline", url.Values{"offer": {id}}); resp.StatusCode != 409 {
		t.Errorf("a confirmed offer was declined: %d", resp.StatusCode)
	}

	// Declining: the offer leaves 我的申报 and a later run does not push it again.
	if _, body := shop.do("GET", "/my", "", nil); !strings.Contains(body, "不需要") {
		t.Fatal("no decline button")
	}
	offers, err := matching.Offers(ctx, s.DB, uscc)
	if err != nil {
		t.Fatal(err)
	}
	var open string
	for _, o := range offers {
		if o.Status == "open" {
			open = o.ID
		}
	}
	if open == "" {
		t.Fatal("no open offer left to decline")
	}
	if resp, _ := other.form("/my/offers/decline", url.Values{"offer": {open}}); resp.StatusCode != 404 {
		t.Errorf("another enterprise declined the offer: %d", resp.StatusCode)
	}
	resp, _ = shop.form("/my/offers/decline", url.Values{"offer": {open}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/my?declined=1" {
		t.Fatalf("decline: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	run("culture")
	if _, body := shop.do("GET", "/my", "", nil); strings.Contains(body, open) {
		t.Error("a declined offer was pushed again")
	}
}

// Over a large registry the page lists the largest offers only, and says
// how many there are; every one is stored.
func TestOffersPageListsTheLargest(t *testing.T) {
	s, ts, _ := testServer(t)
	startJobs(t, s)
	ctx := context.Background()
	if _, err := registry.Write(ctx, s.DB, registry.Generate(1500, 7), 500); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, ts)
	c.login("admin", "duixian-demo")
	resp, _ := c.form("/offers", url.Values{"event_date": {"2026-11-02"}, "as_of": {"2026-11-30"}})
	if resp.StatusCode != 303 {
		t.Fatalf("run: %d", resp.StatusCode)
	}
	body := runPage(t, c, resp.Header.Get("Location"))
	if rows := strings.Count(body, `<td class="num">`); rows != matching.OffersShown {
		t.Errorf("%d rows listed, want %d", rows, matching.OffersShown)
	}
	m := regexp.MustCompile(`共 (\d+) 项，此处列出金额最高的 200 项`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("the page does not say how many offers there are")
	}
	total, _ := strconv.Atoi(m[1])
	stored := 0
	s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records("offer", "")
		stored = len(recs)
		return err
	})
	if total <= matching.OffersShown || stored != total {
		t.Errorf("%d offers found, %d stored", total, stored)
	}
}
