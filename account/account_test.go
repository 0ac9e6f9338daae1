package account

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

var public = duixian.Actor{User: "public@192.0.2.7", Role: duixian.RolePublic, IP: "192.0.2.7"}

// service is accounts over db with one reviewer, culture, whose password
// is "right", on a clock the test moves.
func service(t *testing.T, db *sqldb.DB) (*Service, *clock) {
	t.Helper()
	clk := &clock{t: time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai)}
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		return tx.PutUser(&duixian.User{Name: "culture", Role: duixian.RoleReviewer, Department: "文化局", PasswordHash: password.Hash("right")})
	})
	if err != nil {
		t.Fatal(err)
	}
	return New(db, clk.now), clk
}

func actions(t *testing.T, s *Service, subject string) map[string]int {
	t.Helper()
	var log []duixian.AuditEntry
	if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(subject); return }); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range log {
		n[e.Action]++
	}
	return n
}

// LockAfter wrong passwords lock the account for LockFor, the right one
// included (answered as a wrong one); after the lock the right one signs
// in, as the user, with a session found by its token. An unknown name is
// answered as a wrong password and audited without the name.
func TestSignInLockout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clk := service(t, db)
		for i := range LockAfter {
			if _, _, _, err := s.SignIn(ctx, public, "culture", "wrong"); err != ErrBadLogin {
				t.Fatalf("attempt %d: %v", i+1, err)
			}
		}
		if _, _, _, err := s.SignIn(ctx, public, "culture", "right"); err != ErrBadLogin {
			t.Fatalf("the right password during the lock: %v", err)
		}
		clk.advance(LockFor + time.Minute)
		token, sess, u, err := s.SignIn(ctx, public, "culture", "right")
		if err != nil || u.Name != "culture" || sess.User != "culture" || sess.TokenHash != HashToken(token) || sess.CSRF == "" {
			t.Fatalf("after the lock: %v %+v %+v", err, sess, u)
		}
		if got, _, err := s.Session(ctx, token); err != nil || got.CSRF != sess.CSRF {
			t.Fatalf("the new session: %+v %v", got, err)
		}
		if _, _, _, err := s.SignIn(ctx, public, "nobody", "x"); err != ErrBadLogin {
			t.Fatalf("unknown name: %v", err)
		}
		want := map[string]int{"login-failed": LockAfter - 1, "lock": 1, "login-locked": 1, "login": 1}
		if got := actions(t, s, "culture"); !maps.Equal(got, want) {
			t.Fatalf("audited %v, want %v", got, want)
		}
		if got := actions(t, s, unknownSubject); got["login-failed"] != 1 || len(actions(t, s, "nobody")) != 0 {
			t.Fatalf("unknown name audited %v", got)
		}
	})
}

// A session used within its idle limit lives on (noted once a minute); one
// idle longer is ended and not found; a signed-out one is not found.
func TestSessionIdleAndSignOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, clk := service(t, db)
		token, sess, u, err := s.SignIn(ctx, public, "culture", "right")
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			clk.advance(OfficialIdle - time.Minute)
			if _, _, err := s.Session(ctx, token); err != nil {
				t.Fatalf("used every %v: %v", OfficialIdle-time.Minute, err)
			}
		}
		clk.advance(OfficialIdle + time.Second)
		if _, _, err := s.Session(ctx, token); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("idle for longer than %v: %v", OfficialIdle, err)
		}
		token, sess, u, _ = s.SignIn(ctx, public, "culture", "right")
		if err := s.SignOut(ctx, u.Actor("192.0.2.7"), sess); err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.Session(ctx, token); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("after signing out: %v", err)
		}
		if got := actions(t, s, "culture"); got["logout"] != 1 || got["login"] != 2 {
			t.Fatalf("audited %v", got)
		}
	})
}
