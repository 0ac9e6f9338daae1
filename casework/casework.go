// Package casework is the one audited transition: how any case — an
// application for an award, a land-planning case, a 群雁 entry — changes
// state. Packages workflow, land and qunyan describe their steps as
// Transitions and Run them here; nothing else opens a transaction to change
// a case.
//
// The rules every change keeps, whatever the case:
//
//   - Who, first. The actor's role (Roles) and anything else about the
//     actor alone (Actor: an enterprise only for itself, the one department
//     that decides) are checked before the case is read. They do not
//     depend on the case, so refusing here tells a stranger nothing about
//     it.
//   - Then one transaction. The case is read and locked (Load); a key that
//     was used before returns its first answer and changes nothing; the
//     case's own rules (whose it is, which department's, who may see it:
//     Check) and its state (From) are checked; the change is applied, the
//     case saved, and its audit entry written with the state before and
//     after. The key, when there is one, is recorded in the same
//     transaction, so the change and its key commit together or not at
//     all. The key is looked up after the case is locked: a concurrent
//     replay, from this process or another one on the same database,
//     waits for the first and then finds its answer.
//   - A refused attempt (forbidden, a wrong state, refused by the rules,
//     or a case the actor may not see) changes nothing and is itself
//     written to the audit log, in a transaction of its own because the
//     attempted one was rolled back. Its message is cut at 500 characters,
//     never inside one. An anonymous visitor's refusals, which anyone can
//     send without end, are counted by the Desk's Tally when it has one:
//     the first of a kind each minute is written, the rest as one count.
//   - A refusal that cannot be written to the audit log is not passed off
//     as an ordinary refusal: the call fails with *NotLogged, which is not
//     an application error (duixian.ErrorCode reports EINTERNAL), so the
//     server answers 500 and logs it where internal failures go, naming
//     both the refusal and the write that failed.
//   - One context policy: a transition that has begun runs to its end
//     whatever the client does. Its transaction and a refusal's log entry
//     run under context.WithoutCancel (the request's values kept, its
//     cancellation dropped): a client that hangs up after pressing submit
//     gets the submission it asked for, recorded and audited, and finds it
//     on reload or by replaying its key — instead of a rollback racing the
//     commit whose outcome nobody sees. A transition whose client has gone
//     before it began is not begun.
package casework

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// Desk is what every transition needs besides the case: the store the
// change and its audit entry are written to, and the clock that dates them.
type Desk struct {
	DB  *sqldb.DB
	Now func() time.Time
	// Tally, when set, counts the refusals of anonymous visitors instead
	// of writing each (tally.go).
	Tally *Tally
}

// Once makes a transition idempotent under a key: the first request makes
// the change and records its answer under the key; every later one with the
// same key, from any process, gets that answer back and changes nothing.
// Keys are the actor's own: two users never share one.
type Once struct {
	Key string // as the client sent it; required
	// Request says what was asked (an id, the evidence sent); the same
	// key on another request is refused as a conflict, never answered with
	// the first request's result.
	Request string
}

// Transition is one change to one case of type C, whose state has type S.
// Load, State, Apply and Save are required; the rest are optional, except
// that Roles or Actor must say who may make it.
type Transition[C any, S ~string] struct {
	// Action names the change in the audit log ("submit", "land:plan");
	// a refusal is logged as "denied:" + Action.
	Action string
	// Name is what people call the step, for messages ("审核通过");
	// Action when empty.
	Name string
	// Subject is the case's id: the audit log files the change, and a
	// refused attempt, under it.
	Subject string
	// For, on a transition that creates a case, is what the case is for
	// (the enterprise): a refused creation is filed under it, since the
	// case it would have made never came to be.
	For string

	// Roles may make the transition; duixian.RolePublic admits anyone.
	// Nil leaves the decision to Actor.
	Roles []duixian.Role
	// Actor checks more about the actor alone, before the case is read.
	Actor func(actor duixian.Actor) error
	// Validate checks the input that needs no store, after the actor and
	// before the transaction.
	Validate func() error
	// Once makes the transition idempotent under a key.
	Once *Once

	// Load reads the case and locks it until the transaction ends. A
	// transition that creates a case locks what orders such creations
	// (the enterprise) and returns the new case.
	Load func(tx *sqldb.Tx) (C, error)
	// Check applies the case's own rules about the actor: whose it is,
	// which department's. A case the actor may not see is answered with
	// Unseen(its not-found error), so that it is reported missing but
	// logged as the refusal it is.
	Check func(tx *sqldb.Tx, c C) error
	// State is the case's state, as the audit log records it before and
	// after the change.
	State func(c C) S
	// From lists the states the transition starts from; empty: any.
	From []S
	// Apply makes the change. An error leaves everything as it was.
	Apply func(tx *sqldb.Tx, c C) error
	// Save writes the case back.
	Save func(tx *sqldb.Tx, c C) error
	// Detail, when set, says what the change did that the state does not
	// (the file an upload added, with its hash): the audit entry's after
	// is then the state and the detail (duixian.WithDetail).
	Detail func(c C) string
}

// Run makes transition t on behalf of actor and returns the case as it was
// stored — or, for a replayed key, the first request's answer.
func Run[C any, S ~string](ctx context.Context, d Desk, actor duixian.Actor, t Transition[C, S]) (C, error) {
	out, err := run(ctx, d, actor, t)
	subject := t.Subject
	if t.For != "" {
		subject = t.For
	}
	if err != nil {
		var zero C
		out = zero
	}
	return out, d.Refused(ctx, actor, t.Action, subject, err)
}

func run[C any, S ~string](ctx context.Context, d Desk, actor duixian.Actor, t Transition[C, S]) (C, error) {
	var out C
	if err := t.who(actor); err != nil {
		return out, err
	}
	if t.Once != nil && t.Once.Key == "" {
		return out, duixian.Errorf(duixian.EINVALID, "idempotency_key", "缺少幂等键", "an idempotency key is required")
	}
	if t.Validate != nil {
		if err := t.Validate(); err != nil {
			return out, err
		}
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	err := d.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		var zero C
		out = zero // a transaction run again starts afresh
		c, err := t.Load(tx)
		if err != nil {
			return err
		}
		var key, hash string
		if t.Once != nil {
			key, hash = onceKey(actor, t.Action, t.Once.Key), hashOf(t.Once.Request)
			h, resp, found, err := tx.Idempotency(key)
			if err != nil {
				return err
			}
			if found {
				if h != hash {
					return duixian.Conflict("幂等键 %s 已用于另一请求", "idempotency key %s was used for a different request", t.Once.Key)
				}
				return json.Unmarshal([]byte(resp), &out)
			}
		}
		if err := t.check(tx, actor, c); err != nil {
			return err
		}
		before := t.State(c)
		if err := t.Apply(tx, c); err != nil {
			return err
		}
		if err := t.Save(tx, c); err != nil {
			return err
		}
		after := string(t.State(c))
		if t.Detail != nil {
			after = duixian.WithDetail(after, t.Detail(c))
		}
		if err := tx.Audit(d.Entry(actor, t.Action, t.Subject, string(before), after)); err != nil {
			return err
		}
		// Every caller, the first included, gets the answer as stored.
		resp, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(resp, &out); err != nil {
			return err
		}
		if t.Once == nil {
			return nil
		}
		return tx.PutIdempotency(key, hash, string(resp), d.Now())
	})
	return out, err
}

// Permits reports whether actor may make t on c now: nil, or the refusal
// Run would give, without changing anything or logging it. Pages use it to
// offer only the steps an actor may take; Load, Apply and Save are not used.
func Permits[C any, S ~string](tx *sqldb.Tx, actor duixian.Actor, t Transition[C, S], c C) error {
	if err := t.who(actor); err != nil {
		return err
	}
	return t.check(tx, actor, c)
}

func (t *Transition[C, S]) name() string {
	if t.Name != "" {
		return t.Name
	}
	return t.Action
}

func (t *Transition[C, S]) who(actor duixian.Actor) error {
	if t.Roles == nil && t.Actor == nil {
		return fmt.Errorf("casework: transition %s names no one who may make it", t.Action)
	}
	if t.Roles != nil && !slices.Contains(t.Roles, duixian.RolePublic) && !slices.Contains(t.Roles, actor.Role) {
		return duixian.Forbidden("角色%s无权%s", "role %s may not %s", actor.Role, t.name())
	}
	if t.Actor != nil {
		return t.Actor(actor)
	}
	return nil
}

func (t *Transition[C, S]) check(tx *sqldb.Tx, actor duixian.Actor, c C) error {
	if t.Check != nil {
		if err := t.Check(tx, c); err != nil {
			return err
		}
	}
	if len(t.From) == 0 {
		return nil
	}
	st := t.State(c)
	if slices.Contains(t.From, st) {
		return nil
	}
	return duixian.Conflict("当前状态为“%s”，不能%s", "the case is %s; cannot %s", zh(st), t.name())
}

// zh is a state as people read it: its Zh() where it has one.
func zh[S ~string](st S) string {
	if z, ok := any(st).(interface{ Zh() string }); ok {
		return z.Zh()
	}
	return string(st)
}

// Answer reads what actor's transition action answered under key (a
// Once's), and whether there was one: the case as it was stored then.
func Answer[C any](tx *sqldb.Tx, actor duixian.Actor, action, key string) (C, bool, error) {
	var out C
	_, resp, found, err := tx.Idempotency(onceKey(actor, action, key))
	if err != nil || !found {
		return out, false, err
	}
	return out, true, json.Unmarshal([]byte(resp), &out)
}

// onceKey is where a key is stored: the actor's, per action.
func onceKey(actor duixian.Actor, action, key string) string {
	return actor.User + "/" + action + "/" + key
}

func hashOf(request string) string {
	sum := sha256.Sum256([]byte(request))
	return hex.EncodeToString(sum[:])
}

// Entry is an audit entry dated now in Asia/Shanghai.
func (d Desk) Entry(actor duixian.Actor, action, subject, before, after string) duixian.AuditEntry {
	return duixian.AuditEntry{At: d.Now().In(duixian.Shanghai).Format(time.RFC3339Nano), Actor: actor,
		Action: action, Subject: subject, Before: before, After: after}
}

// maxRefusal is how many characters of a refusal's message the audit log
// keeps: the reasons of a refused claim can run long, the entry need not.
const maxRefusal = 500

// Refused logs err when it is a refusal — forbidden, a conflict with the
// state, refused by the rules, or Unseen — as "denied:"+action on subject,
// and returns it (an Unseen one as the not-found error it wraps). Any other
// error, and nil, is returned as it is. If the refusal cannot be written,
// the result is a *NotLogged naming both.
func (d Desk) Refused(ctx context.Context, actor duixian.Actor, action, subject string, err error) error {
	var u unseen
	switch {
	case errors.As(err, &u):
		err = u.err
	case isRefusal(err):
	default:
		return err
	}
	first, over := true, []tallyRow(nil)
	if d.Tally != nil && actor.Role == duixian.RolePublic {
		first, over = d.Tally.count(d.Now(), actor, action, subject)
	}
	if !first && len(over) == 0 {
		return err
	}
	logErr := d.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		if err := d.writeTally(tx, over); err != nil {
			return err
		}
		if !first {
			return nil
		}
		return tx.Audit(d.Entry(actor, "denied:"+action, subject, "", Cut(err.Error(), maxRefusal)))
	})
	if logErr != nil {
		return &NotLogged{Refusal: err, Log: logErr}
	}
	return err
}

func isRefusal(err error) bool {
	switch duixian.ErrorCode(err) {
	case duixian.EFORBIDDEN, duixian.ECONFLICT, duixian.EREFUSED:
		return true
	}
	return false
}

// Cut keeps the first n characters of s (runes, not bytes, so a Chinese
// character is never split) and marks a cut with "…".
func Cut(s string, n int) string {
	i := 0
	for at := range s {
		if i == n {
			return s[:at] + "…"
		}
		i++
	}
	return s
}

// Unseen marks err — the not-found answer to an actor who may not see a
// case — as a refusal: it is logged like one and reported as err, so the
// actor does not learn that the case exists.
func Unseen(err error) error { return unseen{err} }

type unseen struct{ err error }

func (u unseen) Error() string { return u.err.Error() }
func (u unseen) Unwrap() error { return u.err }

// NotLogged is a refusal the audit log could not record. It deliberately
// does not unwrap: duixian.ErrorCode reports EINTERNAL, so the request
// fails as the platform's fault rather than passing as a refusal whose
// record is missing. Refusal is what the actor was refused.
type NotLogged struct {
	Refusal error
	Log     error
}

func (e *NotLogged) Error() string {
	return fmt.Sprintf("%v (and the refusal was not written to the audit log: %v)", e.Refusal, e.Log)
}
