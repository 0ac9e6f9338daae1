package form

import (
	"errors"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

// The calculator (政策计算器): what the enterprise qualifies for, and for
// what it does not, which condition and by how much (差哪条、差多少). Its
// form asks for the facts of every clause it considers, each optional.

// Amount is a sum of money as the pages show it: in 万元 with two
// decimals, and exactly in 元.
type Amount struct {
	Wan  string // "12.00万元"; "约0.73万元" when 万元 with two decimals is not exact
	Yuan string // "120000.00元"
	Zero bool
}

// AmountOf is m as the pages show it.
func AmountOf(m duixian.Money) Amount {
	return Amount{Wan: engine.ShowWan(m), Yuan: m.String() + "元", Zero: m == 0}
}

// Section is a part of the calculator's form: the facts many clauses
// share, or those of one document.
type Section struct {
	ID, Title, Sub string
	Open           bool
	Fields         []*Field
	Defaults       []*Field // facts with a default: optional refinements
}

// Line is a labelled value and where it comes from.
type Line struct{ Label, Value, By string }

// Step is one step of a decision beside its citation.
type Step struct{ Cite, Text string }

// Gap is a condition a clause misses, with what the calculator knew of
// the facts it reads.
type Gap struct {
	Text, En, Cite string
	Given          []string
	Short          string // by how much it is missed: 还差20种
}

// Result is one clause as the calculator decided it.
type Result struct {
	Clause, Title, Document, Apply string
	Amount, Payable                Amount
	Due, Batched                   bool
	Outcome                        string
	Trace                          []Step
	Gaps                           []Gap
	Missing                        []string
	MissingMore                    int
	Why, WhyEn                     string // why the clause could not be decided (无法判定)
}

// MissingGroup is the clauses of one document that need more facts.
type MissingGroup struct {
	Document string
	Open     bool
	Rows     []Result
}

// Calculator is the calculator's page: its form and, once run, its results.
type Calculator struct {
	EventDate    string
	EventErr     *duixian.Error
	Error        *duixian.Error
	Sections     []*Section
	Fixed        []Line
	Ran          bool
	Prefilled    bool
	Public       bool // for someone not of an enterprise: no government data, nothing of theirs read
	Eligible     []Result
	Near         []Result
	Undecided    []Result // clauses that apply but whose decision failed, with the reason
	Missing      []Result
	MissingDocs  []MissingGroup
	Total        Amount
	Today        string
	ErrAnchor    string
	DeclaredNote bool

	cat   *engine.Catalogue
	fx    *Platform
	lang  string
	today duixian.Date
	all   []*Field
	rows  RowRef
	raw   map[string]any
}

// NewCalculator builds the calculator's form from vals, for the clauses it
// considers on the event date the form gives (today until one is given).
func NewCalculator(cat *engine.Catalogue, fx *Platform, vals url.Values, lang string, today duixian.Date) *Calculator {
	v := &Calculator{EventDate: strings.TrimSpace(vals.Get("event_date")), Today: today.String(), cat: cat, fx: fx, lang: lang, today: today}
	if v.EventDate == "" {
		v.EventDate = today.String()
	}

	// The form asks for the facts of the clauses the calculator considers
	// for the event date (today's until one is given), by the engine's one
	// applicability rule; how many read each fact decides the order.
	ev, err := duixian.ParseDate(v.EventDate)
	if err != nil {
		ev = today
	}
	count := map[string]int{}
	docsOf := map[string]map[string]bool{}
	var order []*engine.Fact
	for _, cl := range cat.Applicable(engine.Applicability{EventDate: ev, AsOf: today}, fx.Known) {
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
	for _, cl := range cat.Clauses() {
		for _, f := range cl.View().Facts {
			views[f.Name] = f
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i].Name] > count[order[j].Name] })

	common := &Section{ID: "common", Title: "常用信息", Sub: "多项政策共同需要、政府数据中尚无的信息", Open: true}
	byDoc := map[string]*Section{}
	var all []*Field
	fixedSeen := map[string]bool{}
	for _, f := range order {
		fv := views[f.Name]
		if val, by, ok := fx.Fills(fv); ok {
			if !fixedSeen[f.Name] {
				fixedSeen[f.Name] = true
				v.Fixed = append(v.Fixed, Line{Label: Label(lang, fv), Value: val, By: by})
			}
			continue
		}
		if f.Name == DeclaredFact {
			v.DeclaredNote = true
			continue
		}
		ff := NewField(lang, fv, vals, true, MoreRows(vals, f.Name))
		ff.Count, ff.Action = count[f.Name], "/calculator"
		all = append(all, ff)
		sec := common
		if f.Document != "" && len(docsOf[f.Name]) == 1 {
			if sec = byDoc[f.Document]; sec == nil {
				d, _ := cat.Document(f.Document)
				sec = &Section{ID: d.ID, Title: d.Number, Sub: d.Title}
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
	for _, d := range cat.Documents() {
		if sec := byDoc[d.ID]; sec != nil {
			v.Sections = append(v.Sections, sec)
		}
	}

	raw, rows := Collect(all)
	if v.DeclaredNote {
		raw[DeclaredFact] = true // the applicant declares when submitting
	}
	for name, active := range fx.Banned {
		if _, reads := count[name]; reads {
			raw[name] = active
		}
	}
	v.all, v.rows, v.raw = all, rows, raw
	return v
}

// Run decides every clause the calculator considers. An invalid fact or
// date is shown beside its input, not returned.
func (v *Calculator) Run() error {
	// Every mistyped fact at once, beside its input.
	if errs := v.cat.FactErrors("facts", v.raw); len(errs) > 1 {
		for _, e := range errs {
			if m := ErrorField.FindStringSubmatch(e.Field); m != nil && Attach(v.all, v.rows, e) && v.ErrAnchor == "" {
				v.ErrAnchor = "field-" + m[1]
			}
		}
		v.Error = duixian.Errorf(duixian.EINVALID, "facts", "有 %d 项填写有误，请按提示逐项修改", "%d fields need correcting", len(errs))
		return nil
	}
	ms, err := v.cat.Calculate(v.raw, v.fx.Known, v.EventDate, v.today)
	var e *duixian.Error
	switch {
	case errors.As(err, &e) && e.Code == duixian.EINVALID:
		v.Error = e
		if e.Field == "event_date" {
			v.EventErr, v.ErrAnchor = e, "field-event_date"
		} else if m := ErrorField.FindStringSubmatch(e.Field); m != nil && Attach(v.all, v.rows, e) {
			v.ErrAnchor = "field-" + m[1]
		}
	case err != nil:
		return err
	default:
		v.Ran = true
		v.Results(ms)
	}
	return nil
}

// OpenSections opens the sections with something entered, an error, or
// the list of records whose "add rows" button was pressed (more).
func (v *Calculator) OpenSections(more string) {
	for _, sec := range v.Sections {
		for _, ff := range append(slices.Clone(sec.Fields), sec.Defaults...) {
			if ff.Err != nil || HasValue(ff) || more == ff.Name {
				sec.Open = true
			}
		}
	}
}

var identifier = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

// Results sorts the decisions of the clauses into what the enterprise
// qualifies for, nearly qualifies for, cannot be decided, and needs more
// facts for.
func (v *Calculator) Results(ms []engine.Match) {
	cat, raw, fx, lang := v.cat, v.raw, v.fx, v.lang
	typed, _ := cat.DecodeFacts("facts", raw)
	var total duixian.Money
	for _, m := range ms {
		cl, ok := cat.Clause(m.Clause)
		if !ok {
			continue
		}
		cv := cl.View()
		mv := Result{Clause: m.Clause, Title: m.Title, Document: m.Document, Apply: "/apply/" + m.Clause}
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
				mv.Missing = append(mv.Missing, Label(lang, f))
			}
			v.Missing = append(v.Missing, mv)
			continue
		case m.Decision.Eligible:
			d := m.Decision
			mv.Amount, mv.Due, mv.Outcome, mv.Batched = AmountOf(d.Amount), d.Due, d.Outcome, d.Batched
			mv.Payable = AmountOf(d.PayableNow)
			if !d.Due {
				total += d.Amount
			}
		}
		mv.Trace = Trace(m.Decision.Trace)
		if m.Eligible() {
			v.Eligible = append(v.Eligible, mv)
			continue
		}
		for _, r := range m.Decision.Reasons {
			g := Gap{Text: strings.TrimPrefix(r.Zh, "不符合："), En: strings.TrimPrefix(r.En, "not met: "), Cite: r.Cite.String(), Short: r.Gap}
			g.Text = strings.TrimSuffix(g.Text, "（"+r.Gap+"）")
			for _, c := range cv.Conditions {
				if c.ID != r.Code {
					continue
				}
				g.Text, g.En = c.Zh, c.En
				seen := map[string]bool{}
				for _, id := range identifier.FindAllString(c.Expr, -1) {
					f, ok := factIn(cv.Facts, id)
					if !ok || seen[id] {
						continue
					}
					seen[id] = true
					g.Given = append(g.Given, given(lang, f, raw, typed, fx))
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
	v.Total = AmountOf(total)
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
			v.MissingDocs = append(v.MissingDocs, MissingGroup{Document: m.Document, Open: relevant[m.Document]})
		}
		v.MissingDocs[i].Rows = append(v.MissingDocs[i].Rows, m)
	}
	sort.SliceStable(v.MissingDocs, func(i, j int) bool { return v.MissingDocs[i].Open && !v.MissingDocs[j].Open })
}

func factIn(facts []engine.FactView, name string) (engine.FactView, bool) {
	for _, f := range facts {
		if f.Name == name {
			return f, true
		}
	}
	return engine.FactView{}, false
}

// given says what the calculator knew of a fact: 出版物品种数：您填写 480种.
func given(lang string, f engine.FactView, raw map[string]any, typed duixian.Facts, fx *Platform) string {
	name := Label(lang, f)
	if val, by, ok := fx.Fills(f); ok {
		return name + "：" + val + "（" + by + "）"
	}
	if v, ok := typed[f.Name]; ok {
		if f.Name == DeclaredFact {
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

// Trace lists a decision's steps; the citation, shown beside each step,
// is not repeated at the start of its sentence.
func Trace(steps []duixian.Step) []Step {
	out := make([]Step, len(steps))
	for i, st := range steps {
		c := st.Cite.String()
		out[i] = Step{Cite: c, Text: strings.TrimPrefix(st.Text, "依据"+c+"，")}
	}
	return out
}

// Reason is why a clause is refused, beside its citation.
type Reason struct{ Text, En, Cite string }
