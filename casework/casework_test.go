package casework_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// ticket is a small case: an enterprise's, with a state and a counter.
type ticket struct {
	ID         string `json:"id"`
	Enterprise string `json:"enterprise"`
	State      string `json:"state"`
	Count      int    `json:"count"`
	Version    int    `json:"version"`
}

const kind = "test-ticket"

var (
	ctx   = context.Background()
	owner = duixian.Actor{User: "staff", Role: duixian.RoleEnterprise, Enterprise: "E1"}
	other = duixian.Actor{User: "stranger", Role: duixian.RoleEnterprise, Enterprise: "E2"}
	clerk = duixian.Actor{User: "clerk", Role: duixian.RoleReviewer, Department: "商务金融局"}
	at    = time.Date(2026, 11, 30, 10, 0, 0, 0, duixian.Shanghai)
)

func desk(db *sqldb.DB) casework.Desk {
	return casework.Desk{DB: db, Now: func() time.Time { return at }}
}

func put(t *testing.T, db *sqldb.DB, c *ticket) {
	t.Helper()
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return save(tx, c) }); err != nil {
		t.Fatal(err)
	}
}

func save(tx *sqldb.Tx, c *ticket) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	r := &sqldb.Record{Kind: kind, ID: c.ID, Subject: c.Enterprise, Doc: doc, Version: c.Version}
	if err := tx.PutRecord(r); err != nil {
		return err
	}
	c.Version = r.Version
	return nil
}

func read(tx *sqldb.Tx, id string, lock bool) (*ticket, error) {
	r, err := tx.Record(kind, id, lock)
	if err != nil {
		return nil, err
	}
	var c ticket
	if err := json.Unmarshal(r.Doc, &c); err != nil {
		return nil, err
	}
	c.Version = r.Version
	return &c, nil
}

func get(t *testing.T, db *sqldb.DB, id string) *ticket {
	t.Helper()
	var c *ticket
	if err := db.Tx(ctx, func(tx *sqldb.Tx) (err error) { c, err = read(tx, id, false); return }); err != nil {
		t.Fatal(err)
	}
	return c
}

func logOf(t *testing.T, db *sqldb.DB, subject string) []duixian.AuditEntry {
	t.Helper()
	var log []duixian.AuditEntry
	if err := db.Tx(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(subject); return }); err != nil {
		t.Fatal(err)
	}
	return log
}

// advance moves a ticket from open to done, by enterprise staff.
func advance(id string, apply func(tx *sqldb.Tx, c *ticket) error) casework.Transition[*ticket, string] {
	return casework.Transition[*ticket, string]{Action: "advance", Name: "办结", Subject: id,
		Roles: []duixian.Role{duixian.RoleEnterprise}, From: []string{"open"},
		Load:  func(tx *sqldb.Tx) (*ticket, error) { return read(tx, id, true) },
		State: func(c *ticket) string { return c.State },
		Apply: func(tx *sqldb.Tx, c *ticket) error {
			if apply != nil {
				if err := apply(tx, c); err != nil {
					return err
				}
			}
			c.State, c.Count = "done", c.Count+1
			return nil
		},
		Save: save,
	}
}

// owned is advance with the owner's rule: another enterprise does not see
// the ticket.
func owned(actor duixian.Actor, id string) casework.Transition[*ticket, string] {
	t := advance(id, nil)
	t.Check = func(_ *sqldb.Tx, c *ticket) error {
		if actor.Enterprise != c.Enterprise {
			return casework.Unseen(duixian.Errorf(duixian.ENOTFOUND, "ticket", "没有事项 %s", "no ticket %s", id))
		}
		return nil
	}
	return t
}

func denials(t *testing.T, db *sqldb.DB, subject string) []duixian.AuditEntry {
	var out []duixian.AuditEntry
	for _, e := range logOf(t, db, subject) {
		if strings.HasPrefix(e.Action, "denied:") {
			out = append(out, e)
		}
	}
	return out
}

// A transition saves the change with its audit entry (state before and
// after) and answers with the case as stored.
func TestRunChangesAndAudits(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		put(t, db, &ticket{ID: "T1", Enterprise: "E1", State: "open"})
		got, err := casework.Run(ctx, desk(db), owner, owned(owner, "T1"))
		if err != nil {
			t.Fatal(err)
		}
		if got.State != "done" || got.Count != 1 || got.Version != 2 {
			t.Fatalf("answer %+v", got)
		}
		if stored := get(t, db, "T1"); *stored != *got {
			t.Fatalf("stored %+v, answered %+v", stored, got)
		}
		log := logOf(t, db, "T1")
		if len(log) != 1 || log[0].Action != "advance" || log[0].Before != "open" || log[0].After != "done" ||
			log[0].Actor.User != "staff" || log[0].At != "2026-11-30T10:00:00+08:00" {
			t.Fatalf("audit %+v", log)
		}
	})
}

// Refusals change nothing and are logged, each as "denied:"+action on the
// case; an error that is not a refusal (bad input) is not.
func TestRefusalsLogged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		put(t, db, &ticket{ID: "T1", Enterprise: "E1", State: "open"})
		put(t, db, &ticket{ID: "T2", Enterprise: "E1", State: "done"})
		for _, try := range []struct {
			name  string
			actor duixian.Actor
			t     casework.Transition[*ticket, string]
			code  string
			subj  string
		}{
			// The role is checked before the case is read: a missing case
			// is refused the same, and logged.
			{"wrong role", clerk, owned(clerk, "T1"), duixian.EFORBIDDEN, "T1"},
			{"wrong role, no such case", clerk, owned(clerk, "T9"), duixian.EFORBIDDEN, "T9"},
			{"not seen", other, owned(other, "T1"), duixian.ENOTFOUND, "T1"},
			{"wrong state", owner, owned(owner, "T2"), duixian.ECONFLICT, "T2"},
			{"refused by the rules", owner, advance("T1", func(*sqldb.Tx, *ticket) error {
				return &duixian.Error{Code: duixian.EREFUSED, Zh: "不符合条件", En: "refused"}
			}), duixian.EREFUSED, "T1"},
		} {
			before := len(denials(t, db, try.subj))
			_, err := casework.Run(ctx, desk(db), try.actor, try.t)
			if duixian.ErrorCode(err) != try.code {
				t.Fatalf("%s: want %s, got %v", try.name, try.code, err)
			}
			d := denials(t, db, try.subj)
			if len(d) != before+1 || d[len(d)-1].Action != "denied:advance" || d[len(d)-1].Actor.User != try.actor.User ||
				!strings.Contains(d[len(d)-1].After, err.Error()) {
				t.Errorf("%s: not logged as denied:advance: %+v", try.name, d)
			}
		}
		if err := casework.Permits(nil, clerk, owned(clerk, "T1"), get(t, db, "T1")); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Errorf("Permits for the wrong role: %v", err)
		}
		if c := get(t, db, "T1"); c.State != "open" || c.Count != 0 || c.Version != 1 {
			t.Fatalf("a refusal changed the case: %+v", c)
		}
		// Bad input is the caller's mistake, not a refusal: not logged.
		bad := owned(owner, "T1")
		bad.Validate = func() error {
			return duixian.Errorf(duixian.EINVALID, "reason", "须写明理由", "a reason is required")
		}
		before := len(logOf(t, db, "T1"))
		if _, err := casework.Run(ctx, desk(db), owner, bad); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatal(err)
		}
		if len(logOf(t, db, "T1")) != before {
			t.Error("invalid input was logged as a refusal")
		}
		// A transition that names no one who may make it is refused to all.
		nobody := owned(owner, "T1")
		nobody.Roles = nil
		if _, err := casework.Run(ctx, desk(db), owner, nobody); err == nil || duixian.ErrorCode(err) != duixian.EINTERNAL {
			t.Errorf("a transition with no roles: %v", err)
		}
	})
}

// A long refusal is cut on a character boundary: the entry stays valid
// UTF-8 however the 500 characters fall.
func TestRefusalCutOnCharacter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		put(t, db, &ticket{ID: "T1", Enterprise: "E1", State: "open"})
		// One ASCII byte first, so that a cut at byte 500 would fall
		// inside a three-byte character.
		long := "x" + strings.Repeat("不符合条件", 200)
		refuse := advance("T1", func(*sqldb.Tx, *ticket) error {
			return &duixian.Error{Code: duixian.EREFUSED, Zh: long, En: "refused"}
		})
		_, err := casework.Run(ctx, desk(db), owner, refuse)
		if duixian.ErrorCode(err) != duixian.EREFUSED || err.Error() != long+" / refused" {
			t.Fatalf("the refusal itself is not returned whole: %v", err)
		}
		d := denials(t, db, "T1")
		if len(d) != 1 {
			t.Fatalf("%d refusals logged", len(d))
		}
		msg := d[0].After
		if !utf8.ValidString(msg) || utf8.RuneCountInString(msg) != 501 || !strings.HasSuffix(msg, "…") ||
			!strings.HasPrefix(long, strings.TrimSuffix(msg, "…")) {
			t.Fatalf("cut badly: valid=%t, %d characters, %q", utf8.ValidString(msg), utf8.RuneCountInString(msg), msg[len(msg)-12:])
		}
	})
	if got := casework.Cut("短", 500); got != "短" {
		t.Errorf("a short message was changed: %q", got)
	}
	if got := casework.Cut("一二三", 2); got != "一二…" {
		t.Errorf("Cut(一二三, 2) = %q", got)
	}
}

// A refusal the audit log cannot take is not passed off as an ordinary
// refusal: the call fails as internal, naming both.
func TestRefusalNotLoggedIsInternal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		put(t, db, &ticket{ID: "T1", Enterprise: "E1", State: "done"})
		if _, err := db.SQL().Exec(`DROP TABLE audit_head`); err != nil {
			t.Fatal(err)
		}
		_, err := casework.Run(ctx, desk(db), owner, owned(owner, "T1"))
		var nl *casework.NotLogged
		if !errors.As(err, &nl) {
			t.Fatalf("want NotLogged, got %T %v", err, err)
		}
		if duixian.ErrorCode(err) != duixian.EINTERNAL || duixian.ErrorCode(nl.Refusal) != duixian.ECONFLICT || nl.Log == nil {
			t.Fatalf("code %s, refusal %v, log %v", duixian.ErrorCode(err), nl.Refusal, nl.Log)
		}
		if !strings.Contains(err.Error(), nl.Refusal.Error()) || !strings.Contains(err.Error(), "audit log") {
			t.Errorf("the error does not name both: %v", err)
		}
		// Errors that are not refusals pass through untouched.
		if err := desk(db).Refused(ctx, owner, "x", "T1", nil); err != nil {
			t.Errorf("nil became %v", err)
		}
	})
}

// A client that hangs up does not cut a transition short: the change, its
// audit entry and a refusal's log entry are all written. One whose client
// has gone before it began is not begun.
func TestDisconnectedClient(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		put(t, db, &ticket{ID: "T1", Enterprise: "E1", State: "open"})
		put(t, db, &ticket{ID: "T2", Enterprise: "E1", State: "open"})
		put(t, db, &ticket{ID: "T3", Enterprise: "E1", State: "open"})

		req, hangUp := context.WithCancel(ctx)
		got, err := casework.Run(req, desk(db), owner, advance("T1", func(*sqldb.Tx, *ticket) error {
			hangUp() // mid-transition
			return nil
		}))
		if err != nil || got.State != "done" {
			t.Fatalf("cut short: %v", err)
		}
		if c := get(t, db, "T1"); c.State != "done" || len(logOf(t, db, "T1")) != 1 {
			t.Fatalf("the change or its audit entry is lost: %+v", c)
		}

		req, hangUp = context.WithCancel(ctx)
		_, err = casework.Run(req, desk(db), owner, advance("T2", func(*sqldb.Tx, *ticket) error {
			hangUp()
			return duixian.Forbidden("不可", "no")
		}))
		if duixian.ErrorCode(err) != duixian.EFORBIDDEN || len(denials(t, db, "T2")) != 1 {
			t.Fatalf("the refusal of a disconnected client is not logged: %v", err)
		}

		gone, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := casework.Run(gone, desk(db), owner, owned(owner, "T3")); !errors.Is(err, context.Canceled) {
			t.Fatalf("begun without a client: %v", err)
		}
		if c := get(t, db, "T3"); c.State != "open" || len(logOf(t, db, "T3")) != 0 {
			t.Fatalf("a transition whose client had gone changed %+v", c)
		}
	})
}

// A key replays the first answer, even once the state has moved on; the
// key on another request is refused; keys are each actor's own.
func TestOnceReplays(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		put(t, db, &ticket{ID: "T1", Enterprise: "E1", State: "open"})
		keyed := func(req string) casework.Transition[*ticket, string] {
			tr := owned(owner, "T1")
			tr.Once = &casework.Once{Key: "k-1", Request: req}
			return tr
		}
		first, err := casework.Run(ctx, desk(db), owner, keyed("advance T1"))
		if err != nil {
			t.Fatal(err)
		}
		again, err := casework.Run(ctx, desk(db), owner, keyed("advance T1"))
		if err != nil || *again != *first {
			t.Fatalf("replay: %+v %v, first %+v", again, err, first)
		}
		if c := get(t, db, "T1"); c.Count != 1 || len(logOf(t, db, "T1")) != 1 {
			t.Fatalf("the replay changed the case: %+v", c)
		}
		if _, err := casework.Run(ctx, desk(db), owner, keyed("something else")); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("the key on another request: %v", err)
		}
		var answer *ticket
		var found bool
		if err := db.Tx(ctx, func(tx *sqldb.Tx) (err error) {
			answer, found, err = casework.Answer[*ticket](tx, owner, "advance", "k-1")
			return err
		}); err != nil || !found || *answer != *first {
			t.Fatalf("Answer: %+v %t %v", answer, found, err)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) (err error) {
			_, found, err = casework.Answer[*ticket](tx, other, "advance", "k-1")
			return err
		}); err != nil || found {
			t.Fatalf("another actor found the key: %t %v", found, err)
		}
		noKey := keyed("advance T1")
		noKey.Once.Key = ""
		if _, err := casework.Run(ctx, desk(db), owner, noKey); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("an empty key: %v", err)
		}
	})
}

// Two processes on one PostgreSQL — two stores, each with its own
// connections — replaying one key at once make one change, and every
// caller gets its answer.
func TestOnceAcrossProcesses(t *testing.T) {
	db1 := dbtest.Postgres(t)
	db2 := reopen(t, db1)
	// A creation: the case does not exist yet, so Load locks the owner
	// (here a ticket standing for the enterprise) to order the requests.
	put(t, db1, &ticket{ID: "E1", Enterprise: "E1", State: "enterprise"})
	create := func(id string) casework.Transition[*ticket, string] {
		return casework.Transition[*ticket, string]{Action: "create", Subject: id, For: "E1",
			Roles: []duixian.Role{duixian.RoleEnterprise}, Once: &casework.Once{Key: "form-1", Request: "a ticket for E1"},
			Load: func(tx *sqldb.Tx) (*ticket, error) {
				if _, err := read(tx, "E1", true); err != nil {
					return nil, err
				}
				return &ticket{ID: id, Enterprise: "E1"}, nil
			},
			State: func(c *ticket) string { return c.State },
			Apply: func(_ *sqldb.Tx, c *ticket) error { c.State = "open"; return nil },
			Save:  save,
		}
	}
	const n = 12
	answers := make([]*ticket, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		db := db1
		if i%2 == 1 {
			db = db2
		}
		wg.Go(func() {
			<-start
			// Each request reserves an id of its own, as each post of a form does.
			answers[i], errs[i] = casework.Run(ctx, desk(db), owner, create(fmt.Sprintf("T-%02d", i)))
		})
	}
	close(start)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("request %d: %v", i, errs[i])
		}
		if *answers[i] != *answers[0] {
			t.Fatalf("request %d answered %+v, request 0 %+v", i, answers[i], answers[0])
		}
	}
	var made int
	if err := db1.SQL().QueryRow(db1.Rebind(`SELECT COUNT(*) FROM records WHERE kind = ? AND id <> 'E1'`), kind).Scan(&made); err != nil {
		t.Fatal(err)
	}
	if made != 1 || len(logOf(t, db2, answers[0].ID)) != 1 {
		t.Fatalf("%d tickets made, want 1", made)
	}
}

// reopen opens a second store on db's PostgreSQL schema, as a second
// duixian process would.
func reopen(t *testing.T, db *sqldb.DB) *sqldb.DB {
	t.Helper()
	var schema string
	if err := db.SQL().QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
		t.Fatal(err)
	}
	db2, err := postgres.Open(ctx, dbtest.PostgresDSN()+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() })
	return db2
}
