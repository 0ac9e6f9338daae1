package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/qunyan"
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

// QunyanService is package qunyan's: the 群雁计划 registry.
type QunyanService interface {
	File(ctx context.Context, actor duixian.Actor, in qunyan.FileInput) (*qunyan.Entry, error)
	Entries(ctx context.Context, actor duixian.Actor, status string) ([]*qunyan.Entry, error)
	Entry(ctx context.Context, actor duixian.Actor, uscc string) (*qunyan.View, error)
	Confirm(ctx context.Context, actor duixian.Actor, uscc, tier, reason string) (*qunyan.Entry, error)
	Reject(ctx context.Context, actor duixian.Actor, uscc, reason string) (*qunyan.Entry, error)
	RecheckBy(ctx context.Context, actor duixian.Actor, uscc string) (*qunyan.Result, error)
	UpdateFacts(ctx context.Context, actor duixian.Actor, uscc string, facts json.RawMessage) (*qunyan.FactsResult, error)
	Members(ctx context.Context, actor duixian.Actor) ([]qunyan.Member, error)
	Counts(ctx context.Context) (*qunyan.Counts, error)
	Registered(ctx context.Context, uscc string) (name string, facts map[string]json.RawMessage, err error)
	FiledFacts(ctx context.Context, v *qunyan.View) ([]qunyan.FactRow, error)
	Department() string
	Admits(actor duixian.Actor) bool
	MayRecheck(actor duixian.Actor) bool
	Tiers() []string
	Sections() []qunyan.Section
	FormFacts() []*engine.Fact
}

// qunyanPages serve the 群雁 routes from package qunyan's service.
type qunyanPages struct {
	qy   QunyanService
	view viewFunc
}

func (s *Server) qunyanRoutes() []Route {
	return (&qunyanPages{qy: s.Qunyan, view: s.offRender}).routes()
}

// routes are the 群雁计划 registry's API routes and pages.
func (s *qunyanPages) routes() []Route {
	api := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/api/v1/qunyan" + path, Roles: roles, Summary: summary, API: true, handle: h}
	}
	page := func(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: "/qunyan" + path, Roles: roles, Summary: summary, handle: h}
	}
	qy := s.qy
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
			return answer(q)(qy.File(q.R.Context(), q.Actor(), in))
		}),
		api("GET", "/filings", qyReaders, "我可见的群雁计划备案 / 群雁 filings I may see", func(q *Request) error {
			return answer(q)(qy.Entries(q.R.Context(), q.Actor(), q.R.URL.Query().Get("status")))
		}),
		api("GET", "/filings/{uscc}", qyReaders, "一家企业的群雁计划备案与通知 / one enterprise's 群雁 entry", func(q *Request) error {
			return answer(q)(qy.Entry(q.R.Context(), q.Actor(), q.R.PathValue("uscc")))
		}),
		api("POST", "/filings/{uscc}/confirm", reviewer, "核查准入并确定企业等级（商务金融局）/ admit at a tier", func(q *Request) error {
			var in struct {
				Tier   string `json:"tier"`
				Reason string `json:"reason"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			return answer(q)(qy.Confirm(q.R.Context(), q.Actor(), q.R.PathValue("uscc"), in.Tier, in.Reason))
		}),
		api("POST", "/filings/{uscc}/reject", reviewer, "不予纳入（商务金融局）/ reject the filing", func(q *Request) error {
			var in struct {
				Reason string `json:"reason"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			return answer(q)(qy.Reject(q.R.Context(), q.Actor(), q.R.PathValue("uscc"), in.Reason))
		}),
		api("POST", "/members/{uscc}/recheck", qyManage, "动态管理：按附则3复核成员 / re-check a member against 附则3", func(q *Request) error {
			return answer(q)(qy.RecheckBy(q.R.Context(), q.Actor(), q.R.PathValue("uscc")))
		}),
		api("POST", "/members/{uscc}/facts", qyFacts, "更新企业事实并复核 / update an enterprise's facts and re-check", func(q *Request) error {
			var in struct {
				Facts json.RawMessage `json:"facts"`
			}
			if err := q.decode(&in); err != nil {
				return err
			}
			return answer(q)(qy.UpdateFacts(q.R.Context(), q.Actor(), q.R.PathValue("uscc"), in.Facts))
		}),
		api("GET", "/members", officials, "群雁计划成员名单 / the plan's members", func(q *Request) error {
			return answer(q)(qy.Members(q.R.Context(), q.Actor()))
		}),
		api("GET", "/counts", officials, "各层级成员数与2027年目标 / members per tier against the 2027 targets", func(q *Request) error {
			return answer(q)(qy.Counts(q.R.Context()))
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

// qyAfter ends a form post: back to the entry, with the outcome or the error.
func (s *qunyanPages) qyAfter(q *Request, uscc, done string, err error) error {
	if err != nil {
		var e *duixian.Error
		if !errors.As(err, &e) {
			return err
		}
		if _, rerr := s.qy.Entry(q.R.Context(), q.Actor(), uscc); rerr != nil {
			return err // the entry is not theirs to see: the error alone
		}
		return s.qyEntryPage(q, uscc, status(e.Code), e, "")
	}
	http.Redirect(q.W, q.R, "/qunyan/filings/"+url.PathEscape(uscc)+"?done="+done, http.StatusSeeOther)
	return nil
}

// qyHome: an enterprise goes to its entry (or the form); officials see the
// filings they may read and the counts.
func (s *qunyanPages) qyHome(q *Request) error {
	ctx, actor := q.R.Context(), q.Actor()
	if q.User.Role == duixian.RoleEnterprise {
		if _, err := s.qy.Entry(ctx, actor, q.User.Enterprise); err == nil {
			http.Redirect(q.W, q.R, "/qunyan/filings/"+url.PathEscape(q.User.Enterprise), http.StatusSeeOther)
		} else {
			http.Redirect(q.W, q.R, "/qunyan/file", http.StatusSeeOther)
		}
		return nil
	}
	qs := q.R.URL.Query()
	st, text, tier := qs.Get("status"), strings.TrimSpace(qs.Get("q")), qs.Get("tier")
	list, err := s.qy.Entries(ctx, actor, st)
	if err != nil {
		return err
	}
	found := qyFind(list, text, tier)
	page, pager, err := pageOf(found, qs, qyPageSize)
	if err != nil {
		return err
	}
	counts, err := s.qy.Counts(ctx)
	if err != nil {
		return err
	}
	return s.view(q, http.StatusOK, "qunyan_list.html", "群雁计划备案", map[string]any{
		"Entries": page, "Pager": pager, "Counts": counts, "Status": st, "Q": text, "Tier": tier, "Tiers": s.qy.Tiers(),
		"Admits": s.qy.Admits(actor), "Department": s.qy.Department(), "CanFile": q.User.Role == duixian.RoleReviewer,
	}, nil, "")
}

// qyPageSize is how many filings a page of the 群雁 list shows.
const qyPageSize = 30

// qyFind keeps the filings whose enterprise's name or USCC holds text, of
// the tier (admitted, or proposed while under review) when one is given.
func qyFind(list []*qunyan.Entry, text, tier string) []*qunyan.Entry {
	var out []*qunyan.Entry
	for _, e := range list {
		if text != "" && !strings.Contains(strings.ToUpper(e.Name+" "+e.Enterprise), strings.ToUpper(text)) {
			continue
		}
		if tier != "" && e.Tier != tier && (e.Filing == nil || e.Filing.Proposed != tier) {
			continue
		}
		out = append(out, e)
	}
	return out
}

func (s *qunyanPages) qyMembersPage(q *Request) error {
	ms, err := s.qy.Members(q.R.Context(), q.Actor())
	if err != nil {
		return err
	}
	counts, err := s.qy.Counts(q.R.Context())
	if err != nil {
		return err
	}
	return s.view(q, http.StatusOK, "qunyan_members.html", "群雁计划成员", map[string]any{"Members": ms, "Counts": counts}, nil, "")
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
func (s *qunyanPages) qyForm(q *Request, code int, form url.Values, failure *duixian.Error) error {
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
		var err error
		if v.Name, registry, err = s.qy.Registered(ctx, v.Enterprise); err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND {
			return err
		}
		if cur, err := s.qy.Entry(ctx, actor, v.Enterprise); err == nil {
			v.Current = cur.Entry
			if form == nil && cur.Filing != nil {
				form = qyValues(cur.Filing.Facts)
			}
		}
	}
	for _, sec := range s.qy.Sections() {
		out := qySection{Title: sec.Title, Cite: sec.Cite.String()}
		for _, f := range sec.Facts {
			ff := &qyField{Name: f.Name, Label: f.Zh, En: f.En, Help: f.Help, Unit: f.Unit, Kind: string(f.Kind)}
			if form != nil {
				ff.Value = form.Get(f.Name)
			}
			for _, ev := range f.Values {
				sel := ff.Value == ev.Value
				if f.Kind == engine.KindSet && form != nil {
					sel = slices.Contains(form[f.Name], ev.Value)
				}
				ff.Options = append(ff.Options, qyOption{Value: ev.Value, Label: qyOr(ev.Zh, ev.Value), Selected: sel})
			}
			if raw, ok := registry[f.Name]; ok {
				ff.Fixed = qunyan.Show(f, raw)
			}
			if failure != nil && failure.Field == "facts."+f.Name {
				ff.Err = failure
			}
			out.Fields = append(out.Fields, ff)
		}
		v.Sections = append(v.Sections, out)
	}
	return s.view(q, code, "qunyan_file.html", "群雁计划备案", v, failure, "")
}

func (s *qunyanPages) qyFile(q *Request) error {
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
	}
	form := q.R.PostForm
	uscc := q.User.Enterprise
	if q.User.Role != duixian.RoleEnterprise {
		uscc = strings.TrimSpace(form.Get("enterprise"))
	}
	raw := map[string]any{}
	for _, f := range s.qy.FormFacts() {
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
	_, err = s.qy.File(q.R.Context(), q.Actor(), qunyan.FileInput{Enterprise: uscc, Facts: facts})
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

type qyEntryView struct {
	*qunyan.View
	Facts    []qunyan.FactRow
	Tiers    []string
	Admits   bool // the reader decides on filings (商务金融局)
	Recheck  bool // the reader may re-check a member
	Own      bool // the reader is the enterprise
	Refile   bool // the reader may file again
	Done     string
	Decision *duixian.Decision
}

func (s *qunyanPages) qyEntryPage(q *Request, uscc string, code int, failure *duixian.Error, done string) error {
	ctx, actor := q.R.Context(), q.Actor()
	v, err := s.qy.Entry(ctx, actor, uscc)
	if err != nil {
		return err
	}
	u := q.User
	view := &qyEntryView{View: v, Tiers: s.qy.Tiers(), Done: done, Admits: s.qy.Admits(actor), Recheck: s.qy.MayRecheck(actor),
		Own: u.Role == duixian.RoleEnterprise, Refile: u.Role == duixian.RoleEnterprise || u.Role == duixian.RoleReviewer}
	if v.Filing != nil {
		view.Decision = &v.Filing.Decision
		if v.Filing.Review != nil {
			view.Decision = v.Filing.Review
		}
		if view.Facts, err = s.qy.FiledFacts(ctx, v); err != nil {
			return err
		}
	}
	return s.view(q, code, "qunyan_entry.html", v.Name+" · 群雁计划", view, failure, qyDone(done))
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

// qyValues turns filed facts into form values.
func qyValues(facts json.RawMessage) url.Values {
	out := url.Values{}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(facts)))
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

func qyOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
