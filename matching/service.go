package matching

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

// Service is matching as the platform offers it: the calculator for one
// enterprise, and 免申即享 runs over the registry with the offers they store
// for enterprises to confirm or decline.
type Service struct {
	Workflow *workflow.Service // its store, catalogue and clock; a confirmed offer is submitted there
}

// NewService returns matching over wf.
func NewService(wf *workflow.Service) *Service { return &Service{Workflow: wf} }

func (s *Service) db() *sqldb.DB          { return s.Workflow.DB }
func (s *Service) cat() *engine.Catalogue { return s.Workflow.Catalogue }
func (s *Service) now() time.Time         { return s.Workflow.Now() }
func (s *Service) today() duixian.Date    { return duixian.DateOf(s.now()) }

// Calculate runs the calculator for enterprise: what it qualifies for on
// eventDate (today when empty) from the facts it typed, over which the
// facts the platform holds (its registry file, its bans, the award ledger)
// win, as at submission.
func (s *Service) Calculate(ctx context.Context, enterprise string, typed map[string]any, eventDate string) ([]engine.Match, error) {
	pf, err := s.Workflow.PlatformFacts(ctx, duixian.Actor{Role: duixian.RoleEnterprise, Enterprise: enterprise})
	if err != nil {
		return nil, err
	}
	return s.cat().Calculate(typed, pf.Known, eventDate, s.today())
}

// RunInput is what a 免申即享 run is asked: dates as YYYY-MM-DD (today when
// empty) and the clauses to match (all the runner may push when empty).
type RunInput struct {
	EventDate string   `json:"event_date"`
	AsOf      string   `json:"as_of"`
	Clauses   []string `json:"clauses"`
}

// OfferRun is what one match over the registry found and stored.
type OfferRun struct {
	EventDate, AsOf duixian.Date
	Department      string // the reviewer's department, whose clauses alone were matched; empty for an administrator
	Enterprises     int
	Clauses         int
	Offers          []Offer       // the OffersShown largest, highest amount first
	OfferCount      int           // all offers, each stored
	Amount          duixian.Money // of all offers
	Stored          int           // new or refreshed; confirmed and declined offers are kept as they are
	NearMisses      int
	Unreadable      []string // enterprises whose registry file a clause cannot read
	// Undecided lists the first UndecidedShown clauses that apply to an
	// enterprise but could not be decided (无法判定), with the reason; a
	// broken clause can be undecided for every enterprise.
	Undecided      []string
	UndecidedTotal int
}

// UndecidedShown is how many undecided clauses a run lists.
const UndecidedShown = 50

// OffersShown is how many offers a run lists; all are stored.
const OffersShown = 200

// MayRun says whether u may run 免申即享: an administrator, or a reviewer
// whose department reviews a clause that pays (the land departments review
// none).
func (s *Service) MayRun(u *duixian.User) bool {
	switch {
	case u == nil:
		return false
	case u.Role == duixian.RoleAdmin:
		return true
	case u.Role != duixian.RoleReviewer:
		return false
	}
	return len(s.paidBy(u.Department)) > 0
}

// paidBy lists the clauses that pay and that department reviews.
func (s *Service) paidBy(department string) []string {
	var ids []string
	for _, cl := range s.cat().Clauses() {
		if cl.Pays() && cl.Department == department {
			ids = append(ids, cl.ID)
		}
	}
	return ids
}

// RunOffers matches every enterprise of the registry against the clauses in
// force and stores the offers, as actor. A reviewer matches only the
// clauses of the department they review for: pushing another department's
// awards is not theirs to do.
func (s *Service) RunOffers(ctx context.Context, actor duixian.Actor, in RunInput) (*OfferRun, error) {
	cat := s.cat()
	today := s.today()
	run := &OfferRun{EventDate: today, AsOf: today}
	var err error
	if in.EventDate != "" {
		if run.EventDate, err = duixian.ParseDate(in.EventDate); err != nil {
			return nil, duixian.Errorf(duixian.EINVALID, "event_date", "事项发生日期格式应为 YYYY-MM-DD", "event_date must be YYYY-MM-DD")
		}
	}
	if in.AsOf != "" {
		if run.AsOf, err = duixian.ParseDate(in.AsOf); err != nil {
			return nil, duixian.Errorf(duixian.EINVALID, "as_of", "判定日期格式应为 YYYY-MM-DD", "as_of must be YYYY-MM-DD")
		}
	}
	clauses := in.Clauses
	for _, id := range clauses {
		if _, ok := cat.Clause(id); !ok {
			return nil, duixian.Errorf(duixian.ENOTFOUND, "clauses", "没有条款 %s", "no clause %s", id)
		}
	}
	if actor.Role == duixian.RoleReviewer {
		run.Department = actor.Department
		own := s.paidBy(run.Department)
		for _, id := range clauses {
			if !slices.Contains(own, id) {
				return nil, duixian.Errorf(duixian.EFORBIDDEN, "clauses", "条款 %s 不由%s审核，不能推送", "clause %s is not reviewed by %s", id, run.Department)
			}
		}
		if len(clauses) == 0 {
			if len(own) == 0 {
				return nil, duixian.Errorf(duixian.EINVALID, "department", "%s没有负责审核的奖励条款", "%s reviews no clause that pays", run.Department)
			}
			clauses = own
		}
	}
	b := cat.NewBatch(run.EventDate, run.AsOf, true, clauses...)
	// The registry streams through: each page's offers are stored as it is
	// decided, and only the largest are kept to show.
	at := s.now()
	t, err := Stream(ctx, s.db(), cat, b, run.AsOf, nil, func(p *Page) error {
		n, err := Store(ctx, s.db(), actor, at, p.Offers)
		run.Stored += n
		run.Offers = largest(append(run.Offers, p.Offers...), OffersShown)
		run.Unreadable = append(run.Unreadable, p.Errors...)
		for _, u := range p.Undecided[:min(len(p.Undecided), UndecidedShown-len(run.Undecided))] {
			run.Undecided = append(run.Undecided, u.String())
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	run.Enterprises, run.Clauses, run.OfferCount, run.Amount, run.NearMisses, run.UndecidedTotal =
		t.Enterprises, b.Clauses(), t.Offers, t.Amount, t.NearMisses, t.Undecided
	return run, nil
}

// largest keeps the n offers with the highest amounts, highest first (ties
// by enterprise and clause, so the list does not depend on scheduling).
func largest(offers []Offer, n int) []Offer {
	slices.SortFunc(offers, func(a, b Offer) int {
		if a.Decision.Amount != b.Decision.Amount {
			return cmp.Compare(b.Decision.Amount, a.Decision.Amount)
		}
		return cmp.Compare(a.Enterprise+a.Decision.Clause, b.Enterprise+b.Decision.Clause)
	})
	return offers[:min(len(offers), n)]
}

// Offers lists enterprise's stored offers.
func (s *Service) Offers(ctx context.Context, enterprise string) ([]StoredOffer, error) {
	return Offers(ctx, s.db(), enterprise)
}

// Confirm turns the open offer id into a submitted application (Confirm).
func (s *Service) Confirm(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error) {
	return Confirm(ctx, s.Workflow, actor, id)
}

// Decline records that actor's enterprise does not want the offer id (Decline).
func (s *Service) Decline(ctx context.Context, actor duixian.Actor, id string) error {
	return Decline(ctx, s.db(), actor, s.now(), id)
}
