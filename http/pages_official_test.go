// The officials' pages, end to end over HTTP on a seeded SQLite database.
// This is package http_test, not http: package demo imports package http
// (for PutUser), so an in-package test importing demo would be an import
// cycle.
package http_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/engine"
	duixianhttp "github.com/etown/duixian/http"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
)

// officialSite is a demo site and a clock the test can move.
type officialSite struct {
	ts    *httptest.Server
	svc   *workflow.Service
	clock atomic.Int64 // unix nanoseconds
}

func newOfficialSite(t *testing.T) *officialSite {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "officials.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	svc := workflow.New(db, cat, calendar.Default())
	if _, err := demo.Seed(ctx, svc); err != nil {
		t.Fatal(err)
	}
	site := &officialSite{svc: svc}
	site.clock.Store(time.Now().UnixNano())
	svc.Now = func() time.Time { return time.Unix(0, site.clock.Load()) }
	srv, err := duixianhttp.New(svc)
	if err != nil {
		t.Fatal(err)
	}
	site.ts = httptest.NewServer(srv)
	t.Cleanup(site.ts.Close)
	return site
}

func (s *officialSite) advance(d time.Duration) { s.clock.Add(int64(d)) }

// browser is one signed-in person: a cookie jar, redirects not followed.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)
	csrfMeta  = regexp.MustCompile(`name="csrf-token" content="([0-9a-f]{64})"`)
)

func (s *officialSite) signIn(t *testing.T, user string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, base: s.ts.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	code, body, _ := b.get("/login")
	m := csrfField.FindStringSubmatch(body)
	if code != 200 || m == nil {
		t.Fatalf("GET /login: %d, no csrf field", code)
	}
	code, _, loc := b.post("/login", url.Values{"csrf": {m[1]}, "name": {user}, "password": {demo.Password}, "next": {"/queue"}})
	if code != http.StatusSeeOther || loc != "/queue" {
		t.Fatalf("sign in as %s: %d → %q", user, code, loc)
	}
	return b
}

func (b *browser) do(req *http.Request) (int, string, string) {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp.StatusCode, string(body), resp.Header.Get("Location")
}

func (b *browser) get(path string) (int, string, string) {
	req, err := http.NewRequest("GET", b.base+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (int, string, string) {
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// csrf is the session's token, as every page carries it.
func (b *browser) csrf() string {
	b.t.Helper()
	_, body, _ := b.get("/queue")
	m := csrfMeta.FindStringSubmatch(body)
	if m == nil {
		b.t.Fatal("no csrf-token on /queue")
	}
	return m[1]
}

// form is a POST with the session's CSRF token and the fields kv.
func (b *browser) form(path string, kv ...string) (int, string, string) {
	b.t.Helper()
	v := url.Values{"csrf": {b.csrf()}}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return b.post(path, v)
}

// application reads an application through the JSON API.
func (b *browser) application(id string) *duixian.Application {
	b.t.Helper()
	code, body, _ := b.get("/api/v1/applications/" + id)
	if code != 200 {
		b.t.Fatalf("GET application %s: %d %s", id, code, body)
	}
	var a duixian.Application
	if err := json.Unmarshal([]byte(body), &a); err != nil {
		b.t.Fatal(err)
	}
	return &a
}

// bookstoreSubmitted finds the demo bookstore's application awaiting the
// preliminary review (亦城书房, 21号第七条（三）第二款).
func bookstoreSubmitted(t *testing.T, b *browser) string {
	t.Helper()
	code, body, _ := b.get("/api/v1/applications?status=submitted")
	if code != 200 {
		t.Fatalf("list: %d %s", code, body)
	}
	var page duixian.Page[duixian.Application]
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	list := page.Items
	for _, a := range list {
		if strings.HasPrefix(a.Enterprise, "91110302MA01ABCD1") && a.Status == duixian.StatusSubmitted {
			return a.ID
		}
	}
	t.Fatalf("no submitted bookstore application among %d", len(list))
	return ""
}

func TestOfficialQueueAndPreliminaryReview(t *testing.T) {
	site := newOfficialSite(t)
	culture := site.signIn(t, "culture")
	id := bookstoreSubmitted(t, culture)

	code, body, _ := culture.get("/queue")
	if code != 200 || !strings.Contains(body, "/cases/"+id) || !strings.Contains(body, "亦城书房文化传播有限公司") || !strings.Contains(body, "待初审") {
		t.Fatalf("culture's queue does not list %s under 待初审 (%d)", id, code)
	}
	code, body, _ = culture.get("/cases/" + id)
	if code != 200 || !strings.Contains(body, `action="/cases/`+id+`/preliminary"`) || !strings.Contains(body, "/enterprises/") {
		t.Fatalf("case page: %d, no preliminary form or enterprise link", code)
	}

	// Another department's reviewer neither sees nor acts on the case.
	fin := site.signIn(t, "finance-bureau")
	if code, _, _ := fin.get("/cases/" + id); code != 403 && code != 404 {
		t.Fatalf("finance-bureau GET /cases/%s: %d, want 403 or 404", id, code)
	}
	if code, _, _ := fin.form("/cases/" + id + "/preliminary"); code != 403 && code != 404 {
		t.Fatalf("finance-bureau POST preliminary: %d, want 403 or 404", code)
	}
	if _, body, _ := fin.get("/queue"); strings.Contains(body, id) {
		t.Fatal("finance-bureau's queue lists another department's case")
	}

	// A POST without the CSRF field is refused and changes nothing.
	if code, _, _ := culture.post("/cases/"+id+"/preliminary", url.Values{}); code != 403 {
		t.Fatalf("POST without csrf: %d, want 403", code)
	}
	if code, _, _ := culture.post("/cases/"+id+"/reject", url.Values{"reason": {"x"}, "csrf": {strings.Repeat("0", 64)}}); code != 403 {
		t.Fatalf("POST with a wrong csrf: %d, want 403", code)
	}
	if st := culture.application(id).Status; st != duixian.StatusSubmitted {
		t.Fatalf("after refused POSTs the status is %s", st)
	}

	// A refused action shows the case again with the bilingual message.
	code, body, _ = culture.form("/cases/"+id+"/reject", "reason", "  ")
	if code != 400 || !strings.Contains(body, "须写明理由") || !strings.Contains(body, "a reason is required") || !strings.Contains(body, `action="/cases/`+id+`/preliminary"`) {
		t.Fatalf("reject without a reason: %d, want 400 with the case and the message", code)
	}

	code, _, loc := culture.form("/cases/" + id + "/preliminary")
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/"+id) {
		t.Fatalf("pass preliminary: %d → %q", code, loc)
	}
	if st := culture.application(id).Status; st != duixian.StatusReviewed {
		t.Fatalf("after the preliminary review the status is %s", st)
	}
	if _, body, _ := culture.get(loc); !strings.Contains(body, "已办理") {
		t.Fatal("no confirmation after the redirect")
	}

	// The expert sees it once it is assigned to them, not before.
	expert := site.signIn(t, "expert")
	if _, body, _ := expert.get("/queue"); strings.Contains(body, id) {
		t.Fatal("the expert's queue lists a case not assigned to them")
	}
	if code, _, _ := expert.get("/cases/" + id); code != http.StatusNotFound {
		t.Fatalf("the expert opened a case not assigned to them: %d", code)
	}
	if code, _, loc := culture.form("/cases/"+id+"/experts", "expert", "expert"); code != http.StatusSeeOther || !strings.HasPrefix(loc, "/cases/"+id) {
		t.Fatalf("assign the expert: %d → %q", code, loc)
	}
	if _, body, _ := expert.get("/queue"); !strings.Contains(body, id) {
		t.Fatal("the expert's queue does not list the case assigned")
	}
}

// The whole path through the forms: opinions, expert review, amount,
// publicity with an objection, approval after the window, and a payment made
// once for a form posted twice.
func TestOfficialCasePath(t *testing.T) {
	site := newOfficialSite(t)
	culture := site.signIn(t, "culture")
	id := bookstoreSubmitted(t, culture)
	step := func(b *browser, action string, kv ...string) {
		t.Helper()
		code, body, loc := b.form("/cases/"+id+"/"+action, kv...)
		if code != http.StatusSeeOther {
			m := regexp.MustCompile(`(?s)role="alert">(.*?)</div>`).FindStringSubmatch(body)
			t.Fatalf("%s: %d %q", action, code, m)
		}
		if !strings.HasPrefix(loc, "/cases/"+id) {
			t.Fatalf("%s redirected to %q", action, loc)
		}
	}
	step(culture, "opinions", "dept", "营商环境建设局")
	if code, body, _ := culture.form("/cases/" + id + "/preliminary"); code != 409 || !strings.Contains(body, "营商环境建设局") {
		t.Fatalf("preliminary with an opinion pending: %d", code)
	}
	env := site.signIn(t, "business-env")
	if _, body, _ := env.get("/queue"); !strings.Contains(body, id) {
		t.Fatal("the co-reviewer's queue does not list the case")
	}
	step(env, "opinion", "agree", "1", "text", "经营正常")
	step(culture, "preliminary")
	step(culture, "experts", "expert", "expert")
	step(site.signIn(t, "expert"), "expert-review", "score_name_0", "总分", "score_0", "88", "opinion", "实地核查属实", "pass", "1")
	if code, body, _ := culture.form("/cases/"+id+"/propose", "amount", "999999.00"); code != 400 || !strings.Contains(body, "超过") {
		t.Fatalf("proposing above the computed amount: %d", code)
	}
	if code, _, _ := culture.form("/cases/"+id+"/propose", "amount", "100.001"); code != 400 {
		t.Fatalf("proposing with three decimals: %d", code)
	}
	step(culture, "propose", "amount", "40,000.50", "reason", "按实际活动场次核减")
	if a := culture.application(id); a.Proposed != 4000050 || a.Status != duixian.StatusProposed {
		t.Fatalf("proposed %d fen, status %s", a.Proposed, a.Status)
	}
	today := duixian.DateOf(site.svc.Now())
	// 21号 publishes only an approved plan (第十二条（四）): the case page
	// says so and offers no 公示 of one project.
	if _, body, _ := culture.get("/cases/" + id); !strings.Contains(body, `id="act-plan"`) || strings.Contains(body, `id="act-publish"`) {
		t.Fatal("the case page offers 公示 of one project of 21号")
	}
	if code, body, _ := culture.form("/cases/"+id+"/publish", "start", today.String(), "days", "5"); code != http.StatusConflict || !strings.Contains(body, "建议方案") {
		t.Fatalf("one project of 21号 published alone: %d", code)
	}
	code, _, loc := culture.form("/rounds/" + culture.application(id).Round + "/plan")
	if code != http.StatusSeeOther || !strings.HasPrefix(loc, "/plans/") {
		t.Fatalf("compile: %d %q", code, loc)
	}
	plan := strings.TrimPrefix(loc, "/plans/")
	planStep := func(b *browser, action string, kv ...string) string {
		t.Helper()
		code, body, _ := b.form("/plans/"+plan+"/"+action, kv...)
		if code != http.StatusOK {
			m := regexp.MustCompile(`(?s)role="alert">(.*?)</div>`).FindStringSubmatch(body)
			t.Fatalf("plan %s: %d %q", action, code, m)
		}
		return body
	}
	planStep(culture, "submit")
	planStep(site.signIn(t, "culture-head"), "approve")
	planStep(culture, "publish", "start", today.String(), "days", "5")

	// An objection from the public page, answered on the case.
	anon := &browser{t: t, base: site.ts.URL, c: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	anon.c.Jar, _ = cookiejar.New(nil)
	_, body, _ := anon.get("/publicity")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no csrf on /publicity")
	}
	// Without a way to reach the objector the form comes back with the
	// field named and the text kept; with it, a receipt number.
	code, body, _ = anon.post("/publicity/"+id+"/objections", url.Values{"csrf": {m[1]}, "text": {"活动场次存疑"}, "name": {"张三"}})
	if code != http.StatusBadRequest || !strings.Contains(body, "联系电话或电子邮箱") || !strings.Contains(body, ">活动场次存疑</textarea>") {
		t.Fatalf("an objection without contact: %d", code)
	}
	code, body, _ = anon.post("/publicity/"+id+"/objections", url.Values{"csrf": {m[1]}, "text": {"活动场次存疑"}, "name": {"张三"}, "phone": {"138 0013 8000"}})
	receipt := regexp.MustCompile(`回执号 (O\d{8}[0-9A-F]{10})`).FindStringSubmatch(body)
	if code != http.StatusOK || receipt == nil {
		t.Fatalf("objection: %d, no receipt", code)
	}
	a := culture.application(id)
	if len(a.Objections) != 1 || a.Objections[0].ID != receipt[1] || a.Objections[0].Phone != "13800138000" {
		t.Fatalf("objections %+v, receipt %s", a.Objections, receipt[1])
	}
	if _, body, _ := culture.get("/cases/" + id); !strings.Contains(body, receipt[1]) || !strings.Contains(body, "13800138000") {
		t.Fatal("the case page does not show the receipt number and the objector's phone")
	}
	if code, body, _ := culture.form("/plans/" + plan + "/release"); code != 409 || !strings.Contains(body, "期满后方可转入拨付") {
		t.Fatalf("released during publicity: %d", code)
	}
	step(culture, "objections/"+a.Objections[0].ID+"/answer", "answer", "经核实活动记录属实", "upheld", "0")

	// After the window (sessions idle out over the days: sign in again).
	site.advance(30 * 24 * time.Hour)
	culture = site.signIn(t, "culture")
	if _, body, _ := culture.get("/queue"); !strings.Contains(body, "待批准") || !strings.Contains(body, id) {
		t.Fatal("the ended publicity is not under 待批准")
	}
	// Not approved alone: the plan sends it to payment.
	if code, body, _ := site.signIn(t, "culture-head").form("/cases/" + id + "/approve"); code != http.StatusConflict || !strings.Contains(body, "建议方案") {
		t.Fatalf("a plan's project approved alone: %d", code)
	}
	if body := planStep(culture, "release"); !strings.Contains(body, "公示期满，无异议的项目已转入拨付") {
		t.Fatal("the plan's page does not say the projects went to payment")
	}

	treasury := site.signIn(t, "treasury")
	_, body, _ = treasury.get("/cases/" + id)
	key := regexp.MustCompile(`name="key" value="([^"]+)"`).FindStringSubmatch(body)
	if key == nil {
		t.Fatal("no idempotency key on the disburse form")
	}
	for range 2 { // a double submission of one rendered form pays once
		step(treasury, "disburse", "key", key[1], "voucher", "JZ-2026-12-001", "account", "6222 0200 1234 5678", "paid_on", "2026-12-01")
	}
	if _, body, _ := treasury.get("/cases/" + id); !strings.Contains(body, "JZ-2026-12-001") || !strings.Contains(body, "**** **** 5678") || strings.Contains(body, "1234 5678") {
		t.Error("the case page does not show the voucher and the masked account, or shows the whole account")
	}
	a = treasury.application(id)
	if len(a.Payments) != 1 || a.Paid() != 4000050 || a.Status != duixian.StatusPaid {
		t.Fatalf("payments %v, status %s", a.Payments, a.Status)
	}

	// 一企一档 shows the totals.
	code, body, _ = treasury.get("/enterprises/" + a.Enterprise)
	if code != 200 || !strings.Contains(body, "亦城书房文化传播有限公司") || !strings.Contains(body, "40000.50") {
		t.Fatalf("enterprise file: %d, missing the name or the paid amount", code)
	}
}

func TestOfficialDashboardAndAudit(t *testing.T) {
	site := newOfficialSite(t)
	culture := site.signIn(t, "culture")
	code, body, _ := culture.get("/dashboard")
	if code != 200 {
		t.Fatalf("dashboard: %d", code)
	}
	for _, want := range []string{"<table", "按文件", "按责任单位", "按月份", "按办理阶段", "应享未享", "12.00万元", `id="data"`, "/static/echarts-5.6.0.min.js", "/static/dashboard.js"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// The chart data is JSON that a script can parse.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="data">(.*?)</script>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no data block")
	}
	var data struct {
		Documents []struct {
			Name  string
			Value float64
		}
	}
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil || len(data.Documents) == 0 {
		t.Fatalf("chart data %q: %v", m[1], err)
	}
	if strings.Contains(body, "<script>") {
		t.Error("an inline script on the dashboard (the CSP forbids it)")
	}

	if code, _, _ := culture.get("/audit"); code != 403 {
		t.Fatalf("culture GET /audit: %d, want 403", code)
	}
	sup := site.signIn(t, "supervisor")
	code, body, _ = sup.get("/audit")
	if code != 200 || !strings.Contains(body, "审计日志链完整") || !strings.Contains(body, "submit") {
		t.Fatalf("supervisor GET /audit: %d", code)
	}
	id := bookstoreSubmitted(t, sup)
	code, body, _ = sup.get("/audit?subject=" + id)
	if code != 200 || !strings.Contains(body, id) || strings.Contains(body, "register-enterprise") {
		t.Fatalf("audit filtered by subject: %d", code)
	}

	// The static files the pages use are served.
	for _, p := range []string{"/static/official.css", "/static/dashboard.js", "/static/echarts-5.6.0.min.js"} {
		if code, _, _ := sup.get(p); code != 200 {
			t.Errorf("GET %s: %d", p, code)
		}
	}
}
