package casework

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// Tally keeps the refusals of anonymous visitors out of the audit log one
// by one. Anyone can send them, as fast as they like: written each, 3,000
// refused posts took 3,000 rows. With a Tally on its Desk, Refused writes
// the first refusal of a kind (its action and subject) in each minute as
// before, and only counts the others; each count is written as one row
// when the minute is over — at the next anonymous refusal, or at Flush,
// which the server runs every minute and when it stops. So the log grows
// by at most two rows a minute per kind, however many are sent; what a
// row holds is bounded too (a message cut at maxRefusal, the subject the
// caller's, which for requests is the route, not the path sent).
// Signed-in users' refusals are still written each: they are attributable
// and their number is bounded by the accounts.
type Tally struct {
	mu     sync.Mutex
	window time.Time             // the minute being counted
	seen   map[tallyKey]*tallied // the kinds refused in it
}

type tallyKey struct{ action, subject string }

type tallied struct {
	window time.Time
	first  duixian.Actor // who was refused first in the window, as written
	more   int           // refused after the first, not yet written
}

// NewTally returns an empty tally.
func NewTally() *Tally { return &Tally{seen: map[tallyKey]*tallied{}} }

// count records a refusal at now and says whether it is the first of its
// kind in its minute, to be written as it is; it returns the counts of
// the minutes that are over, to be written.
func (t *Tally) count(now time.Time, actor duixian.Actor, action, subject string) (first bool, over []tallyRow) {
	t.mu.Lock()
	defer t.mu.Unlock()
	window := now.Truncate(time.Minute)
	if !window.Equal(t.window) {
		over = t.drain(true)
		t.window = window
	}
	k := tallyKey{action, subject}
	if c, ok := t.seen[k]; ok {
		c.more++
		return false, over
	}
	t.seen[k] = &tallied{window: window, first: actor}
	return true, over
}

// tallyRow is a count to write.
type tallyRow struct {
	key tallyKey
	tallied
}

// drain takes the counts not yet written; all forgets the kinds too, so
// that the next refusal of each is written as a first.
func (t *Tally) drain(all bool) []tallyRow {
	var out []tallyRow
	for k, c := range t.seen {
		if c.more > 0 {
			out = append(out, tallyRow{k, *c})
			c.more = 0
		}
		if all {
			delete(t.seen, k)
		}
	}
	return out
}

// write appends the counts to the audit log in tx.
func (d Desk) writeTally(tx *sqldb.Tx, rows []tallyRow) error {
	for _, r := range rows {
		from := r.window.In(duixian.Shanghai).Format("15:04")
		actor := duixian.Actor{User: "public", Role: duixian.RolePublic}
		msg := fmt.Sprintf("另有%d次同类匿名请求被拒绝（%s起一分钟内，首次来自 %s）/ %d more anonymous requests of this kind were refused in the minute from %s (the first from %s)",
			r.more, from, r.first.IP, r.more, from, r.first.IP)
		if err := tx.Audit(d.Entry(actor, "denied:"+r.key.action, r.key.subject, "", msg)); err != nil {
			return err
		}
	}
	return nil
}

// Flush writes the counts not yet written, of the minute under way too.
func (d Desk) Flush(ctx context.Context) error {
	if d.Tally == nil {
		return nil
	}
	d.Tally.mu.Lock()
	rows := d.Tally.drain(false)
	d.Tally.mu.Unlock()
	if len(rows) == 0 {
		return nil
	}
	return d.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error { return d.writeTally(tx, rows) })
}

// FlushEvery flushes d's tally every interval until ctx ends, and once
// more then.
func (d Desk) FlushEvery(ctx context.Context, interval time.Duration, logf func(string, ...any)) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := d.Flush(context.WithoutCancel(ctx)); err != nil {
				logf("audit: the count of refused anonymous requests was not written: %v", err)
			}
			return
		case <-tick.C:
			if err := d.Flush(ctx); err != nil {
				logf("audit: the count of refused anonymous requests was not written: %v", err)
			}
		}
	}
}
