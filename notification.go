package duixian

import "time"

// Notification is one message in a user's inbox: what a change recorded in
// the audit log means to them (an offer found, a 退回补正, a result, a
// payment …), in plain Chinese, naming the application and its clause's
// article, with a link to it. It is derived from the audit entry numbered
// Seq, and a user has at most one notification of an entry.
type Notification struct {
	ID      string    `json:"id"`
	User    string    `json:"user"`
	Seq     int64     `json:"seq"` // the audit entry it tells of
	At      time.Time `json:"at"`  // when the change was made
	Action  string    `json:"action"`
	Subject string    `json:"subject"` // the application, offer or enterprise
	Title   string    `json:"title"`
	Body    string    `json:"body"`
	Link    string    `json:"link,omitempty"` // a path of the platform
	// Read is when the user marked it read; zero while unread.
	Read time.Time `json:"read,omitzero"`
}
