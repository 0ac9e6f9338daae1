package workflow_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
	"github.com/etown/duixian/workflow/workflowtest"
)

// enterprise registers an enterprise of the 18-character code made from
// prefix and returns the code and its staff.
func enterprise(t *testing.T, s *workflow.Service, prefix, name string) (string, duixian.Actor) {
	t.Helper()
	id := uscc(t, prefix)
	if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: name, Facts: json.RawMessage(cleanEnterprise)}); err != nil {
		t.Fatal(err)
	}
	return id, duixian.Actor{User: "staff@" + prefix, Role: duixian.RoleEnterprise, Enterprise: id}
}

// assessed takes a bookstore's 一刻钟 claim (12万元) in the round through
// review to a proposed amount.
func assessed(t *testing.T, s *workflow.Service, prefix, name string) *duixian.Application {
	t.Helper()
	id, staff := enterprise(t, s, prefix, name)
	a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1",
		EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true, Materials: specimens("jjgf-2025-21/7.1")}))
	a = must(t)(s.Submit(ctx, staff, a.ID, "k-"+prefix))
	passToExpert(t, s, culture, a.ID)
	must(t)(s.RecordExpertReview(ctx, expert, a.ID, map[string]int{"经营能力": 26, "社会效益": 28}, "实地踏勘属实", true))
	return must(t)(s.Propose(ctx, culture, a.ID, 120000*duixian.Yuan, ""))
}

// 21号第十二条（三）（四）: the round's assessed projects are gathered into
// one plan, reduced pro rata to the budget exactly to the fen; the plan is
// approved (by another official) before any 公示; its projects are
// published together; none is paid before the window ends; an objection
// holds its own project only; an upheld one takes it out of the plan with
// the amended total recorded, a dismissed one releases it.
func TestAnnualPlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := serviceWithoutRounds(t, db, "2026-03-02")
		g := guide("jjgf-2025-21", "2026-03-02", "2026-03-31")
		g.Budget = 250000 * duixian.Yuan // three claims of 12万元 against 25万元
		r := must1[*duixian.Round](t)(s.PublishRound(ctx, culture, g))
		var apps []*duixian.Application
		for i, name := range []string{"甲书店有限公司", "乙书店有限公司", "丙书店有限公司"} {
			apps = append(apps, assessed(t, s, "91110302MA01PLN"+string(rune('A'+i))+"1", name))
		}
		if _, err := s.CompilePlan(ctx, commerce, r.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another department compiled the plan: %v", err)
		}
		p := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		if p.Title != "2026年度实体书店扶持资金建议方案" || len(p.Projects) != 3 || p.Status != duixian.PlanCompiled {
			t.Fatalf("compiled: %q %d %s", p.Title, len(p.Projects), p.Status)
		}
		// 36万元 proposed, 25万元 granted: 2,500,000,000 fen ÷ 3, the fen left to the first.
		if p.Proposed != 360000*duixian.Yuan || p.Total != 250000*duixian.Yuan ||
			p.Projects[0].Amount != 8333334 || p.Projects[1].Amount != 8333333 || p.Projects[2].Amount != 8333333 {
			t.Fatalf("totals: proposed %d, total %d, amounts %d %d %d", p.Proposed, p.Total, p.Projects[0].Amount, p.Projects[1].Amount, p.Projects[2].Amount)
		}
		if len(p.Totals) != 1 || p.Totals[0].Amount != p.Total || p.Totals[0].Projects != 3 || p.Projects[0].Score != 54 {
			t.Fatalf("per clause: %+v, score %d", p.Totals, p.Projects[0].Score)
		}
		// No 公示 before the plan is approved, and none of one project alone.
		if _, err := s.Publish(ctx, culture, apps[0].ID, date("2026-04-01"), 5); duixian.ErrorCode(err) != duixian.ECONFLICT ||
			!strings.Contains(err.Error(), "21号第十二条") {
			t.Fatalf("a project of a plan document published alone: %v", err)
		}
		if _, err := s.PublishPlan(ctx, culture, p.ID, date("2026-04-01"), 5); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("a compiled plan published: %v", err)
		}
		p = must1[*duixian.Plan](t)(s.SubmitPlan(ctx, culture, p.ID))
		if _, err := s.PublishPlan(ctx, culture, p.ID, date("2026-04-01"), 5); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("a submitted plan published: %v", err)
		}
		if _, err := s.ApprovePlan(ctx, culture, p.ID); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("the plan approved by who submitted it: %v", err)
		}
		if _, err := s.ReturnPlan(ctx, cultureHead, p.ID, " "); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("returned without a reason: %v", err)
		}
		p = must1[*duixian.Plan](t)(s.ReturnPlan(ctx, cultureHead, p.ID, "请核对专家评分"))
		if p.Status != duixian.PlanReturned || len(p.Returns) != 1 {
			t.Fatalf("returned: %s %+v", p.Status, p.Returns)
		}
		must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		must1[*duixian.Plan](t)(s.SubmitPlan(ctx, culture, p.ID))
		p = must1[*duixian.Plan](t)(s.ApprovePlan(ctx, cultureHead, p.ID))
		if a := must(t)(s.Application(ctx, supervisor, apps[0].ID)); a.Status != duixian.StatusProposed {
			t.Fatalf("approval of the plan published a project: %s", a.Status)
		}
		clk.Set("2026-03-31")
		p = must1[*duixian.Plan](t)(s.PublishPlan(ctx, culture, p.ID, date("2026-04-01"), 5))
		if p.Publicity.Until != date("2026-04-08") {
			t.Fatalf("window until %s", p.Publicity.Until)
		}
		for i, x := range apps {
			a := must(t)(s.Application(ctx, supervisor, x.ID))
			if a.Status != duixian.StatusPublicity || a.Plan != p.ID || a.Proposed != p.Project(x.ID).Amount || !strings.Contains(a.Reduction, "等比例核减") {
				t.Fatalf("project %d in 公示: %s %q %d %q", i, a.Status, a.Plan, a.Proposed, a.Reduction)
			}
		}
		clk.Set("2026-04-02")
		upheld := must1[*duixian.Objection](t)(s.Object(ctx, public, apps[0].ID, objection("该书店未实际经营", "现场照片")))
		dismissed := must1[*duixian.Objection](t)(s.Object(ctx, public, apps[1].ID, objection("面积不实", "")))
		// No payment before the window ends.
		if _, err := s.Disburse(ctx, finance, apps[2].ID, "pay-early", paid); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("paid inside the window: %v", err)
		}
		if _, err := s.ReleasePlan(ctx, culture, p.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("released inside the window: %v", err)
		}
		if _, err := s.Approve(ctx, cultureHead, apps[2].ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("a project of the plan approved on its own: %v", err)
		}
		// The window's last day is still in it (含): released the day after.
		clk.Set(p.Publicity.Until.String())
		if _, err := s.ReleasePlan(ctx, culture, p.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("released on the window's last day %s: %v", p.Publicity.Until, err)
		}
		clk.Set(p.Publicity.Until.AddDays(1).String())
		p = must1[*duixian.Plan](t)(s.ReleasePlan(ctx, culture, p.ID))
		first, second, third := p.Project(apps[0].ID), p.Project(apps[1].ID), p.Project(apps[2].ID)
		if p.Status != duixian.PlanPublicity || first.Status != duixian.ProjectListed || second.Status != duixian.ProjectListed ||
			third.Status != duixian.ProjectReleased {
			t.Fatalf("after the window: %s %s %s %s", p.Status, first.Status, second.Status, third.Status)
		}
		// An objection holds its project, not the plan: the third is paid.
		if a := must(t)(s.Disburse(ctx, finance, apps[2].ID, "pay-3", paid)); a.Status != duixian.StatusPaid || a.Paid() != third.Amount {
			t.Fatalf("the third project paid: %s %d", a.Status, a.Paid())
		}
		if _, err := s.Disburse(ctx, finance, apps[0].ID, "pay-1", paid); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("a held project paid: %v", err)
		}
		must(t)(s.AnswerObjection(ctx, culture, apps[0].ID, upheld.ID, "经核实，该书店停业", true))
		p = must1[*duixian.Plan](t)(s.Plan(ctx, culture, p.ID))
		if p.Project(apps[0].ID).Status != duixian.ProjectRemoved || p.Total != 250000*duixian.Yuan-first.Amount || len(p.Amendments) != 1 ||
			p.Amendments[0].Before != 250000*duixian.Yuan || p.Amendments[0].After != p.Total || p.Status != duixian.PlanPublicity {
			t.Fatalf("after the upheld objection: total %d %+v %s", p.Total, p.Amendments, p.Status)
		}
		a := must(t)(s.AnswerObjection(ctx, culture, apps[1].ID, dismissed.ID, "面积经核实属实", false))
		if a.Status != duixian.StatusApproved || a.Approved != second.Amount {
			t.Fatalf("the dismissed objection's project: %s %d", a.Status, a.Approved)
		}
		p = must1[*duixian.Plan](t)(s.Plan(ctx, culture, p.ID))
		if p.Status != duixian.PlanClosed || p.Project(apps[1].ID).Status != duixian.ProjectReleased {
			t.Fatalf("the plan after every answer: %s", p.Status)
		}
		if a := must(t)(s.Disburse(ctx, finance, apps[1].ID, "pay-2", paid)); a.Status != duixian.StatusPaid {
			t.Fatalf("the released project paid: %s", a.Status)
		}
		for action, want := range map[string]int{"plan-compile": 2, "plan-submit": 2, "plan-return": 1, "plan-approve": 1, "plan-publish": 4, "plan-release": 3, "plan-amend": 1} {
			if n := auditCount(t, db, action); n != want {
				t.Errorf("%d %s entries, want %d", n, action, want)
			}
		}
		if plans, err := s.Plans(ctx, commerce); err != nil || len(plans) != 0 {
			t.Fatalf("another department's plans: %v %d", err, len(plans))
		}
	})
}

// A 免申即享 offer confirmed outside any round (offers are bound only by a
// round that says so) joins the plan of the round covering its clause, as
// an application made before rounds were kept does.
func TestOffersJoinThePlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := serviceWithoutRounds(t, db, "2026-02-02")
		id, staff := enterprise(t, s, "91110302MA01DFFR1", "丁书店有限公司")
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1", Offer: id + ":jjgf-2025-21/7.1:2026-02-01",
			EventDate: date("2026-02-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true}))
		a = must(t)(s.Submit(ctx, staff, a.ID, "offer-1"))
		passToExpert(t, s, culture, a.ID)
		must(t)(s.RecordExpertReview(ctx, expert, a.ID, map[string]int{"总分": 80}, "数据比对一致", true))
		must(t)(s.Propose(ctx, culture, a.ID, 120000*duixian.Yuan, ""))
		if a.Round != "" {
			t.Fatalf("the offer was taken in round %q", a.Round)
		}
		clk.Set("2026-03-02")
		r := must1[*duixian.Round](t)(s.PublishRound(ctx, culture, guide("jjgf-2025-21", "2026-03-02", "2026-03-31")))
		p := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		if len(p.Projects) != 1 || p.Projects[0].Application != a.ID || p.Total != 120000*duixian.Yuan {
			t.Fatalf("the plan: %+v", p.Projects)
		}
	})
}

// A project withdrawn by its applicant during 公示 leaves the plan at its
// release, is not granted, and the plan's total is counted again.
func TestWithdrawnProjectLeavesThePlan(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := serviceWithoutRounds(t, db, "2026-03-02")
		r := must1[*duixian.Round](t)(s.PublishRound(ctx, culture, guide("jjgf-2025-21", "2026-03-02", "2026-03-31")))
		kept := assessed(t, s, "91110302MA01WDKA1", "戊书店有限公司")
		gone := assessed(t, s, "91110302MA01WDGB1", "己书店有限公司")
		p := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		must1[*duixian.Plan](t)(s.SubmitPlan(ctx, culture, p.ID))
		must1[*duixian.Plan](t)(s.ApprovePlan(ctx, cultureHead, p.ID))
		must1[*duixian.Plan](t)(s.PublishPlan(ctx, culture, p.ID, date("2026-03-03"), 5))
		must(t)(s.Withdraw(ctx, duixian.Actor{User: "staff@91110302MA01WDGB1", Role: duixian.RoleEnterprise, Enterprise: gone.Enterprise}, gone.ID))
		clk.Set("2026-03-12")
		p = must1[*duixian.Plan](t)(s.ReleasePlan(ctx, culture, p.ID))
		if p.Status != duixian.PlanClosed || p.Project(gone.ID).Status != duixian.ProjectRemoved || p.Project(kept.ID).Status != duixian.ProjectReleased ||
			p.Total != 120000*duixian.Yuan {
			t.Fatalf("the plan: %s, total %d", p.Status, p.Total)
		}
		if a := must(t)(s.Application(ctx, supervisor, gone.ID)); a.Status != duixian.StatusWithdrawn {
			t.Fatalf("the withdrawn project is %s", a.Status)
		}
	})
}

// A project assessed after the round's plan went to approval goes into the
// round's next plan (第2批), which grants what is left of the round's
// budget, pro rata when short; the first plan is left as it was approved.
func TestNextPlanOfARound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := serviceWithoutRounds(t, db, "2026-03-02")
		g := guide("jjgf-2025-21", "2026-03-02", "2026-03-31")
		g.Budget = 250000 * duixian.Yuan
		r := must1[*duixian.Round](t)(s.PublishRound(ctx, culture, g))
		early := assessed(t, s, "91110302MA01NXPA1", "甲书店有限公司")
		first := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		must1[*duixian.Plan](t)(s.SubmitPlan(ctx, culture, first.ID))
		// Compiling while the first plan awaits approval starts the next
		// one; there is nothing for it yet.
		if _, err := s.CompilePlan(ctx, culture, r.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("an empty next plan compiled: %v", err)
		}
		must1[*duixian.Plan](t)(s.ApprovePlan(ctx, cultureHead, first.ID))
		must1[*duixian.Plan](t)(s.PublishPlan(ctx, culture, first.ID, date("2026-03-03"), 5))
		late := []*duixian.Application{assessed(t, s, "91110302MA01NXPB1", "乙书店有限公司"), assessed(t, s, "91110302MA01NXPC1", "丙书店有限公司")}
		next := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		if next.ID == first.ID || next.Title != "2026年度实体书店扶持资金建议方案（第2批）" || len(next.Projects) != 2 {
			t.Fatalf("the next plan: %s %q %d projects", next.ID, next.Title, len(next.Projects))
		}
		// 25万元 less the first plan's 12万元 leaves 13万元 for 24万元 proposed.
		if next.Budget != 130000*duixian.Yuan || next.Total != 130000*duixian.Yuan ||
			next.Project(late[0].ID).Amount != 6500000 || next.Project(late[1].ID).Amount != 6500000 {
			t.Fatalf("the next plan's budget %d, total %d", next.Budget, next.Total)
		}
		// Compiled again, it stays the same next plan.
		if again := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID)); again.ID != next.ID {
			t.Fatalf("compiled again into %s, not %s", again.ID, next.ID)
		}
		if p := must1[*duixian.Plan](t)(s.Plan(ctx, culture, first.ID)); len(p.Projects) != 1 || p.Project(early.ID) == nil || p.Status != duixian.PlanPublicity {
			t.Fatalf("the first plan changed: %d projects, %s", len(p.Projects), p.Status)
		}
		must1[*duixian.Plan](t)(s.SubmitPlan(ctx, culture, next.ID))
		must1[*duixian.Plan](t)(s.ApprovePlan(ctx, cultureHead, next.ID))
		clk.Set("2026-03-04")
		must1[*duixian.Plan](t)(s.PublishPlan(ctx, culture, next.ID, date("2026-03-04"), 5))
		// Every project of the round is now in a plan and the budget is
		// spent: a third plan has neither projects nor money.
		assessed(t, s, "91110302MA01NXPD1", "丁书店有限公司")
		if _, err := s.CompilePlan(ctx, culture, r.ID); duixian.ErrorCode(err) != duixian.ECONFLICT || !strings.Contains(err.Error(), "预算") {
			t.Fatalf("a plan past the round's budget: %v", err)
		}
	})
}

// A database from before the plan keeps its history: a 21号 project that
// was published alone then is approved alone after its window, as it was
// published, and no plan gathers it; one only proposed then goes into the
// round's plan like any other.
func TestPublishedBeforePlansIsApprovedAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := serviceWithoutRounds(t, db, "2026-03-02")
		r := must1[*duixian.Round](t)(s.PublishRound(ctx, culture, guide("jjgf-2025-21", "2026-03-02", "2026-03-31")))
		old := assessed(t, s, "91110302MA01LDGA1", "甲书店有限公司")
		proposed := assessed(t, s, "91110302MA01LDGB1", "乙书店有限公司")
		// As the old order left it: in 公示 alone, in no plan.
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			a, err := tx.Application(old.ID, true)
			if err != nil {
				return err
			}
			a.Status, a.Publicity = duixian.StatusPublicity, &duixian.Publicity{From: date("2026-03-02"), Until: date("2026-03-06"), Days: 5}
			return tx.PutApplication(a)
		}); err != nil {
			t.Fatal(err)
		}
		p := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		if len(p.Projects) != 1 || p.Projects[0].Application != proposed.ID {
			t.Fatalf("the plan gathered %+v", p.Projects)
		}
		clk.Set("2026-03-09")
		if a := must(t)(s.Approve(ctx, cultureHead, old.ID)); a.Status != duixian.StatusApproved || a.Approved != 120000*duixian.Yuan {
			t.Fatalf("the project published alone: %s %d", a.Status, a.Approved)
		}
	})
}

// The plan is approved by whom the department names (建议方案获得批准: the
// 管委会's official here), from outside it: then only they approve or
// return it, they read it, and the department keeps its other steps.
func TestNamedPlanApprover(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := serviceWithoutRounds(t, db, "2026-03-02")
		r := must1[*duixian.Round](t)(s.PublishRound(ctx, culture, guide("jjgf-2025-21", "2026-03-02", "2026-03-31")))
		assessed(t, s, "91110302MA01NMDA1", "甲书店有限公司")
		committee := duixian.Actor{User: "guanweihui", Role: duixian.RoleReviewer, Department: "管委会"}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.PutUser(&duixian.User{Name: committee.User, Role: committee.Role, Department: committee.Department})
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetDepartment(ctx, admin, duixian.Department{Name: "宣传文化部", PlanApprovers: []string{"nobody"}}); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("an approver with no account named: %v", err)
		}
		if err := s.SetDepartment(ctx, admin, duixian.Department{Name: "宣传文化部", PlanApprovers: []string{committee.User}}); err != nil {
			t.Fatal(err)
		}
		p := must1[*duixian.Plan](t)(s.CompilePlan(ctx, culture, r.ID))
		if _, err := s.Plan(ctx, committee, p.ID); err != nil {
			t.Fatalf("the named approver cannot read the plan: %v", err)
		}
		if _, err := s.SubmitPlan(ctx, committee, p.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("the approver submitted the department's plan: %v", err)
		}
		must1[*duixian.Plan](t)(s.SubmitPlan(ctx, culture, p.ID))
		if _, err := s.ApprovePlan(ctx, cultureHead, p.ID); duixian.ErrorCode(err) != duixian.EFORBIDDEN || !strings.Contains(err.Error(), committee.User) {
			t.Fatalf("the department approved a plan it has another approve: %v", err)
		}
		if ok, err := s.ApprovesPlan(ctx, cultureHead, p); ok || err != nil {
			t.Fatalf("the page would offer the department's head approval: %v %v", ok, err)
		}
		if ok, err := s.ApprovesPlan(ctx, committee, p); !ok || err != nil {
			t.Fatalf("the page would not offer the named approver approval: %v %v", ok, err)
		}
		p = must1[*duixian.Plan](t)(s.ApprovePlan(ctx, committee, p.ID))
		if p.Status != duixian.PlanApproved || p.ApprovedBy != committee.User {
			t.Fatalf("approved: %s by %s", p.Status, p.ApprovedBy)
		}
		if _, err := s.PublishPlan(ctx, committee, p.ID, date("2026-03-03"), 5); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("the approver published the department's plan: %v", err)
		}
		must1[*duixian.Plan](t)(s.PublishPlan(ctx, culture, p.ID, date("2026-03-03"), 5))
		if _, err := s.Plan(ctx, commerce, p.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another department read the plan: %v", err)
		}
	})
}

// A project the engine refuses at the plan's release (the enterprise fell
// under 21号第十四条's ban after the plan was published) holds the whole
// plan, named with its reasons, and nothing goes to payment; rejected by
// the department, it leaves the plan and the rest is released.
func TestRefusedProjectHoldsThePlanNamed(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		held := proposedFusion(t, s, staff)
		kept := assessed(t, s, "91110302MA01HLDK1", "乙书店有限公司")
		held = workflowtest.Publish(t, s, culture, cultureHead, held.ID, date("2026-03-02"), 5)
		revoked := payQuarterHour(t, s, clk, staff, "2026-03-01") // clock: 03-10, the window over
		must(t)(s.Revoke(ctx, supervisor, revoked.ID, "经查实提供虚假租赁合同"))

		_, err := s.ReleasePlan(ctx, culture, held.Plan)
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED || e.Field != "application" || !strings.Contains(e.Zh, held.ID) ||
			!strings.Contains(e.Zh, "不予通过") || !strings.Contains(e.Zh, "21号第十四条") || !strings.Contains(e.En, held.ID) || len(e.Reasons) == 0 {
			t.Fatalf("the refusal does not name the project, its reasons and what to do: %v", err)
		}
		if a := must(t)(s.Application(ctx, culture, kept.ID)); a.Status != duixian.StatusPublicity {
			t.Fatalf("a project went to payment while the plan was held: %s", a.Status)
		}
		must(t)(s.Reject(ctx, culture, held.ID, "公示期间因提供虚假材料被撤销其他奖励，三年内不得享受21号扶持"))
		p := must1[*duixian.Plan](t)(s.ReleasePlan(ctx, culture, held.Plan))
		if p.Status != duixian.PlanClosed || p.Project(held.ID).Status != duixian.ProjectRemoved || p.Project(kept.ID).Status != duixian.ProjectReleased {
			t.Fatalf("after the rejection: %s", p.Status)
		}
	})
}
