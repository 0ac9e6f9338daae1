package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/workflow"
)

// The enterprise pages against fakes of their services: no database, so
// each test runs in milliseconds and says exactly what the page was given.

const fakeUSCC = "91110302MA01ABCD1X"

type fakeEnterpriseCases struct {
	apps    []*duixian.Application
	log     []duixian.AuditEntry
	platf   workflow.PlatformFacts
	listed  []string // "status limit" of each EnterpriseApplications call
	readFor []duixian.Actor
}

func (f *fakeEnterpriseCases) EnterpriseApplications(_ context.Context, actor duixian.Actor, status duixian.Status, p duixian.PageRequest) (*duixian.Page[*duixian.Application], error) {
	f.listed = append(f.listed, fmt.Sprintf("%s %d", status, p.Limit))
	f.readFor = append(f.readFor, actor)
	return &duixian.Page[*duixian.Application]{Items: f.apps}, nil
}

func (f *fakeEnterpriseCases) Application(_ context.Context, actor duixian.Actor, id string) (*duixian.Application, error) {
	for _, a := range f.apps {
		if a.ID == id && a.Enterprise == actor.Enterprise {
			return a, nil
		}
	}
	return nil, duixian.Errorf(duixian.ENOTFOUND, "application", "没有申报 %s", "no application %s", id)
}

func (f *fakeEnterpriseCases) ApplicationHistory(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, []duixian.AuditEntry, error) {
	a, err := f.Application(ctx, actor, id)
	return a, f.log, err
}

func (f *fakeEnterpriseCases) PlatformFacts(context.Context, duixian.Actor) (*workflow.PlatformFacts, error) {
	return &f.platf, nil
}

// fakeDrafts refuses every change: the tests below must not make one.
type fakeDrafts struct{ calls []string }

func (f *fakeDrafts) refuse(what string) (*duixian.Application, error) {
	f.calls = append(f.calls, what)
	return nil, duixian.Errorf(duixian.ECONFLICT, "application", "测试中不应调用 %s", "%s was called in a test", what)
}
func (f *fakeDrafts) Drafted(context.Context, duixian.Actor, string) (*duixian.Application, error) {
	return f.refuse("Drafted")
}
func (f *fakeDrafts) CreateDraft(context.Context, duixian.Actor, workflow.DraftInput) (*duixian.Application, error) {
	return f.refuse("CreateDraft")
}
func (f *fakeDrafts) UpdateDraft(context.Context, duixian.Actor, string, json.RawMessage, bool) (*duixian.Application, error) {
	return f.refuse("UpdateDraft")
}
func (f *fakeDrafts) ReviseDraft(context.Context, duixian.Actor, string, workflow.DraftRevision) (*duixian.Application, error) {
	return f.refuse("ReviseDraft")
}
func (f *fakeDrafts) Submit(context.Context, duixian.Actor, string, string) (*duixian.Application, error) {
	return f.refuse("Submit")
}
func (f *fakeDrafts) Withdraw(context.Context, duixian.Actor, string) (*duixian.Application, error) {
	return f.refuse("Withdraw")
}

type fakeOffers []matching.StoredOffer

func (f fakeOffers) Offers(context.Context, string) ([]matching.StoredOffer, error) { return f, nil }

// fakePages serves the enterprise routes from fakes, signed in as staff of
// fakeUSCC; a handler's error is answered with its status.
func fakePages(t *testing.T, cases *fakeEnterpriseCases, drafts *fakeDrafts, offers fakeOffers) http.Handler {
	t.Helper()
	entCatOnce.Do(func() { entCat, entCatErr = engine.Load(catalogue.FS) })
	if entCatErr != nil {
		t.Fatal(entCatErr)
	}
	p, err := loadPages(func(*duixian.User) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai)
	h := &entPages{cases: cases, drafts: drafts, offers: offers, cat: entCat, now: func() time.Time { return now }, render: p.render}
	mux := http.NewServeMux()
	for _, rt := range h.routes() {
		mux.HandleFunc(rt.Method+" "+rt.Path, func(w http.ResponseWriter, r *http.Request) {
			q := &Request{W: w, R: r, route: rt, CSRF: "csrf",
				User: &duixian.User{Name: "staff@bookstore", Display: "经办人", Role: duixian.RoleEnterprise, Enterprise: fakeUSCC}}
			if err := rt.handle(q); err != nil {
				http.Error(w, err.Error(), status(duixian.ErrorCode(err)))
			}
		})
	}
	return mux
}

func fakeGet(t *testing.T, h http.Handler, method, target string, form url.Values) (int, string) {
	t.Helper()
	var r *http.Request
	if form != nil {
		r = httptest.NewRequest(method, target, strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func fakeApp(id string, st duixian.Status) *duixian.Application {
	at := time.Date(2026, 11, 2, 9, 30, 0, 0, duixian.Shanghai)
	return &duixian.Application{ID: id, Enterprise: fakeUSCC, Clause: "jjgf-2025-21/7.1", Status: st,
		EventDate: duixian.Date{Year: 2026, Month: 11, Day: 1}, Created: at, Updated: at}
}

// 我的申报 lists what the service gives for the status asked, each with the
// amount that matters now, and only the offers still open.
func TestFakeMyList(t *testing.T) {
	approved := fakeApp("A-2", duixian.StatusApproved)
	approved.Approved = 120000 * duixian.Yuan
	cases := &fakeEnterpriseCases{apps: []*duixian.Application{fakeApp("A-1", duixian.StatusDraft), approved}}
	offers := fakeOffers{
		{ID: "o-open", Status: "open", Decision: duixian.Decision{Clause: "jjgf-2025-21/7.1", Eligible: true, Amount: 5000 * duixian.Yuan}},
		{ID: "o-declined", Status: "declined"},
	}
	code, page := fakeGet(t, fakePages(t, cases, &fakeDrafts{}, offers), "GET", "/my?status=approved", nil)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, page)
	}
	if len(cases.listed) != 1 || cases.listed[0] != "approved 0" || cases.readFor[0].Enterprise != fakeUSCC {
		t.Errorf("listed %v for %v, want the approved ones, a page of the default size, of %s", cases.listed, cases.readFor, fakeUSCC)
	}
	for _, want := range []string{"/my/A-1", "/my/A-2", "12.00万元", "120000.00元", `value="o-open"`, "草稿"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "o-declined") {
		t.Error("a declined offer is offered again")
	}
}

// An application's page shows its timeline from the history the service
// gives, without another enterprise's failed attempts.
func TestFakeMyDetail(t *testing.T) {
	a := fakeApp("A-1", duixian.StatusSubmitted)
	own := duixian.Actor{User: "staff@bookstore", Role: duixian.RoleEnterprise, Enterprise: fakeUSCC}
	cases := &fakeEnterpriseCases{apps: []*duixian.Application{a}, log: []duixian.AuditEntry{
		{At: "2026-11-02T09:30:00+08:00", Actor: own, Action: "create", Subject: "A-1", After: "draft"},
		{At: "2026-11-02T09:40:00+08:00", Actor: duixian.Actor{User: "x", Role: duixian.RoleEnterprise, Enterprise: "OTHER"}, Action: "denied:withdraw", Subject: "A-1", After: "不是本企业的申报 / not yours"},
		{At: "2026-11-02T09:45:00+08:00", Actor: own, Action: "submit", Subject: "A-1", Before: "draft", After: "submitted"},
	}}
	h := fakePages(t, cases, &fakeDrafts{}, nil)
	code, page := fakeGet(t, h, "GET", "/my/A-1?submitted=1", nil)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, page)
	}
	for _, want := range []string{"创建申报草稿", "提交申报", "2026-11-02 09:45", "申报已提交，编号 A-1"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if strings.Contains(page, "不是本企业的申报") {
		t.Error("another enterprise's failed attempt is on the timeline")
	}
	if code, _ := fakeGet(t, h, "GET", "/my/A-404", nil); code != http.StatusNotFound {
		t.Errorf("a missing application answers %d", code)
	}
}

// Withdrawing without ticking the confirmation re-renders the page with the
// error and asks nothing of the workflow.
func TestFakeWithdrawNeedsConfirmation(t *testing.T) {
	drafts := &fakeDrafts{}
	h := fakePages(t, &fakeEnterpriseCases{apps: []*duixian.Application{fakeApp("A-1", duixian.StatusSubmitted)}}, drafts, nil)
	code, page := fakeGet(t, h, "POST", "/my/A-1/withdraw", url.Values{})
	if code != http.StatusBadRequest || !strings.Contains(page, "请勾选“确认撤回”后再撤回") {
		t.Errorf("status %d; page:\n%s", code, page)
	}
	if len(drafts.calls) != 0 {
		t.Errorf("the workflow was asked to %v", drafts.calls)
	}
}

// The calculator shows the facts the platform fills instead of asking for
// them, and asks for the others.
func TestFakeCalculatorShowsPlatformFacts(t *testing.T) {
	cases := &fakeEnterpriseCases{platf: workflow.PlatformFacts{Known: duixian.Facts{"major_penalty_3y": false}}}
	code, page := fakeGet(t, fakePages(t, cases, &fakeDrafts{}, nil), "GET", "/calculator?blank=1", nil)
	if code != http.StatusOK {
		t.Fatalf("status %d: %s", code, page)
	}
	if !strings.Contains(page, "由政府数据提供") || strings.Contains(page, `name="f.major_penalty_3y"`) {
		t.Error("the registry's fact is asked for, or not shown as the platform's")
	}
	if !strings.Contains(page, `name="f.publication_varieties"`) {
		t.Error("the calculator does not ask for an applicant's fact")
	}
}
