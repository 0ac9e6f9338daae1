package workflow

import (
	"context"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// PublicityItem is one line of the public 公示 list: what a 公示 shows —
// the enterprise, its project, the clause and the amount proposed, and
// until when objections are accepted. Never the facts the applicant
// declared: they are the enterprise's business, not the public's.
type PublicityItem struct {
	Application string       `json:"application"`
	Clause      string       `json:"clause"`
	Cite        string       `json:"cite"` // as officials cite it: "21号第七条（一）"
	Title       string       `json:"title"`
	Document    string       `json:"document"`
	Enterprise  string       `json:"enterprise"`
	Name        string       `json:"enterprise_name"`
	Project     string       `json:"project,omitempty"`
	AmountFen   int64        `json:"amount_fen"`
	Amount      string       `json:"amount"`
	From        duixian.Date `json:"from"`
	Until       duixian.Date `json:"until"`
	// Plan and PlanTitle name the annual plan a project is published in
	// (「2026年度实体书店扶持资金建议方案」), under which the page groups it.
	Plan      string `json:"plan,omitempty"`
	PlanTitle string `json:"plan_title,omitempty"`
}

// Publicity lists a page of the applications in publicity, for anyone to
// read.
func (s *Service) Publicity(ctx context.Context, p duixian.PageRequest) (*duixian.Page[PublicityItem], error) {
	out := &duixian.Page[PublicityItem]{Items: []PublicityItem{}}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		page, err := s.pageOf(tx, duixian.Actor{Role: duixian.RoleAdmin}, sqldb.ApplicationFilter{Status: duixian.StatusPublicity}, p)
		if err != nil {
			return err
		}
		out.Next = page.Next
		titles := map[string]string{}
		for _, a := range page.Items {
			if _, ok := titles[a.Plan]; a.Plan != "" && !ok {
				p, err := s.planIn(tx, a.Plan)
				if err != nil {
					return err
				}
				titles[a.Plan] = p.Title
			}
			cl, _ := s.Catalogue.Clause(a.Clause)
			e, err := tx.Enterprise(a.Enterprise, false)
			if err != nil {
				return err
			}
			out.Items = append(out.Items, PublicityItem{Application: a.ID, Clause: a.Clause, Cite: cl.Cite().String(), Title: cl.Title,
				Document: cl.Document.Number, Enterprise: a.Enterprise, Name: e.Name, Project: a.Project,
				AmountFen: int64(a.Proposed), Amount: a.Proposed.String(),
				From: a.Publicity.From, Until: a.Publicity.Until, Plan: a.Plan, PlanTitle: titles[a.Plan]})
		}
		return nil
	})
	return out, err
}

// Visible lists a page of the applications actor may see, in status
// unless it is empty, newest first: an enterprise its own; a reviewer the
// clauses of their department; a co-reviewer those asked for their
// department's opinion; an expert those assigned; finance and supervision
// all but drafts.
func (s *Service) Visible(ctx context.Context, actor duixian.Actor, status duixian.Status, p duixian.PageRequest) (*duixian.Page[*duixian.Application], error) {
	f := sqldb.ApplicationFilter{Status: status, NoDrafts: actor.Role != duixian.RoleEnterprise}
	switch actor.Role {
	case duixian.RoleEnterprise:
		f.Enterprise = actor.Enterprise
	case duixian.RoleExpert:
		f.Expert = actor.User
	case duixian.RoleCoReviewer:
		f.Consulted = actor.Department
	case duixian.RoleReviewer:
		f.Clauses = s.clausesOf(actor.Department)
		if len(f.Clauses) == 0 {
			_, err := duixian.PageSize(p.Limit)
			return &duixian.Page[*duixian.Application]{Items: []*duixian.Application{}}, err
		}
	}
	var page *duixian.Page[*duixian.Application]
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) {
		page, err = s.pageOf(tx, actor, f, p)
		return err
	})
	return page, err
}

// OwnClause says whether a's clause is reviewed by department.
func OwnClause(cat *engine.Catalogue, department string, a *duixian.Application) bool {
	cl, ok := cat.Clause(a.Clause)
	return ok && cl.Responsible(department)
}
