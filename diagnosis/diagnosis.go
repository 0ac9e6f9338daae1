// Package diagnosis is 上市可行性智能诊断 (京技管发〔2025〕26号第四条: 动态对标
// 各板块上市标准，便利企业自我评估，实现“补短板、找差距、定赛道”). The
// standards are the catalogue's listing-*.yaml documents, one clause per
// standard with a classify outcome; every answer here is the engine's
// evaluation of those clauses on the figures given. Nothing in this package
// restates a threshold.
package diagnosis

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

// listingPrefix marks the documents of exchange listing standards.
const listingPrefix = "listing-"

// boardOrder is the order of the boards: the mainland boards, then Hong
// Kong, New York, Nasdaq's three tiers and London. A listing document not named here
// follows in catalogue order.
var boardOrder = []string{"listing-sse-main", "listing-sse-star", "listing-szse-main", "listing-szse-chinext",
	"listing-bse", "listing-hkex-main", "listing-nyse", "listing-nasdaq", "listing-nasdaq-gm", "listing-nasdaq-cm", "listing-lse"}

// closest is how many of the closest misses the summary lists.
const closest = 3

// Condition is one condition of a standard: whether it holds, by how much
// it is missed when the catalogue says (还差…), and its article.
type Condition struct {
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
func (c Condition) Status() string {
	switch {
	case c.Pass == nil:
		return "open"
	case *c.Pass:
		return "pass"
	}
	return "fail"
}

// Standard is one listing standard (a clause) on the figures given.
type Standard struct {
	Clause   string       `json:"clause"`
	Title    string       `json:"title"`
	Cite     duixian.Cite `json:"cite"`
	Citation string       `json:"citation"`
	// Decided: every fact the standard reads was given (or has a default).
	Decided bool `json:"decided"`
	// Outcome is the clause's classification (达标 / 未达标); Met says it is
	// a met standard.
	Outcome    string      `json:"outcome,omitempty"`
	Met        bool        `json:"met"`
	Failed     int         `json:"failed"` // conditions not met
	Conditions []Condition `json:"conditions"`
	// Other are reasons that are no condition of the standard (the rules
	// not in force on the day, for instance).
	Other   []duixian.Reason  `json:"other_reasons,omitempty"`
	Missing []engine.FactView `json:"missing,omitempty"`
	Note    string            `json:"note,omitempty"`
	// Evidence is how sure the standard's figures are: its grade, the
	// texts they were read in, and the older version they were confirmed
	// in when the board's current text was not read.
	Evidence *engine.Evidence `json:"evidence,omitempty"`
	Trace    []duixian.Step   `json:"-"`
}

// Board is one board: the rules' version and source, its standards.
type Board struct {
	Document string `json:"document"`
	Board    string `json:"board"`
	// Number names the rules and the revision encoded; Version is its date.
	Number    string       `json:"number"`
	Version   string       `json:"version"`
	InForce   duixian.Date `json:"in_force_from"`
	Title     string       `json:"title"`
	Issuer    string       `json:"issuer,omitempty"`
	Source    string       `json:"source,omitempty"`
	Met       bool         `json:"met"`
	MetCount  int          `json:"standards_met"`
	Decided   int          `json:"standards_decided"`
	Standards []Standard   `json:"standards"`
}

// Miss is one of the closest misses: a standard of a board not yet met,
// with what to improve (补短板、找差距).
type Miss struct {
	Document string           `json:"document"`
	Board    string           `json:"board"`
	Clause   string           `json:"clause"`
	Title    string           `json:"title"`
	Citation string           `json:"citation"`
	Improve  []Condition      `json:"improve"`
	Other    []duixian.Reason `json:"other_reasons,omitempty"`
}

// Diagnosis is the answer: every board, the summary and the closest misses.
type Diagnosis struct {
	AsOf         duixian.Date `json:"as_of"`
	Summary      string       `json:"summary"` // 符合 N 个板块的 M 套标准
	BoardsMet    int          `json:"boards_met"`
	StandardsMet int          `json:"standards_met"`
	MetBoards    []string     `json:"met_boards"`
	Decided      int          `json:"standards_decided"`
	Boards       []Board      `json:"boards"`
	Closest      []Miss       `json:"closest"`
}

// Service diagnoses on a catalogue's listing standards.
type Service struct {
	Catalogue *engine.Catalogue
	// Now is the clock: the standards are evaluated as of its day.
	Now func() time.Time
}

// Documents lists the listing documents in the boards' order.
func (s *Service) Documents() []*engine.Document {
	var out []*engine.Document
	for _, id := range boardOrder {
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

// standards lists a document's clauses (its standards) in catalogue order.
func (s *Service) standards(d *engine.Document) []*engine.Clause {
	var out []*engine.Clause
	for _, cl := range s.Catalogue.Clauses() {
		if cl.Document == d {
			out = append(out, cl)
		}
	}
	return out
}

// Section is the facts a board's standards read beyond those of the boards
// before it: the diagnosis's form, one section per board.
type Section struct {
	Board string
	// First: no board comes before it.
	First bool
	Facts []Fact
}

// Fact is a fact of the form with the boards whose standards read it.
type Fact struct {
	engine.FactView
	Boards []string
}

// Sections lists the facts of every standard, each once, under the first
// board that reads it.
func (s *Service) Sections() []Section {
	var out []Section
	var facts [][]*Fact // out's facts while boards are added to them
	byName := map[string]*Fact{}
	for _, doc := range s.Documents() {
		var mine []*Fact
		for _, cl := range s.standards(doc) {
			for _, fv := range cl.View().Facts {
				if f := byName[fv.Name]; f != nil {
					if !slices.Contains(f.Boards, doc.Short) {
						f.Boards = append(f.Boards, doc.Short)
					}
					continue
				}
				f := &Fact{FactView: fv, Boards: []string{doc.Short}}
				byName[fv.Name] = f
				mine = append(mine, f)
			}
		}
		if len(mine) > 0 {
			out = append(out, Section{Board: doc.Short, First: len(out) == 0})
			facts = append(facts, mine)
		}
	}
	for i := range out {
		for _, f := range facts[i] {
			out[i].Facts = append(out[i].Facts, *f)
		}
	}
	return out
}

// Facts decodes facts given by name for the diagnosis: a fact no listing
// standard reads is refused, naming it.
func (s *Service) Facts(raw map[string]any) (duixian.Facts, error) {
	known := map[string]bool{}
	for _, d := range s.Documents() {
		for _, cl := range s.standards(d) {
			for _, f := range cl.Facts() {
				known[f.Name] = true
			}
		}
	}
	for name := range raw {
		if !known[name] {
			return nil, duixian.Errorf(duixian.EINVALID, "facts."+name, "%s不是上市诊断的事实", "%s is not a fact of the listing diagnosis", name)
		}
	}
	return s.Catalogue.DecodeFacts("facts", raw)
}

// Article is the text of 26号第四条 and its document's number, as the
// catalogue has them.
func (s *Service) Article() (number, text string) {
	d, ok := s.Catalogue.Document("jjgf-2025-26")
	if !ok {
		return "", ""
	}
	for _, a := range d.Articles {
		if a.ID == "4" {
			text = strings.TrimSpace(a.Text)
		}
	}
	return d.Number, text
}

// Diagnose evaluates every standard of every board on facts, as of today.
func (s *Service) Diagnose(facts duixian.Facts) (*Diagnosis, error) {
	today := duixian.DateOf(s.Now())
	out := &Diagnosis{AsOf: today, Boards: []Board{}, Closest: []Miss{}, MetBoards: []string{}}
	type miss struct {
		m      Miss
		order  int
		gaps   int // failed conditions whose gap the catalogue states
		passed int
	}
	var misses []miss
	bound := s.Catalogue.Bind(facts) // one set of facts against every listing standard
	for _, doc := range s.Documents() {
		b := Board{Document: doc.ID, Board: doc.Short, Number: doc.Number, Version: doc.Version, InForce: doc.InForceFrom,
			Title: doc.Title, Issuer: doc.Issuer, Source: doc.Source, Standards: []Standard{}}
		for _, cl := range s.standards(doc) {
			st, err := s.standard(cl, facts, bound, today)
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
				m := Miss{Document: doc.ID, Board: doc.Short, Clause: st.Clause, Title: st.Title, Citation: st.Citation, Other: st.Other}
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
	for i := 0; i < len(misses) && i < closest; i++ {
		out.Closest = append(out.Closest, misses[i].m)
	}
	out.Summary = "符合 " + strconv.Itoa(out.BoardsMet) + " 个板块的 " + strconv.Itoa(out.StandardsMet) + " 套标准"
	return out, nil
}

// standard evaluates one standard. A standard whose facts are not all
// given is not decided: it lists the missing facts instead.
func (s *Service) standard(cl *engine.Clause, facts duixian.Facts, bound *engine.Bound, today duixian.Date) (Standard, error) {
	v := cl.View()
	cite := duixian.Cite{Document: cl.Document.ID, Short: cl.Document.Short, Article: cl.Article.ID, Label: cl.Article.Label}
	st := Standard{Clause: cl.ID, Title: cl.Title, Cite: cite, Citation: cite.String(), Note: cl.Note, Evidence: cl.Evidence, Conditions: []Condition{}}
	for _, f := range v.Facts {
		if _, ok := facts[f.Name]; !ok && f.Default == nil {
			st.Missing = append(st.Missing, f)
		}
	}
	for _, c := range v.Conditions {
		st.Conditions = append(st.Conditions, Condition{ID: c.ID, Zh: c.Zh, En: c.En, Cite: c.Cite, Citation: c.Cite.String()})
	}
	if len(st.Missing) > 0 {
		return st, nil
	}
	d, err := bound.Evaluate(duixian.Claim{Clause: cl.ID, EventDate: today, AsOf: today}, engine.Options{Trace: true})
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
