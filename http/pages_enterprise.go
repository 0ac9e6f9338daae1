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
	"github.com/etown/duixian/workflow"
)

// EnterpriseCases is what the enterprise pages ask of package workflow:
// the enterprise's applications and the facts the platform fills for it.
type EnterpriseCases interface {
	EnterpriseApplications(ctx context.Context, actor duixian.Actor, status duixian.Status, limit int) ([]*duixian.Application, error)
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
	drafts ApplicationDrafts
	offers OfferLister
	cat    *engine.Catalogue
	now    func() time.Time
	render func(q *Request, code int, name, title string, data any) error
}

// enterprisePages are the pages enterprise staff use: the calculator,
// application forms, their applications and each one's timeline.
func (s *Server) enterprisePages() []Route {
	h := &entPages{cases: s.Service, drafts: s.Service, offers: matching.OfferBook{DB: s.DB}, cat: s.Catalogue, now: s.now,
		// The templates are loaded after the route table is built.
		render: func(q *Request, code int, name, title string, data any) error {
			return s.pages.render(q, code, name, title, data)
		}}
	return h.routes()
}

func (h *entPages) routes() []Route {
	page := func(method, path, summary string, f func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: enterprise, Summary: summary, handle: f}
	}
	calc := page("POST", "/calculator", "政策计算器：测算", h.entCalcPost)
	calc.Safe = true // it computes and changes nothing
	return []Route{
		page("GET", "/calculator", "政策计算器", h.entCalcGet),
		calc,
		page("GET", "/apply/{doc}/{art}", "在线申报", h.entApplyGet),
		page("POST", "/apply/{doc}/{art}", "在线申报：保存或提交", h.entApplyPost),
		page("GET", "/my", "我的申报", h.entMyList),
		page("GET", "/my/{id}", "申报详情与办理进度", h.entMyDetail),
		page("POST", "/my/{id}/withdraw", "撤回申报", h.entWithdraw),
		page("POST", "/my/{id}/submit", "提交申报", h.entSubmit),
	}
}

// entFixed is what api.go's match reads of the platform's facts.
type entFixed struct{ known duixian.Facts }

func (s *Server) entFixedFor(q *Request) (*entFixed, error) {
	pf, err := s.Service.PlatformFacts(q.R.Context(), q.Actor())
	if err != nil {
		return nil, err
	}
	return &entFixed{known: pf.Known}, nil
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
	list, err := h.cases.EnterpriseApplications(q.R.Context(), q.Actor(), "", 50)
	if err != nil {
		return nil, err
	}
	return form.Previous(list), nil
}

// Labels of the enterprise pages in English, for the language switch.
var entTranslations = map[string]string{
	"在线申报": "Apply online", "申报详情": "Application", "办理进度": "Progress", "测算": "Calculate",
	"事项发生日期": "Event date", "项目名称": "Project", "常用信息": "Common facts", "政府数据": "Government data",
	"可享受的政策": "You qualify for", "差一点：未满足的条件": "Near misses: conditions not met", "还需补充信息": "More facts needed",
	"无法判定": "Cannot be decided",
	"预计金额": "Estimated amount", "计算过程": "How it was computed", "您填写": "you entered", "去申报": "Apply",
	"查看条款": "Read the clause", "缺少": "Missing", "申报编号": "Application no.", "最近更新": "Last update",
	"已拨付": "Paid", "操作": "Actions", "撤回申报": "Withdraw", "修改申报信息": "Edit the facts", "重新提交": "Resubmit",
	"提交申报": "Submit", "保存草稿": "Save draft", "申报承诺": "Declaration", "条款原文": "Article text",
	"申报条件": "Conditions", "补助标准": "How the amount is computed", "申报信息": "Declared facts",
	"受理时测算（已冻结）": "Decision at submission (frozen)", "最新复核": "Latest review", "办理过程": "Timeline",
	"金额": "Amount", "状态": "Status", "条款": "Clause", "添加行": "Add rows", "返回我的申报": "Back to my applications",
	"全部状态": "All statuses", "筛选": "Filter", "继续填写": "Continue", "查看": "View", "新建申报": "New application",
	"是": "Yes", "否": "No", "不确定": "Not sure", "请选择": "Choose", "以上均无": "None of these", "单位": "Unit",
	"由政府数据提供": "Provided by government data", "测算结果": "Results", "重新测算": "Recalculate", "清空": "Clear",
	"基本信息": "Basic information", "由平台根据撤销记录确定": "Set by the platform from revocation records",
	"由平台根据奖励台账确定":  "Set by the platform from its award ledger",
	"以本页底部的申报承诺为准": "Set by the declaration at the bottom of this page", "补正时不能修改": "Fixed when correcting",
	"免申即享：平台已为本企业测算的政策": "Awards found for you from government data (no application form)",
	"确认并提交申报":           "Confirm and submit", "不需要": "Not needed",
}

func init() {
	for zh, en := range entTranslations {
		if _, ok := translations[zh]; !ok {
			translations[zh] = en
		}
	}
}
