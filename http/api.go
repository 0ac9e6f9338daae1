package http

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/workflow"
)

// Cases is the workflow (workflow.Service): the transitions of an
// application, and what an actor may read of them.
type Cases interface {
	CreateDraft(ctx context.Context, actor duixian.Actor, in workflow.DraftInput) (*duixian.Application, error)
	UpdateDraft(ctx context.Context, actor duixian.Actor, id string, facts json.RawMessage, declared bool) (*duixian.Application, error)
	Submit(ctx context.Context, actor duixian.Actor, id, key string) (*duixian.Application, error)
	Withdraw(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	Return(ctx context.Context, actor duixian.Actor, id, reason string, missing ...string) (*duixian.Application, error)
	RequestOpinions(ctx context.Context, actor duixian.Actor, id string, departments []string) (*duixian.Application, error)
	GiveOpinion(ctx context.Context, actor duixian.Actor, id string, agree bool, text string) (*duixian.Application, error)
	PassPreliminary(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	AssignExperts(ctx context.Context, actor duixian.Actor, id string, experts []string) (*duixian.Application, error)
	RecordExpertReview(ctx context.Context, actor duixian.Actor, id string, scores map[string]int, opinion string, pass bool) (*duixian.Application, error)
	Propose(ctx context.Context, actor duixian.Actor, id string, amount duixian.Money, reduction string) (*duixian.Application, error)
	Publish(ctx context.Context, actor duixian.Actor, id string, start duixian.Date, days int) (*duixian.Application, error)
	Object(ctx context.Context, actor duixian.Actor, id string, in workflow.ObjectionInput) (*duixian.Objection, error)
	AnswerObjection(ctx context.Context, actor duixian.Actor, id, objection, answer string, upheld bool) (*duixian.Application, error)
	Approve(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	Reject(ctx context.Context, actor duixian.Actor, id, reason string) (*duixian.Application, error)
	Disburse(ctx context.Context, actor duixian.Actor, id, key string, in workflow.Disbursement) (*duixian.Application, error)
	Revoke(ctx context.Context, actor duixian.Actor, id, finding string) (*duixian.Application, error)

	Application(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error)
	Visible(ctx context.Context, actor duixian.Actor, status duixian.Status, p duixian.PageRequest) (*duixian.Page[*duixian.Application], error)
	EnterpriseFile(ctx context.Context, actor duixian.Actor, uscc string) (*workflow.EnterpriseFile, error)
	Publicity(ctx context.Context, p duixian.PageRequest) (*duixian.Page[workflow.PublicityItem], error)
	AuditTrail(ctx context.Context, subject string, p duixian.PageRequest) (*duixian.Page[duixian.AuditEntry], error)
}

var (
	anyone     = []duixian.Role{duixian.RolePublic}
	enterprise = []duixian.Role{duixian.RoleEnterprise}
	reviewer   = []duixian.Role{duixian.RoleReviewer}
	signedIn   = []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer, duixian.RoleCoReviewer, duixian.RoleExpert,
		duixian.RoleFinance, duixian.RoleSupervisor, duixian.RoleAdmin, duixian.RoleAuthor}
	officials = []duixian.Role{duixian.RoleReviewer, duixian.RoleCoReviewer, duixian.RoleExpert, duixian.RoleFinance,
		duixian.RoleSupervisor, duixian.RoleAdmin}
)

func (s *Server) apiRoutes() []Route {
	r := apiRoute
	safe := func(rt Route) Route { rt.Safe = true; return rt }
	setup := func(rt Route) Route { rt.Setup = true; return rt }
	app := func(action string, roles []duixian.Role, summary string, do func(q *Request, id string) (*duixian.Application, error)) Route {
		return r("POST", "/applications/{id}/"+action, roles, summary, func(q *Request) error {
			return q.send(do(q, q.R.PathValue("id")))
		})
	}
	// plain and reasoned are the steps whose body is nothing, or a reason.
	plain := func(do func(Cases, context.Context, duixian.Actor, string) (*duixian.Application, error)) func(*Request, string) (*duixian.Application, error) {
		return func(q *Request, id string) (*duixian.Application, error) {
			return do(s.Cases, q.R.Context(), q.Actor(), id)
		}
	}
	reasoned := func(do func(Cases, context.Context, duixian.Actor, string, string) (*duixian.Application, error)) func(*Request, string) (*duixian.Application, error) {
		return func(q *Request, id string) (*duixian.Application, error) {
			reason, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return do(s.Cases, q.R.Context(), q.Actor(), id, reason)
		}
	}
	wf := s.Cases
	return []Route{
		r("GET", "/openapi.json", anyone, "本接口的 OpenAPI 文档 / this API's OpenAPI document", s.openAPI),
		setup(r("GET", "/csrf", anyone, "取得 CSRF 令牌 / get a CSRF token", func(q *Request) error { return q.ok(map[string]string{"csrf": q.CSRF}) })),
		r("POST", "/login", anyone, "登录 / sign in", func(q *Request) error {
			var in struct{ Name, Password string }
			if err := q.decode(&in); err != nil {
				return err
			}
			if err := s.login(q, in.Name, in.Password); err != nil {
				return err
			}
			if q.User == nil {
				return q.ok(map[string]any{"second_factor_due": true, "csrf": q.CSRF})
			}
			return q.ok(map[string]any{"user": q.User.Name, "role": q.User.Role, "csrf": q.CSRF})
		}),
		r("POST", "/login/second-factor", anyone, "登录第二步：验证码或恢复码 / sign in, second step: a TOTP or recovery code", func(q *Request) error {
			var in struct{ Code string }
			if err := q.decode(&in); err != nil {
				return err
			}
			if err := s.secondFactor(q, in.Code); err != nil {
				return err
			}
			return q.ok(map[string]any{"user": q.User.Name, "role": q.User.Role, "csrf": q.CSRF})
		}),
		setup(r("POST", "/logout", signedIn, "退出 / sign out", func(q *Request) error { return s.logout(q) })),
		setup(r("GET", "/me", signedIn, "当前用户 / who am I", func(q *Request) error {
			return q.ok(map[string]any{"user": q.User.Redacted(), "csrf": q.CSRF, "setup_due": s.Accounts.SetupDue(q.Session, q.User)})
		})),
		r("GET", "/clauses", anyone, "条款目录 / the catalogue's clauses", func(q *Request) error {
			all, _ := s.Catalogue.Library("", "", "", "")
			return q.ok(all)
		}),
		r("GET", "/clauses/{doc}/{art}", anyone, "条款详情：原文、事实、条件、公式 / one clause", func(q *Request) error {
			cl, ok := s.Catalogue.Clause(trimID(q.R.PathValue("doc"), q.R.PathValue("art")))
			if !ok {
				return duixian.Errorf(duixian.ENOTFOUND, "clause", "没有该条款", "no such clause")
			}
			return q.ok(cl.View())
		}),
		safe(r("POST", "/evaluate", anyone, "按条款判定一项申报 / decide one claim", func(q *Request) error {
			body, err := readBody(q)
			if err != nil {
				return err
			}
			claim, err := s.Catalogue.DecodeClaim(body)
			if err != nil {
				return err
			}
			if claim.EventDate.IsZero() {
				claim.EventDate = duixian.DateOf(s.now())
			}
			if claim.AsOf.IsZero() {
				claim.AsOf = duixian.DateOf(s.now())
			}
			return q.send(s.Catalogue.Evaluate(claim, engine.Options{Trace: q.R.URL.Query().Get("trace") != "false"}))
		})),
		safe(r("POST", "/evaluate/year", anyone, "一个企业一年的多项申报 / decide a year's claims", func(q *Request) error {
			body, err := readBody(q)
			if err != nil {
				return err
			}
			set, err := s.Catalogue.DecodeClaimSet(body)
			if err != nil {
				return err
			}
			if set.AsOf.IsZero() {
				set.AsOf = duixian.DateOf(s.now()) // the answer's as_of says so
			}
			return q.send(s.Catalogue.EvaluateYear(set, engine.Options{Trace: true}))
		})),
		safe(r("POST", "/match", enterprise, "政策计算器：本企业可享受的政策与差距 / what my enterprise qualifies for", func(q *Request) error {
			var in struct {
				EventDate string         `json:"event_date"`
				Facts     map[string]any `json:"facts"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			return q.send(s.match(q, in.Facts, in.EventDate))
		})),
		r("GET", "/publicity", anyone, "公示名单（?after=&limit=）/ applications in publicity, a page at a time", func(q *Request) error {
			p, err := q.page()
			if err != nil {
				return err
			}
			return q.send(wf.Publicity(q.R.Context(), p))
		}),
		r("POST", "/publicity/{id}/objections", anyone, "对公示项目提出异议 / object to a published application", func(q *Request) error {
			var in struct{ Text, Evidence, Name, Phone, Email string }
			if err := q.decode(&in); err != nil {
				return err
			}
			o, err := wf.Object(q.R.Context(), q.Actor(), q.R.PathValue("id"), workflow.ObjectionInput{Text: in.Text, Evidence: in.Evidence,
				Name: in.Name, Phone: in.Phone, Email: in.Email})
			if err != nil {
				return err
			}
			return q.ok(map[string]string{"result": "已受理 / received", "receipt": o.ID})
		}),
		r("GET", "/applications", signedIn, "我可见的申报（?status=&after=&limit=）/ applications I may see, a page at a time", func(q *Request) error {
			return q.send(s.applications(q))
		}),
		r("POST", "/applications", enterprise, "创建申报草稿 / create a draft", func(q *Request) error {
			var in struct {
				Clause    string          `json:"clause"`
				EventDate string          `json:"event_date"`
				Project   string          `json:"project"`
				Facts     json.RawMessage `json:"facts"`
				Declared  bool            `json:"declared"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			ev, err := duixian.ParseDate(in.EventDate)
			if err != nil {
				return duixian.Errorf(duixian.EINVALID, "event_date", "日期格式应为 YYYY-MM-DD", "event_date must be YYYY-MM-DD")
			}
			return q.send(wf.CreateDraft(q.R.Context(), q.Actor(), workflow.DraftInput{Enterprise: q.User.Enterprise, Clause: in.Clause,
				EventDate: ev, Project: in.Project, Facts: in.Facts, Declared: in.Declared}))
		}),
		r("GET", "/applications/{id}", signedIn, "申报详情与办理过程 / an application and its history", func(q *Request) error {
			return q.send(wf.Application(q.R.Context(), q.Actor(), q.R.PathValue("id")))
		}),
		app("facts", enterprise, "修改草稿或补正 / update a draft", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				Facts    json.RawMessage `json:"facts"`
				Declared bool            `json:"declared"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return wf.UpdateDraft(q.R.Context(), q.Actor(), id, in.Facts, in.Declared)
		}),
		app("submit", enterprise, "提交申报（Idempotency-Key）/ submit", func(q *Request, id string) (*duixian.Application, error) {
			return wf.Submit(q.R.Context(), q.Actor(), id, q.R.Header.Get("Idempotency-Key"))
		}),
		app("withdraw", enterprise, "撤回申报 / withdraw", plain(Cases.Withdraw)),
		app("return", reviewer, "退回补正（可列明缺少的材料）/ return for more material, naming the missing materials", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				Reason    string   `json:"reason"`
				Materials []string `json:"materials"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return wf.Return(q.R.Context(), q.Actor(), id, in.Reason, in.Materials...)
		}),
		app("opinions", reviewer, "征求会签意见 / ask departments for opinions", func(q *Request, id string) (*duixian.Application, error) {
			var in struct{ Departments []string }
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return wf.RequestOpinions(q.R.Context(), q.Actor(), id, in.Departments)
		}),
		app("opinion", []duixian.Role{duixian.RoleCoReviewer}, "出具会签意见 / give an opinion", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				Agree bool
				Text  string
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return wf.GiveOpinion(q.R.Context(), q.Actor(), id, in.Agree, in.Text)
		}),
		app("preliminary", reviewer, "初审通过 / pass the preliminary review", plain(Cases.PassPreliminary)),
		app("experts", reviewer, "指派评审专家 / assign the experts", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				Experts []string `json:"experts"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return wf.AssignExperts(q.R.Context(), q.Actor(), id, in.Experts)
		}),
		app("expert-review", []duixian.Role{duixian.RoleExpert}, "专家评审 / record the expert review", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				Scores  map[string]int
				Opinion string
				Pass    bool
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return wf.RecordExpertReview(q.R.Context(), q.Actor(), id, in.Scores, in.Opinion, in.Pass)
		}),
		app("propose", reviewer, "拟定金额 / propose the amount", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				AmountFen int64  `json:"amount_fen"`
				Reason    string `json:"reason"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return wf.Propose(q.R.Context(), q.Actor(), id, duixian.Money(in.AmountFen), in.Reason)
		}),
		app("publish", reviewer, "发布公示 / open publicity", func(q *Request, id string) (*duixian.Application, error) {
			start, days, err := q.decodeWindow()
			if err != nil {
				return nil, err
			}
			return wf.Publish(q.R.Context(), q.Actor(), id, start, days)
		}),
		r("POST", "/applications/{id}/objections/{oid}/answer", reviewer, "答复异议 / answer an objection", func(q *Request) error {
			var in struct {
				Answer string
				Upheld bool
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			return q.send(wf.AnswerObjection(q.R.Context(), q.Actor(), q.R.PathValue("id"), q.R.PathValue("oid"), in.Answer, in.Upheld))
		}),
		app("approve", reviewer, "批准 / approve", plain(Cases.Approve)),
		app("reject", reviewer, "不予通过 / reject", reasoned(Cases.Reject)),
		app("disburse", []duixian.Role{duixian.RoleFinance}, "拨付（Idempotency-Key）/ disburse", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				Voucher  string          `json:"voucher"`
				Account  string          `json:"account"`
				PaidOn   string          `json:"paid_on"`
				Evidence json.RawMessage `json:"evidence"`
			}
			// Without a body, the service names each field the payment needs.
			if q.R.ContentLength != 0 {
				if err := q.decode(&in); err != nil {
					return nil, err
				}
			}
			paidOn, err := duixian.ParseDate(in.PaidOn)
			if err != nil && in.PaidOn != "" {
				return nil, duixian.Errorf(duixian.EINVALID, "paid_on", "付款日期格式应为 YYYY-MM-DD", "paid_on must be YYYY-MM-DD")
			}
			return wf.Disburse(q.R.Context(), q.Actor(), id, q.R.Header.Get("Idempotency-Key"), workflow.Disbursement{Voucher: in.Voucher,
				Account: in.Account, PaidOn: paidOn, Evidence: in.Evidence})
		}),
		app("revoke", []duixian.Role{duixian.RoleSupervisor}, "撤销并追回 / revoke and claw back", reasoned(Cases.Revoke)),
		r("GET", "/enterprises/{uscc}", signedIn, "一企一档 / an enterprise's file", func(q *Request) error {
			return q.send(s.enterpriseFile(q, q.R.PathValue("uscc")))
		}),
		r("GET", "/audit", []duixian.Role{duixian.RoleAdmin, duixian.RoleSupervisor}, "审计日志，最早在前（?subject=&after=&limit=）/ the audit log, oldest first, a page at a time", func(q *Request) error {
			p, err := q.page()
			if err != nil {
				return err
			}
			return q.send(s.Cases.AuditTrail(q.R.Context(), q.R.URL.Query().Get("subject"), p))
		}),
	}
}

func reasonOf(q *Request) (string, error) {
	var in struct{ Reason string }
	err := q.decode(&in)
	return in.Reason, err
}

// readBody reads the body for a decoder that parses it itself (the
// engine's, which keeps numbers exact).
func readBody(q *Request) ([]byte, error) {
	b, err := io.ReadAll(q.R.Body) // limited by limitBody
	return b, bodyError(err)
}

// The pages' ways to the same reads as the API's.
func (s *Server) match(q *Request, typed map[string]any, eventDate string) ([]engine.Match, error) {
	return s.Matching.Calculate(q.R.Context(), q.User.Enterprise, typed, eventDate)
}

func (s *Server) applications(q *Request) (*duixian.Page[*duixian.Application], error) {
	p, err := q.page()
	if err != nil {
		return nil, err
	}
	return s.Cases.Visible(q.R.Context(), q.Actor(), duixian.Status(q.R.URL.Query().Get("status")), p)
}

// page reads which page of a list is asked for: ?after=CURSOR&limit=N,
// the cursor a page's "next" gave; the services check the limit.
func (q *Request) page() (duixian.PageRequest, error) {
	qs := q.R.URL.Query()
	p := duixian.PageRequest{After: qs.Get("after")}
	if l := qs.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil {
			return p, duixian.Errorf(duixian.EINVALID, "limit", "每页条数应为整数，收到“%s”", "limit must be a whole number, got %q", l)
		}
		p.Limit = n
	}
	return p, nil
}

func (s *Server) enterpriseFile(q *Request, uscc string) (*workflow.EnterpriseFile, error) {
	return s.Cases.EnterpriseFile(q.R.Context(), q.Actor(), uscc)
}

func (s *Server) openAPI(q *Request) error {
	paths := map[string]map[string]any{}
	for _, rt := range s.Routes {
		if !rt.API {
			continue
		}
		p := paths[rt.Path]
		if p == nil {
			p = map[string]any{}
			paths[rt.Path] = p
		}
		roles := make([]string, len(rt.Roles))
		for i, r := range rt.Roles {
			roles[i] = string(r)
		}
		p[strings.ToLower(rt.Method)] = map[string]any{
			"summary":     rt.Summary,
			"x-roles":     roles,
			"x-csrf":      rt.Method != "GET" && !rt.Safe,
			"responses":   map[string]any{"200": map[string]string{"description": "OK"}, "default": map[string]any{"description": "错误 / error", "content": map[string]any{"application/json": map[string]any{"schema": map[string]string{"$ref": "#/components/schemas/Error"}}}}},
			"operationId": strings.ToLower(rt.Method) + strings.NewReplacer("/", "_", "{", "", "}", "", "-", "_", ".", "_").Replace(rt.Path),
		}
	}
	return q.ok(map[string]any{
		"openapi": "3.1.0",
		"info":    map[string]string{"title": "duixian 政策兑现平台 API", "version": "1"},
		"paths":   paths,
		"components": map[string]any{"schemas": map[string]any{"Error": map[string]any{"type": "object",
			"properties": map[string]any{"code": map[string]string{"type": "string"}, "field": map[string]string{"type": "string"},
				"message_zh": map[string]string{"type": "string"}, "message_en": map[string]string{"type": "string"}}}}},
	})
}
