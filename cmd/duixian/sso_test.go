package main

import (
	"context"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sso/ssotest"
)

// serve's single sign-on settings: by flag or environment variable, the
// secret from a file or the environment and never a flag; a provider found
// by discovery at start; incomplete or wrong settings refused naming the
// setting; none given, no single sign-on.
func TestServeSingleSignOn(t *testing.T) {
	ctx := context.Background()
	op := ssotest.Start(t)
	serve := func(args ...string) (*struct{ skips bool }, string, error) {
		t.Helper()
		srv, _, closeDB, err := newServer(ctx, append(args, "--db", t.TempDir()+"/s.db"), io.Discard)
		if err != nil {
			return nil, "", err
		}
		defer closeDB()
		if srv.SSO == nil {
			return &struct{ skips bool }{srv.Account.SSOSkipsSecondFactor}, "", nil
		}
		authURL, _, err := srv.SSO.Begin(ctx, "/")
		return &struct{ skips bool }{srv.Account.SSOSkipsSecondFactor}, authURL, err
	}
	field := func(err error) string {
		if e, ok := err.(*duixian.Error); ok && e.Code == duixian.EINVALID {
			return e.Field
		}
		return "not invalid: " + err.Error()
	}

	if _, authURL, err := serve(); err != nil || authURL != "" {
		t.Fatalf("no settings, yet single sign-on: %q %v", authURL, err)
	}
	secretFile := t.TempDir() + "/secret"
	if err := os.WriteFile(secretFile, []byte("a-secret-from-a-file-0001\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flags := []string{"--oidc-issuer", op.Issuer, "--oidc-client-id", "duixian", "--oidc-redirect-url", "https://duixian.example/login/sso/callback"}
	got, authURL, err := serve(append(flags, "--oidc-client-secret-file", secretFile)...)
	u, _ := url.Parse(authURL)
	if err != nil || !strings.HasPrefix(authURL, op.Issuer) || u.Query().Get("client_id") != "duixian" ||
		u.Query().Get("redirect_uri") != "https://duixian.example/login/sso/callback" || got.skips {
		t.Fatalf("flags and a secret file: %s %v", authURL, err)
	}

	// The environment, and the flag over it.
	t.Setenv("DUIXIAN_OIDC_ISSUER", op.Issuer)
	t.Setenv("DUIXIAN_OIDC_CLIENT_ID", "from-the-environment")
	t.Setenv("DUIXIAN_OIDC_REDIRECT_URL", "https://duixian.example/login/sso/callback")
	t.Setenv("DUIXIAN_OIDC_SECOND_FACTOR", "provider")
	t.Setenv(secretVariable, "a-secret-from-the-environment")
	got, authURL, err = serve()
	if u, _ = url.Parse(authURL); err != nil || u.Query().Get("client_id") != "from-the-environment" || !got.skips {
		t.Fatalf("the environment: %s %+v %v", authURL, got, err)
	}
	if _, authURL, err = serve("--oidc-client-id", "from-a-flag"); err != nil || !strings.Contains(authURL, "client_id=from-a-flag") {
		t.Fatalf("a flag over the environment: %s %v", authURL, err)
	}

	for _, tc := range []struct {
		args  []string
		field string
	}{
		{[]string{"--oidc-client-secret", "on-the-command-line"}, "flags"},
		{[]string{"--oidc-second-factor", "sometimes"}, "oidc-second-factor"},
		{[]string{"--oidc-client-secret-file", t.TempDir() + "/missing"}, "oidc-client-secret-file"},
		{[]string{"--oidc-redirect-url", "/login/sso/callback"}, "oidc-redirect-url"},
		{[]string{"--oidc-client-id", ""}, "oidc-client-id"},
		{[]string{"--oidc-uscc-claim", "", "--oidc-official-claim", ""}, "oidc-uscc-claim"},
	} {
		if _, _, err := serve(tc.args...); err == nil || field(err) != tc.field {
			t.Errorf("%v: %v, want a refusal of %s", tc.args, err, tc.field)
		}
	}
	os.Unsetenv(secretVariable)
	if _, _, err := serve(); err == nil || field(err) != "oidc-client-secret-file" {
		t.Errorf("no secret: %v", err)
	}
	os.Unsetenv("DUIXIAN_OIDC_ISSUER")
	if _, _, err := serve(); err == nil || field(err) != "oidc-issuer" {
		t.Errorf("settings without an issuer: %v", err)
	}

	// A provider that is down: serve starts; single sign-on waits for it.
	if _, _, err := serve("--oidc-issuer", "http://127.0.0.1:1", "--oidc-client-secret-file", secretFile); duixian.ErrorCode(err) != "unavailable" {
		t.Errorf("a provider that is down: %v", err)
	}
}
