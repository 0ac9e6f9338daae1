package workflow_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// Separation of duties: whoever proposed the amount neither approves it
// nor pays it, unless an administrator turned separation off for the
// department responsible for the clause.
func TestSeparationOfDuties(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-03-01")
		staff := vcFund(t, s)
		ids := toPublicity(t, s, clk, staff, 2) // commerce proposed both
		before := must(t)(s.Application(ctx, commerce, ids[0]))
		if before.ProposedBy != commerce.User {
			t.Fatalf("proposed by %q", before.ProposedBy)
		}
		_, err := s.Approve(ctx, commerce, ids[0])
		var e *duixian.Error
		if !errors.As(err, &e) || e.Code != duixian.EFORBIDDEN || !strings.Contains(e.Zh, "职责分离") || !strings.Contains(e.En, "separation of duties") {
			t.Fatalf("the proposer approved: %v", err)
		}
		if a := must(t)(s.Application(ctx, commerce, ids[0])); a.Status != duixian.StatusPublicity || a.Version != before.Version {
			t.Fatalf("the refused approval changed the case: %s v%d", a.Status, a.Version)
		}
		c, err := s.Case(ctx, commerce, ids[0])
		if err != nil || !strings.Contains(c.Actions.ApproveBlocked, "职责分离") {
			t.Fatalf("the proposer's case page does not say why approval is blocked: %v %+v", err, c.Actions)
		}
		if c, _ := s.Case(ctx, commerceHead, ids[0]); c.Actions.ApproveBlocked != "" {
			t.Fatalf("another official's approval is blocked: %q", c.Actions.ApproveBlocked)
		}
		a := must(t)(s.Approve(ctx, commerceHead, ids[0]))
		status(t, a, duixian.StatusApproved)
		// The proposer, moved to finance, does not pay it either.
		moved := duixian.Actor{User: commerce.User, Role: duixian.RoleFinance, Department: "财政国资局"}
		if _, err := s.Disburse(ctx, moved, ids[0], "pay-1", paid); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("the proposer paid: %v", err)
		}
		a = must(t)(s.Disburse(ctx, finance, ids[0], "pay-1", paid))
		status(t, a, duixian.StatusPaid)

		// Only an administrator turns it off, for a department the
		// platform knows; the change is audited.
		if err := s.SetDepartment(ctx, commerce, duixian.Department{Name: "商务金融局", SelfApproval: true}); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("a reviewer changed the department's settings: %v", err)
		}
		err = s.SetDepartment(ctx, admin, duixian.Department{Name: "商务金融司", SelfApproval: true})
		if !errors.As(err, &e) || e.Code != duixian.EINVALID || e.Field != "name" || !strings.Contains(e.Zh, "商务金融司") || !strings.Contains(e.En, "商务金融司") {
			t.Fatalf("settings for an unknown department: %v", err)
		}
		if err := s.SetDepartment(ctx, admin, duixian.Department{Name: "商务金融局", SelfApproval: true}); err != nil {
			t.Fatal(err)
		}
		a = must(t)(s.Approve(ctx, commerce, ids[1]))
		status(t, a, duixian.StatusApproved)
		depts, err := s.Departments(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range depts {
			if d.SelfApproval != (d.Name == "商务金融局") {
				t.Errorf("department %s: self approval %v", d.Name, d.SelfApproval)
			}
		}
		var log []duixian.AuditEntry
		db.Read(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog("商务金融局"); return })
		if len(log) != 1 || log[0].Action != "department-settings" || log[0].Actor.User != admin.User || !strings.Contains(log[0].After, "关闭") {
			t.Fatalf("the department's audit log: %+v", log)
		}
	})
}

// Opinions are asked of departments the platform knows only, each once,
// never the reviewer's own; the error names the field and the department.
func TestRequestOpinionsKnownDepartments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
			EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true}))
		a = must(t)(s.Submit(ctx, staff, a.ID, "k"))
		coReviewer(t, s, "营商环境建设局")
		for _, tc := range []struct {
			depts []string
			names string
		}{
			{nil, ""},
			{[]string{"营商环境建设局", "不存在的局"}, "不存在的局"},
			{[]string{"宣传文化部"}, "宣传文化部"},
		} {
			_, err := s.RequestOpinions(ctx, culture, a.ID, tc.depts)
			var e *duixian.Error
			if !errors.As(err, &e) || e.Code != duixian.EINVALID || e.Field != "departments" || !strings.Contains(e.Zh, tc.names) || !strings.Contains(e.En, tc.names) || e.En == e.Zh {
				t.Errorf("asking %q: %v", tc.depts, err)
			}
		}
		if got := must(t)(s.Application(ctx, culture, a.ID)); len(got.Opinions) != 0 {
			t.Fatalf("a refused request recorded opinions: %+v", got.Opinions)
		}
		// A department responsible for clauses is known without accounts.
		a = must(t)(s.RequestOpinions(ctx, culture, a.ID, []string{"营商环境建设局", "商务金融局"}))
		if len(a.Opinions) != 2 {
			t.Fatalf("opinions %+v", a.Opinions)
		}
		if _, err := s.RequestOpinions(ctx, culture, a.ID, []string{"商务金融局"}); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("asking a department twice: %v", err)
		}
	})
}
