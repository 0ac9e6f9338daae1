package workflow_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// 29号第13条 names two responsible departments (责任单位:科技和产业促进局、
// 生态环境建设局): each of them finds the 绿色诊断 claim in its queue and
// may decide it; a third department may not.
func TestJointlyResponsibleDepartments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		id := uscc(t, "91110302MA01GRND1")
		if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: "亦庄绿色制造有限公司",
			Facts: json.RawMessage(strings.Replace(cleanEnterprise, `{`, `{"green_major_safety_accident_3y":false,"green_major_environmental_incident_3y":false,`, 1))}); err != nil {
			t.Fatal(err)
		}
		staff := duixian.Actor{User: "staff@green", Role: duixian.RoleEnterprise, Enterprise: id}
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-29/13.1", Materials: specimens("jjgf-2025-29/13.1"),
			EventDate: date("2026-03-01"), Facts: json.RawMessage(`{"green_government_funded":false,"green_diagnosis_completed":true}`), Declared: true}))
		a = must(t)(s.Submit(ctx, staff, a.ID, "k"))
		tech := duixian.Actor{User: "tech-1", Role: duixian.RoleReviewer, Department: "科技和产业促进局"}
		eco := duixian.Actor{User: "eco-1", Role: duixian.RoleReviewer, Department: "生态环境建设局"}
		for _, r := range []duixian.Actor{tech, eco} {
			q, err := s.Queue(ctx, r, workflow.QueueQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if !queued(q, a.ID) {
				t.Errorf("%s's queue lacks the claim", r.Department)
			}
		}
		if _, err := s.PassPreliminary(ctx, culture, a.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND && duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("宣传文化部 decided a 29号 claim: %v", err)
		}
		a = must(t)(s.PassPreliminary(ctx, eco, a.ID))
		status(t, a, duixian.StatusReviewed)
		if got := must(t)(s.Application(ctx, tech, a.ID)); got.Status != duixian.StatusReviewed {
			t.Fatalf("科技和产业促进局 reads %s", got.Status)
		}
	})
}

func queued(q *workflow.Queue, id string) bool {
	for _, g := range q.Groups {
		for _, a := range g.Apps {
			if a.ID == id {
				return true
			}
		}
	}
	return false
}
