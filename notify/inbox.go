package notify

import (
	"context"
	"strconv"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// Inbox is a page of a user's notifications, newest first, and how many of
// all of them are unread.
type Inbox struct {
	duixian.Page[duixian.Notification]
	Unread int `json:"unread"`
}

// Inbox reads a page of the actor's own notifications (the only ones
// anyone reads: there is no way to name another user's inbox). With
// unread, only the unread ones.
func (s *Service) Inbox(ctx context.Context, actor duixian.Actor, p duixian.PageRequest, unread bool) (*Inbox, error) {
	limit, err := duixian.PageSize(p.Limit)
	if err != nil {
		return nil, err
	}
	var before int64
	if p.After != "" {
		if before, err = strconv.ParseInt(p.After, 10, 64); err != nil || before <= 0 {
			return nil, duixian.Errorf(duixian.EINVALID, "after", "翻页位置“%s”无效，请从第一页重新开始", "the page cursor %q is not valid; start again from the first page", p.After)
		}
	}
	out := &Inbox{}
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		items, err := tx.Notifications(sqldb.NotificationFilter{User: actor.User, Before: before, Unread: unread, Limit: limit + 1})
		if err != nil {
			return err
		}
		if len(items) > limit {
			items = items[:limit]
			out.Next = strconv.FormatInt(items[limit-1].Seq, 10)
		}
		out.Items = items
		out.Unread, err = tx.UnreadCount(actor.User)
		return err
	})
	return out, err
}

// Unread is how many of the actor's notifications are unread: the count
// in the navigation.
func (s *Service) Unread(ctx context.Context, actor duixian.Actor) (int, error) {
	var n int
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = tx.UnreadCount(actor.User)
		return err
	})
	return n, err
}

// MarkRead marks the actor's notifications ids read (every one when ids is
// empty) and returns how many are still unread. An id of another user's
// notification marks nothing. Reading one's inbox is not a change of any
// case's state, so it is not written to the audit log (it would also be
// an entry for the notifier to read).
func (s *Service) MarkRead(ctx context.Context, actor duixian.Actor, ids []string) (int, error) {
	if len(ids) > duixian.MaxPageSize {
		return 0, duixian.Errorf(duixian.EINVALID, "ids", "一次至多标记%d条", "at most %d at once", duixian.MaxPageSize)
	}
	var n int
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.MarkRead(actor.User, ids, s.Now()); err != nil {
			return err
		}
		var err error
		n, err = tx.UnreadCount(actor.User)
		return err
	})
	return n, err
}
