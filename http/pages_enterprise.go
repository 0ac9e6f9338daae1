package http

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/form"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/workflow"
)

// EnterpriseCases is what the enterprise pages ask of package workflow:
// the enterprise's applications and the facts the platform fills for it.
type EnterpriseCases interface {
	EnterpriseApplications(ctx context.Context, actor duixian.Actor, status duixian.Status, p duixian.PageRequest) (*duixian.Page[*duixian.Application], error)
	Application(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	ApplicationHistory(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, []duixian.AuditEntry, error)
	PlatformFacts(ctx context.Context, actor duixian.Actor) (*workflow.PlatformFacts, error)
}

// ApplicationDrafts is how an enterprise drafts, submits and withdraws its
// applications (package workflow).
type ApplicationDrafts interface {
	Drafted(ctx context.Context, actor duixian.Actor, key string) (*duixian.Application, error)
	CreateDraft(ctx context.Context, actor duixian.Actor, in workflow.DraftInput) (*duixian.Application, error)
	UpdateDraft(ctx context.Context, actor duixian.Actor, id string, facts json.RawMessage, declared bool) (*duixian.Application, error)
	ReviseDraft(ctx context.Context, actor duixian.Actor, id string, in workflow.DraftRevision) (*duixian.Application, error)
	Submit(ctx context.Context, actor duixian.Actor, id, key string) (*duixian.Application, error)
	Withdraw(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
}

// OfferLister lists the awards found for an enterprise from government
// data alone (package matching).
type OfferLister interface {
	Offers(ctx context.Context, enterprise string) ([]matching.StoredOffer, error)
}

// entPages serves the enterprise pages from the services above, so that
// they can be tried against fakes.
type entPages struct {
	cases  EnterpriseCases
	people People
	drafts ApplicationDrafts
	// materials takes the files sent with the application form.
	materials Materials
	offers    OfferLister
	cat       *engine.Catalogue
	rounds    interface {
		ClauseWindow(ctx context.Context, clause string) (workflow.RoundWindow, error)
	}
	now    func() time.Time
	render func(q *Request, code int, name, title string, data any) error
}

// enterprisePages are the pages enterprise staff use: the calculator,
// application forms, their applications and each one's timeline.
func (s *Server) enterprisePages() []Route { return s.enterprise().routes() }

// enterprise is the enterprise pages over the server's services.
func (s *Server) enterprise() *entPages {
	return &entPages{cases: s.Service, people: s.Account, drafts: s.Service, materials: s.Service, offers: matching.OfferBook{DB: s.DB}, cat: s.Catalogue, now: s.now,
		rounds: s.Service,
		// The templates are loaded after the route table is built.
		render: func(q *Request, code int, name, title string, data any) error {
			return s.pages.render(q, code, name, title, data)
		}}
}

func (h *entPages) routes() []Route {
	page := func(method, path, summary string, f func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: enterprise, Summary: summary, handle: f}
	}
	// The calculator is open to anyone (pages_calculator.go); its POST
	// computes and changes nothing, so it needs no CSRF token.
	// The form carries the materials' files (enctype multipart/form-data).
	upload := func(rt Route) Route { rt.Upload = material.MaxApplicationSize; return rt }
	calc := Route{Method: "POST", Path: "/calculator", Roles: anyone, Summary: "政策计算器：测算", Safe: true, handle: h.entCalcPost}
	return []Route{
		{Method: "GET", Path: "/calculator", Roles: anyone, Summary: "政策计算器", handle: h.entCalcGet},
		calc,
		page("GET", "/apply/{doc}/{art}", "在线申报", h.entApplyGet),
		upload(page("POST", "/apply/{doc}/{art}", "在线申报：保存或提交", h.entApplyPost)),
		page("GET", "/my", "我的申报", h.entMyList),
		page("GET", "/my/{id}", "申报详情与办理进度", h.entMyDetail),
		page("POST", "/my/{id}/withdraw", "撤回申报", h.entWithdraw),
		page("POST", "/my/{id}/submit", "提交申报", h.entSubmit),
	}
}

// platform reads the facts the platform fills in the signed-in
// enterprise's forms.
func (h *entPages) platform(q *Request) (*form.Platform, error) {
	pf, err := h.cases.PlatformFacts(q.R.Context(), q.Actor())
	if err != nil {
		return nil, err
	}
	return &form.Platform{Known: pf.Known, Banned: pf.Banned, Ledger: pf.Ledger}, nil
}

// previous is the form values of the enterprise's earlier applications.
func (h *entPages) previous(q *Request) (url.Values, error) {
	list, err := h.cases.EnterpriseApplications(q.R.Context(), q.Actor(), "", duixian.PageRequest{Limit: 50})
	if err != nil {
		return nil, err
	}
	return form.Previous(list.Items), nil
}
