package workflow

import (
	"context"
	"encoding/json"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// PublicityItem is one line of the public 公示 list: what the applicant
// declared and what was computed, and until when objections are accepted.
type PublicityItem struct {
	Application string          `json:"application"`
	Clause      string          `json:"clause"`
	Title       string          `json:"title"`
	Document    string          `json:"document"`
	Enterprise  string          `json:"enterprise"`
	Name        string          `json:"enterprise_name"`
	Facts       json.RawMessage `json:"declared"`
	AmountFen   int64           `json:"amount_fen"`
	Amount      string          `json:"amount"`
	From        duixian.Date    `json:"from"`
	Until       duixian.Date    `json:"until"`
}

// Publicity lists the applications in publicity, for anyone to read.
func (s *Service) Publicity(ctx context.Context) ([]PublicityItem, error) {
	out := []PublicityItem{}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		list, err := tx.Applications(sqldb.ApplicationFilter{Status: duixian.StatusPublicity, Limit: 500})
		if err != nil {
			return err
		}
		for _, a := range list {
			cl, _ := s.Catalogue.Clause(a.Clause)
			e, err := tx.Enterprise(a.Enterprise, false)
			if err != nil {
				return err
			}
			out = append(out, PublicityItem{Application: a.ID, Clause: a.Clause, Title: cl.Title, Document: cl.Document.Number,
				Enterprise: a.Enterprise, Name: e.Name, Facts: a.Facts, AmountFen: int64(a.Proposed), Amount: a.Proposed.String(),
				From: a.Publicity.From, Until: a.Publicity.Until})
		}
		return nil
	})
	return out, err
}

// Visible lists the applications actor may see, in status unless it is
// empty, newest first, at most 500: an enterprise its own; a reviewer the
// clauses of their department; a co-reviewer those asked for their
// department's opinion; an expert those assigned; finance and supervision
// all but drafts.
func (s *Service) Visible(ctx context.Context, actor duixian.Actor, status duixian.Status) ([]*duixian.Application, error) {
	f := sqldb.ApplicationFilter{Limit: 500, Status: status, NoDrafts: actor.Role != duixian.RoleEnterprise}
	switch actor.Role {
	case duixian.RoleEnterprise:
		f.Enterprise = actor.Enterprise
	case duixian.RoleExpert:
		f.Expert = actor.User
	case duixian.RoleCoReviewer:
		f.Consulted = actor.Department
	case duixian.RoleReviewer:
		for _, cl := range s.Catalogue.Clauses() {
			if cl.Department == actor.Department {
				f.Clauses = append(f.Clauses, cl.ID)
			}
		}
		if len(f.Clauses) == 0 {
			return []*duixian.Application{}, nil
		}
	}
	list := []*duixian.Application{}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		all, err := tx.Applications(f)
		for _, a := range all {
			if s.mayRead(actor, a) {
				list = append(list, asSeenBy(actor, a))
			}
		}
		return err
	})
	return list, err
}

// CoReviewing says whether department was asked for its opinion on a.
func CoReviewing(department string, a *duixian.Application) bool {
	for _, o := range a.Opinions {
		if o.Department == department {
			return true
		}
	}
	return false
}

// OwnClause says whether a's clause is reviewed by department.
func OwnClause(cat *engine.Catalogue, department string, a *duixian.Application) bool {
	cl, ok := cat.Clause(a.Clause)
	return ok && cl.Department == department
}

// AuditTrail lists the audit entries about subject ("" for all), in order.
// Who may read it is the route's to decide (administrators, supervisors).
func (s *Service) AuditTrail(ctx context.Context, subject string) ([]duixian.AuditEntry, error) {
	var log []duixian.AuditEntry
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		log, err = tx.AuditLog(subject)
		return err
	})
	return log, err
}
