package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// KindPlan is the record kind of an annual plan (年度扶持资金建议方案); its
// subject is the document.
const KindPlan = "plan"

// PlanID is the id of a round's n-th plan (n from 1): the first is
// P-<round>; one compiled after it went to approval — a 补充方案 for the
// projects assessed later — P-<round>-n.
func PlanID(round string, n int) string {
	if n <= 1 {
		return "P-" + round
	}
	return fmt.Sprintf("P-%s-%d", round, n)
}

func noPlan(id string) error {
	return duixian.Errorf(duixian.ENOTFOUND, "plan", "没有建议方案 %s", "no plan %s", id)
}

// planStep is one change to a plan: from which states, and what it does.
// Every step is a reviewer's of the plan's department.
type planStep struct {
	action string
	from   []duixian.PlanStatus
	// lock, when set, is taken before the plan is read.
	lock func(tx *sqldb.Tx) error
	// create makes the plan when it is not there yet (Compile).
	create func(tx *sqldb.Tx) (*duixian.Plan, error)
	check  func(tx *sqldb.Tx, p *duixian.Plan) error
	apply  func(tx *sqldb.Tx, p *duixian.Plan) error
	// approving: the step is the approver's (approve, return), whom the
	// department may name outside itself (Department.PlanApprovers).
	approving bool
}

// runPlan runs step on plan id as one casework transition: the plan and
// every application it changes are saved, and each audited, in one
// transaction.
func (s *Service) runPlan(ctx context.Context, actor duixian.Actor, id string, step planStep) (*duixian.Plan, error) {
	var rec *sqldb.Record
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*duixian.Plan, duixian.PlanStatus]{
		Action: step.action, Subject: id, Roles: []duixian.Role{duixian.RoleReviewer}, From: step.from,
		Load: func(tx *sqldb.Tx) (*duixian.Plan, error) {
			if step.lock != nil {
				if err := step.lock(tx); err != nil {
					return nil, err
				}
			}
			var err error
			rec, err = tx.Record(KindPlan, id, true)
			if duixian.ErrorCode(err) == duixian.ENOTFOUND && step.create != nil {
				p, err := step.create(tx)
				rec = nil
				return p, err
			}
			if duixian.ErrorCode(err) == duixian.ENOTFOUND {
				return nil, noPlan(id)
			}
			if err != nil {
				return nil, err
			}
			var p duixian.Plan
			return &p, json.Unmarshal(rec.Doc, &p)
		},
		Check: func(tx *sqldb.Tx, p *duixian.Plan) error {
			d, _, err := tx.Department(p.Department)
			if err != nil {
				return err
			}
			named := slices.Contains(d.PlanApprovers, actor.User)
			if p.Department != actor.Department && !(step.approving && named) {
				return casework.Unseen(noPlan(id))
			}
			if step.approving && len(d.PlanApprovers) > 0 && !named {
				return duixian.Forbidden("%s的建议方案由%s批准或退回", "%s's plans are approved or returned by %s", p.Department, strings.Join(d.PlanApprovers, "、"))
			}
			if step.check != nil {
				return step.check(tx, p)
			}
			return nil
		},
		State: func(p *duixian.Plan) duixian.PlanStatus { return p.Status },
		Apply: step.apply,
		Save: func(tx *sqldb.Tx, p *duixian.Plan) error {
			doc, err := json.Marshal(p)
			if err != nil {
				return err
			}
			if rec == nil {
				rec = &sqldb.Record{Kind: KindPlan, ID: p.ID, Subject: p.Document}
			}
			rec.Doc = doc
			return tx.PutRecord(rec)
		},
	})
}

// planDocument is the document of a round whose procedure uses the plan.
func (s *Service) planDocument(r *duixian.Round) (*engine.Document, error) {
	d, ok := s.Catalogue.Document(r.Document)
	if !ok || !d.Procedure.Plan {
		return nil, duixian.Errorf(duixian.EINVALID, "round", "%s不按年度扶持资金建议方案办理，逐项公示、批准", "%s does not use an annual plan; its applications are published and approved one by one", r.Document)
	}
	return d, nil
}

// CompilePlan gathers a round's projects into its plan (汇总研提年度扶持资金
// 建议方案, 21号第十二条（三）): every application of the round's clauses
// whose amount the department proposed (拟定金额, after 专家评审) and that
// is in no other plan — those taken in the round, and those taken with no
// round (免申即享 offers not bound to it, applications made before rounds
// were kept). Compiled again while it is not submitted, or after it was
// returned, it gathers afresh. Once a plan of the round has gone to
// approval, compiling starts the round's next plan, for the projects
// assessed since. The amounts are the proposals, reduced pro rata to what
// is left of the round's budget when they exceed it.
func (s *Service) CompilePlan(ctx context.Context, actor duixian.Actor, round string) (*duixian.Plan, error) {
	id, n, err := s.openPlan(ctx, round)
	if err != nil {
		return nil, err
	}
	var r *duixian.Round
	var doc *engine.Document
	return s.runPlan(ctx, actor, id, planStep{action: "plan-compile",
		from: []duixian.PlanStatus{"", duixian.PlanCompiled, duixian.PlanReturned},
		// Two officials compiling the round's next plan at once make one
		// plan: the second waits here and compiles the first's again.
		lock: func(tx *sqldb.Tx) error {
			_, err := tx.Record(KindRound, round, true)
			return err
		},
		create: func(tx *sqldb.Tx) (*duixian.Plan, error) {
			var err error
			if r, err = roundByID(tx, round); err != nil {
				return nil, err
			}
			if doc, err = s.planDocument(r); err != nil {
				return nil, err
			}
			title := fmt.Sprintf("%d年度%s扶持资金建议方案", r.Year, doc.Procedure.Subject)
			if n > 1 {
				title += fmt.Sprintf("（第%d批）", n)
			}
			return &duixian.Plan{ID: id, Document: r.Document, Department: r.Department, Round: r.ID, Year: r.Year,
				Title: title, Budget: r.Budget}, nil
		},
		apply: func(tx *sqldb.Tx, p *duixian.Plan) error {
			var err error
			if r, err = roundByID(tx, round); err != nil {
				return err
			}
			if doc, err = s.planDocument(r); err != nil {
				return err
			}
			taken, spent, err := s.inOtherPlans(tx, p)
			if err != nil {
				return err
			}
			p.Budget = 0
			if r.Budget > 0 {
				if p.Budget = r.Budget - spent; p.Budget <= 0 {
					return duixian.Conflict("本批次预算%s已由此前的建议方案用完", "the round's budget of %s is spent by its earlier plans", r.Budget.Wan())
				}
			}
			var clauses []string
			for _, cl := range doc.Clauses() {
				if r.Covers(cl.ID) {
					clauses = append(clauses, cl.ID)
				}
			}
			apps, err := tx.Applications(sqldb.ApplicationFilter{Status: duixian.StatusProposed, Clauses: clauses})
			if err != nil {
				return err
			}
			p.Projects = p.Projects[:0]
			for _, a := range apps {
				if a.Round != "" && a.Round != r.ID || a.Plan != "" || taken[a.ID] {
					continue
				}
				e, err := tx.Enterprise(a.Enterprise, false)
				if err != nil {
					return err
				}
				cl, _ := s.Catalogue.Clause(a.Clause)
				pr := duixian.PlanProject{Application: a.ID, Enterprise: a.Enterprise, Name: e.Name, Clause: a.Clause, Title: cl.Title,
					Project: a.Project, Proposed: a.Proposed, Status: duixian.ProjectListed}
				if a.Expert != nil {
					pr.Scores = a.Expert.Scores
					for _, v := range a.Expert.Scores {
						pr.Score += v
					}
				}
				p.Projects = append(p.Projects, pr)
			}
			if len(p.Projects) == 0 {
				return duixian.Conflict("本批次没有已拟定金额、尚未列入建议方案的项目", "the round has no project with a proposed amount that is not in a plan")
			}
			slices.SortFunc(p.Projects, func(a, b duixian.PlanProject) int {
				if c := strings.Compare(a.Clause, b.Clause); c != 0 {
					return c
				}
				return strings.Compare(a.Application, b.Application)
			})
			if err := p.Allot(); err != nil {
				return err
			}
			p.Status, p.CompiledBy, p.Compiled, p.SubmittedBy = duixian.PlanCompiled, actor.User, s.Now(), ""
			return nil
		}})
}

// openPlan is the id of the plan of round that compiling changes, and its
// number in the round: the plan not yet gone to approval (compiled, or
// returned), or else the next.
func (s *Service) openPlan(ctx context.Context, round string) (string, int, error) {
	var id string
	var n int
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		r, err := roundByID(tx, round)
		if err != nil {
			return err
		}
		plans, err := s.roundPlans(tx, r.Document, round)
		if err != nil {
			return err
		}
		for _, p := range plans {
			if p.Status == duixian.PlanCompiled || p.Status == duixian.PlanReturned {
				id = p.ID
				return nil
			}
		}
		n = len(plans) + 1
		id = PlanID(round, n)
		return nil
	})
	return id, n, err
}

// roundPlans are the plans of one round of document.
func (s *Service) roundPlans(tx *sqldb.Tx, document, round string) ([]*duixian.Plan, error) {
	recs, err := tx.Records(KindPlan, document)
	if err != nil {
		return nil, err
	}
	var out []*duixian.Plan
	for _, rec := range recs {
		var p duixian.Plan
		if err := json.Unmarshal(rec.Doc, &p); err != nil {
			return nil, err
		}
		if p.Round == round {
			out = append(out, &p)
		}
	}
	return out, nil
}

// inOtherPlans are the applications listed in the document's other
// plans, and what the round's other plans grant.
func (s *Service) inOtherPlans(tx *sqldb.Tx, p *duixian.Plan) (taken map[string]bool, spent duixian.Money, err error) {
	recs, err := tx.Records(KindPlan, p.Document)
	if err != nil {
		return nil, 0, err
	}
	taken = map[string]bool{}
	for _, rec := range recs {
		if rec.ID == p.ID {
			continue
		}
		var o duixian.Plan
		if err := json.Unmarshal(rec.Doc, &o); err != nil {
			return nil, 0, err
		}
		for _, pr := range o.Projects {
			if pr.Status != duixian.ProjectRemoved {
				taken[pr.Application] = true
			}
		}
		if o.Round == p.Round {
			spent += o.Total
		}
	}
	return taken, spent, nil
}

// SubmitPlan submits a compiled plan for approval.
func (s *Service) SubmitPlan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error) {
	return s.runPlan(ctx, actor, id, planStep{action: "plan-submit", from: []duixian.PlanStatus{duixian.PlanCompiled},
		apply: func(tx *sqldb.Tx, p *duixian.Plan) error {
			p.Status, p.SubmittedBy = duixian.PlanSubmitted, actor.User
			return nil
		}})
}

// ApprovePlan approves a submitted plan (建议方案获得批准): one of the
// approvers the department named (Department.PlanApprovers), or, when it
// named none, another official of the department; never the one who
// compiled or submitted it, unless the department turned separation of
// duties off. Every project
// must still await publicity with the amount it was compiled with: a
// withdrawn or rejected one needs the plan compiled again.
func (s *Service) ApprovePlan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error) {
	return s.runPlan(ctx, actor, id, planStep{action: "plan-approve", from: []duixian.PlanStatus{duixian.PlanSubmitted}, approving: true,
		check: func(tx *sqldb.Tx, p *duixian.Plan) error {
			if actor.User != p.CompiledBy && actor.User != p.SubmittedBy {
				return nil
			}
			d, _, err := tx.Department(p.Department)
			if err != nil || d.SelfApproval {
				return err
			}
			return duixian.Errorf(duixian.EFORBIDDEN, "actor", "职责分离：建议方案由您汇总或提交，须由他人批准", "separation of duties: you compiled or submitted the plan, so someone else must approve it")
		},
		apply: func(tx *sqldb.Tx, p *duixian.Plan) error {
			for _, pr := range p.Projects {
				a, err := tx.Application(pr.Application, true)
				if err != nil {
					return err
				}
				if a.Status != duixian.StatusProposed || a.Proposed != pr.Proposed {
					return duixian.Conflict("项目 %s 已变更（%s），请重新汇总建议方案", "project %s changed (%s); compile the plan again", a.ID, a.Status.Zh())
				}
			}
			p.Status, p.ApprovedBy, p.Approved = duixian.PlanApproved, actor.User, s.Now()
			return nil
		}})
}

// ReturnPlan sends a submitted plan back with the approver's reasons; the
// department compiles it again. Who may approve it may return it.
func (s *Service) ReturnPlan(ctx context.Context, actor duixian.Actor, id, reason string) (*duixian.Plan, error) {
	return s.runPlan(ctx, actor, id, planStep{action: "plan-return", from: []duixian.PlanStatus{duixian.PlanSubmitted}, approving: true,
		apply: func(tx *sqldb.Tx, p *duixian.Plan) error {
			if strings.TrimSpace(reason) == "" {
				return duixian.Errorf(duixian.EINVALID, "reason", "须写明退回理由", "a reason is required")
			}
			p.Status = duixian.PlanReturned
			p.Returns = append(p.Returns, duixian.PlanNote{By: actor.User, At: s.Now(), Reason: reason})
			return nil
		}})
}

// PublishPlan publishes an approved plan's projects together for a number
// of working days from start (一个公示期): each project's application
// goes from proposed to publicity with the plan's window and the amount
// the plan grants, each change audited. Before approval there is no 公示.
func (s *Service) PublishPlan(ctx context.Context, actor duixian.Actor, id string, start duixian.Date, days int) (*duixian.Plan, error) {
	return s.runPlan(ctx, actor, id, planStep{action: "plan-publish", from: []duixian.PlanStatus{duixian.PlanApproved},
		apply: func(tx *sqldb.Tx, p *duixian.Plan) error {
			w, err := s.publicityWindow(start, days)
			if err != nil {
				return err
			}
			p.Publicity, p.Status = w, duixian.PlanPublicity
			for _, pr := range p.Projects {
				err := s.planApplication(tx, actor, pr.Application, "plan-publish", func(a *duixian.Application) error {
					if a.Status != duixian.StatusProposed {
						return duixian.Conflict("项目 %s 已变更（%s），请重新汇总建议方案", "project %s changed (%s); compile the plan again", a.ID, a.Status.Zh())
					}
					if pr.Amount < a.Proposed {
						a.Reduction = fmt.Sprintf("年度扶持资金建议方案按预算%s等比例核减，由%s核减为%s", p.Budget.Wan(), a.Proposed.Wan(), pr.Amount.Wan())
					}
					a.Proposed, a.Publicity, a.Plan, a.Status = pr.Amount, w, p.ID, duixian.StatusPublicity
					return nil
				})
				if err != nil {
					return err
				}
			}
			return nil
		}})
}

// ReleasePlan, once the window has ended, sends to payment every project
// against which no objection is open (公示期满后，对公示无异议的项目，履行资金
// 拨付程序): the engine re-decides each beside the year's approved awards
// under its enterprise's lock, as Approve does, and the award goes to the
// ledger. A project an objection holds waits for its answer; the plan is
// closed when none waits.
func (s *Service) ReleasePlan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error) {
	return s.runPlan(ctx, actor, id, planStep{action: "plan-release", from: []duixian.PlanStatus{duixian.PlanPublicity},
		apply: func(tx *sqldb.Tx, p *duixian.Plan) error {
			if !s.today().After(p.Publicity.Until) {
				return duixian.Conflict("公示期至%s，期满后方可转入拨付", "publicity runs until %s; projects go to payment after it ends", p.Publicity.Until)
			}
			for i := range p.Projects {
				if err := s.release(tx, actor, p, &p.Projects[i]); err != nil {
					return err
				}
			}
			closePlan(p)
			return nil
		}})
}

// release sends one listed project without an open objection to payment.
func (s *Service) release(tx *sqldb.Tx, actor duixian.Actor, p *duixian.Plan, pr *duixian.PlanProject) error {
	if pr.Status != duixian.ProjectListed {
		return nil
	}
	held, gone := false, false
	err := s.planApplication(tx, actor, pr.Application, "plan-release", func(a *duixian.Application) error {
		switch {
		case a.Status != duixian.StatusPublicity:
			// Withdrawn by its applicant or rejected in 公示: it leaves
			// the plan, whose total is counted again.
			gone = true
			return errHeld
		case slices.ContainsFunc(a.Objections, func(o duixian.Objection) bool { return o.Answered.IsZero() }):
			held = true
			return errHeld
		}
		return s.grant(tx, a)
	})
	switch {
	case gone:
		pr.Status = duixian.ProjectRemoved
		p.Tally()
		return nil
	case held:
		return nil
	case err == nil:
		pr.Status = duixian.ProjectReleased
		return nil
	}
	// The engine refused one project (a ban, a cap reached since it was
	// published): the plan waits, and the department must know which
	// project holds it and what to do with it.
	var e *duixian.Error
	if errors.As(err, &e) && e.Code == duixian.EREFUSED {
		var zh, en []string
		for _, r := range e.Reasons {
			zh, en = append(zh, r.Zh+"（"+r.Cite.String()+"）"), append(en, r.En)
		}
		return &duixian.Error{Code: e.Code, Field: "application", Reasons: e.Reasons,
			Zh: fmt.Sprintf("项目 %s（%s）重新判定不能批准——%s。方案未转入拨付；请对该项目作不予通过处理后重新转入拨付", pr.Application, pr.Name, strings.Join(zh, "；")),
			En: fmt.Sprintf("project %s (%s) cannot be approved when decided again: %s. Nothing went to payment; reject that project, then release the plan again", pr.Application, pr.Name, strings.Join(en, "; "))}
	}
	return err
}

// errHeld leaves a project an objection holds, or one no longer in 公示,
// as it is.
var errHeld = duixian.Conflict("有尚未答复的异议", "an objection is open")

// grant approves a after its 公示 (Approve, and a plan's projects): the
// engine re-decides it beside the year's approved awards under the
// enterprise's lock, never for more than was published, and the award is
// booked to the ledger.
func (s *Service) grant(tx *sqldb.Tx, a *duixian.Application) error {
	d, err := s.redecide(tx, a)
	if err != nil {
		return err
	}
	if d.Amount < a.Proposed {
		return refused(duixian.Decision{Reasons: append(d.Reasons, duixian.Reason{Code: a.Clause + ":reduced",
			Zh: fmt.Sprintf("按本年度已批准事项重新计算，可批准金额为%s，低于公示金额%s", d.Amount.Wan(), a.Proposed.Wan()),
			En: fmt.Sprintf("beside this year's approved awards only %s can be approved, less than the published %s", d.Amount, a.Proposed)})})
	}
	a.Approved, a.Status = a.Proposed, duixian.StatusApproved
	return tx.PutAward(duixian.Award{Application: a.ID, Enterprise: a.Enterprise, Clause: a.Clause, Year: a.Year,
		Project: a.Project, EventDate: a.EventDate, Amount: a.Approved})
}

// closePlan closes a plan in 公示 none of whose projects waits: each has
// gone to payment or out of the plan.
func closePlan(p *duixian.Plan) {
	if p.Status != duixian.PlanPublicity || slices.ContainsFunc(p.Projects, func(pr duixian.PlanProject) bool { return pr.Status == duixian.ProjectListed }) {
		return
	}
	p.Status = duixian.PlanClosed
}

// planApplication changes application id inside a plan's transition: it
// is locked, changed, saved and audited under action with its state before
// and after, in the plan's transaction. errHeld changes nothing.
func (s *Service) planApplication(tx *sqldb.Tx, actor duixian.Actor, id, action string, change func(a *duixian.Application) error) error {
	a, err := tx.Application(id, true)
	if err != nil {
		return err
	}
	before := a.Status
	if err := change(a); err != nil {
		return err
	}
	a.Updated = s.Now()
	if err := tx.PutApplication(a); err != nil {
		return err
	}
	return tx.Audit(s.desk().Entry(actor, action, a.ID, string(before), string(a.Status)))
}

// publicityWindow is a 公示 window of days working days from start.
func (s *Service) publicityWindow(start duixian.Date, days int) (*duixian.Publicity, error) {
	if days < 1 {
		return nil, duixian.Errorf(duixian.EINVALID, "days", "公示期至少1个工作日", "publicity lasts at least one working day")
	}
	if start.Before(s.today()) {
		return nil, duixian.Errorf(duixian.EINVALID, "start", "公示不能从过去的日期开始", "publicity cannot start in the past")
	}
	until, err := s.Calendar.AddWorkdays(start, days)
	if err != nil {
		return nil, err
	}
	return &duixian.Publicity{From: start, Until: until, Days: days}, nil
}

// planAnswered keeps a plan's projects in step with an answered objection
// to one of them (in AnswerObjection's transaction): upheld, the project
// leaves the plan and the plan's amended total is recorded and audited;
// dismissed after the window, with no other objection open, the project
// goes to payment.
func (s *Service) planAnswered(tx *sqldb.Tx, actor duixian.Actor, a *duixian.Application, objection string, upheld bool) error {
	rec, err := tx.Record(KindPlan, a.Plan, true)
	if err != nil {
		return err
	}
	var p duixian.Plan
	if err := json.Unmarshal(rec.Doc, &p); err != nil {
		return err
	}
	pr := p.Project(a.ID)
	if pr == nil || pr.Status != duixian.ProjectListed {
		return nil
	}
	before := p.Status
	switch {
	case upheld:
		total := p.Total
		pr.Status = duixian.ProjectRemoved
		p.Tally()
		p.Amendments = append(p.Amendments, duixian.PlanAmendment{Application: a.ID, Objection: objection, Amount: pr.Amount,
			Before: total, After: p.Total, By: actor.User, At: s.Now()})
		if err := tx.Audit(s.desk().Entry(actor, "plan-amend", p.ID, string(before),
			fmt.Sprintf("%s：%s→%s", a.ID, total.Wan(), p.Total.Wan()))); err != nil {
			return err
		}
	case s.today().After(p.Publicity.Until) && !slices.ContainsFunc(a.Objections, func(o duixian.Objection) bool { return o.Answered.IsZero() }):
		if err := s.grant(tx, a); err != nil {
			return err
		}
		pr.Status = duixian.ProjectReleased
	default:
		return nil
	}
	closePlan(&p)
	if p.Status != before {
		if err := tx.Audit(s.desk().Entry(actor, "plan-release", p.ID, string(before), string(p.Status))); err != nil {
			return err
		}
	}
	rec.Doc, err = json.Marshal(&p)
	if err != nil {
		return err
	}
	return tx.PutRecord(rec)
}

// Plans lists the plans of the actor's department (officials of finance,
// supervision and administration: all), newest round first.
func (s *Service) Plans(ctx context.Context, actor duixian.Actor) ([]*duixian.Plan, error) {
	out := []*duixian.Plan{}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		for _, d := range s.Catalogue.Documents() {
			if !d.Procedure.Plan {
				continue
			}
			recs, err := tx.Records(KindPlan, d.ID)
			if err != nil {
				return err
			}
			for _, rec := range recs {
				var p duixian.Plan
				if err := json.Unmarshal(rec.Doc, &p); err != nil {
					return err
				}
				ok, err := mayReadPlan(tx, actor, &p)
				if err != nil {
					return err
				}
				if ok {
					out = append(out, &p)
				}
			}
		}
		return nil
	})
	slices.SortFunc(out, func(a, b *duixian.Plan) int { return strings.Compare(b.ID, a.ID) })
	return out, err
}

// Plan reads one plan as actor may see it.
func (s *Service) Plan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error) {
	var p *duixian.Plan
	var ok bool
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) {
		if p, err = s.planIn(tx, id); err != nil {
			return err
		}
		ok, err = mayReadPlan(tx, actor, p)
		return err
	})
	if duixian.ErrorCode(err) == duixian.ENOTFOUND || err == nil && !ok {
		return nil, noPlan(id)
	}
	return p, err
}

func (s *Service) planIn(tx *sqldb.Tx, id string) (*duixian.Plan, error) {
	rec, err := tx.Record(KindPlan, id, false)
	if err != nil {
		return nil, err
	}
	var p duixian.Plan
	return &p, json.Unmarshal(rec.Doc, &p)
}

// ApprovesPlan says whether actor is whom p's department has approve and
// return its plans: one it named, or, when it named none, one of its own
// reviewers (separation of duties aside).
func (s *Service) ApprovesPlan(ctx context.Context, actor duixian.Actor, p *duixian.Plan) (bool, error) {
	if actor.Role != duixian.RoleReviewer {
		return false, nil
	}
	var ok bool
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		d, _, err := tx.Department(p.Department)
		if len(d.PlanApprovers) > 0 {
			ok = slices.Contains(d.PlanApprovers, actor.User)
		} else {
			ok = actor.Department == p.Department
		}
		return err
	})
	return ok, err
}

// mayReadPlan: a reviewer their department's plans and those the
// department named them to approve; finance, supervision and
// administrators every plan. What the public sees of a plan in 公示 is its
// projects on the 公示 page.
func mayReadPlan(tx *sqldb.Tx, actor duixian.Actor, p *duixian.Plan) (bool, error) {
	switch actor.Role {
	case duixian.RoleReviewer:
		if actor.Department == p.Department {
			return true, nil
		}
		d, _, err := tx.Department(p.Department)
		return slices.Contains(d.PlanApprovers, actor.User), err
	case duixian.RoleFinance, duixian.RoleSupervisor, duixian.RoleAdmin:
		return true, nil
	}
	return false, nil
}
