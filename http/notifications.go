package http

import (
	"context"
	"net/http"
	"net/url"

	"github.com/etown/duixian"
	"github.com/etown/duixian/notify"
)

// Notifications are package notify's inbox: every signed-in user's own,
// the only one anyone reads (the routes name no user).
type Notifications interface {
	Inbox(ctx context.Context, actor duixian.Actor, p duixian.PageRequest, unread bool) (*notify.Inbox, error)
	Unread(ctx context.Context, actor duixian.Actor) (int, error)
	MarkRead(ctx context.Context, actor duixian.Actor, ids []string) (int, error)
}

// inboxOwners: every account has an inbox.
var inboxOwners = append([]duixian.Role{duixian.RoleAuthor}, signedIn...)

// MarkReadInput marks notifications read: the ids, or every one with All.
type MarkReadInput struct {
	IDs []string `json:"ids"`
	All bool     `json:"all"`
}

// NotificationsView is the inbox page.
type NotificationsView struct {
	Inbox  *notify.Inbox
	Unread bool   // only the unread are listed
	More   string // the next page's address
}

func (s *Server) notificationRoutes() []Route {
	return []Route{
		apiRoute("GET", "/notifications", inboxOwners, "我的消息（?unread=1 仅未读，?after=&limit= 翻页）/ my notifications", func(q *Request) error {
			p, err := q.page()
			if err != nil {
				return err
			}
			return answer(q)(s.Notify.Inbox(q.R.Context(), q.Actor(), p, q.R.URL.Query().Get("unread") == "1"))
		}),
		apiRoute("POST", "/notifications/read", inboxOwners, "标记消息已读 / mark notifications read", func(q *Request) error {
			var in MarkReadInput
			if err := q.decode(&in); err != nil {
				return err
			}
			if len(in.IDs) == 0 && !in.All {
				return duixian.Errorf(duixian.EINVALID, "ids", "请指明要标记的消息，或全部标记（all）", "name the notifications to mark, or all")
			}
			n, err := s.Notify.MarkRead(q.R.Context(), q.Actor(), in.IDs)
			if err != nil {
				return err
			}
			return q.ok(map[string]int{"unread": n})
		}),
		pageRoute("GET", "/notifications", inboxOwners, "我的消息", func(q *Request) error {
			p, err := q.page()
			if err != nil {
				return err
			}
			unread := q.R.URL.Query().Get("unread") == "1"
			in, err := s.Notify.Inbox(q.R.Context(), q.Actor(), p, unread)
			if err != nil {
				return err
			}
			v := &NotificationsView{Inbox: in, Unread: unread}
			if in.Next != "" {
				more := url.Values{"after": {in.Next}}
				if unread {
					more.Set("unread", "1")
				}
				v.More = "/notifications?" + more.Encode()
			}
			return s.pages.render(q, 200, "notifications.html", "我的消息", v)
		}),
		pageRoute("POST", "/notifications/read", inboxOwners, "标记消息已读", func(q *Request) error {
			if err := q.R.ParseForm(); err != nil {
				return err
			}
			ids := q.R.PostForm["id"]
			if len(ids) == 0 && q.R.PostFormValue("all") == "" {
				return duixian.Errorf(duixian.EINVALID, "id", "请指明要标记的消息", "name the notifications to mark")
			}
			if _, err := s.Notify.MarkRead(q.R.Context(), q.Actor(), ids); err != nil {
				return err
			}
			back := "/notifications"
			if next := q.R.PostFormValue("next"); next != "" && safeNext(next) == next {
				back = next
			}
			http.Redirect(q.W, q.R, back, http.StatusSeeOther)
			return nil
		}),
	}
}

// unreadOf is the count the navigation shows: 0 for a visitor, and on a
// failure to read it (the page is still served; the count is no reason
// to fail it).
func (s *Server) unreadOf(ctx context.Context, u *duixian.User) int {
	if u == nil || s.Notify == nil {
		return 0
	}
	n, err := s.Notify.Unread(ctx, u.Actor(""))
	if err != nil {
		s.Log.Error("unread notifications", "user", u.Name, "error", err)
		return 0
	}
	return n
}
