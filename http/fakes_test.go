package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
)

// These tests run the handlers against fakes of the services, with no
// database: a Server with only the services a route uses, built by init.
// A fake embeds its interface, so a method the test did not expect to be
// called panics.

type fakeAccounts struct {
	Accounts
	sessions map[string]*duixian.User // by token
	signIn   func(actor duixian.Actor, name, pw string) (string, *duixian.Session, *duixian.User, error)
}

func (f *fakeAccounts) Session(_ context.Context, token string) (*duixian.Session, *duixian.User, error) {
	u, ok := f.sessions[token]
	if !ok {
		return nil, nil, duixian.Errorf(duixian.ENOTFOUND, "session", "没有会话", "no session")
	}
	return &duixian.Session{User: u.Name, CSRF: strings.Repeat("c", 64)}, u, nil
}

func (f *fakeAccounts) SetupDue(*duixian.Session, *duixian.User) error { return nil }

func (f *fakeAccounts) SignIn(_ context.Context, actor duixian.Actor, name, pw string) (string, *duixian.Session, *duixian.User, error) {
	return f.signIn(actor, name, pw)
}

type fakeCases struct {
	Cases
	apps map[string]*duixian.Application
	read []duixian.Actor // who asked Application
}

// Application answers as workflow does: another enterprise's is not found.
func (f *fakeCases) Application(_ context.Context, actor duixian.Actor, id string) (*duixian.Application, error) {
	f.read = append(f.read, actor)
	a, ok := f.apps[id]
	if !ok || (actor.Role == duixian.RoleEnterprise && actor.Enterprise != a.Enterprise) {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "application", "没有申报 %s", "no application %s", id)
	}
	return a, nil
}

type fakeRefusals struct{ logged []string }

func (f *fakeRefusals) Refused(_ context.Context, actor duixian.Actor, action, subject string, err error) error {
	f.logged = append(f.logged, actor.User+" "+action+" "+subject)
	return err
}

const bookstoreUSCC = "91110302MA01ABCDE1"

var (
	bookstore = &duixian.User{Name: "bookstore", Role: duixian.RoleEnterprise, Enterprise: bookstoreUSCC}
	culture   = &duixian.User{Name: "culture", Role: duixian.RoleReviewer, Department: "文化局"}
)

func fakeServer(t *testing.T, s *Server) *Server {
	t.Helper()
	s.Now = func() time.Time { return time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai) }
	if s.Refusals == nil {
		s.Refusals = &fakeRefusals{}
	}
	if err := s.init(); err != nil {
		t.Fatal(err)
	}
	return s
}

// serve sends one request with the given session token ("" for none) and,
// for a change, a CSRF token.
func serve(s *Server, method, path, token, csrf, body string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.7:4000"
	if token != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: token})
	}
	if csrf != "" {
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: csrf})
		r.Header.Set("X-CSRF-Token", csrf)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func TestFakeApplicationRead(t *testing.T) {
	cases := &fakeCases{apps: map[string]*duixian.Application{
		"A1": {ID: "A1", Enterprise: bookstoreUSCC, Clause: "21/12", Status: duixian.StatusSubmitted}}}
	s := fakeServer(t, &Server{Cases: cases, Accounts: &fakeAccounts{sessions: map[string]*duixian.User{"t-book": bookstore}}})

	w := serve(s, "GET", "/api/v1/applications/A1", "t-book", "", "")
	var a struct {
		ID     string
		Status duixian.Status
	}
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &a) != nil || a.ID != "A1" || a.Status != duixian.StatusSubmitted {
		t.Fatalf("own application: %d %s", w.Code, w.Body)
	}
	if got := cases.read[0]; got.User != "bookstore" || got.Enterprise != bookstoreUSCC || got.IP != "192.0.2.7" {
		t.Fatalf("the workflow was asked as %+v", got)
	}
	if w := serve(s, "GET", "/api/v1/applications/A9", "t-book", "", ""); w.Code != 404 || !strings.Contains(w.Body.String(), "没有申报 A9") {
		t.Fatalf("a missing application: %d %s", w.Code, w.Body)
	}
	// Anonymous, or with a session that has ended: refused by the route
	// table before the workflow is asked.
	for _, token := range []string{"", "t-ended"} {
		if w := serve(s, "GET", "/api/v1/applications/A1", token, "", ""); w.Code != 401 {
			t.Fatalf("token %q: %d %s", token, w.Code, w.Body)
		}
	}
	if len(cases.read) != 2 {
		t.Fatalf("the workflow was asked %d times, want 2", len(cases.read))
	}
}

func TestFakeSignIn(t *testing.T) {
	var asked []duixian.Actor
	accounts := &fakeAccounts{signIn: func(actor duixian.Actor, name, pw string) (string, *duixian.Session, *duixian.User, error) {
		asked = append(asked, actor)
		switch {
		case name == "culture" && pw == "right":
			return "new-token", &duixian.Session{User: "culture", CSRF: "session-csrf"}, culture, nil
		case name == "culture" && pw == "late":
			return "", nil, nil, account.ErrDisabled
		}
		return "", nil, nil, account.ErrBadLogin
	}}
	s := fakeServer(t, &Server{Accounts: accounts})
	anon := strings.Repeat("a", 64)

	w := serve(s, "POST", "/api/v1/login", "", anon, `{"name":"culture","password":"right"}`)
	var out struct{ User, Role, CSRF string }
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &out) != nil || out.User != "culture" || out.Role != "reviewer" || out.CSRF != "session-csrf" {
		t.Fatalf("sign in: %d %s", w.Code, w.Body)
	}
	var cookie *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == sessionCookie {
			cookie = c
		}
	}
	if cookie == nil || cookie.Value != "new-token" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie: %+v", cookie)
	}
	if a := asked[0]; a.Role != duixian.RolePublic || a.IP != "192.0.2.7" {
		t.Fatalf("signed in as %+v, want the public from the address", a)
	}

	for pw, want := range map[string]struct {
		code int
		text string
	}{"wrong": {401, "用户名或密码错误"}, "late": {http.StatusForbidden, "账户已停用"}} {
		w := serve(s, "POST", "/api/v1/login", "", anon, `{"name":"culture","password":"`+pw+`"}`)
		if w.Code != want.code || !strings.Contains(w.Body.String(), want.text) {
			t.Fatalf("password %s: %d %s", pw, w.Code, w.Body)
		}
		if strings.Contains(w.Header().Get("Set-Cookie"), sessionCookie) {
			t.Fatalf("password %s: a session cookie was set", pw)
		}
	}
	// Without the CSRF token, the sign-in is refused before any password is checked.
	if w := serve(s, "POST", "/api/v1/login", "", "", `{"name":"culture","password":"right"}`); w.Code != 403 || len(asked) != 3 {
		t.Fatalf("no CSRF token: %d, %d sign-ins asked", w.Code, len(asked))
	}
}

// A role the route table does not list is refused, and the refusal is
// logged through Refusals, naming the actor, the check and the route.
func TestFakeRouteRefusalLogged(t *testing.T) {
	refusals := &fakeRefusals{}
	s := fakeServer(t, &Server{Cases: &fakeCases{}, Refusals: refusals,
		Accounts: &fakeAccounts{sessions: map[string]*duixian.User{"t-book": bookstore}}})
	csrf := strings.Repeat("c", 64) // the fake session's
	if w := serve(s, "POST", "/api/v1/applications/A1/approve", "t-book", csrf, ""); w.Code != 403 || !strings.Contains(w.Body.String(), `"field":"route"`) {
		t.Fatalf("an enterprise approving: %d %s", w.Code, w.Body)
	}
	if w := serve(s, "POST", "/api/v1/applications/A1/withdraw", "t-book", strings.Repeat("x", 64), ""); w.Code != 403 {
		t.Fatalf("a wrong CSRF token: %d %s", w.Code, w.Body)
	}
	want := []string{"bookstore route POST /api/v1/applications/{id}/approve", "bookstore csrf POST /api/v1/applications/{id}/withdraw"}
	if strings.Join(refusals.logged, "|") != strings.Join(want, "|") {
		t.Fatalf("refusals logged: %q, want %q", refusals.logged, want)
	}
}
