package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
)

var offerRunners = []duixian.Role{duixian.RoleReviewer, duixian.RoleAdmin}

// Matching is the calculator and 免申即享 (matching.Service).
type Matching interface {
	Calculate(ctx context.Context, enterprise string, typed map[string]any, eventDate string) ([]engine.Match, error)
	MayRun(u *duixian.User) bool
	RunOffers(ctx context.Context, actor duixian.Actor, in matching.RunInput) (*matching.OfferRun, error)
	Offers(ctx context.Context, enterprise string) ([]matching.StoredOffer, error)
	Confirm(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	Decline(ctx context.Context, actor duixian.Actor, id string) error
}

// offerRoutes: 免申即享 — departments run the match over the registry, an
// enterprise sees its offers and confirms one, which becomes an application.
// The API and the pages do the same through Matching.
func (s *Server) offerRoutes() []Route {
	r, page := apiRoute, pageRoute
	enterprise := []duixian.Role{duixian.RoleEnterprise}
	return []Route{
		r("POST", "/offers/run", offerRunners, "免申即享：比对全部企业并推送 / match the registry and store offers", func(q *Request) error {
			var in matching.RunInput
			if err := q.decode(&in); err != nil {
				return err
			}
			run, err := s.Matching.RunOffers(q.R.Context(), q.Actor(), in)
			if err != nil {
				return err
			}
			return q.ok(map[string]any{"enterprises": run.Enterprises, "clauses": run.Clauses, "offers": run.OfferCount, "stored": run.Stored,
				"near_misses": run.NearMisses, "unreadable": len(run.Unreadable), "undecided": run.UndecidedTotal})
		}),
		r("GET", "/offers", enterprise, "本企业的免申即享推送 / my offers", func(q *Request) error {
			return q.send(s.Matching.Offers(q.R.Context(), q.User.Enterprise))
		}),
		r("POST", "/offers/confirm/{id...}", enterprise, "确认推送事项并提交申报 / confirm an offer", func(q *Request) error {
			return q.send(s.Matching.Confirm(q.R.Context(), q.Actor(), q.R.PathValue("id")))
		}),
		r("POST", "/offers/decline/{id...}", enterprise, "不需要该推送事项 / decline an offer", func(q *Request) error {
			if err := s.Matching.Decline(q.R.Context(), q.Actor(), q.R.PathValue("id")); err != nil {
				return err
			}
			return q.ok(map[string]string{"status": "declined"})
		}),
		page("GET", "/offers", offerRunners, "免申即享：数据比对", func(q *Request) error {
			today := duixian.DateOf(s.now()).String()
			return s.offRender(q, http.StatusOK, "offers.html", "免申即享", &OfficialOffers{EventDate: today, AsOf: today}, nil, "")
		}),
		page("POST", "/offers", offerRunners, "免申即享：比对并推送", func(q *Request) error {
			in := matching.RunInput{EventDate: strings.TrimSpace(q.R.PostFormValue("event_date")), AsOf: strings.TrimSpace(q.R.PostFormValue("as_of"))}
			v := &OfficialOffers{EventDate: in.EventDate, AsOf: in.AsOf}
			run, err := s.Matching.RunOffers(q.R.Context(), q.Actor(), in)
			if err != nil {
				e, ok := err.(*duixian.Error)
				if !ok {
					return err
				}
				return s.offRender(q, status(e.Code), "offers.html", "免申即享", v, e, "")
			}
			v.Run, v.Total = run, run.OfferCount
			return s.offRender(q, http.StatusOK, "offers.html", "免申即享", v, nil, "")
		}),
		page("POST", "/my/offers/confirm", enterprise, "确认免申即享推送并提交申报", func(q *Request) error {
			a, err := s.Matching.Confirm(q.R.Context(), q.Actor(), q.R.PostFormValue("offer"))
			if err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/my/"+url.PathEscape(a.ID)+"?submitted=1", http.StatusSeeOther)
			return nil
		}),
		page("POST", "/my/offers/decline", enterprise, "不需要该免申即享推送", func(q *Request) error {
			if err := s.Matching.Decline(q.R.Context(), q.Actor(), q.R.PostFormValue("offer")); err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/my?declined=1", http.StatusSeeOther)
			return nil
		}),
	}
}

// OfficialOffers is the 免申即享 page: the run's dates and, after a run,
// what it found.
type OfficialOffers struct {
	EventDate, AsOf string
	Run             *matching.OfferRun
	Total           int // offers found; the page lists the matching.OffersShown largest
}

// runsOffers says whether u may run 免申即享 and so gets its tab.
func (s *Server) runsOffers(u *duixian.User) bool { return s.Matching.MayRun(u) }
