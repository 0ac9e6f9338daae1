package http

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/workflow"
)

// Rounds is the workflow's application rounds (申报批次, 申报指南).
type Rounds interface {
	PublishRound(ctx context.Context, actor duixian.Actor, in workflow.RoundInput) (*duixian.Round, error)
	Rounds(ctx context.Context, document string) ([]*duixian.Round, error)
	Round(ctx context.Context, id string) (*duixian.Round, error)
	ClauseWindow(ctx context.Context, clause string) (workflow.RoundWindow, error)
}

// RoundsPage is the 申报指南 page: the rounds open and to come, those
// closed, and for a department's reviewer the form that publishes one.
type RoundsPage struct {
	Open, Coming, Closed []*duixian.Round
	Documents            []*engine.Document // the documents the reader may publish a guide of
	Posted               url.Values
}

// Val is what was posted in a failed form.
func (p *RoundsPage) Val(name string) string { return p.Posted.Get(name) }

func (s *Server) roundRoutes() []Route {
	R := Rounds(s.Service)
	list := func(q *Request, code int, posted url.Values, e *duixian.Error, flash string) error {
		all, err := R.Rounds(q.R.Context(), "")
		if err != nil {
			return err
		}
		v := &RoundsPage{Posted: posted}
		today := duixian.DateOf(s.now())
		for _, r := range all {
			switch {
			case r.OpenOn(today):
				v.Open = append(v.Open, r)
			case r.Opens.After(today):
				v.Coming = append(v.Coming, r)
			default:
				v.Closed = append(v.Closed, r)
			}
		}
		if q.User != nil && q.User.Role == duixian.RoleReviewer {
			for _, d := range s.Catalogue.Documents() {
				if d.Procedure.Rounds && d.Department == q.User.Department {
					v.Documents = append(v.Documents, d)
				}
			}
		}
		return s.offRender(q, code, "rounds.html", "申报指南", v, e, flash)
	}
	return []Route{
		apiRoute("GET", "/rounds", anyone, "申报批次与申报指南（?document=）/ application rounds and their guides", func(q *Request) error {
			return q.send(R.Rounds(q.R.Context(), q.R.URL.Query().Get("document")))
		}),
		apiRoute("GET", "/rounds/{id}", anyone, "一个申报批次 / one round", func(q *Request) error {
			return q.send(R.Round(q.R.Context(), q.R.PathValue("id")))
		}),
		apiRoute("POST", "/rounds", reviewer, "发布申报指南（21号第十二条（一））/ publish a round's guide", func(q *Request) error {
			var in workflow.RoundInput
			if err := q.decode(&in); err != nil {
				return err
			}
			return q.send(R.PublishRound(q.R.Context(), q.Actor(), in))
		}),
		pageRoute("GET", "/rounds", anyone, "申报指南", func(q *Request) error { return list(q, http.StatusOK, nil, nil, "") }),
		pageRoute("GET", "/rounds/{id}", anyone, "申报指南", func(q *Request) error {
			r, err := R.Round(q.R.Context(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			d, _ := s.Catalogue.Document(r.Document)
			// The department's reviewers compile the round's plan here.
			planFor := d != nil && d.Procedure.Plan && q.User != nil && q.User.Role == duixian.RoleReviewer && q.User.Department == r.Department
			return s.offRender(q, http.StatusOK, "round.html", r.Title, map[string]any{"Round": r, "Document": d,
				"Open": r.OpenOn(duixian.DateOf(s.now())), "PlanFor": planFor}, nil, "")
		}),
		pageRoute("POST", "/rounds", reviewer, "发布申报指南", func(q *Request) error {
			in, err := roundForm(q.R.PostForm)
			if err == nil {
				var r *duixian.Round
				if r, err = R.PublishRound(q.R.Context(), q.Actor(), in); err == nil {
					http.Redirect(q.W, q.R, "/rounds/"+r.ID, http.StatusSeeOther)
					return nil
				}
			}
			var e *duixian.Error
			if errors.As(err, &e) {
				return list(q, status(e.Code), q.R.PostForm, e, "")
			}
			return err
		}),
	}
}

// roundForm reads the guide's form: dates as YYYY-MM-DD, the budget in 元
// or 万元 as the engine reads amounts, the clauses one per line.
func roundForm(f url.Values) (workflow.RoundInput, error) {
	in := workflow.RoundInput{Document: f.Get("document"), Title: f.Get("title"), Text: f.Get("text"), Offers: f.Get("offers") == "yes"}
	var err error
	if in.Year, err = strconv.Atoi(strings.TrimSpace(f.Get("year"))); err != nil {
		return in, duixian.Errorf(duixian.EINVALID, "year", "年度应为四位数字", "the year must be four digits")
	}
	for _, d := range []struct {
		name string
		to   *duixian.Date
	}{{"opens", &in.Opens}, {"closes", &in.Closes}} {
		if *d.to, err = duixian.ParseDate(strings.TrimSpace(f.Get(d.name))); err != nil {
			return in, duixian.Errorf(duixian.EINVALID, d.name, "日期格式应为 YYYY-MM-DD", "%s must be YYYY-MM-DD", d.name)
		}
	}
	if b := strings.TrimSpace(f.Get("budget")); b != "" {
		amount, err := duixian.ParseAmount(b)
		if err != nil {
			return in, duixian.Errorf(duixian.EINVALID, "budget", "预算金额无效：%v", "the budget is not an amount: %v", err)
		}
		if in.Budget, err = duixian.MoneyFromDecimal(amount); err != nil {
			return in, err
		}
	}
	in.Clauses = strings.Fields(f.Get("clauses"))
	return in, nil
}
