package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/etown/duixian"
)

// Case files sit beside the documents they test (jjgf-2025-21.test.yaml
// beside jjgf-2025-21.yaml), in the manner of OpenFisca's YAML tests: each
// case gives facts and dates and states the decision the law requires.

type caseFile struct {
	name string
	doc  *Document
	spec caseFileSpec
}

func (l *loader) readCases(name string) {
	var spec caseFileSpec
	if !l.decode(name, &spec) {
		return
	}
	docID := strings.TrimSuffix(name, ".test.yaml")
	doc, ok := l.cat.docByID[docID]
	if !ok {
		if !l.failed[docID] { // else its own error says why
			l.errf(1, "case file %s sits beside no document %s.yaml", name, docID)
		}
		return
	}
	for _, cs := range spec.Cases {
		if !cs.Name.set() || cs.Expect == nil {
			l.errf(cs.Name.Line, "a case needs a name and expect")
		}
		claims := cs.Claims
		if !cs.Year.set() {
			claims = []caseSpec{cs}
		}
		for _, c := range claims {
			if _, ok := l.cat.byID[fullID(doc, c.Clause.Value)]; !ok {
				l.errf(c.Clause.Line, "case %q names clause %q, which does not exist", cs.Name.Value, c.Clause.Value)
			}
		}
	}
	l.cat.cases = append(l.cat.cases, caseFile{name: name, doc: doc, spec: spec})
}

func fullID(doc *Document, id string) string {
	if strings.Contains(id, "/") {
		return id
	}
	return doc.ID + "/" + id
}

// CaseResult is the outcome of one case.
type CaseResult struct {
	File     string
	Line     int
	Name     string
	Failures []string
}

// Passed reports whether every expectation held.
func (r CaseResult) Passed() bool { return len(r.Failures) == 0 }

// CoverageItem is one thing the cases of a clause should exercise.
type CoverageItem struct {
	What    string // "条件 min-area 不满足", "档次 (100, 200] 的边界 200"
	Key     string
	Covered bool
}

// Coverage is what the cases exercised of one clause, or of one document's
// shared rules (eligibility, lifecycle, limits) when Clause is empty.
type Coverage struct {
	Document string
	Clause   string
	Title    string
	Cases    int
	Items    []CoverageItem
}

// Missing lists what no case exercised.
func (c Coverage) Missing() []string {
	var out []string
	for _, it := range c.Items {
		if !it.Covered {
			out = append(out, it.What)
		}
	}
	return out
}

// CaseReport is the result of RunCases.
type CaseReport struct {
	Results  []CaseResult
	Coverage []Coverage
}

// Failed counts the failed cases.
func (r CaseReport) Failed() int {
	n := 0
	for _, x := range r.Results {
		if !x.Passed() {
			n++
		}
	}
	return n
}

// coverage records which conditions, bands, edges, caps and rules the cases
// reached, and with which outcome. A nil *coverage records nothing, so the
// engine calls it unconditionally at no cost outside case runs.
type coverage struct {
	seen    map[string][2]bool // key → [seen false, seen true]
	clauses map[string]int     // clause id → cases that reached it
}

func (c *coverage) mark(key string, v bool) {
	if c == nil {
		return
	}
	s := c.seen[key]
	if v {
		s[1] = true
	} else {
		s[0] = true
	}
	c.seen[key] = s
}

func (c *coverage) hit(key string) { c.mark(key, true) }

func (c *coverage) has(key string, v bool) bool {
	s := c.seen[key]
	if v {
		return s[1]
	}
	return s[0]
}

// RunCases runs every case file of the catalogue and reports, per clause,
// what the cases covered.
func (c *Catalogue) RunCases() CaseReport {
	cov := &coverage{seen: map[string][2]bool{}, clauses: map[string]int{}}
	var rep CaseReport
	for _, cf := range c.cases {
		defaults, err := rawFromYAML(&cf.spec.Defaults)
		if err != nil {
			rep.Results = append(rep.Results, CaseResult{File: cf.name, Name: "defaults", Failures: []string{err.Error()}})
			continue
		}
		base, _ := defaults.(map[string]any)
		for _, cs := range cf.spec.Cases {
			r := CaseResult{File: cf.name, Line: cs.Name.Line, Name: cs.Name.Value}
			r.Failures = c.runCase(cf, cs, base, cov)
			rep.Results = append(rep.Results, r)
		}
	}
	rep.Coverage = c.coverageReport(cov)
	return rep
}

func (c *Catalogue) claimOf(cf caseFile, cs caseSpec, base map[string]any, field string) (duixian.Claim, error) {
	raw := map[string]any{}
	for k, v := range base {
		raw[k] = v
	}
	own, err := rawFromYAML(&cs.Facts)
	if err != nil {
		return duixian.Claim{}, err
	}
	if m, ok := own.(map[string]any); ok {
		for k, v := range m {
			raw[k] = v
		}
	}
	facts, err := c.DecodeFacts(field, raw)
	if err != nil {
		return duixian.Claim{}, err
	}
	claim := duixian.Claim{Clause: fullID(cf.doc, cs.Clause.Value), Project: cs.Project.Value, Facts: facts}
	if claim.EventDate, err = duixian.ParseDate(cs.EventDate.Value); err != nil {
		return claim, fmt.Errorf("event_date: %w", err)
	}
	asOf := cs.AsOf
	if !asOf.set() {
		asOf = cf.spec.AsOf
	}
	if asOf.set() {
		if claim.AsOf, err = duixian.ParseDate(asOf.Value); err != nil {
			return claim, fmt.Errorf("as_of: %w", err)
		}
	} else {
		claim.AsOf = claim.EventDate
	}
	return claim, nil
}

func (c *Catalogue) runCase(cf caseFile, cs caseSpec, base map[string]any, cov *coverage) []string {
	opt := Options{Trace: true, cov: cov}
	if !cs.Year.set() {
		claim, err := c.claimOf(cf, cs, base, "facts")
		if err != nil {
			return expectError(cs.Expect, err)
		}
		d, err := c.Evaluate(claim, opt)
		if err != nil {
			return expectError(cs.Expect, err)
		}
		cov.clauses[d.Clause]++
		return checkDecision("", cs.Expect, d)
	}
	set := duixian.ClaimSet{}
	if _, err := fmt.Sscan(cs.Year.Value, &set.Year); err != nil {
		return []string{"year: " + err.Error()}
	}
	shared, err := rawFromYAML(&cs.Facts)
	if err != nil {
		return []string{err.Error()}
	}
	setBase := map[string]any{}
	for k, v := range base {
		setBase[k] = v
	}
	if m, ok := shared.(map[string]any); ok {
		for k, v := range m {
			setBase[k] = v
		}
	}
	if set.Facts, err = c.DecodeFacts("facts", setBase); err != nil {
		return expectError(cs.Expect, err)
	}
	for i, sub := range cs.Claims {
		claim, err := c.claimOf(cf, sub, setBase, fmt.Sprintf("claims[%d].facts", i))
		if err != nil {
			return expectError(cs.Expect, err)
		}
		set.AsOf = claim.AsOf
		if cs.AsOf.set() || cf.spec.AsOf.set() {
			asOf := cs.AsOf
			if !asOf.set() {
				asOf = cf.spec.AsOf
			}
			set.AsOf, _ = duixian.ParseDate(asOf.Value)
		}
		set.Claims = append(set.Claims, claim)
	}
	y, err := c.EvaluateYear(set, opt)
	if err != nil {
		return expectError(cs.Expect, err)
	}
	var fails []string
	e := cs.Expect
	if e.Total.set() {
		want, err := moneyOf(e.Total.Value)
		if err != nil {
			fails = append(fails, "total: "+err.Error())
		} else if y.Total != want {
			fails = append(fails, fmt.Sprintf("total: got %s, want %s", y.Total, want))
		}
	}
	if len(e.Decisions) > 0 && len(e.Decisions) != len(y.Decisions) {
		fails = append(fails, fmt.Sprintf("expected %d decisions, got %d", len(e.Decisions), len(y.Decisions)))
	}
	for i := range min(len(e.Decisions), len(y.Decisions)) {
		cov.clauses[y.Decisions[i].Clause]++
		fails = append(fails, checkDecision(fmt.Sprintf("decisions[%d].", i), &e.Decisions[i], y.Decisions[i])...)
	}
	return fails
}

func expectError(e *expectSpec, err error) []string {
	if e == nil || !e.Error.set() {
		return []string{"unexpected error: " + err.Error()}
	}
	if !strings.Contains(err.Error(), e.Error.Value) {
		return []string{fmt.Sprintf("error %q does not contain %q", err.Error(), e.Error.Value)}
	}
	return nil
}

func moneyOf(s string) (duixian.Money, error) {
	d, err := duixian.ParseAmount(s)
	if err != nil {
		return 0, err
	}
	return duixian.MoneyFromDecimal(d)
}

func checkDecision(at string, e *expectSpec, d duixian.Decision) []string {
	if e == nil {
		return []string{"no expect"}
	}
	var fails []string
	if e.Error.set() {
		fails = append(fails, fmt.Sprintf("%sexpected error %q, got a decision", at, e.Error.Value))
	}
	if e.Eligible != nil && *e.Eligible != d.Eligible {
		fails = append(fails, fmt.Sprintf("%seligible: got %v, want %v (reasons: %s)", at, d.Eligible, *e.Eligible, reasonCodes(d)))
	}
	for _, m := range []struct {
		name string
		s    scalar
		got  duixian.Money
	}{{"amount", e.Amount, d.Amount}, {"payable_now", e.PayableNow, d.PayableNow}} {
		if !m.s.set() {
			continue
		}
		want, err := moneyOf(m.s.Value)
		if err != nil {
			fails = append(fails, at+m.name+": "+err.Error())
		} else if m.got != want {
			fails = append(fails, fmt.Sprintf("%s%s: got %s, want %s (reasons: %s)", at, m.name, m.got, want, reasonCodes(d)))
		}
	}
	if e.Outcome.set() && e.Outcome.Value != d.Outcome {
		fails = append(fails, fmt.Sprintf("%soutcome: got %q, want %q", at, d.Outcome, e.Outcome.Value))
	}
	if e.Reasons != nil {
		var want []string
		for _, r := range e.Reasons {
			want = append(want, r.Value)
		}
		var got []string
		for _, r := range d.Reasons {
			got = append(got, r.Code)
		}
		if !sameCodes(got, want) {
			fails = append(fails, fmt.Sprintf("%sreasons: got %v, want %v", at, got, want))
		}
	}
	for _, t := range e.TraceContains {
		found := false
		for _, s := range d.Trace {
			if strings.Contains(s.Text, t.Value) {
				found = true
				break
			}
		}
		if !found {
			fails = append(fails, fmt.Sprintf("%strace has no step containing %q", at, t.Value))
		}
	}
	return fails
}

// sameCodes compares reason codes; an expected code without a colon
// matches a full code by its last part ("min-area" matches
// "jjgf-2025-21/7.1:min-area").
func sameCodes(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	short := func(code string) string {
		if i := strings.LastIndex(code, ":"); i >= 0 {
			return code[i+1:]
		}
		return code
	}
	g := make([]string, len(got))
	for i, c := range got {
		g[i] = c
		for _, w := range want {
			if !strings.Contains(w, ":") && short(c) == w {
				g[i] = w
			}
		}
	}
	w := append([]string(nil), want...)
	sort.Strings(g)
	sort.Strings(w)
	return strings.Join(g, "|") == strings.Join(w, "|")
}

func reasonCodes(d duixian.Decision) string {
	var s []string
	for _, r := range d.Reasons {
		s = append(s, r.Code)
	}
	return "[" + strings.Join(s, " ") + "]"
}

// coverageReport lists, for every clause and every document, what its cases
// should exercise and whether they did.
func (c *Catalogue) coverageReport(cov *coverage) []Coverage {
	var out []Coverage
	for _, d := range c.documents {
		if d.transcribed {
			continue
		}
		dc := Coverage{Document: d.ID, Title: d.Number + "（共同规则）"}
		both := func(items *[]CoverageItem, key, what string) {
			*items = append(*items,
				CoverageItem{What: what + "：满足", Key: key + " true", Covered: cov.has(key, true)},
				CoverageItem{What: what + "：不满足", Key: key + " false", Covered: cov.has(key, false)})
		}
		seenDoc := map[string]bool{}
		for _, cl := range c.clauses {
			if cl.Document != d {
				continue
			}
			for _, cond := range cl.conditions {
				if cond.owner == d.ID && !seenDoc[cond.ID] {
					seenDoc[cond.ID] = true
					both(&dc.Items, cond.key(), "共同条件 "+cond.ID+"（"+cond.Zh+"）")
				}
			}
		}
		if !d.MinimumPayout.IsZero() {
			both(&dc.Items, d.ID+" minimum", "不低于最低补助额")
		}
		for _, inv := range d.invariants {
			both(&dc.Items, inv.key(), "事实一致性 "+inv.ID+"（"+inv.Zh+"）")
		}
		for _, lim := range d.limits {
			if lim.kind == "total-cap" {
				both(&dc.Items, lim.key, "年度总额上限（"+lim.zh+"）触及")
			} else {
				dc.Items = append(dc.Items, CoverageItem{What: "规则触发：" + lim.zh, Key: lim.key, Covered: cov.has(lim.key, true)})
			}
		}
		out = append(out, dc)
		for _, cl := range c.clauses {
			if cl.Document != d {
				continue
			}
			cc := Coverage{Document: d.ID, Clause: cl.ID, Title: cl.Title, Cases: cov.clauses[cl.ID]}
			for _, cond := range cl.conditions {
				if cond.owner == cl.ID {
					both(&cc.Items, cond.key(), "条件 "+cond.ID+"（"+cond.Zh+"）")
				}
			}
			cc.Items = append(cc.Items, nodeItems(cl.award, cov, both)...)
			if cl.classify != nil {
				for i, o := range cl.classify.outcomes {
					k := fmt.Sprintf("%s outcome[%d]", cl.ID, i)
					cc.Items = append(cc.Items, CoverageItem{What: "认定为 " + o.outcome + "（" + o.zh + "）", Key: k, Covered: cov.has(k, true)})
				}
			}
			if cl.payment != nil {
				for i, t := range cl.payment.tranches {
					both(&cc.Items, fmt.Sprintf("%s tranche[%d]", cl.ID, i), fmt.Sprintf("第%d批（%s）条件", i+1, t.zh))
				}
			}
			if cl.yearlyCap != nil {
				both(&cc.Items, cl.ID+" yearly-cap", "年度上限"+showYuan(cl.yearlyCap.amount)+"触及")
			}
			out = append(out, cc)
		}
	}
	return out
}

func nodeItems(n *node, cov *coverage, both func(*[]CoverageItem, string, string)) []CoverageItem {
	if n == nil {
		return nil
	}
	var items []CoverageItem
	one := func(key, what string) {
		items = append(items, CoverageItem{What: what, Key: key, Covered: cov.has(key, true)})
	}
	if n.when != nil {
		both(&items, n.key+" when", "情形（"+n.whenZh+"）")
	}
	switch n.kind {
	case nodeTiers:
		for i, b := range n.bands {
			one(fmt.Sprintf("%s band[%d]", n.key, i), "档次 "+b.text)
			for j, e := range []*struct {
				v    bool
				incl bool
			}{{b.lo != nil, b.loIncl}, {b.hi != nil, b.hiIncl}} {
				if e.v && e.incl {
					edge := b.lo
					if j == 1 {
						edge = b.hi
					}
					one(fmt.Sprintf("%s band[%d] edge[%d]", n.key, i, j), fmt.Sprintf("档次 %s 的含边界 %s", b.text, edge.Trim(0)))
				}
			}
			items = append(items, nodeItems(b.node, cov, both)...)
		}
		if len(n.bands) > 0 && (n.bands[0].lo != nil || n.bands[len(n.bands)-1].hi != nil) {
			one(n.key+" no-band", "不在任何档次")
		}
	case nodeCases:
		for i, ch := range n.children {
			one(fmt.Sprintf("%s case[%d]", n.key, i), "情形 "+orDefault(ch.zh, fmt.Sprint(i+1)))
			items = append(items, nodeItems(ch, cov, both)...)
		}
	case nodeHighestOf, nodeSumOf:
		for i, ch := range n.children {
			one(fmt.Sprintf("%s part[%d]", n.key, i), "分项 "+orDefault(ch.zh, fmt.Sprint(i+1)))
			items = append(items, nodeItems(ch, cov, both)...)
		}
	case nodeUpTo:
		both(&items, n.key+" max", "评审金额超过最高额"+showYuan(n.amount))
	case nodeEach:
		for _, v := range n.each.valid {
			both(&items, v.key(), "记录条件 "+v.ID+"（"+v.Zh+"）")
		}
		items = append(items, nodeItems(n.each.award, cov, both)...)
	}
	if n.cap != nil {
		both(&items, n.key+" cap", n.cap.zh+showYuan(n.cap.amount)+"触及")
	}
	for i, c := range n.caps {
		both(&items, n.capKeys[i], c.zh+"触及")
		items = append(items, nodeItems(c, cov, both)...)
	}
	return items
}
