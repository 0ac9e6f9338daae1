package http

// Handler tests against fakes of the services: no database, no sign-in.
// They show what the handlers do themselves: decode, call, render.

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/diagnosis"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/workflow"
)

// fakeOfficialCases is a CaseService whose reads answer what the test set and
// whose steps record their call.
type fakeOfficialCases struct {
	CaseService // the steps a test does not expect panic (nil)
	queue       *workflow.Queue
	log         *workflow.AuditLog
	subject     string
	rejected    []string                  // id: reason
	cases       map[string]*workflow.Case // those the official may see
}

func (f *fakeOfficialCases) Queue(context.Context, duixian.Actor, workflow.QueueQuery) (*workflow.Queue, error) {
	return f.queue, nil
}

func (f *fakeOfficialCases) AuditLog(_ context.Context, _ duixian.Actor, subject string, _ duixian.PageRequest) (*workflow.AuditLog, error) {
	f.subject = subject
	return f.log, nil
}

func (f *fakeOfficialCases) Reject(_ context.Context, _ duixian.Actor, id, reason string) (*duixian.Application, error) {
	if reason == "" {
		return nil, duixian.Errorf(duixian.EINVALID, "reason", "请写明理由", "give a reason")
	}
	f.rejected = append(f.rejected, id+": "+reason)
	return &duixian.Application{ID: id}, nil
}

func (f *fakeOfficialCases) Case(_ context.Context, _ duixian.Actor, id string) (*workflow.Case, error) {
	if c, ok := f.cases[id]; ok {
		return c, nil
	}
	return nil, duixian.Errorf(duixian.ENOTFOUND, "application", "没有申报 %s", "no application %s", id)
}

// fakeServe serves routes as the server would after authorization: the user
// is signed in, the CSRF token checked.
func fakeServe(t *testing.T, routes []Route, u *duixian.User, method, target, form string) *httptest.ResponseRecorder {
	t.Helper()
	s := &Server{}
	var err error
	if s.pages, err = loadPages(func(*duixian.User) bool { return false }); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	for _, rt := range routes {
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			q := &Request{W: w, R: r, User: u, CSRF: "token", route: rt}
			if err := rt.handle(q); err != nil {
				s.fail(q, err)
			}
		})
	}
	r := httptest.NewRequest(method, target, strings.NewReader(form))
	if form != "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	return w
}

func fakeCatalogue(t *testing.T) *engine.Catalogue {
	t.Helper()
	catOnce.Do(func() {
		var err error
		if testCat, err = engine.Load(catalogue.FS); err != nil {
			panic(err)
		}
	})
	return testCat
}

// offPagesOn are the officials' pages over a fake, rendering as the server does.
func offPagesOn(t *testing.T, wf CaseService) []Route {
	s := &Server{}
	var err error
	if s.pages, err = loadPages(func(*duixian.User) bool { return false }); err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai) }
	return (&offPages{wf: wf, cat: fakeCatalogue(t), view: s.offRender, now: now}).routes()
}

// The queue page shows the workflow's groups, with each row's enterprise
// name and what its publicity has left.
func TestFakeQueue(t *testing.T) {
	until := duixian.Date{Year: 2026, Month: 12, Day: 4}
	a := &duixian.Application{ID: "A2026113000000000AB", Enterprise: "91110302MA01HJKL2X", Clause: "jjgf-2025-21/7.1",
		Status: duixian.StatusPublicity, Publicity: &duixian.Publicity{From: duixian.Date{Year: 2026, Month: 11, Day: 27}, Until: until},
		Objections: []duixian.Objection{{ID: "o1"}}}
	wf := &fakeOfficialCases{queue: &workflow.Queue{Scope: "文旅局负责的条款（3项）", Names: map[string]string{a.Enterprise: "亦庄书局有限公司"},
		Groups: []workflow.QueueGroup{{Key: "publicity", Title: "公示中", Hint: "公示期内受理异议，须逐项答复", Kind: "publicity", Apps: []*duixian.Application{a}},
			{Key: "ended", Title: "待批准", Kind: "publicity"}}}}
	w := fakeServe(t, offPagesOn(t, wf), &duixian.User{Name: "culture", Role: duixian.RoleReviewer, Department: "文旅局"}, "GET", "/queue", "")
	page := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("GET /queue: %d %.300s", w.Code, page)
	}
	for _, want := range []string{"文旅局负责的条款（3项）", "共 1 件", a.ID, "亦庄书局有限公司", `href="#g-ended"`, "2026-11-27 至 2026-12-04"} {
		if !strings.Contains(page, want) {
			t.Errorf("the queue lacks %q", want)
		}
	}
	if rows := (&offPages{cat: fakeCatalogue(t), now: func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai) }}).rows(
		[]*duixian.Application{a}, wf.queue.Names, nil); len(rows) != 1 || rows[0].DaysLeft != 5 || rows[0].Open != 1 || rows[0].Ended {
		t.Errorf("row: %+v", rows)
	}
}

// A refused step shows the case again with the error; a case the official
// may not see stays a plain 404, and an accepted step redirects to the case.
func TestFakeCaseStep(t *testing.T) {
	wf := &fakeOfficialCases{}
	routes := offPagesOn(t, wf)
	u := &duixian.User{Name: "culture", Role: duixian.RoleReviewer, Department: "文旅局"}
	w := fakeServe(t, routes, u, "POST", "/cases/A1/reject", url.Values{"reason": {"材料不实"}}.Encode())
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/cases/A1?done=reject" || len(wf.rejected) != 1 || wf.rejected[0] != "A1: 材料不实" {
		t.Fatalf("reject: %d %q %v", w.Code, w.Header().Get("Location"), wf.rejected)
	}
	// Refused (no reason): the case is shown again, which this fake does not
	// let the official see: a 404, not the refusal of another's case.
	w = fakeServe(t, routes, u, "POST", "/cases/A2/reject", "reason=")
	if w.Code != http.StatusNotFound || len(wf.rejected) != 1 {
		t.Fatalf("refused on a case not shown: %d", w.Code)
	}
	// Form errors are the handler's: a score row without a whole number is
	// refused before the workflow is asked, and the case shown again with
	// what was typed.
	wf.cases = map[string]*workflow.Case{"A3": {App: &duixian.Application{ID: "A3", Clause: "jjgf-2025-21/7.1", Status: duixian.StatusReviewed},
		Name: "亦庄书局有限公司", Actions: workflow.Actions{Expert: true}}}
	w = fakeServe(t, routes, &duixian.User{Role: duixian.RoleExpert}, "POST", "/cases/A3/expert-review", url.Values{"score_name_0": {"创新性"}, "score_0": {"high"}, "pass": {"1"}}.Encode())
	page := w.Body.String()
	if w.Code != http.StatusBadRequest || !strings.Contains(page, "第1行评分须写明评分项") || !strings.Contains(page, `value="创新性"`) || !strings.Contains(page, "亦庄书局有限公司") {
		t.Fatalf("expert form: %d %.3000s", w.Code, page)
	}
}

// The audit page says whether the chain verified, and passes the subject on.
func TestFakeAuditPage(t *testing.T) {
	wf := &fakeOfficialCases{log: &workflow.AuditLog{Checked: 41, Broken: errors.New("第42条记录被改动"),
		Entries: []duixian.AuditEntry{{Seq: 41, Subject: "A2026113000000000AB", Action: "approve", Actor: duixian.Actor{User: "culture", Role: duixian.RoleReviewer}}}}}
	w := fakeServe(t, offPagesOn(t, wf), &duixian.User{Role: duixian.RoleSupervisor}, "GET", "/audit?subject=+A2026113000000000AB", "")
	page := w.Body.String()
	if w.Code != 200 || wf.subject != "A2026113000000000AB" {
		t.Fatalf("GET /audit: %d, subject %q", w.Code, wf.subject)
	}
	for _, want := range []string{"✗ 第42条记录被改动（已验证 41 条）", `href="/cases/A2026113000000000AB"`, "批准", "责任单位"} {
		if !strings.Contains(page, want) {
			t.Errorf("the audit page lacks %q", want)
		}
	}
}

// fakeDiagnoser answers one diagnosis and records the facts it was given.
type fakeDiagnoser struct {
	got duixian.Facts
}

func (f *fakeDiagnoser) Sections() []diagnosis.Section {
	return []diagnosis.Section{{Board: "科创板", First: true, Facts: []diagnosis.Fact{
		{FactView: engine.FactView{Name: "listing_rd_y1", Zh: "研发投入", Type: engine.KindMoney}, Boards: []string{"科创板", "创业板"}},
		{FactView: engine.FactView{Name: "listing_profitable", Zh: "盈利", Type: engine.KindBool}, Boards: []string{"科创板"}}}}}
}

func (f *fakeDiagnoser) Article() (string, string) {
	return "京技管发〔2025〕26号", "动态对标各板块上市标准"
}

func (f *fakeDiagnoser) Facts(raw map[string]any) (duixian.Facts, error) {
	out := duixian.Facts{}
	for k, v := range raw {
		if s, ok := v.(string); ok && strings.Contains(s, "万") {
			return nil, duixian.Errorf(duixian.EINVALID, "facts."+k, "金额无法识别", "not an amount")
		}
		out[k] = v
	}
	return out, nil
}

func (f *fakeDiagnoser) Diagnose(facts duixian.Facts) (*diagnosis.Diagnosis, error) {
	f.got = facts
	return &diagnosis.Diagnosis{Summary: "符合 0 个板块的 0 套标准"}, nil
}

// The form is decoded field by field: digit-group commas go, a yes/no is a
// bool, a figure that cannot be read is named on its field and the others
// are still diagnosed.
func TestFakeDiagnosisForm(t *testing.T) {
	dx := &fakeDiagnoser{}
	s := &Server{}
	var err error
	if s.pages, err = loadPages(func(*duixian.User) bool { return false }); err != nil {
		t.Fatal(err)
	}
	routes := diagnosisRoutes(dx, s.offRender)
	u := &duixian.User{Role: duixian.RoleEnterprise}
	w := fakeServe(t, routes, u, "POST", "/diagnosis", "f.listing_rd_y1=1%2C200.50&f.listing_profitable=true")
	if w.Code != 200 || dx.got["listing_rd_y1"] != "1200.50" || dx.got["listing_profitable"] != true {
		t.Fatalf("diagnosis: %d %v", w.Code, dx.got)
	}
	page := w.Body.String()
	if !strings.Contains(page, "符合 0 个板块的 0 套标准") || !strings.Contains(page, "用于：科创板、创业板") || !strings.Contains(page, "科创板所需信息") {
		t.Errorf("the page: %.2000s", page)
	}
	w = fakeServe(t, routes, u, "POST", "/diagnosis", "f.listing_rd_y1=三百万&f.listing_profitable=false")
	if w.Code != 400 || len(dx.got) != 1 || dx.got["listing_profitable"] != false || !strings.Contains(w.Body.String(), "金额无法识别") {
		t.Fatalf("a bad figure: %d %v", w.Code, dx.got)
	}
}

// fakeLand lists two cases, one with work waiting.
type fakeLand struct {
	LandService
}

func (fakeLand) List(context.Context, duixian.Actor) ([]land.Row, error) {
	return []land.Row{{C: &land.Case{ID: "L1", Plot: "YZ-0815"}, Name: "亦庄制造", Todo: []string{"征求意见"}},
		{C: &land.Case{ID: "L2", Plot: "YZ-0816"}, Name: "亦庄精工"}}, nil
}

func (fakeLand) Trials(context.Context) ([]*land.Trial, error) { return nil, nil }

func TestFakeLandList(t *testing.T) {
	s := &Server{}
	var err error
	if s.pages, err = loadPages(func(*duixian.User) bool { return false }); err != nil {
		t.Fatal(err)
	}
	routes := (&landPages{L: fakeLand{}, cat: fakeCatalogue(t), view: s.offRender, now: time.Now}).routes()
	w := fakeServe(t, routes, &duixian.User{Role: duixian.RoleReviewer, Department: "规自分局"}, "GET", "/land", "")
	page := w.Body.String()
	if w.Code != 200 || !strings.Contains(page, "规自分局") || !strings.Contains(page, `<span class="land-todo">征求意见</span>`) || !strings.Contains(page, "YZ-0816") {
		t.Fatalf("GET /land: %d %.1500s", w.Code, page)
	}
	if !strings.Contains(page, `待我办理 <span class="land-count">1</span>`) {
		t.Error("the cases waiting are not counted")
	}
}
