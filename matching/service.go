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
	// Queue runs the runs (package jobs); without one, StartRun fails.
	Queue Queue
	// PartitionSize is how many enterprises a partition of a run holds
	// (PageSize when 0).
	PartitionSize int
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
		if cl.Pays() && cl.Responsible(department) {
			ids = append(ids, cl.ID)
		}
	}
	return ids
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
