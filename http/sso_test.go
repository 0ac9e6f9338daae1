package http

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/sso"
	"github.com/etown/duixian/sso/ssotest"
)

// Single sign-on, end to end: the demo platform, a real OpenID Connect
// provider (zitadel/oidc's example provider on its own server), and a
// browser without a browser: an http.Client with a cookie jar walking the
// redirects between them.

const (
	ssoClient   = "duixian-platform"
	ssoSecret   = "a-client-secret-for-the-tests"
	ssoPassword = "provider-password"
)

// ssoPlatform is the demo server on db signing in through a new provider.
func ssoPlatform(t *testing.T, db *sqldb.DB) (*Server, *httptest.Server, *testClock, *ssotest.Provider) {
	t.Helper()
	s, ts, clk := serverOn(t, db)
	op := ssotest.Start(t)
	op.AddClient(ssoClient, ssoSecret, ts.URL+"/login/sso/callback", ts.URL+"/")
	s.SSO = relyingParty(t, op.Issuer, ts)
	return s, ts, clk, op
}

func relyingParty(t *testing.T, issuer string, ts *httptest.Server) *sso.Provider {
	t.Helper()
	p, err := sso.New(sso.Config{Issuer: issuer, ClientID: ssoClient, ClientSecret: ssoSecret, RedirectURL: ts.URL + "/login/sso/callback",
		USCCClaim: sso.DefaultUSCCClaim, OfficialClaim: sso.DefaultOfficialClaim})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// ssoStart presses the sign-in page's button: the platform's redirect to
// the provider.
func ssoStart(t *testing.T, c *client, next string) string {
	t.Helper()
	resp, body := c.do("GET", "/login/sso?next="+url.QueryEscape(next), "", nil)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET /login/sso: %d %.300s", resp.StatusCode, body)
	}
	return resp.Header.Get("Location")
}

// ssoSignIn walks c through the provider as username and returns the
// platform's callback URL with the code and the state, not yet followed.
func ssoSignIn(t *testing.T, c *client, op *ssotest.Provider, next, username string) string {
	t.Helper()
	return op.SignIn(t, c.c, ssoStart(t, c, next), username, ssoPassword)
}

// back follows the provider's redirect to the platform's callback.
func back(t *testing.T, c *client, callback string) (*http.Response, string) {
	t.Helper()
	u, err := url.Parse(callback)
	if err != nil {
		t.Fatal(err)
	}
	return c.do("GET", u.RequestURI(), "", nil)
}

func me(c *client) (string, int) {
	var out struct{ User struct{ Name string } }
	code := c.getJSON("/api/v1/me", &out)
	return out.User.Name, code
}

func auditOf(t *testing.T, s *Server, subject string) []duixian.AuditEntry {
	t.Helper()
	var log []duixian.AuditEntry
	if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(subject); return }); err != nil {
		t.Fatal(err)
	}
	return log
}

func lastAction(t *testing.T, s *Server, subject string) duixian.AuditEntry {
	t.Helper()
	log := auditOf(t, s, subject)
	if len(log) == 0 {
		t.Fatalf("no audit entry for %s", subject)
	}
	return log[len(log)-1]
}

// An official signs in through the provider: the sign-in page offers it,
// the provider's preferred_username names the demo reviewer culture, the
// browser lands where it was going, signed in with the platform's usual
// session (its absolute lifetime too), audited as login-sso with the
// provider's subject. Signing out ends the session here, audited, and
// sends the browser to the provider's end_session endpoint with the ID
// token as its hint, which ends the session there and sends it home.
func TestSSOOfficialSignsInAndOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, clk, op := ssoPlatform(t, db)
		op.AddUser(ssotest.User{Username: "culture", Password: ssoPassword})
		c := newClient(t, ts)
		if _, page := c.do("GET", "/login?next=%2Fqueue", "", nil); !strings.Contains(page, `href="/login/sso?next=%2fqueue"`) || !strings.Contains(page, "统一身份认证登录") {
			t.Fatalf("the sign-in page offers no single sign-on: %.2000s", page)
		}
		authURL := ssoStart(t, c, "/queue")
		if !strings.HasPrefix(authURL, op.Issuer) || !strings.Contains(authURL, "code_challenge_method=S256") || !strings.Contains(authURL, "nonce=") {
			t.Fatalf("not an authorization request with PKCE and a nonce: %s", authURL)
		}
		callback := op.SignIn(t, c.c, authURL, "culture", ssoPassword)
		resp, body := back(t, c, callback)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
			t.Fatalf("callback: %d %s %.500s", resp.StatusCode, resp.Header.Get("Location"), body)
		}
		if name, code := me(c); name != "culture" || code != 200 {
			t.Fatalf("signed in as %q (%d)", name, code)
		}
		if e := lastAction(t, s, "culture"); e.Action != "login-sso" || e.Actor.User != "culture" || e.After != "sub=culture" {
			t.Fatalf("the sign-in's audit entry: %+v", e)
		}

		c.refreshCSRF()
		resp, _ = c.form("/logout", url.Values{})
		end, err := url.Parse(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || err != nil || !strings.HasPrefix(end.String(), op.Issuer) ||
			end.Query().Get("id_token_hint") == "" || end.Query().Get("post_logout_redirect_uri") != ts.URL+"/" {
			t.Fatalf("sign-out: %d, to %s", resp.StatusCode, end)
		}
		if _, code := me(c); code != http.StatusUnauthorized {
			t.Fatalf("the session outlived the sign-out: %d", code)
		}
		if e := lastAction(t, s, "culture"); e.Action != "logout" {
			t.Fatalf("the sign-out's audit entry: %+v", e)
		}
		resp, err = c.c.Get(end.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != ts.URL+"/" || !op.SignedOut("culture") {
			t.Fatalf("the provider's end_session: %d %s, signed out there: %v", resp.StatusCode, resp.Header.Get("Location"), op.SignedOut("culture"))
		}

		// The session's absolute lifetime is the platform's: kept busy, it
		// ends MaxAge after the sign-in all the same.
		s.Account.MaxAge = time.Hour
		if resp, _ := back(t, c, ssoSignIn(t, c, op, "/", "culture")); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("second sign-in: %d", resp.StatusCode)
		}
		for range 6 {
			clk.advance(10 * time.Minute)
			if _, code := me(c); code != 200 {
				t.Fatalf("a busy session ended before its hour: %d at %s", code, clk.now())
			}
		}
		clk.advance(time.Minute)
		if _, code := me(c); code != http.StatusUnauthorized {
			t.Fatalf("a session of single sign-on outlived the absolute lifetime: %d", code)
		}
	})
}

// A USCC claim signs in the enterprise's 管理员 account. The registry
// holds 北京亦庄星河科技有限公司, whose staff account (tech) is no 管理员:
// the first sign-in makes sso.<uscc>, its 管理员, active as a registration
// the registry matches; the second signs into the same account. An
// enterprise whose 管理员 registered itself is signed into that account.
// An enterprise the registry does not hold is refused, and so is one whose
// account would wait for an official (--registry-activates=false), until
// one activates it.
func TestSSOEnterprise(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, _, op := ssoPlatform(t, db)
		ctx := context.Background()
		uscc := map[string]string{}
		if err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
			for _, name := range []string{"tech", "space", "nanhaizi"} {
				u, err := tx.User(name)
				if err != nil {
					return err
				}
				uscc[name] = u.Enterprise
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		op.AddUser(ssotest.User{Username: "xinghe-legal", Password: ssoPassword, Claims: map[string]any{"uscc": uscc["tech"]}})
		made := account.SSOAccountPrefix + strings.ToLower(uscc["tech"])
		for i := range 2 {
			c := newClient(t, ts)
			resp, body := back(t, c, ssoSignIn(t, c, op, "/my", "xinghe-legal"))
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/my" {
				t.Fatalf("sign-in %d: %d %.500s", i, resp.StatusCode, body)
			}
			if name, _ := me(c); name != made {
				t.Fatalf("sign-in %d: signed in as %q, want %s", i, name, made)
			}
		}
		var u *duixian.User
		s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) { u, err = tx.User(made); return })
		if u.Role != duixian.RoleEnterprise || u.Enterprise != uscc["tech"] || !u.EnterpriseAdmin || u.Pending || u.Display != "北京亦庄星河科技有限公司" ||
			u.Registration == nil || u.Registration.ActivatedBy != "registry" {
			t.Fatalf("the account made: %+v", u)
		}
		var actions []string
		for _, e := range auditOf(t, s, made) {
			actions = append(actions, e.Action+":"+e.After)
		}
		if got := strings.Join(actions, " "); got != "register-sso:active login-sso:sub=xinghe-legal login-sso:sub=xinghe-legal" {
			t.Fatalf("the account's audit: %s", got)
		}

		// 亦庄社区公共阅读空间 registered its 管理员 itself.
		if _, err := s.Account.Register(ctx, duixian.Actor{User: "public@192.0.2.1", Role: duixian.RolePublic, IP: "192.0.2.1"}, account.RegisterInput{
			USCC: uscc["space"], EnterpriseName: "亦庄社区公共阅读空间", LegalRepresentative: "王五", Contact: "王五", Phone: "13800138000",
			Name: "space-admin", Password: "Reading-Room-Pass-01"}); err != nil {
			t.Fatal(err)
		}
		op.AddUser(ssotest.User{Username: "space-legal", Password: ssoPassword, Claims: map[string]any{"uscc": uscc["space"]}})
		c := newClient(t, ts)
		back(t, c, ssoSignIn(t, c, op, "/", "space-legal"))
		if name, _ := me(c); name != "space-admin" {
			t.Fatalf("an enterprise with a 管理员 signed in as %q", name)
		}

		// Not in the registry: a valid code all the same.
		stranger := "91110000MA00000" + "01"
		check, _ := duixian.USCCCheckChar(stranger)
		stranger += string(check)
		op.AddUser(ssotest.User{Username: "stranger", Password: ssoPassword, Claims: map[string]any{"uscc": stranger}})
		c = newClient(t, ts)
		resp, body := back(t, c, ssoSignIn(t, c, op, "/", "stranger"))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "不在本平台的企业库中") || !strings.Contains(body, "not in the platform") {
			t.Fatalf("an enterprise the registry does not hold: %d %.1500s", resp.StatusCode, body)
		}
		if _, code := me(c); code != http.StatusUnauthorized {
			t.Fatalf("refused, yet signed in: %d", code)
		}
		if e := lastAction(t, s, stranger); e.Action != "login-sso-refused" || e.After != "not-in-registry sub=stranger" {
			t.Fatalf("the refusal's audit entry: %+v", e)
		}

		// The registry does not activate: the account waits.
		s.Account.RegistryActivates = false
		op.AddUser(ssotest.User{Username: "nanhaizi-legal", Password: ssoPassword, Claims: map[string]any{"uscc": uscc["nanhaizi"]}})
		c = newClient(t, ts)
		resp, body = back(t, c, ssoSignIn(t, c, op, "/", "nanhaizi-legal"))
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "尚待审核激活") {
			t.Fatalf("an account waiting for an official: %d %.1500s", resp.StatusCode, body)
		}
		waiting := account.SSOAccountPrefix + strings.ToLower(uscc["nanhaizi"])
		if _, err := s.Account.Activate(ctx, duixian.Actor{User: "culture", Role: duixian.RoleReviewer, Department: "宣传文化部"}, waiting); err != nil {
			t.Fatal(err)
		}
		back(t, c, ssoSignIn(t, c, op, "/", "nanhaizi-legal"))
		if name, _ := me(c); name != waiting {
			t.Fatalf("after the activation: signed in as %q", name)
		}
	})
}

// Officials are never made from single sign-on: a provider's name with no
// account here is refused with a message saying so in both languages, and
// audited under that name; so is the name of an enterprise's account (its
// staff sign in by their USCC claim).
func TestSSOUnknownOfficialRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, _, op := ssoPlatform(t, db)
		for _, tc := range []struct{ name, reason string }{{"zhang.san", "no-account"}, {"bookstore", "not-an-official"}} {
			op.AddUser(ssotest.User{Username: tc.name, Password: ssoPassword})
			c := newClient(t, ts)
			resp, body := back(t, c, ssoSignIn(t, c, op, "/", tc.name))
			if resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "没有工作人员账户") || !strings.Contains(body, "single sign-on never creates one") ||
				!strings.Contains(body, tc.name) {
				t.Fatalf("%s: %d %.1500s", tc.name, resp.StatusCode, body)
			}
			if _, code := me(c); code != http.StatusUnauthorized {
				t.Fatalf("%s: refused, yet signed in: %d", tc.name, code)
			}
			if e := lastAction(t, s, tc.name); e.Action != "login-sso-refused" || e.After != tc.reason+" sub="+tc.name || e.Actor.Role != duixian.RolePublic {
				t.Fatalf("%s: the refusal's audit entry: %+v", tc.name, e)
			}
		}
		if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) error { _, err := tx.User("zhang.san"); return err }); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("an official was made from single sign-on: %v", err)
		}
	})
}

// What a relying party must refuse, each from a real provider made to
// misbehave, or from a browser that did not begin the sign-in: an ID token
// of another issuer than discovery named, for another audience, with
// another nonce, expired, or signed by a key the provider does not publish;
// a code used before (with the cookie of its sign-in, as one who copied
// both would send them); a state that is not the sign-in's; a callback in
// a browser that never began it (login CSRF). Each is refused without a
// session, and audited with its reason, but the last: a callback no sign-in
// here began could be sent by anyone any number of times.
func TestSSORefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, _, op := ssoPlatform(t, db)
		op.AddUser(ssotest.User{Username: "culture", Password: ssoPassword})
		provider := s.SSO
		failures := func() int { return len(auditOf(t, s, "(unknown)")) }
		refused := func(name string, c *client, callback, reason string) {
			t.Helper()
			before := failures()
			resp, body := back(t, c, callback)
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "请重新登录") || !strings.Contains(body, "sign in again") {
				t.Fatalf("%s: %d %.1500s", name, resp.StatusCode, body)
			}
			if _, code := me(c); code != http.StatusUnauthorized {
				t.Fatalf("%s: refused, yet signed in: %d", name, code)
			}
			log := auditOf(t, s, "(unknown)")
			switch {
			case reason == "" && len(log) != before:
				t.Fatalf("%s: audited: %+v", name, log[len(log)-1])
			case reason != "" && (len(log) != before+1 || log[len(log)-1].Action != "login-sso-failed" || log[len(log)-1].After != reason):
				t.Fatalf("%s: want login-sso-failed %s, audit has %d→%d entries, last %+v", name, reason, before, len(log), log[len(log)-1])
			}
		}

		// Discovery under the relay names the relay; the tokens name the provider.
		s.SSO = relyingParty(t, op.Relay(t, true), ts)
		c := newClient(t, ts)
		refused("another issuer", c, ssoSignIn(t, c, op, "/", "culture"), "id-token-issuer")
		s.SSO = provider

		claims := func(change func(map[string]any)) ssotest.Misbehaviour { return ssotest.Misbehaviour{Claims: change} }
		for _, tc := range []struct {
			name   string
			mis    ssotest.Misbehaviour
			reason string
		}{
			{"another issuer in the token", claims(func(c map[string]any) { c["iss"] = "https://idp.example" }), "id-token-issuer"},
			{"another audience", claims(func(c map[string]any) { c["aud"] = []string{"another-client"}; c["azp"] = "another-client" }), "id-token-audience"},
			{"another audience besides", claims(func(c map[string]any) { c["aud"] = []string{ssoClient, "another-client"} }), "id-token-audience"},
			{"another nonce", claims(func(c map[string]any) { c["nonce"] = "not-the-sign-ins" }), "id-token-nonce"},
			{"expired", claims(func(c map[string]any) { c["exp"] = time.Now().Add(-time.Minute).Unix() }), "id-token-expired"},
			{"an unpublished key", ssotest.Misbehaviour{UnpublishedKey: true}, "id-token-signature"},
		} {
			op.Misbehave(tc.mis)
			c := newClient(t, ts)
			refused(tc.name, c, ssoSignIn(t, c, op, "/", "culture"), tc.reason)
		}
		// The same provider, signing its tokens again unchanged: the
		// refusals above were the changes'.
		op.Misbehave(ssotest.Misbehaviour{Claims: func(map[string]any) {}})
		c = newClient(t, ts)
		if resp, _ := back(t, c, ssoSignIn(t, c, op, "/", "culture")); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("a token signed again unchanged: %d", resp.StatusCode)
		}
		op.Misbehave(ssotest.Misbehaviour{})

		// A code used once, sent again with its sign-in's cookie.
		c = newClient(t, ts)
		callback := ssoSignIn(t, c, op, "/", "culture")
		platform, _ := url.Parse(ts.URL + sso.CookiePath)
		var sealed *http.Cookie
		for _, k := range c.c.Jar.Cookies(platform) {
			if k.Name == sso.CookieName {
				sealed = k
			}
		}
		if sealed == nil {
			t.Fatal("no sign-in cookie after /login/sso")
		}
		if resp, _ := back(t, c, callback); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("the first use of the code: %d", resp.StatusCode)
		}
		if name, _ := me(c); name != "culture" {
			t.Fatalf("the first use of the code signed in %q", name)
		}
		thief := newClient(t, ts)
		thief.c.Jar.SetCookies(platform, []*http.Cookie{{Name: sso.CookieName, Value: sealed.Value, Path: sso.CookiePath}})
		refused("a code used before", thief, callback, "code")
		// In the browser that used it, signed out, the cookie is gone with
		// its use.
		c.refreshCSRF()
		c.form("/logout", url.Values{})
		refused("the same callback again", c, callback, "")

		// A state that is not the sign-in's.
		c = newClient(t, ts)
		u, _ := url.Parse(ssoSignIn(t, c, op, "/", "culture"))
		q := u.Query()
		q.Set("state", strings.Repeat("0", 64))
		u.RawQuery = q.Encode()
		refused("another state", c, u.String(), "state")

		// A stranger's callback opened in a browser that began nothing.
		attacker := newClient(t, ts)
		refused("login CSRF", newClient(t, ts), ssoSignIn(t, attacker, op, "/", "culture"), "")

		// The provider said no.
		c = newClient(t, ts)
		start, _ := url.Parse(ssoStart(t, c, "/"))
		refused("the provider's error", c, ts.URL+"/login/sso/callback?error=access_denied&state="+start.Query().Get("state"), "provider:access_denied")
	})
}

// Discovery must name the issuer configured: a document found at one URL
// naming another is refused, and single sign-on is unavailable (503) with
// a message saying to use the password, while password sign-in goes on.
// Without a provider configured, the page offers none and its routes are
// not found.
func TestSSODiscoveryAndAbsence(t *testing.T) {
	s, ts, _, op := ssoPlatform(t, dbtest.SQLite(t))
	s.SSO = relyingParty(t, op.Relay(t, false), ts)
	c := newClient(t, ts)
	resp, body := c.do("GET", "/login/sso", "", nil)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "统一身份认证服务暂不可用") || !strings.Contains(body, "sign in with your user name and password") {
		t.Fatalf("a provider naming another issuer: %d %.1500s", resp.StatusCode, body)
	}
	if code := c.login("culture", "duixian-demo"); code != 200 {
		t.Fatalf("password sign-in beside a broken provider: %d", code)
	}

	s.SSO = nil
	c = newClient(t, ts)
	if _, page := c.do("GET", "/login", "", nil); strings.Contains(page, "/login/sso") {
		t.Fatal("the sign-in page offers single sign-on without a provider")
	}
	for _, p := range []string{"/login/sso", "/login/sso/callback?code=x&state=y"} {
		if resp, _ := c.do("GET", p, "", nil); resp.StatusCode != http.StatusNotFound {
			t.Fatalf("GET %s without a provider: %d", p, resp.StatusCode)
		}
	}
}

// The platform's second factor after the provider's, by default: an
// official who has one gives a code after single sign-on, and the session
// the code starts still signs out at the provider; a role that requires
// one sends an official without one to enrol. With SSOSkipsSecondFactor
// (the provider checks a second factor itself) neither is asked.
func TestSSOSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, clk, op := ssoPlatform(t, db)
		ctx := context.Background()
		culture := duixian.Actor{User: "culture", Role: duixian.RoleReviewer, Department: "宣传文化部"}
		e, err := s.Account.BeginEnrolment(ctx, culture)
		if err != nil {
			t.Fatal(err)
		}
		code, _ := totp.GenerateCode(e.Secret, clk.now())
		if _, err := s.Account.ConfirmEnrolment(ctx, culture, code); err != nil {
			t.Fatal(err)
		}
		clk.advance(time.Minute) // a code of a later step
		op.AddUser(ssotest.User{Username: "culture", Password: ssoPassword})
		op.AddUser(ssotest.User{Username: "treasury", Password: ssoPassword})

		c := newClient(t, ts)
		resp, _ := back(t, c, ssoSignIn(t, c, op, "/queue", "culture"))
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fqueue" {
			t.Fatalf("after the provider, with a second factor: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, code := me(c); code != http.StatusUnauthorized {
			t.Fatalf("signed in before the code: %d", code)
		}
		if e := lastAction(t, s, "culture"); e.Action != "login-sso" || e.After != "sub=culture second-factor-due" || e.Actor.Role != duixian.RolePublic {
			t.Fatalf("the audit entry before the code: %+v", e)
		}
		if _, page := c.do("GET", "/login?next=%2Fqueue", "", nil); !strings.Contains(page, `name="code"`) {
			t.Fatalf("no code asked: %.1500s", page)
		}
		code, _ = totp.GenerateCode(e.Secret, clk.now())
		c.refreshCSRF()
		resp, body := c.form("/login/second-factor", url.Values{"code": {code}, "next": {"/queue"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
			t.Fatalf("the code: %d %.500s", resp.StatusCode, body)
		}
		if name, _ := me(c); name != "culture" {
			t.Fatalf("after the code: %q", name)
		}
		c.refreshCSRF()
		if resp, _ := c.form("/logout", url.Values{}); !strings.HasPrefix(resp.Header.Get("Location"), op.Issuer) {
			t.Fatalf("the session the code started does not sign out at the provider: %s", resp.Header.Get("Location"))
		}

		s.Account.SecondFactorRoles = []duixian.Role{duixian.RoleFinance}
		c = newClient(t, ts)
		back(t, c, ssoSignIn(t, c, op, "/", "treasury"))
		if got := location(t, c, "/queue"); got != "/account/second-factor" {
			t.Fatalf("a role that requires a second factor, after single sign-on: %s", got)
		}

		s.Account.SSOSkipsSecondFactor = true
		for _, name := range []string{"culture", "treasury"} {
			c = newClient(t, ts)
			resp, _ := back(t, c, ssoSignIn(t, c, op, "/", name))
			// Bound for the home page, an official lands on the 待办.
			if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/queue" {
				t.Fatalf("%s, the provider trusted with the second factor: %d %s", name, resp.StatusCode, resp.Header.Get("Location"))
			}
			if got, _ := me(c); got != name {
				t.Fatalf("%s signed in as %q", name, got)
			}
		}
		if got := location(t, c, "/queue"); got == "/account/second-factor" {
			t.Fatal("sent to enrol though the provider is trusted with the second factor")
		}
	})
}
