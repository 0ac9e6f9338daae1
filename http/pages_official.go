package http

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/workflow"
)

// The roles of the officials' routes beside the package's officials and
// reviewer.
var (
	offCoReviewer = []duixian.Role{duixian.RoleCoReviewer}
	offExpert     = []duixian.Role{duixian.RoleExpert}
	offFinance    = []duixian.Role{duixian.RoleFinance}
	offSupervisor = []duixian.Role{duixian.RoleSupervisor}
	offAuditors   = []duixian.Role{duixian.RoleAdmin, duixian.RoleSupervisor}
)

// CaseService is package workflow's, as the officials' pages use it: the
// reads of their queues, cases, files and the audit log, and the steps.
type CaseService interface {
	Queue(ctx context.Context, actor duixian.Actor, query workflow.QueueQuery) (*workflow.Queue, error)
	Case(ctx context.Context, actor duixian.Actor, id string) (*workflow.Case, error)
	Application(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	EnterpriseFile(ctx context.Context, actor duixian.Actor, uscc string) (*workflow.EnterpriseFile, error)
	Enterprises(ctx context.Context, actor duixian.Actor, search string, p duixian.PageRequest) (*duixian.Page[*duixian.Enterprise], error)
	AuditLog(ctx context.Context, actor duixian.Actor, subject string, p duixian.PageRequest) (*workflow.AuditLog, error)

	RequestOpinions(ctx context.Context, actor duixian.Actor, id string, departments []string) (*duixian.Application, error)
	GiveOpinion(ctx context.Context, actor duixian.Actor, id string, agree bool, text string) (*duixian.Application, error)
	PassPreliminary(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	Return(ctx context.Context, actor duixian.Actor, id, reason string, missing ...string) (*duixian.Application, error)
	Reject(ctx context.Context, actor duixian.Actor, id, reason string) (*duixian.Application, error)
	AssignExperts(ctx context.Context, actor duixian.Actor, id string, experts []string) (*duixian.Application, error)
	RecordExpertReview(ctx context.Context, actor duixian.Actor, id string, scores map[string]int, opinion string, pass bool) (*duixian.Application, error)
	Propose(ctx context.Context, actor duixian.Actor, id string, amount duixian.Money, reduction string) (*duixian.Application, error)
	Publish(ctx context.Context, actor duixian.Actor, id string, start duixian.Date, days int) (*duixian.Application, error)
	AnswerObjection(ctx context.Context, actor duixian.Actor, id, objection, answer string, upheld bool) (*duixian.Application, error)
	Approve(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	Disburse(ctx context.Context, actor duixian.Actor, id, key string, in workflow.Disbursement) (*duixian.Application, error)
	Revoke(ctx context.Context, actor duixian.Actor, id, finding string) (*duixian.Application, error)
}

// offPages serve the officials' pages: queues per role, a case with its
// actions, an enterprise's file and the audit log.
type offPages struct {
	wf     CaseService
	people People
	cat    *engine.Catalogue
	view   viewFunc
	now    func() time.Time
}

// officialPages are the pages officials use: queues per role, a case with
// its actions, an enterprise's file, the audit log and the dashboard.
func (s *Server) officialPages() []Route {
	o := &offPages{wf: s.Service, people: s.Account, cat: s.Catalogue, view: s.offRender, now: s.now}
	return append(o.routes(), Route{Method: "GET", Path: "/dashboard", Roles: officials, Summary: "统计", handle: s.offDashboardPage})
}

// routes are the officials' pages but the dashboard.
func (s *offPages) routes() []Route {
	page := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: roles, Summary: summary, handle: h}
	}
	// act is a POST form on a case: on success it redirects back to the
	// case; on an error the case is shown again with the message.
	act := func(path, action string, roles []duixian.Role, summary string, do func(q *Request, id string) error) Route {
		return page("POST", "/cases/{id}/"+path, roles, summary, func(q *Request) error {
			id := q.R.PathValue("id")
			if err := q.R.ParseForm(); err != nil {
				return s.caseFailed(q, id, action, duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read"))
			}
			if err := do(q, id); err != nil {
				return s.caseFailed(q, id, action, err)
			}
			http.Redirect(q.W, q.R, "/cases/"+url.PathEscape(id)+"?done="+action, http.StatusSeeOther)
			return nil
		})
	}
	wf := s.wf
	form := func(q *Request, name string) string { return strings.TrimSpace(q.R.PostFormValue(name)) }
	return []Route{
		page("GET", "/queue", officials, "待办", s.queuePage),
		page("GET", "/enterprises", officials, "一企一档", s.enterprisesPage),
		page("GET", "/cases/{id}", officials, "办件", func(q *Request) error {
			return s.casePage(q, q.R.PathValue("id"), http.StatusOK, nil, "")
		}),
		act("opinions", "opinions", reviewer, "征求会签意见", func(q *Request, id string) error {
			var depts []string
			for _, d := range q.R.PostForm["dept"] {
				if d = strings.TrimSpace(d); d != "" && !slices.Contains(depts, d) {
					depts = append(depts, d)
				}
			}
			for _, d := range strings.FieldsFunc(form(q, "dept_other"), func(r rune) bool { return r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }) {
				if d = strings.TrimSpace(d); d != "" && !slices.Contains(depts, d) {
					depts = append(depts, d)
				}
			}
			if len(depts) == 0 {
				return duixian.Errorf(duixian.EINVALID, "dept", "请至少选择一个会签部门", "choose at least one department")
			}
			_, err := wf.RequestOpinions(q.R.Context(), q.Actor(), id, depts)
			return err
		}),
		act("opinion", "opinion", offCoReviewer, "出具会签意见", func(q *Request, id string) error {
			agree, err := offChoice(form(q, "agree"), "agree", "请选择同意或不同意", "choose agree or disagree")
			if err != nil {
				return err
			}
			_, err = wf.GiveOpinion(q.R.Context(), q.Actor(), id, agree, form(q, "text"))
			return err
		}),
		act("preliminary", "preliminary", reviewer, "初审通过", func(q *Request, id string) error {
			_, err := wf.PassPreliminary(q.R.Context(), q.Actor(), id)
			return err
		}),
		act("return", "return", reviewer, "退回补正", func(q *Request, id string) error {
			_, err := wf.Return(q.R.Context(), q.Actor(), id, form(q, "reason"), q.R.PostForm["material"]...)
			return err
		}),
		act("reject", "reject", reviewer, "不予通过", func(q *Request, id string) error {
			_, err := wf.Reject(q.R.Context(), q.Actor(), id, form(q, "reason"))
			return err
		}),
		act("experts", "experts", reviewer, "指派评审专家", func(q *Request, id string) error {
			_, err := wf.AssignExperts(q.R.Context(), q.Actor(), id, q.R.PostForm["expert"])
			return err
		}),
		act("expert-review", "expert-review", offExpert, "专家评审", func(q *Request, id string) error {
			scores := map[string]int{}
			for i := range offScoreRows {
				name, val := form(q, fmt.Sprintf("score_name_%d", i)), form(q, fmt.Sprintf("score_%d", i))
				if name == "" && val == "" {
					continue
				}
				n, err := strconv.Atoi(val)
				if name == "" || err != nil || n < 0 || n > 100 {
					return duixian.Errorf(duixian.EINVALID, "scores", "第%d行评分须写明评分项，分值为0—100的整数", "score row %d needs a name and a whole number from 0 to 100", i+1)
				}
				scores[name] = n
			}
			if len(scores) == 0 {
				return duixian.Errorf(duixian.EINVALID, "scores", "请至少填写一项评分", "give at least one score")
			}
			pass, err := offChoice(form(q, "pass"), "pass", "请选择评审结论", "choose the panel's conclusion")
			if err != nil {
				return err
			}
			_, err = wf.RecordExpertReview(q.R.Context(), q.Actor(), id, scores, form(q, "opinion"), pass)
			return err
		}),
		act("propose", "propose", reviewer, "拟定金额", func(q *Request, id string) error {
			amount, err := offParseYuan(form(q, "amount"))
			if err != nil {
				return err
			}
			_, err = wf.Propose(q.R.Context(), q.Actor(), id, amount, form(q, "reason"))
			return err
		}),
		act("publish", "publish", reviewer, "发布公示", func(q *Request, id string) error {
			start, err := duixian.ParseDate(form(q, "start"))
			if err != nil {
				return duixian.Errorf(duixian.EINVALID, "start", "公示开始日期格式应为 YYYY-MM-DD", "the start date must be YYYY-MM-DD")
			}
			days, err := strconv.Atoi(form(q, "days"))
			if err != nil {
				return duixian.Errorf(duixian.EINVALID, "days", "公示期应为工作日天数（整数）", "the period is a whole number of working days")
			}
			_, err = wf.Publish(q.R.Context(), q.Actor(), id, start, days)
			return err
		}),
		act("objections/{oid}/answer", "answer", reviewer, "答复异议", func(q *Request, id string) error {
			upheld, err := offChoice(form(q, "upheld"), "upheld", "请选择异议是否成立", "say whether the objection is upheld")
			if err != nil {
				return err
			}
			_, err = wf.AnswerObjection(q.R.Context(), q.Actor(), id, q.R.PathValue("oid"), form(q, "answer"), upheld)
			return err
		}),
		act("approve", "approve", reviewer, "批准", func(q *Request, id string) error {
			_, err := wf.Approve(q.R.Context(), q.Actor(), id)
			return err
		}),
		act("disburse", "disburse", offFinance, "拨付", func(q *Request, id string) error {
			evidence, err := s.evidence(q, id)
			if err != nil {
				return err
			}
			paidOn, err := duixian.ParseDate(form(q, "paid_on"))
			if err != nil && form(q, "paid_on") != "" {
				return duixian.Errorf(duixian.EINVALID, "paid_on", "付款日期格式应为 YYYY-MM-DD", "the payment date must be YYYY-MM-DD")
			}
			_, err = wf.Disburse(q.R.Context(), q.Actor(), id, form(q, "key"), workflow.Disbursement{Voucher: form(q, "voucher"),
				Account: form(q, "account"), PaidOn: paidOn, Evidence: evidence})
			return err
		}),
		act("revoke", "revoke", offSupervisor, "撤销并追回", func(q *Request, id string) error {
			_, err := wf.Revoke(q.R.Context(), q.Actor(), id, form(q, "finding"))
			return err
		}),
		page("GET", "/enterprises/{uscc}", officials, "一企一档", s.enterprisePage),
		page("GET", "/audit", offAuditors, "审计日志", s.auditPage),
	}
}

// viewFunc writes a page from its template, with an error or a flash message.
type viewFunc func(q *Request, code int, name, title string, data any, e *duixian.Error, flash string) error

// answer writes a service's answer as JSON, or returns its error:
// answer(q)(L.Case(…)).
func answer(q *Request) func(any, error) error {
	return func(v any, err error) error {
		if err != nil {
			return err
		}
		return q.ok(v)
	}
}

// offRender renders a page; unlike pages.render it carries an error and a
// flash message into the View, and asks that the page not be stored: it
// shows cases and enterprises' files. It is every viewFunc of the server.
func (s *Server) offRender(q *Request, code int, name, title string, data any, e *duixian.Error, flash string) error {
	v := viewOf(q, title, data)
	v.Error, v.Flash = e, flash
	var buf bytes.Buffer
	if err := s.pages.t.ExecuteTemplate(&buf, name, v); err != nil {
		return err
	}
	q.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.W.Header().Set("Cache-Control", "no-store")
	q.W.WriteHeader(code)
	_, err := buf.WriteTo(q.W)
	return err
}

func offChoice(v, field, zh, en string) (bool, error) {
	switch v {
	case "1", "true", "yes":
		return true, nil
	case "0", "false", "no":
		return false, nil
	}
	return false, &duixian.Error{Code: duixian.EINVALID, Field: field, Zh: zh, En: en}
}

// offParseYuan reads an amount in yuan with at most two decimals ("1200.50",
// "1,200.50"; "12万元" is read as the gazette writes it) into fen.
func offParseYuan(s string) (duixian.Money, error) {
	s = strings.NewReplacer(",", "", "，", "", " ", "").Replace(s)
	bad := duixian.Errorf(duixian.EINVALID, "amount", "金额应以元为单位、最多两位小数，如 120000.00", "write the amount in yuan with at most two decimals, e.g. 120000.00")
	if s == "" {
		return 0, bad
	}
	d, err := duixian.ParseAmount(s)
	if err != nil {
		return 0, bad
	}
	m, err := duixian.MoneyFromDecimal(d)
	if err != nil {
		return 0, bad
	}
	return m, nil
}

func offTime(t time.Time) string { return beijing(t, "2006-01-02 15:04") }

func (s *offPages) today() duixian.Date { return duixian.DateOf(s.now()) }
