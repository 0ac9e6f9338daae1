package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/etown/duixian"
)

// browser is a cookie jar that does not follow redirects, with the CSRF
// token of its session.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
	csrf string
}

func newBrowser(t *testing.T, ts *httptest.Server) *browser {
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: ts.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.refresh()
	return b
}

func (b *browser) refresh() {
	var out struct{ CSRF string }
	_, body := b.get("/api/v1/csrf")
	json.Unmarshal([]byte(body), &out)
	b.csrf = out.CSRF
}

func (b *browser) get(path string) (*http.Response, string) {
	resp, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	form.Set("csrf", b.csrf)
	resp, err := b.c.PostForm(b.base+path, form)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// The acceptance of issue 12: from an empty database, `duixian user add
// --role admin` makes an administrator who signs in to `duixian serve`
// without --demo. An administrator must have a second factor there, so the
// first sign-in leads to enrolment, and every sign-in after it asks for a
// code. A wrong password and an unknown name get the same answer.
func TestFirstAdministratorSignsIn(t *testing.T) {
	db := t.TempDir() + "/fresh.db"
	const pw = "Yizhuang-Admin-2026"
	code, out, errs := runCmd(t, pw+"\n", "user", "add", "--name", "root", "--role", "admin", "--display", "系统管理员", "--password-stdin", "--db", db)
	if code != 0 || !strings.Contains(out, "root") {
		t.Fatalf("user add: exit %d: %s %s", code, out, errs)
	}
	ctx := context.Background()
	srv, _, closeDB, err := newServer(ctx, []string{"--db", db}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer closeDB()
	ts := httptest.NewServer(srv)
	defer ts.Close()

	b := newBrowser(t, ts)
	resp, wrong := b.post("/login", url.Values{"name": {"root"}, "password": {"Not-The-Password-1"}})
	_, unknown := b.post("/login", url.Values{"name": {"nobody"}, "password": {pw}})
	if resp.StatusCode != 401 || !strings.Contains(wrong, "用户名或密码错误") || wrong != unknown {
		t.Fatalf("a wrong password (%d) and an unknown name answer differently", resp.StatusCode)
	}
	resp, _ = b.post("/login", url.Values{"name": {"root"}, "password": {pw}, "next": {"/admin/users"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("sign in: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	b.refresh()
	if resp, _ = b.get("/admin/users"); resp.StatusCode != 303 || resp.Header.Get("Location") != "/account/second-factor" {
		t.Fatalf("an administrator without a second factor: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := b.post("/account/second-factor/begin", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("begin: %d %s", resp.StatusCode, body)
	}
	_, page := b.get("/account/second-factor")
	m := regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no secret on the enrolment page")
	}
	totpCode, _ := totp.GenerateCode(m[1], time.Now())
	_, page = b.post("/account/second-factor/confirm", url.Values{"code": {totpCode}})
	recovery := regexp.MustCompile(`<li><code>([0-9A-Z-]{19})</code></li>`).FindAllStringSubmatch(page, -1)
	if len(recovery) != 10 {
		t.Fatalf("%d recovery codes", len(recovery))
	}
	if resp, page = b.get("/admin/users"); resp.StatusCode != 200 || !strings.Contains(page, "系统管理员") {
		t.Fatalf("the users page after enrolment: %d", resp.StatusCode)
	}

	// Signed in again: the password, then the factor (a recovery code here:
	// the TOTP code above is spent for its 30 seconds).
	b2 := newBrowser(t, ts)
	resp, _ = b2.post("/login", url.Values{"name": {"root"}, "password": {pw}, "next": {"/admin/users"}})
	if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, "/login?") {
		t.Fatalf("the password alone led to %s", loc)
	}
	b2.refresh()
	if resp, _ = b2.post("/login/second-factor", url.Values{"code": {totpCode}, "next": {"/admin/users"}}); resp.StatusCode != 401 {
		t.Fatalf("a spent code: %d", resp.StatusCode)
	}
	resp, _ = b2.post("/login/second-factor", url.Values{"code": {recovery[0][1]}, "next": {"/admin/users"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/users" {
		t.Fatalf("a recovery code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ = b2.get("/admin/users"); resp.StatusCode != 200 {
		t.Fatalf("the users page: %d", resp.StatusCode)
	}
}

// The user subcommands: bad input exits 2 naming the field in both
// languages; the password comes only from standard input, once or twice
// the same; passwd --reset, disable, enable, unlock act and say the state;
// list prints a table and JSON without secrets.
func TestUserCommands(t *testing.T) {
	db := t.TempDir() + "/u.db"
	for _, tc := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"Yizhuang-Admin-2026\n", []string{"user", "add", "--name", "root", "--role", "admin", "--db", db}, "--password-stdin is required"},
		{"short\n", []string{"user", "add", "--name", "root", "--role", "admin", "--password-stdin", "--db", db}, "password: 密码至少12个字符"},
		{"Yizhuang-Admin-2026\nYizhuang-Admin-2027\n", []string{"user", "add", "--name", "root", "--role", "admin", "--password-stdin", "--db", db}, "the two passwords differ"},
		{"", []string{"user", "add", "--name", "root", "--role", "admin", "--password-stdin", "--db", db}, "no password on standard input"},
		{"Yizhuang-Admin-2026\n", []string{"user", "add", "--name", "root", "--role", "king", "--password-stdin", "--db", db}, "role: 没有角色"},
		{"Yizhuang-Admin-2026\n", []string{"user", "add", "--name", "shop", "--role", "enterprise", "--enterprise", "91110302MA01ABCD10", "--password-stdin", "--db", db}, "enterprise:"},
		{"Yizhuang-Admin-2026\n", []string{"user", "add", "--name", "root", "--role", "admin", "--password", "x", "--db", db}, "flag provided but not defined: -password"},
		{"", []string{"user", "frobnicate", "--db", db}, "unknown subcommand"},
		{"", []string{"user", "disable", "--name", "ghost", "--db", db}, "user ghost"},
	} {
		code, out, errs := runCmd(t, tc.stdin, tc.args...)
		if code != 2 || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, %s%s; want 2 and %q", tc.args, code, out, errs, tc.want)
		}
	}
	run := func(stdin string, args ...string) string {
		t.Helper()
		code, out, errs := runCmd(t, stdin, append(args, "--db", db)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		return out
	}
	run("Yizhuang-Admin-2026\nYizhuang-Admin-2026\n", "user", "add", "--name", "root", "--role", "admin", "--password-stdin")
	run("Book-Keeper-Pass-01\n", "user", "add", "--name", "shop", "--role", "enterprise", "--enterprise", "91110302MA01ABCD12", "--password-stdin")
	if out := run("Reset-Temporary-02\n", "user", "passwd", "shop", "--reset", "--password-stdin"); !strings.Contains(out, "must-change-password") {
		t.Fatalf("passwd --reset: %s", out)
	}
	if out := run("", "user", "disable", "--name", "shop"); !strings.Contains(out, "disabled") {
		t.Fatalf("disable: %s", out)
	}
	if code, _, errs := runCmd(t, "", "user", "enable", "--name", "root", "--db", db); code != 1 || !strings.Contains(errs, "不能启用账户") {
		t.Fatalf("enabling an enabled account: exit %d %s", code, errs)
	}
	table := run("", "user", "list")
	if !regexp.MustCompile(`(?m)^shop\s+enterprise\s+91110302MA01ABCD12\s+disabled\s+-`).MatchString(table) || !strings.Contains(table, "root") {
		t.Fatalf("the table:\n%s", table)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(run("", "user", "list", "--json")), &rows); err != nil || len(rows) != 2 {
		t.Fatalf("--json: %v %v", rows, err)
	}
	for _, r := range rows {
		if r["password_hash"] != "" || r["state"] == nil {
			t.Fatalf("a listed account: %v", r)
		}
	}
	run("", "user", "enable", "shop")
	if out := run("", "user", "list"); !strings.Contains(out, "must-change-password") {
		t.Fatalf("enabled, the reset stands:\n%s", out)
	}
}

// serve without --demo requires a second factor of administrators; with
// --demo of no one, unless told; an unknown role is refused. Registrations
// the registry matches are active unless told otherwise.
func TestServeSecondFactorSetting(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		args []string
		want []duixian.Role
	}{
		{nil, []duixian.Role{duixian.RoleAdmin}},
		{[]string{"--second-factor", "admin,reviewer"}, []duixian.Role{duixian.RoleAdmin, duixian.RoleReviewer}},
		{[]string{"--second-factor", "none"}, nil},
	} {
		srv, _, closeDB, err := newServer(ctx, append(tc.args, "--db", t.TempDir()+"/s.db"), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		closeDB()
		if !srv.Account.RegistryActivates {
			t.Errorf("%v: registry matches do not activate", tc.args)
		}
		if got := srv.Account.SecondFactorRoles; len(got) != len(tc.want) || (len(got) > 0 && got[len(got)-1] != tc.want[len(tc.want)-1]) {
			t.Errorf("%v: %v, want %v", tc.args, got, tc.want)
		}
	}
	srv, _, closeDB, err := newServer(ctx, []string{"--registry-activates=false", "--db", t.TempDir() + "/s.db"}, io.Discard)
	if err != nil || srv.Account.RegistryActivates {
		t.Fatalf("--registry-activates=false: %v", err)
	}
	closeDB()
	if _, _, _, err := newServer(ctx, []string{"--second-factor", "boss", "--db", t.TempDir() + "/s.db"}, io.Discard); duixian.ErrorCode(err) != duixian.EINVALID {
		t.Fatalf("an unknown role: %v", err)
	}
}
