package http

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
)

// Who may call the land routes. What is inside a route — the holder only
// its own cases, a reviewer only the steps of their department, a
// department consulted only the cases it was consulted on — is decided by
// package land; the table only admits the roles that take part.
var (
	landHolder    = []duixian.Role{duixian.RoleEnterprise}
	landOfficial  = []duixian.Role{duixian.RoleReviewer}
	landOpinion   = []duixian.Role{duixian.RoleReviewer, duixian.RoleCoReviewer}
	landAdmin     = []duixian.Role{duixian.RoleAdmin}
	landReaders   = []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer, duixian.RoleCoReviewer, duixian.RoleAdmin, duixian.RoleSupervisor}
	landStepTaker = []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer, duixian.RoleCoReviewer}
)

// LandService is package land's: the cases of 20号 and their steps.
type LandService interface {
	Cases(ctx context.Context, actor duixian.Actor) ([]*land.Case, error)
	Case(ctx context.Context, actor duixian.Actor, id string) (*land.Case, error)
	List(ctx context.Context, actor duixian.Actor) ([]land.Row, error)
	Detail(ctx context.Context, actor duixian.Actor, id string) (*land.Detail, error)
	HolderFacts() []string
	Start(ctx context.Context, actor duixian.Actor, in land.StartInput) (*land.Case, error)
	SubmitPlan(ctx context.Context, actor duixian.Actor, id string, in land.PlanInput) (*land.Case, error)
	Consult(ctx context.Context, actor duixian.Actor, id string, in land.ConsultInput) (*land.Case, error)
	GiveOpinion(ctx context.Context, actor duixian.Actor, id string, in land.OpinionInput) (*land.Case, error)
	Return(ctx context.Context, actor duixian.Actor, id, reason string) (*land.Case, error)
	PassReview(ctx context.Context, actor duixian.Actor, id string, in land.ReviewInput) (*land.Case, error)
	OpenNotice(ctx context.Context, actor duixian.Actor, id string, start duixian.Date, days int) (*land.Case, error)
	Committee(ctx context.Context, actor duixian.Actor, id string, in land.CommitteeInput) (*land.Case, error)
	Approve(ctx context.Context, actor duixian.Actor, id string, in land.ApprovalInput) (*land.Case, error)
	SignContract(ctx context.Context, actor duixian.Actor, id string, in land.ContractInput) (*land.Case, error)
	Register(ctx context.Context, actor duixian.Actor, id string, in land.RegistrationInput) (*land.Case, error)
	Reject(ctx context.Context, actor duixian.Actor, id, reason string) (*land.Case, error)
	Withdraw(ctx context.Context, actor duixian.Actor, id string) (*land.Case, error)
	Trials(ctx context.Context) ([]*land.Trial, error)
	RecordTrial(ctx context.Context, actor duixian.Actor, in land.TrialInput) (*land.Trial, error)
}

// landPages serve the land routes from package land's service.
type landPages struct {
	L      LandService
	people People
	cat    *engine.Catalogue
	view   viewFunc
	now    func() time.Time
}

func (s *Server) landRoutes() []Route {
	return (&landPages{L: s.Land, people: s.Account, cat: s.Catalogue, view: s.offRender, now: s.now}).routes()
}

// routes are the land-planning cases' API routes and pages.
func (s *landPages) routes() []Route {
	api := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/api/v1/land" + path, Roles: roles, Summary: summary, API: true, handle: h}
	}
	step := func(action string, roles []duixian.Role, summary string, do func(q *Request, id string) (*land.Case, error)) Route {
		return api("POST", "/cases/{id}/"+action, roles, summary, func(q *Request) error {
			return answer(q)(do(q, q.R.PathValue("id")))
		})
	}
	page := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: roles, Summary: summary, handle: h}
	}
	L := s.L
	return []Route{
		api("GET", "/cases", landReaders, "用地规划案件列表（20号）/ land-planning cases I may see", func(q *Request) error {
			return answer(q)(L.Cases(q.R.Context(), q.Actor()))
		}),
		api("POST", "/cases", landHolder, "土地使用权人申请优化地块规划条件（20号第二条）/ start a case", func(q *Request) error {
			var in land.StartInput
			if err := q.decode(&in); err != nil {
				return err
			}
			return answer(q)(L.Start(q.R.Context(), q.Actor(), in))
		}),
		api("GET", "/cases/{id}", landReaders, "用地规划案件详情 / a case with its steps and decisions", func(q *Request) error {
			return answer(q)(L.Case(q.R.Context(), q.Actor(), q.R.PathValue("id")))
		}),
		landStep(land.ActPlan, landHolder, "提交地块规划综合实施方案（第三条）/ submit the plan", L.SubmitPlan),
		landStep(land.ActConsult, landOfficial, "规自分局通过“多规合一”平台征求意见（第四条）/ consult departments and utilities", L.Consult),
		landStep(land.ActOpinion, landOpinion, "出具或登记征求意见的答复 / give or record an opinion", L.GiveOpinion),
		step(land.ActReturn, landOfficial, "退回修改方案 / return the plan for revision", func(q *Request, id string) (*land.Case, error) {
			reason, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return L.Return(q.R.Context(), q.Actor(), id, reason)
		}),
		landStep(land.ActReview, landOfficial, "规自分局审核通过（第四条）/ pass the review", L.PassReview),
		step(land.ActNotice, landOfficial, "社会公示（第四条）/ open the public notice", func(q *Request, id string) (*land.Case, error) {
			start, days, err := q.decodeWindow()
			if err != nil {
				return nil, err
			}
			return L.OpenNotice(q.R.Context(), q.Actor(), id, start, days)
		}),
		landStep(land.ActCommittee, landOfficial, "管委会审查（第五条）/ record the committee's review", L.Committee),
		landStep(land.ActApproval, landOfficial, "出具审定意见（第五条）/ issue the approval", L.Approve),
		landStep(land.ActContract, landOfficial, "签订出让合同或补充协议，核定土地价款（第六条）/ sign the contract; the land price", L.SignContract),
		landStep(land.ActRegistration, landOfficial, "不动产登记与注记（第七条）/ register with the annotation", L.Register),
		step(land.ActReject, landOfficial, "不予通过 / reject", func(q *Request, id string) (*land.Case, error) {
			reason, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return L.Reject(q.R.Context(), q.Actor(), id, reason)
		}),
		step(land.ActWithdraw, landHolder, "撤回申请 / withdraw", func(q *Request, id string) (*land.Case, error) {
			return L.Withdraw(q.R.Context(), q.Actor(), id)
		}),
		api("GET", "/trial", anyone, "20号试行期的修订（第十条）/ recorded extensions of the trial", func(q *Request) error {
			list, err := L.Trials(q.R.Context())
			if err != nil {
				return err
			}
			if list == nil {
				list = []*land.Trial{}
			}
			return q.ok(list)
		}),
		api("POST", "/trial", landAdmin, "登记延长试行期的修订文件（第十条）/ record a revision extending the trial", func(q *Request) error {
			var in struct {
				Number string `json:"number"`
				Title  string `json:"title"`
				Issued string `json:"issued"`
				Until  string `json:"until"`
				Note   string `json:"note"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			t, err := landTrialInput(in.Number, in.Title, in.Issued, in.Until, in.Note)
			if err != nil {
				return err
			}
			return answer(q)(L.RecordTrial(q.R.Context(), q.Actor(), t))
		}),

		page("GET", "/land", landReaders, "用地规划案件", s.listPage),
		page("GET", "/land/new", landHolder, "申请优化地块规划条件", func(q *Request) error {
			return s.newPage(q, http.StatusOK, url.Values{}, nil)
		}),
		page("POST", "/land/cases", landHolder, "申请优化地块规划条件", s.startPost),
		page("GET", "/land/cases/{id}", landReaders, "用地规划案件", func(q *Request) error {
			return s.casePage(q, http.StatusOK, nil, q.R.URL.Query().Get("done"))
		}),
		page("POST", "/land/cases/{id}", landStepTaker, "办理用地规划案件", s.stepPost),
		page("GET", "/land/trial", landAdmin, "试行期修订", func(q *Request) error { return s.trialPage(q, http.StatusOK, nil, "") }),
		page("POST", "/land/trial", landAdmin, "登记试行期修订", func(q *Request) error {
			f := q.R.PostFormValue
			t, err := landTrialInput(f("number"), f("title"), f("issued"), f("until"), f("note"))
			if err == nil {
				_, err = L.RecordTrial(q.R.Context(), q.Actor(), t)
			}
			if e, ok := err.(*duixian.Error); ok {
				return s.trialPage(q, status(e.Code), e, "")
			}
			if err != nil {
				return err
			}
			return s.trialPage(q, http.StatusOK, nil, "已登记 / recorded")
		}),
	}
}

func landTrialInput(number, title, issued, until, note string) (land.TrialInput, error) {
	t := land.TrialInput{Number: number, Title: title, Note: note}
	var err error
	if strings.TrimSpace(until) != "" {
		if t.Until, err = duixian.ParseDate(strings.TrimSpace(until)); err != nil {
			return t, duixian.Errorf(duixian.EINVALID, "until", "日期格式应为 YYYY-MM-DD", "until must be YYYY-MM-DD")
		}
	}
	if strings.TrimSpace(issued) != "" {
		if t.Issued, err = duixian.ParseDate(strings.TrimSpace(issued)); err != nil {
			return t, duixian.Errorf(duixian.EINVALID, "issued", "日期格式应为 YYYY-MM-DD", "issued must be YYYY-MM-DD")
		}
	}
	return t, nil
}

// landStep is the API route of a step: its JSON body decoded into the
// step's input, the step taken, the case answered.
func landStep[In any](action string, roles []duixian.Role, summary string, do func(context.Context, duixian.Actor, string, In) (*land.Case, error)) Route {
	return Route{Method: "POST", Path: "/api/v1/land/cases/{id}/" + action, Roles: roles, Summary: summary, API: true, handle: func(q *Request) error {
		var in In
		if err := q.decode(&in); err != nil {
			return err
		}
		return answer(q)(do(q.R.Context(), q.Actor(), q.R.PathValue("id"), in))
	}}
}
