package http

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// demoApp is the id of the demo's application of clause in status.
func demoApp(t *testing.T, s *Server, st duixian.Status, clause string) string {
	t.Helper()
	var id string
	if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) error {
		list, err := tx.Applications(sqldb.ApplicationFilter{Status: st, Clauses: []string{clause}})
		if len(list) > 0 {
			id = list[0].ID
		}
		return err
	}); err != nil || id == "" {
		t.Fatalf("the demo has no %s application of %s: %v", st, clause, err)
	}
	return id
}

// sameAs fails unless the answer to path with id is the answer to it with
// missing: the same status and body once the ids are taken out.
func sameAs(t *testing.T, c *client, method, path, id, missing, body string) {
	t.Helper()
	h := map[string]string{"X-CSRF-Token": c.csrf, "Idempotency-Key": "same-key"}
	r1, b1 := c.do(method, strings.ReplaceAll(path, "{id}", id), body, h)
	r2, b2 := c.do(method, strings.ReplaceAll(path, "{id}", missing), body, h)
	b1, b2 = strings.ReplaceAll(b1, id, "ID"), strings.ReplaceAll(b2, missing, "ID")
	if r1.StatusCode != http.StatusNotFound || r1.StatusCode != r2.StatusCode || b1 != b2 {
		t.Errorf("%s %s: %d %.200s\nfor a missing one: %d %.200s", method, path, r1.StatusCode, b1, r2.StatusCode, b2)
	}
}

// The authorization rules of the workflow, through the API and the pages,
// on both stores: an application one may not see answers as a missing one;
// an objection tells nothing of a case not in publicity; drafts are their
// enterprise's; experts see what is assigned to them; opinions are asked
// of known departments; and who proposed an amount does not approve it.
func TestAuthorizationThroughTheAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, clk := serverOn(t, db)
		as := func(name string) *client {
			t.Helper()
			c := newClient(t, ts)
			if code := c.login(name, demo.Password); code != 200 {
				t.Fatalf("%s cannot sign in: %d", name, code)
			}
			return c
		}
		paid := demoApp(t, s, duixian.StatusPaid, "jjgf-2025-21/7.1")             // the bookstore's
		submitted := demoApp(t, s, duixian.StatusSubmitted, "jjgf-2025-21/7.3.2") // the bookstore's
		published := demoApp(t, s, duixian.StatusPublicity, "jjgf-2025-22/6.2")   // the reading space's, proposed by culture
		const missing = "A20261130FFFFFFFFFF"

		// Another enterprise: every step and read as for a missing one.
		tech := as("tech")
		for _, p := range []struct{ method, path, body string }{
			{"GET", "/api/v1/applications/{id}", ""},
			{"POST", "/api/v1/applications/{id}/withdraw", "{}"},
			{"POST", "/api/v1/applications/{id}/submit", "{}"},
			{"POST", "/api/v1/applications/{id}/facts", `{"facts":{},"declared":true}`},
			{"GET", "/my/{id}", ""},
		} {
			sameAs(t, tech, p.method, p.path, submitted, missing, p.body)
		}
		// Another department's reviewer, on the API and the case page.
		finBureau := as("finance-bureau")
		for _, p := range []struct{ method, path, body string }{
			{"GET", "/api/v1/applications/{id}", ""},
			{"POST", "/api/v1/applications/{id}/preliminary", "{}"},
			{"POST", "/api/v1/applications/{id}/return", `{"reason":"x"}`},
			{"GET", "/cases/{id}", ""},
		} {
			sameAs(t, finBureau, p.method, p.path, submitted, missing, p.body)
		}
		// An objection: the same answer for a paid case, one in review
		// and none; one in publicity takes it.
		anon := newClient(t, ts)
		objection := `{"text":"异议","name":"张三","phone":"13800138000"}`
		for _, id := range []string{paid, submitted} {
			sameAs(t, anon, "POST", "/api/v1/publicity/{id}/objections", id, missing, objection)
		}
		resp, body := anon.post("/api/v1/publicity/"+published+"/objections", `{"text":"异议","name":"张三"}`)
		if resp.StatusCode != 400 || !strings.Contains(body, `"field":"contact"`) {
			t.Fatalf("an objection without contact: %d %s", resp.StatusCode, body)
		}
		resp, body = anon.post("/api/v1/publicity/"+published+"/objections", objection)
		var receipt struct{ Receipt string }
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &receipt) != nil || !strings.HasPrefix(receipt.Receipt, "O2026") {
			t.Fatalf("an objection in publicity: %d %s", resp.StatusCode, body)
		}

		// Drafts: the enterprise's alone.
		bookstore := as("bookstore")
		// 2025: in 2026 the bookstore's 融合发展 claim in review rules out 特色经营 (21号第七条（三）).
		resp, body = bookstore.post("/api/v1/applications", `{"clause":"jjgf-2025-21/7.3.1","event_date":"2025-12-15","facts":{},"declared":false}`)
		var draft duixian.Application
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &draft) != nil || draft.Status != duixian.StatusDraft {
			t.Fatalf("draft: %d %s", resp.StatusCode, body)
		}
		culture, supervisor := as("culture"), as("supervisor")
		for _, c := range []*client{culture, supervisor} {
			sameAs(t, c, "GET", "/api/v1/applications/{id}", draft.ID, missing, "")
			var list duixian.Page[duixian.Application]
			c.getJSON("/api/v1/applications", &list)
			for _, a := range list.Items {
				if a.Status == duixian.StatusDraft {
					t.Errorf("an official lists draft %s", a.ID)
				}
			}
		}

		// Experts: only what is assigned to them.
		expert := as("expert")
		listed := func(c *client, id string) bool {
			var list duixian.Page[duixian.Application]
			c.getJSON("/api/v1/applications", &list)
			for _, a := range list.Items {
				if a.ID == id {
					return true
				}
			}
			return false
		}
		if resp, body := culture.post("/api/v1/applications/"+submitted+"/preliminary", "{}"); resp.StatusCode != 200 {
			t.Fatalf("preliminary: %d %s", resp.StatusCode, body)
		}
		if listed(expert, submitted) {
			t.Fatal("the expert lists a case not assigned to them")
		}
		sameAs(t, expert, "GET", "/api/v1/applications/{id}", submitted, missing, "")
		if resp, body := culture.post("/api/v1/applications/"+submitted+"/experts", `{"experts":["nobody"]}`); resp.StatusCode != 400 || !strings.Contains(body, `"field":"experts"`) {
			t.Fatalf("assigning an unknown expert: %d %s", resp.StatusCode, body)
		}
		if resp, body := culture.post("/api/v1/applications/"+submitted+"/experts", `{"experts":["expert"]}`); resp.StatusCode != 200 {
			t.Fatalf("assign: %d %s", resp.StatusCode, body)
		}
		if !listed(expert, submitted) {
			t.Fatal("the expert does not list the case assigned")
		}

		// Opinions only of departments the platform knows.
		resp, body = bookstore.post("/api/v1/applications/"+draft.ID+"/facts", `{"facts":{"specialized_store":true,`+bookFactsJSON[1:]+`,"declared":true}`)
		if resp.StatusCode != 200 {
			t.Fatalf("facts: %d %s", resp.StatusCode, body)
		}
		bookstore.uploadSpecimens(draft.ID, "jjgf-2025-21/7.3.1")
		if resp, body := bookstore.do("POST", "/api/v1/applications/"+draft.ID+"/submit", "", map[string]string{"X-CSRF-Token": bookstore.csrf, "Idempotency-Key": "s1"}); resp.StatusCode != 200 {
			t.Fatalf("submit: %d %s", resp.StatusCode, body)
		}
		resp, body = culture.post("/api/v1/applications/"+draft.ID+"/opinions", `{"departments":["营商环境建设局","不存在的局"]}`)
		var e duixian.Error
		if json.Unmarshal([]byte(body), &e); resp.StatusCode != 400 || e.Field != "departments" || !strings.Contains(e.Zh, "不存在的局") || !strings.Contains(e.En, "不存在的局") {
			t.Fatalf("an unknown department: %d %s", resp.StatusCode, body)
		}

		// The reading space's project is in 22号's approved plan: after the
		// window, the objection dismissed, it goes to payment with the plan
		// — not approved alone, by anyone (separation of duties on the plan
		// is TestPlanThroughTheAPI's).
		clk.advance(10 * 24 * time.Hour)
		culture, head := as("culture"), as("culture-head")
		resp, body = head.post("/api/v1/applications/"+published+"/approve", "")
		if json.Unmarshal([]byte(body), &e); resp.StatusCode != 409 || !strings.Contains(e.Zh, "建议方案") {
			t.Fatalf("a plan's project approved alone: %d %s", resp.StatusCode, body)
		}
		if resp, body := culture.post("/api/v1/applications/"+published+"/objections/"+objectionOf(t, head, published)+"/answer", `{"answer":"不成立","upheld":false}`); resp.StatusCode != 200 || !strings.Contains(body, `"status":"approved"`) {
			t.Fatalf("answer: %d %s", resp.StatusCode, body)
		}
	})
}

// objectionOf is the id of the first objection to application id.
func objectionOf(t *testing.T, c *client, id string) string {
	t.Helper()
	var a duixian.Application
	if code := c.getJSON("/api/v1/applications/"+id, &a); code != 200 || len(a.Objections) == 0 {
		t.Fatalf("no objection to %s: %d", id, code)
	}
	return a.Objections[0].ID
}

// bookFactsJSON are the demo bookstore's facts (21号第七条).
const bookFactsJSON = `{"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,"operating_since":"2024-04-01",
"operating_normally":true,"declared_truthful":true,"business_area_m2":"260","publication_area_m2":"168.5","books_on_shelf":5200,
"publication_varieties":1900,"hosted_reading_events":12,"quarter_hour_service":true,"annual_costs":"86万元"}`

// 3,000 anonymous posts without a CSRF token, with paths up to 200 KB, add
// a bounded number of small rows to the audit chain, none holding the
// paths sent.
func TestDeniedAnonymousPostsBounded(t *testing.T) {
	s, ts, _ := testServer(t)
	count := func() (rows int, largest int) {
		t.Helper()
		var log []duixian.AuditEntry
		if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(""); return }); err != nil {
			t.Fatal(err)
		}
		for _, e := range log {
			largest = max(largest, len(e.Subject)+len(e.After)+len(e.Before))
		}
		return len(log), largest
	}
	before, _ := count()
	junk := strings.Repeat("x", 2000)
	client := &http.Client{}
	for i := range 3000 {
		path := "/api/v1/publicity/" + junk + strconv.Itoa(i) + "/objections"
		if i%1000 == 0 {
			path = "/api/v1/publicity/" + strings.Repeat("y", 200<<10) + "/objections"
		}
		if i%2 == 1 {
			path = "/publicity/" + junk + strconv.Itoa(i) + "/objections"
		}
		resp, err := client.Post(ts.URL+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("post %d: %d", i, resp.StatusCode)
		}
	}
	if err := s.tally.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, largest := count()
	if after-before > 4 || largest > 1000 {
		t.Fatalf("3,000 denied posts added %d audit rows, the largest %d bytes", after-before, largest)
	}
	var log []duixian.AuditEntry
	s.DB.Read(context.Background(), func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog("POST /publicity/{id}/objections"); return })
	if len(log) != 2 || !strings.Contains(log[1].After, "另有1499次") {
		t.Fatalf("the page route's refusals: %+v", log)
	}
}

func strconvI(i int) string { return strconv.Itoa(i) }

// The lists of the API are read a page at a time: following "next" reads
// each item once; a bad cursor or size is a 400 naming the field. The
// audit log comes oldest first, so a reader that keeps the last cursor
// reads only what was appended since.
func TestListsPagedThroughTheAPI(t *testing.T) {
	_, ts, _ := testServer(t)
	sup := newClient(t, ts)
	if code := sup.login("supervisor", demo.Password); code != 200 {
		t.Fatal(code)
	}
	follow := func(path string) (ids []string) {
		t.Helper()
		next := ""
		for range 1000 {
			var page struct {
				Items []struct {
					ID  string `json:"id"`
					Seq int64  `json:"seq"`
				}
				Next string
			}
			p := path
			if next != "" {
				p += "&after=" + next
			}
			if code := sup.getJSON(p, &page); code != 200 || len(page.Items) > 2 {
				t.Fatalf("GET %s: %d, %d items", p, code, len(page.Items))
			}
			for _, it := range page.Items {
				ids = append(ids, it.ID+strconv.FormatInt(it.Seq, 10))
			}
			if next = page.Next; next == "" {
				return ids
			}
		}
		t.Fatalf("GET %s: no end", path)
		return nil
	}
	var one struct {
		Items []struct {
			ID string `json:"id"`
		}
	}
	sup.getJSON("/api/v1/applications?limit=500", &one)
	paged := follow("/api/v1/applications?limit=2")
	if len(one.Items) < 3 || len(paged) != len(one.Items) {
		t.Fatalf("paged %d applications, one page holds %d", len(paged), len(one.Items))
	}
	for i, a := range one.Items {
		if paged[i] != a.ID+"0" {
			t.Fatalf("page order differs at %d: %s, %s", i, paged[i], a.ID)
		}
	}
	audit := follow("/api/v1/audit?limit=2")
	for i, e := range audit {
		if e != strconv.Itoa(i+1) {
			t.Fatalf("the audit log, oldest first: entry %d reads %s", i+1, e)
		}
	}
	if len(follow("/api/v1/publicity?limit=2")) == 0 {
		t.Fatal("no publicity")
	}
	for _, p := range []string{"/api/v1/applications?limit=501", "/api/v1/applications?limit=x", "/api/v1/applications?after=bm90LWEtY3Vyc29y", "/api/v1/audit?after=x", "/api/v1/audit?limit=0&after=-3"} {
		resp, body := sup.do("GET", p, "", nil)
		if resp.StatusCode != 400 || !(strings.Contains(body, `"field":"limit"`) || strings.Contains(body, `"field":"after"`)) {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, body)
		}
	}
	// The audit page pages too, newest first.
	resp, body := sup.do("GET", "/audit?limit=2", "", nil)
	older := regexp.MustCompile(`href="(/audit\?after=\d+&amp;subject=)"`).FindStringSubmatch(body)
	if resp.StatusCode != 200 || older == nil || strings.Count(body, `<td class="num">`) != 2 {
		t.Fatalf("the audit page: %d, no link to older entries", resp.StatusCode)
	}
}

// The demo can be clicked through to 批准 today: the reading space's 运营奖励
// has finished its 公示 without objection, and the department's head, who
// did not propose the amount, approves it; finance pays.
func TestDemoHasAnEndedPublicity(t *testing.T) {
	s, ts, _ := serverOn(t, dbtest.SQLite(t))
	ended := demoApp(t, s, duixian.StatusPublicity, "jjgf-2025-22/6.1")
	as := func(name string) *client {
		t.Helper()
		c := newClient(t, ts)
		if code := c.login(name, demo.Password); code != 200 {
			t.Fatalf("%s cannot sign in: %d", name, code)
		}
		return c
	}
	// The 公示 page keeps listing it, without the objection form: its
	// window is over (逾期不予受理); today's still takes objections.
	_, page := newClient(t, ts).do("GET", "/publicity", "", nil)
	if !strings.Contains(page, `action="/publicity/`+demoApp(t, s, duixian.StatusPublicity, "jjgf-2025-22/6.2")+`/objections"`) ||
		strings.Contains(page, `action="/publicity/`+ended+`/objections"`) || !strings.Contains(page, "公示期已满，不再受理异议") {
		t.Fatal("the 公示 page offers objections to an ended window, or none to an open one")
	}
	// The plans page says the plan waits to be sent to payment.
	if _, page := as("culture").do("GET", "/plans", "", nil); !strings.Contains(page, "公示期满，待转入拨付") {
		t.Fatal("the plans page does not say the ended plan waits to go to payment")
	}
	// 22号 grants in an approved plan: its project is not approved alone,
	// the plan is sent to payment once its window has ended.
	if resp, body := as("culture-head").post("/api/v1/applications/"+ended+"/approve", ""); resp.StatusCode != 409 {
		t.Fatalf("a plan's project approved alone: %d %s", resp.StatusCode, body)
	}
	var plan string
	if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) error {
		a, err := tx.Application(ended, false)
		plan = a.Plan
		return err
	}); err != nil || plan == "" {
		t.Fatalf("the demo's project is in no plan: %q %v", plan, err)
	}
	if resp, body := as("culture").post("/api/v1/plans/"+plan+"/release", ""); resp.StatusCode != 200 || !strings.Contains(body, `"closed"`) {
		t.Fatalf("release: %d %s", resp.StatusCode, body)
	}
	treasury := as("treasury")
	if resp, body := treasury.do("POST", "/api/v1/applications/"+ended+"/disburse", `{"voucher":"JZ-9","account":"6222020012345678","paid_on":"2026-11-30"}`, map[string]string{"X-CSRF-Token": treasury.csrf, "Idempotency-Key": "demo-ended"}); resp.StatusCode != 200 {
		t.Fatalf("disburse: %d %s", resp.StatusCode, body)
	}
}
