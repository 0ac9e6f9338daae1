package http

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/govalues/decimal"
)

// Who may use the 群雁 routes. The table admits the roles; package qunyan
// decides within them (an enterprise only its own entry, only 商务金融局
// confirms or rejects, a department reads what it recommended).
var (
	qyFilers  = []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer}
	qyReaders = []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer, duixian.RoleSupervisor, duixian.RoleAdmin}
	qyManage  = []duixian.Role{duixian.RoleReviewer, duixian.RoleSupervisor, duixian.RoleAdmin}
	qyFacts   = []duixian.Role{duixian.RoleReviewer, duixian.RoleAdmin}
)

// qunyanRoutes are the 群雁计划 registry's API routes and pages.
func (s *Server) qunyanRoutes() []Route {
	api := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/api/v1/qunyan" + path, Roles: roles, Summary: summary, API: true, handle: h}
	}
	page := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/qunyan" + path, Roles: roles, Summary: summary, handle: h}
	}
	qy := s.Qunyan
	return []Route{
		// ------------------------------------------------------------ API
		api("POST", "/filings", qyFilers, "群雁计划备案：企业自荐或部门推荐（附则2）/ file for the 群雁 plan", func(q *Request) error {
			var in qunyan.FileInput
			if err := q.decode(&in); err != nil {
				return err
			}
			if in.Enterprise == "" && q.User.Role == duixian.RoleEnterprise {
				in.Enterprise = q.User.Enterprise
			}
			e, err := qy.File(q.R.Context(), q.Actor(), in)
			if err != nil {
				return err
			}
			return q.ok(e)
		}),
		api("GET", "/filings", qyReaders, "我可见的群雁计划备案 / 群雁 filings I may see", func(q *Request) error {
			list, err := qy.Entries(q.R.Context(), q.Actor(), q.R.URL.Query().Get("status"))
			if err != nil {
				return err
			}
			return q.ok(list)
		}),
		api("GET", "/filings/{uscc}", qyReaders, "一家企业的群雁计划备案与通知 / one enterprise's 群雁 entry", func(q *Request) error {
			v, err := qy.Entry(q.R.Context(), q.Actor(), q.R.PathValue("uscc"))
			if err != nil {
				return err
			}
			return q.ok(v)
		}),
		api("POST", "/filings/{uscc}/confirm", reviewer, "核查准入并确定企业等级（商务金融局）/ admit at a tier", func(q *Request) error {
			var in struct {
				Tier   string `json:"tier"`
				Reason string `json:"reason"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			e, err := qy.Confirm(q.R.Context(), q.Actor(), q.R.PathValue("uscc"), in.Tier, in.Reason)
			if err != nil {
				return err
			}
			return q.ok(e)
		}),
		api("POST", "/filings/{uscc}/reject", reviewer, "不予纳入（商务金融局）/ reject the filing", func(q *Request) error {
			var in struct {
				Reason string `json:"reason"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			e, err := qy.Reject(q.R.Context(), q.Actor(), q.R.PathValue("uscc"), in.Reason)
			if err != nil {
				return err
			}
			return q.ok(e)
		}),
		api("POST", "/members/{uscc}/recheck", qyManage, "动态管理：按附则3复核成员 / re-check a member against 附则3", func(q *Request) error {
			r, err := qy.RecheckBy(q.R.Context(), q.Actor(), q.R.PathValue("uscc"))
			if err != nil {
				return err
			}
			return q.ok(r)
		}),
		api("POST", "/members/{uscc}/facts", qyFacts, "更新企业事实并复核 / update an enterprise's facts and re-check", func(q *Request) error {
			var in struct {
				Facts json.RawMessage `json:"facts"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			r, err := qy.UpdateFacts(q.R.Context(), q.Actor(), q.R.PathValue("uscc"), in.Facts)
			if err != nil {
				return err
			}
			return q.ok(r)
		}),
		api("GET", "/members", officials, "群雁计划成员名单 / the plan's members", func(q *Request) error {
			ms, err := qy.Members(q.R.Context(), q.Actor())
			if err != nil {
				return err
			}
			return q.ok(ms)
		}),
		api("GET", "/counts", officials, "各层级成员数与2027年目标 / members per tier against the 2027 targets", func(q *Request) error {
			c, err := qy.Counts(q.R.Context())
			if err != nil {
				return err
			}
			return q.ok(c)
		}),

		// ---------------------------------------------------------- pages
		page("GET", "", signedIn, "群雁计划", s.qyHome),
		page("GET", "/file", qyFilers, "群雁计划备案", func(q *Request) error {
			return s.qyForm(q, http.StatusOK, nil, nil)
		}),
		page("POST", "/file", qyFilers, "群雁计划备案：提交", s.qyFile),
		page("GET", "/filings/{uscc}", qyReaders, "群雁计划备案详情", func(q *Request) error {
			return s.qyEntryPage(q, q.R.PathValue("uscc"), http.StatusOK, nil, q.R.URL.Query().Get("done"))
		}),
		page("POST", "/filings/{uscc}/confirm", reviewer, "核查准入", func(q *Request) error {
			uscc := q.R.PathValue("uscc")
			_, err := qy.Confirm(q.R.Context(), q.Actor(), uscc, q.R.PostFormValue("tier"), q.R.PostFormValue("reason"))
			return s.qyAfter(q, uscc, "confirmed", err)
		}),
		page("POST", "/filings/{uscc}/reject", reviewer, "不予纳入", func(q *Request) error {
			uscc := q.R.PathValue("uscc")
			_, err := qy.Reject(q.R.Context(), q.Actor(), uscc, q.R.PostFormValue("reason"))
			return s.qyAfter(q, uscc, "rejected", err)
		}),
		page("POST", "/members/{uscc}/recheck", qyManage, "动态管理复核", func(q *Request) error {
			uscc := q.R.PathValue("uscc")
			r, err := qy.RecheckBy(q.R.Context(), q.Actor(), uscc)
			done := "rechecked"
			if err == nil && r.Exited {
				done = "exited"
			}
			return s.qyAfter(q, uscc, done, err)
		}),
		page("GET", "/members", officials, "群雁计划成员", s.qyMembersPage),
	}
}

// ---------------------------------------------------------------- pages

func (s *Server) qyRender(q *Request, code int, name, title string, data any, e *duixian.Error, flash string) error {
	v := View{Title: title, User: q.User, CSRF: q.CSRF, Lang: q.Lang(), Path: q.R.URL.Path, Data: data, Error: e, Flash: flash}
	var buf strings.Builder
	if err := s.pages.t.ExecuteTemplate(&buf, name, v); err != nil {
		return err
	}
	q.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.W.Header().Set("Cache-Control", "no-store")
	q.W.WriteHeader(code)
	_, err := q.W.Write([]byte(buf.String()))
	return err
}

// qyAfter ends a form post: back to the entry, with the outcome or the error.
func (s *Server) qyAfter(q *Request, uscc, done string, err error) error {
	if err != nil {
		var e *duixian.Error
		if !errors.As(err, &e) {
			return err
		}
		if _, rerr := s.Qunyan.Entry(q.R.Context(), q.Actor(), uscc); rerr != nil {
			return err // the entry is not theirs to see: the error alone
		}
		return s.qyEntryPage(q, uscc, status(e.Code), e, "")
	}
	http.Redirect(q.W, q.R, "/qunyan/filings/"+url.PathEscape(uscc)+"?done="+done, http.StatusSeeOther)
	return nil
}

// qyHome: an enterprise goes to its entry (or the form); officials see the
// filings they may read and the counts.
func (s *Server) qyHome(q *Request) error {
	ctx, actor := q.R.Context(), q.Actor()
	if q.User.Role == duixian.RoleEnterprise {
		if _, err := s.Qunyan.Entry(ctx, actor, q.User.Enterprise); err == nil {
			http.Redirect(q.W, q.R, "/qunyan/filings/"+url.PathEscape(q.User.Enterprise), http.StatusSeeOther)
		} else {
			http.Redirect(q.W, q.R, "/qunyan/file", http.StatusSeeOther)
		}
		return nil
	}
	st := q.R.URL.Query().Get("status")
	list, err := s.Qunyan.Entries(ctx, actor, st)
	if err != nil {
		return err
	}
	counts, err := s.Qunyan.Counts(ctx)
	if err != nil {
		return err
	}
	return s.qyRender(q, http.StatusOK, "qunyan_list.html", "群雁计划备案", map[string]any{
		"Entries": list, "Counts": counts, "Status": st, "Admits": q.User.Role == duixian.RoleReviewer && q.User.Department == s.Qunyan.Department(),
		"Department": s.Qunyan.Department(), "CanFile": q.User.Role == duixian.RoleReviewer,
	}, nil, "")
}

func (s *Server) qyMembersPage(q *Request) error {
	ms, err := s.Qunyan.Members(q.R.Context(), q.Actor())
	if err != nil {
		return err
	}
	counts, err := s.Qunyan.Counts(q.R.Context())
	if err != nil {
		return err
	}
	return s.qyRender(q, http.StatusOK, "qunyan_members.html", "群雁计划成员", map[string]any{"Members": ms, "Counts": counts}, nil, "")
}

// qyField is one field of the record form.
type qyField struct {
	Name, Label, En, Help, Unit, Kind, Value string
	Options                                  []qyOption
	Fixed                                    string // the registry's value, which the engine uses instead
	Err                                      *duixian.Error
}

type qyOption struct {
	Value, Label string
	Selected     bool
}

type qySection struct {
	Title  string
	Cite   string
	Fields []*qyField
}

type qyFormView struct {
	Enterprise string // USCC; officials choose it
	Name       string
	Official   bool
	Sections   []qySection
	Current    *qunyan.Entry
}

// qyForm shows the record form, filled from form (a failed post) or the
// enterprise's current filing.
func (s *Server) qyForm(q *Request, code int, form url.Values, failure *duixian.Error) error {
	ctx, actor := q.R.Context(), q.Actor()
	v := &qyFormView{Official: q.User.Role != duixian.RoleEnterprise}
	v.Enterprise = q.User.Enterprise
	if v.Official {
		v.Enterprise = strings.TrimSpace(q.R.URL.Query().Get("enterprise"))
		if form != nil {
			v.Enterprise = strings.TrimSpace(form.Get("enterprise"))
		}
	}
	var registry map[string]json.RawMessage
	if v.Enterprise != "" {
		// An official may have typed a USCC the registry does not hold:
		// the form then shows no name, and filing names the error.
		if err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
			ent, err := tx.Enterprise(v.Enterprise, false)
			if err != nil {
				return err
			}
			v.Name = ent.Name
			return json.Unmarshal(qyOrEmpty(ent.Facts), &registry)
		}); err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND {
			return err
		}
		if cur, err := s.Qunyan.Entry(ctx, actor, v.Enterprise); err == nil {
			v.Current = cur.Entry
			if form == nil && cur.Filing != nil {
				form = qyValues(cur.Filing.Facts)
			}
		}
	}
	for _, sec := range s.Qunyan.Sections() {
		out := qySection{Title: sec.Title, Cite: sec.Cite.String()}
		for _, f := range sec.Facts {
			ff := &qyField{Name: f.Name, Label: f.Zh, En: f.En, Help: f.Help, Unit: f.Unit, Kind: string(f.Kind)}
			if form != nil {
				ff.Value = form.Get(f.Name)
			}
			for _, ev := range f.Values {
				sel := ff.Value == ev.Value
				if f.Kind == engine.KindSet && form != nil {
					sel = qyContains(form[f.Name], ev.Value)
				}
				ff.Options = append(ff.Options, qyOption{Value: ev.Value, Label: qyOr(ev.Zh, ev.Value), Selected: sel})
			}
			if raw, ok := registry[f.Name]; ok {
				ff.Fixed = s.qyShow(f, raw)
			}
			if failure != nil && failure.Field == "facts."+f.Name {
				ff.Err = failure
			}
			out.Fields = append(out.Fields, ff)
		}
		v.Sections = append(v.Sections, out)
	}
	return s.qyRender(q, code, "qunyan_file.html", "群雁计划备案", v, failure, "")
}

func (s *Server) qyFile(q *Request) error {
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
	}
	form := q.R.PostForm
	uscc := q.User.Enterprise
	if q.User.Role != duixian.RoleEnterprise {
		uscc = strings.TrimSpace(form.Get("enterprise"))
	}
	raw := map[string]any{}
	for _, f := range s.Qunyan.FormFacts() {
		vals := form[f.Name]
		text := strings.TrimSpace(form.Get(f.Name))
		switch f.Kind {
		case engine.KindSet:
			if len(vals) > 0 || form.Get("has."+f.Name) != "" {
				list := []any{}
				for _, x := range vals {
					list = append(list, x)
				}
				raw[f.Name] = list
			}
			continue
		}
		if text == "" {
			continue
		}
		switch f.Kind {
		case engine.KindBool:
			raw[f.Name] = text == "true"
		case engine.KindInt, engine.KindDecimal:
			// A number goes as a number; anything else as typed, for the
			// catalogue to name the fact and say what it expects.
			n := strings.ReplaceAll(text, ",", "")
			if _, err := strconv.ParseFloat(n, 64); err == nil {
				raw[f.Name] = json.Number(n)
			} else {
				raw[f.Name] = text
			}
		default:
			raw[f.Name] = text
		}
	}
	facts, err := json.Marshal(raw)
	if err != nil {
		return err
	}
	_, err = s.Qunyan.File(q.R.Context(), q.Actor(), qunyan.FileInput{Enterprise: uscc, Facts: facts})
	if err != nil {
		var e *duixian.Error
		if !errors.As(err, &e) {
			return err
		}
		return s.qyForm(q, status(e.Code), form, e)
	}
	http.Redirect(q.W, q.R, "/qunyan/filings/"+url.PathEscape(uscc)+"?done=filed", http.StatusSeeOther)
	return nil
}

// qyFact is a filed fact as a reader sees it.
type qyFact struct{ Label, Value, Registry string }

type qyEntryView struct {
	*qunyan.View
	Facts    []qyFact
	Tiers    []string
	Admits   bool // the reader decides on filings (商务金融局)
	Recheck  bool // the reader may re-check a member
	Own      bool // the reader is the enterprise
	Refile   bool // the reader may file again
	Done     string
	Decision *duixian.Decision
}

func (s *Server) qyEntryPage(q *Request, uscc string, code int, failure *duixian.Error, done string) error {
	ctx, actor := q.R.Context(), q.Actor()
	v, err := s.Qunyan.Entry(ctx, actor, uscc)
	if err != nil {
		return err
	}
	u := q.User
	view := &qyEntryView{View: v, Tiers: s.Qunyan.Tiers(), Done: done,
		Admits:  u.Role == duixian.RoleReviewer && u.Department == s.Qunyan.Department(),
		Recheck: (u.Role == duixian.RoleReviewer && u.Department == s.Qunyan.Department()) || u.Role == duixian.RoleAdmin || u.Role == duixian.RoleSupervisor,
		Own:     u.Role == duixian.RoleEnterprise,
		Refile:  u.Role == duixian.RoleEnterprise || u.Role == duixian.RoleReviewer}
	if v.Filing != nil {
		view.Decision = &v.Filing.Decision
		if v.Filing.Review != nil {
			view.Decision = v.Filing.Review
		}
		var registry map[string]json.RawMessage
		if err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
			ent, err := tx.Enterprise(uscc, false)
			if err != nil {
				return err
			}
			return json.Unmarshal(qyOrEmpty(ent.Facts), &registry)
		}); err != nil {
			return err
		}
		var filed map[string]json.RawMessage
		_ = json.Unmarshal(qyOrEmpty(v.Filing.Facts), &filed)
		for _, f := range s.Qunyan.FormFacts() {
			row := qyFact{Label: f.Zh}
			if raw, ok := filed[f.Name]; ok {
				row.Value = s.qyShow(f, raw)
			}
			if raw, ok := registry[f.Name]; ok {
				row.Registry = s.qyShow(f, raw)
			}
			if row.Value != "" || row.Registry != "" {
				view.Facts = append(view.Facts, row)
			}
		}
	}
	return s.qyRender(q, code, "qunyan_entry.html", v.Name+" · 群雁计划", view, failure, qyDone(done))
}

func qyDone(done string) string {
	switch done {
	case "filed":
		return "已备案，待商务金融局核查准入"
	case "confirmed":
		return "已纳入群雁计划"
	case "rejected":
		return "已不予纳入，理由已告知企业"
	case "rechecked":
		return "已复核：未发现附则3规定的退出情形"
	case "exited":
		return "已复核：有附则3规定的情形，企业已自动退出并已通知"
	}
	return ""
}

// qyShow writes a fact's JSON value as people read it.
func (s *Server) qyShow(f *engine.Fact, raw json.RawMessage) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, qyEnum(f, fmt.Sprint(e)))
		}
		if len(parts) == 0 {
			return "（无）"
		}
		return strings.Join(parts, "、")
	case string:
		if f.Kind == engine.KindMoney {
			return qyYuan(x)
		}
		return qyEnum(f, x)
	case json.Number:
		if f.Kind == engine.KindMoney {
			return qyYuan(string(x))
		}
		return string(x) + f.Unit
	}
	return string(raw)
}

func qyYuan(text string) string {
	d, err := duixian.ParseAmount(text)
	if err != nil {
		return text
	}
	wan, err := d.Quo(decimal.MustNew(10000, 0))
	if err != nil {
		return d.String() + "元"
	}
	return wan.Trim(2).String() + "万元"
}

func qyEnum(f *engine.Fact, v string) string {
	for _, e := range f.Values {
		if e.Value == v && e.Zh != "" {
			return e.Zh
		}
	}
	return v
}

// qyValues turns filed facts into form values.
func qyValues(facts json.RawMessage) url.Values {
	out := url.Values{}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(qyOrEmpty(facts))))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return out
	}
	for k, v := range m {
		switch x := v.(type) {
		case []any:
			out["has."+k] = []string{"1"}
			for _, e := range x {
				out.Add(k, fmt.Sprint(e))
			}
		default:
			out.Set(k, fmt.Sprint(x))
		}
	}
	return out
}

func qyOrEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage(`{}`)
	}
	return b
}

func qyOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func qyContains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
