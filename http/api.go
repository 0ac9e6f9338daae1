package http

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

var (
	anyone     = []duixian.Role{duixian.RolePublic}
	enterprise = []duixian.Role{duixian.RoleEnterprise}
	reviewer   = []duixian.Role{duixian.RoleReviewer}
	signedIn   = []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer, duixian.RoleCoReviewer, duixian.RoleExpert,
		duixian.RoleFinance, duixian.RoleSupervisor, duixian.RoleAdmin}
	officials = []duixian.Role{duixian.RoleReviewer, duixian.RoleCoReviewer, duixian.RoleExpert, duixian.RoleFinance,
		duixian.RoleSupervisor, duixian.RoleAdmin}
)

func (s *Server) apiRoutes() []Route {
	r := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/api/v1" + path, Roles: roles, Summary: summary, API: true, handle: h}
	}
	safe := func(rt Route) Route { rt.Safe = true; return rt }
	app := func(action string, roles []duixian.Role, summary string, do func(q *Request, id string) (*duixian.Application, error)) Route {
		return r("POST", "/applications/{id}/"+action, roles, summary, func(q *Request) error {
			a, err := do(q, q.R.PathValue("id"))
			if err != nil {
				return err
			}
			return q.ok(a)
		})
	}
	wf := s.Service
	return []Route{
		r("GET", "/openapi.json", anyone, "本接口的 OpenAPI 文档 / this API's OpenAPI document", s.openAPI),
		r("GET", "/csrf", anyone, "取得 CSRF 令牌 / get a CSRF token", func(q *Request) error { return q.ok(map[string]string{"csrf": q.CSRF}) }),
		r("POST", "/login", anyone, "登录 / sign in", func(q *Request) error {
			var in struct{ Name, Password string }
			if err := q.decode(&in); err != nil {
				return err
			}
			if err := s.login(q, in.Name, in.Password); err != nil {
				return err
			}
			return q.ok(map[string]any{"user": q.User.Name, "role": q.User.Role, "csrf": q.CSRF})
		}),
		r("POST", "/logout", signedIn, "退出 / sign out", func(q *Request) error { return s.logout(q) }),
		r("GET", "/me", signedIn, "当前用户 / who am I", func(q *Request) error {
			u := *q.User
			u.PasswordHash = ""
			return q.ok(map[string]any{"user": u, "csrf": q.CSRF})
		}),
		r("GET", "/clauses", anyone, "条款目录 / the catalogue's clauses", func(q *Request) error {
			var out []engine.ClauseView
			for _, cl := range s.Catalogue.Clauses() {
				out = append(out, cl.View())
			}
			return q.ok(out)
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
			d, err := s.Catalogue.Evaluate(claim, engine.Options{Trace: q.R.URL.Query().Get("trace") != "false"})
			if err != nil {
				return err
			}
			return q.ok(d)
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
			y, err := s.Catalogue.EvaluateYear(set, engine.Options{Trace: true})
			if err != nil {
				return err
			}
			return q.ok(y)
		})),
		safe(r("POST", "/match", enterprise, "政策计算器：本企业可享受的政策与差距 / what my enterprise qualifies for", func(q *Request) error {
			var in struct {
				EventDate string         `json:"event_date"`
				Facts     map[string]any `json:"facts"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			ms, err := s.match(q, in.Facts, in.EventDate)
			if err != nil {
				return err
			}
			return q.ok(ms)
		})),
		r("GET", "/publicity", anyone, "公示名单 / applications in publicity", func(q *Request) error {
			list, err := s.publicity(q)
			if err != nil {
				return err
			}
			return q.ok(list)
		}),
		r("POST", "/publicity/{id}/objections", anyone, "对公示项目提出异议 / object to a published application", func(q *Request) error {
			var in struct{ Text, Evidence string }
			if err := q.decode(&in); err != nil {
				return err
			}
			if _, err := wf.Object(q.R.Context(), q.Actor(), q.R.PathValue("id"), in.Text, in.Evidence); err != nil {
				return err
			}
			return q.ok(map[string]string{"result": "已受理 / received"})
		}),
		r("GET", "/applications", signedIn, "我可见的申报 / applications I may see", func(q *Request) error {
			list, err := s.applications(q)
			if err != nil {
				return err
			}
			return q.ok(list)
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
			a, err := wf.CreateDraft(q.R.Context(), q.Actor(), workflow.DraftInput{Enterprise: q.User.Enterprise, Clause: in.Clause,
				EventDate: ev, Project: in.Project, Facts: in.Facts, Declared: in.Declared})
			if err != nil {
				return err
			}
			return q.ok(a)
		}),
		r("GET", "/applications/{id}", signedIn, "申报详情与办理过程 / an application and its history", func(q *Request) error {
			a, err := wf.Application(q.R.Context(), q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			return q.ok(a)
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
		app("withdraw", enterprise, "撤回申报 / withdraw", func(q *Request, id string) (*duixian.Application, error) {
			return wf.Withdraw(q.R.Context(), q.Actor(), id)
		}),
		app("return", reviewer, "退回补正 / return for more material", func(q *Request, id string) (*duixian.Application, error) {
			in, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return wf.Return(q.R.Context(), q.Actor(), id, in)
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
		app("preliminary", reviewer, "初审通过 / pass the preliminary review", func(q *Request, id string) (*duixian.Application, error) {
			return wf.PassPreliminary(q.R.Context(), q.Actor(), id)
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
			a, err := wf.AnswerObjection(q.R.Context(), q.Actor(), q.R.PathValue("id"), q.R.PathValue("oid"), in.Answer, in.Upheld)
			if err != nil {
				return err
			}
			return q.ok(a)
		}),
		app("approve", reviewer, "批准 / approve", func(q *Request, id string) (*duixian.Application, error) {
			return wf.Approve(q.R.Context(), q.Actor(), id)
		}),
		app("reject", reviewer, "不予通过 / reject", func(q *Request, id string) (*duixian.Application, error) {
			in, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return wf.Reject(q.R.Context(), q.Actor(), id, in)
		}),
		app("disburse", []duixian.Role{duixian.RoleFinance}, "拨付（Idempotency-Key）/ disburse", func(q *Request, id string) (*duixian.Application, error) {
			var in struct {
				Evidence json.RawMessage `json:"evidence"`
			}
			if q.R.ContentLength > 0 {
				if err := q.decode(&in); err != nil {
					return nil, err
				}
			}
			return wf.Disburse(q.R.Context(), q.Actor(), id, q.R.Header.Get("Idempotency-Key"), in.Evidence)
		}),
		app("revoke", []duixian.Role{duixian.RoleSupervisor}, "撤销并追回 / revoke and claw back", func(q *Request, id string) (*duixian.Application, error) {
			in, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return wf.Revoke(q.R.Context(), q.Actor(), id, in)
		}),
		r("GET", "/enterprises/{uscc}", signedIn, "一企一档 / an enterprise's file", func(q *Request) error {
			f, err := s.enterpriseFile(q, q.R.PathValue("uscc"))
			if err != nil {
				return err
			}
			return q.ok(f)
		}),
		r("GET", "/audit", []duixian.Role{duixian.RoleAdmin, duixian.RoleSupervisor}, "审计日志 / the audit log", func(q *Request) error {
			var log []duixian.AuditEntry
			err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
				var err error
				log, err = tx.AuditLog(q.R.URL.Query().Get("subject"))
				return err
			})
			if err != nil {
				return err
			}
			return q.ok(log)
		}),
	}
}

// readBody reads the body for a decoder that parses it itself (the
// engine's, which keeps numbers exact).
func readBody(q *Request) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(q.W, q.R.Body, 8<<20))
	if err != nil {
		return nil, duixian.Errorf(duixian.EINVALID, "body", "请求体过大或不可读：%v", "the body is too large or unreadable: %v", err)
	}
	return b, nil
}

func reasonOf(q *Request) (string, error) {
	var in struct{ Reason string }
	err := q.decode(&in)
	return in.Reason, err
}

// match runs the calculator for the signed-in enterprise: its registry facts
// win over what it types, as at submission.
func (s *Server) match(q *Request, typed map[string]any, eventDate string) ([]engine.Match, error) {
	facts, err := s.Catalogue.DecodeFacts("facts", typed)
	if err != nil {
		return nil, err
	}
	fx, err := s.entFixedFor(q)
	if err != nil {
		return nil, err
	}
	maps.Copy(facts, fx.known)
	today := duixian.DateOf(s.now())
	ev := today
	if eventDate != "" {
		if ev, err = duixian.ParseDate(eventDate); err != nil {
			return nil, duixian.Errorf(duixian.EINVALID, "event_date", "日期格式应为 YYYY-MM-DD", "event_date must be YYYY-MM-DD")
		}
	}
	return s.Catalogue.MatchAll(facts, ev, today), nil
}

// PublicityItem is one line of the public 公示 list: what the applicant
// declared and what was computed, and until when objections are accepted.
type PublicityItem struct {
	Application string          `json:"application"`
	Clause      string          `json:"clause"`
	Title       string          `json:"title"`
	Document    string          `json:"document"`
	Enterprise  string          `json:"enterprise"`
	Name        string          `json:"enterprise_name"`
	Facts       json.RawMessage `json:"declared"`
	AmountFen   int64           `json:"amount_fen"`
	Amount      string          `json:"amount"`
	From        duixian.Date    `json:"from"`
	Until       duixian.Date    `json:"until"`
}

func (s *Server) publicity(q *Request) ([]PublicityItem, error) {
	out := []PublicityItem{}
	err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		list, err := tx.Applications(sqldb.ApplicationFilter{Status: duixian.StatusPublicity, Limit: 500})
		if err != nil {
			return err
		}
		for _, a := range list {
			cl, _ := s.Catalogue.Clause(a.Clause)
			e, err := tx.Enterprise(a.Enterprise, false)
			if err != nil {
				return err
			}
			out = append(out, PublicityItem{Application: a.ID, Clause: a.Clause, Title: cl.Title, Document: cl.Document.Number,
				Enterprise: a.Enterprise, Name: e.Name, Facts: a.Facts, AmountFen: int64(a.Proposed), Amount: a.Proposed.String(),
				From: a.Publicity.From, Until: a.Publicity.Until})
		}
		return nil
	})
	return out, err
}

// applications lists what the actor may see: an enterprise its own; an
// official the clauses of their department; finance and supervision all.
func (s *Server) applications(q *Request) ([]*duixian.Application, error) {
	f := sqldb.ApplicationFilter{Limit: 500, Status: duixian.Status(q.R.URL.Query().Get("status"))}
	u := q.User
	switch u.Role {
	case duixian.RoleEnterprise:
		f.Enterprise = u.Enterprise
	case duixian.RoleReviewer:
		for _, cl := range s.Catalogue.Clauses() {
			if cl.Department == u.Department {
				f.Clauses = append(f.Clauses, cl.ID)
			}
		}
		if len(f.Clauses) == 0 {
			return []*duixian.Application{}, nil
		}
	}
	var list []*duixian.Application
	err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		all, err := tx.Applications(f)
		for _, a := range all {
			if u.Role != duixian.RoleCoReviewer || s.coReviewing(u, a) {
				list = append(list, a)
			}
		}
		return err
	})
	if list == nil {
		list = []*duixian.Application{}
	}
	return list, err
}

func (s *Server) coReviewing(u *duixian.User, a *duixian.Application) bool {
	for _, o := range a.Opinions {
		if o.Department == u.Department {
			return true
		}
	}
	return false
}

// EnterpriseFile is everything the platform knows about one enterprise.
type EnterpriseFile struct {
	Enterprise   *duixian.Enterprise    `json:"enterprise"`
	Applications []*duixian.Application `json:"applications"`
}

func (s *Server) enterpriseFile(q *Request, uscc string) (*EnterpriseFile, error) {
	u := q.User
	if u.Role == duixian.RoleEnterprise && u.Enterprise != uscc {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "enterprise", "没有该企业", "no such enterprise")
	}
	var f EnterpriseFile
	err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		var err error
		if f.Enterprise, err = tx.Enterprise(uscc, false); err != nil {
			return err
		}
		all, err := tx.Applications(sqldb.ApplicationFilter{Enterprise: uscc})
		for _, a := range all {
			if u.Role == duixian.RoleEnterprise || u.Role != duixian.RoleReviewer || s.ownClause(u, a) {
				f.Applications = append(f.Applications, a)
			}
		}
		return err
	})
	return &f, err
}

func (s *Server) ownClause(u *duixian.User, a *duixian.Application) bool {
	cl, ok := s.Catalogue.Clause(a.Clause)
	return ok && cl.Department == u.Department
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
