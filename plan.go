package duixian

import "time"

// PlanStatus is where an annual plan (年度扶持资金建议方案) stands:
//
//	compiled ⇄ (re-compiled) → submitted → approved → publicity → closed
//	submitted → returned (with reasons) → compiled again → submitted …
//
// 21号第十二条（三）（四）, 22号第十条（三）（四）: the department gathers the
// expert-assessed projects of a round into the plan, the plan is approved,
// its projects are published together, and at the window's end those
// without objection go to payment.
type PlanStatus string

const (
	PlanCompiled  PlanStatus = "compiled"
	PlanSubmitted PlanStatus = "submitted"
	PlanReturned  PlanStatus = "returned"
	PlanApproved  PlanStatus = "approved"
	PlanPublicity PlanStatus = "publicity"
	PlanClosed    PlanStatus = "closed"
)

// Zh names the status for people.
func (s PlanStatus) Zh() string {
	return map[PlanStatus]string{PlanCompiled: "已汇总，待提交审批", PlanSubmitted: "待审批", PlanReturned: "已退回修改",
		PlanApproved: "已批准，待公示", PlanPublicity: "公示中", PlanClosed: "公示期满，已转入拨付"}[s]
}

// StatusOn says where the plan stands on day for people: a plan in 公示
// whose window has ended waits for the department to send its projects to
// payment.
func (p *Plan) StatusOn(day Date) string {
	if p.Status == PlanPublicity && p.Publicity != nil && day.After(p.Publicity.Until) {
		return "公示期满，待转入拨付"
	}
	return p.Status.Zh()
}

// Plan is one round's annual plan: its projects with their amounts, the
// totals per clause and against the round's budget.
type Plan struct {
	ID         string     `json:"id"`
	Document   string     `json:"document"`
	Department string     `json:"department"`
	Round      string     `json:"round"`
	Year       int        `json:"year"`
	Title      string     `json:"title"` // 2026年度实体书店扶持资金建议方案
	Status     PlanStatus `json:"status"`

	Projects []PlanProject `json:"projects"`
	Totals   []ClauseTotal `json:"totals"`
	// Proposed adds up the amounts the department proposed; Total what the
	// plan grants: the same, or, where the round's Budget is short, the
	// proposals reduced pro rata (ProRata) to the budget exactly.
	Proposed Money `json:"proposed_fen"`
	Total    Money `json:"total_fen"`
	Budget   Money `json:"budget_fen,omitempty"`

	Publicity *Publicity `json:"publicity,omitempty"`

	CompiledBy  string    `json:"compiled_by"`
	Compiled    time.Time `json:"compiled"`
	SubmittedBy string    `json:"submitted_by,omitempty"`
	ApprovedBy  string    `json:"approved_by,omitempty"`
	Approved    time.Time `json:"approved,omitzero"`
	// Returns are the approver's reasons for sending the plan back.
	Returns []PlanNote `json:"returns,omitempty"`
	// Amendments record each project an upheld objection took out, with
	// the plan's total before and after.
	Amendments []PlanAmendment `json:"amendments,omitempty"`
	Version    int             `json:"-"`
}

// Project statuses within a plan.
const (
	ProjectListed   = "listed"   // in the plan
	ProjectReleased = "released" // 公示期满无异议（or dismissed）: gone to payment
	ProjectRemoved  = "removed"  // an upheld objection took it out
)

// PlanProject is one application in a plan.
type PlanProject struct {
	Application string         `json:"application"`
	Enterprise  string         `json:"enterprise"`
	Name        string         `json:"enterprise_name"`
	Clause      string         `json:"clause"`
	Title       string         `json:"title"`
	Project     string         `json:"project,omitempty"`
	Proposed    Money          `json:"proposed_fen"` // the department's proposal (拟定金额)
	Amount      Money          `json:"amount_fen"`   // what the plan grants
	Scores      map[string]int `json:"scores,omitempty"`
	Score       int            `json:"score"` // the experts' scores added up
	Status      string         `json:"status"`
}

// ClauseTotal is a plan's total under one clause.
type ClauseTotal struct {
	Clause   string `json:"clause"`
	Title    string `json:"title"`
	Projects int    `json:"projects"`
	Proposed Money  `json:"proposed_fen"`
	Amount   Money  `json:"amount_fen"`
}

// PlanNote is a dated remark by someone.
type PlanNote struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// PlanAmendment is a project taken out of the plan by an upheld objection.
type PlanAmendment struct {
	Application string    `json:"application"`
	Objection   string    `json:"objection"`
	Amount      Money     `json:"amount_fen"`
	Before      Money     `json:"total_before_fen"`
	After       Money     `json:"total_after_fen"`
	By          string    `json:"by"`
	At          time.Time `json:"at"`
}

// Project is the project of application id still in the plan, or nil.
func (p *Plan) Project(id string) *PlanProject {
	for i := range p.Projects {
		if p.Projects[i].Application == id {
			return &p.Projects[i]
		}
	}
	return nil
}

// Allot sets each listed project's amount — its proposal, or, when the
// proposals exceed the budget, its share of the budget (等比例核减,
// ProRata: exact to the fen, the budget taken exactly) — and the plan's
// totals, per clause and in all. Removed and released projects keep the
// amounts they had.
func (p *Plan) Allot() error {
	var listed []int
	var proposals []Money
	for i, pr := range p.Projects {
		if pr.Status == ProjectListed {
			listed = append(listed, i)
			proposals = append(proposals, pr.Proposed)
		}
	}
	amounts := proposals
	if p.Budget > 0 {
		var err error
		if amounts, err = ProRata(proposals, p.Budget); err != nil {
			return err
		}
	}
	for k, i := range listed {
		p.Projects[i].Amount = amounts[k]
	}
	p.Tally()
	return nil
}

// Tally adds up the projects not removed: per clause, in the order of
// the projects, and in all.
func (p *Plan) Tally() {
	p.Totals, p.Proposed, p.Total = nil, 0, 0
	for _, pr := range p.Projects {
		if pr.Status == ProjectRemoved {
			continue
		}
		p.Proposed += pr.Proposed
		p.Total += pr.Amount
		k := len(p.Totals) - 1
		if k < 0 || p.Totals[k].Clause != pr.Clause {
			p.Totals = append(p.Totals, ClauseTotal{Clause: pr.Clause, Title: pr.Title})
			k++
		}
		t := &p.Totals[k]
		t.Projects++
		t.Proposed += pr.Proposed
		t.Amount += pr.Amount
	}
}
