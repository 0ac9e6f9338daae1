package sqldb

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
)

// Notifications are stored one row a user and audit entry: the user (the
// recipient column), the entry's number (seq, the order of the inbox and
// its page cursor), when it was read ('' while unread) and the rest as
// JSON. The id is the entry's number and the user's name, so that writing
// the notifications of an entry again adds nothing.

// NotificationID is the id of user's notification of audit entry seq.
func NotificationID(seq int64, user string) string {
	return strconv.FormatInt(seq, 10) + ":" + user
}

// AddNotification stores n unless it is stored already, and says whether
// it did.
func (tx *Tx) AddNotification(n *duixian.Notification) (bool, error) {
	n.ID = NotificationID(n.Seq, n.User)
	doc, err := json.Marshal(n)
	if err != nil {
		return false, err
	}
	res, err := tx.exec(`INSERT INTO notifications (id, recipient, seq, read_at, doc) VALUES (?, ?, ?, '', ?) ON CONFLICT (id) DO NOTHING`,
		n.ID, n.User, n.Seq, string(doc))
	if err != nil {
		return false, err
	}
	k, err := res.RowsAffected()
	return k == 1, err
}

// NotificationFilter selects a user's notifications, newest first: those
// before the entry numbered Before (0: from the newest), only the unread
// with Unread, at most Limit.
type NotificationFilter struct {
	User   string
	Before int64
	Unread bool
	Limit  int
}

// Notifications lists the notifications f selects.
func (tx *Tx) Notifications(f NotificationFilter) ([]duixian.Notification, error) {
	q, args := `SELECT doc, read_at FROM notifications WHERE recipient = ?`, []any{f.User}
	if f.Before > 0 {
		q += ` AND seq < ?`
		args = append(args, f.Before)
	}
	if f.Unread {
		q += ` AND read_at = ''`
	}
	q += ` ORDER BY seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []duixian.Notification{}
	for rows.Next() {
		var doc, read string
		if err := rows.Scan(&doc, &read); err != nil {
			return nil, err
		}
		var n duixian.Notification
		if err := json.Unmarshal([]byte(doc), &n); err != nil {
			return nil, err
		}
		if read != "" {
			if n.Read, err = time.Parse(stampLayout, read); err != nil {
				return nil, err
			}
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadCount is how many of user's notifications are unread.
func (tx *Tx) UnreadCount(user string) (int, error) {
	var n int
	err := tx.row(`SELECT COUNT(*) FROM notifications WHERE recipient = ? AND read_at = ''`, user).Scan(&n)
	return n, err
}

// MarkRead marks user's notifications of ids read at at (all of them when
// ids is empty), and says how many were unread. Another user's ids mark
// nothing.
func (tx *Tx) MarkRead(user string, ids []string, at time.Time) (int, error) {
	q, args := `UPDATE notifications SET read_at = ? WHERE recipient = ? AND read_at = ''`, []any{Stamp(at), user}
	if len(ids) > 0 {
		q += ` AND id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + `)`
		for _, id := range ids {
			args = append(args, id)
		}
	}
	res, err := tx.exec(q, args...)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
