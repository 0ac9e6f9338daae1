package http

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
)

type landListView struct {
	Holder bool
	Scope  string
	Todo   []land.Row
	Rows   []land.Row // the page of the cases the filters find
	Trials []*land.Trial
	// The search and filters, as the address keeps them: q (case, plot,
	// holder), state, sort (oldest first, else the latest).
	Q, State, Sort string
	States         []land.State
	Pager          Pager
}

// landPageSize is how many cases a page of the list shows.
const landPageSize = 30

// landFind keeps the rows the search and the state find.
func landFind(rows []land.Row, text string, state land.State) []land.Row {
	var out []land.Row
	for _, r := range rows {
		c := r.C
		if state != "" && c.State != state {
			continue
		}
		if text != "" && !strings.Contains(strings.ToUpper(c.ID+" "+c.Plot+" "+r.Name+" "+c.Enterprise), strings.ToUpper(text)) {
			continue
		}
		out = append(out, r)
	}
	return out
}

func (s *landPages) listPage(q *Request) error {
	actor := q.Actor()
	rows, err := s.L.List(q.R.Context(), actor)
	if err != nil {
		return err
	}
	qs := q.R.URL.Query()
	v := landListView{Holder: actor.Role == duixian.RoleEnterprise, Scope: actor.Department, Q: strings.TrimSpace(qs.Get("q")),
		State: qs.Get("state"), Sort: qs.Get("sort"), States: land.States}
	if v.State != "" && !slices.Contains(land.States, land.State(v.State)) {
		return duixian.Errorf(duixian.EINVALID, "state", "没有“%s”这一状态", "no state %q", v.State)
	}
	found := landFind(rows, v.Q, land.State(v.State))
	if v.Sort == "oldest" {
		slices.Reverse(found) // List gives the latest first
	}
	if v.Rows, v.Pager, err = pageOf(found, qs, landPageSize); err != nil {
		return err
	}
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
	By string // the person who took the step
}

// landLogRow is an entry of a case's audit log with the person who wrote it.
type landLogRow struct {
	duixian.AuditEntry
	Person string
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
	Log      []landLogRow
	Today    string
	Pending  []string
	Applied  bool // the holder applied for the transition policy
	Actor    duixian.Actor
	Planning []landField // the facts 规自分局 may confirm in its review
	// Person is how the page names an account: its display name. Everyone
	// the case names acted on it, so the history's names cover them.
	Person func(string) string
}

func (s *landPages) casePage(q *Request, code int, failure *duixian.Error, done string) error {
	actor := q.Actor()
	d, err := s.L.Detail(q.R.Context(), actor, q.R.PathValue("id"))
	if err != nil {
		return err
	}
	c := d.C
	v := &landCaseView{C: c, Name: d.Name, Facts: d.Facts, Applied: d.Applied,
		Today: duixian.DateOf(s.now()).String(), Pending: c.PendingOpinions(), Actor: actor}
	for _, r := range d.Actions {
		v.Forms = append(v.Forms, landForm{R: r, V: v, CSRF: q.CSRF})
	}
	var users []string
	for _, e := range c.History {
		users = append(users, e.By)
	}
	for _, e := range d.Log {
		users = append(users, e.Actor.User)
	}
	for _, f := range d.Facts {
		users = append(users, f.By)
	}
	person, err := personNames(q.R.Context(), s.people, users)
	if err != nil {
		return err
	}
	v.Person = person
	for _, e := range c.History {
		v.History = append(v.History, landEvent{Event: e, Zh: landStepZh(e.Action), By: person(e.By)})
	}
	for _, e := range d.Log {
		v.Log = append(v.Log, landLogRow{AuditEntry: e, Person: person(e.Actor.User)})
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
