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

func guide(doc string, opens, closes string) workflow.RoundInput {
	return workflow.RoundInput{Document: doc, Year: 2026, Title: "2026年度实体书店扶持项目申报指南", Text: "申报条件与流程见21号",
		Opens: date(opens), Closes: date(closes), Budget: 1000000 * duixian.Yuan}
}

// 21号第十二条（二）: 应在规定时间内申报. Outside a round the form and the
// workflow refuse the clause, saying when the next round opens, or that
// none is published; inside it they take it and record the round. A
// draft made in a round is not submitted after the window; a returned
// application is answered after it (its 补正 was asked for).
func TestApplicationsOnlyInsideARound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := serviceWithoutRounds(t, db, "2026-03-02")
		id, staff := registerBookstore(t, s)
		draft := func() (*duixian.Application, error) {
			return s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1",
				EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true, Materials: specimens("jjgf-2025-21/7.1")})
		}
		_, err := draft()
		if duixian.ErrorCode(err) != duixian.ECONFLICT || !strings.Contains(err.Error(), "尚未发布") || !strings.Contains(err.Error(), "21号第十二条") {
			t.Fatalf("a draft with no round published: %v", err)
		}
		var e *duixian.Error
		if !errors.As(err, &e) || !strings.Contains(e.En, "no next round is published") || e.Field != "round" {
			t.Fatalf("the refusal in English and its field: %+v", e)
		}
		// Only 宣传文化部 publishes 21号's guide, and only for a document in rounds.
		if _, err := s.PublishRound(ctx, commerce, guide("jjgf-2025-21", "2026-04-01", "2026-04-30")); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("another department published 21号's guide: %v", err)
		}
		if _, err := s.PublishRound(ctx, commerce, guide("jjgf-2025-25", "2026-04-01", "2026-04-30")); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("a guide for 25号, which takes applications any day: %v", err)
		}
		if _, err := s.PublishRound(ctx, culture, guide("jjgf-2025-21", "2026-04-30", "2026-04-01")); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("a window closing before it opens: %v", err)
		}
		r := must1[*duixian.Round](t)(s.PublishRound(ctx, culture, guide("jjgf-2025-21", "2026-04-01", "2026-04-30")))
		if _, err := s.PublishRound(ctx, culture, guide("jjgf-2025-21", "2026-04-20", "2026-05-10")); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("an overlapping round of the same clauses: %v", err)
		}
		_, err = draft()
		if duixian.ErrorCode(err) != duixian.ECONFLICT || !strings.Contains(err.Error(), "2026-04-01") || !strings.Contains(err.Error(), r.Title) {
			t.Fatalf("a draft before the round opens should say when it opens: %v", err)
		}
		// Other documents take applications any day (25号: no round).
		tech, techStaff := enterprise(t, s, "91110302MA01TECH0", "星河科技有限公司")
		must(t)(s.CreateDraft(ctx, techStaff, workflow.DraftInput{Enterprise: tech, Clause: "jjgf-2025-25/2",
			EventDate: date("2026-02-28"), Facts: json.RawMessage(`{"fin_tech_insurance_premium":"31.26万元"}`), Declared: true}))

		clk.Set("2026-04-01")
		a := must(t)(draft())
		if a.Round != r.ID {
			t.Fatalf("the draft's round is %q, want %s", a.Round, r.ID)
		}
		late := must(t)(draft())
		a = must(t)(s.Submit(ctx, staff, a.ID, "k1"))
		a = must(t)(s.Return(ctx, culture, a.ID, "请补充照片"))
		clk.Set("2026-05-06")
		if _, err := s.Submit(ctx, staff, late.ID, "k2"); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("a draft submitted after the window closed: %v", err)
		}
		must(t)(s.UpdateDraft(ctx, staff, a.ID, json.RawMessage(bookstoreFacts), true))
		if a = must(t)(s.Submit(ctx, staff, a.ID, "k3")); a.Status != duixian.StatusSubmitted || a.Round != r.ID {
			t.Fatalf("the 补正 after the window: %s in round %q", a.Status, a.Round)
		}
		rounds, err := s.Rounds(ctx, "")
		if err != nil || len(rounds) != 1 || rounds[0].ID != r.ID || rounds[0].By != culture.User {
			t.Fatalf("rounds: %v %+v", err, rounds)
		}
		w, err := s.ClauseWindow(ctx, "jjgf-2025-21/7.1")
		if err != nil || !w.Required || w.Open != nil || w.Next != nil {
			t.Fatalf("the window after the round: %+v %v", w, err)
		}
		if n := auditCount(t, db, "round-publish"); n != 1 {
			t.Fatalf("%d round-publish entries, want 1", n)
		}
	})
}

// 免申即享 offers are confirmed any day unless the round binds them.
func TestOffersBoundOnlyByARoundThatSaysSo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := serviceWithoutRounds(t, db, "2026-03-02")
		id, staff := registerBookstore(t, s)
		offer := func(n string) (*duixian.Application, error) {
			return s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1", Offer: "offer-" + n,
				EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true})
		}
		a := must(t)(offer("1"))
		if a.Round != "" {
			t.Fatalf("an offer outside any round got round %q", a.Round)
		}
		g := guide("jjgf-2025-21", "2026-04-01", "2026-04-30")
		g.Offers = true
		must1[*duixian.Round](t)(s.PublishRound(ctx, culture, g))
		if _, err := offer("2"); duixian.ErrorCode(err) != duixian.ECONFLICT || !strings.Contains(err.Error(), "2026-04-01") {
			t.Fatalf("an offer before a binding round opens: %v", err)
		}
		clk.Set("2026-04-02")
		if a := must(t)(offer("3")); a.Round == "" {
			t.Fatal("an offer inside its binding round has no round")
		}
	})
}

func must1[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// auditCount counts the audit log's entries of an action.
func auditCount(t *testing.T, db *sqldb.DB, action string) int {
	t.Helper()
	n := 0
	if err := db.Read(ctx, func(tx *sqldb.Tx) error {
		all, err := tx.AuditLog("")
		for _, e := range all {
			if e.Action == action {
				n++
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}
