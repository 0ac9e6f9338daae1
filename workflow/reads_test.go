package workflow_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// The officials' reads: each role's queue, a case with its history and the
// steps open, an enterprise's file as each may see it, and the audit log.
func TestOfficialReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		id, staff := registerBookstore(t, s)
		draft := func() *duixian.Application {
			return must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
				EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true}))
		}
		a := must(t)(s.Submit(ctx, staff, draft().ID, "k1"))
		consulted := coReviewer(t, s, "营商环境建设局")
		a = must(t)(s.RequestOpinions(ctx, culture, a.ID, []string{"营商环境建设局"}))
		draft() // a draft only its enterprise sees
		other := duixian.Actor{User: "zhi", Role: duixian.RoleCoReviewer, Department: "综合执法局"}

		group := func(q *workflow.Queue, key string) []*duixian.Application {
			for _, g := range q.Groups {
				if g.Key == key {
					return g.Apps
				}
			}
			t.Fatalf("no group %s in %+v", key, q.Groups)
			return nil
		}
		q, err := s.Queue(ctx, culture, workflow.QueueQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if got := group(q, "submitted"); len(got) != 1 || got[0].ID != a.ID || q.Names[id] != "亦城书房有限公司" || q.Total() != 1 ||
			!strings.HasPrefix(q.Scope, "宣传文化部负责的条款") || len(q.Groups) != 6 {
			t.Fatalf("the reviewer's queue: %+v", q)
		}
		if q, _ = s.Queue(ctx, commerce, workflow.QueueQuery{}); q.Total() != 0 {
			t.Fatalf("another department's queue holds %d", q.Total())
		}
		if q, _ = s.Queue(ctx, consulted, workflow.QueueQuery{}); len(group(q, "opinion")) != 1 || len(group(q, "given")) != 0 {
			t.Fatalf("the consulted department's queue: %+v", q.Groups)
		}

		// A refused step is in the history for supervision only; another
		// department is answered as if there were no such application.
		if _, err := s.PassPreliminary(ctx, commerce, a.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another department passed the review: %v", err)
		}
		c, err := s.Case(ctx, culture, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		act := c.Actions
		if c.Name != "亦城书房有限公司" || !act.RequestOpinions || !act.Preliminary || act.PreliminaryBlocked != "尚待营商环境建设局出具会签意见" ||
			act.Approve || slices.Contains(act.Departments, "宣传文化部") || slices.Contains(act.Departments, "营商环境建设局") || len(act.Departments) == 0 {
			t.Fatalf("the reviewer's case: %+v", c)
		}
		if len(c.History) != 3 || c.History[0].Action != "request-opinions" || c.History[2].Action != "create" {
			t.Fatalf("history, newest first, refusals hidden: %+v", c.History)
		}
		if c, _ := s.Case(ctx, supervisor, a.ID); len(c.History) != 4 || !strings.HasPrefix(c.History[0].Action, "denied:") || c.Actions.Revoke {
			t.Fatalf("supervision's history: %+v", c.History)
		}
		if c, _ := s.Case(ctx, consulted, a.ID); !c.Actions.Opinion || c.Actions.Preliminary {
			t.Fatalf("the consulted department's actions: %+v", c.Actions)
		}
		if _, err := s.Case(ctx, other, a.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("a department not consulted read the case: %v", err)
		}

		// 一企一档: drafts for the enterprise only, applications as each reads them.
		for _, tc := range []struct {
			who  duixian.Actor
			apps int
		}{{staff, 2}, {culture, 1}, {consulted, 1}, {other, 0}, {commerce, 0}, {finance, 1}} {
			f, err := s.EnterpriseFile(ctx, tc.who, id)
			if err != nil || len(f.Applications) != tc.apps || f.Enterprise.Name != "亦城书房有限公司" {
				t.Errorf("%s's file: %v, %d applications, want %d", tc.who.User, err, len(f.Applications), tc.apps)
			}
			if err == nil && tc.apps > 0 && tc.who.Role != duixian.RoleEnterprise && f.Open != 1 {
				t.Errorf("%s: %d open", tc.who.User, f.Open)
			}
		}
		stranger := duixian.Actor{User: "x", Role: duixian.RoleEnterprise, Enterprise: uscc(t, "91110302MA01YYYY1")}
		if _, err := s.EnterpriseFile(ctx, stranger, id); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another enterprise read the file: %v", err)
		}

		// The audit log: for supervision; the chain is walked whole on the
		// first view and every hour, not on every view.
		if _, err := s.AuditLog(ctx, culture, "", duixian.PageRequest{}); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("a reviewer read the audit log: %v", err)
		}
		l, err := s.AuditLog(ctx, supervisor, a.ID, duixian.PageRequest{})
		if err != nil || l.Broken != nil || len(l.Entries) != 4 || l.Total != 4 || l.Entries[3].Seq != 2 || l.Entries[3].Action != "create" || l.Checked < 6 || l.Walked != l.Checked {
			t.Fatalf("audit log: %v %+v", err, l)
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`UPDATE audit SET subject = ? WHERE seq = ?`), "tampered", 2); err != nil {
			t.Fatal(err)
		}
		if l, _ := s.AuditLog(ctx, supervisor, "", duixian.PageRequest{}); l.Broken != nil || l.Walked != 0 {
			t.Fatal("the chain was walked again though its head did not move")
		}
		clk.mu.Lock()
		clk.now = clk.now.Add(time.Hour)
		clk.mu.Unlock()
		if l, _ := s.AuditLog(ctx, supervisor, "", duixian.PageRequest{}); l.Broken == nil {
			t.Fatal("an hour on, the altered entry is not reported")
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`UPDATE audit SET subject = ? WHERE seq = ?`), a.ID, 2); err != nil { // entry 2 created the application
			t.Fatal(err)
		}
		must(t)(s.GiveOpinion(ctx, consulted, a.ID, true, "无异议")) // the head moves
		if l, _ := s.AuditLog(ctx, supervisor, "", duixian.PageRequest{}); l.Broken != nil || l.Checked != l.Total {
			t.Fatalf("restored and grown: %v, %d of %d", l.Broken, l.Checked, l.Total)
		}
	})
}
