// Package notify tells people what happened to what concerns them: a
// 免申即享 offer found for their enterprise, a 退回补正, a result, the start
// of 公示, an objection and its answer, 群雁 admission and exit, a payment,
// a revocation. Every user has an inbox; a user with an e-mail address or
// a phone number is also sent an e-mail (SMTP) or an SMS.
//
// Notifications are derived from the audit log. Every change of state is
// written to the audit log in the transaction that makes it, so the
// notifier (Derive, a job of the queue run every few seconds) reads the
// entries after a stored cursor, maps each action to its recipients and a
// message (the table in rules.go), and writes the inbox rows, one delivery
// record per e-mail or SMS to send, and the advanced cursor in one
// transaction. A process that dies loses nothing: the cursor did not move,
// or everything it covers is written. The workflow does not know about
// notifications, and an action without a rule is passed over.
//
// A delivery is sent by a job of its own (Deliver), retried with backoff
// while the mail server is down. It is marked sent after the server took
// it, so it is sent once unless the process dies between the two (then
// it is sent again, never lost). The jobs are queued after the
// transaction that wrote the deliveries commits; Derive queues every
// delivery still pending each time it runs, so a job lost to a crash
// before it was queued is queued at the next run (River keeps one job per
// delivery).
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Record kinds: the cursor (one record, id "audit", created at the audit
// log's head by the migration that made the inbox) and the deliveries,
// whose subject is their state.
const (
	kindCursor   = "notify-cursor"
	kindDelivery = "notify-delivery"
)

// Delivery states (a delivery record's subject).
const (
	Pending = "pending"
	Sent    = "sent"
	Failed  = "failed" // given up after the job's last attempt
)

// Channels a delivery goes by.
const (
	Email = "email"
	SMS   = "sms"
)

// batch is how many audit entries one transaction of Derive reads.
const batch = 500

// Queue queues the jobs that send deliveries; package jobs implements it.
// Queuing a delivery queued before (and not yet finished) adds nothing.
type Queue interface {
	QueueDeliveries(ctx context.Context, ids []string) error
}

// Service derives, keeps and sends notifications.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
	Now       func() time.Time
	// Mail sends e-mail; nil: no e-mail is sent (the inbox only).
	Mail Mailer
	// SMS sends text messages; nil: none is sent.
	SMS Texter
	// Queue queues the deliveries; nil: they are written and wait.
	Queue Queue
	// BaseURL is the platform's address as people reach it
	// ("https://zc.example.gov.cn"), put before a notification's link in
	// an e-mail or SMS; without it the link is the path alone.
	BaseURL string
	// Log gets the entries that cannot be told (slog.Default when nil).
	Log *slog.Logger
}

func (s *Service) log() *slog.Logger {
	if s.Log == nil {
		return slog.Default()
	}
	return s.Log
}

// New returns a service on the real clock that sends nothing but to the
// inbox until Mail, SMS and Queue are set.
func New(db *sqldb.DB, cat *engine.Catalogue) *Service {
	return &Service{DB: db, Catalogue: cat, Now: time.Now}
}

// Delivery is one e-mail or SMS to send: to a user's address or phone, or
// to someone who is not a user (an objector's address).
type Delivery struct {
	ID      string    `json:"id"`
	Channel string    `json:"channel"`
	To      string    `json:"to"`
	User    string    `json:"user,omitempty"`
	Seq     int64     `json:"seq"`
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	Link    string    `json:"link,omitempty"`
	Sent    time.Time `json:"sent,omitzero"`
	Error   string    `json:"error,omitempty"`
}

type cursor struct {
	Seq int64 `json:"seq"`
}

// Derive writes the notifications of every audit entry after the cursor,
// a batch a transaction, and queues the deliveries still pending. It
// returns how many inbox rows it wrote. Two runs at once (two processes)
// take turns on the cursor's lock; the second finds nothing left.
func (s *Service) Derive(ctx context.Context) (int, error) {
	total := 0
	for {
		n, more, err := s.deriveBatch(ctx)
		total += n
		if err != nil {
			return total, err
		}
		if !more {
			break
		}
	}
	return total, s.QueuePending(ctx)
}

func (s *Service) deriveBatch(ctx context.Context) (written int, more bool, err error) {
	err = s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		written, more = 0, false
		rec, err := tx.Record(kindCursor, "audit", true)
		if duixian.ErrorCode(err) == duixian.ENOTFOUND {
			rec, err = &sqldb.Record{Kind: kindCursor, ID: "audit"}, nil
		}
		if err != nil {
			return err
		}
		var c cursor
		if rec.Version > 0 {
			if err := json.Unmarshal(rec.Doc, &c); err != nil {
				return err
			}
		}
		entries, err := tx.AuditEntries(sqldb.AuditFilter{Cursor: c.Seq, Limit: batch})
		if err != nil || len(entries) == 0 {
			return err
		}
		b := &scope{tx: tx, cat: s.Catalogue}
		for _, e := range entries {
			rule, ok := rules[e.Action]
			if !ok {
				continue
			}
			msgs, err := rule(b, e)
			var bad unreadableError
			if errors.As(err, &bad) {
				s.log().Error("notify: an audit entry cannot be told", "seq", e.Seq, "action", e.Action, "subject", e.Subject, "error", err)
				continue
			}
			if err != nil {
				return fmt.Errorf("notify: entry %d (%s %s): %w", e.Seq, e.Action, e.Subject, err)
			}
			n, err := s.write(b, e, msgs)
			if err != nil {
				return err
			}
			written += n
		}
		c.Seq, more = entries[len(entries)-1].Seq, len(entries) == batch
		rec.Doc, _ = json.Marshal(c)
		return tx.PutRecord(rec)
	})
	return written, more, err
}

// write stores the inbox rows of an entry's messages and their deliveries.
func (s *Service) write(b *scope, e duixian.AuditEntry, msgs []message) (int, error) {
	at, _ := time.Parse(time.RFC3339Nano, e.At)
	written := 0
	for _, m := range msgs {
		users, err := b.usersNamed(m.users)
		if err != nil {
			return written, err
		}
		var emails, phones []string
		for _, u := range users {
			n := &duixian.Notification{User: u.Name, Seq: e.Seq, At: at, Action: e.Action, Subject: e.Subject,
				Title: m.title, Body: m.body, Link: m.link}
			added, err := b.tx.AddNotification(n)
			if err != nil {
				return written, err
			}
			if !added {
				continue // the user was told of this entry by another message
			}
			written++
			if u.Email != "" {
				emails = append(emails, u.Email+"\x00"+u.Name)
			}
			if u.Phone != "" {
				phones = append(phones, u.Phone+"\x00"+u.Name)
			}
		}
		for _, to := range m.emails {
			emails = append(emails, to+"\x00")
		}
		for _, to := range m.phones {
			phones = append(phones, to+"\x00")
		}
		if s.Mail != nil {
			if err := s.addDeliveries(b.tx, e.Seq, Email, emails, m); err != nil {
				return written, err
			}
		}
		if s.SMS != nil {
			if err := s.addDeliveries(b.tx, e.Seq, SMS, phones, m); err != nil {
				return written, err
			}
		}
	}
	return written, nil
}

// addDeliveries records a delivery to each of to ("address\x00user"),
// once per entry, channel and address.
func (s *Service) addDeliveries(tx *sqldb.Tx, seq int64, channel string, to []string, m message) error {
	for _, t := range to {
		addr, user, _ := strings.Cut(t, "\x00")
		d := Delivery{ID: strconv.FormatInt(seq, 10) + ":" + channel + ":" + addr, Channel: channel, To: addr, User: user,
			Seq: seq, Title: m.title, Body: m.body, Link: m.link}
		doc, err := json.Marshal(d)
		if err != nil {
			return err
		}
		if _, err := tx.AddRecord(&sqldb.Record{Kind: kindDelivery, ID: d.ID, Subject: Pending, Doc: doc}); err != nil {
			return err
		}
	}
	return nil
}

// QueuePending queues a job for every delivery still pending.
func (s *Service) QueuePending(ctx context.Context) error {
	if s.Queue == nil {
		return nil
	}
	var ids []string
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records(kindDelivery, Pending)
		for _, r := range recs {
			ids = append(ids, r.ID)
		}
		return err
	})
	if err != nil || len(ids) == 0 {
		return err
	}
	return s.Queue.QueueDeliveries(ctx, ids)
}

// Deliver sends delivery id, unless it was sent (or given up) already, and
// marks it sent. An error leaves it pending, for the job to be retried.
func (s *Service) Deliver(ctx context.Context, id string) error {
	d, state, err := s.delivery(ctx, id)
	if err != nil || state != Pending {
		return err
	}
	text := d.Body
	if d.Link != "" {
		text += "\n\n查看详情：" + s.BaseURL + d.Link
	}
	switch {
	case d.Channel == Email && s.Mail != nil:
		err = s.Mail.Send(ctx, Mail{To: d.To, Subject: d.Title, Body: text + "\n\n（本邮件由北京经济技术开发区政策兑现平台自动发送，请勿直接回复。）\n"})
	case d.Channel == SMS && s.SMS != nil:
		err = s.SMS.Text(ctx, d.To, "【政策兑现平台】"+d.Title+"。"+text)
	default:
		err = fmt.Errorf("notify: this process cannot send by %s (not configured)", d.Channel)
	}
	if err != nil {
		return err
	}
	return s.mark(ctx, id, Sent, "")
}

// Fail gives delivery id up (the job's last attempt failed), with why.
func (s *Service) Fail(ctx context.Context, id, reason string) error {
	return s.mark(ctx, id, Failed, reason)
}

func (s *Service) delivery(ctx context.Context, id string) (*Delivery, string, error) {
	var rec *sqldb.Record
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		rec, err = tx.Record(kindDelivery, id, false)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	var d Delivery
	return &d, rec.Subject, json.Unmarshal(rec.Doc, &d)
}

// mark moves a pending delivery to state; one that is not pending stays.
func (s *Service) mark(ctx context.Context, id, state, reason string) error {
	return s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		rec, err := tx.Record(kindDelivery, id, true)
		if err != nil || rec.Subject != Pending {
			return err
		}
		var d Delivery
		if err := json.Unmarshal(rec.Doc, &d); err != nil {
			return err
		}
		if state == Sent {
			d.Sent = s.Now()
		}
		d.Error = reason
		if rec.Doc, err = json.Marshal(d); err != nil {
			return err
		}
		rec.Subject = state
		return tx.PutRecord(rec)
	})
}

// Deliveries lists the deliveries in a state (for tests and operators).
func (s *Service) Deliveries(ctx context.Context, state string) ([]Delivery, error) {
	var out []Delivery
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records(kindDelivery, state)
		for _, r := range recs {
			var d Delivery
			if err := json.Unmarshal(r.Doc, &d); err != nil {
				return err
			}
			out = append(out, d)
		}
		return err
	})
	return out, err
}
