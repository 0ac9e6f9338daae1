package sso_test

import (
	"context"
	"errors"
	"net/url"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sso"
	"github.com/etown/duixian/sso/ssotest"
)

func config(issuer, secret string) sso.Config {
	return sso.Config{Issuer: issuer, ClientID: "duixian", ClientSecret: secret, RedirectURL: "https://duixian.example/login/sso/callback",
		USCCClaim: sso.DefaultUSCCClaim, OfficialClaim: sso.DefaultOfficialClaim}
}

// The cookie that carries a sign-in to its callback is sealed with a key
// from the client secret: changed by a character, or sealed under another
// secret, it is no sign-in begun here, which is not worth an audit entry;
// the state it carries must come back in the query.
func TestSealedSignIn(t *testing.T) {
	ctx := context.Background()
	op := ssotest.Start(t)
	p, err := sso.New(config(op.Issuer, "the-client-secret-0001"))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := sso.New(config(op.Issuer, "another-client-secret-2"))
	authURL, cookie, err := p.Begin(ctx, "/queue")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	state := u.Query().Get("state")
	if len(state) != 64 || u.Query().Get("code_challenge") == "" || len(u.Query().Get("nonce")) != 64 {
		t.Fatalf("the authorization request: %s", authURL)
	}
	_, foreign, _ := other.Begin(ctx, "/")
	tampered := []byte(cookie)
	tampered[len(tampered)/2] ^= 1
	for name, c := range map[string]string{"changed": string(tampered), "another secret's": foreign, "none": ""} {
		_, _, err := p.Finish(ctx, c, url.Values{"state": {state}, "code": {"x"}})
		var f *sso.Failure
		if !errors.As(err, &f) || f.Reason != "no-sign-in" || f.Audited {
			t.Errorf("%s cookie: %#v", name, err)
		}
	}
	_, _, err = p.Finish(ctx, cookie, url.Values{"state": {"another"}, "code": {"x"}})
	if f, ok := err.(*sso.Failure); !ok || f.Reason != "state" || !f.Audited || duixian.ErrorCode(err) != "unauthenticated" {
		t.Errorf("another state: %#v", err)
	}
}

// Settings are checked before the provider is called, naming the setting.
func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		edit  func(*sso.Config)
		field string
	}{
		{func(c *sso.Config) { c.Issuer = "idp.example" }, "oidc-issuer"},
		{func(c *sso.Config) { c.RedirectURL = "https://duixian.example/login/sso/callback?x=1" }, "oidc-redirect-url"},
		{func(c *sso.Config) { c.RedirectURL = "https://duixian.example/callback" }, "oidc-redirect-url"},
		{func(c *sso.Config) { c.PostLogoutURL = "/" }, "oidc-post-logout-url"},
		{func(c *sso.Config) { c.ClientID = " " }, "oidc-client-id"},
		{func(c *sso.Config) { c.ClientSecret = "short" }, "oidc-client-secret"},
		{func(c *sso.Config) { c.USCCClaim, c.OfficialClaim = "", "" }, "oidc-uscc-claim"},
	} {
		c := config("https://idp.example", "the-client-secret-0001")
		tc.edit(&c)
		_, err := sso.New(c)
		if e, ok := err.(*duixian.Error); !ok || e.Code != duixian.EINVALID || e.Field != tc.field || e.Zh == "" || e.En == "" {
			t.Errorf("%+v: %v, want %s refused", c, err, tc.field)
		}
	}
	if _, err := sso.New(config("https://idp.example", "the-client-secret-0001")); err != nil {
		t.Fatal(err)
	}
}
