package http

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/sqldb"
)

// Wrong passwords sent at once are each checked outside the transaction
// and counted inside it on the user as it is then: none is lost, so
// account.LockAfter of them at once lock the account as account.LockAfter in a row do, and
// each is in the audit log. The lock is not told: the right password
// during it gets the answer a wrong one gets.
func TestConcurrentFailuresLock(t *testing.T) {
	s, ts, _ := testServer(t)
	var wg sync.WaitGroup
	codes := make([]int, account.LockAfter)
	for i := range account.LockAfter {
		c := newClient(t, ts)
		wg.Go(func() {
			resp, _ := c.post("/api/v1/login", `{"name":"culture","password":"wrong"}`)
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %d", i+1, code)
		}
	}
	_, wrong := newClient(t, ts).post("/api/v1/login", `{"name":"culture","password":"wrong"}`)
	resp, locked := newClient(t, ts).post("/api/v1/login", `{"name":"culture","password":"`+demo.Password+`"}`)
	_, unknown := newClient(t, ts).post("/api/v1/login", `{"name":"no-such-user","password":"`+demo.Password+`"}`)
	if resp.StatusCode != http.StatusUnauthorized || locked != wrong || unknown != wrong {
		t.Fatalf("the right password after %d wrong ones at once: %d %s; a wrong one: %s; an unknown name: %s", account.LockAfter, resp.StatusCode, locked, wrong, unknown)
	}
	var log []duixian.AuditEntry
	if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) error {
		var err error
		log, err = tx.AuditLog("culture")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	n := map[string]int{}
	for _, e := range log {
		n[e.Action]++
	}
	if n["login-failed"]+n["lock"]+n["login-locked"] != account.LockAfter+2 || n["lock"] != 1 {
		t.Fatalf("audit of %d wrong passwords at once and a locked attempt: %v", account.LockAfter, n)
	}
}

// A session in use stays signed in: each request more than a minute after
// the last notes it (a write after the read), so an official who comes back
// every ten minutes is never idle for fifteen. Signing out ends it for good.
func TestSessionUseKeepsItAlive(t *testing.T) {
	_, ts, clk := testServer(t)
	c := newClient(t, ts)
	if code := c.login("culture", demo.Password); code != 200 {
		t.Fatalf("sign in: %d", code)
	}
	for i := range 4 {
		clk.advance(10 * time.Minute)
		if code := c.getJSON("/api/v1/me", nil); code != 200 {
			t.Fatalf("after %d × 10 minutes: %d", i+1, code)
		}
	}
	if resp, body := c.post("/api/v1/logout", ""); resp.StatusCode != 200 {
		t.Fatalf("sign out: %d %s", resp.StatusCode, body)
	}
	clk.advance(2 * time.Minute)
	if code := c.getJSON("/api/v1/me", nil); code != 401 {
		t.Fatalf("after signing out: %d", code)
	}
}
