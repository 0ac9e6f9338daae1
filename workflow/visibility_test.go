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

// sameAnswer fails unless err and missing are the same answer once the ids
// they name are taken out: code, field and both messages.
func sameAnswer(t *testing.T, what string, err error, id string, missing error, missingID string) {
	t.Helper()
	var e, m *duixian.Error
	if !errors.As(err, &e) || !errors.As(missing, &m) {
		t.Fatalf("%s: %v; for a missing one: %v", what, err, missing)
	}
	type answer struct{ Code, Field, Zh, En string }
	strip := func(x *duixian.Error, id string) answer {
		return answer{x.Code, x.Field, strings.ReplaceAll(x.Zh, id, "ID"), strings.ReplaceAll(x.En, id, "ID")}
	}
	if got, want := strip(e, id), strip(m, missingID); got != want || got.Code != duixian.ENOTFOUND {
		t.Errorf("%s answers %+v; a missing one %+v", what, got, want)
	}
}

// An application one may not see is answered exactly as one that does not
// exist, by every step and every read: another enterprise's, another
// department's, a draft to any official, a case not assigned to an expert.
func TestExistenceHidden(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		in := workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"), EventDate: date("2026-03-01"),
			Facts: json.RawMessage(bookstoreFacts), Declared: true}
		draft := must(t)(s.CreateDraft(ctx, staff, in))
		submitted := must(t)(s.Submit(ctx, staff, must(t)(s.CreateDraft(ctx, staff, in)).ID, "k"))
		other := duixian.Actor{User: "x@other", Role: duixian.RoleEnterprise, Enterprise: uscc(t, "91110302MA01YYYY1")}
		const missing = "A20260302FFFFFFFFFF"

		steps := map[string]func(actor duixian.Actor, id string) error{
			"update": func(a duixian.Actor, id string) error {
				_, err := s.UpdateDraft(ctx, a, id, json.RawMessage(bookstoreFacts), true)
				return err
			},
			"submit":   func(a duixian.Actor, id string) error { _, err := s.Submit(ctx, a, id, "k2"); return err },
			"withdraw": func(a duixian.Actor, id string) error { _, err := s.Withdraw(ctx, a, id); return err },
			"return":   func(a duixian.Actor, id string) error { _, err := s.Return(ctx, a, id, "补充"); return err },
			"prelim":   func(a duixian.Actor, id string) error { _, err := s.PassPreliminary(ctx, a, id); return err },
			"read":     func(a duixian.Actor, id string) error { _, err := s.Application(ctx, a, id); return err },
			"case":     func(a duixian.Actor, id string) error { _, err := s.Case(ctx, a, id); return err },
			"history": func(a duixian.Actor, id string) error {
				_, _, err := s.ApplicationHistory(ctx, a, id)
				return err
			},
		}
		for _, tc := range []struct {
			who   duixian.Actor
			app   *duixian.Application
			steps []string
		}{
			{other, draft, []string{"update", "submit", "withdraw", "read", "history"}},
			{other, submitted, []string{"withdraw", "read", "history"}},
			{commerce, submitted, []string{"return", "prelim", "read", "case"}},
			{culture, draft, []string{"return", "prelim", "read", "case"}},
			{supervisor, draft, []string{"read", "case"}},
			{finance, draft, []string{"read", "case"}},
			{admin, draft, []string{"read", "case"}},
			{expert, submitted, []string{"read", "case"}},
		} {
			for _, name := range tc.steps {
				step := steps[name]
				sameAnswer(t, tc.who.User+" "+name+" "+string(tc.app.Status), step(tc.who, tc.app.ID), tc.app.ID, step(tc.who, missing), missing)
			}
		}
		if a := must(t)(s.Application(ctx, staff, draft.ID)); a.Status != duixian.StatusDraft || a.Version != draft.Version {
			t.Fatalf("the hidden attempts changed the draft: %+v", a)
		}
		// Officials list no drafts; the enterprise lists its own.
		for _, who := range []duixian.Actor{culture, finance, supervisor, admin} {
			list, err := s.Visible(ctx, who, "", duixian.PageRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list.Items {
				if a.Status == duixian.StatusDraft {
					t.Errorf("%s lists draft %s", who.User, a.ID)
				}
			}
		}
		if list, _ := s.Visible(ctx, staff, duixian.StatusDraft, duixian.PageRequest{}); len(list.Items) != 1 || list.Items[0].ID != draft.ID {
			t.Errorf("the enterprise's own drafts: %v", list)
		}
	})
}

// Experts see and score only the cases assigned to them.
func TestExpertsSeeTheirCasesOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		in := workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"), EventDate: date("2026-03-01"),
			Facts: json.RawMessage(bookstoreFacts), Declared: true}
		mine := must(t)(s.CreateDraft(ctx, staff, in))
		must(t)(s.Submit(ctx, staff, mine.ID, "k1"))
		mine = passToExpert(t, s, culture, mine.ID) // assigned to expert
		theirs := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.3.1", Materials: specimens("jjgf-2025-21/7.3.1"),
			EventDate: date("2026-03-01"), Facts: json.RawMessage(`{"specialized_store":true,` + bookstoreFacts[1:]), Declared: true}))
		must(t)(s.Submit(ctx, staff, theirs.ID, "k2"))
		must(t)(s.PassPreliminary(ctx, culture, theirs.ID))
		colleague := duixian.Actor{User: "qian.expert", Role: duixian.RoleExpert}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.PutUser(&duixian.User{Name: colleague.User, Role: duixian.RoleExpert})
		}); err != nil {
			t.Fatal(err)
		}
		// Assigning names experts' accounts only.
		for _, bad := range [][]string{nil, {" "}, {"nobody"}, {culture.User}} {
			_, err := s.AssignExperts(ctx, culture, theirs.ID, bad)
			var e *duixian.Error
			if !errors.As(err, &e) || e.Code != duixian.EINVALID || e.Field != "experts" || e.Zh == "" || e.En == "" {
				t.Fatalf("assigning %q: %v", bad, err)
			}
		}
		must(t)(s.AssignExperts(ctx, culture, theirs.ID, []string{colleague.User}))

		ids := func(list []*duixian.Application) []string {
			var out []string
			for _, a := range list {
				out = append(out, a.ID)
			}
			return out
		}
		if list, err := s.Visible(ctx, expert, "", duixian.PageRequest{}); err != nil || len(list.Items) != 1 || list.Items[0].ID != mine.ID {
			t.Fatalf("the expert lists %v (%v), want only %s", ids(list.Items), err, mine.ID)
		}
		q, err := s.Queue(ctx, expert, workflow.QueueQuery{})
		if err != nil || q.Total() != 1 || q.Groups[0].Apps[0].ID != mine.ID {
			t.Fatalf("the expert's queue: %v %+v", err, q)
		}
		if _, err := s.Application(ctx, expert, theirs.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("the expert read a case assigned to another: %v", err)
		}
		if _, err := s.RecordExpertReview(ctx, expert, theirs.ID, nil, "符合", true); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("the expert scored a case assigned to another: %v", err)
		}
		a := must(t)(s.RecordExpertReview(ctx, colleague, theirs.ID, map[string]int{"总分": 80}, "符合", true))
		status(t, a, duixian.StatusAssessed)
		// Once reviewed, the names stay: no more assigning.
		if _, err := s.AssignExperts(ctx, culture, theirs.ID, []string{expert.User}); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("reassigned after the review: %v", err)
		}
		if c, err := s.Case(ctx, culture, mine.ID); err != nil || !c.Actions.AssignExperts || len(c.Actions.Experts) != 2 {
			t.Fatalf("the reviewer's case offers assignment among %v: %v", c.Actions.Experts, err)
		}
	})
}

// Anyone may object, so an objection tells nothing of a case that is not
// in publicity: a missing one, a draft, one in review and one approved get
// the same answer; one in publicity takes it.
func TestObjectionTellsNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-03-01")
		staff := vcFund(t, s)
		claim := func(project string) *duixian.Application {
			in := vcClaim(project)
			in.Enterprise = staff.Enterprise
			return must(t)(s.CreateDraft(ctx, staff, in))
		}
		draft := claim("草稿")
		inReview := must(t)(s.Submit(ctx, staff, claim("初审").ID, "k1"))
		published := must(t)(s.Submit(ctx, staff, claim("公示").ID, "k2"))
		published = passToExpert(t, s, commerce, published.ID)
		published = must(t)(s.RecordExpertReview(ctx, expert, published.ID, nil, "符合", true))
		published = must(t)(s.Propose(ctx, commerce, published.ID, 500000*duixian.Yuan, ""))
		published = must(t)(s.Publish(ctx, commerce, published.ID, date("2027-03-01"), 5))
		approved := must(t)(s.Approve(ctx, commerceHead, toPublicity(t, s, clk, staff, 1)[0])) // the clock is on 03-02
		const missing = "A20270302FFFFFFFFFF"
		object := func(id string) error {
			_, err := s.Object(ctx, public, id, objection("异议", ""))
			return err
		}
		for _, a := range []*duixian.Application{draft, inReview, approved} {
			sameAnswer(t, "an objection to a "+string(a.Status)+" case", object(a.ID), a.ID, object(missing), missing)
		}
		if err := object(published.ID); err != nil {
			t.Fatalf("an objection in publicity: %v", err)
		}
	})
}
