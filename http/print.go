package http

import (
	"context"
	"net/http"

	"github.com/etown/duixian"
	"github.com/etown/duixian/progress"
	"github.com/etown/duixian/workflow"
)

// The printable 受理回执 (acceptance receipt) and 申报书: pages with print
// CSS, for the enterprise and for the officials who may read the
// application; to anyone else the application is missing.

// Printouts reads an application for printing (package workflow).
type Printouts interface {
	Printout(ctx context.Context, actor duixian.Actor, id string) (*workflow.Printout, error)
}

// printView is what the two printouts show.
type printView struct {
	*progress.View
	Enterprise, USCC string
	Clause, Cite     string
	Department       string
	Submitted        string // Beijing time
	Today            string
}

// MaterialName is the clause's name of a material, by its id.
func (v printView) MaterialName(kind string) string {
	for _, r := range v.Materials {
		if r.Material.ID == kind {
			return r.Material.Zh
		}
	}
	return kind
}

func (s *Server) printRoutes() []Route {
	var p Printouts = s.Service
	show := func(tmpl, title string) func(q *Request) error {
		return func(q *Request) error {
			out, err := p.Printout(q.R.Context(), q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			a := out.App
			v := printView{View: progress.Of(s.Catalogue, a, out.Log, q.Lang()), Enterprise: out.EnterpriseName, USCC: a.Enterprise,
				Clause: a.Clause, Submitted: progress.Time(out.Submitted), Today: duixian.DateOf(s.now()).String()}
			if cl, ok := s.Catalogue.Clause(a.Clause); ok {
				v.Clause, v.Cite, v.Department = cl.Title, cl.Cite().String(), cl.Department
			}
			if tmpl == "receipt.html" && out.Submitted.IsZero() {
				return duixian.Errorf(duixian.ECONFLICT, "application", "申报 %s 尚未提交，没有受理回执", "application %s is not submitted and has no receipt", a.ID)
			}
			return s.pages.render(q, http.StatusOK, tmpl, title+" "+a.ID, v)
		}
	}
	return []Route{
		pageRoute("GET", "/my/{id}/receipt", enterprise, "受理回执（可打印）", show("receipt.html", "受理回执")),
		pageRoute("GET", "/my/{id}/form", enterprise, "申报书（可打印）", show("declaration.html", "申报书")),
		pageRoute("GET", "/cases/{id}/receipt", officials, "受理回执（可打印）", show("receipt.html", "受理回执")),
		pageRoute("GET", "/cases/{id}/form", officials, "申报书（可打印）", show("declaration.html", "申报书")),
	}
}
