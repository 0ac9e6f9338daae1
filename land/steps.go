package land

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/sqldb"
	"github.com/govalues/decimal"
)

// Actions, as they appear in routes, the audit log and the history.
const (
	ActStart        = "start"
	ActPlan         = "plan"
	ActConsult      = "consult"
	ActOpinion      = "opinion"
	ActReturn       = "return"
	ActReview       = "review"
	ActNotice       = "notice"
	ActCommittee    = "committee"
	ActApproval     = "approval"
	ActContract     = "contract"
	ActRegistration = "registration"
	ActReject       = "reject"
	ActWithdraw     = "withdraw"
)

// Rule says who may take a step and from which states.
type Rule struct {
	Action string
	Zh     string
	Roles  []duixian.Role
	// Department a reviewer must belong to (see department).
	Department string
	// Owner: the actor must act for the case's holder.
	Owner bool
	From  []State
}

// Rules is the state machine's table, in the order of the path.
var Rules = []Rule{
	{Action: ActPlan, Zh: "提交地块规划综合实施方案", Roles: []duixian.Role{duixian.RoleEnterprise}, Owner: true, From: []State{StatePlan}},
	{Action: ActConsult, Zh: "通过“多规合一”平台征求意见", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptPlanning, From: []State{StateReview}},
	{Action: ActOpinion, Zh: "出具（登记）部门或公用服务企业意见", Roles: []duixian.Role{duixian.RoleCoReviewer, duixian.RoleReviewer}, From: []State{StateReview}},
	{Action: ActReturn, Zh: "退回修改方案", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptPlanning, From: []State{StateReview}},
	{Action: ActReview, Zh: "审核通过", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptPlanning, From: []State{StateReview}},
	{Action: ActNotice, Zh: "社会公示", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptPlanning, From: []State{StateReviewed}},
	{Action: ActCommittee, Zh: "管委会审查", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptCommittee, From: []State{StateNotice}},
	{Action: ActApproval, Zh: "出具审定意见", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptPlanning, From: []State{StateCommitteePassed}},
	{Action: ActContract, Zh: "签订出让合同或补充协议，核定土地价款", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptDevelopment, From: []State{StateApproved}},
	{Action: ActRegistration, Zh: "不动产登记与注记", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptRegistry, From: []State{StateContracted}},
	{Action: ActReject, Zh: "不予通过", Roles: []duixian.Role{duixian.RoleReviewer}, Department: DeptPlanning, From: []State{StateReview, StateReviewed}},
	{Action: ActWithdraw, Zh: "撤回申请", Roles: []duixian.Role{duixian.RoleEnterprise}, Owner: true,
		From: []State{StatePlan, StateReview, StateReviewed, StateNotice}},
}

// RuleOf finds the rule of an action.
func RuleOf(action string) (Rule, bool) {
	i := slices.IndexFunc(Rules, func(r Rule) bool { return r.Action == action })
	if i < 0 {
		return Rule{}, false
	}
	return Rules[i], true
}

// department is who takes a step on c. Registration is 土储建设中心's
// (第七条（一）（二）), except that the 过渡期 annotation of 第七条（三） is
// made on the construction planning permit, which 规自分局 issues.
func (s *Service) department(tx *sqldb.Tx, r Rule, c *Case) (string, error) {
	if r.Action != ActRegistration {
		return r.Department, nil
	}
	d, err := s.annotation(tx, c)
	if err != nil {
		return "", err
	}
	if d.Outcome == AnnotationTransition {
		return DeptPlanning, nil
	}
	return DeptRegistry, nil
}

func (s *Service) annotation(tx *sqldb.Tx, c *Case) (duixian.Decision, error) {
	facts, err := s.facts(c)
	if err != nil {
		return duixian.Decision{}, err
	}
	d, _, err := s.evaluate(tx, ClauseAnnotation, c.Applied, facts)
	return d, err
}

// allowed checks what a step's roles and states do not say: who may see
// the case, whose it is, and which department takes the step.
func (s *Service) allowed(tx *sqldb.Tx, actor duixian.Actor, r Rule, c *Case) error {
	if !MayRead(actor, c) {
		return casework.Unseen(notFound(c.ID))
	}
	if r.Owner && actor.Enterprise != c.Enterprise {
		return duixian.Forbidden("只能办理本企业的用地规划案件", "you may act only for your own enterprise")
	}
	dept, err := s.department(tx, r, c)
	if err != nil {
		return err
	}
	if r.Action == ActOpinion {
		switch actor.Role {
		case duixian.RoleReviewer:
			dept = DeptPlanning // recording an answer given on the 多规合一 platform
		case duixian.RoleCoReviewer:
			dept = ""
			if !slices.ContainsFunc(c.Opinions, func(o Opinion) bool { return o.Party == actor.Department && o.Given.IsZero() }) {
				return duixian.Forbidden("未征求%s的意见，或已出具", "%s was not consulted, or has answered", actor.Department)
			}
		}
	}
	if dept != "" && actor.Role == duixian.RoleReviewer && actor.Department != dept {
		return duixian.Forbidden("“%s”由%s办理，%s无权办理", "the step %s belongs to %s, not %s", r.Zh, dept, actor.Department)
	}
	return nil
}

// Actions lists the steps actor may take on c now (for the pages).
func (s *Service) Actions(ctx context.Context, actor duixian.Actor, c *Case) ([]Rule, error) {
	var out []Rule
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		out = nil
		for _, r := range Rules {
			err := casework.Permits(tx, actor, s.step(actor, r, c.ID, nil), c)
			if duixian.ErrorCode(err) == duixian.EINTERNAL {
				return err
			}
			if err == nil {
				out = append(out, r)
			}
		}
		return nil
	})
	return out, err
}

// step is rule r on case id as a casework transition: the case is read and
// locked, and a change adds its line to the case's history.
func (s *Service) step(actor duixian.Actor, r Rule, id string, apply func(tx *sqldb.Tx, c *Case) (note string, err error)) casework.Transition[*Case, State] {
	return casework.Transition[*Case, State]{Action: "land:" + r.Action, Name: r.Zh, Subject: id, Roles: r.Roles, From: r.From,
		Load:  func(tx *sqldb.Tx) (*Case, error) { return readCase(tx, id, true) },
		Check: func(tx *sqldb.Tx, c *Case) error { return s.allowed(tx, actor, r, c) },
		State: func(c *Case) State { return c.State },
		Apply: func(tx *sqldb.Tx, c *Case) error {
			before := c.State
			note, err := apply(tx, c)
			if err != nil {
				return err
			}
			now := s.Now()
			c.Updated = now
			c.History = append(c.History, Event{Action: r.Action, From: before, To: c.State, By: actor.User, Role: actor.Role,
				Department: actor.Department, At: now, Note: note})
			return nil
		},
		Save: putCase,
	}
}

// run takes step action on case id.
func (s *Service) run(ctx context.Context, actor duixian.Actor, id, action string, apply func(tx *sqldb.Tx, c *Case) (note string, err error)) (*Case, error) {
	r, ok := RuleOf(action)
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "step", "没有步骤 %s", "no step %s", action)
	}
	return casework.Run(ctx, s.desk(), actor, s.step(actor, r, id, apply))
}

// service-owned facts: set by a step, never by the holder.
var ownedFacts = map[string]string{
	"land_plan_approved":       "由规自分局出具审定意见时确定",
	"land_transition_approved": "由管委会审查时确定",
	"land_market_price":        "由开发建设局签订合同时依评估核定",
	"land_government_revenue":  "由开发建设局签订合同时依评估核定",
}

// OwnedBy says which step sets a fact the holder does not give ("" for the
// holder's own facts).
func OwnedBy(fact string) string { return ownedFacts[fact] }

// HolderFacts are the facts the holder gives at the start: those of
// clauses 5, 6 and 7, less the ones later steps establish.
func (s *Service) HolderFacts() []string {
	var out []string
	for _, id := range []string{ClausePath, ClausePrice, ClauseAnnotation} {
		cl, ok := s.Catalogue.Clause(id)
		if !ok {
			continue
		}
		for _, f := range cl.Facts() {
			if ownedFacts[f.Name] == "" && !slices.Contains(out, f.Name) {
				out = append(out, f.Name)
			}
		}
	}
	return out
}

// StartInput is what the holder gives: the plot and its facts.
type StartInput struct {
	Plot  string          `json:"plot"`
	Facts json.RawMessage `json:"facts"`
}

// Start opens a case for the actor's own enterprise. The engine decides
// whether the holder may apply (第二条) and the review path (clause 5) as
// of today, the application date; after the trial (第十条) only a recorded
// revision lets a case start.
func (s *Service) Start(ctx context.Context, actor duixian.Actor, in StartInput) (*Case, error) {
	subject := actor.Enterprise
	if subject == "" {
		subject = actor.User
	}
	now := s.Now()
	id := duixian.NewID("L", now)
	var stored json.RawMessage
	var facts duixian.Facts
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*Case, State]{Action: "land:" + ActStart, Subject: id, For: subject,
		Actor: func(actor duixian.Actor) error {
			if actor.Role != duixian.RoleEnterprise || actor.Enterprise == "" {
				return duixian.Forbidden("只有土地使用权人（企业经办人）可以为本企业申请", "only the land-use-right holder's staff may apply, for their own enterprise")
			}
			return nil
		},
		Validate: func() (err error) {
			stored, err = s.startFacts(in)
			if err != nil {
				return err
			}
			facts, err = s.facts(&Case{Facts: stored})
			return err
		},
		Load: func(tx *sqldb.Tx) (*Case, error) {
			if _, err := tx.Enterprise(actor.Enterprise, false); err != nil {
				return nil, err
			}
			if err := tx.LockEnterprise(actor.Enterprise); err != nil {
				return nil, err
			}
			return &Case{ID: id, Enterprise: actor.Enterprise, Plot: strings.TrimSpace(in.Plot), Applied: duixian.DateOf(now),
				Facts: stored, CatalogueVersion: s.Catalogue.Version(), Created: now, Updated: now}, nil
		},
		Check: func(tx *sqldb.Tx, c *Case) error {
			recs, err := tx.Records(KindCase, actor.Enterprise)
			if err != nil {
				return err
			}
			for _, r := range recs {
				var old Case
				if err := json.Unmarshal(r.Doc, &old); err != nil {
					return err
				}
				if old.Plot == c.Plot && !old.State.Final() {
					return duixian.Conflict("地块“%s”已有办理中的案件 %s", "the plot %s already has an open case %s", c.Plot, old.ID)
				}
			}
			return nil
		},
		State: func(c *Case) State { return c.State },
		Apply: func(tx *sqldb.Tx, c *Case) error {
			d, rev, err := s.evaluate(tx, ClausePath, c.Applied, facts)
			if err != nil {
				return err
			}
			if !d.Eligible {
				return refused(d)
			}
			c.Start, c.Path = &d, d.Outcome
			note := "审查路径：" + d.Outcome
			if rev != nil {
				c.Trial = &TrialRef{ID: rev.ID, Number: rev.Number, Until: rev.Until}
				note += "；依据" + rev.Number + "延长的试行期受理"
			}
			c.State = StatePlan
			if c.Path == PathNoPlan {
				cite := duixian.Cite{}
				for _, st := range d.Trace {
					if strings.Contains(st.Text, "认定为"+PathNoPlan) {
						cite = st.Cite
					}
				}
				c.Plan = &Plan{Skipped: true, Cite: cite, At: now}
				c.State = StateReview
				note += "；不再编制地块规划综合实施方案（" + cite.String() + "）"
			}
			c.History = append(c.History, Event{Action: ActStart, To: c.State, By: actor.User, Role: actor.Role, At: now, Note: note})
			return nil
		},
		Save: putCase,
	})
}

// startFacts checks the facts the holder gives and returns them as stored,
// with the facts later steps establish set to false.
func (s *Service) startFacts(in StartInput) (json.RawMessage, error) {
	if strings.TrimSpace(in.Plot) == "" {
		return nil, invalid("plot", "须写明地块名称或编号", "name the plot")
	}
	if len(in.Facts) == 0 {
		return nil, invalid("facts", "缺少地块信息", "the plot's facts are missing")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(in.Facts, &raw); err != nil {
		return nil, invalid("facts", "地块信息应为 JSON 对象", "facts must be a JSON object")
	}
	allowed := s.HolderFacts()
	for k := range raw {
		if who := ownedFacts[k]; who != "" {
			return nil, invalid("facts."+k, "%s%s，申请时不填写", "%s is established later (%s), not given at the start", k, who)
		}
		if !slices.Contains(allowed, k) {
			return nil, invalid("facts."+k, "%s不是本类案件的事实", "%s is not a fact of land-planning cases", k)
		}
	}
	if _, err := s.Catalogue.DecodeJSONFacts("facts", in.Facts); err != nil {
		return nil, err
	}
	return mergeFacts(in.Facts, map[string]any{"land_plan_approved": false, "land_transition_approved": false})
}

// PlanInput is the holder's 地块规划综合实施方案.
type PlanInput struct {
	Title   string `json:"title"`
	Summary string `json:"summary"`
}

// SubmitPlan hands the plan to 规自分局 (第三条, 第四条).
func (s *Service) SubmitPlan(ctx context.Context, actor duixian.Actor, id string, in PlanInput) (*Case, error) {
	return s.run(ctx, actor, id, ActPlan, func(tx *sqldb.Tx, c *Case) (string, error) {
		if strings.TrimSpace(in.Title) == "" {
			return "", invalid("title", "须写明方案名称", "the plan needs a title")
		}
		rev := 1
		if c.Plan != nil {
			rev = c.Plan.Revision + 1
		}
		c.Plan = &Plan{Title: strings.TrimSpace(in.Title), Summary: strings.TrimSpace(in.Summary), By: actor.User, At: s.Now(), Revision: rev}
		c.State, c.Reason = StateReview, ""
		return fmt.Sprintf("方案“%s”（第%d稿）", c.Plan.Title, rev), nil
	})
}

// ConsultInput names the departments and public utilities consulted
// through the 多规合一 platform.
type ConsultInput struct {
	Departments []string `json:"departments"`
	Utilities   []string `json:"utilities"`
}

// Consult asks departments and utilities for their opinions (第四条).
func (s *Service) Consult(ctx context.Context, actor duixian.Actor, id string, in ConsultInput) (*Case, error) {
	return s.run(ctx, actor, id, ActConsult, func(tx *sqldb.Tx, c *Case) (string, error) {
		var added []string
		add := func(name string, utility bool) error {
			name = strings.TrimSpace(name)
			if name == "" {
				return nil
			}
			if slices.ContainsFunc(c.Opinions, func(o Opinion) bool { return o.Party == name }) {
				return duixian.Conflict("已征求%s的意见", "%s was already consulted", name)
			}
			c.Opinions = append(c.Opinions, Opinion{Party: name, Utility: utility, Requested: s.Now()})
			added = append(added, name)
			return nil
		}
		for _, d := range in.Departments {
			if err := add(d, false); err != nil {
				return "", err
			}
		}
		for _, u := range in.Utilities {
			if err := add(u, true); err != nil {
				return "", err
			}
		}
		if len(added) == 0 {
			return "", invalid("departments", "须列明征求意见的部门或公用服务企业", "name the departments or utilities consulted")
		}
		return "多规合一平台征求意见：" + strings.Join(added, "、"), nil
	})
}

// OpinionInput is an answer. A consulted department's official answers for
// their own department (Party is then theirs); 规自分局 records an answer
// given on the 多规合一 platform, naming the Party and the platform's
// reference (Via).
type OpinionInput struct {
	Party string `json:"party"`
	Agree bool   `json:"agree"`
	Text  string `json:"text"`
	Via   string `json:"via"`
}

// GiveOpinion records an opinion, once per party consulted.
func (s *Service) GiveOpinion(ctx context.Context, actor duixian.Actor, id string, in OpinionInput) (*Case, error) {
	return s.run(ctx, actor, id, ActOpinion, func(tx *sqldb.Tx, c *Case) (string, error) {
		party, via := strings.TrimSpace(in.Party), strings.TrimSpace(in.Via)
		if actor.Role == duixian.RoleCoReviewer {
			party, via = actor.Department, ""
		} else if via == "" {
			return "", invalid("via", "登记“多规合一”平台上的意见须写明平台会商编号", "give the 多规合一 platform's reference of the answer")
		}
		if strings.TrimSpace(in.Text) == "" {
			return "", invalid("text", "须写明意见", "the opinion needs its text")
		}
		for i := range c.Opinions {
			o := &c.Opinions[i]
			if o.Party != party {
				continue
			}
			if !o.Given.IsZero() {
				return "", duixian.Conflict("%s已出具意见", "%s has answered", party)
			}
			o.Given, o.Agree, o.Text, o.By, o.Via = s.Now(), in.Agree, strings.TrimSpace(in.Text), actor.User, via
			verdict := "同意"
			if !in.Agree {
				verdict = "不同意"
			}
			return party + "：" + verdict, nil
		}
		return "", duixian.Errorf(duixian.ENOTFOUND, "party", "未征求%s的意见", "%s was not consulted", party)
	})
}

// Return sends the plan back to the holder for revision.
func (s *Service) Return(ctx context.Context, actor duixian.Actor, id, reason string) (*Case, error) {
	return s.run(ctx, actor, id, ActReturn, func(tx *sqldb.Tx, c *Case) (string, error) {
		if strings.TrimSpace(reason) == "" {
			return "", errNoReason
		}
		if c.Path == PathNoPlan {
			return "", duixian.Conflict("本案不编制方案（%s），不能退回修改方案；如不符合条件请不予通过", "no plan is made on this path (%s); reject the case instead", PathNoPlan)
		}
		c.State, c.Reason = StatePlan, strings.TrimSpace(reason)
		return c.Reason, nil
	})
}

var errNoReason = duixian.Errorf(duixian.EINVALID, "reason", "须写明理由，申请人可见", "a reason is required; the applicant sees it")

// planningFacts are the facts 规自分局 confirms (以规自分局意见为准).
var planningFacts = []string{"land_plan_consistent", "land_volume_transfer", "land_block_baseline_far"}

// PlanningFacts lists the facts 规自分局 may correct when it passes its review.
func PlanningFacts() []string { return slices.Clone(planningFacts) }

// ReviewInput concludes 规自分局's review. Facts may correct the facts
// 规自分局 confirms (district plan, volume transfer, block baseline); the
// engine then decides the path again.
type ReviewInput struct {
	Opinion string          `json:"opinion"`
	Facts   json.RawMessage `json:"facts"`
}

// PassReview concludes the review once every party consulted has answered.
func (s *Service) PassReview(ctx context.Context, actor duixian.Actor, id string, in ReviewInput) (*Case, error) {
	return s.run(ctx, actor, id, ActReview, func(tx *sqldb.Tx, c *Case) (string, error) {
		if len(c.Opinions) == 0 {
			return "", duixian.Conflict("尚未通过“多规合一”平台征求相关部门和公用服务企业意见（第四条）", "the departments and utilities have not been consulted (第四条)")
		}
		if p := c.PendingOpinions(); len(p) > 0 {
			return "", duixian.Conflict("尚待%s出具意见", "waiting for the opinion of %s", strings.Join(p, "、"))
		}
		if strings.TrimSpace(in.Opinion) == "" {
			return "", invalid("opinion", "须写明审核意见", "the review needs its opinion")
		}
		note := "审核通过"
		if len(in.Facts) > 0 && string(in.Facts) != "null" && string(in.Facts) != "{}" {
			var raw map[string]any
			dec := json.NewDecoder(strings.NewReader(string(in.Facts)))
			dec.UseNumber()
			if err := dec.Decode(&raw); err != nil {
				return "", invalid("facts", "核定事实应为 JSON 对象", "facts must be a JSON object")
			}
			for k := range raw {
				if !slices.Contains(planningFacts, k) {
					return "", invalid("facts."+k, "审核时只能核定%s", "the review confirms only %s", strings.Join(planningFacts, ", "))
				}
			}
			if _, err := s.Catalogue.DecodeFacts("facts", raw); err != nil {
				return "", err
			}
			merged, err := mergeFacts(c.Facts, raw)
			if err != nil {
				return "", err
			}
			c.Facts = merged
			facts, err := s.facts(c)
			if err != nil {
				return "", err
			}
			d, _, err := s.evaluate(tx, ClausePath, c.Applied, facts)
			if err != nil {
				return "", err
			}
			if !d.Eligible {
				return "", refused(d)
			}
			if d.Outcome == PathNoPlan && c.Path != PathNoPlan || d.Outcome != PathNoPlan && c.Path == PathNoPlan {
				return "", duixian.Conflict("核定后审查路径由“%s”变为“%s”，涉及是否编制方案，请不予通过后重新申请", "the corrected facts change whether a plan is needed (%s → %s)", c.Path, d.Outcome)
			}
			if d.Outcome != c.Path {
				note += fmt.Sprintf("；核定规划条件后审查路径由“%s”调整为“%s”", c.Path, d.Outcome)
			}
			c.PathReview, c.Path = &d, d.Outcome
		}
		c.Review = &Review{Opinion: strings.TrimSpace(in.Opinion), By: actor.User, At: s.Now()}
		c.State = StateReviewed
		return note, nil
	})
}

// OpenNotice opens the public notice (社会公示, 第四条) for days working
// days from start.
func (s *Service) OpenNotice(ctx context.Context, actor duixian.Actor, id string, start duixian.Date, days int) (*Case, error) {
	return s.run(ctx, actor, id, ActNotice, func(tx *sqldb.Tx, c *Case) (string, error) {
		if days < 1 {
			return "", invalid("days", "公示期至少1个工作日", "the notice lasts at least one working day")
		}
		if start.IsZero() {
			return "", invalid("start", "须写明公示开始日期", "the notice needs its first day")
		}
		if start.Before(s.today()) {
			return "", invalid("start", "公示不能从过去的日期开始", "the notice cannot start in the past")
		}
		until, err := s.calendar().AddWorkdays(start, days)
		if err != nil {
			return "", err
		}
		c.Notice = &Notice{From: start, Until: until, Days: days, By: actor.User}
		c.State = StateNotice
		return fmt.Sprintf("公示%s至%s（%d个工作日）", start, until, days), nil
	})
}

// CommitteeInput is the committee's decision.
type CommitteeInput struct {
	Approved bool `json:"approved"`
	// Reference is the meeting's minutes (会议纪要), or for the written
	// path the written submission's number (书面报请文号).
	Reference string `json:"reference"`
	// RenewalPlan is the urban-renewal plan reviewed together with the
	// case (同步审查, 第五条（一）).
	RenewalPlan string `json:"renewal_plan"`
	Opinion     string `json:"opinion"`
	// Transition decides the holder's application for the transition
	// policy (第六条（二）); required when the holder applied.
	Transition *bool `json:"transition_approved"`
}

// Committee records the committee's review (第五条) after the notice ended.
func (s *Service) Committee(ctx context.Context, actor duixian.Actor, id string, in CommitteeInput) (*Case, error) {
	return s.run(ctx, actor, id, ActCommittee, func(tx *sqldb.Tx, c *Case) (string, error) {
		if !s.today().After(c.Notice.Until) {
			return "", duixian.Conflict("社会公示至%s，期满后方可提请管委会审查", "the notice runs until %s; the committee reviews after it", c.Notice.Until)
		}
		facts, err := s.facts(c)
		if err != nil {
			return "", err
		}
		cm := &Committee{Approved: in.Approved, Reference: strings.TrimSpace(in.Reference), RenewalPlan: strings.TrimSpace(in.RenewalPlan),
			Opinion: strings.TrimSpace(in.Opinion), By: actor.User, At: s.Now()}
		doc, err := s.document()
		if err != nil {
			return "", err
		}
		cite := func(art string) duixian.Cite {
			for _, a := range doc.Articles {
				if a.ID == art {
					return duixian.Cite{Document: doc.ID, Short: doc.Short, Article: a.ID, Label: a.Label}
				}
			}
			return duixian.Cite{Document: doc.ID, Short: doc.Short, Article: art}
		}
		switch c.Path {
		case PathRenewal:
			cm.Mode, cm.Cite = "由开发建设局与城市更新实施方案同步提请管委会会议审查", cite("5.1")
			if cm.RenewalPlan == "" {
				return "", invalid("renewal_plan", "城市更新项目须与城市更新实施方案同步审查，请写明实施方案", "name the urban-renewal plan reviewed together with the case")
			}
		case PathWritten:
			cm.Mode, cm.Cite = "书面报请管委会审查", cite("5.2")
			if cm.Reference == "" {
				return "", invalid("reference", "须写明书面报请的文号", "give the written submission's number")
			}
		default:
			cm.Mode, cm.Cite = "提请管委会会议审查", cite("5")
		}
		if cm.Reference == "" {
			return "", invalid("reference", "须写明管委会会议纪要或审查文号", "give the committee's minutes or reference")
		}
		applied, _ := facts["land_transition_applied"].(bool)
		set := map[string]any{}
		switch {
		case in.Transition != nil && !applied && *in.Transition:
			return "", invalid("transition_approved", "土地使用权人未申请过渡期支持政策", "the holder did not apply for the transition policy")
		case applied && in.Approved && in.Transition == nil:
			return "", invalid("transition_approved", "土地使用权人申请了过渡期支持政策，须写明管委会是否同意（第六条（二））", "say whether the committee approves the transition policy (第六条（二）)")
		case applied && in.Transition != nil:
			v := *in.Transition
			cm.Transition = &v
			set["land_transition_approved"] = v && in.Approved
		}
		if len(set) > 0 {
			if c.Facts, err = mergeFacts(c.Facts, set); err != nil {
				return "", err
			}
		}
		c.Committee = cm
		if !in.Approved {
			if cm.Opinion == "" {
				return "", errNoReason
			}
			c.State, c.Reason = StateRejected, "管委会审查未通过："+cm.Opinion
			return c.Reason, nil
		}
		c.State = StateCommitteePassed
		note := cm.Mode + "通过（" + cm.Reference + "）"
		if cm.Transition != nil {
			note += map[bool]string{true: "；同意适用过渡期支持政策", false: "；不同意适用过渡期支持政策"}[*cm.Transition]
		}
		return note, nil
	})
}

// ApprovalInput is the 审定意见.
type ApprovalInput struct {
	Number string `json:"number"`
	Text   string `json:"text"`
}

// Approve issues the 审定意见 after the committee passed the case; the plan
// (or, on the path without a plan, the adjusted planning conditions) is
// then approved, which clause 6 requires.
func (s *Service) Approve(ctx context.Context, actor duixian.Actor, id string, in ApprovalInput) (*Case, error) {
	return s.run(ctx, actor, id, ActApproval, func(tx *sqldb.Tx, c *Case) (string, error) {
		if strings.TrimSpace(in.Number) == "" {
			return "", invalid("number", "须写明审定意见文号", "give the approval's number")
		}
		var err error
		if c.Facts, err = mergeFacts(c.Facts, map[string]any{"land_plan_approved": true}); err != nil {
			return "", err
		}
		c.Approval = &Approval{Number: strings.TrimSpace(in.Number), Text: strings.TrimSpace(in.Text), By: actor.User, At: s.Now()}
		c.State = StateApproved
		return "审定意见" + c.Approval.Number, nil
	})
}

// ContractInput is the contract or supplementary agreement, with the prices
// 开发建设局 assessed (yuan, as "12345678.90" or "1234.5万元").
type ContractInput struct {
	Kind              string `json:"kind"`
	Number            string `json:"number"`
	MarketPrice       string `json:"market_price"`
	GovernmentRevenue string `json:"government_revenue"`
}

// Contract kinds.
const (
	KindGrant      = "出让合同"
	KindSupplement = "补充协议"
)

// SignContract records the contract and the land price clause 6 computes.
func (s *Service) SignContract(ctx context.Context, actor duixian.Actor, id string, in ContractInput) (*Case, error) {
	return s.run(ctx, actor, id, ActContract, func(tx *sqldb.Tx, c *Case) (string, error) {
		if in.Kind != KindGrant && in.Kind != KindSupplement {
			return "", invalid("kind", "合同类型应为“出让合同”或“补充协议”", "kind is 出让合同 or 补充协议")
		}
		if strings.TrimSpace(in.Number) == "" {
			return "", invalid("number", "须写明合同或补充协议编号", "give the contract's number")
		}
		set := map[string]any{}
		for name, v := range map[string]string{"land_market_price": in.MarketPrice, "land_government_revenue": in.GovernmentRevenue} {
			if v = strings.TrimSpace(v); v != "" {
				set[name] = v
			}
		}
		if _, err := s.Catalogue.DecodeFacts("facts", set); err != nil {
			return "", err
		}
		merged, err := mergeFacts(c.Facts, set)
		if err != nil {
			return "", err
		}
		c.Facts = merged
		facts, err := s.facts(c)
		if err != nil {
			return "", err
		}
		if b, _ := facts["land_change_of_use"].(bool); b && isZero(facts["land_market_price"]) {
			return "", invalid("market_price", "改变土地用途的项目须填写依评估核定的新用途土地使用权市场价格（第六条（二）；适用过渡期政策暂不补缴的也须核定）",
				"a change of use needs the assessed market price of the new use (第六条（二）)")
		}
		renewal, _ := facts["land_urban_renewal"].(bool)
		if under, _ := facts["land_underground_use"].(string); renewal && under == "commercial" && isZero(facts["land_government_revenue"]) {
			return "", invalid("government_revenue", "新增地下空间涉及对外商业类经营性用途的，须填写核定的政府土地收益（第六条（三））",
				"underground space in external commercial use needs the assessed government revenue (第六条（三）)")
		}
		d, _, err := s.evaluate(tx, ClausePrice, c.Applied, facts)
		if err != nil {
			return "", err
		}
		k := &Contract{Kind: in.Kind, Number: strings.TrimSpace(in.Number), Price: &d, By: actor.User, At: s.Now()}
		switch {
		case d.Eligible:
			k.PriceApplies, k.Due = true, d.Amount
		case len(d.Reasons) > 0 && !slices.ContainsFunc(d.Reasons, func(r duixian.Reason) bool { return !r.Is("no-case") }):
			k.Note = "第六条对本项目没有规定相应情形（如由一类工业用地调整为工业研发用地且不改变容积率、不改变土地用途），不核定土地价款，按" + in.Kind + "约定办理"
		default:
			return "", refused(d)
		}
		k.DueYuan = k.Due.String()
		c.Contract, c.State = k, StateContracted
		if !k.PriceApplies {
			return in.Kind + k.Number + "；" + k.Note, nil
		}
		return fmt.Sprintf("%s%s；应补缴土地价款%s", in.Kind, k.Number, ShowMoney(k.Due)), nil
	})
}

// ShowMoney writes an amount in 万元 and, when that is rounded, in yuan too:
// "800.00万元（8000000.00元）" or "11111111.01元".
func ShowMoney(m duixian.Money) string {
	if w := m.Wan(); strings.HasSuffix(w, "万元") {
		return w + "（" + m.String() + "元）"
	}
	return m.String() + "元"
}

func isZero(v any) bool {
	d, ok := v.(decimal.Decimal)
	return !ok || d.IsZero()
}

// RegistrationInput is the registration's (or the permit's) number.
type RegistrationInput struct {
	Number string `json:"number"`
}

// Register records the registration with the annotation of 第七条 (clause
// 7) and closes the case.
func (s *Service) Register(ctx context.Context, actor duixian.Actor, id string, in RegistrationInput) (*Case, error) {
	return s.run(ctx, actor, id, ActRegistration, func(tx *sqldb.Tx, c *Case) (string, error) {
		if strings.TrimSpace(in.Number) == "" {
			return "", invalid("number", "须写明不动产权证书号（过渡期注记为建设工程规划许可证号）", "give the certificate's (or permit's) number")
		}
		d, err := s.annotation(tx, c)
		if err != nil {
			return "", err
		}
		if !d.Eligible {
			return "", refused(d)
		}
		reg := &Registration{Number: strings.TrimSpace(in.Number), Annotation: d.Outcome, Decision: &d, By: actor.User, At: s.Now()}
		for _, st := range d.Trace {
			if strings.Contains(st.Text, "认定为"+d.Outcome) {
				reg.Cite, reg.Text = st.Cite, st.Text
			}
		}
		facts, err := s.facts(c)
		if err != nil {
			return "", err
		}
		if early, _ := facts["land_transition_early"].(bool); d.Outcome == AnnotationTransition && !early {
			reg.Deferred = true
			reg.Text += "；过渡期内暂不办理用地和不动产登记手续（第七条（三）），注记于建设工程规划许可证"
		}
		c.Registration, c.State = reg, StateClosed
		return "注记：" + d.Outcome, nil
	})
}

// Reject ends a case under review (规自分局); the reason is shown to the holder.
func (s *Service) Reject(ctx context.Context, actor duixian.Actor, id, reason string) (*Case, error) {
	return s.run(ctx, actor, id, ActReject, func(tx *sqldb.Tx, c *Case) (string, error) {
		if strings.TrimSpace(reason) == "" {
			return "", errNoReason
		}
		c.State, c.Reason = StateRejected, strings.TrimSpace(reason)
		return c.Reason, nil
	})
}

// Withdraw lets the holder take the case back before the committee decides.
func (s *Service) Withdraw(ctx context.Context, actor duixian.Actor, id string) (*Case, error) {
	return s.run(ctx, actor, id, ActWithdraw, func(tx *sqldb.Tx, c *Case) (string, error) {
		c.State = StateWithdrawn
		return "", nil
	})
}
