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
	StartRun(ctx context.Context, actor duixian.Actor, in matching.RunInput) (*matching.RunProgress, error)
	OfferRun(ctx context.Context, actor duixian.Actor, id string) (*matching.RunProgress, error)
	OfferRuns(ctx context.Context, actor duixian.Actor) ([]*matching.RunProgress, error)
	CancelRun(ctx context.Context, actor duixian.Actor, id string) (*matching.RunProgress, error)
	Offers(ctx context.Context, enterprise string) ([]matching.StoredOffer, error)
	Confirm(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	Decline(ctx context.Context, actor duixian.Actor, id string) error
}

// offerRoutes: 免申即享 — departments start a run over the registry, which
// the job queue's workers match while its page shows how far it got; an
// enterprise sees its offers and confirms one, which becomes an
// application. The API and the pages do the same through Matching.
func (s *Server) offerRoutes() []Route {
	r, page := apiRoute, pageRoute
	enterprise := []duixian.Role{duixian.RoleEnterprise}
	return []Route{
		r("POST", "/offers/run", offerRunners, "免申即享：发起比对，由任务队列执行 / start a run over the registry (a job)", func(q *Request) error {
			var in matching.RunInput
			if err := q.decode(&in); err != nil {
				return err
			}
			run, err := s.Matching.StartRun(q.R.Context(), q.Actor(), in)
			if err != nil {
				return err
			}
			writeJSON(q.W, http.StatusAccepted, run)
			return nil
		}),
		r("GET", "/offers/runs", offerRunners, "免申即享比对记录 / the latest runs", func(q *Request) error {
			return q.send(s.Matching.OfferRuns(q.R.Context(), q.Actor()))
		}),
		r("GET", "/offers/runs/{id}", offerRunners, "比对进度与结果 / a run's progress and result", func(q *Request) error {
			return q.send(s.Matching.OfferRun(q.R.Context(), q.Actor(), q.R.PathValue("id")))
		}),
		r("POST", "/offers/runs/{id}/cancel", offerRunners, "取消比对 / cancel a run", func(q *Request) error {
			return q.send(s.Matching.CancelRun(q.R.Context(), q.Actor(), q.R.PathValue("id")))
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
			return s.offersPage(q, http.StatusOK, &OfficialOffers{EventDate: today, AsOf: today}, nil)
		}),
		page("POST", "/offers", offerRunners, "免申即享：发起比对", func(q *Request) error {
			in := matching.RunInput{EventDate: strings.TrimSpace(q.R.PostFormValue("event_date")), AsOf: strings.TrimSpace(q.R.PostFormValue("as_of"))}
			run, err := s.Matching.StartRun(q.R.Context(), q.Actor(), in)
			if e, ok := err.(*duixian.Error); ok {
				return s.offersPage(q, status(e.Code), &OfficialOffers{EventDate: in.EventDate, AsOf: in.AsOf}, e)
			}
			if err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/offers/runs/"+url.PathEscape(run.ID), http.StatusSeeOther)
			return nil
		}),
		page("GET", "/offers/runs/{id}", offerRunners, "免申即享：比对进度", func(q *Request) error {
			run, err := s.Matching.OfferRun(q.R.Context(), q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			if !run.Status.Final() {
				// The page follows the run until it is over: browsers
				// reload a page that answers with a Refresh header.
				q.W.Header().Set("Refresh", "2")
			}
			flash := ""
			if q.R.URL.Query().Has("cancelled") {
				flash = translate(q.Lang(), "比对已取消")
			}
			return s.offRender(q, http.StatusOK, "offer_run.html", "免申即享：比对进度", run, nil, flash)
		}),
		page("POST", "/offers/runs/{id}/cancel", offerRunners, "免申即享：取消比对", func(q *Request) error {
			run, err := s.Matching.CancelRun(q.R.Context(), q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/offers/runs/"+url.PathEscape(run.ID)+"?cancelled=1", http.StatusSeeOther)
			return nil
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

// OfficialOffers is the 免申即享 page: the form that starts a run, and
// the latest runs.
type OfficialOffers struct {
	EventDate, AsOf string
	Runs            []*matching.RunProgress
}

// offersPage renders the 免申即享 page with the latest runs.
func (s *Server) offersPage(q *Request, code int, v *OfficialOffers, e *duixian.Error) error {
	runs, err := s.Matching.OfferRuns(q.R.Context(), q.Actor())
	if err != nil {
		return err
	}
	v.Runs = runs
	return s.offRender(q, code, "offers.html", "免申即享", v, e, "")
}

// runsOffers says whether u may run 免申即享 and so gets its tab.
func (s *Server) runsOffers(u *duixian.User) bool { return s.Matching.MayRun(u) }
