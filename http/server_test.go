package http

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
)

var (
	catOnce sync.Once
	testCat *engine.Catalogue
)

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// testServer is a server over a temporary SQLite database with the demo data.
func testServer(t *testing.T) (*Server, *httptest.Server, *testClock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/t.db")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return serverOn(t, db)
}

// serverOn is a server over db with the demo data, listening on loopback,
// on a clock fixed at 2026-11-30 10:00 in Shanghai until the test moves it.
func serverOn(t testing.TB, db *sqldb.DB) (*Server, *httptest.Server, *testClock) {
	t.Helper()
	catOnce.Do(func() {
		var err error
		if testCat, err = engine.Load(catalogue.FS); err != nil {
			panic(err)
		}
	})
	svc := workflow.New(db, testCat, calendar.Default())
	clk := &testClock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai)}
	svc.Now = clk.now
	if _, err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	s, err := New(svc)
	if err != nil {
		t.Fatal(err)
	}
	s.Log = slog.New(slog.DiscardHandler) // a test that reads the log sets its own
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts, clk
}

// client is a browser: a cookie jar and the CSRF token it was given.
type client struct {
	t    testing.TB
	base string
	c    *http.Client
	csrf string
}

func newClient(t testing.TB, ts *httptest.Server) *client {
	jar, _ := cookiejar.New(nil)
	c := &client{t: t, base: ts.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	var body struct{ CSRF string }
	c.getJSON("/api/v1/csrf", &body)
	c.csrf = body.CSRF
	return c
}

func (c *client) do(method, path, body string, header map[string]string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c *client) getJSON(path string, v any) int {
	resp, body := c.do("GET", path, "", nil)
	json.Unmarshal([]byte(body), v)
	return resp.StatusCode
}

func (c *client) post(path, body string) (*http.Response, string) {
	return c.do("POST", path, body, map[string]string{"X-CSRF-Token": c.csrf})
}

// form posts an HTML form as the browser would, with the CSRF token.
func (c *client) form(path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	form.Set("csrf", c.csrf)
	return c.do("POST", path, form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

func (c *client) login(name, password string) int {
	resp, body := c.post("/api/v1/login", `{"name":"`+name+`","password":"`+password+`"}`)
	var out struct{ CSRF string }
	if json.Unmarshal([]byte(body), &out) == nil && out.CSRF != "" {
		c.csrf = out.CSRF
	}
	return resp.StatusCode
}

// The route table decides who may call what. Every route is called as an
// anonymous visitor, as every demo user (one per role) and, for an
// application's routes, as another enterprise: a role the table does not
// list is refused by the table (401 or a redirect to sign in when
// anonymous, 403 "route" when signed in); a role it lists never is; another
// enterprise never reaches the bookstore's application.
func TestRouteTableAuthorization(t *testing.T) {
	t.Parallel() // its own server; some 1,500 requests
	s, ts, _ := testServer(t)
	var bookstoreApp string
	s.DB.Tx(context.Background(), func(tx *sqldb.Tx) error {
		list, err := tx.Applications(sqldb.ApplicationFilter{Status: duixian.StatusPaid})
		if err == nil && len(list) > 0 {
			bookstoreApp = list[0].ID
		}
		return err
	})
	if bookstoreApp == "" {
		t.Fatal("the demo has no paid bookstore application")
	}
	identities := map[string]string{"": ""}
	var users []duixian.User
	s.DB.Tx(context.Background(), func(tx *sqldb.Tx) error { var err error; users, err = tx.Users(); return err })
	roleOf := map[string]duixian.Role{"": duixian.RolePublic}
	for _, u := range users {
		identities[u.Name] = demo.Password
		roleOf[u.Name] = u.Role
	}
	var bookstoreUSCC string
	for _, u := range users {
		if u.Name == "bookstore" {
			bookstoreUSCC = u.Enterprise
		}
	}
	fill := strings.NewReplacer("{id...}", bookstoreUSCC+":jjgf-2025-21/7.1:2026-04-30", "{id}", bookstoreApp, "{doc}", "jjgf-2025-21", "{art}", "7.1", "{uscc}", bookstoreUSCC,
		"{oid}", "O1", "{mid}", "M1", "{lang}", "en", "{size}", "large", "{$}", "", "{name}", "no-such-user")
	for name, pw := range identities {
		c := newClient(t, ts)
		if name != "" && c.login(name, pw) != 200 {
			t.Fatalf("%s cannot sign in", name)
		}
		for _, rt := range s.Routes {
			path := fill.Replace(rt.Path)
			if strings.HasSuffix(path, "/login") || strings.HasSuffix(path, "/logout") || strings.HasSuffix(path, "/login/second-factor") {
				continue // signing in and out change the identity; checked below
			}
			if strings.Contains(path, "{") {
				t.Fatalf("route %s: a path parameter the test does not fill", rt.Path)
			}
			resp, body := c.do(rt.Method, path, "{}", map[string]string{"X-CSRF-Token": c.csrf})
			allowed := slices.Contains(rt.Roles, duixian.RolePublic) || slices.Contains(rt.Roles, roleOf[name])
			refusedByTable := resp.StatusCode == 401 || (resp.StatusCode == 303 && strings.HasPrefix(resp.Header.Get("Location"), "/login")) ||
				(resp.StatusCode == 403 && (strings.Contains(body, `"field":"route"`) || strings.Contains(body, "无权访问")))
			if allowed == refusedByTable {
				t.Errorf("%s %s as %q (%s): status %d, allowed by the table: %v\n%.200s", rt.Method, path, name, roleOf[name], resp.StatusCode, allowed, body)
			}
		}
	}
	// Signing out needs a session; signing in is for anyone.
	anon := newClient(t, ts)
	for _, p := range []string{"/api/v1/logout", "/logout"} {
		resp, _ := anon.post(p, "")
		if resp.StatusCode != 401 && !(resp.StatusCode == 303 && strings.HasPrefix(resp.Header.Get("Location"), "/login")) {
			t.Errorf("anonymous %s: %d", p, resp.StatusCode)
		}
	}
	// Another enterprise reaches none of the bookstore's application.
	tech := newClient(t, ts)
	tech.login("tech", demo.Password)
	for _, rt := range s.Routes {
		if !strings.Contains(rt.Path, "{id}") || !slices.Contains(rt.Roles, duixian.RoleEnterprise) {
			continue
		}
		resp, body := tech.do(rt.Method, fill.Replace(rt.Path), "{}", map[string]string{"X-CSRF-Token": tech.csrf, "Idempotency-Key": "x"})
		if resp.StatusCode < 400 {
			t.Errorf("another enterprise: %s %s gave %d: %.200s", rt.Method, rt.Path, resp.StatusCode, body)
		}
	}
}

// A route that does not say who may call it stops the server from starting.
func TestRouteWithoutRolesRefused(t *testing.T) {
	err := validRoutes([]Route{{Method: "GET", Path: "/x", handle: func(*Request) error { return nil }}})
	if err == nil || !strings.Contains(err.Error(), "has no roles") {
		t.Fatalf("a route without roles was accepted: %v", err)
	}
	ok := Route{Method: "GET", Path: "/x", Roles: anyone, handle: func(*Request) error { return nil }}
	if err := validRoutes([]Route{ok, ok}); err == nil {
		t.Fatal("a route declared twice was accepted")
	}
}

func TestCSRF(t *testing.T) {
	_, ts, _ := testServer(t)
	c := newClient(t, ts)
	c.login("bookstore", demo.Password)
	draft := `{"clause":"jjgf-2025-21/7.1","event_date":"2026-10-01","facts":{},"declared":true}`
	for _, token := range []string{"", "0000000000000000000000000000000000000000000000000000000000000000"} {
		resp, body := c.do("POST", "/api/v1/applications", draft, map[string]string{"X-CSRF-Token": token})
		if resp.StatusCode != 403 || !strings.Contains(body, `"field":"csrf"`) {
			t.Fatalf("token %q: %d %s", token, resp.StatusCode, body)
		}
	}
	// A form without the field is refused too.
	resp, _ := c.do("POST", "/logout", "", nil)
	if resp.StatusCode != 403 {
		t.Fatalf("a form POST without csrf: %d", resp.StatusCode)
	}
	// With the session's token the draft is created (facts are checked
	// when it is submitted).
	resp, body := c.post("/api/v1/applications", draft)
	if resp.StatusCode != 200 || !strings.Contains(body, `"status":"draft"`) {
		t.Fatalf("with the right token: %d %s", resp.StatusCode, body)
	}
	// A page served the same token in its forms.
	_, page := c.do("GET", "/publicity", "", nil)
	if !strings.Contains(page, `name="csrf" value="`+c.csrf+`"`) {
		t.Fatal("the page's forms do not carry the session's CSRF token")
	}
}

func TestLoginLockout(t *testing.T) {
	_, ts, clk := testServer(t)
	c := newClient(t, ts)
	for i := range account.LockAfter {
		if code := c.login("culture", "wrong-"+string(rune('a'+i))); code != 401 {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	// The lock holds but is not told: the answer a wrong password gets.
	if resp, body := c.post("/api/v1/login", `{"name":"culture","password":"`+demo.Password+`"}`); resp.StatusCode != 401 || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("the right password during the lock: %d %s, want 401", resp.StatusCode, body)
	}
	clk.advance(account.LockFor + time.Minute)
	if code := c.login("culture", demo.Password); code != 200 {
		t.Fatalf("after the lock: %d", code)
	}
	// An unknown user is told nothing more than a wrong password.
	resp, body := c.post("/api/v1/login", `{"name":"nobody","password":"x"}`)
	if resp.StatusCode != 401 || !strings.Contains(body, "用户名或密码错误") {
		t.Fatalf("unknown user: %d %s", resp.StatusCode, body)
	}
}

func TestIdleTimeout(t *testing.T) {
	_, ts, clk := testServer(t)
	official, staff := newClient(t, ts), newClient(t, ts)
	official.login("culture", demo.Password)
	staff.login("bookstore", demo.Password)
	clk.advance(16 * time.Minute)
	if code := official.getJSON("/api/v1/me", nil); code != 401 {
		t.Fatalf("an official idle for 16 minutes: %d", code)
	}
	if code := staff.getJSON("/api/v1/me", nil); code != 200 {
		t.Fatalf("enterprise staff idle for 16 minutes: %d", code)
	}
	clk.advance(31 * time.Minute)
	if code := staff.getJSON("/api/v1/me", nil); code != 401 {
		t.Fatalf("enterprise staff idle for 31 minutes: %d", code)
	}
}

// Session cookies are HttpOnly and SameSite; Secure under TLS.
func TestSessionCookie(t *testing.T) {
	_, ts, _ := testServer(t)
	c := newClient(t, ts)
	resp, _ := c.post("/api/v1/login", `{"name":"bookstore","password":"`+demo.Password+`"}`)
	var found bool
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie {
			found = true
			if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Secure {
				t.Fatalf("cookie %+v", ck)
			}
		}
	}
	if !found {
		t.Fatal("no session cookie")
	}
	u, _ := url.Parse(ts.URL)
	_ = u
}

func TestOpenAPIListsEveryAPIRoute(t *testing.T) {
	s, ts, _ := testServer(t)
	c := newClient(t, ts)
	var doc struct {
		Paths map[string]map[string]any
	}
	if code := c.getJSON("/api/v1/openapi.json", &doc); code != 200 {
		t.Fatal(code)
	}
	for _, rt := range s.Routes {
		if rt.API && doc.Paths[rt.Path][strings.ToLower(rt.Method)] == nil {
			t.Errorf("OpenAPI lacks %s %s", rt.Method, rt.Path)
		}
	}
}
