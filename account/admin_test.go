package account

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

var admin = duixian.Actor{User: "root", Role: duixian.RoleAdmin, IP: "10.0.0.1"}

const strong = "Yizhuang-Policy-2026"

// auditChain is every audit entry's JSON, in order.
func auditChain(t *testing.T, db *sqldb.DB) string {
	t.Helper()
	var b strings.Builder
	err := db.Read(context.Background(), func(tx *sqldb.Tx) error {
		log, err := tx.AuditLog("")
		for _, e := range log {
			fmt.Fprintf(&b, "%+v\n", e)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// An unknown name, a wrong password and a locked account get one answer,
// the same error; the lock still holds (the right password is refused while
// it lasts). A password typed into the name field is nowhere in the audit
// chain.
func TestOneAnswerForUnknownWrongAndLocked(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clk := service(t, db)
		_, _, _, unknown := s.SignIn(ctx, public, "My-Secret-Pass-2026", "whatever")
		_, _, _, wrong := s.SignIn(ctx, public, "culture", "wrong")
		for range LockAfter - 1 {
			s.SignIn(ctx, public, "culture", "wrong")
		}
		_, _, _, locked := s.SignIn(ctx, public, "culture", "right")
		for what, err := range map[string]error{"unknown name": unknown, "wrong password": wrong, "locked account": locked} {
			if err != ErrBadLogin {
				t.Errorf("%s: %v, want the one answer", what, err)
			}
		}
		if chain := auditChain(t, db); strings.Contains(chain, "My-Secret-Pass-2026") {
			t.Fatalf("the typed name is in the audit chain:\n%s", chain)
		}
		clk.advance(LockFor + time.Second)
		if _, _, _, err := s.SignIn(ctx, public, "culture", "right"); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
	})
}

// A session in constant use still ends MaxAge after it began; MaxAge is the
// service's to set.
func TestAbsoluteLifetime(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clk := service(t, db)
		s.MaxAge = 2 * time.Hour
		token, _, _, err := s.SignIn(ctx, public, "culture", "right")
		if err != nil {
			t.Fatal(err)
		}
		for i := range 11 {
			clk.advance(10 * time.Minute)
			if _, _, err := s.Session(ctx, token); err != nil {
				t.Fatalf("after %d minutes of use: %v", (i+1)*10, err)
			}
		}
		clk.advance(10*time.Minute + time.Second)
		if _, _, err := s.Session(ctx, token); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("in use, %v after sign-in: %v", 2*time.Hour, err)
		}
		// Ended for good: not found again, even by a lookup that would not
		// have ended it.
		s.MaxAge = 24 * time.Hour
		if _, _, err := s.Session(ctx, token); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("the ended session came back: %v", err)
		}
	})
}

func errField(err error) string {
	if e, ok := err.(*duixian.Error); ok && e.Zh != "" && e.En != "" {
		return e.Code + ":" + e.Field
	}
	return fmt.Sprint(err)
}

// An administrator adds accounts; bad input is refused naming the field,
// in both languages; no one else may add one, and the refusal is audited.
func TestAdd(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := service(t, db)
		for _, tc := range []struct {
			in   NewUser
			want string
		}{
			{NewUser{Name: "Bad Name", Role: duixian.RoleExpert, Password: strong}, "invalid:name"},
			{NewUser{Name: "x1", Role: "boss", Password: strong}, "invalid:role"},
			{NewUser{Name: "x1", Role: duixian.RoleReviewer, Password: strong}, "invalid:department"},
			{NewUser{Name: "x1", Role: duixian.RoleEnterprise, Password: strong}, "invalid:enterprise"},
			{NewUser{Name: "x1", Role: duixian.RoleEnterprise, Enterprise: "91110302MA01ABCD10", Password: strong}, "invalid:enterprise"},
			{NewUser{Name: "x1", Role: duixian.RoleExpert, Enterprise: "91110302MA01ABCD1X", Password: strong}, "invalid:enterprise"},
			{NewUser{Name: "x1", Role: duixian.RoleExpert, Password: "short"}, "invalid:password"},
			{NewUser{Name: "culture", Role: duixian.RoleExpert, Password: strong}, "conflict:"},
		} {
			if _, err := s.Add(ctx, admin, tc.in); errField(err) != tc.want {
				t.Errorf("%+v: %v, want %s", tc.in, err, tc.want)
			}
		}
		reviewer := duixian.Actor{User: "culture", Role: duixian.RoleReviewer}
		if _, err := s.Add(ctx, reviewer, NewUser{Name: "mole", Role: duixian.RoleAdmin, Password: strong}); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("a reviewer added an account: %v", err)
		}
		if got := actions(t, s, "mole"); got["denied:user-add"] != 1 {
			t.Fatalf("the refusal was not audited: %v", got)
		}
		u, err := s.Add(ctx, admin, NewUser{Name: "ops", Role: duixian.RoleFinance, Department: "财政国资局", Password: strong})
		if err != nil || u.Display != "ops" || u.PasswordHash == "" || u.Created.IsZero() {
			t.Fatalf("add: %+v %v", u, err)
		}
		if _, _, _, err := s.SignIn(ctx, public, "ops", strong); err != nil {
			t.Fatalf("the new account signs in: %v", err)
		}
		if got := actions(t, s, "ops"); got["user-add"] != 1 {
			t.Fatalf("audited %v", got)
		}
	})
}

// Disable ends the account's sessions and its sign-ins (a right password is
// told so; a wrong one is not); enable lets it in again; unlock ends a lock
// early. Each is audited with the state before and after.
func TestDisableEnableUnlock(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := service(t, db)
		token, _, _, _ := s.SignIn(ctx, public, "culture", "right")
		if _, err := s.Disable(ctx, admin, "culture"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Session(ctx, token); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("a disabled account's session: %v", err)
		}
		if _, _, _, err := s.SignIn(ctx, public, "culture", "right"); err != ErrDisabled {
			t.Fatalf("disabled, right password: %v", err)
		}
		if _, _, _, err := s.SignIn(ctx, public, "culture", "wrong"); err != ErrBadLogin {
			t.Fatalf("disabled, wrong password: %v", err)
		}
		if _, err := s.Disable(ctx, admin, "culture"); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("disabled twice: %v", err)
		}
		if _, err := s.Disable(ctx, admin, "root"); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("no such account: %v", err)
		}
		if _, err := s.Enable(ctx, admin, "culture"); err != nil {
			t.Fatal(err)
		}
		for range LockAfter {
			s.SignIn(ctx, public, "culture", "wrong")
		}
		if _, err := s.Unlock(ctx, admin, "culture"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Unlock(ctx, admin, "culture"); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("unlocked twice: %v", err)
		}
		if _, _, _, err := s.SignIn(ctx, public, "culture", "right"); err != nil {
			t.Fatalf("after unlock: %v", err)
		}
		var log []duixian.AuditEntry
		s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog("culture"); return })
		var changes []string
		for _, e := range log {
			if strings.HasPrefix(e.Action, "user-") {
				changes = append(changes, e.Action+" "+e.Before+"→"+e.After)
			}
		}
		if got := strings.Join(changes, ", "); got != "user-disable active→disabled, user-enable disabled→active, user-unlock locked→active" {
			t.Fatalf("audited %s", got)
		}
	})
}

// An administrator's reset ends the user's sessions and sends them to
// change the password before anything else; the change must give the
// current password, keep the policy and not repeat any of the last five;
// it ends the user's other sessions and keeps the one it was made in.
func TestResetAndChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := service(t, db)
		s.Add(ctx, admin, NewUser{Name: "wang", Role: duixian.RoleExpert, Password: "First-Password-01"})
		old, _, _, _ := s.SignIn(ctx, public, "wang", "First-Password-01")
		if _, err := s.SetPassword(ctx, admin, "wang", "First-Password-01", true); errField(err) != "invalid:password" {
			t.Fatalf("reset to the same password: %v", err)
		}
		u, err := s.SetPassword(ctx, admin, "wang", "Temporary-Pass-02", true)
		if err != nil || !u.MustChangePassword {
			t.Fatalf("reset: %+v %v", u, err)
		}
		if _, _, err := s.Session(ctx, old); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("a session from before the reset: %v", err)
		}
		token, sess, u, err := s.SignIn(ctx, public, "wang", "Temporary-Pass-02")
		if err != nil || s.SetupDue(sess, u) != ErrMustChangePassword {
			t.Fatalf("after the reset: %v, setup due %v", err, s.SetupDue(sess, u))
		}
		other, _, _, _ := s.SignIn(ctx, public, "wang", "Temporary-Pass-02")
		me := u.Actor("10.0.0.2")
		if _, err := s.ChangePassword(ctx, me, sess.TokenHash, "wrong", "Second-Password-03"); errField(err) != "invalid:current_password" {
			t.Fatalf("a wrong current password: %v", err)
		}
		for _, reused := range []string{"Temporary-Pass-02", "First-Password-01"} {
			if _, err := s.ChangePassword(ctx, me, sess.TokenHash, "Temporary-Pass-02", reused); errField(err) != "invalid:password" {
				t.Fatalf("back to %s: %v", reused, err)
			}
		}
		if _, err := s.ChangePassword(ctx, me, sess.TokenHash, "Temporary-Pass-02", "wang-Password-04"); errField(err) != "invalid:password" {
			t.Fatalf("containing the name: %v", err)
		}
		if u, err = s.ChangePassword(ctx, me, sess.TokenHash, "Temporary-Pass-02", "Second-Password-03"); err != nil || s.SetupDue(sess, u) != nil {
			t.Fatalf("change: %v, setup due %v", err, s.SetupDue(sess, u))
		}
		if _, _, err := s.Session(ctx, token); err != nil {
			t.Fatalf("the session it was changed in: %v", err)
		}
		if _, _, err := s.Session(ctx, other); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another session of the user: %v", err)
		}
		// Five passwords are remembered: the sixth back is free again.
		pw := "Second-Password-03"
		for i := 4; i <= 7; i++ {
			next := fmt.Sprintf("Later-Password-%02d", i)
			if _, err := s.ChangePassword(ctx, me, sess.TokenHash, pw, next); err != nil {
				t.Fatalf("change %d: %v", i, err)
			}
			pw = next
		}
		if _, err := s.ChangePassword(ctx, me, sess.TokenHash, pw, "Second-Password-03"); errField(err) != "invalid:password" {
			t.Fatalf("the fifth password back: %v", err)
		}
		if _, err := s.ChangePassword(ctx, me, sess.TokenHash, pw, "Temporary-Pass-02"); err != nil {
			t.Fatalf("the sixth password back: %v", err)
		}
		if got := actions(t, s, "wang"); got["password-reset"] != 1 || got["password-change"] != 6 || got["password-change-failed"] != 1 {
			t.Fatalf("audited %v", got)
		}
		if chain := auditChain(t, db); strings.Contains(chain, "argon2") {
			t.Fatal("a password hash is in the audit chain")
		}
	})
}

// The list pages the accounts by name and shows no secret; only an
// administrator may list them.
func TestList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := service(t, db)
		for i := range PerPage + 3 {
			if _, err := s.Add(ctx, admin, NewUser{Name: fmt.Sprintf("e%03d", i), Role: duixian.RoleExpert, Password: strong}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := s.List(ctx, admin, 2)
		if err != nil || p.All != PerPage+4 || p.Pages != 2 || len(p.Users) != 4 || p.Users[3].Name != "e052" {
			t.Fatalf("page 2: %+v %v", p, err)
		}
		for _, u := range p.Users {
			if u.PasswordHash != "" || u.PasswordHistory != nil || u.State != StateActive {
				t.Fatalf("a secret listed: %+v", u)
			}
		}
		if _, err := s.List(ctx, duixian.Actor{User: "culture", Role: duixian.RoleReviewer}, 1); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("a reviewer listed accounts: %v", err)
		}
	})
}

// An account may have an e-mail address and a phone for its notifications;
// one that is not an address or a number is refused by name.
func TestAddWithContact(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, _ := service(t, db)
		in := NewUser{Name: "li.reviewer", Role: duixian.RoleReviewer, Department: "宣传文化部", Password: strong, Email: "li@", Phone: "13800138000"}
		if _, err := s.Add(ctx, admin, in); duixian.ErrorCode(err) != duixian.EINVALID || !strings.Contains(err.Error(), "email") {
			t.Fatalf("a bad address: %v", err)
		}
		in.Email, in.Phone = "li@culture.example", "12345"
		if _, err := s.Add(ctx, admin, in); duixian.ErrorCode(err) != duixian.EINVALID || !strings.Contains(err.Error(), "phone") {
			t.Fatalf("a bad phone: %v", err)
		}
		in.Phone = " 13800138000 "
		u, err := s.Add(ctx, admin, in)
		if err != nil || u.Email != "li@culture.example" || u.Phone != "13800138000" {
			t.Fatalf("%+v, %v", u, err)
		}
	})
}
