package http

// 上市可行性智能诊断 (京技管发〔2025〕26号第四条: 动态对标各板块上市标准，
// 便利企业自我评估，实现“补短板、找差距、定赛道”). The standards are the
// catalogue's listing-*.yaml documents, one clause per standard with a
// classify outcome; every answer here is the engine's evaluation of those
// clauses on the figures typed. Nothing in this file restates a threshold.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

// listingPrefix marks the documents of exchange listing standards.
const listingPrefix = "listing-"

// diagnosisOrder is the order of the boards on the page and in the API:
// the mainland boards, then Hong Kong, New York, Nasdaq and London. A
// listing document not named here follows in catalogue order.
var diagnosisOrder = []string{"listing-sse-main", "listing-sse-star", "listing-szse-main", "listing-szse-chinext",
	"listing-bse", "listing-hkex-main", "listing-nyse", "listing-nasdaq", "listing-lse"}

// diagnosisUnverified is the banner of a board whose rules were not checked
// article by article against the exchange's text (document verified: false).
const diagnosisUnverified = "规则文本未经逐条核实，仅供参考"

// diagnosisClosest is how many of the closest misses the summary lists.
const diagnosisClosest = 3

// DiagnosisCondition is one condition of a standard: whether it holds, by
// how much it is missed when the catalogue says (还差…), and its article.
type DiagnosisCondition struct {
	ID   string `json:"id"` // the condition's key in the catalogue
	Zh   string `json:"zh"` // what it requires
	En   string `json:"en"`
	Pass *bool  `json:"pass"` // null: not decided, a fact is missing
	Gap  string `json:"gap,omitempty"`
	// Cite is the article the condition applies; Citation reads it.
	Cite     duixian.Cite `json:"cite"`
	Citation string       `json:"citation"`
}

// Status is "pass", "fail", or "open" when the condition is not decided.
func (c DiagnosisCondition) Status() string {
	switch {
	case c.Pass == nil:
		return "open"
	case *c.Pass:
		return "pass"
	}
	return "fail"
}

// DiagnosisStandard is one listing standard (a clause) on the figures typed.
type DiagnosisStandard struct {
	Clause   string       `json:"clause"`
	Title    string       `json:"title"`
	Cite     duixian.Cite `json:"cite"`
	Citation string       `json:"citation"`
	// Decided: every fact the standard reads was given (or has a default).
	Decided bool `json:"decided"`
	// Outcome is the clause's classification (达标 / 未达标); Met says it is
	// a met standard.
	Outcome    string               `json:"outcome,omitempty"`
	Met        bool                 `json:"met"`
	Failed     int                  `json:"failed"` // conditions not met
	Conditions []DiagnosisCondition `json:"conditions"`
	// Other are reasons that are no condition of the standard (the rules
	// not in force on the day, for instance).
	Other   []duixian.Reason  `json:"other_reasons,omitempty"`
	Missing []engine.FactView `json:"missing,omitempty"`
	Note    string            `json:"note,omitempty"`
	Trace   []duixian.Step    `json:"-"`
}

// DiagnosisBoard is one board: its rules' source and status, its standards.
type DiagnosisBoard struct {
	Document string `json:"document"`
	Board    string `json:"board"`
	Number   string `json:"number"`
	Title    string `json:"title"`
	Issuer   string `json:"issuer,omitempty"`
	Verified bool   `json:"verified"`
	Source   string `json:"source,omitempty"`
	// Warning is the banner shown when the rules are not verified.
	Warning   string              `json:"warning,omitempty"`
	Met       bool                `json:"met"`
	MetCount  int                 `json:"standards_met"`
	Decided   int                 `json:"standards_decided"`
	Standards []DiagnosisStandard `json:"standards"`
}

// DiagnosisMiss is one of the closest misses: a standard of a board not yet
// met, with what to improve (补短板、找差距).
type DiagnosisMiss struct {
	Document string               `json:"document"`
	Board    string               `json:"board"`
	Clause   string               `json:"clause"`
	Title    string               `json:"title"`
	Citation string               `json:"citation"`
	Improve  []DiagnosisCondition `json:"improve"`
	Other    []duixian.Reason     `json:"other_reasons,omitempty"`
}

// Diagnosis is the answer: every board, the summary and the closest misses.
type Diagnosis struct {
	AsOf         duixian.Date     `json:"as_of"`
	Summary      string           `json:"summary"` // 符合 N 个板块的 M 套标准
	BoardsMet    int              `json:"boards_met"`
	StandardsMet int              `json:"standards_met"`
	MetBoards    []string         `json:"met_boards"`
	Decided      int              `json:"standards_decided"`
	Boards       []DiagnosisBoard `json:"boards"`
	Closest      []DiagnosisMiss  `json:"closest"`
}

// diagnosisRoutes are the page and the API of the diagnosis. Both POSTs
// change nothing (Safe): the figures are neither stored nor logged.
func (s *Server) diagnosisRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/diagnosis", Roles: signedIn, Summary: "上市可行性智能诊断", handle: func(q *Request) error {
			return s.diagnosisPage(q, nil)
		}},
		{Method: "POST", Path: "/diagnosis", Roles: signedIn, Summary: "上市可行性智能诊断：对标", Safe: true, handle: func(q *Request) error {
			if err := q.R.ParseForm(); err != nil {
				return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
			}
			return s.diagnosisPage(q, q.R.PostForm)
		}},
		{Method: "POST", Path: "/api/v1/diagnosis", Roles: signedIn, API: true, Safe: true,
			Summary: "上市可行性智能诊断：按各板块上市标准逐条对标（26号第四条）/ listing feasibility against every board's standards",
			handle: func(q *Request) error {
				var in struct {
					Facts map[string]any `json:"facts"`
				}
				if err := q.decode(&in); err != nil {
					return err
				}
				known := s.diagnosisFactNames()
				for name := range in.Facts {
					if !known[name] {
						return duixian.Errorf(duixian.EINVALID, "facts."+name, "%s不是上市诊断的事实", "%s is not a fact of the listing diagnosis", name)
					}
				}
				facts, err := s.Catalogue.DecodeFacts("facts", in.Facts)
				if err != nil {
					return err
				}
				d, err := s.diagnose(facts)
				if err != nil {
					return err
				}
				return q.ok(d)
			}},
	}
}

// diagnosisDocs lists the listing documents in the order of diagnosisOrder.
func (s *Server) diagnosisDocs() []*engine.Document {
	var out []*engine.Document
	for _, id := range diagnosisOrder {
		if d, ok := s.Catalogue.Document(id); ok && !d.Record {
			out = append(out, d)
		}
	}
	for _, d := range s.Catalogue.Documents() {
		if strings.HasPrefix(d.ID, listingPrefix) && !d.Record && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// diagnosisClauses lists a document's clauses (its standards) in catalogue order.
func (s *Server) diagnosisClauses(d *engine.Document) []*engine.Clause {
	var out []*engine.Clause
	for _, cl := range s.Catalogue.Clauses() {
		if cl.Document == d {
			out = append(out, cl)
		}
	}
	return out
}

func (s *Server) diagnosisFactNames() map[string]bool {
	known := map[string]bool{}
	for _, d := range s.diagnosisDocs() {
		for _, cl := range s.diagnosisClauses(d) {
			for _, f := range cl.Facts() {
				known[f.Name] = true
			}
		}
	}
	return known
}

// diagnose evaluates every standard of every board on facts, as of today.
func (s *Server) diagnose(facts duixian.Facts) (*Diagnosis, error) {
	today := duixian.DateOf(s.now())
	out := &Diagnosis{AsOf: today, Boards: []DiagnosisBoard{}, Closest: []DiagnosisMiss{}, MetBoards: []string{}}
	type miss struct {
		m      DiagnosisMiss
		order  int
		gaps   int // failed conditions whose gap the catalogue states
		passed int
	}
	var misses []miss
	for _, doc := range s.diagnosisDocs() {
		b := DiagnosisBoard{Document: doc.ID, Board: doc.Short, Number: doc.Number, Title: doc.Title, Issuer: doc.Issuer,
			Verified: doc.Verified, Source: doc.Source, Standards: []DiagnosisStandard{}}
		if !doc.Verified {
			b.Warning = diagnosisUnverified
		}
		for _, cl := range s.diagnosisClauses(doc) {
			st, err := s.diagnoseStandard(cl, facts, today)
			if err != nil {
				return nil, err
			}
			if st.Decided {
				b.Decided++
				out.Decided++
			}
			if st.Met {
				b.MetCount++
			}
			b.Standards = append(b.Standards, st)
		}
		b.Met = b.MetCount > 0
		if b.Met {
			out.BoardsMet++
			out.StandardsMet += b.MetCount
			out.MetBoards = append(out.MetBoards, b.Board)
		} else {
			// 补短板、找差距: the standards of a board not yet met, decided
			// on the figures given, ranked by how many conditions fail.
			for _, st := range b.Standards {
				if !st.Decided || st.Met {
					continue
				}
				m := DiagnosisMiss{Document: doc.ID, Board: doc.Short, Clause: st.Clause, Title: st.Title, Citation: st.Citation, Other: st.Other}
				gaps, passed := 0, 0
				for _, c := range st.Conditions {
					switch c.Status() {
					case "fail":
						m.Improve = append(m.Improve, c)
						if c.Gap != "" {
							gaps++
						}
					case "pass":
						passed++
					}
				}
				misses = append(misses, miss{m: m, order: len(misses), gaps: gaps, passed: passed})
			}
		}
		out.Boards = append(out.Boards, b)
	}
	// The closest misses fail the fewest conditions; among equals, those
	// that meet more conditions, then those whose every gap is stated, then
	// the order of the boards. Gaps in different currencies and units are
	// not compared.
	sort.SliceStable(misses, func(i, j int) bool {
		a, b := misses[i], misses[j]
		fa, fb := len(a.m.Improve)+len(a.m.Other), len(b.m.Improve)+len(b.m.Other)
		if fa != fb {
			return fa < fb
		}
		if a.passed != b.passed {
			return a.passed > b.passed
		}
		if qa, qb := a.gaps == len(a.m.Improve), b.gaps == len(b.m.Improve); qa != qb {
			return qa
		}
		return a.order < b.order
	})
	for i := 0; i < len(misses) && i < diagnosisClosest; i++ {
		out.Closest = append(out.Closest, misses[i].m)
	}
	out.Summary = "符合 " + strconv.Itoa(out.BoardsMet) + " 个板块的 " + strconv.Itoa(out.StandardsMet) + " 套标准"
	return out, nil
}

// diagnoseStandard evaluates one standard. A standard whose facts are not
// all given is not decided: it lists the missing facts instead.
func (s *Server) diagnoseStandard(cl *engine.Clause, facts duixian.Facts, today duixian.Date) (DiagnosisStandard, error) {
	v := cl.View()
	cite := duixian.Cite{Document: cl.Document.ID, Short: cl.Document.Short, Article: cl.Article.ID, Label: cl.Article.Label}
	st := DiagnosisStandard{Clause: cl.ID, Title: cl.Title, Cite: cite, Citation: cite.String(), Note: cl.Note, Conditions: []DiagnosisCondition{}}
	for _, f := range v.Facts {
		if _, ok := facts[f.Name]; !ok && f.Default == nil {
			st.Missing = append(st.Missing, f)
		}
	}
	for _, c := range v.Conditions {
		st.Conditions = append(st.Conditions, DiagnosisCondition{ID: c.ID, Zh: c.Zh, En: c.En, Cite: c.Cite, Citation: c.Cite.String()})
	}
	if len(st.Missing) > 0 {
		return st, nil
	}
	d, err := s.Catalogue.Evaluate(duixian.Claim{Clause: cl.ID, EventDate: today, AsOf: today, Facts: facts}, engine.Options{Trace: true})
	if err != nil {
		return st, err
	}
	st.Decided, st.Outcome, st.Trace = true, d.Outcome, d.Trace
	byCode := map[string]duixian.Reason{}
	for _, r := range d.Reasons {
		byCode[r.Code] = r
	}
	for i := range st.Conditions {
		c := &st.Conditions[i]
		r, failed := byCode[c.ID]
		pass := !failed
		c.Pass = &pass
		if failed {
			c.Gap = r.Gap
			st.Failed++
			delete(byCode, c.ID)
		}
	}
	for _, r := range d.Reasons {
		if _, other := byCode[r.Code]; other {
			st.Other = append(st.Other, r)
		}
	}
	// 达标 is the outcome the clause names when it holds; the clause's
	// fallback (its last outcome, 未达标) is not a met standard.
	st.Met = d.Eligible && d.Outcome != "" && d.Outcome != noneOutcome(v)
	return st, nil
}

// noneOutcome is the outcome a classifying clause gives when no category
// holds: the last line of its view, "未达标：不符合以上任何一类".
func noneOutcome(v engine.ClauseView) string {
	if len(v.Outcomes) == 0 {
		return ""
	}
	last := v.Outcomes[len(v.Outcomes)-1]
	none, _, _ := strings.Cut(last, "：")
	return none
}

// ---------------------------------------------------------------- page

// dxField is one field of the diagnosis form, generated from a fact.
type dxField struct {
	engine.FactView
	Value  string
	Boards string // the boards whose standards read it
	Err    *duixian.Error
}

// DefaultText is the value a field left empty takes, as people read it.
func (f *dxField) DefaultText() string {
	switch d := f.Default.(type) {
	case nil:
		return ""
	case bool:
		if d {
			return "是"
		}
		return "否"
	}
	return fmt.Sprint(f.Default)
}

// dxSection groups the fields a board needs beyond those of the boards
// before it.
type dxSection struct {
	Title  string
	Fields []*dxField
}

type dxView struct {
	Sections []dxSection
	Ran      bool
	Result   *Diagnosis
	Errors   int
	Article  string // 26号第四条, as the catalogue has it
	Document string
}

// diagnosisPage shows the form, filled with what was typed, and when the
// form was sent, the diagnosis.
func (s *Server) diagnosisPage(q *Request, form map[string][]string) error {
	v := &dxView{}
	if d, ok := s.Catalogue.Document("jjgf-2025-26"); ok {
		v.Document = d.Number
		for _, a := range d.Articles {
			if a.ID == "4" {
				v.Article = strings.TrimSpace(a.Text)
			}
		}
	}
	get := func(k string) string {
		if vs := form[k]; len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
		return ""
	}
	seen := map[string]*dxField{}
	users := map[string][]string{}
	var fields []*dxField
	facts := duixian.Facts{}
	for _, doc := range s.diagnosisDocs() {
		sec := dxSection{Title: doc.Short + "另需"}
		if len(v.Sections) == 0 {
			sec.Title = doc.Short + "所需信息"
		}
		for _, cl := range s.diagnosisClauses(doc) {
			for _, fv := range cl.View().Facts {
				if !slices.Contains(users[fv.Name], doc.Short) {
					users[fv.Name] = append(users[fv.Name], doc.Short)
				}
				if seen[fv.Name] != nil {
					continue
				}
				f := &dxField{FactView: fv, Value: get("f." + fv.Name)}
				seen[fv.Name] = f
				fields = append(fields, f)
				sec.Fields = append(sec.Fields, f)
			}
		}
		if len(sec.Fields) > 0 {
			v.Sections = append(v.Sections, sec)
		}
	}
	code := http.StatusOK
	for _, f := range fields {
		f.Boards = strings.Join(users[f.Name], "、")
		if form == nil || f.Value == "" {
			continue
		}
		raw, ok := dxRaw(f.FactView, f.Value)
		if !ok {
			continue
		}
		one, err := s.Catalogue.DecodeFacts("facts", map[string]any{f.Name: raw})
		if err != nil {
			e, isApp := err.(*duixian.Error)
			if !isApp {
				return err
			}
			f.Err = e
			v.Errors++
			code = status(e.Code)
			continue
		}
		facts[f.Name] = one[f.Name]
	}
	if form != nil {
		d, err := s.diagnose(facts)
		if err != nil {
			return err
		}
		v.Ran, v.Result = true, d
	}
	return s.pages.render(q, code, "diagnosis.html", "上市可行性智能诊断", v)
}

// dxRaw turns a typed value into the raw shape the catalogue decodes:
// amounts and decimals stay text (never a float), digit-group commas and
// spaces dropped; a whole number goes as a JSON number.
func dxRaw(f engine.FactView, text string) (any, bool) {
	switch f.Type {
	case engine.KindBool:
		switch text {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return nil, false
	case engine.KindInt:
		return json.Number(dxNumber(text)), true
	case engine.KindMoney, engine.KindDecimal:
		return dxNumber(text), true
	}
	return text, true
}

func dxNumber(text string) string {
	return strings.NewReplacer(",", "", "，", "", " ", "", "\u00a0", "").Replace(strings.TrimSpace(text))
}
