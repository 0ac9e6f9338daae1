package http

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/registry"
)

// Plans is the workflow's annual plans (年度扶持资金建议方案, 21号第十二条
// （三）（四））.
type Plans interface {
	Plans(ctx context.Context, actor duixian.Actor) ([]*duixian.Plan, error)
	Plan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error)
	CompilePlan(ctx context.Context, actor duixian.Actor, round string) (*duixian.Plan, error)
	SubmitPlan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error)
	ApprovePlan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error)
	ReturnPlan(ctx context.Context, actor duixian.Actor, id, reason string) (*duixian.Plan, error)
	PublishPlan(ctx context.Context, actor duixian.Actor, id string, start duixian.Date, days int) (*duixian.Plan, error)
	ReleasePlan(ctx context.Context, actor duixian.Actor, id string) (*duixian.Plan, error)
	ApprovesPlan(ctx context.Context, actor duixian.Actor, p *duixian.Plan) (bool, error)
}

// planReaders may read plans: the department's reviewers their own,
// finance, supervision and administrators all (package workflow decides).
var planReaders = []duixian.Role{duixian.RoleReviewer, duixian.RoleFinance, duixian.RoleSupervisor, duixian.RoleAdmin}

func (s *Server) planRoutes() []Route {
	return append(s.planAPI(), s.planPages()...)
}

func (s *Server) planAPI() []Route {
	P := Plans(s.Service)
	step := func(action, summary string, do func(q *Request, id string) (*duixian.Plan, error)) Route {
		return apiRoute("POST", "/plans/{id}/"+action, reviewer, summary, func(q *Request) error {
			return q.send(do(q, q.R.PathValue("id")))
		})
	}
	return []Route{
		apiRoute("GET", "/plans", planReaders, "年度扶持资金建议方案列表 / annual plans I may see", func(q *Request) error {
			return q.send(P.Plans(q.R.Context(), q.Actor()))
		}),
		apiRoute("GET", "/plans/{id}", planReaders, "一个建议方案：项目、金额、分条款合计 / one plan with its projects and totals", func(q *Request) error {
			return q.send(P.Plan(q.R.Context(), q.Actor(), q.R.PathValue("id")))
		}),
		apiRoute("POST", "/rounds/{id}/plan", reviewer, "汇总本批次的年度扶持资金建议方案（21号第十二条（三））/ compile the round's plan", func(q *Request) error {
			return q.send(P.CompilePlan(q.R.Context(), q.Actor(), q.R.PathValue("id")))
		}),
		step("submit", "提交建议方案审批 / submit the plan for approval", func(q *Request, id string) (*duixian.Plan, error) {
			return P.SubmitPlan(q.R.Context(), q.Actor(), id)
		}),
		step("approve", "批准建议方案 / approve the plan", func(q *Request, id string) (*duixian.Plan, error) {
			return P.ApprovePlan(q.R.Context(), q.Actor(), id)
		}),
		step("return", "退回建议方案（写明理由）/ return the plan with reasons", func(q *Request, id string) (*duixian.Plan, error) {
			reason, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return P.ReturnPlan(q.R.Context(), q.Actor(), id, reason)
		}),
		step("publish", "建议方案获批后统一公示（21号第十二条（四））/ publish the approved plan's projects", func(q *Request, id string) (*duixian.Plan, error) {
			start, days, err := q.decodeWindow()
			if err != nil {
				return nil, err
			}
			return P.PublishPlan(q.R.Context(), q.Actor(), id, start, days)
		}),
		step("release", "公示期满，无异议项目转入拨付 / after the window, send projects without objection to payment", func(q *Request, id string) (*duixian.Plan, error) {
			return P.ReleasePlan(q.R.Context(), q.Actor(), id)
		}),
	}
}

// PlanPage is one plan as its page shows it, with the steps the reader
// may take now.
type PlanPage struct {
	Plan *duixian.Plan
	// Mine: a reviewer of the plan's department, who takes its steps;
	// Approves: whom the department has approve or return it.
	Mine, Approves bool
	Today          duixian.Date
}

func (s *Server) planPages() []Route {
	P := Plans(s.Service)
	show := func(q *Request, code int, id string, e *duixian.Error, flash string) error {
		p, err := P.Plan(q.R.Context(), q.Actor(), id)
		if err != nil {
			return err
		}
		approves, err := P.ApprovesPlan(q.R.Context(), q.Actor(), p)
		if err != nil {
			return err
		}
		v := &PlanPage{Plan: p, Mine: q.User.Role == duixian.RoleReviewer && q.User.Department == p.Department, Approves: approves,
			Today: duixian.DateOf(s.now())}
		return s.offRender(q, code, "plan.html", p.Title, v, e, flash)
	}
	// step runs a plan step from its form and shows the plan again, with
	// the refusal by the button when there is one.
	step := func(action, summary, done string, do func(q *Request, id string) (*duixian.Plan, error)) Route {
		return pageRoute("POST", "/plans/{id}/"+action, reviewer, summary, func(q *Request) error {
			id := q.R.PathValue("id")
			_, err := do(q, id)
			var e *duixian.Error
			if errors.As(err, &e) {
				return show(q, status(e.Code), id, e, "")
			}
			if err != nil {
				return err
			}
			return show(q, http.StatusOK, id, nil, done)
		})
	}
	xlsx := func(name string, write func(p *duixian.Plan, w io.Writer) error) func(q *Request) error {
		return func(q *Request) error {
			p, err := P.Plan(q.R.Context(), q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			var buf bytes.Buffer
			if err := write(p, &buf); err != nil {
				return err
			}
			h := q.W.Header()
			h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			h.Set("Content-Disposition", "attachment; filename=\""+p.ID+".xlsx\"; filename*=UTF-8''"+url.PathEscape(p.Title+name+".xlsx"))
			_, err = buf.WriteTo(q.W)
			return err
		}
	}
	return []Route{
		pageRoute("GET", "/plans", planReaders, "年度扶持资金建议方案", func(q *Request) error {
			plans, err := P.Plans(q.R.Context(), q.Actor())
			if err != nil {
				return err
			}
			v := struct {
				Plans []*duixian.Plan
				Today duixian.Date
			}{plans, duixian.DateOf(s.now())}
			return s.offRender(q, http.StatusOK, "plans.html", "年度扶持资金建议方案", v, nil, "")
		}),
		pageRoute("GET", "/plans/{id}", planReaders, "年度扶持资金建议方案", func(q *Request) error {
			return show(q, http.StatusOK, q.R.PathValue("id"), nil, "")
		}),
		pageRoute("GET", "/plans/{id}/plan.xlsx", planReaders, "导出建议方案（XLSX）", xlsx("", registry.ExportPlan)),
		pageRoute("GET", "/plans/{id}/publicity.xlsx", planReaders, "导出公示名单（XLSX）", xlsx("公示名单", registry.ExportPlanPublicity)),
		pageRoute("POST", "/rounds/{id}/plan", reviewer, "汇总年度扶持资金建议方案", func(q *Request) error {
			p, err := P.CompilePlan(q.R.Context(), q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/plans/"+p.ID, http.StatusSeeOther)
			return nil
		}),
		step("submit", "提交建议方案审批", "建议方案已提交审批", func(q *Request, id string) (*duixian.Plan, error) {
			return P.SubmitPlan(q.R.Context(), q.Actor(), id)
		}),
		step("approve", "批准建议方案", "建议方案已批准，可以公示", func(q *Request, id string) (*duixian.Plan, error) {
			return P.ApprovePlan(q.R.Context(), q.Actor(), id)
		}),
		step("return", "退回建议方案", "建议方案已退回", func(q *Request, id string) (*duixian.Plan, error) {
			return P.ReturnPlan(q.R.Context(), q.Actor(), id, q.R.PostFormValue("reason"))
		}),
		step("publish", "建议方案公示", "建议方案中的项目已统一公示", func(q *Request, id string) (*duixian.Plan, error) {
			start, err := duixian.ParseDate(strings.TrimSpace(q.R.PostFormValue("start")))
			if err != nil {
				return nil, duixian.Errorf(duixian.EINVALID, "start", "日期格式应为 YYYY-MM-DD", "start must be YYYY-MM-DD")
			}
			days, err := strconv.Atoi(strings.TrimSpace(q.R.PostFormValue("days")))
			if err != nil {
				return nil, duixian.Errorf(duixian.EINVALID, "days", "公示天数应为整数", "days must be a whole number")
			}
			return P.PublishPlan(q.R.Context(), q.Actor(), id, start, days)
		}),
		step("release", "公示期满转入拨付", "公示期满，无异议的项目已转入拨付", func(q *Request, id string) (*duixian.Plan, error) {
			return P.ReleasePlan(q.R.Context(), q.Actor(), id)
		}),
	}
}
