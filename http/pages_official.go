package http

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
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

// officialPages are the pages officials use: queues per role, a case with
// its actions, an enterprise's file, the audit log and the dashboard.
func (s *Server) officialPages() []Route {
	page := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: roles, Summary: summary, handle: h}
	}
	// act is a POST form on a case: on success it redirects back to the
	// case; on an error the case is shown again with the message.
	act := func(path, action string, roles []duixian.Role, summary string, do func(q *Request, id string) error) Route {
		return page("POST", "/cases/{id}/"+path, roles, summary, func(q *Request) error {
			id := q.R.PathValue("id")
			if err := q.R.ParseForm(); err != nil {
				return s.offCaseFailed(q, id, action, duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read"))
			}
			if err := do(q, id); err != nil {
				return s.offCaseFailed(q, id, action, err)
			}
			http.Redirect(q.W, q.R, "/cases/"+url.PathEscape(id)+"?done="+action, http.StatusSeeOther)
			return nil
		})
	}
	wf := s.Service
	form := func(q *Request, name string) string { return strings.TrimSpace(q.R.PostFormValue(name)) }
	return []Route{
		page("GET", "/queue", officials, "待办", s.offQueuePage),
		page("GET", "/cases/{id}", officials, "办件", func(q *Request) error {
			return s.offCase(q, q.R.PathValue("id"), http.StatusOK, nil, "")
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
			_, err := wf.Return(q.R.Context(), q.Actor(), id, form(q, "reason"))
			return err
		}),
		act("reject", "reject", reviewer, "不予通过", func(q *Request, id string) error {
			_, err := wf.Reject(q.R.Context(), q.Actor(), id, form(q, "reason"))
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
			evidence, err := s.offEvidence(q, id)
			if err != nil {
				return err
			}
			_, err = wf.Disburse(q.R.Context(), q.Actor(), id, form(q, "key"), evidence)
			return err
		}),
		act("revoke", "revoke", offSupervisor, "撤销并追回", func(q *Request, id string) error {
			_, err := wf.Revoke(q.R.Context(), q.Actor(), id, form(q, "finding"))
			return err
		}),
		page("GET", "/enterprises/{uscc}", officials, "一企一档", s.offEnterprisePage),
		page("GET", "/audit", offAuditors, "审计日志", s.offAuditPage),
		page("GET", "/dashboard", officials, "统计", s.offDashboardPage),
	}
}

// offRender renders an official page; unlike pages.render it carries an
// error and a flash message into the View.
func (s *Server) offRender(q *Request, code int, name, title string, data any, e *duixian.Error, flash string) error {
	v := View{Title: title, User: q.User, CSRF: q.CSRF, Lang: q.Lang(), Path: q.R.URL.Path, Data: data, Error: e, Flash: flash}
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

func offTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(duixian.Shanghai).Format("2006-01-02 15:04")
}

func (s *Server) offToday() duixian.Date { return duixian.DateOf(s.now()) }

// ---------------------------------------------------------------- facts

// OfficialFact is one fact as a person reads it.
type OfficialFact struct {
	Name, Label, Value, Unit string
	Shared                   bool // an enterprise fact the registry holds
}

// offFacts lists a JSON object of facts with the catalogue's labels, in the
// order of names, then any the catalogue does not know.
func (s *Server) offFacts(raw json.RawMessage, order []string) []OfficialFact {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []OfficialFact
	seen := map[string]bool{}
	add := func(name string) {
		v, ok := m[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		f, _ := s.Catalogue.Fact(name)
		row := OfficialFact{Name: name, Label: name, Value: offFactValue(f, v)}
		if f != nil {
			row.Label, row.Shared = f.Zh, f.Document == ""
			// A unit the value does not state already ("86万元" is money with its unit).
			if !strings.HasSuffix(row.Value, "元") && !strings.Contains(row.Value, "\n") {
				row.Unit = f.Unit
			}
		}
		out = append(out, row)
	}
	for _, n := range order {
		add(n)
	}
	rest := make([]string, 0, len(m))
	for n := range m {
		rest = append(rest, n)
	}
	sort.Strings(rest)
	for _, n := range rest {
		add(n)
	}
	return out
}

func offEnumZh(f *engine.Fact, v string) string {
	if f != nil {
		for _, e := range f.Values {
			if e.Value == v && e.Zh != "" {
				return e.Zh
			}
		}
	}
	if z, ok := duixian.ZoneByID(v); ok && z.Zh != "" {
		return z.Zh
	}
	return v
}

func offFactValue(f *engine.Fact, raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	return offShow(f, v)
}

func offShow(f *engine.Fact, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case string:
		return offEnumZh(f, x)
	case json.Number:
		return x.String()
	case nil:
		return "—"
	case []any:
		var parts []string
		for _, it := range x {
			if rec, ok := it.(map[string]any); ok {
				parts = append(parts, offRecord(f, rec))
				continue
			}
			parts = append(parts, offShow(f, it))
		}
		if len(parts) == 0 {
			return "（无）"
		}
		sep := "、"
		if len(x) > 0 {
			if _, ok := x[0].(map[string]any); ok {
				sep = "\n"
			}
		}
		return strings.Join(parts, sep)
	case map[string]any:
		return offRecord(f, x)
	}
	return fmt.Sprint(v)
}

func offRecord(f *engine.Fact, rec map[string]any) string {
	var keys []string
	if f != nil {
		for _, fd := range f.Fields {
			if _, ok := rec[fd.Name]; ok {
				keys = append(keys, fd.Name)
			}
		}
	}
	for k := range rec {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	var parts []string
	for _, k := range keys {
		var ff *engine.Fact
		label := k
		if f != nil {
			for _, fd := range f.Fields {
				if fd.Name == k {
					ff, label = fd, fd.Zh
				}
			}
		}
		parts = append(parts, label+"："+offShow(ff, rec[k]))
	}
	return strings.Join(parts, "；")
}

// ---------------------------------------------------------------- queue

// OfficialRow is one application in a list.
type OfficialRow struct {
	ID, Enterprise, Name      string
	Clause, Title, Doc, Label string
	Status                    duixian.Status
	Amount                    duixian.Money // proposed, else the latest review's
	Approved, Paid            duixian.Money
	Batched                   bool
	Updated                   string
	Window                    string // publicity From–Until
	DaysLeft                  int
	Ended                     bool
	Objections, Open          int
	Pending                   int    // co-review opinions awaited
	Requested                 string // when this department's opinion was asked
	Given                     string
}

// Remaining is what is still to pay.
func (r OfficialRow) Remaining() duixian.Money { return r.Approved - r.Paid }

// OfficialGroup is one stage of a queue.
type OfficialGroup struct {
	Key, Title, Hint, Kind string
	Rows                   []OfficialRow
}

// OfficialQueue is the signed-in official's work.
type OfficialQueue struct {
	Role   duixian.Role
	Scope  string
	Groups []OfficialGroup
	Total  int
}

// offRows turns applications into rows, reading enterprise names once.
func (s *Server) offRows(tx *sqldb.Tx, list []*duixian.Application, u *duixian.User) ([]OfficialRow, error) {
	names := map[string]string{}
	today := s.offToday()
	var out []OfficialRow
	for _, a := range list {
		name, ok := names[a.Enterprise]
		if !ok {
			e, err := tx.Enterprise(a.Enterprise, false)
			if err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND {
				return nil, err
			}
			if e != nil {
				name = e.Name
			}
			names[a.Enterprise] = name
		}
		r := OfficialRow{ID: a.ID, Enterprise: a.Enterprise, Name: name, Clause: a.Clause, Title: a.Clause, Status: a.Status,
			Approved: a.Approved, Paid: a.Paid(), Updated: offTime(a.Updated), Objections: len(a.Objections)}
		if cl, ok := s.Catalogue.Clause(a.Clause); ok {
			r.Title, r.Doc, r.Label = cl.Title, cl.Document.Short, cl.Article.Label
		}
		switch {
		case a.Proposed > 0:
			r.Amount = a.Proposed
		case a.Review != nil:
			r.Amount = a.Review.Amount
		}
		r.Batched = a.Decision != nil && a.Decision.Batched
		if p := a.Publicity; p != nil {
			r.Window = p.From.String() + " 至 " + p.Until.String()
			r.Ended = today.After(p.Until)
			if !r.Ended {
				r.DaysLeft = offDaysBetween(today, p.Until) + 1
			}
		}
		for _, o := range a.Objections {
			if o.Answered.IsZero() {
				r.Open++
			}
		}
		for _, o := range a.Opinions {
			if o.Given.IsZero() {
				r.Pending++
			}
			if u != nil && o.Department == u.Department {
				r.Requested, r.Given = offTime(o.Requested), offTime(o.Given)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

func offDaysBetween(a, b duixian.Date) int {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, duixian.Shanghai)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, duixian.Shanghai)
	return int(tb.Sub(ta).Hours()/24 + 0.5)
}

// offDeptClauses lists the clauses a reviewer's department is responsible for.
func (s *Server) offDeptClauses(dept string) []string {
	var out []string
	for _, cl := range s.Catalogue.Clauses() {
		if cl.Department == dept {
			out = append(out, cl.ID)
		}
	}
	return out
}

func (s *Server) offQueuePage(q *Request) error {
	u := q.User
	v := &OfficialQueue{Role: u.Role}
	err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		group := func(key, title, hint, kind string, list []*duixian.Application) error {
			rows, err := s.offRows(tx, list, u)
			if err != nil {
				return err
			}
			v.Groups = append(v.Groups, OfficialGroup{Key: key, Title: title, Hint: hint, Kind: kind, Rows: rows})
			v.Total += len(rows)
			return nil
		}
		byStatus := func(st duixian.Status, clauses []string) ([]*duixian.Application, error) {
			return tx.Applications(sqldb.ApplicationFilter{Status: st, Clauses: clauses})
		}
		switch u.Role {
		case duixian.RoleReviewer:
			clauses := s.offDeptClauses(u.Department)
			v.Scope = u.Department + "负责的条款（" + strconv.Itoa(len(clauses)) + "项）"
			if len(clauses) == 0 {
				return nil
			}
			for _, g := range []struct {
				st                     duixian.Status
				key, title, hint, kind string
			}{
				{duixian.StatusSubmitted, "submitted", "待初审", "审核材料，必要时征求会签意见，初审通过、退回补正或不予通过", "review"},
				{duixian.StatusAssessed, "assessed", "待拟定金额", "专家评审已完成，按政策计算金额拟定拟支持金额", "review"},
				{duixian.StatusProposed, "proposed", "待公示", "金额已拟定，发布公示", "review"},
			} {
				list, err := byStatus(g.st, clauses)
				if err != nil {
					return err
				}
				if err := group(g.key, g.title, g.hint, g.kind, list); err != nil {
					return err
				}
			}
			list, err := byStatus(duixian.StatusPublicity, clauses)
			if err != nil {
				return err
			}
			today := s.offToday()
			var running, ended []*duixian.Application
			for _, a := range list {
				if a.Publicity != nil && today.After(a.Publicity.Until) {
					ended = append(ended, a)
				} else {
					running = append(running, a)
				}
			}
			if err := group("publicity", "公示中", "公示期内受理异议，须逐项答复", "publicity", running); err != nil {
				return err
			}
			return group("ended", "待批准", "公示期满，异议均已答复后批准", "publicity", ended)
		case duixian.RoleCoReviewer:
			v.Scope = u.Department + "会签"
			list, err := byStatus(duixian.StatusSubmitted, nil)
			if err != nil {
				return err
			}
			var waiting []*duixian.Application
			for _, a := range list {
				for _, o := range a.Opinions {
					if o.Department == u.Department && o.Given.IsZero() {
						waiting = append(waiting, a)
						break
					}
				}
			}
			if err := group("opinion", "待出具会签意见", "责任单位征求本部门意见的申报", "opinion", waiting); err != nil {
				return err
			}
			all, err := tx.Applications(sqldb.ApplicationFilter{Limit: 500})
			if err != nil {
				return err
			}
			var given []*duixian.Application
			for _, a := range all {
				for _, o := range a.Opinions {
					if o.Department == u.Department && !o.Given.IsZero() {
						given = append(given, a)
						break
					}
				}
				if len(given) == 30 {
					break
				}
			}
			return group("given", "已出具意见", "最近30件", "opinion", given)
		case duixian.RoleExpert:
			v.Scope = "第三方专家评审"
			list, err := byStatus(duixian.StatusReviewed, nil)
			if err != nil {
				return err
			}
			return group("reviewed", "待专家评审", "初审已通过，请评分并出具评审意见", "review", list)
		case duixian.RoleFinance:
			v.Scope = "财政拨付"
			approved, err := byStatus(duixian.StatusApproved, nil)
			if err != nil {
				return err
			}
			if err := group("approved", "待拨付", "已批准，尚未拨付", "pay", approved); err != nil {
				return err
			}
			paying, err := byStatus(duixian.StatusPaying, nil)
			if err != nil {
				return err
			}
			return group("paying", "分批拨付中", "分批兑现的条款：后续批次的条件满足后拨付", "pay", paying)
		default: // supervisor, admin
			v.Scope = "全部申报"
			all, err := tx.Applications(sqldb.ApplicationFilter{Limit: 200})
			if err != nil {
				return err
			}
			var recent []*duixian.Application
			for _, a := range all {
				if a.Status != duixian.StatusDraft && len(recent) < 100 {
					recent = append(recent, a)
				}
			}
			return group("recent", "最近办理", "按最近更新排序，最多100件（不含企业草稿）", "recent", recent)
		}
	})
	if err != nil {
		return err
	}
	return s.offRender(q, http.StatusOK, "queue.html", "待办", v, nil, "")
}

// ---------------------------------------------------------------- case

// OfficialDecision is an engine decision with its label.
type OfficialDecision struct {
	Label, Lang string
	D           *duixian.Decision
}

// OfficialChange is one difference between the decision at submission and
// the latest review.
type OfficialChange struct {
	What, From, To string
	Dir            int // +1 up, -1 down, 0 neither
}

// OfficialOpinion is a co-review opinion.
type OfficialOpinion struct {
	duixian.Opinion
	RequestedAt, GivenAt string
}

// OfficialObjection is an objection with its dates.
type OfficialObjection struct {
	duixian.Objection
	FiledAt, AnsweredAt string
}

// OfficialPayment is one disbursement.
type OfficialPayment struct {
	duixian.Payment
	At string
}

// OfficialEvent is one line of the case's history from the audit log.
type OfficialEvent struct {
	At, User, Role, Action, Before, After string
	Denied                                bool
}

// OfficialEvidence is a fact the finance official may record as completion
// evidence before paying a later tranche.
type OfficialEvidence struct {
	Name, Label, Kind, Unit, Current string
}

// OfficialActions are what the signed-in official may do now.
type OfficialActions struct {
	RequestOpinions, Opinion, Preliminary, Return, Reject, Expert bool
	Propose, Publish, Answer, Approve, Disburse, Revoke           bool
	PreliminaryBlocked, ApproveBlocked                            string
	Departments                                                   []string
	ProposeDefault                                                string
	PublishStart                                                  string
	DisburseKey                                                   string
	DueNow                                                        string
	Evidence                                                      []OfficialEvidence
}

// Any reports whether any action is offered.
func (a OfficialActions) Any() bool {
	return a.RequestOpinions || a.Opinion || a.Preliminary || a.Return || a.Reject || a.Expert || a.Propose ||
		a.Publish || a.Answer || a.Approve || a.Disburse || a.Revoke
}

// OfficialCase is the case page.
type OfficialCase struct {
	App        *duixian.Application
	Clause     *engine.ClauseView
	Name       string
	Facts      []OfficialFact
	Submitted  *OfficialDecision
	Latest     *OfficialDecision
	Changes    []OfficialChange
	Reduction  duixian.Money // computed minus proposed
	Opinions   []OfficialOpinion
	ExpertAt   string
	Scores     []OfficialFact
	Publicity  string // state of the window
	Objections []OfficialObjection
	Payments   []OfficialPayment
	Paid       duixian.Money
	Remaining  duixian.Money
	History    []OfficialEvent
	Act        OfficialActions
	Failed     string
	Posted     url.Values
	Created    string
	Updated    string
	Outdated   bool // the catalogue changed since submission
}

// Val is what the official typed into the form of action before it failed,
// so a refused form keeps its text.
func (c *OfficialCase) Val(action, name string) string {
	if c.Failed != action || c.Posted == nil {
		return ""
	}
	return c.Posted.Get(name)
}

// Has reports whether a checkbox value was posted with the failed action.
func (c *OfficialCase) Has(action, name, value string) bool {
	return c.Failed == action && c.Posted != nil && slices.Contains(c.Posted[name], value)
}

var offScoreRows = [4]struct{}{}

// ScoreRows numbers the expert form's score rows.
func (c *OfficialCase) ScoreRows() []int { return []int{0, 1, 2, 3} }

var offActionZh = map[string]string{
	"create": "创建草稿", "update": "修改申报", "submit": "提交申报", "withdraw": "撤回", "return": "退回补正",
	"request-opinions": "征求会签意见", "opinion": "出具会签意见", "pass-preliminary": "初审通过",
	"expert-review": "专家评审", "propose": "拟定金额", "publish": "发布公示", "object": "提出异议",
	"answer-objection": "答复异议", "approve": "批准", "disburse": "拨付", "reject": "不予通过", "revoke": "撤销并追回",
	"ban": "禁止申报", "offer": "推送免申即享", "decline-offer": "企业不需要推送事项", "register-enterprise": "登记企业档案", "login": "登录", "logout": "退出", "login-failed": "登录失败",
	"lock": "账户锁定", "login-locked": "锁定期间登录", "route": "无权访问", "csrf": "请求校验失败",
	// the forms of this file
	"opinions": "征求会签意见", "preliminary": "初审通过", "answer": "答复异议",
}

var offRoleZh = map[duixian.Role]string{
	duixian.RoleEnterprise: "企业经办人", duixian.RoleReviewer: "责任单位", duixian.RoleCoReviewer: "会签部门",
	duixian.RoleExpert: "第三方专家", duixian.RoleFinance: "财政拨付", duixian.RoleSupervisor: "监督检查",
	duixian.RoleAdmin: "系统管理员", duixian.RolePublic: "社会公众",
}

func offAction(a string) string {
	if d, ok := strings.CutPrefix(a, "denied:"); ok {
		return "被拒绝：" + offAction(d)
	}
	if zh, ok := offActionZh[a]; ok {
		return zh
	}
	return a
}

func offStatusZh(s string) string {
	if zh := duixian.Status(s).Zh(); zh != "" {
		return zh
	}
	switch s { // a 免申即享 offer (package matching)
	case "open":
		return "待企业确认"
	case "declined":
		return "企业不需要"
	}
	return s
}

// offCaseFailed shows the case again with the error of a refused action. An
// application the official may not see stays an ordinary 404.
func (s *Server) offCaseFailed(q *Request, id, action string, err error) error {
	var e *duixian.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Code == duixian.ENOTFOUND && e.Field == "application" {
		return err
	}
	return s.offCase(q, id, status(e.Code), e, action)
}

func (s *Server) offCase(q *Request, id string, code int, e *duixian.Error, failed string) error {
	a, err := s.Service.Application(q.R.Context(), q.Actor(), id)
	if err != nil {
		return err
	}
	c := &OfficialCase{App: a, Created: offTime(a.Created), Updated: offTime(a.Updated), Paid: a.Paid()}
	if failed != "" {
		c.Failed, c.Posted = failed, q.R.PostForm
	}
	var order []string
	cl, ok := s.Catalogue.Clause(a.Clause)
	if ok {
		v := cl.View()
		c.Clause = &v
		for _, f := range cl.Facts() {
			order = append(order, f.Name)
		}
	}
	c.Facts = s.offFacts(a.Facts, order)
	if a.Decision != nil {
		c.Submitted = &OfficialDecision{Label: "提交时判定（冻结）", Lang: q.Lang(), D: a.Decision}
	}
	if a.Review != nil {
		c.Latest = &OfficialDecision{Label: "最新审核判定", Lang: q.Lang(), D: a.Review}
	}
	c.Changes = offChanges(a.Decision, a.Review)
	c.Outdated = a.CatalogueVersion != "" && a.CatalogueVersion != s.Catalogue.Version()
	if a.Review != nil && a.Proposed > 0 && a.Proposed < a.Review.Amount {
		c.Reduction = a.Review.Amount - a.Proposed
	}
	for _, o := range a.Opinions {
		c.Opinions = append(c.Opinions, OfficialOpinion{Opinion: o, RequestedAt: offTime(o.Requested), GivenAt: offTime(o.Given)})
	}
	if x := a.Expert; x != nil {
		c.ExpertAt = offTime(x.At)
		names := make([]string, 0, len(x.Scores))
		for n := range x.Scores {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			c.Scores = append(c.Scores, OfficialFact{Label: n, Value: strconv.Itoa(x.Scores[n])})
		}
	}
	today := s.offToday()
	if p := a.Publicity; p != nil {
		switch {
		case today.Before(p.From):
			c.Publicity = "未开始"
		case today.After(p.Until):
			c.Publicity = "已期满"
		default:
			c.Publicity = "公示中"
		}
	}
	for _, o := range a.Objections {
		c.Objections = append(c.Objections, OfficialObjection{Objection: o, FiledAt: offTime(o.Filed), AnsweredAt: offTime(o.Answered)})
	}
	for _, p := range a.Payments {
		c.Payments = append(c.Payments, OfficialPayment{Payment: p, At: offTime(p.At)})
	}
	if a.Approved > 0 {
		c.Remaining = a.Approved - c.Paid
	}
	var users []duixian.User
	err = s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		if ent, err := tx.Enterprise(a.Enterprise, false); err == nil {
			c.Name = ent.Name
		} else if duixian.ErrorCode(err) != duixian.ENOTFOUND {
			return err
		}
		log, err := tx.AuditLog(a.ID)
		if err != nil {
			return err
		}
		seeDenied := q.User.Role == duixian.RoleSupervisor || q.User.Role == duixian.RoleAdmin
		for i := len(log) - 1; i >= 0; i-- {
			en := log[i]
			denied := strings.HasPrefix(en.Action, "denied:")
			if denied && !seeDenied {
				continue
			}
			ev := OfficialEvent{At: offAuditTime(en.At), User: en.Actor.User, Role: offRoleZh[en.Actor.Role], Action: offAction(en.Action), Denied: denied}
			if !denied {
				ev.Before, ev.After = offStatusZh(en.Before), offStatusZh(en.After)
			} else {
				ev.After = en.After
			}
			c.History = append(c.History, ev)
		}
		if q.User.Role == duixian.RoleReviewer && a.Status == duixian.StatusSubmitted {
			users, err = tx.Users()
			return err
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.offActions(q, c, cl, users)
	flash := ""
	if done := q.R.URL.Query().Get("done"); done != "" && e == nil {
		if zh, ok := offActionZh[done]; ok {
			flash = "已办理：" + zh
		}
	}
	title := a.ID
	if c.Clause != nil {
		title = c.Clause.Title + " · " + c.Name
	}
	return s.offRender(q, code, "case.html", title, c, e, flash)
}

func offAuditTime(at string) string {
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil {
		return at
	}
	return t.In(duixian.Shanghai).Format("2006-01-02 15:04:05")
}

func offChanges(from, to *duixian.Decision) []OfficialChange {
	if from == nil || to == nil {
		return nil
	}
	yes := func(b bool) string {
		if b {
			return "符合"
		}
		return "不符合"
	}
	var out []OfficialChange
	if from.Eligible != to.Eligible {
		dir := 1
		if !to.Eligible {
			dir = -1
		}
		out = append(out, OfficialChange{What: "是否符合条件", From: yes(from.Eligible), To: yes(to.Eligible), Dir: dir})
	}
	if from.Amount != to.Amount {
		dir := 1
		if to.Amount < from.Amount {
			dir = -1
		}
		out = append(out, OfficialChange{What: "计算金额", From: from.Amount.Wan() + "（" + from.Amount.String() + "元）",
			To: to.Amount.Wan() + "（" + to.Amount.String() + "元）", Dir: dir})
	}
	if to.Batched && from.PayableNow != to.PayableNow {
		dir := 1
		if to.PayableNow < from.PayableNow {
			dir = -1
		}
		out = append(out, OfficialChange{What: "当前可拨付", From: from.PayableNow.Wan(), To: to.PayableNow.Wan(), Dir: dir})
	}
	if from.Outcome != to.Outcome {
		out = append(out, OfficialChange{What: "认定结果", From: from.Outcome, To: to.Outcome})
	}
	if from.Document.Version != to.Document.Version || from.Document.ID != to.Document.ID {
		out = append(out, OfficialChange{What: "适用文件版本", From: from.Document.Number + " " + from.Document.Version,
			To: to.Document.Number + " " + to.Document.Version})
	}
	if len(from.Reasons) != len(to.Reasons) {
		out = append(out, OfficialChange{What: "不符合或调减理由", From: strconv.Itoa(len(from.Reasons)) + "条", To: strconv.Itoa(len(to.Reasons)) + "条"})
	}
	return out
}

// offActions decides which forms the signed-in official sees. The workflow
// decides again on every POST; this only keeps the page honest.
func (s *Server) offActions(q *Request, c *OfficialCase, cl *engine.Clause, users []duixian.User) {
	u, a := q.User, c.App
	act := &c.Act
	today := s.offToday()
	own := cl != nil && cl.Department == u.Department
	switch u.Role {
	case duixian.RoleReviewer:
		if !own {
			return
		}
		switch a.Status {
		case duixian.StatusSubmitted:
			act.RequestOpinions, act.Preliminary, act.Return, act.Reject = true, true, true, true
			for _, o := range a.Opinions {
				if o.Given.IsZero() {
					act.PreliminaryBlocked = "尚待" + o.Department + "出具会签意见"
					break
				}
			}
			act.Departments = offDepartments(s.Catalogue, users, u.Department, a.Opinions)
		case duixian.StatusReviewed:
			act.Reject = true
		case duixian.StatusAssessed:
			act.Propose, act.Reject = true, true
			if a.Review != nil {
				act.ProposeDefault = a.Review.Amount.String()
			}
		case duixian.StatusProposed:
			act.Publish, act.Reject = true, true
			act.PublishStart = today.String()
		case duixian.StatusPublicity:
			act.Reject, act.Approve = true, true
			for _, o := range a.Objections {
				if o.Answered.IsZero() {
					act.Answer = true
					act.ApproveBlocked = "有尚未答复的异议"
				}
			}
			if p := a.Publicity; p != nil && !today.After(p.Until) {
				act.ApproveBlocked = "公示期至" + p.Until.String() + "，期满后方可批准"
			}
		}
	case duixian.RoleCoReviewer:
		if a.Status == duixian.StatusSubmitted {
			for _, o := range a.Opinions {
				if o.Department == u.Department && o.Given.IsZero() {
					act.Opinion = true
				}
			}
		}
	case duixian.RoleExpert:
		act.Expert = a.Status == duixian.StatusReviewed
	case duixian.RoleFinance:
		if a.Status == duixian.StatusApproved || a.Status == duixian.StatusPaying {
			act.Disburse = true
			act.DisburseKey = "pay-" + randomToken()[:32]
			if a.Decision != nil && a.Decision.Batched && cl != nil {
				var current map[string]json.RawMessage
				_ = json.Unmarshal(a.Facts, &current)
				for _, f := range cl.Facts() {
					switch f.Kind {
					case engine.KindBool, engine.KindInt, engine.KindDecimal, engine.KindMoney:
					default:
						continue
					}
					ev := OfficialEvidence{Name: f.Name, Label: f.Zh, Kind: string(f.Kind), Unit: f.Unit, Current: "（未填）"}
					if raw, ok := current[f.Name]; ok {
						ev.Current = offFactValue(f, raw)
					}
					act.Evidence = append(act.Evidence, ev)
				}
			} else {
				act.DueNow = (a.Approved - a.Paid()).Wan()
			}
		}
	case duixian.RoleSupervisor:
		switch a.Status {
		case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid:
			act.Revoke = true
		}
	}
}

// offDepartments lists the departments a reviewer may ask for opinions:
// those with co-reviewers, and those responsible for clauses, less the
// reviewer's own and those asked already.
func offDepartments(cat *engine.Catalogue, users []duixian.User, own string, asked []duixian.Opinion) []string {
	set := map[string]bool{}
	for _, u := range users {
		if u.Role == duixian.RoleCoReviewer && u.Department != "" {
			set[u.Department] = true
		}
	}
	for _, cl := range cat.Clauses() {
		for _, d := range strings.Split(cl.Department, "、") {
			if d = strings.TrimSpace(d); d != "" {
				set[d] = true
			}
		}
	}
	delete(set, own)
	for _, o := range asked {
		delete(set, o.Department)
	}
	out := make([]string, 0, len(set))
	for d := range set {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// offEvidence reads the completion evidence of the disburse form: the
// fields filled in ("" leaves a fact as it is), as a JSON object of facts.
// Only a clause paid in tranches takes evidence, and only its own facts.
func (s *Server) offEvidence(q *Request, id string) (json.RawMessage, error) {
	a, err := s.Service.Application(q.R.Context(), q.Actor(), id)
	if err != nil {
		return nil, err
	}
	cl, ok := s.Catalogue.Clause(a.Clause)
	if !ok || a.Decision == nil || !a.Decision.Batched {
		return nil, nil
	}
	ev := map[string]any{}
	for _, f := range cl.Facts() {
		v := strings.TrimSpace(q.R.PostFormValue("ev_" + f.Name))
		if v == "" {
			continue
		}
		switch f.Kind {
		case engine.KindBool:
			b, err := offChoice(v, f.Name, "“"+f.Zh+"”应为是或否", f.En+" must be yes or no")
			if err != nil {
				return nil, err
			}
			ev[f.Name] = b
		case engine.KindInt:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, &duixian.Error{Code: duixian.EINVALID, Field: f.Name, Zh: "“" + f.Zh + "”应为整数", En: f.En + " must be a whole number"}
			}
			ev[f.Name] = n
		case engine.KindDecimal, engine.KindMoney:
			ev[f.Name] = v
		}
	}
	if len(ev) == 0 {
		return nil, nil
	}
	return json.Marshal(ev)
}

// ---------------------------------------------------------------- enterprise

// OfficialBan is a ban with its document.
type OfficialBan struct {
	duixian.Ban
	Number string
	Active bool
}

// OfficialEnterprise is 一企一档.
type OfficialEnterprise struct {
	E          *duixian.Enterprise
	Facts      []OfficialFact
	Bans       []OfficialBan
	Rows       []OfficialRow
	Approved   duixian.Money
	Paid       duixian.Money
	Clawback   duixian.Money
	Open       int
	Updated    string
	Restricted string // what the official does not see
}

func (s *Server) offEnterprisePage(q *Request) error {
	uscc := q.R.PathValue("uscc")
	f, err := s.enterpriseFile(q, uscc)
	if err != nil {
		return err
	}
	u := q.User
	v := &OfficialEnterprise{E: f.Enterprise, Facts: s.offFacts(f.Enterprise.Facts, nil), Updated: offTime(f.Enterprise.Updated)}
	today := s.offToday()
	for _, b := range f.Enterprise.Bans {
		ob := OfficialBan{Ban: b, Number: b.Document, Active: b.Active(today)}
		if d, ok := s.Catalogue.Document(b.Document); ok {
			ob.Number = d.Number
		}
		v.Bans = append(v.Bans, ob)
	}
	var list []*duixian.Application
	for _, a := range f.Applications {
		if a.Status == duixian.StatusDraft {
			continue
		}
		// A co-reviewer opens only the cases its department was asked about.
		if u.Role == duixian.RoleCoReviewer && !s.coReviewing(u, a) {
			continue
		}
		list = append(list, a)
		switch a.Status {
		case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid:
			v.Approved += a.Approved
		}
		if a.Status.Open() {
			v.Open++
		}
		v.Paid += a.Paid()
		v.Clawback += a.Clawback
	}
	switch u.Role {
	case duixian.RoleReviewer:
		v.Restricted = "仅显示" + u.Department + "负责条款的申报"
	case duixian.RoleCoReviewer:
		v.Restricted = "仅显示征求" + u.Department + "意见的申报"
	}
	if err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		v.Rows, err = s.offRows(tx, list, u)
		return err
	}); err != nil {
		return err
	}
	return s.offRender(q, http.StatusOK, "enterprise.html", f.Enterprise.Name, v, nil, "")
}

// ---------------------------------------------------------------- audit

// OfficialAuditRow is one audit entry.
type OfficialAuditRow struct {
	duixian.AuditEntry
	When, ActionZh, RoleZh, Link string
	Denied                       bool
}

// OfficialAudit is the audit page.
type OfficialAudit struct {
	Subject  string
	Rows     []OfficialAuditRow
	Total    int
	Intact   bool
	Checked  int64
	Problem  string
	Truncate int
}

var offAppID = regexp.MustCompile(`^A\d{8}[0-9A-F]{10}$`)

func (s *Server) offAuditPage(q *Request) error {
	const show = 500
	v := &OfficialAudit{Subject: strings.TrimSpace(q.R.URL.Query().Get("subject"))}
	var log []duixian.AuditEntry
	if err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		var err error
		log, err = tx.AuditLog(v.Subject)
		return err
	}); err != nil {
		return err
	}
	n, err := s.DB.VerifyAudit(q.R.Context())
	v.Checked = n
	if err != nil {
		v.Problem = err.Error()
	} else {
		v.Intact = true
	}
	v.Total = len(log)
	for i := len(log) - 1; i >= 0 && len(v.Rows) < show; i-- {
		e := log[i]
		r := OfficialAuditRow{AuditEntry: e, When: offAuditTime(e.At), ActionZh: offAction(e.Action), RoleZh: offRoleZh[e.Actor.Role],
			Denied: strings.HasPrefix(e.Action, "denied:")}
		switch {
		case offAppID.MatchString(e.Subject):
			r.Link = "/cases/" + e.Subject
		case duixian.ValidateUSCC(e.Subject) == nil:
			r.Link = "/enterprises/" + e.Subject
		}
		if !r.Denied {
			r.Before, r.After = offStatusZh(e.Before), offStatusZh(e.After)
		}
		v.Rows = append(v.Rows, r)
	}
	if v.Total > show {
		v.Truncate = show
	}
	return s.offRender(q, http.StatusOK, "audit.html", "审计日志", v, nil, "")
}

// ---------------------------------------------------------------- dashboard

// DashboardService computes the dashboard (package reports).
type DashboardService interface {
	Dashboard(ctx context.Context, sc reports.Scope) (*reports.Dashboard, error)
}

// OfficialDashboard is the dashboard: the report for the official's scope,
// how the page names that scope, and its two large parts rendered.
type OfficialDashboard struct {
	*reports.Dashboard
	Scope         string
	UnclaimedRows template.HTML // the rows of the 应享未享 table
	ChartData     template.HTML // the charts' data, a JSON script
}

// dashboardViews keeps the large parts of the dashboard page rendered, per
// report and language: a report is recomputed only when the data changes,
// and its row per enterprise takes longer to render than all the rest.
type dashboardViews struct {
	mu    sync.Mutex
	parts map[dashboardKey]dashboardParts
	rows  map[string]map[string]string // by language, the 应享未享 rows by rowKey
}

type dashboardKey struct {
	report *reports.Dashboard
	lang   string
}

type dashboardParts struct{ rows, data template.HTML }

// keptViews bounds the parts kept: the scopes officials use in both
// languages; a report superseded by a write is dropped with the rest.
const keptViews = 16

func (s *Server) dashboardParts(d *reports.Dashboard, lang string) (dashboardParts, error) {
	v := &s.dashViews
	key := dashboardKey{d, lang}
	v.mu.Lock()
	p, ok := v.parts[key]
	v.mu.Unlock()
	if ok {
		return p, nil
	}
	rows, err := s.unclaimedRows(d.Unclaimed, lang)
	if err != nil {
		return p, err
	}
	var data bytes.Buffer
	if err := s.pages.t.ExecuteTemplate(&data, "dashboard-data", struct{ Chart offChart }{offChartOf(d, lang)}); err != nil {
		return p, err
	}
	// Both are the output of the page's own template, escaped as the page
	// would have escaped them.
	p = dashboardParts{rows: template.HTML(rows), data: template.HTML(data.String())}
	v.mu.Lock()
	if len(v.parts) >= keptViews || v.parts == nil {
		v.parts = map[dashboardKey]dashboardParts{}
	}
	v.parts[key] = p
	v.mu.Unlock()
	return p, nil
}

type offPoint struct {
	Key   string      `json:"key,omitempty"`
	Name  string      `json:"name"`
	Value json.Number `json:"value"` // 万元 exact (Money.WanNumber), or a count
	Count int         `json:"count"`
}

type offChart struct {
	Lang        string            `json:"lang"`
	Labels      map[string]string `json:"labels"`
	Documents   []offPoint        `json:"documents"`
	Departments []offPoint        `json:"departments"`
	Months      []offPoint        `json:"months"`
	Stages      []offPoint        `json:"stages"`
	Unclaimed   []offPoint        `json:"unclaimed"`
}

// offSees is the workflow's read rule for lists: a reviewer the clauses of
// the department, a co-reviewer what it was asked about, the others all.
func (s *Server) offSees(u *duixian.User, a *duixian.Application) bool {
	switch u.Role {
	case duixian.RoleReviewer:
		return s.ownClause(u, a)
	case duixian.RoleCoReviewer:
		return s.coReviewing(u, a)
	}
	return true
}

func (s *Server) offDashboardPage(q *Request) error {
	u := q.User
	// The scope is the one offSees gives the lists.
	d, err := s.Dashboards.Dashboard(q.R.Context(), reports.ScopeOf(u))
	if err != nil {
		return err
	}
	p, err := s.dashboardParts(d, q.Lang())
	if err != nil {
		return err
	}
	v := &OfficialDashboard{Dashboard: d, Scope: "全区", UnclaimedRows: p.rows, ChartData: p.data}
	switch u.Role {
	case duixian.RoleReviewer:
		v.Scope = u.Department + "负责的条款"
	case duixian.RoleCoReviewer:
		v.Scope = "征求" + u.Department + "意见的申报"
	}
	return s.offRender(q, http.StatusOK, "dashboard.html", "统计", v, nil, "")
}

// unclaimedRows renders the 应享未享 rows. Each row is rendered alone and
// kept by what it shows, so that after a write only the rows that changed
// are rendered again (a row per enterprise: 10,000 take 100 ms); those are
// rendered on every core. Rows put end to end are the range's output.
func (s *Server) unclaimedRows(list []reports.Unclaimed, lang string) (string, error) {
	render := func(w *bytes.Buffer, part []reports.Unclaimed) error {
		return s.pages.t.ExecuteTemplate(w, "dashboard-unclaimed", struct {
			Lang      string
			Unclaimed []reports.Unclaimed
		}{lang, part})
	}
	if len(list) == 0 { // the table's empty row
		var b bytes.Buffer
		err := render(&b, nil)
		return b.String(), err
	}
	v := &s.dashViews
	v.mu.Lock()
	kept := v.rows[lang] // never written once published
	v.mu.Unlock()
	keys, html := make([]string, len(list)), make([]string, len(list))
	var todo []int
	for i, u := range list {
		keys[i] = rowKey(u)
		var ok bool
		if html[i], ok = kept[keys[i]]; !ok {
			todo = append(todo, i)
		}
	}
	var next atomic.Int64
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			for n := int(next.Add(1)) - 1; n < len(todo) && errs[w] == nil; n = int(next.Add(1)) - 1 {
				i := todo[n]
				b.Reset()
				errs[w] = render(&b, list[i:i+1])
				html[i] = b.String()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	// Keep this view's rows, and the last ones while they are few enough:
	// officials of a few scopes take turns.
	fresh := make(map[string]string, len(list))
	size := 0
	for i := range list {
		fresh[keys[i]] = html[i]
		size += len(html[i])
	}
	for k, h := range kept {
		if len(fresh) >= 4*len(list) {
			break
		}
		fresh[k] = h
	}
	v.mu.Lock()
	if v.rows == nil {
		v.rows = map[string]map[string]string{}
	}
	v.rows[lang] = fresh
	v.mu.Unlock()
	var b strings.Builder
	b.Grow(size)
	for _, h := range html {
		b.WriteString(h)
	}
	return b.String(), nil
}

// rowKey is everything an 应享未享 row shows.
func rowKey(u reports.Unclaimed) string {
	var b strings.Builder
	b.WriteString(u.USCC)
	for _, f := range []string{u.Name, strconv.FormatInt(int64(u.Amount), 10), strconv.Itoa(u.Missing)} {
		b.WriteByte(0)
		b.WriteString(f)
	}
	for _, m := range u.Clauses {
		for _, f := range []string{m.Clause, m.Title, m.Document, strconv.FormatInt(int64(m.Decision.Amount), 10)} {
			b.WriteByte(0)
			b.WriteString(f)
		}
	}
	return b.String()
}

// offChartOf is the charts' data, amounts in 万元.
func offChartOf(d *reports.Dashboard, lang string) offChart {
	wan := func(m duixian.Money) json.Number { return json.Number(m.WanNumber()) }
	ch := offChart{Lang: lang, Labels: map[string]string{}}
	for _, k := range []string{"批准金额（万元）", "件数", "申报件数", "应享未享条款数"} {
		ch.Labels[k] = translate(lang, k)
	}
	for _, st := range d.ByDocument {
		ch.Documents = append(ch.Documents, offPoint{Name: st.Key, Value: wan(st.Amount), Count: st.Count})
	}
	for _, st := range d.ByDepartment {
		ch.Departments = append(ch.Departments, offPoint{Name: st.Label, Value: wan(st.Amount), Count: st.Count})
	}
	for _, st := range d.ByMonth {
		ch.Months = append(ch.Months, offPoint{Name: st.Label, Value: wan(st.Amount), Count: st.Count})
	}
	for _, st := range d.ByStage {
		ch.Stages = append(ch.Stages, offPoint{Key: st.Key, Name: translate(lang, st.Label), Value: json.Number(strconv.Itoa(st.Count)), Count: st.Count})
	}
	for _, un := range d.Unclaimed {
		ch.Unclaimed = append(ch.Unclaimed, offPoint{Name: un.Name, Value: json.Number(strconv.Itoa(len(un.Clauses))), Count: len(un.Clauses)})
	}
	return ch
}

// ---------------------------------------------------------------- English

func init() {
	for zh, en := range offTranslations {
		if _, ok := translations[zh]; !ok {
			translations[zh] = en
		}
	}
}

// offTranslations are the English labels of the officials' pages.
var offTranslations = map[string]string{
	"单项测算合计": "Sum of the offers as computed one by one",
	"每项按企业档案单独测算；企业确认后，提交时再按当年已批准的奖励合并计算就高不重复、类别和年度上限。": "Each offer is computed on its own from the registry; when the enterprise confirms, the submission is decided beside the year's approved awards (highest-only groups, category limits and yearly caps).",
	"免申即享": "Offers (no application needed)", "数据比对 → 意愿确认 → 拨付": "Data matching → confirmation → payment",
	"比对并推送": "Match and send offers", "比对结果": "Result", "判定日期": "Decided as of", "新推送或更新": "New or refreshed",
	"差一点符合": "Near misses", "没有符合条件的企业": "No enterprise qualifies", "以下企业的档案无法读取，未比对": "These enterprises' files cannot be read and were not matched",
	"以一企一档中的登记信息（含禁止申报记录）逐家比对现行有效的条款；符合条件的生成推送事项，企业在“我的申报”中确认后即成为已提交的申报，进入正常审核。科室审核人员只比对本部门负责的条款。": "Every enterprise's registry file (bans included) is matched against the clauses in force; each award it qualifies for becomes an offer, which the enterprise confirms under My applications to submit it for the usual review. A reviewer matches only the clauses of their own department.",
	"审计日志": "Audit log", "统计": "Dashboard", "待办": "Queue", "办件": "Case", "一企一档": "Enterprise file",
	"待初审": "Awaiting preliminary review", "待拟定金额": "Awaiting amount", "待公示": "Awaiting publicity",
	"公示中": "In publicity", "待批准": "Awaiting approval", "待出具会签意见": "Opinion requested", "已出具意见": "Opinions given",
	"待专家评审": "Awaiting expert review", "待拨付": "Awaiting payment", "分批拨付中": "Paying in tranches", "最近办理": "Recent",
	"申报编号": "Application", "企业": "Enterprise", "条款": "Clause", "金额": "Amount", "状态": "Status", "更新时间": "Updated",
	"公示期": "Publicity period", "异议": "Objections", "未答复": "open", "剩余": "left", "天": "days", "已期满": "ended",
	"会签": "Co-review", "待会签": "opinions pending", "已批准": "Approved", "已拨付": "Paid", "未拨付": "To pay",
	"征求时间": "Requested", "出具时间": "Given", "暂无": "None", "办理范围": "Scope", "件": "",
	"企业与条款": "Enterprise and clause", "申报数据": "Facts as declared", "判定": "Decisions", "提交时判定（冻结）": "Decision at submission (frozen)",
	"最新审核判定": "Latest review decision", "变化": "What changed", "会签意见": "Co-review opinions", "专家评审": "Expert review",
	"公示与异议": "Publicity and objections", "拨付": "Payments", "办理记录": "History", "可办理事项": "Actions",
	"符合条件": "Eligible", "不符合条件": "Not eligible", "计算过程": "Trace", "理由": "Reasons", "统一社会信用代码": "USCC",
	"文件": "Document", "责任单位": "Department", "事项发生日期": "Event date", "年度": "Year", "项目": "Project",
	"目录版本": "Catalogue version", "承诺真实": "Declared true", "拟定金额": "Proposed amount", "批准金额": "Approved amount",
	"征求会签意见": "Request opinions", "出具会签意见": "Give opinion", "初审通过": "Pass preliminary review",
	"退回补正": "Return for more material", "不予通过": "Reject", "发布公示": "Open publicity", "答复异议": "Answer objection",
	"批准": "Approve", "撤销并追回": "Revoke and claw back", "提交": "Submit", "同意": "Agree", "不同意": "Disagree",
	"意见": "Opinion", "通过": "Pass", "不通过": "Fail", "评分项": "Criterion", "分值": "Score", "开始日期": "Start date",
	"工作日": "Working days", "成立": "Upheld", "不成立": "Not upheld", "答复": "Answer", "查明事实": "Finding",
	"登记信息": "Registry facts", "禁止申报": "Bans", "申报记录": "Applications", "累计批准": "Total approved",
	"累计拨付": "Total paid", "应追回": "Clawback", "在办": "Open", "主题": "Subject", "筛选": "Filter", "全部": "All",
	"时间": "Time", "操作人": "Actor", "角色": "Role", "操作": "Action", "前": "Before", "后": "After", "来源地址": "IP",
	"审计日志链完整": "Audit chain intact", "审计日志链断开": "Audit chain broken", "按文件": "By document",
	"按责任单位": "By department", "按月份": "By month", "按办理阶段": "By stage", "应享未享": "Eligible but not applied",
	"批准金额（万元）": "Approved (10k yuan)", "件数": "Count", "申报件数": "Applications", "应享未享条款数": "Clauses not applied for",
	"合计": "Total", "月份": "Month", "阶段": "Stage", "企业数": "Enterprises", "现行条款": "Clauses in force",
	"需补充信息": "Need more facts", "可享条款": "Eligible clauses", "预计金额": "Estimated amount", "统计范围": "Scope",
	"返回待办": "Back to queue", "查看": "Open", "原文": "Article text", "结论": "Conclusion", "评审人": "Reviewer",
	"拨付批次": "Tranche", "幂等键": "Idempotency key", "经办人": "By", "完工佐证": "Completion evidence",
	"本次应拨付": "Due now", "当前值": "Current", "不变": "unchanged", "是": "yes", "否": "no", "说明": "Note",
	"降低理由": "Reason for a lower amount", "计算金额": "Computed amount", "调减": "Reduced by",
	"公示期满后方可批准": "Approve after publicity ends", "提出时间": "Filed", "提出人": "By", "证据": "Evidence",
	"答复时间": "Answered", "验证": "Verify", "已批准，待拨付": "Approved, awaiting payment",
	"已申报，待初审": "Submitted", "初审通过，待专家评审": "Reviewed, awaiting experts",
	"专家评审完成，待拟定金额": "Assessed, awaiting amount", "已拟定金额，待公示": "Proposed, awaiting publicity",
	"未通过": "Rejected", "已撤回": "Withdrawn", "已撤销": "Revoked", "草稿": "Draft", "其他部门": "Other departments",
	"出错了": "Error", "办理结果": "Done", "条款原文": "Article", "查看条款": "View clause", "生效": "active", "已到期": "expired",
	"企业申报的事实；标注“登记”的以企业档案为准，覆盖企业填报":       "Facts as the applicant declared them; those marked 登记 come from the enterprise's registry file and override what was typed",
	"规则引擎的判定：提交时冻结一份，每个审核环节按本年度已批准事项重新计算": "The rules engine's decisions: one frozen at submission; every review step decides again beside the year's approved awards",
	"提交以来重新计算，是否符合条件与金额均未变化":              "Decided again since submission: eligibility and amount unchanged",
	"未征求会签意见":     "No opinions were requested",
	"公示期内未收到异议":   "No objections were filed during publicity",
	"尚未公示":        "Not yet published",
	"来自审计日志，最新在前": "From the audit log, newest first",
	"当前没有您可办理的事项": "Nothing for you to do on this case now",
	"系统将按本年度已批准事项重新判定，符合条件方可通过。":                      "The engine decides again beside the year's approved awards; only an eligible claim passes.",
	"分批兑现条款：录入完工佐证后，按已满足条件的批次拨付。留空表示不变。":              "A clause paid in tranches: record the completion evidence; the tranches whose conditions hold are paid. An empty field stays as it is.",
	"同一页面重复提交只拨付一次（幂等键）。":                             "Submitting this form twice pays once (idempotency key).",
	"撤销奖励，已拨付资金登记追回；文件有规定的，企业在规定年限内不得再次申报（如21号第十四条）。": "Revokes the award and books what was paid for clawback; where the document says so, the enterprise may not apply again for its term (e.g. 21号第十四条).",
	"来自政府部门共享数据，申报时覆盖企业填报":                            "Government shared data; it overrides what an applicant types",
	"因提供虚假材料被撤销奖励后的禁止申报期":                             "Bans after an award was revoked for false materials",
	"SM3 哈希链 · 每项状态变更与其审计记录同一事务提交":                    "SM3 hash chain · every change commits together with its entry",
	"申报编号、统一社会信用代码或用户名":                               "Application, USCC or user name",
	"最新在前": "Newest first",
	"已批准（含拨付中、已拨付），不含撤销": "Approved, paying and paid; revocations excluded",
	"已批准金额":       "Approved amounts",
	"按批准日期（北京时间）": "By date of approval (Beijing time)",
	"对每家已登记企业，仅以其档案中的登记信息，按现行有效的每项条款测算：符合条件且该企业尚未申报的条款计入“应享未享”，可主动告知企业申报。多数条款还需要企业自报的经营数据，无法仅凭登记信息判定，列为“需补充信息”。": "For every registered enterprise, each clause in force is decided on the registry facts of its file alone: a clause it qualifies for and has not applied for counts as eligible but not applied for, and the enterprise can be told. Most clauses also need figures only the applicant declares and cannot be decided on registry facts: they are counted as needing more facts.",
	"异议是否成立":     "Is the objection upheld?",
	"（申报不予通过）":   " (the application is rejected)",
	"多个部门以顿号分隔":  "separate departments with 、",
	"金额（元，两位小数）": "Amount (yuan, two decimals)",
	"目录已更新":      "catalogue changed",
	"禁止申报中":      "banned",
	"待出具":        "pending",
	"待答复":        "to answer",
	"公示页":        "public page",
	"附件":         "Attachments",
	"（申请人可见）":    " (the applicant sees it)",
	"（申请人可见，请注明依据条款）": " (the applicant sees it; cite the article)",
	"（不含企业草稿）":        " (drafts excluded)",
	"分批兑现":            "in tranches",
	"期间":              "Period",
	"依据":              "Basis",
	"审核材料，必要时征求会签意见，初审通过、退回补正或不予通过": "Check the materials, ask other departments if needed; pass, return for more material, or reject",
	"专家评审已完成，按政策计算金额拟定拟支持金额":        "The experts have reviewed; propose the amount from the computed one",
	"金额已拟定，发布公示":                    "The amount is proposed; open publicity",
	"公示期内受理异议，须逐项答复":                "Objections are accepted during publicity and each must be answered",
	"公示期满，异议均已答复后批准":                "Publicity has ended; approve once every objection is answered",
	"责任单位征求本部门意见的申报":                "Applications on which your department's opinion was asked",
	"最近30件": "The latest 30",
	"初审已通过，请评分并出具评审意见":       "Passed the preliminary review: score it and give the panel's opinion",
	"已批准，尚未拨付":               "Approved, not yet paid",
	"分批兑现的条款：后续批次的条件满足后拨付":   "Clauses paid in tranches: later tranches are paid once their conditions hold",
	"按最近更新排序，最多100件（不含企业草稿）": "Most recently updated first, at most 100 (drafts excluded)",
}
