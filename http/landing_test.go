package http

import (
	"context"
	"net/url"
	"slices"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/sqldb"
)

// Officials sign in to their 待办, not the public home page (issue 14.4);
// an enterprise to the home page; anyone sent to sign in on the way to a
// page goes on to that page.
func TestSignInLandsOnTheQueue(t *testing.T) {
	t.Parallel()
	s, ts, _ := testServer(t)
	var users []duixian.User
	if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) error { var err error; users, err = tx.Users(); return err }); err != nil {
		t.Fatal(err)
	}
	seen := map[duixian.Role]bool{}
	for _, u := range users {
		if seen[u.Role] || u.Enrolled() {
			continue
		}
		seen[u.Role] = true
		want := "/"
		switch {
		case slices.Contains(officials, u.Role):
			want = "/queue"
		case u.Role == duixian.RoleAuthor:
			want = "/author"
		}
		for _, next := range []string{"", "/"} {
			c := newClient(t, ts)
			resp, body := c.form("/login", url.Values{"name": {u.Name}, "password": {demo.Password}, "next": {next}})
			if got := resp.Header.Get("Location"); resp.StatusCode != 303 || got != want {
				t.Errorf("%s (%s) with next %q signs in to %d %q, want %q: %.300s", u.Name, u.Role, next, resp.StatusCode, got, want, body)
			}
		}
		c := newClient(t, ts)
		resp, _ := c.form("/login", url.Values{"name": {u.Name}, "password": {demo.Password}, "next": {"/publicity"}})
		if got := resp.Header.Get("Location"); got != "/publicity" {
			t.Errorf("%s on the way to /publicity signs in to %q", u.Name, got)
		}
	}
	for _, r := range []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer, duixian.RoleFinance, duixian.RoleExpert, duixian.RoleSupervisor, duixian.RoleAdmin} {
		if !seen[r] {
			t.Errorf("the demo has no user of role %s to sign in", r)
		}
	}
}
