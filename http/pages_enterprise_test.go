package http

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
)

var (
	entCatOnce sync.Once
	entCat     *engine.Catalogue
	entCatErr  error
)

// entServer is the platform over a temporary SQLite database with the demo
// data, on a clock fixed at 2026-11-30 10:00 in Shanghai.
func entServer(t *testing.T) (*Server, *httptest.Server) {
	t.Helper()
	entCatOnce.Do(func() { entCat, entCatErr = engine.Load(catalogue.FS) })
	if entCatErr != nil {
		t.Fatal(entCatErr)
	}
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/ent.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := workflow.New(db, entCat, calendar.Default())
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai)
	svc.Now = func() time.Time { return now }
	if _, err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	s, err := New(svc)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

// entBrowser is a person with a browser: cookies, and the CSRF token of the
// last page seen.
type entBrowser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

var (
	entCSRFField = regexp.MustCompile(`name="csrf" value="([0-9a-f]{64})"`)
	entKeyField  = regexp.MustCompile(`name="key" value="([0-9a-f]+)"`)
	entMyLink    = regexp.MustCompile(`^/my/(A[0-9A-F]+)\?submitted=1$`)
)

// entSignIn signs in through the login page, as a person would.
func entSignIn(t *testing.T, ts *httptest.Server, name string) *entBrowser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	b := &entBrowser{t: t, base: ts.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	_, page := b.get("/login")
	m := entCSRFField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the login page has no csrf field")
	}
	resp, body := b.post("/login", url.Values{"csrf": {m[1]}, "name": {name}, "password": {demo.Password}, "next": {"/my"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/my" {
		t.Fatalf("sign-in as %s: %d %s", name, resp.StatusCode, body)
	}
	_, page = b.get("/my")
	if m = entCSRFField.FindStringSubmatch(page); m == nil {
		t.Fatal("no csrf field once signed in")
	}
	b.csrf = m[1]
	return b
}

func (b *entBrowser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *entBrowser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if b.csrf != "" && form.Get("csrf") == "" {
		form.Set("csrf", b.csrf)
	}
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// entBookstore is the demo bookstore's situation as its staff would type it.
func entBookstore() url.Values {
	return url.Values{
		"event_date": {"2026-11-20"}, "f.has_publication_permit": {"true"}, "f.bookstore_premises": {"true"},
		"f.publications_main_business": {"true"}, "f.operating_since": {"2024-04-01"}, "f.operating_normally": {"true"},
		"f.business_area_m2": {"260"}, "f.publication_area_m2": {"168.5"}, "f.books_on_shelf": {"5200"},
		"f.publication_varieties": {"1900"}, "f.hosted_reading_events": {"12"}, "f.quarter_hour_service": {"true"},
		"f.annual_costs": {"86万元"},
	}
}

// between is the part of s from the first a to the following b.
func between(t *testing.T, s, a, b string) string {
	t.Helper()
	i := strings.Index(s, a)
	if i < 0 {
		t.Fatalf("%q not in the page", a)
	}
	j := strings.Index(s[i:], b)
	if j < 0 {
		t.Fatalf("%q not after %q", b, a)
	}
	return s[i : i+j]
}

func (s *Server) entUSCC(t *testing.T, user string) string {
	t.Helper()
	var u *duixian.User
	if err := s.DB.Tx(context.Background(), func(tx *sqldb.Tx) (err error) { u, err = tx.User(user); return }); err != nil {
		t.Fatal(err)
	}
	return u.Enterprise
}

func (s *Server) entApplications(t *testing.T, enterprise, clause string) []*duixian.Application {
	t.Helper()
	var out []*duixian.Application
	err := s.DB.Tx(context.Background(), func(tx *sqldb.Tx) error {
		all, err := tx.Applications(sqldb.ApplicationFilter{Enterprise: enterprise})
		for _, a := range all {
			if a.Clause == clause {
				out = append(out, a)
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestEnterpriseCalculator(t *testing.T) {
	_, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	if resp, page := b.get("/calculator"); resp.StatusCode != 200 || !strings.Contains(page, "事项发生日期") {
		t.Fatalf("GET /calculator: %d", resp.StatusCode)
	}

	// The POST changes nothing, so it needs no CSRF token. The demo
	// bookstore was paid the once-only 一刻钟 award: the ledger answers
	// “已获得过”, so it is a near miss, saying so.
	resp, page := b.post("/calculator", entBookstore())
	if resp.StatusCode != 200 {
		t.Fatalf("POST /calculator: %d %s", resp.StatusCode, page)
	}
	if strings.Contains(between(t, page, `id="eligible"`, `id="near"`), "“一刻钟”建设奖励") {
		t.Error("the once-only 一刻钟 award, already paid, is shown as eligible again")
	}
	for _, want := range []string{"“一刻钟”建设奖励为一次性奖励", "由平台根据奖励台账确定", "21号第七条（一）"} {
		if !strings.Contains(between(t, page, `id="near"`, `id="missing"`), want) {
			t.Errorf("the near miss of the held award lacks %q", want)
		}
	}
	// A bookstore that never had it (南海子书店) is shown the award.
	_, page = entSignIn(t, ts, "nanhaizi").post("/calculator", entBookstore())
	eligible := between(t, page, `id="eligible"`, `id="near"`)
	for _, want := range []string{"“一刻钟”建设奖励", "12.00万元", "120000.00元", "计算过程", `href="/apply/jjgf-2025-21/7.1"`} {
		if !strings.Contains(eligible, want) {
			t.Errorf("eligible clauses lack %q", want)
		}
	}

	form := entBookstore()
	form.Set("f.publication_varieties", "480")
	_, page = b.post("/calculator", form)
	if strings.Contains(between(t, page, `id="eligible"`, `id="near"`), "“一刻钟”建设奖励") {
		t.Error("with 480 publication titles the award is still shown as eligible")
	}
	near := between(t, page, `id="near"`, `id="missing"`)
	for _, want := range []string{"“一刻钟”建设奖励", "出版物品种不少于500种", "您填写 480种", "21号第六条（三）", "还差20种"} {
		if !strings.Contains(near, want) {
			t.Errorf("the near miss lacks %q", want)
		}
	}
	// Clauses that need more facts list them and link to the form.
	missing := page[strings.Index(page, `id="missing"`):]
	if !strings.Contains(missing, "阅读推广活动") || !strings.Contains(missing, `href="/apply/jjgf-2025-21/7.4"`) {
		t.Error("活动组织奖励 should need its reading events, with a link to apply")
	}

	// A mistyped number is named by the field; two, both at once.
	form.Set("f.books_on_shelf", "五千")
	resp, page = b.post("/calculator", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-books_on_shelf"`) {
		t.Errorf("a mistyped fact: %d, error not by its field", resp.StatusCode)
	}
	form.Set("f.publication_area_m2", "-5")
	resp, page = b.post("/calculator", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(page, `id="err-books_on_shelf"`) || !strings.Contains(page, `id="err-publication_area_m2"`) {
		t.Errorf("two mistyped facts: %d, not both by their fields", resp.StatusCode)
	}

	// An official has the public calculator: nothing of an enterprise.
	o := entSignIn(t, ts, "culture")
	if resp, page := o.get("/calculator"); resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="public-notice"`) || strings.Contains(page, "ent-gov") {
		t.Errorf("a reviewer on /calculator: %d, want the public calculator", resp.StatusCode)
	}
}

func TestEnterpriseApplyForm(t *testing.T) {
	s, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	resp, page := b.get("/apply/jjgf-2025-21/7.4")
	if resp.StatusCode != 200 {
		t.Fatalf("GET the form: %d", resp.StatusCode)
	}
	cl, _ := s.Catalogue.Clause("jjgf-2025-21/7.4")
	for _, f := range cl.View().Facts {
		if !strings.Contains(page, html.EscapeString(f.Zh)) {
			t.Errorf("the form lacks the label of %s: %s", f.Name, f.Zh)
		}
		for _, c := range f.Fields {
			if !strings.Contains(page, html.EscapeString(c.Zh)) {
				t.Errorf("the form lacks the label of %s.%s: %s", f.Name, c.Name, c.Zh)
			}
		}
	}
	for _, want := range []string{
		"由政府数据提供",                              // zones and records come from the registry
		`name="declared" value="yes" required`, // the declaration
		"承诺申报材料真实、无弄虚作假",
		`name="f.publication_varieties" type="number"`,
		`name="f.annual_costs" type="text" inputmode="decimal"`,
		`name="r.reading_events.0.minutes"`, // a table of records
		`name="more" value="reading_events"`,
		"21号第六条（三）", // the conditions beside the form
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the form lacks %s", want)
		}
	}
	if strings.Contains(page, `name="f.zones"`) {
		t.Error("zones are held by the registry and must not be an input")
	}
	if !entKeyField.MatchString(page) {
		t.Error("no idempotency key in the form")
	}

	// More rows without JavaScript: the form comes back with five more,
	// keeping what was typed.
	form := url.Values{"n.reading_events": {"3"}, "r.reading_events.0.name": {"读书会"}, "more": {"reading_events"}}
	_, page = b.post("/apply/jjgf-2025-21/7.4", form)
	if !strings.Contains(page, `name="r.reading_events.7.name"`) || !strings.Contains(page, `value="读书会"`) {
		t.Error("more rows: the rows or the typed values are missing")
	}
}

func TestEnterpriseApplyMistypedNumber(t *testing.T) {
	s, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	_, page := b.get("/apply/jjgf-2025-21/7.1")
	form := entBookstore()
	form.Set("key", entKeyField.FindStringSubmatch(page)[1])
	form.Set("f.publication_varieties", "19oo")
	form.Set("declared", "yes")
	before := len(s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.1"))
	resp, page := b.post("/apply/jjgf-2025-21/7.1", form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a mistyped number: %d, want 400", resp.StatusCode)
	}
	field := page[strings.Index(page, `id="field-publication_varieties"`):]
	field = field[:strings.Index(field[1:], `class="ent-field`)+1]
	for _, want := range []string{`id="err-publication_varieties"`, "出版物品种数", "应为整数", `value="19oo"`, "must be a whole number"} {
		if !strings.Contains(field, want) {
			t.Errorf("the field lacks %q: %s", want, field)
		}
	}
	if !strings.Contains(page, `href="#field-publication_varieties"`) {
		t.Error("the summary does not link to the field")
	}
	if !strings.Contains(page, `value="260"`) {
		t.Error("the other values typed are lost")
	}
	if after := len(s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.1")); after != before {
		t.Errorf("a rejected form made an application (%d → %d)", before, after)
	}
}

func TestEnterpriseApplySubmitAndTimeline(t *testing.T) {
	s, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	_, page := b.get("/apply/jjgf-2025-21/7.4")
	form := entBookstore()
	// 2026 is taken: the demo bookstore holds 一刻钟 (paid) and 融合发展 (in
	// review), and 21号第九条 allows no third category in a year.
	form.Set("event_date", "2025-12-20")
	form.Set("key", entKeyField.FindStringSubmatch(page)[1])
	form.Set("f.municipal_bookstore_support", "false")
	form.Set("n.reading_events", "3")
	for k, v := range map[string]string{"name": "“书香亦城”读书会", "minutes": "90", "mode": "offline", "offline_attendees": "25",
		"activity": "reading-promotion", "in_etown": "true", "free_and_open": "true"} {
		form.Set("r.reading_events.1."+k, v) // row 0 is left empty
	}
	form.Set("declared", "yes")
	form.Set("action", "submit")

	resp, body := b.apply("jjgf-2025-21/7.4", form)
	m := entMyLink.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || m == nil {
		t.Fatalf("submit: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	id := m[1]
	// A double click: the same form again finds the same application.
	resp, _ = b.apply("jjgf-2025-21/7.4", form)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, id) {
		t.Errorf("the second click: %d %s, want the redirect to %s", resp.StatusCode, loc, id)
	}
	list := s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.4")
	if len(list) != 1 || list[0].ID != id || list[0].Status != duixian.StatusSubmitted {
		t.Fatalf("want one submitted application %s, got %d", id, len(list))
	}
	if !strings.Contains(string(list[0].Facts), `"reading_events":[{`) || strings.Count(string(list[0].Facts), `"minutes"`) != 1 {
		t.Errorf("empty rows should be skipped: %s", list[0].Facts)
	}

	_, page = b.get("/my")
	row := between(t, page, `href="/my/`+id+`"`, "</tr>")
	for _, want := range []string{"活动组织奖励", "已申报，待初审", "0.25万元", "2500.00元", "2026-11-30 10:00"} {
		if !strings.Contains(row, want) {
			t.Errorf("/my lacks %q for %s", want, id)
		}
	}

	resp, page = b.get("/my/" + id)
	if resp.StatusCode != 200 {
		t.Fatalf("/my/%s: %d", id, resp.StatusCode)
	}
	for _, want := range []string{"创建申报草稿", "提交申报", "2026-11-30 10:00", "受理时测算（已冻结）", "0.25万元", "撤回申报", "“书香亦城”读书会"} {
		if !strings.Contains(page, want) {
			t.Errorf("the timeline page lacks %q", want)
		}
	}

	// Another enterprise cannot see it, nor withdraw it.
	other := entSignIn(t, ts, "tech")
	if resp, _ := other.get("/my/" + id); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tech on the bookstore's application: %d, want 404", resp.StatusCode)
	}
	if resp, _ := other.post("/my/"+id+"/withdraw", url.Values{"confirm": {"yes"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("tech withdrawing the bookstore's application: %d, want 404", resp.StatusCode)
	}

	// The applicant withdraws it.
	resp, _ = b.post("/my/"+id+"/withdraw", url.Values{"confirm": {"yes"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", resp.StatusCode)
	}
	if _, page = b.get("/my/" + id); !strings.Contains(page, "已撤回") {
		t.Error("the application is not shown as withdrawn")
	}
}

func TestEnterpriseRefusalKeepsDraft(t *testing.T) {
	s, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	_, page := b.get("/apply/jjgf-2025-21/7.3.1")
	form := entBookstore()
	// 2026 is taken: the demo bookstore's 融合发展 claim in review rules
	// out 特色经营 that year (21号第七条（三）).
	form.Set("event_date", "2025-12-20")
	form.Set("key", entKeyField.FindStringSubmatch(page)[1])
	form.Set("f.publication_varieties", "480")
	form.Set("f.specialized_store", "true") // 特色经营奖励
	form.Set("declared", "yes")
	before := len(s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.3.1"))
	resp, page := b.post("/apply/jjgf-2025-21/7.3.1", form)
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a refused claim: %d, want 422", resp.StatusCode)
	}
	for _, want := range []string{"出版物品种不少于500种", "21号第六条（三）", "保存为草稿", `value="480"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the refusal lacks %q", want)
		}
	}
	list := s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.3.1")
	if len(list) != before+1 || list[0].Status != duixian.StatusDraft {
		t.Fatalf("the refused claim should be kept as one draft")
	}
	if !strings.Contains(page, `name="draft" value="`+list[0].ID+`"`) {
		t.Error("the form does not continue the draft")
	}

	// Fixed, it is submitted from the same draft.
	form.Set("key", entKeyField.FindStringSubmatch(page)[1])
	form.Set("draft", list[0].ID)
	form.Set("f.publication_varieties", "520")
	resp, body := b.apply("jjgf-2025-21/7.3.1", form)
	if m := entMyLink.FindStringSubmatch(resp.Header.Get("Location")); m == nil || m[1] != list[0].ID {
		t.Fatalf("resubmit: %d %s %s", resp.StatusCode, resp.Header.Get("Location"), between(t, body, "ent-notice", "</div>"))
	}
	if n := len(s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.3.1")); n != before+1 {
		t.Errorf("the resubmission made another application (%d)", n-before)
	}
}

// The demo bookstore holds a paid 一刻钟 award (21号第七条（一）): its form
// shows “已获得过” as the ledger's answer, 是, with no input to change it.
func TestApplyFormOnceOnlyFromLedger(t *testing.T) {
	_, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	resp, page := b.get("/apply/jjgf-2025-21/7.1")
	if resp.StatusCode != 200 {
		t.Fatalf("GET the form: %d", resp.StatusCode)
	}
	if !strings.Contains(page, "由平台根据奖励台账确定") {
		t.Error("the form does not say the ledger answers the once-only fact")
	}
	if strings.Contains(page, `name="f.quarter_hour_awarded_before"`) {
		t.Error("the once-only fact is an input the applicant can change")
	}
}

// The calculator the home page promises is open to a visitor who has not
// signed in: it decides from what they type alone, reads no enterprise's
// data, and writes nothing (the audit chain's head does not move).
func TestCalculatorAnonymous(t *testing.T) {
	s, ts := entServer(t)
	head := func() (seq int64) {
		if err := s.DB.Tx(context.Background(), func(tx *sqldb.Tx) (err error) { seq, _, err = tx.AuditHead(); return }); err != nil {
			t.Fatal(err)
		}
		return seq
	}
	before := head()
	jar, _ := cookiejar.New(nil)
	b := &entBrowser{t: t, base: ts.URL, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	resp, page := b.get("/calculator")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("an anonymous GET /calculator: %d (%s)", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, want := range []string{"事项发生日期", `id="public-notice"`, "不读取任何企业的数据，也不保存"} {
		if !strings.Contains(page, want) {
			t.Errorf("the anonymous calculator lacks %q", want)
		}
	}
	if strings.Contains(page, "ent-gov") {
		t.Error("the anonymous calculator shows government data")
	}
	// What the registry holds for a signed-in enterprise the visitor types.
	form := entBookstore()
	form["f.zones"] = []string{"yizhuang-225", "core-60"}
	for _, f := range []string{"major_penalty_3y", "criminal_record_3y", "serious_dishonest"} {
		form.Set("f."+f, "false")
	}
	resp, page = b.post("/calculator", form)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, `id="results"`) {
		t.Fatalf("an anonymous POST /calculator: %d %.500s", resp.StatusCode, page)
	}
	if !strings.Contains(between(t, page, `id="eligible"`, `id="missing"`), "“一刻钟”建设奖励") {
		t.Error("the anonymous calculator does not decide the 一刻钟 award from the typed facts")
	}
	if after := head(); after != before {
		t.Errorf("the anonymous calculator wrote %d audit entries", after-before)
	}
}

// The public 公示 shows what a 公示 shows — the enterprise, its project,
// the clause, the amount, the period, the objection form — and never the
// facts the applicant declared, on the page or in the API.
func TestPublicityShowsNoDeclaredFacts(t *testing.T) {
	s, ts := entServer(t)
	id := demoApp(t, s, duixian.StatusPublicity, "jjgf-2025-22/6.2")
	var app *duixian.Application
	if err := s.DB.Tx(context.Background(), func(tx *sqldb.Tx) (err error) {
		if app, err = tx.Application(id, true); err != nil {
			return err
		}
		app.Project = "亦庄全民阅读空间建设项目"
		return tx.PutApplication(app)
	}); err != nil {
		t.Fatal(err)
	}
	var declared map[string]any
	if err := json.Unmarshal(app.Facts, &declared); err != nil || len(declared) == 0 {
		t.Fatalf("the demo application declares no facts: %v", err)
	}
	cl, _ := s.Catalogue.Clause(app.Clause)
	jar, _ := cookiejar.New(nil)
	b := &entBrowser{t: t, base: ts.URL, c: &http.Client{Jar: jar}}
	_, page := b.get("/publicity")
	item := between(t, page, `id="a-`+id+`"`, "</section>")
	for _, want := range []string{app.Project, cl.Title, cl.Cite().String(), cl.Document.Number, app.Proposed.String() + "元",
		app.Publicity.From.String() + " 至 " + app.Publicity.Until.String(), `action="/publicity/` + id + `/objections"`, `name="phone"`} {
		if !strings.Contains(item, want) {
			t.Errorf("the 公示 of %s lacks %q", id, want)
		}
	}
	_, api := b.get("/api/v1/publicity")
	if !strings.Contains(api, app.Project) {
		t.Errorf("the API's 公示 lacks the project: %.300s", api)
	}
	for name := range declared {
		for where, text := range map[string]string{"page": item, "API": api} {
			if strings.Contains(text, name) {
				t.Errorf("the %s's 公示 discloses the declared fact %s", where, name)
			}
		}
	}
	if strings.Contains(api, `"declared"`) {
		t.Error("the API's 公示 carries the declared facts")
	}
}

// Histories name people as the platform knows them: the official's case
// history, the audit page and the applicant's timeline show 宣传文化部·初审
// and 阅读空间·经办人, not the sign-in names culture and space.
func TestHistoriesShowPeople(t *testing.T) {
	s, ts := entServer(t)
	id := demoApp(t, s, duixian.StatusPublicity, "jjgf-2025-22/6.2") // the reading space's, proposed by culture
	o := entSignIn(t, ts, "culture")
	_, page := o.get("/cases/" + id)
	history := page[strings.Index(page, "off-time"):]
	if !strings.Contains(history, "宣传文化部·初审") || strings.Contains(history, ">culture ·") {
		t.Errorf("the case history does not name the reviewer: %.600s", history)
	}
	_, page = entSignIn(t, ts, "supervisor").get("/audit?subject=" + id)
	if !strings.Contains(between(t, page, "<tbody", "</tbody>"), "宣传文化部·初审") {
		t.Error("the audit page does not name the reviewer")
	}
	_, page = entSignIn(t, ts, "space").get("/my/" + id)
	if !strings.Contains(page, "本企业经办人（阅读空间·经办人）") || strings.Contains(page, "（space）") {
		t.Error("the applicant's timeline shows the sign-in name, not the person")
	}
}

// A refused draft resubmitted with another event date is the same
// application, revised: nothing is withdrawn in the applicant's name.
func TestResubmitWithNewDateWithdrawsNothing(t *testing.T) {
	s, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	uscc := s.entUSCC(t, "bookstore")
	withdrawn := func() (n int) {
		for _, a := range s.entApplications(t, uscc, "jjgf-2025-21/7.3.1") {
			if a.Status == duixian.StatusWithdrawn {
				n++
			}
		}
		return n
	}
	_, page := b.get("/apply/jjgf-2025-21/7.3.1")
	form := entBookstore()
	form.Set("event_date", "2025-12-20")
	form.Set("key", entKeyField.FindStringSubmatch(page)[1])
	form.Set("f.publication_varieties", "480")
	form.Set("f.specialized_store", "true")
	form.Set("declared", "yes")
	before := withdrawn()
	if resp, _ := b.post("/apply/jjgf-2025-21/7.3.1", form); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("a refused claim: %d, want 422", resp.StatusCode)
	}
	list := s.entApplications(t, uscc, "jjgf-2025-21/7.3.1")
	draft := list[0].ID
	form.Set("event_date", "2025-12-21")
	form.Set("f.publication_varieties", "520")
	resp, body := b.apply("jjgf-2025-21/7.3.1", form)
	if m := entMyLink.FindStringSubmatch(resp.Header.Get("Location")); m == nil || m[1] != draft {
		t.Fatalf("resubmit: %d %s %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	if n := withdrawn(); n != before {
		t.Errorf("the resubmission withdrew %d application(s) in the applicant's name", n-before)
	}
	var a *duixian.Application
	if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) (err error) { a, err = tx.Application(draft, false); return }); err != nil {
		t.Fatal(err)
	}
	if a.EventDate.String() != "2025-12-21" || a.Status != duixian.StatusSubmitted {
		t.Errorf("the draft is %s on %s, want submitted on 2025-12-21", a.Status, a.EventDate)
	}
}

// A form with several mistakes names them all at once, each beside its
// input in plain Chinese with the field's label (no fact key), and makes
// no application.
func TestApplyFormAllErrorsAtOnce(t *testing.T) {
	s, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	_, page := b.get("/apply/jjgf-2025-21/7.1")
	form := entBookstore()
	form.Set("key", entKeyField.FindStringSubmatch(page)[1])
	form.Set("f.publication_varieties", "19oo")
	form.Set("f.publication_area_m2", "-5")
	form.Set("f.books_on_shelf", "很多")
	form.Set("declared", "yes")
	before := len(s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.1"))
	resp, page := b.post("/apply/jjgf-2025-21/7.1", form)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("three mistakes: %d, want 400", resp.StatusCode)
	}
	for _, name := range []string{"publication_varieties", "publication_area_m2", "books_on_shelf"} {
		if !strings.Contains(page, `id="err-`+name+`"`) {
			t.Errorf("the mistake in %s is not shown beside it", name)
		}
		if !strings.Contains(page, `href="#field-`+name+`"`) {
			t.Errorf("the summary does not link to %s", name)
		}
	}
	if !strings.Contains(page, "出版物经营面积：不得小于 0") || strings.Contains(page, "事实 publication_area_m2") {
		t.Error("the error does not read in plain Chinese with the field's label")
	}
	if after := len(s.entApplications(t, s.entUSCC(t, "bookstore"), "jjgf-2025-21/7.1")); after != before {
		t.Errorf("a form with mistakes made an application (%d → %d)", before, after)
	}
}
