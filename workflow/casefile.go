package workflow

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Case is an application as an official's page shows it: the application,
// its enterprise's name, its history from the audit log, the steps the
// official may take now and how the decision changed since submission.
type Case struct {
	App  *duixian.Application
	Name string // the enterprise's; "" when it is not registered
	// History is the audit log about the application, newest first; the
	// refused attempts only for supervision and administrators.
	History []duixian.AuditEntry
	Actions Actions
	Changes []Change
	// Outdated: the catalogue changed since submission.
	Outdated bool
}

// Actions are the steps an official may take on a case now. The workflow
// decides again on every step; these keep the page honest.
type Actions struct {
	RequestOpinions, Opinion, Preliminary, Return, Reject, Expert bool
	AssignExperts, Propose, Publish, Answer, Approve, Disburse    bool
	Revoke                                                        bool
	// Why the step is offered but will be refused now.
	PreliminaryBlocked, ApproveBlocked, DisburseBlocked string
	// PlanNote, for a project its document publishes only in an annual
	// plan, says where it goes instead of 公示 or 批准 alone; Plan is the
	// plan it is in, when it is, and Round the round whose plan gathers
	// it, before.
	PlanNote, Plan, Round string
	// Departments a reviewer may still ask for opinions.
	Departments []string
	// Experts are the experts' accounts a reviewer may assign.
	Experts []duixian.User
	// Evidence: the facts finance may record before paying a later
	// tranche (a clause paid in tranches).
	Evidence []*engine.Fact
}

// Case reads application id as actor may see it, with its history and the
// steps actor may take.
func (s *Service) Case(ctx context.Context, actor duixian.Actor, id string) (*Case, error) {
	a, err := s.Application(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	c := &Case{App: a, Changes: Changes(a.Decision, a.Review),
		Outdated: a.CatalogueVersion != "" && a.CatalogueVersion != s.Catalogue.Version()}
	cl, _ := s.Catalogue.Clause(a.Clause)
	var f caseFacts
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		if ent, err := tx.Enterprise(a.Enterprise, false); err == nil {
			c.Name = ent.Name
		} else if duixian.ErrorCode(err) != duixian.ENOTFOUND {
			return err
		}
		log, err := tx.AuditLog(a.ID)
		if err != nil {
			return err
		}
		seeDenied := actor.Role == duixian.RoleSupervisor || actor.Role == duixian.RoleAdmin
		for i := len(log) - 1; i >= 0; i-- {
			if seeDenied || !strings.HasPrefix(log[i].Action, "denied:") {
				c.History = append(c.History, log[i])
			}
		}
		return s.caseFacts(tx, actor, a, &f)
	})
	if err != nil {
		return nil, err
	}
	c.Actions = s.actions(actor, a, cl, f)
	return c, nil
}

// caseFacts is what the steps offered on a case depend on beside the case.
type caseFacts struct {
	departments map[string]bool // the departments the platform knows
	experts     []duixian.User  // the experts' accounts
	separated   error           // why actor may not approve or pay: they proposed the amount
}

func (s *Service) caseFacts(tx *sqldb.Tx, actor duixian.Actor, a *duixian.Application, f *caseFacts) error {
	var err error
	switch {
	case actor.Role == duixian.RoleReviewer && a.Status == duixian.StatusSubmitted:
		f.departments, err = s.departmentSet(tx)
	case actor.Role == duixian.RoleReviewer && a.Status == duixian.StatusReviewed:
		var users []duixian.User
		users, err = tx.Users()
		for _, u := range users {
			if u.Role == duixian.RoleExpert {
				f.experts = append(f.experts, duixian.User{Name: u.Name, Display: u.Display, Role: u.Role})
			}
		}
	case actor.Role == duixian.RoleReviewer && a.Status == duixian.StatusPublicity:
		f.separated = s.separated(tx, actor, a, "批准", "approve")
	case actor.Role == duixian.RoleFinance && (a.Status == duixian.StatusApproved || a.Status == duixian.StatusPaying):
		f.separated = s.separated(tx, actor, a, "拨付", "pay")
	}
	if duixian.ErrorCode(f.separated) == duixian.EINTERNAL {
		return f.separated
	}
	return err
}

// actions decides which steps actor may take on a now.
func (s *Service) actions(actor duixian.Actor, a *duixian.Application, cl *engine.Clause, f caseFacts) Actions {
	var act Actions
	today := s.today()
	blocked := func(err error) string {
		var e *duixian.Error
		if errors.As(err, &e) {
			return e.Zh
		}
		return ""
	}
	switch actor.Role {
	case duixian.RoleReviewer:
		if cl == nil || !cl.Responsible(actor.Department) {
			return act
		}
		switch a.Status {
		case duixian.StatusSubmitted:
			act.RequestOpinions, act.Preliminary, act.Return, act.Reject = true, true, true, true
			for _, o := range a.Opinions {
				if o.Given.IsZero() {
					act.PreliminaryBlocked = "尚待" + o.Department + "出具会签意见"
					break
				}
			}
			delete(f.departments, actor.Department)
			for _, o := range a.Opinions {
				delete(f.departments, o.Department)
			}
			act.Departments = sorted(f.departments)
		case duixian.StatusReviewed:
			act.AssignExperts, act.Reject, act.Experts = true, true, f.experts
		case duixian.StatusAssessed:
			act.Propose, act.Reject = true, true
		case duixian.StatusProposed:
			act.Publish, act.Reject = !cl.Document.Procedure.Plan, true
			if cl.Document.Procedure.Plan {
				act.PlanNote = "按" + cl.Document.Procedure.Cite.String() + "，本项目汇总列入本批次年度扶持资金建议方案，方案批准后统一公示"
				act.Round = a.Round
			}
		case duixian.StatusPublicity:
			act.Reject, act.Approve = true, a.Plan == ""
			if a.Plan != "" {
				act.Plan, act.PlanNote = a.Plan, "本项目列入年度扶持资金建议方案，公示期满无异议后随方案转入拨付"
			}
			for _, o := range a.Objections {
				if o.Answered.IsZero() {
					act.Answer = true
					act.ApproveBlocked = "有尚未答复的异议"
				}
			}
			if p := a.Publicity; p != nil && !today.After(p.Until) {
				act.ApproveBlocked = "公示期至" + p.Until.String() + "，期满后方可批准"
			}
			if why := blocked(f.separated); why != "" {
				act.ApproveBlocked = why
			}
		}
	case duixian.RoleCoReviewer:
		if a.Status == duixian.StatusSubmitted {
			for _, o := range a.Opinions {
				if o.Department == actor.Department && o.Given.IsZero() {
					act.Opinion = true
				}
			}
		}
	case duixian.RoleExpert:
		act.Expert = a.Status == duixian.StatusReviewed
	case duixian.RoleFinance:
		if a.Status == duixian.StatusApproved || a.Status == duixian.StatusPaying {
			act.Disburse, act.DisburseBlocked = true, blocked(f.separated)
			if a.Decision != nil && a.Decision.Batched && cl != nil {
				for _, f := range cl.Facts() {
					switch f.Kind {
					case engine.KindBool, engine.KindInt, engine.KindDecimal, engine.KindMoney:
						act.Evidence = append(act.Evidence, f)
					}
				}
			}
		}
	case duixian.RoleSupervisor:
		switch a.Status {
		case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid:
			act.Revoke = true
		}
	}
	return act
}

// Change is one difference between the decision at submission and the
// latest review's.
type Change struct {
	What, From, To string
	Dir            int // +1 up, -1 down, 0 neither
}

// Changes lists what differs between two decisions of one application.
func Changes(from, to *duixian.Decision) []Change {
	if from == nil || to == nil {
		return nil
	}
	yes := func(b bool) string {
		if b {
			return "符合"
		}
		return "不符合"
	}
	dir := func(up bool) int {
		if up {
			return 1
		}
		return -1
	}
	var out []Change
	if from.Eligible != to.Eligible {
		out = append(out, Change{What: "是否符合条件", From: yes(from.Eligible), To: yes(to.Eligible), Dir: dir(to.Eligible)})
	}
	if from.Amount != to.Amount {
		out = append(out, Change{What: "计算金额", From: from.Amount.Wan() + "（" + from.Amount.String() + "元）",
			To: to.Amount.Wan() + "（" + to.Amount.String() + "元）", Dir: dir(to.Amount >= from.Amount)})
	}
	if to.Batched && from.PayableNow != to.PayableNow {
		out = append(out, Change{What: "当前可拨付", From: from.PayableNow.Wan(), To: to.PayableNow.Wan(), Dir: dir(to.PayableNow >= from.PayableNow)})
	}
	if from.Outcome != to.Outcome {
		out = append(out, Change{What: "认定结果", From: from.Outcome, To: to.Outcome})
	}
	if from.Document.Version != to.Document.Version || from.Document.ID != to.Document.ID {
		out = append(out, Change{What: "适用文件版本", From: from.Document.Number + " " + from.Document.Version,
			To: to.Document.Number + " " + to.Document.Version})
	}
	if len(from.Reasons) != len(to.Reasons) {
		out = append(out, Change{What: "不符合或调减理由", From: strconv.Itoa(len(from.Reasons)) + "条", To: strconv.Itoa(len(to.Reasons)) + "条"})
	}
	return out
}

// EnterpriseFile is 一企一档: an enterprise's registry file and the
// applications on it the reader may see, with the totals of its awards.
type EnterpriseFile struct {
	Enterprise   *duixian.Enterprise    `json:"enterprise"`
	Applications []*duixian.Application `json:"applications"`
	// Over the applications shown, drafts excluded.
	Approved duixian.Money `json:"approved_fen"` // approved, paying and paid
	Paid     duixian.Money `json:"paid_fen"`
	Clawback duixian.Money `json:"clawback_fen"`
	Open     int           `json:"open"`
}

// EnterpriseFile reads the file of enterprise uscc as actor may see it: an
// enterprise only its own; the applications as Application lets actor read
// them, drafts only for the enterprise itself.
func (s *Service) EnterpriseFile(ctx context.Context, actor duixian.Actor, uscc string) (*EnterpriseFile, error) {
	if actor.Role == duixian.RoleEnterprise && actor.Enterprise != uscc {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "enterprise", "没有该企业", "no such enterprise")
	}
	f := &EnterpriseFile{Applications: []*duixian.Application{}}
	var all []*duixian.Application
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if f.Enterprise, err = tx.Enterprise(uscc, false); err != nil {
			return err
		}
		all, err = tx.Applications(sqldb.ApplicationFilter{Enterprise: uscc})
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if !s.mayRead(actor, a) {
			continue
		}
		f.Applications = append(f.Applications, asSeenBy(actor, a))
		if a.Status == duixian.StatusDraft {
			continue
		}
		switch a.Status {
		case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid:
			f.Approved += a.Approved
		}
		if a.Status.Open() {
			f.Open++
		}
		f.Paid += a.Paid()
		f.Clawback += a.Clawback
	}
	return f, nil
}

// Enterprises lists the registry's enterprises for an official's 一企一档,
// a page at a time in USCC order (the cursor is the last USCC shown),
// those whose USCC begins with search or whose name contains it. An
// enterprise sees only its own file, never the list.
func (s *Service) Enterprises(ctx context.Context, actor duixian.Actor, search string, p duixian.PageRequest) (*duixian.Page[*duixian.Enterprise], error) {
	if actor.Role == duixian.RoleEnterprise || actor.Role == duixian.RolePublic {
		return nil, duixian.Forbidden("企业名录仅供政府部门查阅", "the registry's list is for officials")
	}
	size, err := duixian.PageSize(p.Limit)
	if err != nil {
		return nil, err
	}
	var docs []sqldb.EnterpriseDoc
	if err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		docs, err = tx.EnterprisesFound(strings.TrimSpace(search), p.After, size+1)
		return err
	}); err != nil {
		return nil, err
	}
	page := &duixian.Page[*duixian.Enterprise]{Items: []*duixian.Enterprise{}}
	if len(docs) > size {
		docs, page.Next = docs[:size], docs[size-1].USCC
	}
	for _, d := range docs {
		e, err := d.Decode()
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, e)
	}
	return page, nil
}
