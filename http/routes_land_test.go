package http

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
)

// landUsers adds the officials of land cases to the demo.
func landUsers(t *testing.T, s *Server) {
	t.Helper()
	err := s.DB.Tx(context.Background(), func(tx *sqldb.Tx) error {
		for _, u := range []duixian.User{
			{Name: "gz", Display: "规自分局", Role: duixian.RoleReviewer, Department: land.DeptPlanning},
			{Name: "kf", Display: "开发建设局", Role: duixian.RoleReviewer, Department: land.DeptDevelopment},
		} {
			u.PasswordHash = password.Hash(demo.Password)
			if err := tx.PutUser(&u); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

const landFacts = `{"zones":["yizhuang-225"],"land_sold":true,"land_current_use":"M1","land_plan_consistent":true,
"land_volume_transfer":true,"land_change_of_use":false,"land_urban_renewal":false,"land_industry_supported":true,
"land_industry_approved":true,"land_far_current":"1.0","land_far_planned":"1.5","land_block_baseline_far":"2.0"}`

// Another enterprise can neither read nor act on a land case; an official
// of another department cannot take a step; the route table admits only
// the roles that take part. The demo records a revision extending the
// trial to 2027-10-13; after that a case is refused citing 第十条 until the
// administrator records another.
func TestLandRoutesAuthorization(t *testing.T) {
	s, ts, clk := testServer(t)
	landUsers(t, s)
	login := func(name string) *client {
		c := newClient(t, ts)
		if code := c.login(name, demo.Password); code != 200 {
			t.Fatalf("%s cannot sign in: %d", name, code)
		}
		return c
	}
	bookstore, tech, culture, gz, kf, admin, treasury := login("bookstore"), login("tech"), login("culture"), login("gz"), login("kf"), login("admin"), login("treasury")

	start := `{"plot":"YZ-0815","facts":` + landFacts + `}`
	const pastDemoTrial = 330 * 24 * time.Hour // 2026-11-30 to 2027-10-26
	clk.advance(pastDemoTrial)
	resp, body := login("bookstore").post("/api/v1/land/cases", start)
	if resp.StatusCode != 422 || !strings.Contains(body, `"article":"10"`) || !strings.Contains(body, "expired") {
		t.Fatalf("after the trial: %d %s", resp.StatusCode, body)
	}
	clk.advance(-pastDemoTrial) // under the demo's revision again
	// Only an administrator records a revision.
	rev := `{"number":"京技管发〔2026〕18号","until":"2028-10-13"}`
	if resp, body := bookstore.post("/api/v1/land/trial", rev); resp.StatusCode != 403 || !strings.Contains(body, `"field":"route"`) {
		t.Fatalf("an enterprise recorded a revision: %d %s", resp.StatusCode, body)
	}
	if resp, body := gz.post("/api/v1/land/trial", rev); resp.StatusCode != 403 {
		t.Fatalf("a reviewer recorded a revision: %d %s", resp.StatusCode, body)
	}
	if resp, body := admin.post("/api/v1/land/trial", rev); resp.StatusCode != 200 {
		t.Fatalf("the revision: %d %s", resp.StatusCode, body)
	}
	resp, body = bookstore.post("/api/v1/land/cases", start)
	if resp.StatusCode != 200 {
		t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	var c land.Case
	if err := json.Unmarshal([]byte(body), &c); err != nil {
		t.Fatal(err)
	}
	if c.Path != land.PathWritten || c.State != land.StatePlan || c.Trial == nil {
		t.Fatalf("case %+v", c)
	}
	id := c.ID

	// Another enterprise: nothing, as if the case did not exist.
	for _, try := range []struct{ method, path, body string }{
		{"GET", "/api/v1/land/cases/" + id, ""},
		{"POST", "/api/v1/land/cases/" + id + "/plan", `{"title":"抢先提交"}`},
		{"POST", "/api/v1/land/cases/" + id + "/withdraw", `{}`},
		{"GET", "/land/cases/" + id, ""},
	} {
		resp, body := tech.do(try.method, try.path, try.body, map[string]string{"X-CSRF-Token": tech.csrf})
		if resp.StatusCode != 404 || strings.Contains(body, "YZ-0815") {
			t.Errorf("another enterprise %s %s: %d %.200s", try.method, try.path, resp.StatusCode, body)
		}
	}
	resp, _ = tech.do("POST", "/land/cases/"+id, url.Values{"csrf": {tech.csrf}, "step": {"withdraw"}}.Encode(),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 404 {
		t.Errorf("another enterprise's form: %d", resp.StatusCode)
	}
	var list []land.Case
	tech.getJSON("/api/v1/land/cases", &list)
	for _, c := range list { // the demo's own case is the tech company's
		if c.ID == id || c.Enterprise != list[0].Enterprise {
			t.Errorf("another enterprise lists %s of %s", c.ID, c.Enterprise)
		}
	}
	bookstore.getJSON("/api/v1/land/cases", &list)
	if len(list) != 1 || list[0].ID != id {
		t.Errorf("the holder lists %+v", list)
	}
	// An official of a department that takes no part sees nothing either.
	if resp, _ := culture.do("GET", "/api/v1/land/cases/"+id, "", nil); resp.StatusCode != 404 {
		t.Errorf("宣传文化部 reads a land case: %d", resp.StatusCode)
	}
	// A role the table does not list is refused by the table.
	if resp, body := treasury.do("GET", "/api/v1/land/cases/"+id, "", nil); resp.StatusCode != 403 || !strings.Contains(body, `"field":"route"`) {
		t.Errorf("finance: %d %s", resp.StatusCode, body)
	}
	if resp, body := gz.post("/api/v1/land/cases/"+id+"/plan", `{"title":"x"}`); resp.StatusCode != 403 || !strings.Contains(body, `"field":"route"`) {
		t.Errorf("a reviewer submitting the holder's plan: %d %s", resp.StatusCode, body)
	}
	// 规自分局 reads it but cannot skip the plan.
	if code := gz.getJSON("/api/v1/land/cases/"+id, &c); code != 200 {
		t.Fatalf("规自分局 cannot read: %d", code)
	}
	if resp, body := gz.post("/api/v1/land/cases/"+id+"/consult", `{"departments":["交通委"]}`); resp.StatusCode != 409 {
		t.Fatalf("consulting before the plan: %d %s", resp.StatusCode, body)
	}
	if resp, body := bookstore.post("/api/v1/land/cases/"+id+"/plan", `{"title":"YZ-0815地块规划综合实施方案"}`); resp.StatusCode != 200 {
		t.Fatalf("plan: %d %s", resp.StatusCode, body)
	}
	// 开发建设局 may not take 规自分局's steps.
	resp, body = kf.post("/api/v1/land/cases/"+id+"/consult", `{"departments":["交通委"]}`)
	if resp.StatusCode != 403 || strings.Contains(body, `"field":"route"`) || !strings.Contains(body, land.DeptPlanning) {
		t.Fatalf("开发建设局 consulting: %d %s", resp.StatusCode, body)
	}
	if resp, body := gz.post("/api/v1/land/cases/"+id+"/consult", `{"departments":["交通委"],"utilities":["北京市自来水集团"]}`); resp.StatusCode != 200 {
		t.Fatalf("consult: %d %s", resp.StatusCode, body)
	}
	// Every refusal is in the audit log.
	var log duixian.Page[duixian.AuditEntry]
	admin.getJSON("/api/v1/audit?subject="+id, &log)
	who := map[string]bool{}
	for _, e := range log.Items {
		if strings.HasPrefix(e.Action, "denied:land:") {
			who[e.Actor.User+" "+e.Action] = true
		}
	}
	for _, want := range []string{"tech denied:land:read", "tech denied:land:plan", "tech denied:land:withdraw", "culture denied:land:read", "gz denied:land:consult", "kf denied:land:consult"} {
		if !who[want] {
			t.Errorf("not logged: %s (have %v)", want, who)
		}
	}

	// The pages: the case view with the trace and the revision, the
	// holder's list, the start form generated from the clauses' facts.
	resp, page := bookstore.do("GET", "/land/cases/"+id, "", nil)
	for _, want := range []string{"YZ-0815", "书面报请审查", "20号第五条（二）", "京技管发〔2026〕18号", "交通委"} {
		if resp.StatusCode != 200 || !strings.Contains(page, want) {
			t.Errorf("case page lacks %q (%d)", want, resp.StatusCode)
		}
	}
	// People by their display names, not their sign-in names.
	if m := regexp.MustCompile(`<dt>提交</dt><dd>([^<]*?) · \d{4}-`).FindStringSubmatch(page); m == nil || strings.TrimSpace(m[1]) == "bookstore" {
		t.Errorf("the plan's submitter is shown as %q", m)
	}
	resp, page = gz.do("GET", "/land", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, id) || !strings.Contains(page, "待我办理") {
		t.Errorf("规自分局's queue: %d", resp.StatusCode)
	}
	resp, page = bookstore.do("GET", "/land/new", "", nil)
	for _, want := range []string{`name="f.land_far_planned"`, `name="f.zones"`, `name="f.land_underground_use"`, "地块所在范围", "20号第二条（一）"} {
		if resp.StatusCode != 200 || !strings.Contains(page, want) {
			t.Errorf("start form lacks %q (%d)", want, resp.StatusCode)
		}
	}
	if strings.Contains(page, `name="f.land_plan_approved"`) || strings.Contains(page, `name="f.land_market_price"`) {
		t.Error("the start form asks for facts later steps establish")
	}
	// Starting from the form: a plot outside 225 km² is refused on the form
	// citing 第二条（一）; inside, the case starts.
	form := url.Values{"csrf": {bookstore.csrf}, "plot": {"YZ-0816"}}
	var facts map[string]any
	json.Unmarshal([]byte(landFacts), &facts)
	for k, v := range facts {
		switch x := v.(type) {
		case bool:
			form.Set("f."+k, map[bool]string{true: "true", false: "false"}[x])
		case string:
			form.Set("f."+k, x)
		}
	}
	formHeader := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	resp, page = bookstore.do("POST", "/land/cases", form.Encode(), formHeader)
	if resp.StatusCode != 422 || !strings.Contains(page, "20号第二条（一）") {
		t.Fatalf("a plot outside the zone from the form: %d", resp.StatusCode)
	}
	form.Set("f.zones", "yizhuang-225")
	resp, _ = bookstore.do("POST", "/land/cases", form.Encode(), formHeader)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/land/cases/L") {
		t.Fatalf("start from the form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// Each step's route admits exactly the roles of the step's rule.
func TestLandStepRoutesDeclareTheRulesRoles(t *testing.T) {
	s, _, _ := testServer(t)
	seen := map[string]bool{}
	for _, rt := range s.Routes {
		action, ok := strings.CutPrefix(rt.Path, "/api/v1/land/cases/{id}/")
		if !ok {
			continue
		}
		r, ok := land.RuleOf(action)
		if !ok {
			t.Errorf("route %s has no rule", rt.Path)
			continue
		}
		seen[action] = true
		a, b := slices.Clone(rt.Roles), slices.Clone(r.Roles)
		slices.Sort(a)
		slices.Sort(b)
		if !slices.Equal(a, b) {
			t.Errorf("%s: route roles %v, rule roles %v", rt.Path, a, b)
		}
	}
	for _, r := range land.Rules {
		if !seen[r.Action] {
			t.Errorf("no route for the step %s", r.Action)
		}
	}
}
