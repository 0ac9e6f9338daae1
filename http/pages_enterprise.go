package http

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
	"github.com/govalues/decimal"
)

// enterprisePages are the pages enterprise staff use: the calculator,
// application forms, their applications and each one's timeline.
func (s *Server) enterprisePages() []Route {
	page := func(method, path, summary string, h func(*Request) error) Route {
		return Route{Method: method, Path: path, Roles: enterprise, Summary: summary, handle: h}
	}
	calc := page("POST", "/calculator", "政策计算器：测算", s.entCalcPost)
	calc.Safe = true // it computes and changes nothing
	return []Route{
		page("GET", "/calculator", "政策计算器", s.entCalcGet),
		calc,
		page("GET", "/apply/{doc}/{art}", "在线申报", s.entApplyGet),
		page("POST", "/apply/{doc}/{art}", "在线申报：保存或提交", s.entApplyPost),
		page("GET", "/my", "我的申报", s.entMyList),
		page("GET", "/my/{id}", "申报详情与办理进度", s.entMyDetail),
		page("POST", "/my/{id}/withdraw", "撤回申报", s.entWithdraw),
		page("POST", "/my/{id}/submit", "提交申报", s.entSubmit),
	}
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
	"免申即享：平台已为本企业测算的政策": "Awards found for you from government data (no application form)",
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
	w := m.Wan()
	if !strings.HasSuffix(w, "万元") {
		fen, sign := int64(m), ""
		if fen < 0 {
			fen, sign = -fen, "-"
		}
		hundreds := (fen + 5000) / 10000 // units of 100 yuan, half up, for reading only
		w = fmt.Sprintf("约%s%d.%02d万元", sign, hundreds/100, hundreds%100)
	}
	return entAmount{Wan: w, Yuan: m.String() + "元", Zero: m == 0}
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

// entShow writes a decoded fact value for a person: 480种, 是, 86.00万元.
func entShow(f engine.FactView, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case int64:
		return strconv.FormatInt(x, 10) + f.Unit
	case decimal.Decimal:
		if f.Type == engine.KindMoney {
			if m, err := duixian.MoneyFromDecimal(x); err == nil {
				a := entAmountOf(m)
				return a.Wan + "（" + a.Yuan + "）"
			}
			return x.String() + "元"
		}
		return x.Trim(0).String() + f.Unit
	case string:
		if f.Type == engine.KindEnum {
			return entEnumZh(f, x)
		}
		return x
	case []string:
		if len(x) == 0 {
			return "无"
		}
		out := make([]string, len(x))
		for i, v := range x {
			out[i] = entEnumZh(f, v)
		}
		return strings.Join(out, "、")
	case []duixian.Facts:
		return fmt.Sprintf("%d条记录", len(x))
	case nil:
		return "—"
	}
	return fmt.Sprint(v)
}

func entEnumZh(f engine.FactView, v string) string {
	for _, e := range f.Values {
		if e.Value == v && e.Zh != "" {
			return e.Zh
		}
	}
	return v
}

// entLabel is a fact's name in the page language.
func entLabel(lang string, f engine.FactView) string {
	if lang == "en" && f.En != "" {
		return f.En
	}
	return f.Zh
}

// ---------------------------------------------------------------------------
// Forms generated from a clause's fact schema.

// entField is one fact of a form. Scalars are posted as f.<name>, sets as
// repeated f.<name>, records as r.<name>.<row>.<field> with the row count
// in n.<name>.
type entField struct {
	engine.FactView
	Label, Alt string // in the page language, and the other
	Input      string
	Value      string
	Options    []entOption
	Cols       []entField // a record's fields
	Rows       []entRow
	RowCount   int
	Fixed      string // a read-only value: not sent
	FixedBy    string // where it comes from
	Required   bool
	Calc       bool // calculator: every fact is optional
	Err        *duixian.Error
	Warn       string // a condition this fact fails, after a refusal
	Declares   bool   // declared_truthful: set by the declaration
	Count      int    // clauses that read it (calculator)
	Action     string // the form's address, for "add rows" to come back here
	DefaultZh  string // what is assumed when left empty
	Lang       string
}

type entOption struct {
	Value, Label string
	Selected     bool
}

type entRow struct {
	Index int
	No    int // Index + 1, as people count
	Cells []entCell
	Err   *duixian.Error
}

type entCell struct {
	entField
}

// Facts the platform itself fills, never the applicant.
const entDeclaredFact = "declared_truthful"

// entFixed are the facts an enterprise does not type (engine's
// EnterpriseFacts); banned, a subset, says which of them the platform
// derives from revocations rather than reads from the registry.
type entFixed struct {
	known  duixian.Facts
	banned duixian.Facts
	ledger duixian.Facts // once-only awards held or claimed (engine.LedgerFacts)
}

func (s *Server) entFixedFor(q *Request) (*entFixed, error) {
	var e *duixian.Enterprise
	var held []*duixian.Application
	if err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		var err error
		if e, err = tx.Enterprise(q.User.Enterprise, false); err != nil {
			return err
		}
		held, err = tx.Applications(sqldb.ApplicationFilter{Enterprise: e.USCC, Clauses: s.Catalogue.LedgerClauses()})
		return err
	}); err != nil {
		return nil, err
	}
	today := duixian.DateOf(s.now())
	known, err := s.Catalogue.EnterpriseFacts(e, today)
	if err != nil {
		return nil, err
	}
	ledger := s.Catalogue.LedgerFacts(held, "")
	maps.Copy(known, ledger)
	return &entFixed{known: known, banned: s.Catalogue.BanFacts(e.Bans, today), ledger: ledger}, nil
}

// fixed says whether f is filled by the platform, and with what. The
// registry holds shared facts (zones, titles, records); whatever it holds
// overrides the applicant at submission, so it is never asked.
func (fx *entFixed) fixed(f engine.FactView) (value, by string, ok bool) {
	if active, ban := fx.banned[f.Name]; ban {
		return entShow(f, active), "由平台根据撤销记录确定", true
	}
	if v, ok := fx.ledger[f.Name]; ok {
		return entShow(f, v), "由平台根据奖励台账确定", true
	}
	if v, held := fx.known[f.Name]; held {
		return entShow(f, v), "由政府数据提供", true
	}
	return "", "", false
}

// entNewField builds the form field of fact f from posted (or prefilled) values.
func entNewField(lang string, f engine.FactView, form url.Values, calc bool, extraRows int) *entField {
	ff := &entField{FactView: f, Label: entLabel(lang, f), Input: "f." + f.Name, Calc: calc, Lang: lang,
		Required: !calc && f.Default == nil && f.Type != engine.KindSet && f.Type != engine.KindRecords}
	ff.Alt = f.En
	if lang == "en" {
		ff.Alt = f.Zh
	}
	if f.Default != nil {
		ff.DefaultZh = entShow(f, f.Default)
	}
	switch f.Type {
	case engine.KindEnum:
		ff.Value = form.Get(ff.Input)
		for _, v := range f.Values {
			ff.Options = append(ff.Options, entOption{Value: v.Value, Label: entOr(v.Zh, v.Value), Selected: v.Value == ff.Value})
		}
	case engine.KindSet:
		chosen := form[ff.Input]
		for _, v := range f.Values {
			ff.Options = append(ff.Options, entOption{Value: v.Value, Label: entOr(v.Zh, v.Value), Selected: slices.Contains(chosen, v.Value)})
		}
		if calc {
			ff.Options = append(ff.Options, entOption{Value: "-", Label: "以上均无", Selected: slices.Contains(chosen, "-")})
		}
	case engine.KindRecords:
		for _, c := range f.Fields {
			col := entNewField(lang, c, nil, calc, 0)
			col.Required = false
			ff.Cols = append(ff.Cols, *col)
		}
		n, _ := strconv.Atoi(form.Get("n." + f.Name))
		if n < 0 {
			n = 0
		}
		n += extraRows
		least := 2
		if !calc {
			least = 3
		}
		n = min(max(n, least), 500)
		ff.RowCount = n
		for i := 0; i < n; i++ {
			row := entRow{Index: i, No: i + 1}
			for _, c := range f.Fields {
				cell := entNewField(lang, c, url.Values{}, calc, 0)
				cell.Input = fmt.Sprintf("r.%s.%d.%s", f.Name, i, c.Name)
				cell.Value = form.Get(cell.Input)
				cell.Required = false
				for k := range cell.Options {
					cell.Options[k].Selected = cell.Options[k].Value == cell.Value
				}
				row.Cells = append(row.Cells, entCell{*cell})
			}
			ff.Rows = append(ff.Rows, row)
		}
	default:
		ff.Value = form.Get(ff.Input)
	}
	return ff
}

func entOr(zh, v string) string {
	if zh != "" {
		return zh
	}
	return v
}

var (
	entFullWidth  = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "．", ".", "－", "-", "，", ",")
	entThousands  = regexp.MustCompile(`^(-?\d{1,3}(?:,\d{3})+)(\.\d+)?(\D*)$`)
	entPlainInt   = regexp.MustCompile(`^-?\d+$`)
	entErrorField = regexp.MustCompile(`^facts\.([A-Za-z0-9_]+)(?:\[(\d+)\])?(?:\.([A-Za-z0-9_]+))?`)
)

// entNumberText tidies a number as people type it (full-width digits, 1,900)
// without ever converting it: the engine reads the text exactly.
func entNumberText(s string) string {
	t := strings.TrimSpace(entFullWidth.Replace(s))
	if m := entThousands.FindStringSubmatch(t); m != nil {
		t = strings.ReplaceAll(m[1], ",", "") + m[2] + m[3]
	}
	return t
}

// entRawValue turns the text of one input into what the fact decoder reads. A
// text it cannot read is passed on as typed, so the decoder names the fact.
func entRawValue(kind engine.FactKind, text string) (any, bool) {
	t := strings.TrimSpace(text)
	if t == "" {
		return nil, false
	}
	switch kind {
	case engine.KindBool:
		switch t {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return t, true
	case engine.KindInt:
		n := entNumberText(t)
		if entPlainInt.MatchString(n) {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil {
				return json.Number(strconv.FormatInt(v, 10)), true
			}
		}
		return t, true
	case engine.KindDecimal, engine.KindMoney:
		return entNumberText(t), true
	}
	return t, true
}

// entRowRef maps the records sent back to the rows of the form (empty rows
// are skipped, so record 2 may be row 5).
type entRowRef map[string][]int

// entCollect builds the raw facts of a form's fields. In the calculator an
// empty field is an unknown fact; in an application a set or a list of
// records left empty is an empty set or list.
func entCollect(fields []*entField) (map[string]any, entRowRef) {
	raw := map[string]any{}
	rows := entRowRef{}
	for _, ff := range fields {
		if ff.Fixed != "" {
			continue
		}
		switch ff.Type {
		case engine.KindSet:
			list := []any{}
			chosen := false
			for _, o := range ff.Options {
				if o.Selected {
					chosen = true
					if o.Value != "-" {
						list = append(list, o.Value)
					}
				}
			}
			if chosen || !ff.Calc {
				raw[ff.Name] = list
			}
		case engine.KindRecords:
			list := []any{}
			for _, r := range ff.Rows {
				rec := map[string]any{}
				for _, c := range r.Cells {
					if v, ok := entRawValue(c.Type, c.Value); ok {
						rec[c.Name] = v
					}
				}
				if len(rec) == 0 {
					continue
				}
				rows[ff.Name] = append(rows[ff.Name], r.Index)
				list = append(list, rec)
			}
			if len(list) > 0 || !ff.Calc {
				raw[ff.Name] = list
			}
		default:
			if v, ok := entRawValue(ff.Type, ff.Value); ok {
				raw[ff.Name] = v
			}
		}
	}
	return raw, rows
}

// entAttach puts an error next to the input it names ("facts.x",
// "facts.events[2].minutes"); it reports whether it found one.
func entAttach(fields []*entField, rows entRowRef, e *duixian.Error) bool {
	m := entErrorField.FindStringSubmatch(e.Field)
	if m == nil {
		return false
	}
	for _, ff := range fields {
		if ff.Name != m[1] {
			continue
		}
		if ff.Type == engine.KindRecords && m[2] != "" {
			i, _ := strconv.Atoi(m[2])
			if refs := rows[ff.Name]; i < len(refs) {
				row := &ff.Rows[refs[i]]
				for k := range row.Cells {
					if row.Cells[k].Name == m[3] {
						row.Cells[k].Err = e
						return true
					}
				}
				row.Err = e
				return true
			}
		}
		ff.Err = e
		return true
	}
	return false
}

// entValuesOf turns stored facts (JSON as the applicant gave them) into form
// values, so a draft or an earlier application fills the form.
func entValuesOf(facts json.RawMessage, records bool) url.Values {
	out := url.Values{}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(facts))
	dec.UseNumber()
	if len(facts) == 0 || dec.Decode(&raw) != nil {
		return out
	}
	for name, v := range raw {
		switch x := v.(type) {
		case bool:
			out.Set("f."+name, strconv.FormatBool(x))
		case json.Number:
			out.Set("f."+name, string(x))
		case string:
			out.Set("f."+name, x)
		case []any:
			if len(x) > 0 {
				if _, isRec := x[0].(map[string]any); isRec {
					if !records {
						continue
					}
					for i, r := range x {
						rec, _ := r.(map[string]any)
						for k, fv := range rec {
							key := fmt.Sprintf("r.%s.%d.%s", name, i, k)
							switch y := fv.(type) {
							case bool:
								out.Set(key, strconv.FormatBool(y))
							case json.Number:
								out.Set(key, string(y))
							case string:
								out.Set(key, y)
							}
						}
					}
					out.Set("n."+name, strconv.Itoa(len(x)))
					continue
				}
			}
			for _, e := range x {
				if s, ok := e.(string); ok {
					out.Add("f."+name, s)
				}
			}
			if len(x) == 0 {
				out.Add("f."+name, "-")
			}
		}
	}
	return out
}

// entPrevious merges the facts of the enterprise's earlier applications,
// the newest winning, without records (events are per year).
func (s *Server) entPrevious(q *Request) (url.Values, error) {
	var list []*duixian.Application
	if err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		var err error
		list, err = tx.Applications(sqldb.ApplicationFilter{Enterprise: q.User.Enterprise, Limit: 50})
		return err
	}); err != nil {
		return nil, err
	}
	out := url.Values{}
	for i := len(list) - 1; i >= 0; i-- { // oldest first, so the newest wins
		for k, v := range entValuesOf(list[i].Facts, false) {
			out[k] = v
		}
	}
	return out, nil
}

// entMoreRows is the record fact whose "add rows" button was pressed.
func entMoreRows(form url.Values, name string) int {
	if form.Get("more") == name {
		return 5
	}
	return 0
}

// ---------------------------------------------------------------------------
// The calculator (政策计算器): what the enterprise qualifies for, and for
// what it does not, which condition and by how much (差哪条、差多少).

type entSection struct {
	ID, Title, Sub string
	Open           bool
	Fields         []*entField
	Defaults       []*entField // facts with a default: optional refinements
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

func (s *Server) entCalcGet(q *Request) error {
	form := url.Values{}
	prefilled := false
	if q.R.URL.Query().Get("blank") == "" {
		prev, err := s.entPrevious(q)
		if err != nil {
			return err
		}
		form, prefilled = prev, len(prev) > 0
	}
	return s.entCalc(q, form, prefilled)
}

func (s *Server) entCalcPost(q *Request) error {
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
	}
	return s.entCalc(q, q.R.PostForm, false)
}

func (s *Server) entCalc(q *Request, form url.Values, prefilled bool) error {
	fx, err := s.entFixedFor(q)
	if err != nil {
		return err
	}
	lang := q.Lang()
	today := duixian.DateOf(s.now())
	v := &entCalcView{EventDate: strings.TrimSpace(form.Get("event_date")), Prefilled: prefilled, Today: today.String()}
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
	for _, cl := range s.Catalogue.Applicable(engine.Applicability{EventDate: ev, AsOf: today}, fx.known) {
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
	for _, cl := range s.Catalogue.Clauses() {
		for _, f := range cl.View().Facts {
			views[f.Name] = f
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return count[order[i].Name] > count[order[j].Name] })

	common := &entSection{ID: "common", Title: "常用信息", Sub: "多项政策共同需要、政府数据中尚无的信息", Open: true}
	byDoc := map[string]*entSection{}
	var all []*entField
	fixedSeen := map[string]bool{}
	for _, f := range order {
		fv := views[f.Name]
		if val, by, ok := fx.fixed(fv); ok {
			if !fixedSeen[f.Name] {
				fixedSeen[f.Name] = true
				v.Fixed = append(v.Fixed, entFixedView{Label: entLabel(lang, fv), Value: val, By: by})
			}
			continue
		}
		if f.Name == entDeclaredFact {
			v.DeclaredNote = true
			continue
		}
		ff := entNewField(lang, fv, form, true, entMoreRows(form, f.Name))
		ff.Count, ff.Action = count[f.Name], "/calculator"
		all = append(all, ff)
		sec := common
		if f.Document != "" && len(docsOf[f.Name]) == 1 {
			if sec = byDoc[f.Document]; sec == nil {
				d, _ := s.Catalogue.Document(f.Document)
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
	for _, d := range s.Catalogue.Documents() {
		if sec := byDoc[d.ID]; sec != nil {
			v.Sections = append(v.Sections, sec)
		}
	}

	raw, rows := entCollect(all)
	if v.DeclaredNote {
		raw[entDeclaredFact] = true // the applicant declares when submitting
	}
	for name, active := range fx.banned {
		if _, reads := count[name]; reads {
			raw[name] = active
		}
	}
	run := form.Get("more") == "" && (q.R.Method == http.MethodPost || prefilled)
	if run {
		ms, err := s.match(q, raw, v.EventDate)
		var e *duixian.Error
		switch {
		case errors.As(err, &e) && e.Code == duixian.EINVALID:
			v.Error = e
			if e.Field == "event_date" {
				v.EventErr, v.ErrAnchor = e, "field-event_date"
			} else if m := entErrorField.FindStringSubmatch(e.Field); m != nil && entAttach(all, rows, e) {
				v.ErrAnchor = "field-" + m[1]
			}
		case err != nil:
			return err
		default:
			v.Ran = true
			s.entCalcResults(v, ms, raw, fx, lang)
		}
	}
	for _, sec := range v.Sections {
		for _, ff := range append(slices.Clone(sec.Fields), sec.Defaults...) {
			if ff.Err != nil || entHasValue(ff) || form.Get("more") == ff.Name {
				sec.Open = true
			}
		}
	}
	code := http.StatusOK
	if v.Error != nil {
		code = status(v.Error.Code)
	}
	return s.pages.render(q, code, "calculator.html", "政策计算器", v)
}

func entHasValue(ff *entField) bool {
	if strings.TrimSpace(ff.Value) != "" {
		return true
	}
	for _, o := range ff.Options {
		if o.Selected {
			return true
		}
	}
	for _, r := range ff.Rows {
		for _, c := range r.Cells {
			if strings.TrimSpace(c.Value) != "" {
				return true
			}
		}
	}
	return false
}

var entIdentifier = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)

func (s *Server) entCalcResults(v *entCalcView, ms []engine.Match, raw map[string]any, fx *entFixed, lang string) {
	typed, _ := s.Catalogue.DecodeFacts("facts", raw)
	var total duixian.Money
	for _, m := range ms {
		cl, ok := s.Catalogue.Clause(m.Clause)
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
				mv.Missing = append(mv.Missing, entLabel(lang, f))
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
func entGiven(lang string, f engine.FactView, raw map[string]any, typed duixian.Facts, fx *entFixed) string {
	name := entLabel(lang, f)
	if val, by, ok := fx.fixed(f); ok {
		return name + "：" + val + "（" + by + "）"
	}
	if v, ok := typed[f.Name]; ok {
		if f.Name == entDeclaredFact {
			return name + "：按申报时承诺测算"
		}
		return name + "：您填写 " + entShow(f, v)
	}
	if _, ok := raw[f.Name]; ok {
		return name + "：已填写"
	}
	if f.Default != nil {
		return name + "：未填写，按" + entShow(f, f.Default) + "测算"
	}
	return name + "：未填写"
}

// ---------------------------------------------------------------------------
// The application form (在线申报).

type entReason struct{ Text, En, Cite string }

type entApplyView struct {
	Clause      engine.ClauseView
	Fields      []*entField
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
	FieldErrors []*entField
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
	return slices.ContainsFunc(v.Fields, func(f *entField) bool { return f.Fixed != "" })
}

func (s *Server) entClause(q *Request) (*engine.Clause, error) {
	cl, ok := s.Catalogue.Clause(trimID(q.R.PathValue("doc"), q.R.PathValue("art")))
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "clause", "没有该条款", "no such clause")
	}
	return cl, nil
}

// entApplyForm builds the form of clause cl from values.
func (s *Server) entApplyForm(q *Request, cl *engine.Clause, form url.Values, fx *entFixed) *entApplyView {
	lang := q.Lang()
	v := &entApplyView{Clause: cl.View(), EventDate: strings.TrimSpace(form.Get("event_date")), Project: strings.TrimSpace(form.Get("project")),
		Declared: form.Get("declared") == "yes", Draft: form.Get("draft")}
	for _, f := range v.Clause.Facts {
		ff := entNewField(lang, f, form, false, entMoreRows(form, f.Name))
		ff.Action = "/apply/" + cl.ID
		if val, by, ok := fx.fixed(f); ok {
			ff.Fixed, ff.FixedBy = val, by
		} else if f.Name == entDeclaredFact {
			ff.Fixed, ff.FixedBy, ff.Declares = "以本页底部的申报承诺为准", "申报承诺", true
		}
		v.Fields = append(v.Fields, ff)
	}
	today := duixian.DateOf(s.now())
	d := cl.Document
	if d.Record || today.Before(d.InForceFrom) || (!d.InForceTo.IsZero() && today.After(d.InForceTo)) {
		v.NotInForce = fmt.Sprintf("%s当前不在施行期内（%s—%s），提交时将按文件有效期判定。", d.Number, d.InForceFrom, d.InForceTo)
	}
	return v
}

func (s *Server) entApplyGet(q *Request) error {
	cl, err := s.entClause(q)
	if err != nil {
		return err
	}
	fx, err := s.entFixedFor(q)
	if err != nil {
		return err
	}
	form := url.Values{}
	var app *duixian.Application
	if id := q.R.URL.Query().Get("draft"); id != "" {
		if app, err = s.Service.Application(q.R.Context(), q.Actor(), id); err != nil {
			return err
		}
		if app.Clause != cl.ID {
			http.Redirect(q.W, q.R, "/apply/"+app.Clause+"?draft="+url.QueryEscape(app.ID), http.StatusSeeOther)
			return nil
		}
		form = entValuesOf(app.Facts, true)
		form.Set("event_date", app.EventDate.String())
		form.Set("project", app.Project)
		form.Set("draft", app.ID)
		if app.Declared {
			form.Set("declared", "yes")
		}
	} else {
		prev, err := s.entPrevious(q)
		if err != nil {
			return err
		}
		form = prev
		form.Set("event_date", duixian.DateOf(s.now()).String())
	}
	v := s.entApplyForm(q, cl, form, fx)
	v.Key = randomToken()
	if app != nil {
		s.entDescribeDraft(v, app)
	} else {
		v.Prefilled = slices.ContainsFunc(v.Fields, func(f *entField) bool { return f.Fixed == "" && entHasValue(f) })
	}
	return s.pages.render(q, http.StatusOK, "apply.html", v.Clause.Title+" · 在线申报", v)
}

func (s *Server) entDescribeDraft(v *entApplyView, a *duixian.Application) {
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

func (s *Server) entApplyPost(q *Request) error {
	cl, err := s.entClause(q)
	if err != nil {
		return err
	}
	fx, err := s.entFixedFor(q)
	if err != nil {
		return err
	}
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
	}
	form := q.R.PostForm
	v := s.entApplyForm(q, cl, form, fx)
	v.Key = form.Get("key")
	if len(v.Key) < 16 || len(v.Key) > 128 {
		v.Key = randomToken()
	}
	ctx, actor := q.R.Context(), q.Actor()

	// hidden reads the draft this form continues, if any.
	hidden := func() (*duixian.Application, error) {
		if v.Draft == "" {
			return nil, nil
		}
		d, err := s.Service.Application(ctx, actor, v.Draft)
		if err != nil {
			return nil, err
		}
		if d.Clause != cl.ID {
			return nil, duixian.Errorf(duixian.EINVALID, "draft", "草稿不属于该条款", "the draft is for another clause")
		}
		s.entDescribeDraft(v, d)
		return d, nil
	}
	if form.Get("more") != "" {
		if _, err := hidden(); err != nil {
			return err
		}
		return s.pages.render(q, http.StatusOK, "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	raw, rows := entCollect(v.Fields)
	if slices.ContainsFunc(v.Fields, func(f *entField) bool { return f.Declares }) {
		raw[entDeclaredFact] = v.Declared
	}
	facts, _ := json.Marshal(raw)
	submit := form.Get("action") != "save"

	// fail re-renders the form with the error by its input; a new key,
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
			entAttach(v.Fields, rows, e)
		}
		if e.Code != duixian.EREFUSED {
			v.Error = e
		}
		for _, f := range v.Fields {
			if f.Err != nil || slices.ContainsFunc(f.Rows, func(r entRow) bool {
				return r.Err != nil || slices.ContainsFunc(r.Cells, func(c entCell) bool { return c.Err != nil })
			}) {
				v.FieldErrors = append(v.FieldErrors, f)
			}
		}
		return s.pages.render(q, status(e.Code), "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	// One form, one application, whichever process serves each post: the
	// draft a form creates is recorded under the form's key in the draft's
	// own transaction (workflow.DraftInput.Key), so a second post of the
	// form finds it, and Submit with the same key replays the first answer.
	draft, err := s.Service.Drafted(ctx, actor, v.Key)
	if err != nil {
		return err
	}
	keyed := draft != nil
	if keyed {
		v.Draft = draft.ID
		if draft.Status != duixian.StatusDraft && draft.Status != duixian.StatusReturned {
			if _, err := s.Service.Submit(ctx, actor, draft.ID, v.Key); err != nil {
				return fail(err)
			}
			http.Redirect(q.W, q.R, "/my/"+url.PathEscape(draft.ID)+"?submitted=1", http.StatusSeeOther)
			return nil
		}
		s.entDescribeDraft(v, draft)
	} else if draft, err = hidden(); err != nil {
		return err
	}
	if v.Locked != "" {
		return s.pages.render(q, http.StatusConflict, "apply.html", v.Clause.Title+" · 在线申报", v)
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
		// The form posted again as it was (a double click, a retry):
		// nothing to update, and an update could only race the first
		// post's submission. Submit below replays or makes it.
		a = draft
	case draft != nil && (draft.Status == duixian.StatusReturned || (draft.EventDate == ev && draft.Project == v.Project)):
		if a, err = s.Service.UpdateDraft(ctx, actor, draft.ID, facts, v.Declared); err != nil {
			return fail(err)
		}
	default:
		// The id is reserved here so that a draft handed back under the key
		// (another post of this form made it) is told from one made now.
		in := workflow.DraftInput{ID: duixian.NewID("A", s.now()), Enterprise: q.User.Enterprise, Clause: cl.ID,
			EventDate: ev, Project: v.Project, Facts: facts, Declared: v.Declared}
		if !keyed {
			in.Key = v.Key
		}
		if a, err = s.Service.CreateDraft(ctx, actor, in); err != nil {
			return fail(err)
		}
		if draft != nil && a.ID == in.ID {
			// The event date or project changed: the earlier draft of this
			// form is replaced; it was never submitted.
			if _, err := s.Service.Withdraw(ctx, actor, draft.ID); err != nil {
				return err
			}
		}
	}
	v.Draft = a.ID
	if !submit {
		http.Redirect(q.W, q.R, "/my/"+url.PathEscape(a.ID)+"?saved=1", http.StatusSeeOther)
		return nil
	}
	if _, err := s.Service.Submit(ctx, actor, a.ID, v.Key); err != nil {
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
	Statuses []entOption
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

func (s *Server) entMyList(q *Request) error {
	list, err := s.applications(q)
	if err != nil {
		return err
	}
	v := entMyView{Status: q.R.URL.Query().Get("status")}
	if q.R.URL.Query().Get("declined") != "" {
		v.Flash = "已记录：本企业不需要该推送事项。如需申报，可在政策库中在线申报并如实填写。"
	}
	offers, err := matching.Offers(q.R.Context(), s.DB, q.User.Enterprise)
	if err != nil {
		return err
	}
	for _, o := range offers {
		if o.Status == "open" {
			v.Offers = append(v.Offers, entOffer{ID: o.ID, Decision: o.Decision, Amount: entAmountOf(o.Decision.Amount)})
		}
	}
	for _, st := range entStatuses {
		v.Statuses = append(v.Statuses, entOption{Value: string(st), Label: st.Zh(), Selected: string(st) == v.Status})
	}
	for _, a := range list {
		r := entMyRow{ID: a.ID, Clause: a.Clause, Title: a.Clause, EventDate: a.EventDate.String(), Updated: entTime(a.Updated),
			Status: a.Status.Zh(), StatusClass: entStatusClass(a.Status),
			Editable: a.Status == duixian.StatusDraft || a.Status == duixian.StatusReturned}
		if cl, ok := s.Catalogue.Clause(a.Clause); ok {
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
	return s.pages.render(q, http.StatusOK, "my.html", "我的申报", v)
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

func (s *Server) entMyDetail(q *Request) error {
	return s.entDetail(q, http.StatusOK, nil)
}

func (s *Server) entDetail(q *Request, code int, failure *duixian.Error) error {
	a, err := s.Service.Application(q.R.Context(), q.Actor(), q.R.PathValue("id"))
	if err != nil {
		return err
	}
	var log []duixian.AuditEntry
	if err := s.DB.Read(q.R.Context(), func(tx *sqldb.Tx) error {
		var err error
		log, err = tx.AuditLog(a.ID)
		return err
	}); err != nil {
		return err
	}
	v := s.entDetailOf(q, a, log)
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
	return s.pages.render(q, code, "application.html", "申报 "+a.ID, v)
}

func (s *Server) entDetailOf(q *Request, a *duixian.Application, log []duixian.AuditEntry) *entDetailView {
	lang := q.Lang()
	v := &entDetailView{App: a, Title: a.Clause, Status: a.Status.Zh(), StatusClass: entStatusClass(a.Status),
		Created: entTime(a.Created), Updated: entTime(a.Updated), EventDate: a.EventDate.String(),
		CanWithdraw: a.Status.Open(), CanEdit: a.Status == duixian.StatusDraft || a.Status == duixian.StatusReturned,
		EditHref: "/apply/" + a.Clause + "?draft=" + url.QueryEscape(a.ID), Reduction: a.Reduction, CatalogueVersion: a.CatalogueVersion}
	v.CanSubmit = v.CanEdit && a.Declared
	cl, haveClause := s.Catalogue.Clause(a.Clause)
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
		typed, _ := s.Catalogue.DecodeJSONFacts("facts", a.Facts)
		for _, f := range cv.Facts {
			val, ok := typed[f.Name]
			if !ok {
				continue
			}
			row := entFactRow{Label: entLabel(lang, f), Value: entShow(f, val)}
			if recs, isRec := val.([]duixian.Facts); isRec {
				for _, c := range f.Fields {
					row.Head = append(row.Head, entLabel(lang, c))
				}
				for _, r := range recs {
					var cells []string
					for _, c := range f.Fields {
						cells = append(cells, entShow(c, r[c.Name]))
					}
					row.Records = append(row.Records, cells)
				}
			}
			v.Facts = append(v.Facts, row)
		}
	}
	v.Events = s.entTimeline(a, log)
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
func (s *Server) entTimeline(a *duixian.Application, log []duixian.AuditEntry) []entEvent {
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

func (s *Server) entWithdraw(q *Request) error {
	// As for a missing one: another enterprise is not told it exists.
	if _, err := s.Service.Application(q.R.Context(), q.Actor(), q.R.PathValue("id")); err != nil {
		return err
	}
	if q.R.PostFormValue("confirm") != "yes" {
		return s.entDetail(q, http.StatusBadRequest, duixian.Errorf(duixian.EINVALID, "confirm", "请勾选“确认撤回”后再撤回", "tick the confirmation to withdraw"))
	}
	id := q.R.PathValue("id")
	if _, err := s.Service.Withdraw(q.R.Context(), q.Actor(), id); err != nil {
		var e *duixian.Error
		if errors.As(err, &e) && e.Code != duixian.ENOTFOUND && e.Code != duixian.EFORBIDDEN {
			return s.entDetail(q, status(e.Code), e)
		}
		return err
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(id)+"?withdrawn=1", http.StatusSeeOther)
	return nil
}

func (s *Server) entSubmit(q *Request) error {
	if _, err := s.Service.Application(q.R.Context(), q.Actor(), q.R.PathValue("id")); err != nil {
		return err
	}
	id, key := q.R.PathValue("id"), q.R.PostFormValue("key")
	if _, err := s.Service.Submit(q.R.Context(), q.Actor(), id, key); err != nil {
		var e *duixian.Error
		if errors.As(err, &e) && e.Code != duixian.ENOTFOUND && e.Code != duixian.EFORBIDDEN {
			return s.entDetail(q, status(e.Code), e)
		}
		return err
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(id)+"?submitted=1", http.StatusSeeOther)
	return nil
}
