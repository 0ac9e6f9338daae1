package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// enrol sets up culture's second factor and returns its secret and the
// recovery codes.
func enrol(t *testing.T, s *Service, clk *clock) (string, []string) {
	t.Helper()
	ctx := context.Background()
	me := duixian.Actor{User: "culture", Role: duixian.RoleReviewer}
	e, err := s.BeginEnrolment(ctx, me)
	if err != nil || !strings.HasPrefix(e.URI, "otpauth://totp/duixian:culture?") || !strings.Contains(e.URI, "secret="+e.Secret) {
		t.Fatalf("begin: %+v %v", e, err)
	}
	if again, err := s.Enrolling(ctx, me); err != nil || *again != *e {
		t.Fatalf("the enrolment shown again: %+v %v", again, err)
	}
	if _, err := s.ConfirmEnrolment(ctx, me, "000000"); errField(err) != "invalid:code" {
		t.Fatalf("a wrong code confirmed: %v", err)
	}
	code, _ := totp.GenerateCode(e.Secret, clk.now())
	recovery, err := s.ConfirmEnrolment(ctx, me, code)
	if err != nil || len(recovery) != 10 {
		t.Fatalf("confirm: %v %v", recovery, err)
	}
	if _, err := s.BeginEnrolment(ctx, me); duixian.ErrorCode(err) != duixian.ECONFLICT {
		t.Fatalf("enrolled twice: %v", err)
	}
	return e.Secret, recovery
}

// Once enrolled, the right password gives a session that signs no one in
// until a code is given; the code gives a new session, and is good once; a
// recovery code is good once too; nothing secret is audited.
func TestSecondFactor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clk := service(t, db)
		secret, recovery := enrol(t, s, clk)
		clk.advance(time.Minute) // past the step the enrolment code used

		pending, sess, _, err := s.SignIn(ctx, public, "culture", "right")
		if err != nil || !sess.SecondFactorDue {
			t.Fatalf("sign in with a second factor: %+v %v", sess, err)
		}
		if _, _, _, err := s.SecondFactor(ctx, public, pending, "123456"); err != ErrBadCode {
			t.Fatalf("a wrong code: %v", err)
		}
		code, _ := totp.GenerateCode(secret, clk.now())
		token, full, u, err := s.SecondFactor(ctx, public, pending, code)
		if err != nil || full.SecondFactorDue || token == pending || u.Name != "culture" {
			t.Fatalf("the code: %+v %v", full, err)
		}
		if _, _, err := s.Session(ctx, pending); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("the waiting session lives on: %v", err)
		}
		if got, _, err := s.Session(ctx, token); err != nil || got.SecondFactorDue {
			t.Fatalf("the signed-in session: %+v %v", got, err)
		}

		// The same code again, in the same step: refused.
		pending, _, _, _ = s.SignIn(ctx, public, "culture", "right")
		if _, _, _, err := s.SecondFactor(ctx, public, pending, code); err != ErrBadCode {
			t.Fatalf("a code used twice: %v", err)
		}
		if _, _, _, err := s.SecondFactor(ctx, public, pending, strings.ToLower(recovery[3])); err != nil {
			t.Fatalf("a recovery code: %v", err)
		}
		pending, _, _, _ = s.SignIn(ctx, public, "culture", "right")
		if _, _, _, err := s.SecondFactor(ctx, public, pending, recovery[3]); err != ErrBadCode {
			t.Fatalf("a recovery code used twice: %v", err)
		}
		got := actions(t, s, "culture")
		if got["login-recovery-code"] != 1 || got["second-factor-failed"] != 3 || got["second-factor-enrol"] != 1 || got["login"] != 1 {
			t.Fatalf("audited %v", got)
		}
		if chain := auditChain(t, db); strings.Contains(chain, secret) || strings.Contains(chain, recovery[0]) {
			t.Fatal("a secret is in the audit chain")
		}
	})
}

// Wrong codes count as failed sign-ins: LockAfter of them lock the account
// and end the waiting session. A sign-in left waiting ends after
// SecondFactorWait. An administrator's reset removes the factor.
func TestSecondFactorLockAndWait(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clk := service(t, db)
		secret, _ := enrol(t, s, clk)
		clk.advance(time.Minute)
		pending, _, _, _ := s.SignIn(ctx, public, "culture", "right")
		for range LockAfter {
			s.SecondFactor(ctx, public, pending, "000000")
		}
		code, _ := totp.GenerateCode(secret, clk.now())
		if _, _, _, err := s.SecondFactor(ctx, public, pending, code); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("the right code after the lock: %v", err)
		}
		if _, _, _, err := s.SignIn(ctx, public, "culture", "right"); err != ErrBadLogin {
			t.Fatalf("sign in during the lock: %v", err)
		}
		clk.advance(LockFor)
		pending, _, _, _ = s.SignIn(ctx, public, "culture", "right")
		clk.advance(SecondFactorWait + time.Second)
		code, _ = totp.GenerateCode(secret, clk.now())
		if _, _, err := s.Session(ctx, pending); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("a sign-in waiting longer than %v: %v", SecondFactorWait, err)
		}
		if _, _, _, err := s.SecondFactor(ctx, public, pending, code); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("a code for an ended sign-in: %v", err)
		}
		if _, err := s.ResetSecondFactor(ctx, admin, "culture"); err != nil {
			t.Fatal(err)
		}
		if _, sess, _, err := s.SignIn(ctx, public, "culture", "right"); err != nil || sess.SecondFactorDue {
			t.Fatalf("after the reset: %+v %v", sess, err)
		}
	})
}

// A role the service requires a second factor of is sent to enrol until it
// has; other roles are not.
func TestSetupDueSecondFactor(t *testing.T) {
	s := &Service{SecondFactorRoles: []duixian.Role{duixian.RoleAdmin}}
	if err := s.SetupDue(nil, &duixian.User{Role: duixian.RoleAdmin}); err != ErrMustEnrol {
		t.Fatalf("an admin without a second factor: %v", err)
	}
	if err := s.SetupDue(nil, &duixian.User{Role: duixian.RoleAdmin, TOTPSecret: "X"}); err != nil {
		t.Fatalf("an enrolled admin: %v", err)
	}
	if err := s.SetupDue(nil, &duixian.User{Role: duixian.RoleReviewer}); err != nil {
		t.Fatalf("a reviewer: %v", err)
	}
}
