package workflow_test

import (
	"encoding/json"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// An enterprise reads its own applications, each with its history, and the
// facts the platform fills for it; it is told nothing of another's, and an
// official cannot list an enterprise's applications as if they were its own.
func TestEnterpriseReads(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		id, staff := registerBookstore(t, s)
		other := uscc(t, "91110302MA01QRWT4")
		if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: other, Name: "另一家书店有限公司", Facts: json.RawMessage(cleanEnterprise)}); err != nil {
			t.Fatal(err)
		}
		stranger := duixian.Actor{User: "staff@other", Role: duixian.RoleEnterprise, Enterprise: other}
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
			EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true}))
		a = must(t)(s.Submit(ctx, staff, a.ID, "k1"))

		page := duixian.PageRequest{Limit: 50}
		list, err := s.EnterpriseApplications(ctx, staff, "", page)
		if err != nil || len(list.Items) != 1 || list.Items[0].ID != a.ID {
			t.Fatalf("own applications: %v, %v", list, err)
		}
		if list, err = s.EnterpriseApplications(ctx, staff, duixian.StatusDraft, page); err != nil || len(list.Items) != 0 {
			t.Fatalf("drafts only: %v, %v", list, err)
		}
		if list, err = s.EnterpriseApplications(ctx, stranger, "", page); err != nil || len(list.Items) != 0 {
			t.Fatalf("another enterprise sees %v, %v", list, err)
		}
		if _, err := s.EnterpriseApplications(ctx, culture, "", page); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("a reviewer listed an enterprise's applications: %v", err)
		}

		got, log, err := s.ApplicationHistory(ctx, staff, a.ID)
		if err != nil || got.ID != a.ID {
			t.Fatalf("history: %v, %v", got, err)
		}
		var actions []string
		for _, e := range log {
			actions = append(actions, e.Action)
		}
		if len(actions) != 2 || actions[0] != "create" || actions[1] != "submit" {
			t.Fatalf("history %v, want create then submit", actions)
		}
		if _, _, err := s.ApplicationHistory(ctx, stranger, a.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another enterprise read the history: %v", err)
		}

		pf, err := s.PlatformFacts(ctx, staff)
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := pf.Known["major_penalty_3y"]; !ok || v != false {
			t.Fatalf("registry fact major_penalty_3y: %v, %v", v, ok)
		}
		if _, err := s.PlatformFacts(ctx, culture); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("a reviewer read an enterprise's platform facts: %v", err)
		}
	})
}
