package http

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
)

// refreshCSRF takes the token of c's session as it is now (signing in
// changes it).
func (c *client) refreshCSRF() {
	var body struct{ CSRF string }
	c.getJSON("/api/v1/csrf", &body)
	c.csrf = body.CSRF
}

func location(t *testing.T, c *client, path string) string {
	t.Helper()
	resp, body := c.do("GET", path, "", nil)
	if resp.StatusCode == 200 {
		return "200"
	}
	if resp.StatusCode != 303 {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// An administrator creates an account on the users page and resets its
// password there; the user, signed in with the temporary password, is sent
// to the password page from every page (the API answers 403) until they
// choose their own; a password the policy refuses is shown with the field's
// message in both languages.
func TestAdminCreatesAndResets(t *testing.T) {
	_, ts, _ := testServer(t)
	admin := newClient(t, ts)
	if code := admin.login("admin", demo.Password); code != 200 {
		t.Fatalf("admin sign in: %d", code)
	}
	resp, body := admin.form("/admin/users", url.Values{"name": {"li.ming"}, "display": {"李明"}, "role": {"reviewer"}, "password": {"Temporary-Pass-01"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "须填写所属部门") || !strings.Contains(body, "needs a department") {
		t.Fatalf("a reviewer without a department: %d %.500s", resp.StatusCode, body)
	}
	resp, body = admin.form("/admin/users", url.Values{"name": {"li.ming"}, "display": {"李明"}, "role": {"reviewer"}, "department": {"宣传文化部"}, "password": {"short"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "密码至少12个字符") {
		t.Fatalf("a short password: %d %.500s", resp.StatusCode, body)
	}
	resp, _ = admin.form("/admin/users", url.Values{"name": {"li.ming"}, "display": {"李明"}, "role": {"reviewer"}, "department": {"宣传文化部"}, "password": {"Temporary-Pass-01"}})
	if resp.StatusCode != 303 {
		t.Fatalf("create: %d", resp.StatusCode)
	}
	if resp, body = admin.do("GET", "/admin/users", "", nil); resp.StatusCode != 200 || !strings.Contains(body, "李明") || !strings.Contains(body, "宣传文化部") {
		t.Fatalf("the list: %d %.300s", resp.StatusCode, body)
	}
	if resp, _ = admin.form("/admin/users/li.ming/reset", url.Values{"password": {"Reset-By-Admin-02"}}); resp.StatusCode != 303 {
		t.Fatalf("reset: %d", resp.StatusCode)
	}

	li := newClient(t, ts)
	if code := li.login("li.ming", "Reset-By-Admin-02"); code != 200 {
		t.Fatalf("sign in after the reset: %d", code)
	}
	for _, p := range []string{"/queue", "/", "/account/second-factor"} {
		if got := location(t, li, p); got != "/account/password" && !(p == "/account/second-factor" && got == "200") {
			t.Fatalf("GET %s before the change: %s", p, got)
		}
	}
	if resp, body := li.do("GET", "/api/v1/applications", "", nil); resp.StatusCode != 403 || !strings.Contains(body, "must_change_password") {
		t.Fatalf("the API before the change: %d %s", resp.StatusCode, body)
	}
	resp, body = li.form("/account/password", url.Values{"current": {"Reset-By-Admin-02"}, "password": {"li.ming-2026-Pass"}, "password2": {"li.ming-2026-Pass"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "密码不得包含用户名") || !strings.Contains(body, "may not contain the user name") {
		t.Fatalf("a password with the name: %d %.500s", resp.StatusCode, body)
	}
	resp, body = li.form("/account/password", url.Values{"current": {"Reset-By-Admin-02"}, "password": {"Mine-Own-Pass-03"}, "password2": {"Mine-Own-Pass-03"}})
	if resp.StatusCode != 200 || !strings.Contains(body, "密码已修改") {
		t.Fatalf("change: %d %.500s", resp.StatusCode, body)
	}
	if got := location(t, li, "/queue"); got != "200" {
		t.Fatalf("the queue after the change: %s", got)
	}
	// A reviewer has no users page.
	if resp, _ := li.do("GET", "/admin/users", "", nil); resp.StatusCode != 403 {
		t.Fatalf("a reviewer on the users page: %d", resp.StatusCode)
	}
}

// A signed-in user enrols a second factor on the page; from then on the
// password alone signs no one in: the sign-in page asks for the code, and
// the code signs in. A recovery code shown at enrolment works once. An
// administrator whose role requires a second factor is sent to enrol.
func TestSecondFactorPages(t *testing.T) {
	s, ts, clk := testServer(t)
	c := newClient(t, ts)
	c.login("culture", demo.Password)
	if resp, _ := c.form("/account/second-factor/begin", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("begin: %d", resp.StatusCode)
	}
	_, body := c.do("GET", "/account/second-factor", "", nil)
	m := regexp.MustCompile(`<code class="secret">([A-Z2-7]+)</code>`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, "otpauth://totp/duixian:culture") || !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Fatalf("the enrolment page: %s", body[strings.Index(body, "<main>"):])
	}
	secret := m[1]
	code, _ := totp.GenerateCode(secret, clk.now())
	resp, body := c.form("/account/second-factor/confirm", url.Values{"code": {code}})
	recovery := regexp.MustCompile(`<li><code>([0-9A-Z-]{19})</code></li>`).FindAllStringSubmatch(body, -1)
	if resp.StatusCode != 200 || len(recovery) != 10 {
		t.Fatalf("confirm: %d, %d recovery codes %.500s", resp.StatusCode, len(recovery), body)
	}
	c.form("/logout", url.Values{})
	clk.advance(time.Minute)

	c = newClient(t, ts)
	resp, _ = c.form("/login", url.Values{"name": {"culture"}, "password": {demo.Password}, "next": {"/queue"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/login?next=%2Fqueue" {
		t.Fatalf("the password: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	c.refreshCSRF()
	if got := location(t, c, "/queue"); !strings.HasPrefix(got, "/login") {
		t.Fatalf("the queue with only the password given: %s", got)
	}
	if _, body := c.do("GET", "/login?next=%2Fqueue", "", nil); !strings.Contains(body, `action="/login/second-factor"`) {
		t.Fatalf("the sign-in page does not ask for the code: %.500s", body)
	}
	resp, body = c.form("/login/second-factor", url.Values{"code": {"000000"}, "next": {"/queue"}})
	if resp.StatusCode != 401 || !strings.Contains(body, "验证码错误") {
		t.Fatalf("a wrong code: %d %.300s", resp.StatusCode, body)
	}
	code, _ = totp.GenerateCode(secret, clk.now())
	resp, _ = c.form("/login/second-factor", url.Values{"code": {code}, "next": {"/queue"}})
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/queue" {
		t.Fatalf("the code: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := location(t, c, "/queue"); got != "200" {
		t.Fatalf("the queue after the code: %s", got)
	}

	// The API: password, then a recovery code.
	api := newClient(t, ts)
	resp, body = api.post("/api/v1/login", `{"name":"culture","password":"`+demo.Password+`"}`)
	var out struct {
		Due  bool `json:"second_factor_due"`
		CSRF string
	}
	json.Unmarshal([]byte(body), &out)
	if resp.StatusCode != 200 || !out.Due {
		t.Fatalf("API password: %d %s", resp.StatusCode, body)
	}
	api.csrf = out.CSRF
	if resp, body = api.post("/api/v1/login/second-factor", `{"code":"`+recovery[0][1]+`"}`); resp.StatusCode != 200 || !strings.Contains(body, `"user":"culture"`) {
		t.Fatalf("API recovery code: %d %s", resp.StatusCode, body)
	}

	// Required of administrators: sent to enrol first.
	s.Account.SecondFactorRoles = []duixian.Role{duixian.RoleAdmin}
	admin := newClient(t, ts)
	admin.login("admin", demo.Password)
	if got := location(t, admin, "/admin/users"); got != "/account/second-factor" {
		t.Fatalf("an administrator without a second factor: %s", got)
	}
	if _, body := admin.do("GET", "/account/second-factor", "", nil); !strings.Contains(body, "您的角色须启用双因素认证") {
		t.Fatalf("the enrolment page does not say it is required: %.500s", body)
	}
}

// A session in constant use ends when it reaches the server's absolute
// lifetime.
func TestAbsoluteSessionLifetime(t *testing.T) {
	s, ts, clk := testServer(t)
	s.Account.MaxAge = time.Hour
	c := newClient(t, ts)
	c.login("bookstore", demo.Password)
	for range 5 {
		clk.advance(11 * time.Minute)
		if code := c.getJSON("/api/v1/me", nil); code != 200 {
			t.Fatalf("in use: %d", code)
		}
	}
	clk.advance(6 * time.Minute)
	if code := c.getJSON("/api/v1/me", nil); code != 401 {
		t.Fatalf("an hour and a minute after sign-in: %d", code)
	}
}

// An enterprise the registry does not know registers on the page and waits;
// a reviewer activates it on the registrations page; its 管理员 signs in
// and adds a member of staff, who signs in too.
func TestRegistrationPages(t *testing.T) {
	_, ts, _ := testServer(t)
	anon := newClient(t, ts)
	form := url.Values{"uscc": {"91110302MA01ABCD12"}, "enterprise_name": {"亦庄新创科技有限公司"}, "legal_representative": {"张三"},
		"contact": {"李四"}, "phone": {"010-67891234"}, "name": {"xinchuang"}, "display": {"新创·管理员"},
		"password": {"Xin-Chuang-2026!"}, "password2": {"Xin-Chuang-2026?"}}
	if resp, body := anon.form("/register", form); resp.StatusCode != 400 || !strings.Contains(body, "两次输入的密码不一致") || !strings.Contains(body, `value="亦庄新创科技有限公司"`) {
		t.Fatalf("two different passwords: %d %.300s", resp.StatusCode, body)
	}
	form.Set("password2", "Xin-Chuang-2026!")
	if resp, body := anon.form("/register", form); resp.StatusCode != 200 || !strings.Contains(body, "注册已提交") {
		t.Fatalf("register: %d %.300s", resp.StatusCode, body)
	}
	if code := newClient(t, ts).login("xinchuang", "Xin-Chuang-2026!"); code != 403 {
		t.Fatalf("signing in before activation: %d", code)
	}
	culture := newClient(t, ts)
	culture.login("culture", demo.Password)
	if _, body := culture.do("GET", "/registrations", "", nil); !strings.Contains(body, "亦庄新创科技有限公司") || !strings.Contains(body, "010-67891234") {
		t.Fatalf("the registrations page: %.500s", body)
	}
	if resp, _ := culture.form("/registrations/xinchuang/activate", url.Values{}); resp.StatusCode != 303 {
		t.Fatalf("activate: %d", resp.StatusCode)
	}
	owner := newClient(t, ts)
	if code := owner.login("xinchuang", "Xin-Chuang-2026!"); code != 200 {
		t.Fatalf("signing in after activation: %d", code)
	}
	if resp, _ := owner.form("/enterprise/staff", url.Values{"name": {"xinchuang-clerk"}, "password": {"Clerk-Of-Xinchuang-1"}}); resp.StatusCode != 303 {
		t.Fatalf("add staff: %d", resp.StatusCode)
	}
	clerk := newClient(t, ts)
	if code := clerk.login("xinchuang-clerk", "Clerk-Of-Xinchuang-1"); code != 200 {
		t.Fatalf("the clerk signs in: %d", code)
	}
	if resp, _ := clerk.do("GET", "/enterprise/staff", "", nil); resp.StatusCode != 403 {
		t.Fatalf("the clerk on the staff page: %d", resp.StatusCode)
	}
}
