package http

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/notify"
)

// Each user reads their own inbox and no one else's, through the API and
// the page; the navigation counts the unread; a user cannot mark another's
// notification read.
func TestInboxIsTheUsersOwn(t *testing.T) {
	s, ts, _ := testServer(t)
	if _, err := notify.New(s.DB, testCat).Derive(context.Background()); err != nil {
		t.Fatal(err)
	}
	type inbox struct {
		Items  []duixian.Notification
		Next   string
		Unread int
	}
	read := func(user string) (*client, inbox) {
		c := newClient(t, ts)
		if code := c.login(user, demo.Password); code != 200 {
			t.Fatalf("login %s: %d", user, code)
		}
		var in inbox
		if code := c.getJSON("/api/v1/notifications?limit=500", &in); code != 200 {
			t.Fatalf("%s: %d", user, code)
		}
		for _, n := range in.Items {
			if n.User != user {
				t.Fatalf("%s was shown %s's notification %s", user, n.User, n.ID)
			}
		}
		return c, in
	}
	space, spaceIn := read("space")
	if len(spaceIn.Items) == 0 || spaceIn.Unread != len(spaceIn.Items) {
		t.Fatalf("the reading space's inbox: %d items, %d unread", len(spaceIn.Items), spaceIn.Unread)
	}
	tech, techIn := read("tech")
	for _, n := range techIn.Items {
		if strings.Contains(n.Body, "阅读空间") {
			t.Fatalf("tech was told of the reading space: %s", n.Body)
		}
	}
	// tech marks the reading space's notification: nothing changes.
	if resp, body := tech.post("/api/v1/notifications/read", `{"ids":["`+spaceIn.Items[0].ID+`"]}`); resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if _, again := read("space"); again.Unread != spaceIn.Unread {
		t.Fatalf("another user marked the reading space's notification read")
	}
	// The page: the navigation's count, the message, marking it read.
	resp, page := space.do("GET", "/notifications", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `<span class="badge"`) || !strings.Contains(page, spaceIn.Items[0].Title) {
		t.Fatalf("%d: the inbox page lacks the count or the message", resp.StatusCode)
	}
	if resp, _ := space.form("/notifications/read", url.Values{"id": {spaceIn.Items[0].ID}}); resp.StatusCode != 303 {
		t.Fatalf("marking read: %d", resp.StatusCode)
	}
	if _, after := read("space"); after.Unread != spaceIn.Unread-1 {
		t.Fatalf("unread %d after marking one of %d", after.Unread, spaceIn.Unread)
	}
	anon := newClient(t, ts)
	if resp, _ := anon.do("GET", "/api/v1/notifications", "", nil); resp.StatusCode != 401 {
		t.Fatalf("a visitor read an inbox: %d", resp.StatusCode)
	}
}
