package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// The accounts single sign-on reaches, beyond the end-to-end tests in
// package http: an enterprise whose 管理员 was disabled gets a new one (as a
// registration would), unless its SSO account is the disabled one; a
// locked or pending account is refused saying so; a claim that is no valid
// USCC, or no claim, is refused; the refusals are audited without a
// session, and nothing is made for them.
func TestSSOAccounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clk := service(t, db)
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.PutEnterprise(&duixian.Enterprise{USCC: registered, Name: "北京亦庄星河科技有限公司"})
		}); err != nil {
			t.Fatal(err)
		}
		id := func(uscc, official string) duixian.SSOIdentity {
			return duixian.SSOIdentity{Issuer: "https://idp.example", Subject: "sub-1", USCC: uscc, Official: official, IDToken: "header.payload.signature"}
		}
		signIn := func(in duixian.SSOIdentity) (*duixian.Session, *duixian.User, error) {
			_, sess, u, err := s.SignInSSO(ctx, public, in)
			return sess, u, err
		}

		// The 管理员 who registered is signed in; disabled, a new account
		// is made in its place; that one disabled, the enterprise is refused.
		if _, err := s.Register(ctx, public, registration(registered, "北京亦庄星河科技有限公司", "tech-admin")); err != nil {
			t.Fatal(err)
		}
		sess, u, err := signIn(id(strings.ToLower(registered), "culture"))
		if err != nil || u.Name != "tech-admin" || !sess.ViaSSO() || sess.IDToken != "header.payload.signature" {
			t.Fatalf("the registered 管理员 (the USCC claim before the official's): %+v %+v %v", u, sess, err)
		}
		if _, err := s.Disable(ctx, admin, "tech-admin"); err != nil {
			t.Fatal(err)
		}
		made := SSOAccountPrefix + strings.ToLower(registered)
		if _, u, err = signIn(id(registered, "")); err != nil || u.Name != made || !u.EnterpriseAdmin || u.PasswordHash == "" {
			t.Fatalf("the 管理员 disabled: %+v %v", u, err)
		}
		if _, err := s.Disable(ctx, admin, made); err != nil {
			t.Fatal(err)
		}
		if _, _, err = signIn(id(registered, "")); err != ErrDisabled {
			t.Fatalf("the enterprise's SSO account disabled: %v", err)
		}

		// Locked by wrong passwords: refused, told so.
		for range LockAfter {
			s.SignIn(ctx, public, "culture", "wrong")
		}
		if _, _, err = signIn(id("", "culture")); err != ErrLocked {
			t.Fatalf("a locked official: %v", err)
		}
		clk.advance(LockFor + time.Second)
		if _, u, err = signIn(id("", "Culture")); err != nil || u.Name != "culture" {
			t.Fatalf("the lock over (a name in another case): %+v %v", u, err)
		}

		for _, tc := range []struct {
			id      duixian.SSOIdentity
			subject string
			after   string
		}{
			{id("91110302MA01HJKL20", ""), unknownSubject, "uscc-invalid sub=sub-1"},
			{id("", ""), unknownSubject, "no-claim sub=sub-1"},
			{id("", "Not A Name!"), unknownSubject, "no-account sub=sub-1"},
			{id(unregistered, ""), unregistered, "not-in-registry sub=sub-1"},
		} {
			if _, _, err := signIn(tc.id); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
				t.Fatalf("%+v: %v", tc.id, err)
			}
			var log []duixian.AuditEntry
			db.Read(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(tc.subject); return })
			if e := log[len(log)-1]; e.Action != "login-sso-refused" || e.After != tc.after || e.Actor != public {
				t.Fatalf("%+v: audited %+v", tc.id, e)
			}
		}
		if err := db.Read(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.User(SSOAccountPrefix + strings.ToLower(unregistered))
			return err
		}); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("an account made for an enterprise not in the registry: %v", err)
		}
	})
}

// A session of single sign-on is not sent to change a password it did not
// use; it is sent to enrol a second factor its role requires unless the
// provider is trusted with it.
func TestSetupDueSSO(t *testing.T) {
	s := New(nil, time.Now)
	s.SecondFactorRoles = []duixian.Role{duixian.RoleAdmin}
	sso := &duixian.Session{IDToken: "t"}
	password := &duixian.Session{}
	reset := &duixian.User{Role: duixian.RoleReviewer, MustChangePassword: true}
	if s.SetupDue(password, reset) != ErrMustChangePassword || s.SetupDue(sso, reset) != nil {
		t.Fatal("a reset password: due after a password, not after single sign-on")
	}
	root := &duixian.User{Role: duixian.RoleAdmin}
	if s.SetupDue(sso, root) != ErrMustEnrol || s.SetupDue(password, root) != ErrMustEnrol {
		t.Fatal("a required second factor: due after either sign-in by default")
	}
	s.SSOSkipsSecondFactor = true
	if s.SetupDue(sso, root) != nil || s.SetupDue(password, root) != ErrMustEnrol {
		t.Fatal("the provider trusted with the second factor: due after a password only")
	}
}
