package http

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	L    LandService
	cat  *engine.Catalogue
	view viewFunc
	now  func() time.Time
}

// viewFunc writes a page from its template, with an error or a flash message.
type viewFunc func(q *Request, code int, name, title string, data any, e *duixian.Error, flash string) error

func (s *Server) landRoutes() []Route {
	return (&landPages{L: s.Land, cat: s.Catalogue, view: s.offRender, now: s.now}).routes()
}

// routes are the land-planning cases' API routes and pages.
func (s *landPages) routes() []Route {
	api := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/api/v1/land" + path, Roles: roles, Summary: summary, API: true, handle: h}
	}
	step := func(action string, roles []duixian.Role, summary string, do func(q *Request, id string) (*land.Case, error)) Route {
		return api("POST", "/cases/{id}/"+action, roles, summary, func(q *Request) error {
			c, err := do(q, q.R.PathValue("id"))
			if err != nil {
				return err
			}
			return q.ok(c)
		})
	}
	page := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: roles, Summary: summary, handle: h}
	}
	L := s.L
	return []Route{
		api("GET", "/cases", landReaders, "用地规划案件列表（20号）/ land-planning cases I may see", func(q *Request) error {
			list, err := L.Cases(q.R.Context(), q.Actor())
			if err != nil {
				return err
			}
			return q.ok(list)
		}),
		api("POST", "/cases", landHolder, "土地使用权人申请优化地块规划条件（20号第二条）/ start a case", func(q *Request) error {
			var in struct {
				Plot  string          `json:"plot"`
				Facts json.RawMessage `json:"facts"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			c, err := L.Start(q.R.Context(), q.Actor(), land.StartInput{Plot: in.Plot, Facts: in.Facts})
			if err != nil {
				return err
			}
			return q.ok(c)
		}),
		api("GET", "/cases/{id}", landReaders, "用地规划案件详情 / a case with its steps and decisions", func(q *Request) error {
			c, err := L.Case(q.R.Context(), q.Actor(), q.R.PathValue("id"))
			if err != nil {
				return err
			}
			return q.ok(c)
		}),
		step(land.ActPlan, landHolder, "提交地块规划综合实施方案（第三条）/ submit the plan", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Title   string `json:"title"`
				Summary string `json:"summary"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.SubmitPlan(q.R.Context(), q.Actor(), id, land.PlanInput{Title: in.Title, Summary: in.Summary})
		}),
		step(land.ActConsult, landOfficial, "规自分局通过“多规合一”平台征求意见（第四条）/ consult departments and utilities", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Departments []string `json:"departments"`
				Utilities   []string `json:"utilities"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.Consult(q.R.Context(), q.Actor(), id, land.ConsultInput{Departments: in.Departments, Utilities: in.Utilities})
		}),
		step(land.ActOpinion, landOpinion, "出具或登记征求意见的答复 / give or record an opinion", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Party string `json:"party"`
				Agree bool   `json:"agree"`
				Text  string `json:"text"`
				Via   string `json:"via"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.GiveOpinion(q.R.Context(), q.Actor(), id, land.OpinionInput{Party: in.Party, Agree: in.Agree, Text: in.Text, Via: in.Via})
		}),
		step(land.ActReturn, landOfficial, "退回修改方案 / return the plan for revision", func(q *Request, id string) (*land.Case, error) {
			reason, err := reasonOf(q)
			if err != nil {
				return nil, err
			}
			return L.Return(q.R.Context(), q.Actor(), id, reason)
		}),
		step(land.ActReview, landOfficial, "规自分局审核通过（第四条）/ pass the review", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Opinion string          `json:"opinion"`
				Facts   json.RawMessage `json:"facts"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.PassReview(q.R.Context(), q.Actor(), id, land.ReviewInput{Opinion: in.Opinion, Facts: in.Facts})
		}),
		step(land.ActNotice, landOfficial, "社会公示（第四条）/ open the public notice", func(q *Request, id string) (*land.Case, error) {
			start, days, err := q.decodeWindow()
			if err != nil {
				return nil, err
			}
			return L.OpenNotice(q.R.Context(), q.Actor(), id, start, days)
		}),
		step(land.ActCommittee, landOfficial, "管委会审查（第五条）/ record the committee's review", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Approved    bool   `json:"approved"`
				Reference   string `json:"reference"`
				RenewalPlan string `json:"renewal_plan"`
				Opinion     string `json:"opinion"`
				Transition  *bool  `json:"transition_approved"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.Committee(q.R.Context(), q.Actor(), id, land.CommitteeInput{Approved: in.Approved, Reference: in.Reference,
				RenewalPlan: in.RenewalPlan, Opinion: in.Opinion, Transition: in.Transition})
		}),
		step(land.ActApproval, landOfficial, "出具审定意见（第五条）/ issue the approval", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Number string `json:"number"`
				Text   string `json:"text"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.Approve(q.R.Context(), q.Actor(), id, land.ApprovalInput{Number: in.Number, Text: in.Text})
		}),
		step(land.ActContract, landOfficial, "签订出让合同或补充协议，核定土地价款（第六条）/ sign the contract; the land price", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Kind              string `json:"kind"`
				Number            string `json:"number"`
				MarketPrice       string `json:"market_price"`
				GovernmentRevenue string `json:"government_revenue"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.SignContract(q.R.Context(), q.Actor(), id, land.ContractInput{Kind: in.Kind, Number: in.Number,
				MarketPrice: in.MarketPrice, GovernmentRevenue: in.GovernmentRevenue})
		}),
		step(land.ActRegistration, landOfficial, "不动产登记与注记（第七条）/ register with the annotation", func(q *Request, id string) (*land.Case, error) {
			var in struct {
				Number string `json:"number"`
			}
			if err := q.decode(&in); err != nil {
				return nil, err
			}
			return L.Register(q.R.Context(), q.Actor(), id, land.RegistrationInput{Number: in.Number})
		}),
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
			rev, err := L.RecordTrial(q.R.Context(), q.Actor(), t)
			if err != nil {
				return err
			}
			return q.ok(rev)
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

type landListView struct {
	Holder bool
	Scope  string
	Todo   []land.Row
	Rows   []land.Row
	Trials []*land.Trial
}

func (s *landPages) listPage(q *Request) error {
	actor := q.Actor()
	rows, err := s.L.List(q.R.Context(), actor)
	if err != nil {
		return err
	}
	v := landListView{Holder: actor.Role == duixian.RoleEnterprise, Scope: actor.Department, Rows: rows}
	if v.Scope == "" {
		v.Scope = map[duixian.Role]string{duixian.RoleEnterprise: "本企业", duixian.RoleAdmin: "全部", duixian.RoleSupervisor: "全部"}[actor.Role]
	}
	for _, r := range rows {
		if len(r.Todo) > 0 {
			v.Todo = append(v.Todo, r)
		}
	}
	if v.Trials, err = s.L.Trials(q.R.Context()); err != nil {
		return err
	}
	return s.view(q, http.StatusOK, "land_list.html", "用地规划案件", v, nil, "")
}

// landField is one field of the start form, generated from a fact.
type landField struct {
	Name     string
	Label    string
	Help     string
	Type     engine.FactKind
	Options  []landOption
	Value    string
	Default  string
	Required bool
}

type landOption struct {
	Value, Label string
	Selected     bool
}

type landNewView struct {
	Fields  []landField
	Plot    string
	Clauses []engine.ClauseView
	Trial   string // the trial's end, or the revision's
}

// landFields is the start form: the holder's facts of clauses 5, 6 and 7,
// each as its schema says.
func (s *landPages) fields(form url.Values) []landField {
	var out []landField
	for _, name := range s.L.HolderFacts() {
		f, ok := s.cat.Fact(name)
		if !ok {
			continue
		}
		ff := landField{Name: name, Label: f.Zh, Help: f.Help, Type: f.Kind, Value: form.Get("f." + name), Required: f.Default == nil}
		if name == "zones" {
			ff.Label, ff.Help = land.PlotZones, "20号第二条（一）：地块须在亦庄新城225平方公里范围内（指地块所在范围，而非企业经营地）。"
		}
		if f.Default != nil {
			ff.Default = land.ShowValue(f, f.Default)
		}
		chosen := form["f."+name]
		for _, e := range f.Values {
			label := e.Zh
			if label == "" {
				label = e.Value
			}
			ff.Options = append(ff.Options, landOption{Value: e.Value, Label: label, Selected: slices.Contains(chosen, e.Value)})
		}
		out = append(out, ff)
	}
	return out
}

// landFacts reads the start form into facts: an empty field is left out
// (its default applies, or the engine names it missing); a set is always
// given, so no box ticked means none.
func (s *landPages) facts(form url.Values) (json.RawMessage, error) {
	raw := map[string]any{}
	for _, name := range s.L.HolderFacts() {
		f, ok := s.cat.Fact(name)
		if !ok {
			continue
		}
		key := "f." + name
		switch f.Kind {
		case engine.KindSet:
			vals := []string{}
			for _, v := range form[key] {
				if v != "" {
					vals = append(vals, v)
				}
			}
			raw[name] = vals
		case engine.KindBool:
			switch form.Get(key) {
			case "true":
				raw[name] = true
			case "false":
				raw[name] = false
			}
		case engine.KindInt:
			if v := strings.TrimSpace(form.Get(key)); v != "" {
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					return nil, duixian.Errorf(duixian.EINVALID, "facts."+name, "%s应为整数", "%s must be a whole number", f.Zh)
				}
				raw[name] = n
			}
		default:
			if v := strings.TrimSpace(form.Get(key)); v != "" {
				raw[name] = v
			}
		}
	}
	return json.Marshal(raw)
}

func (s *landPages) newPage(q *Request, code int, form url.Values, failure *duixian.Error) error {
	v := landNewView{Fields: s.fields(form), Plot: form.Get("plot")}
	for _, id := range []string{land.ClausePath, land.ClausePrice, land.ClauseAnnotation} {
		if cl, ok := s.cat.Clause(id); ok {
			v.Clauses = append(v.Clauses, cl.View())
		}
	}
	if d, ok := s.cat.Document(land.Document); ok {
		v.Trial = d.InForceTo.Chinese()
	}
	if trials, err := s.L.Trials(q.R.Context()); err == nil && len(trials) > 0 {
		v.Trial = trials[0].Until.Chinese() + "（依据" + trials[0].Number + "延长）"
	}
	return s.view(q, code, "land_new.html", "申请优化地块规划条件", v, failure, "")
}

func (s *landPages) startPost(q *Request) error {
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
	}
	form := q.R.PostForm
	facts, err := s.facts(form)
	if err == nil {
		var c *land.Case
		c, err = s.L.Start(q.R.Context(), q.Actor(), land.StartInput{Plot: form.Get("plot"), Facts: facts})
		if err == nil {
			http.Redirect(q.W, q.R, "/land/cases/"+url.PathEscape(c.ID)+"?done=start", http.StatusSeeOther)
			return nil
		}
	}
	e, ok := err.(*duixian.Error)
	if !ok {
		return err
	}
	return s.newPage(q, status(e.Code), form, e)
}

// landEvent is a line of the history with its step's name.
type landEvent struct {
	land.Event
	Zh string
}

// landForm is the form of one step the viewer may take now.
type landForm struct {
	R    land.Rule
	V    *landCaseView
	CSRF string
}

type landCaseView struct {
	C        *land.Case
	Name     string
	Facts    []land.FactRow
	History  []landEvent
	Forms    []landForm
	Log      []duixian.AuditEntry
	Today    string
	Pending  []string
	Applied  bool // the holder applied for the transition policy
	Actor    duixian.Actor
	Planning []landField // the facts 规自分局 may confirm in its review
}

func (s *landPages) casePage(q *Request, code int, failure *duixian.Error, done string) error {
	actor := q.Actor()
	d, err := s.L.Detail(q.R.Context(), actor, q.R.PathValue("id"))
	if err != nil {
		return err
	}
	c := d.C
	v := &landCaseView{C: c, Name: d.Name, Facts: d.Facts, Log: d.Log, Applied: d.Applied,
		Today: duixian.DateOf(s.now()).String(), Pending: c.PendingOpinions(), Actor: actor}
	for _, r := range d.Actions {
		v.Forms = append(v.Forms, landForm{R: r, V: v, CSRF: q.CSRF})
	}
	for _, e := range c.History {
		v.History = append(v.History, landEvent{Event: e, Zh: landStepZh(e.Action)})
	}
	for _, name := range land.PlanningFacts() {
		if f, ok := s.cat.Fact(name); ok {
			lf := landField{Name: name, Label: f.Zh, Type: f.Kind}
			if f.Kind == engine.KindBool {
				lf.Options = []landOption{{Value: "true", Label: "是"}, {Value: "false", Label: "否"}}
			}
			v.Planning = append(v.Planning, lf)
		}
	}
	flash := ""
	if done != "" {
		flash = "已办理：" + landStepZh(done)
	}
	return s.view(q, code, "land_case.html", c.Plot, v, failure, flash)
}

func landStepZh(action string) string {
	if action == land.ActStart {
		return "申请已受理"
	}
	if r, ok := land.RuleOf(action); ok {
		return r.Zh
	}
	return action
}

// landStepPost takes the step named by the form's field "step".
func (s *landPages) stepPost(q *Request) error {
	ctx := q.R.Context()
	actor := q.Actor()
	id := q.R.PathValue("id")
	f := func(k string) string { return strings.TrimSpace(q.R.PostFormValue(k)) }
	yes := func(k string) bool { return f(k) == "true" }
	L := s.L
	var err error
	action := f("step")
	switch action {
	case land.ActPlan:
		_, err = L.SubmitPlan(ctx, actor, id, land.PlanInput{Title: f("title"), Summary: f("summary")})
	case land.ActConsult:
		_, err = L.Consult(ctx, actor, id, land.ConsultInput{Departments: landList(f("departments")), Utilities: landList(f("utilities"))})
	case land.ActOpinion:
		_, err = L.GiveOpinion(ctx, actor, id, land.OpinionInput{Party: f("party"), Agree: yes("agree"), Text: f("text"), Via: f("via")})
	case land.ActReturn:
		_, err = L.Return(ctx, actor, id, f("reason"))
	case land.ActReview:
		set := map[string]any{}
		for _, name := range land.PlanningFacts() {
			switch v := f("f." + name); v {
			case "":
			case "true", "false":
				set[name] = v == "true"
			default:
				set[name] = v
			}
		}
		var facts json.RawMessage
		if len(set) > 0 {
			facts, _ = json.Marshal(set)
		}
		_, err = L.PassReview(ctx, actor, id, land.ReviewInput{Opinion: f("opinion"), Facts: facts})
	case land.ActNotice:
		start, perr := duixian.ParseDate(f("start"))
		days, _ := strconv.Atoi(f("days"))
		if perr != nil {
			err = duixian.Errorf(duixian.EINVALID, "start", "日期格式应为 YYYY-MM-DD", "start must be YYYY-MM-DD")
		} else {
			_, err = L.OpenNotice(ctx, actor, id, start, days)
		}
	case land.ActCommittee:
		in := land.CommitteeInput{Approved: yes("approved"), Reference: f("reference"), RenewalPlan: f("renewal_plan"), Opinion: f("opinion")}
		if v := f("transition"); v == "true" || v == "false" {
			b := v == "true"
			in.Transition = &b
		}
		_, err = L.Committee(ctx, actor, id, in)
	case land.ActApproval:
		_, err = L.Approve(ctx, actor, id, land.ApprovalInput{Number: f("number"), Text: f("text")})
	case land.ActContract:
		_, err = L.SignContract(ctx, actor, id, land.ContractInput{Kind: f("kind"), Number: f("number"), MarketPrice: f("market_price"), GovernmentRevenue: f("government_revenue")})
	case land.ActRegistration:
		_, err = L.Register(ctx, actor, id, land.RegistrationInput{Number: f("number")})
	case land.ActReject:
		_, err = L.Reject(ctx, actor, id, f("reason"))
	case land.ActWithdraw:
		_, err = L.Withdraw(ctx, actor, id)
	default:
		if _, rerr := L.Case(ctx, actor, id); rerr != nil {
			return rerr
		}
		err = duixian.Errorf(duixian.EINVALID, "step", "没有步骤“%s”", "no step %q", action)
	}
	if err == nil {
		http.Redirect(q.W, q.R, "/land/cases/"+url.PathEscape(id)+"?done="+url.QueryEscape(action), http.StatusSeeOther)
		return nil
	}
	e, ok := err.(*duixian.Error)
	if !ok || e.Code == duixian.ENOTFOUND {
		return err
	}
	return s.casePage(q, status(e.Code), e, "")
}

// landList splits a list typed one per line or separated by commas.
func landList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == '，' || r == '、' || r == ';' || r == '；' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

type landTrialView struct {
	Trials []*land.Trial
	Until  string
	Number string
}

func (s *landPages) trialPage(q *Request, code int, failure *duixian.Error, flash string) error {
	list, err := s.L.Trials(q.R.Context())
	if err != nil {
		return err
	}
	v := landTrialView{Trials: list}
	if d, ok := s.cat.Document(land.Document); ok {
		v.Until, v.Number = d.InForceTo.Chinese(), d.Number
	}
	return s.view(q, code, "land_trial.html", "20号试行期修订", v, failure, flash)
}
