package http

import (
	"github.com/etown/duixian"
	"github.com/etown/duixian/matching"
)

// offerRoutes: 免申即享 — departments run the match over the registry, an
// enterprise sees its offers and confirms one, which becomes an application.
func (s *Server) offerRoutes() []Route {
	r := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/api/v1" + path, Roles: roles, Summary: summary, API: true, handle: h}
	}
	return []Route{
		r("POST", "/offers/run", []duixian.Role{duixian.RoleReviewer, duixian.RoleAdmin}, "免申即享：比对全部企业并推送 / match the registry and store offers", func(q *Request) error {
			var in struct {
				EventDate string   `json:"event_date"`
				AsOf      string   `json:"as_of"`
				Clauses   []string `json:"clauses"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			today := duixian.DateOf(s.now())
			ev, asOf := today, today
			var err error
			if in.EventDate != "" {
				if ev, err = duixian.ParseDate(in.EventDate); err != nil {
					return duixian.Errorf(duixian.EINVALID, "event_date", "日期格式应为 YYYY-MM-DD", "event_date must be YYYY-MM-DD")
				}
			}
			if in.AsOf != "" {
				if asOf, err = duixian.ParseDate(in.AsOf); err != nil {
					return duixian.Errorf(duixian.EINVALID, "as_of", "日期格式应为 YYYY-MM-DD", "as_of must be YYYY-MM-DD")
				}
			}
			subjects, bad, err := matching.Load(q.R.Context(), s.DB, s.Catalogue, asOf)
			if err != nil {
				return err
			}
			res, err := matching.Run(q.R.Context(), subjects, s.Catalogue.NewBatch(ev, asOf, true, in.Clauses...), nil)
			if err != nil {
				return err
			}
			stored, err := matching.Store(q.R.Context(), s.DB, res.Offers)
			if err != nil {
				return err
			}
			return q.ok(map[string]any{"enterprises": res.Enterprises, "offers": len(res.Offers), "stored": stored,
				"near_misses": len(res.NearMisses), "unreadable": len(bad) + len(res.Errors)})
		}),
		r("GET", "/offers", []duixian.Role{duixian.RoleEnterprise}, "本企业的免申即享推送 / my offers", func(q *Request) error {
			list, err := matching.Offers(q.R.Context(), s.DB, q.User.Enterprise)
			if err != nil {
				return err
			}
			return q.ok(list)
		}),
		r("POST", "/offers/confirm/{id...}", []duixian.Role{duixian.RoleEnterprise}, "确认推送事项并提交申报 / confirm an offer", func(q *Request) error {
			a, err := matching.Confirm(q.R.Context(), s.Service, q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			return q.ok(a)
		}),
	}
}
