package http

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/matching"
)

var offerRunners = []duixian.Role{duixian.RoleReviewer, duixian.RoleAdmin}

// offerRoutes: 免申即享 — departments run the match over the registry, an
// enterprise sees its offers and confirms one, which becomes an application.
// The API and the pages do the same through runOffers and matching.Confirm.
func (s *Server) offerRoutes() []Route {
	r := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/api/v1" + path, Roles: roles, Summary: summary, API: true, handle: h}
	}
	page := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: roles, Summary: summary, handle: h}
	}
	enterprise := []duixian.Role{duixian.RoleEnterprise}
	return []Route{
		r("POST", "/offers/run", offerRunners, "免申即享：比对全部企业并推送 / match the registry and store offers", func(q *Request) error {
			var in offerRunInput
			if err := q.decode(&in); err != nil {
				return err
			}
			run, err := s.runOffers(q, in)
			if err != nil {
				return err
			}
			return q.ok(map[string]any{"enterprises": run.Enterprises, "clauses": run.Clauses, "offers": len(run.Offers), "stored": run.Stored,
				"near_misses": run.NearMisses, "unreadable": len(run.Unreadable), "undecided": run.UndecidedTotal})
		}),
		r("GET", "/offers", enterprise, "本企业的免申即享推送 / my offers", func(q *Request) error {
			list, err := matching.Offers(q.R.Context(), s.DB, q.User.Enterprise)
			if err != nil {
				return err
			}
			return q.ok(list)
		}),
		r("POST", "/offers/confirm/{id...}", enterprise, "确认推送事项并提交申报 / confirm an offer", func(q *Request) error {
			a, err := matching.Confirm(q.R.Context(), s.Service, q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			return q.ok(a)
		}),
		r("POST", "/offers/decline/{id...}", enterprise, "不需要该推送事项 / decline an offer", func(q *Request) error {
			if err := matching.Decline(q.R.Context(), s.DB, q.Actor(), s.now(), q.R.PathValue("id")); err != nil {
				return err
			}
			return q.ok(map[string]string{"status": "declined"})
		}),
		page("GET", "/offers", offerRunners, "免申即享：数据比对", func(q *Request) error {
			today := duixian.DateOf(s.now()).String()
			return s.offRender(q, http.StatusOK, "offers.html", "免申即享", &OfficialOffers{EventDate: today, AsOf: today}, nil, "")
		}),
		page("POST", "/offers", offerRunners, "免申即享：比对并推送", func(q *Request) error {
			in := offerRunInput{EventDate: strings.TrimSpace(q.R.PostFormValue("event_date")), AsOf: strings.TrimSpace(q.R.PostFormValue("as_of"))}
			v := &OfficialOffers{EventDate: in.EventDate, AsOf: in.AsOf}
			run, err := s.runOffers(q, in)
			if err != nil {
				e, ok := err.(*duixian.Error)
				if !ok {
					return err
				}
				return s.offRender(q, status(e.Code), "offers.html", "免申即享", v, e, "")
			}
			v.Run, v.Total = run, len(run.Offers)
			if len(run.Offers) > offersShown {
				// Every offer is stored; a page of 60,000 rows helps nobody.
				run.Offers = run.Offers[:offersShown]
			}
			return s.offRender(q, http.StatusOK, "offers.html", "免申即享", v, nil, "")
		}),
		page("POST", "/my/offers/confirm", enterprise, "确认免申即享推送并提交申报", func(q *Request) error {
			a, err := matching.Confirm(q.R.Context(), s.Service, q.Actor(), q.R.PostFormValue("offer"))
			if err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/my/"+url.PathEscape(a.ID)+"?submitted=1", http.StatusSeeOther)
			return nil
		}),
		page("POST", "/my/offers/decline", enterprise, "不需要该免申即享推送", func(q *Request) error {
			if err := matching.Decline(q.R.Context(), s.DB, q.Actor(), s.now(), q.R.PostFormValue("offer")); err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/my?declined=1", http.StatusSeeOther)
			return nil
		}),
	}
}

type offerRunInput struct {
	EventDate string   `json:"event_date"`
	AsOf      string   `json:"as_of"`
	Clauses   []string `json:"clauses"`
}

// OfficialOffers is the 免申即享 page: the run's dates and, after a run,
// what it found.
type OfficialOffers struct {
	EventDate, AsOf string
	Run             *OfferRun
	Total           int // offers found; the page lists the first offersShown
}

// offersShown is how many offers the page lists, highest amount first.
const offersShown = 200

// OfferRun is what one match over the registry found and stored.
type OfferRun struct {
	EventDate, AsOf duixian.Date
	Department      string // the reviewer's department, whose clauses alone were matched; empty for an administrator
	Enterprises     int
	Clauses         int
	Offers          []matching.Offer // eligible, highest amount first
	Amount          duixian.Money    // of all offers
	Stored          int              // new or refreshed; confirmed and declined offers are kept as they are
	NearMisses      int
	Unreadable      []string // enterprises whose registry file a clause cannot read
	// Undecided lists the first undecidedShown clauses that apply to an
	// enterprise but could not be decided (无法判定), with the reason; a
	// broken clause can be undecided for every enterprise.
	Undecided      []string
	UndecidedTotal int
}

const undecidedShown = 50

// runsOffers says whether u may run 免申即享 and gets its tab: an
// administrator, or a reviewer whose department reviews a clause that pays
// (the land departments review none).
func (s *Server) runsOffers(u *duixian.User) bool {
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
func (s *Server) paidBy(department string) []string {
	var ids []string
	for _, cl := range s.Catalogue.Clauses() {
		if cl.Pays() && cl.Department == department {
			ids = append(ids, cl.ID)
		}
	}
	return ids
}

// runOffers matches every enterprise of the registry against the clauses in
// force and stores the offers. A reviewer matches only the clauses of the
// department they review for: pushing another department's awards is not
// theirs to do.
func (s *Server) runOffers(q *Request, in offerRunInput) (*OfferRun, error) {
	today := duixian.DateOf(s.now())
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
		if _, ok := s.Catalogue.Clause(id); !ok {
			return nil, duixian.Errorf(duixian.ENOTFOUND, "clauses", "没有条款 %s", "no clause %s", id)
		}
	}
	if q.User.Role == duixian.RoleReviewer {
		run.Department = q.User.Department
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
	ctx := q.R.Context()
	subjects, bad, err := matching.Load(ctx, s.DB, s.Catalogue, run.AsOf)
	if err != nil {
		return nil, err
	}
	b := s.Catalogue.NewBatch(run.EventDate, run.AsOf, true, clauses...)
	res, err := matching.Run(ctx, subjects, b, nil)
	if err != nil {
		return nil, err
	}
	if run.Stored, err = matching.Store(ctx, s.DB, q.Actor(), s.now(), res.Offers); err != nil {
		return nil, err
	}
	run.Enterprises, run.Clauses, run.Offers, run.NearMisses = res.Enterprises, b.Clauses(), res.Offers, len(res.NearMisses)
	for _, o := range res.Offers {
		run.Amount += o.Decision.Amount
	}
	for _, e := range bad {
		run.Unreadable = append(run.Unreadable, e.Error())
	}
	run.Unreadable = append(run.Unreadable, res.Errors...)
	run.UndecidedTotal = len(res.Undecided)
	for _, u := range res.Undecided[:min(len(res.Undecided), undecidedShown)] {
		run.Undecided = append(run.Undecided, u.String())
	}
	return run, nil
}
