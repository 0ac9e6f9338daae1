package workflowtest

import (
	"context"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/workflow"
)

// Publish puts a proposed application into 公示 from start for days
// working days the way its document's procedure has it: alone, or — for
// a document that publishes only an approved annual plan (21号第十二条
// （四）, 22号第十条（四）) — in a plan of its round that reviewer compiles
// and submits and approver approves. Compiling gathers every proposed
// project of the round not yet in a plan, as it does for the department.
func Publish(t testing.TB, s *workflow.Service, reviewer, approver duixian.Actor, id string, start duixian.Date, days int) *duixian.Application {
	t.Helper()
	ctx := context.Background()
	a, err := s.Application(ctx, reviewer, id)
	if err != nil {
		t.Fatalf("publishing %s: %v", id, err)
	}
	cl, ok := s.Catalogue.Clause(a.Clause)
	if !ok || !cl.Document.Procedure.Plan {
		if a, err = s.Publish(ctx, reviewer, id, start, days); err != nil {
			t.Fatalf("publishing %s: %v", id, err)
		}
		return a
	}
	round := a.Round
	if round == "" {
		rounds, err := s.Rounds(ctx, cl.Document.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rounds {
			if r.Covers(a.Clause) {
				round = r.ID
			}
		}
	}
	p, err := s.CompilePlan(ctx, reviewer, round)
	if err == nil {
		p, err = s.SubmitPlan(ctx, reviewer, p.ID)
	}
	if err == nil {
		p, err = s.ApprovePlan(ctx, approver, p.ID)
	}
	if err == nil {
		_, err = s.PublishPlan(ctx, reviewer, p.ID, start, days)
	}
	if err == nil {
		a, err = s.Application(ctx, reviewer, id)
	}
	if err != nil {
		t.Fatalf("publishing %s in its round's plan: %v", id, err)
	}
	return a
}

// Approve approves an application after its 公示 the way its document's
// procedure has it: by approver alone, or, for a project of a plan, by
// reviewer releasing the plan to payment. A refusal is returned, as
// Approve's is; a project an objection holds is returned still in 公示.
func Approve(t testing.TB, s *workflow.Service, reviewer, approver duixian.Actor, id string) (*duixian.Application, error) {
	t.Helper()
	ctx := context.Background()
	a, err := s.Application(ctx, reviewer, id)
	if err != nil {
		return nil, err
	}
	if a.Plan == "" {
		return s.Approve(ctx, approver, id)
	}
	if _, err := s.ReleasePlan(ctx, reviewer, a.Plan); err != nil {
		return nil, err
	}
	return s.Application(ctx, reviewer, id)
}
