package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
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
		render: func(q *Request, code int, name, title string, data any) error { return s.pages.render(q, code, name, title, data) }}
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

// previous is the vals values of the enterprise's earlier applications.
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
	"免申即享：平台已为本企业测算的政策": "Awards found for you from government data (no application vals)",
	"确认并提交申报":           "Confirm and submit", "不需要": "Not needed",
}

func init() {
	for zh, en := range entTranslations {
		if _, ok := translations[zh]; !ok {
			translations[zh] = en
		}
	}
}

// ---------------------------------------------------------------------------
// Showing amounts, dates and fact values.

// entAmount is a sum of money as the pages show it: in 万元 with two
// decimals, and exactly in 元.
type entAmount struct {
	Wan  string // "12.00万元"; "约0.73万元" when 万元 with two decimals is not exact
	Yuan string // "120000.00元"
	Zero bool
}

func entAmountOf(m duixian.Money) entAmount {
	return entAmount{Wan: engine.ShowWan(m), Yuan: m.String() + "元", Zero: m == 0}
}

// entTime shows an instant in Asia/Shanghai.
func entTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(duixian.Shanghai).Format("2006-01-02 15:04")
}

// entStamp shows an audit time (RFC 3339) in Asia/Shanghai.
func entStamp(s string) (string, time.Time) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s, time.Time{}
	}
	return entTime(t), t
}

// ---------------------------------------------------------------------------
// The calculator (政策计算器): what the enterprise qualifies for, and for
// what it does not, which condition and by how much (差哪条、差多少).

type entSection struct {
	ID, Title, Sub string
	Open           bool
	Fields         []*form.Field
	Defaults       []*form.Field // facts with a default: optional refinements
}

type entFixedView struct{ Label, Value, By string }

type entStep struct{ Cite, Text string }

type entGap struct {
	Text, En, Cite string
	Given          []string
	Short          string // by how much it is missed: 还差20种
}

type entMatch struct {
	Clause, Title, Document, Apply string
	Amount, Payable                entAmount
	Due, Batched                   bool
	Outcome                        string
	Trace                          []entStep
	Gaps                           []entGap
	Missing                        []string
	MissingMore                    int
	Why, WhyEn                     string // why the clause could not be decided (无法判定)
}

// entMissingGroup is the clauses of one document that need more facts.
type entMissingGroup struct {
	Document string
	Open     bool
	Rows     []entMatch
}

type entCalcView struct {
	EventDate    string
	EventErr     *duixian.Error
	Error        *duixian.Error
	Sections     []*entSection
	Fixed        []entFixedView
	Ran          bool
	Prefilled    bool
	Eligible     []entMatch
	Near         []entMatch
	Undecided    []entMatch // clauses that apply but whose decision failed, with the reason
	Missing      []entMatch
	MissingDocs  []entMissingGroup
	Total        entAmount
	Today        string
	ErrAnchor    string
	DeclaredNote bool
}

func (h *entPages) entCalcGet(q *Request) error {
	vals := url.Values{}
	prefilled := false
	if q.R.URL.Query().Get("blank") == "" {
		prev, err := h.previous(q)
		if err != nil {
			return err
		}
		vals, prefilled = prev, len(prev) > 0
	}
	return h.entCalc(q, vals, prefilled)
}

func (h *entPages) entCalcPost(q *Request) error {
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "vals", "表单无法读取", "the vals cannot be read")
	}
	return h.entCalc(q, q.R.PostForm, false)
}

func (h *entPages) entCalc(q *Request, vals url.Values, prefilled bool) error {
	fx, err := h.platform(q)
	if err != nil {
		return err
	}
	lang := q.Lang()
	today := duixian.DateOf(h.now())
	v := &entCalcView{EventDate: strings.TrimSpace(vals.Get("event_date")), Prefilled: prefilled, Today: today.String()}
	if v.EventDate == "" {
		v.EventDate = today.String()
	}

	// The vals asks for the facts of the clauses the calculator considers
	// for the event date (today's until one is given), by the engine's one
	// applicability rule; how many read each fact decides the order.
	ev, err := duixian.ParseDate(v.EventDate)
	if err != nil {
		ev = today
	}
	count := map[string]int{}
	docsOf := map[string]map[string]bool{}
	var order []*engine.Fact
	for _, cl := range h.cat.Applicable(engine.Applicability{EventDate: ev, AsOf: today}, fx.Known) {
		d := cl.Document
		for _, f := range cl.Facts() {
			if count[f.Name] == 0 {
				order = append(order, f)
				docsOf[f.Name] = map[string]bool{}
			}
			count[f.Name]++
			docsOf[f.Name][d.ID] = true
		}
	}
	views := map[string]engine.FactView{}
	for _, cl := range h.cat.Clauses() {
		for _, f := range cl.View().Facts {
			views[f.Name] = f
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i].Name] > count[order[j].Name] })

	common := &entSection{ID: "common", Title: "常用信息", Sub: "多项政策共同需要、政府数据中尚无的信息", Open: true}
	byDoc := map[string]*entSection{}
	var all []*form.Field
	fixedSeen := map[string]bool{}
	for _, f := range order {
		fv := views[f.Name]
		if val, by, ok := fx.Fills(fv); ok {
			if !fixedSeen[f.Name] {
				fixedSeen[f.Name] = true
				v.Fixed = append(v.Fixed, entFixedView{Label: form.Label(lang, fv), Value: val, By: by})
			}
			continue
		}
		if f.Name == form.DeclaredFact {
			v.DeclaredNote = true
			continue
		}
		ff := form.NewField(lang, fv, vals, true, form.MoreRows(vals, f.Name))
		ff.Count, ff.Action = count[f.Name], "/calculator"
		all = append(all, ff)
		sec := common
		if f.Document != "" && len(docsOf[f.Name]) == 1 {
			if sec = byDoc[f.Document]; sec == nil {
				d, _ := h.cat.Document(f.Document)
				sec = &entSection{ID: d.ID, Title: d.Number, Sub: d.Title}
				byDoc[f.Document] = sec
			}
		}
		if f.Default != nil {
			sec.Defaults = append(sec.Defaults, ff)
		} else {
			sec.Fields = append(sec.Fields, ff)
		}
	}
	if len(common.Fields)+len(common.Defaults) > 0 {
		v.Sections = append(v.Sections, common)
	}
	for _, d := range h.cat.Documents() {
		if sec := byDoc[d.ID]; sec != nil {
			v.Sections = append(v.Sections, sec)
		}
	}

	raw, rows := form.Collect(all)
	if v.DeclaredNote {
		raw[form.DeclaredFact] = true // the applicant declares when submitting
	}
	for name, active := range fx.Banned {
		if _, reads := count[name]; reads {
			raw[name] = active
		}
	}
	run := vals.Get("more") == "" && (q.R.Method == http.MethodPost || prefilled)
	if run {
		ms, err := form.Match(h.cat, raw, fx.Known, v.EventDate, today)
		var e *duixian.Error
		switch {
		case errors.As(err, &e) && e.Code == duixian.EINVALID:
			v.Error = e
			if e.Field == "event_date" {
				v.EventErr, v.ErrAnchor = e, "field-event_date"
			} else if m := form.ErrorField.FindStringSubmatch(e.Field); m != nil && form.Attach(all, rows, e) {
				v.ErrAnchor = "field-" + m[1]
			}
		case err != nil:
			return err
		default:
			v.Ran = true
			h.entCalcResults(v, ms, raw, fx, lang)
		}
	}
	for _, sec := range v.Sections {
		for _, ff := range append(slices.Clone(sec.Fields), sec.Defaults...) {
			if ff.Err != nil || form.HasValue(ff) || vals.Get("more") == ff.Name {
				sec.Open = true
			}
		}
	}
	code := http.StatusOK
	if v.Error != nil {
		code = status(v.Error.Code)
	}
	return h.render(q, code, "calculator.html", "政策计算器", v)
}


var entIdentifier = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

func (h *entPages) entCalcResults(v *entCalcView, ms []engine.Match, raw map[string]any, fx *form.Platform, lang string) {
	typed, _ := h.cat.DecodeFacts("facts", raw)
	var total duixian.Money
	for _, m := range ms {
		cl, ok := h.cat.Clause(m.Clause)
		if !ok {
			continue
		}
		cv := cl.View()
		mv := entMatch{Clause: m.Clause, Title: m.Title, Document: m.Document, Apply: "/apply/" + m.Clause}
		switch {
		case m.Undecided != nil:
			mv.Why, mv.WhyEn = m.Undecided.Zh, m.Undecided.En
			v.Undecided = append(v.Undecided, mv)
			continue
		case m.Decision == nil:
			for i, f := range m.Missing {
				if i == 8 {
					mv.MissingMore = len(m.Missing) - i
					break
				}
				mv.Missing = append(mv.Missing, form.Label(lang, f))
			}
			v.Missing = append(v.Missing, mv)
			continue
		case m.Decision.Eligible:
			d := m.Decision
			mv.Amount, mv.Due, mv.Outcome, mv.Batched = entAmountOf(d.Amount), d.Due, d.Outcome, d.Batched
			mv.Payable = entAmountOf(d.PayableNow)
			if !d.Due {
				total += d.Amount
			}
		}
		mv.Trace = entTrace(m.Decision.Trace)
		if m.Eligible() {
			v.Eligible = append(v.Eligible, mv)
			continue
		}
		for _, r := range m.Decision.Reasons {
			g := entGap{Text: strings.TrimPrefix(r.Zh, "不符合："), En: strings.TrimPrefix(r.En, "not met: "), Cite: r.Cite.String(), Short: r.Gap}
			g.Text = strings.TrimSuffix(g.Text, "（"+r.Gap+"）")
			for _, c := range cv.Conditions {
				if c.ID != r.Code {
					continue
				}
				g.Text, g.En = c.Zh, c.En
				seen := map[string]bool{}
				for _, id := range entIdentifier.FindAllString(c.Expr, -1) {
					f, ok := entFactIn(cv.Facts, id)
					if !ok || seen[id] {
						continue
					}
					seen[id] = true
					g.Given = append(g.Given, entGiven(lang, f, raw, typed, fx))
				}
			}
			mv.Gaps = append(mv.Gaps, g)
		}
		v.Near = append(v.Near, mv)
	}
	// The closest misses first: fewest conditions to meet.
	sort.SliceStable(v.Near, func(i, j int) bool { return len(v.Near[i].Gaps) < len(v.Near[j].Gaps) })
	sort.SliceStable(v.Missing, func(i, j int) bool {
		return len(v.Missing[i].Missing)+v.Missing[i].MissingMore < len(v.Missing[j].Missing)+v.Missing[j].MissingMore
	})
	v.Total = entAmountOf(total)
	// Clauses needing more facts, by document; a document the enterprise
	// already qualifies under, or nearly, comes first and open.
	relevant := map[string]bool{}
	for _, m := range append(slices.Clone(v.Eligible), v.Near...) {
		relevant[m.Document] = true
	}
	at := map[string]int{}
	for _, m := range v.Missing {
		i, ok := at[m.Document]
		if !ok {
			i = len(v.MissingDocs)
			at[m.Document] = i
			v.MissingDocs = append(v.MissingDocs, entMissingGroup{Document: m.Document, Open: relevant[m.Document]})
		}
		v.MissingDocs[i].Rows = append(v.MissingDocs[i].Rows, m)
	}
	sort.SliceStable(v.MissingDocs, func(i, j int) bool { return v.MissingDocs[i].Open && !v.MissingDocs[j].Open })
}

func entFactIn(facts []engine.FactView, name string) (engine.FactView, bool) {
	for _, f := range facts {
		if f.Name == name {
			return f, true
		}
	}
	return engine.FactView{}, false
}

// entGiven says what the calculator knew of a fact: 出版物品种数：您填写 480种.
func entGiven(lang string, f engine.FactView, raw map[string]any, typed duixian.Facts, fx *form.Platform) string {
	name := form.Label(lang, f)
	if val, by, ok := fx.Fills(f); ok {
		return name + "：" + val + "（" + by + "）"
	}
	if v, ok := typed[f.Name]; ok {
		if f.Name == form.DeclaredFact {
			return name + "：按申报时承诺测算"
		}
		return name + "：您填写 " + f.Show(v)
	}
	if _, ok := raw[f.Name]; ok {
		return name + "：已填写"
	}
	if f.Default != nil {
		return name + "：未填写，按" + f.Show(f.Default) + "测算"
	}
	return name + "：未填写"
}

// ---------------------------------------------------------------------------
// The application vals (在线申报).

type entReason struct{ Text, En, Cite string }

type entApplyView struct {
	Clause      engine.ClauseView
	Fields      []*form.Field
	EventDate   string
	EventErr    *duixian.Error
	EventFixed  bool
	Project     string
	Key         string
	Draft       string
	DraftStatus string
	Declared    bool
	DeclaredErr *duixian.Error
	Error       *duixian.Error
	FieldErrors []*form.Field
	Reasons     []entReason
	Saved       string // the draft the refusal left
	Returned    string // the reviewer's reason for a return (补正)
	Prefilled   bool
	NotInForce  string
	Locked      string // the application can no longer be edited
}

// warn marks the facts a failed condition reads with the reason, so the
// applicant sees beside each input what is missed and by how much.
func (v *entApplyView) warn(r duixian.Reason) {
	for _, c := range v.Clause.Conditions {
		if c.ID != r.Code {
			continue
		}
		for _, id := range entIdentifier.FindAllString(c.Expr, -1) {
			for _, f := range v.Fields {
				if f.Name == id && f.Fixed == "" && !strings.Contains(f.Warn, r.Zh) {
					f.Warn = strings.TrimSpace(f.Warn + " " + r.Zh)
				}
			}
		}
	}
}

// HasFixed reports whether some facts are filled by the platform.
func (v *entApplyView) HasFixed() bool {
	return slices.ContainsFunc(v.Fields, func(f *form.Field) bool { return f.Fixed != "" })
}

func (h *entPages) entClause(q *Request) (*engine.Clause, error) {
	cl, ok := h.cat.Clause(trimID(q.R.PathValue("doc"), q.R.PathValue("art")))
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "clause", "没有该条款", "no such clause")
	}
	return cl, nil
}

// entApplyForm builds the vals of clause cl from values.
func (h *entPages) entApplyForm(q *Request, cl *engine.Clause, vals url.Values, fx *form.Platform) *entApplyView {
	lang := q.Lang()
	v := &entApplyView{Clause: cl.View(), EventDate: strings.TrimSpace(vals.Get("event_date")), Project: strings.TrimSpace(vals.Get("project")),
		Declared: vals.Get("declared") == "yes", Draft: vals.Get("draft")}
	for _, f := range v.Clause.Facts {
		ff := form.NewField(lang, f, vals, false, form.MoreRows(vals, f.Name))
		ff.Action = "/apply/" + cl.ID
		if val, by, ok := fx.Fills(f); ok {
			ff.Fixed, ff.FixedBy = val, by
		} else if f.Name == form.DeclaredFact {
			ff.Fixed, ff.FixedBy, ff.Declares = "以本页底部的申报承诺为准", "申报承诺", true
		}
		v.Fields = append(v.Fields, ff)
	}
	today := duixian.DateOf(h.now())
	d := cl.Document
	if d.Record || today.Before(d.InForceFrom) || (!d.InForceTo.IsZero() && today.After(d.InForceTo)) {
		v.NotInForce = fmt.Sprintf("%s当前不在施行期内（%s—%s），提交时将按文件有效期判定。", d.Number, d.InForceFrom, d.InForceTo)
	}
	return v
}

func (h *entPages) entApplyGet(q *Request) error {
	cl, err := h.entClause(q)
	if err != nil {
		return err
	}
	fx, err := h.platform(q)
	if err != nil {
		return err
	}
	vals := url.Values{}
	var app *duixian.Application
	if id := q.R.URL.Query().Get("draft"); id != "" {
		if app, err = h.cases.Application(q.R.Context(), q.Actor(), id); err != nil {
			return err
		}
		if app.Clause != cl.ID {
			http.Redirect(q.W, q.R, "/apply/"+app.Clause+"?draft="+url.QueryEscape(app.ID), http.StatusSeeOther)
			return nil
		}
		vals = form.ValuesOf(app.Facts, true)
		vals.Set("event_date", app.EventDate.String())
		vals.Set("project", app.Project)
		vals.Set("draft", app.ID)
		if app.Declared {
			vals.Set("declared", "yes")
		}
	} else {
		prev, err := h.previous(q)
		if err != nil {
			return err
		}
		vals = prev
		vals.Set("event_date", duixian.DateOf(h.now()).String())
	}
	v := h.entApplyForm(q, cl, vals, fx)
	v.Key = randomToken()
	if app != nil {
		h.entDescribeDraft(v, app)
	} else {
		v.Prefilled = slices.ContainsFunc(v.Fields, func(f *form.Field) bool { return f.Fixed == "" && form.HasValue(f) })
	}
	return h.render(q, http.StatusOK, "apply.html", v.Clause.Title+" · 在线申报", v)
}

func (h *entPages) entDescribeDraft(v *entApplyView, a *duixian.Application) {
	v.Draft, v.DraftStatus = a.ID, a.Status.Zh()
	switch a.Status {
	case duixian.StatusReturned:
		v.Returned, v.EventFixed = a.Reason, true
		v.EventDate, v.Project = a.EventDate.String(), a.Project
	case duixian.StatusDraft:
	default:
		v.Locked = "该申报当前状态为“" + a.Status.Zh() + "”，不能再修改。"
	}
}

func (h *entPages) entApplyPost(q *Request) error {
	cl, err := h.entClause(q)
	if err != nil {
		return err
	}
	fx, err := h.platform(q)
	if err != nil {
		return err
	}
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "vals", "表单无法读取", "the vals cannot be read")
	}
	vals := q.R.PostForm
	v := h.entApplyForm(q, cl, vals, fx)
	v.Key = vals.Get("key")
	if len(v.Key) < 16 || len(v.Key) > 128 {
		v.Key = randomToken()
	}
	ctx, actor := q.R.Context(), q.Actor()

	// hidden reads the draft this vals continues, if any.
	hidden := func() (*duixian.Application, error) {
		if v.Draft == "" {
			return nil, nil
		}
		d, err := h.cases.Application(ctx, actor, v.Draft)
		if err != nil {
			return nil, err
		}
		if d.Clause != cl.ID {
			return nil, duixian.Errorf(duixian.EINVALID, "draft", "草稿不属于该条款", "the draft is for another clause")
		}
		h.entDescribeDraft(v, d)
		return d, nil
	}
	if vals.Get("more") != "" {
		if _, err := hidden(); err != nil {
			return err
		}
		return h.render(q, http.StatusOK, "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	raw, rows := form.Collect(v.Fields)
	if slices.ContainsFunc(v.Fields, func(f *form.Field) bool { return f.Declares }) {
		raw[form.DeclaredFact] = v.Declared
	}
	facts, _ := json.Marshal(raw)
	submit := vals.Get("action") != "save"

	// fail re-renders the vals with the error by its input; a new key,
	// because the next attempt is a new request.
	fail := func(err error) error {
		var e *duixian.Error
		if !errors.As(err, &e) {
			return err
		}
		v.Key = randomToken()
		switch {
		case e.Code == duixian.EREFUSED:
			for _, r := range e.Reasons {
				v.Reasons = append(v.Reasons, entReason{Text: r.Zh, En: r.En, Cite: r.Cite.String()})
				v.warn(r)
			}
			v.Saved = v.Draft
		case e.Field == "event_date":
			v.EventErr = e
		case e.Field == "declared":
			v.DeclaredErr = e
		default:
			form.Attach(v.Fields, rows, e)
		}
		if e.Code != duixian.EREFUSED {
			v.Error = e
		}
		for _, f := range v.Fields {
			if f.Err != nil || slices.ContainsFunc(f.Rows, func(r form.Row) bool {
				return r.Err != nil || slices.ContainsFunc(r.Cells, func(c form.Cell) bool { return c.Err != nil })
			}) {
				v.FieldErrors = append(v.FieldErrors, f)
			}
		}
		return h.render(q, status(e.Code), "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	// One vals, one application, whichever process serves each post: the
	// draft a vals creates is recorded under the vals's key in the draft's
	// own transaction (workflow.DraftInput.Key), so a second post of the
	// vals finds it, and Submit with the same key replays the first answer.
	draft, err := h.drafts.Drafted(ctx, actor, v.Key)
	if err != nil {
		return err
	}
	keyed := draft != nil
	if keyed {
		v.Draft = draft.ID
		if draft.Status != duixian.StatusDraft && draft.Status != duixian.StatusReturned {
			if _, err := h.drafts.Submit(ctx, actor, draft.ID, v.Key); err != nil {
				return fail(err)
			}
			http.Redirect(q.W, q.R, "/my/"+url.PathEscape(draft.ID)+"?submitted=1", http.StatusSeeOther)
			return nil
		}
		h.entDescribeDraft(v, draft)
	} else if draft, err = hidden(); err != nil {
		return err
	}
	if v.Locked != "" {
		return h.render(q, http.StatusConflict, "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	ev, perr := duixian.ParseDate(v.EventDate)
	if v.EventFixed {
		ev = draft.EventDate
	} else if perr != nil {
		return fail(duixian.Errorf(duixian.EINVALID, "event_date", "请填写事项发生日期，格式为 YYYY-MM-DD", "enter the event date as YYYY-MM-DD"))
	}
	if submit && !v.Declared {
		return fail(duixian.Errorf(duixian.EINVALID, "declared", "提交前须勾选承诺：申报材料真实、无弄虚作假", "tick the declaration that the materials are true before submitting"))
	}

	var a *duixian.Application
	switch {
	case keyed && draft.Status == duixian.StatusDraft && draft.EventDate == ev && draft.Project == v.Project &&
		bytes.Equal(draft.Facts, facts) && draft.Declared == v.Declared:
		// The vals posted again as it was (a double click, a retry):
		// nothing to update, and an update could only race the first
		// post's submission. Submit below replays or makes it.
		a = draft
	case draft != nil && (draft.Status == duixian.StatusReturned || (draft.EventDate == ev && draft.Project == v.Project)):
		if a, err = h.drafts.UpdateDraft(ctx, actor, draft.ID, facts, v.Declared); err != nil {
			return fail(err)
		}
	default:
		// The id is reserved here so that a draft handed back under the key
		// (another post of this vals made it) is told from one made now.
		in := workflow.DraftInput{ID: duixian.NewID("A", h.now()), Enterprise: q.User.Enterprise, Clause: cl.ID,
			EventDate: ev, Project: v.Project, Facts: facts, Declared: v.Declared}
		if !keyed {
			in.Key = v.Key
		}
		if a, err = h.drafts.CreateDraft(ctx, actor, in); err != nil {
			return fail(err)
		}
		if draft != nil && a.ID == in.ID {
			// The event date or project changed: the earlier draft of this
			// vals is replaced; it was never submitted.
			if _, err := h.drafts.Withdraw(ctx, actor, draft.ID); err != nil {
				return err
			}
		}
	}
	v.Draft = a.ID
	if !submit {
		http.Redirect(q.W, q.R, "/my/"+url.PathEscape(a.ID)+"?saved=1", http.StatusSeeOther)
		return nil
	}
	if _, err := h.drafts.Submit(ctx, actor, a.ID, v.Key); err != nil {
		return fail(err)
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(a.ID)+"?submitted=1", http.StatusSeeOther)
	return nil
}

// ---------------------------------------------------------------------------
// My applications (我的申报).

type entMyRow struct {
	ID, Clause, Title, Document, EventDate, Updated, Status, StatusClass string
	AmountKind                                                           string
	Amount, Paid                                                         entAmount
	HasAmount, HasPaid, Editable                                         bool
}

type entMyView struct {
	Offers   []entOffer // open 免申即享 offers, to confirm
	Rows     []entMyRow
	Status   string
	Statuses []form.Option
	Flash    string
}

// entOffer is an award the platform found from government data alone (免申即
// 享): confirming it submits the application with the registry's facts.
type entOffer struct {
	ID       string
	Decision duixian.Decision
	Amount   entAmount
}

func entStatusClass(st duixian.Status) string {
	switch st {
	case duixian.StatusDraft, duixian.StatusReturned:
		return "warn"
	case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid:
		return "ok"
	case duixian.StatusRejected, duixian.StatusRevoked:
		return "bad"
	case duixian.StatusWithdrawn:
		return "off"
	}
	return "info"
}

var entStatuses = []duixian.Status{duixian.StatusDraft, duixian.StatusSubmitted, duixian.StatusReturned, duixian.StatusReviewed,
	duixian.StatusAssessed, duixian.StatusProposed, duixian.StatusPublicity, duixian.StatusApproved, duixian.StatusPaying,
	duixian.StatusPaid, duixian.StatusRejected, duixian.StatusWithdrawn, duixian.StatusRevoked}

// entHeadline is the amount that matters most now: approved, else proposed,
// else what the engine computed at submission.
func entHeadline(a *duixian.Application) (string, duixian.Money, bool) {
	switch {
	case a.Approved > 0:
		return "批准", a.Approved, true
	case a.Proposed > 0:
		return "拟定", a.Proposed, true
	case a.Decision != nil && a.Decision.Eligible:
		return "测算", a.Decision.Amount, true
	}
	return "", 0, false
}

func (h *entPages) entMyList(q *Request) error {
	list, err := h.cases.EnterpriseApplications(q.R.Context(), q.Actor(), duixian.Status(q.R.URL.Query().Get("status")), 500)
	if err != nil {
		return err
	}
	v := entMyView{Status: q.R.URL.Query().Get("status")}
	if q.R.URL.Query().Get("declined") != "" {
		v.Flash = "已记录：本企业不需要该推送事项。如需申报，可在政策库中在线申报并如实填写。"
	}
	offers, err := h.offers.Offers(q.R.Context(), q.User.Enterprise)
	if err != nil {
		return err
	}
	for _, o := range offers {
		if o.Status == "open" {
			v.Offers = append(v.Offers, entOffer{ID: o.ID, Decision: o.Decision, Amount: entAmountOf(o.Decision.Amount)})
		}
	}
	for _, st := range entStatuses {
		v.Statuses = append(v.Statuses, form.Option{Value: string(st), Label: st.Zh(), Selected: string(st) == v.Status})
	}
	for _, a := range list {
		r := entMyRow{ID: a.ID, Clause: a.Clause, Title: a.Clause, EventDate: a.EventDate.String(), Updated: entTime(a.Updated),
			Status: a.Status.Zh(), StatusClass: entStatusClass(a.Status),
			Editable: a.Status == duixian.StatusDraft || a.Status == duixian.StatusReturned}
		if cl, ok := h.cat.Clause(a.Clause); ok {
			r.Title, r.Document = cl.Title, cl.Document.Number
		}
		var m duixian.Money
		r.AmountKind, m, r.HasAmount = entHeadline(a)
		r.Amount = entAmountOf(m)
		if p := a.Paid(); p > 0 {
			r.Paid, r.HasPaid = entAmountOf(p), true
		}
		v.Rows = append(v.Rows, r)
	}
	return h.render(q, http.StatusOK, "my.html", "我的申报", v)
}

// ---------------------------------------------------------------------------
// One application as its applicant sees it: the timeline, the decision and
// what can be done now.

type entEvent struct {
	At, Title, Who, Class string
	Lines                 []string
	at                    time.Time
}

type entDecision struct {
	Eligible          bool
	Amount, Payable   entAmount
	Batched, Due      bool
	Outcome, AsOf     string
	Document, Version string
	Reasons           []entReason
	Trace             []entStep
}

type entFactRow struct {
	Label, Value string
	Head         []string
	Records      [][]string
}

type entStage struct{ Name, Class string }

type entDetailView struct {
	App                          *duixian.Application
	Title, Document, Status      string
	StatusClass, Created         string
	Updated, EventDate           string
	Stages                       []entStage
	Events                       []entEvent
	Decision, Review             *entDecision
	Facts                        []entFactRow
	Amounts                      []entFixedView
	Reason, ReasonTitle          string
	Publicity                    string
	CanWithdraw, CanEdit         bool
	CanSubmit                    bool
	EditHref, Key                string
	Flash                        string
	Error                        *duixian.Error
	Reasons                      []entReason
	Reduction, CatalogueVersion  string
	ObjectionsOpen, AwaitingOpin int
}

func (h *entPages) entMyDetail(q *Request) error {
	return h.entDetail(q, http.StatusOK, nil)
}

func (h *entPages) entDetail(q *Request, code int, failure *duixian.Error) error {
	a, log, err := h.cases.ApplicationHistory(q.R.Context(), q.Actor(), q.R.PathValue("id"))
	if err != nil {
		return err
	}
	v := h.entDetailOf(q, a, log)
	v.Key = randomToken()
	switch {
	case q.R.URL.Query().Get("submitted") != "":
		v.Flash = "申报已提交，编号 " + a.ID + "。办理进度将在本页更新。"
	case q.R.URL.Query().Get("saved") != "":
		v.Flash = "已保存为草稿，编号 " + a.ID + "。可继续修改后提交。"
	case q.R.URL.Query().Get("withdrawn") != "":
		v.Flash = "申报已撤回。"
	}
	if failure != nil {
		v.Error = failure
		for _, r := range failure.Reasons {
			v.Reasons = append(v.Reasons, entReason{Text: r.Zh, En: r.En, Cite: r.Cite.String()})
		}
	}
	return h.render(q, code, "application.html", "申报 "+a.ID, v)
}

func (h *entPages) entDetailOf(q *Request, a *duixian.Application, log []duixian.AuditEntry) *entDetailView {
	lang := q.Lang()
	v := &entDetailView{App: a, Title: a.Clause, Status: a.Status.Zh(), StatusClass: entStatusClass(a.Status),
		Created: entTime(a.Created), Updated: entTime(a.Updated), EventDate: a.EventDate.String(),
		CanWithdraw: a.Status.Open(), CanEdit: a.Status == duixian.StatusDraft || a.Status == duixian.StatusReturned,
		EditHref: "/apply/" + a.Clause + "?draft=" + url.QueryEscape(a.ID), Reduction: a.Reduction, CatalogueVersion: a.CatalogueVersion}
	v.CanSubmit = v.CanEdit && a.Declared
	cl, haveClause := h.cat.Clause(a.Clause)
	var cv engine.ClauseView
	if haveClause {
		cv = cl.View()
		v.Title, v.Document = cl.Title, cl.Document.Number
	}
	v.Stages = entStages(a.Status)
	switch a.Status {
	case duixian.StatusReturned:
		v.ReasonTitle = "退回补正原因"
	case duixian.StatusRejected:
		v.ReasonTitle = "未通过原因"
	case duixian.StatusRevoked:
		v.ReasonTitle = "撤销原因"
	}
	if v.ReasonTitle != "" {
		v.Reason = a.Reason
	}
	if p := a.Publicity; p != nil {
		v.Publicity = fmt.Sprintf("%s 至 %s（%d个工作日）", p.From, p.Until, p.Days)
	}
	for _, o := range a.Opinions {
		if o.Given.IsZero() {
			v.AwaitingOpin++
		}
	}
	for _, o := range a.Objections {
		if o.Answered.IsZero() {
			v.ObjectionsOpen++
		}
	}
	if a.Decision != nil {
		v.Decision = entDecisionOf(a.Decision)
	}
	if r, d := a.Review, a.Decision; r != nil && (d == nil || r.AsOf != d.AsOf || r.Amount != d.Amount || r.Eligible != d.Eligible) {
		v.Review = entDecisionOf(a.Review)
	}
	// Amounts along the way.
	if a.Decision != nil && a.Decision.Eligible {
		am := entAmountOf(a.Decision.Amount)
		v.Amounts = append(v.Amounts, entFixedView{Label: "受理时测算", Value: am.Wan, By: am.Yuan})
	}
	if a.Review != nil && a.Review.Eligible && a.Decision != nil && a.Review.Amount != a.Decision.Amount {
		am := entAmountOf(a.Review.Amount)
		v.Amounts = append(v.Amounts, entFixedView{Label: "复核测算", Value: am.Wan, By: am.Yuan})
	}
	for _, x := range []struct {
		l string
		m duixian.Money
	}{{"拟定金额", a.Proposed}, {"批准金额", a.Approved}, {"已拨付", a.Paid()}, {"应追回", a.Clawback}} {
		if x.m > 0 {
			am := entAmountOf(x.m)
			v.Amounts = append(v.Amounts, entFixedView{Label: x.l, Value: am.Wan, By: am.Yuan})
		}
	}
	// The declared facts.
	if haveClause {
		typed, _ := h.cat.DecodeJSONFacts("facts", a.Facts)
		for _, f := range cv.Facts {
			val, ok := typed[f.Name]
			if !ok {
				continue
			}
			row := entFactRow{Label: form.Label(lang, f), Value: f.Show(val)}
			if recs, isRec := val.([]duixian.Facts); isRec {
				for _, c := range f.Fields {
					row.Head = append(row.Head, form.Label(lang, c))
				}
				for _, r := range recs {
					var cells []string
					for _, c := range f.Fields {
						cells = append(cells, c.Show(r[c.Name]))
					}
					row.Records = append(row.Records, cells)
				}
			}
			v.Facts = append(v.Facts, row)
		}
	}
	v.Events = h.entTimeline(a, log)
	return v
}

func entDecisionOf(d *duixian.Decision) *entDecision {
	dv := &entDecision{Eligible: d.Eligible, Amount: entAmountOf(d.Amount), Payable: entAmountOf(d.PayableNow), Batched: d.Batched,
		Due: d.Due, Outcome: d.Outcome, AsOf: d.AsOf.String(), Document: d.Document.Number, Version: d.Document.Version}
	for _, r := range d.Reasons {
		dv.Reasons = append(dv.Reasons, entReason{Text: r.Zh, En: r.En, Cite: r.Cite.String()})
	}
	dv.Trace = entTrace(d.Trace)
	return dv
}

// entTrace lists a decision's steps; the citation, shown beside each step,
// is not repeated at the start of its sentence.
func entTrace(steps []duixian.Step) []entStep {
	out := make([]entStep, len(steps))
	for i, st := range steps {
		c := st.Cite.String()
		out[i] = entStep{Cite: c, Text: strings.TrimPrefix(st.Text, "依据"+c+"，")}
	}
	return out
}

// entStages is the path of 21号第十二条 with where the application stands.
func entStages(st duixian.Status) []entStage {
	names := []string{"填报", "初审", "专家评审", "拟定金额", "公示", "批准", "拨付"}
	at := map[duixian.Status]int{duixian.StatusDraft: 0, duixian.StatusSubmitted: 1, duixian.StatusReturned: 1,
		duixian.StatusReviewed: 2, duixian.StatusAssessed: 3, duixian.StatusProposed: 4, duixian.StatusPublicity: 4,
		duixian.StatusApproved: 6, duixian.StatusPaying: 6, duixian.StatusPaid: 7}
	cur, open := at[st]
	out := make([]entStage, len(names))
	for i, n := range names {
		c := "todo"
		switch {
		case !open:
			c = "off"
		case i < cur:
			c = "done"
		case i == cur:
			c = "current"
			if st == duixian.StatusReturned {
				c = "current warn"
			}
		}
		out[i] = entStage{Name: n, Class: c}
	}
	return out
}

var entActionZh = map[string]string{
	"create": "创建申报草稿", "update": "修改申报信息", "submit": "提交申报", "return": "退回补正",
	"request-opinions": "征求相关部门会签意见", "opinion": "会签部门出具意见", "pass-preliminary": "初审通过",
	"expert-review": "第三方专家评审", "propose": "拟定金额", "publish": "发布公示", "object": "收到公示异议",
	"answer-objection": "答复公示异议", "approve": "批准", "disburse": "拨付资金", "reject": "不予通过",
	"withdraw": "撤回申报", "revoke": "撤销奖励并追回资金",
}

func entWho(a duixian.Actor, own string) string {
	switch a.Role {
	case duixian.RoleEnterprise:
		if a.Enterprise == own {
			return "本企业经办人（" + a.User + "）"
		}
		return "企业"
	case duixian.RoleReviewer:
		return a.Department + "（初审）"
	case duixian.RoleCoReviewer:
		return a.Department + "（会签）"
	case duixian.RoleExpert:
		return "第三方评审专家"
	case duixian.RoleFinance:
		return entOr(a.Department, "财政部门") + "（拨付）"
	case duixian.RoleSupervisor:
		return "监督检查"
	case duixian.RoleAdmin:
		return "系统管理员"
	case duixian.RolePublic:
		return "公众"
	}
	return string(a.Role)
}

// entTimeline lists every step from the audit log of the application, each
// with what the application recorded for it: opinions, the expert review,
// the publicity window, objections and answers, payments.
func (h *entPages) entTimeline(a *duixian.Application, log []duixian.AuditEntry) []entEvent {
	var out []entEvent
	var objections, answered, payments []int
	for i := range a.Objections {
		objections = append(objections, i)
		if !a.Objections[i].Answered.IsZero() {
			answered = append(answered, i)
		}
	}
	sort.SliceStable(answered, func(i, j int) bool {
		return a.Objections[answered[i]].Answered.Before(a.Objections[answered[j]].Answered)
	})
	for i := range a.Payments {
		payments = append(payments, i)
	}
	for _, e := range log {
		at, t := entStamp(e.At)
		ev := entEvent{At: at, at: t, Who: entWho(e.Actor, a.Enterprise), Class: "info"}
		action := e.Action
		if strings.HasPrefix(action, "denied:") {
			// Only the applicant's own attempts that did not go through.
			if e.Actor.Role != duixian.RoleEnterprise || e.Actor.Enterprise != a.Enterprise {
				continue
			}
			ev.Title = entOr(entActionZh[strings.TrimPrefix(action, "denied:")], action) + "未成功"
			ev.Class = "bad"
			if e.After != "" {
				zh, _, _ := strings.Cut(e.After, " / ")
				ev.Lines = append(ev.Lines, zh)
			}
			out = append(out, ev)
			continue
		}
		ev.Title = entOr(entActionZh[action], action)
		if e.After != "" && e.Before != e.After {
			ev.Lines = append(ev.Lines, "状态："+entOr(duixian.Status(e.After).Zh(), e.After))
		}
		switch action {
		case "submit", "pass-preliminary", "approve":
			ev.Class = "ok"
			if action == "approve" && a.Approved > 0 {
				am := entAmountOf(a.Approved)
				ev.Lines = append(ev.Lines, "批准金额 "+am.Wan+"（"+am.Yuan+"）")
			}
		case "return":
			ev.Class = "warn"
			if a.Status == duixian.StatusReturned && a.Reason != "" {
				ev.Lines = append(ev.Lines, "原因："+a.Reason)
			}
		case "reject", "revoke":
			ev.Class = "bad"
			if a.Reason != "" {
				ev.Lines = append(ev.Lines, "原因："+a.Reason)
			}
		case "withdraw":
			ev.Class = "off"
		case "request-opinions":
			var deps []string
			for _, o := range a.Opinions {
				deps = append(deps, o.Department)
			}
			if len(deps) > 0 {
				ev.Lines = append(ev.Lines, "征求："+strings.Join(deps, "、"))
			}
		case "opinion":
			for _, o := range a.Opinions {
				if o.Department == e.Actor.Department && !o.Given.IsZero() {
					verdict := "同意"
					if !o.Agree {
						verdict, ev.Class = "不同意", "warn"
					}
					ev.Lines = append(ev.Lines, verdict+"："+o.Text)
				}
			}
		case "expert-review":
			if x := a.Expert; x != nil {
				verdict := "通过"
				if !x.Pass {
					verdict, ev.Class = "未通过", "bad"
				} else {
					ev.Class = "ok"
				}
				ev.Lines = append(ev.Lines, "评审结论："+verdict+"；意见："+x.Opinion)
				var keys []string
				for k := range x.Scores {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				var sc []string
				for _, k := range keys {
					sc = append(sc, fmt.Sprintf("%s %d分", k, x.Scores[k]))
				}
				if len(sc) > 0 {
					ev.Lines = append(ev.Lines, "评分："+strings.Join(sc, "，"))
				}
			}
		case "propose":
			if a.Proposed > 0 {
				am := entAmountOf(a.Proposed)
				ev.Lines = append(ev.Lines, "拟定金额 "+am.Wan+"（"+am.Yuan+"）")
			}
			if a.Reduction != "" {
				ev.Lines = append(ev.Lines, "低于测算金额的理由："+a.Reduction)
			}
		case "publish":
			if p := a.Publicity; p != nil {
				ev.Lines = append(ev.Lines, fmt.Sprintf("公示期 %s 至 %s（%d个工作日），期内任何单位和个人可提出异议", p.From, p.Until, p.Days))
			}
		case "object":
			ev.Class = "warn"
			ev.Who = "公众"
			if len(objections) > 0 {
				o := a.Objections[objections[0]]
				objections = objections[1:]
				ev.Lines = append(ev.Lines, "异议："+o.Text)
			}
		case "answer-objection":
			if len(answered) > 0 {
				o := a.Objections[answered[0]]
				answered = answered[1:]
				verdict := "异议不成立"
				if o.Upheld {
					verdict, ev.Class = "异议成立", "bad"
				}
				ev.Lines = append(ev.Lines, "针对异议“"+o.Text+"”："+verdict+"。答复："+o.Answer)
			}
		case "disburse":
			ev.Class = "ok"
			if len(payments) > 0 {
				p := a.Payments[payments[0]]
				payments = payments[1:]
				am := entAmountOf(p.Amount)
				ev.Lines = append(ev.Lines, fmt.Sprintf("第%d笔 %s（%s）", p.Tranche, am.Wan, am.Yuan))
			}
		}
		out = append(out, ev)
	}
	if p := a.Publicity; p != nil && a.Status == duixian.StatusPublicity {
		out = append(out, entEvent{At: p.Until.String(), Title: "公示期截止", Class: "todo",
			Lines: []string{"公示期满且异议均已答复后，方可批准。"}, at: time.Date(p.Until.Year, p.Until.Month, p.Until.Day, 23, 59, 0, 0, duixian.Shanghai)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func (h *entPages) entWithdraw(q *Request) error {
	// As for a missing one: another enterprise is not told it exists.
	if _, err := h.cases.Application(q.R.Context(), q.Actor(), q.R.PathValue("id")); err != nil {
		return err
	}
	if q.R.PostFormValue("confirm") != "yes" {
		return h.entDetail(q, http.StatusBadRequest, duixian.Errorf(duixian.EINVALID, "confirm", "请勾选“确认撤回”后再撤回", "tick the confirmation to withdraw"))
	}
	id := q.R.PathValue("id")
	if _, err := h.drafts.Withdraw(q.R.Context(), q.Actor(), id); err != nil {
		var e *duixian.Error
		if errors.As(err, &e) && e.Code != duixian.ENOTFOUND && e.Code != duixian.EFORBIDDEN {
			return h.entDetail(q, status(e.Code), e)
		}
		return err
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(id)+"?withdrawn=1", http.StatusSeeOther)
	return nil
}

func (h *entPages) entSubmit(q *Request) error {
	if _, err := h.cases.Application(q.R.Context(), q.Actor(), q.R.PathValue("id")); err != nil {
		return err
	}
	id, key := q.R.PathValue("id"), q.R.PostFormValue("key")
	if _, err := h.drafts.Submit(q.R.Context(), q.Actor(), id, key); err != nil {
		var e *duixian.Error
		if errors.As(err, &e) && e.Code != duixian.ENOTFOUND && e.Code != duixian.EFORBIDDEN {
			return h.entDetail(q, status(e.Code), e)
		}
		return err
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(id)+"?submitted=1", http.StatusSeeOther)
	return nil
}

func entOr(zh, v string) string {
	if zh != "" {
		return zh
	}
	return v
}
