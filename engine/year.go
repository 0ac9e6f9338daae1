package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/govalues/decimal"
)

// MaxClaimsPerYear bounds a claim set, as any input is bounded; an
// enterprise with awards under several documents easily has dozens.
const MaxClaimsPerYear = 200

// MaxRivalClaims bounds the claims that compete under one rule (a group
// of claims tied by exclusions, category limits or a shared project):
// choosing their best admissible subset looks at every subset of them.
const MaxRivalClaims = 16

// EvaluateYear decides everything one enterprise claims for one year.
// Each claim is first decided alone; then the rules across claims apply:
//
//   - clauses that may not be claimed together (不可同时申报), highest-only
//     groups (就高不重复) within a document, the same project under documents
//     that say 同一项目就高不重复, and category limits (最多申报两个类别):
//     of the subsets of eligible claims that respect all of them, the one
//     with the highest total is granted (ties go to the earlier claims), and
//     each claim left out says which rule set it aside;
//   - yearly caps of a clause (每年最高) across its claims, in claim order;
//   - a document's total cap for the year (扶持总金额不超过成本), taken from
//     the last claims first and rounded down to the document's precision;
//   - the minimum payout, again, on what is left.
func (c *Catalogue) EvaluateYear(set duixian.ClaimSet, opt Options) (duixian.YearDecision, error) {
	if len(set.Claims) == 0 {
		return duixian.YearDecision{}, duixian.Errorf(duixian.EINVALID, "claims", "没有申报事项", "no claims")
	}
	if len(set.Claims) > MaxClaimsPerYear {
		return duixian.YearDecision{}, duixian.Errorf(duixian.EINVALID, "claims", "一年最多评估 %d 项申报，收到 %d 项", "at most %d claims a year, got %d", MaxClaimsPerYear, len(set.Claims))
	}
	asOf := set.AsOf
	if asOf.IsZero() {
		return duixian.YearDecision{}, duixian.Errorf(duixian.EINVALID, "as_of", "缺少判定日期", "as_of is missing")
	}
	y := duixian.YearDecision{Enterprise: set.Enterprise, Year: set.Year, AsOf: asOf}
	for i, claim := range set.Claims {
		if claim.EventDate.Year != set.Year {
			return y, duixian.Errorf(duixian.EINVALID, fmt.Sprintf("claims[%d].event_date", i),
				"事项发生日 %s 不在申报年度 %d 内", "event date %s is not in the year %d", claim.EventDate, set.Year)
		}
		facts := make(duixian.Facts, len(set.Facts)+len(claim.Facts))
		for k, v := range set.Facts {
			facts[k] = v
		}
		for k, v := range claim.Facts {
			facts[k] = v
		}
		claim.Facts, claim.AsOf = facts, asOf
		d, err := c.Evaluate(claim, opt)
		if err != nil {
			if e, ok := err.(*duixian.Error); ok {
				e.Field = fmt.Sprintf("claims[%d].%s", i, e.Field)
			}
			return y, err
		}
		if claim.Granted {
			// What was approved stands, whatever a re-evaluation says now.
			d.Eligible, d.Amount, d.PayableNow, d.Reasons = true, claim.GrantedAmount, claim.GrantedAmount, nil
		}
		y.Decisions = append(y.Decisions, d)
	}

	ys := &yearSelection{cat: c, set: set, d: y.Decisions}
	if err := ys.choose(); err != nil {
		return y, err
	}
	for _, key := range ys.triggered {
		opt.cov.hit(key)
	}
	for i := range y.Decisions {
		if r := ys.dropped[i]; r != nil {
			d := &y.Decisions[i]
			d.Eligible, d.Amount, d.PayableNow = false, 0, 0
			d.Reasons = append(d.Reasons, *r)
			d.Trace = append(d.Trace, duixian.Step{Cite: r.Cite, Text: "依据" + r.Cite.String() + "，" + r.Zh})
		}
	}
	if err := c.applyYearlyCaps(&y, opt.cov); err != nil {
		return y, err
	}
	if err := c.applyTotalCaps(&y, set, opt.cov); err != nil {
		return y, err
	}
	for i := range y.Decisions {
		d := &y.Decisions[i]
		cl := c.byID[d.Clause]
		if d.Eligible && !cl.Document.MinimumPayout.IsZero() && d.Amount.Decimal().Cmp(cl.Document.MinimumPayout) < 0 {
			r := duixian.Reason{Code: cl.Document.ID + ":below-minimum", Cite: cl.Document.minimumCite,
				Zh: fmt.Sprintf("调减后补助金额%s低于%s，不予补助", d.Amount.Wan(), showYuan(cl.Document.MinimumPayout)),
				En: fmt.Sprintf("after reduction the award %s is below the minimum %s", d.Amount, cl.Document.MinimumPayout)}
			d.Eligible, d.Amount, d.PayableNow = false, 0, 0
			d.Reasons = append(d.Reasons, r)
		}
		if !d.Due {
			y.Total += d.Amount
		}
	}
	return y, nil
}

type yearSelection struct {
	cat     *Catalogue
	set     duixian.ClaimSet
	d       []duixian.Decision
	dropped map[int]*duixian.Reason
	// triggered lists the coverage keys of the rules that set claims aside.
	triggered []string
	lastKey   string
}

// choose finds the admissible subset of eligible claims with the highest
// total and records, for each eligible claim left out, the rule that did it.
//
// Claims that no rule ties together are chosen independently: the best set
// is the union of each rival group's best, and so is the tie-break (every
// group keeps its earlier claims), so only a group's own subsets are
// enumerated.
func (ys *yearSelection) choose() error {
	ys.dropped = map[int]*duixian.Reason{}
	var elig []int
	for i, d := range ys.d {
		if d.Eligible && !d.Due { // an amount owed competes with no award
			elig = append(elig, i)
		}
	}
	var chosen []int
	for _, group := range ys.rivals(elig) {
		if len(group) > MaxRivalClaims {
			return duixian.Errorf(duixian.EINVALID, "claims", "同一年度有 %d 项申报受同一组规则约束（不可同时申报、就高不重复、类别上限或同一项目），最多 %d 项",
				"%d claims of the year compete under the same rules (exclusions, highest-only, category limits or one project); at most %d", len(group), MaxRivalClaims)
		}
		chosen = append(chosen, ys.best(group)...)
	}
	sort.Ints(chosen)
	for _, i := range elig {
		if slices.Contains(chosen, i) {
			continue
		}
		// The rule that stops i from joining the chosen set.
		with := append(append([]int(nil), chosen...), i)
		sort.Ints(with)
		ys.dropped[i] = ys.violation(with, i)
		ys.triggered = append(ys.triggered, ys.lastKey)
		if ys.dropped[i] == nil { // cannot happen: the best set would include it
			ys.dropped[i] = &duixian.Reason{Code: ys.d[i].Clause + ":not-selected", Zh: "未被选入最优组合", En: "not in the best admissible set"}
		}
	}
	return nil
}

// best is the admissible subset of group with the highest total; among
// equal totals, the one that keeps earlier claims.
func (ys *yearSelection) best(group []int) []int {
	bestMask, bestTotal := -1, duixian.Money(-1)
	// Masks are visited from "all claims" down, so among equal totals the
	// subset that keeps earlier claims wins.
	for mask := (1 << len(group)) - 1; mask >= 0; mask-- {
		var chosen []int
		var total duixian.Money
		for b, i := range group {
			if mask&(1<<(len(group)-1-b)) != 0 {
				chosen = append(chosen, i)
				total += ys.d[i].Amount
			}
		}
		if ys.violation(chosen, -1) != nil || !ys.keepsGranted(group, chosen) {
			continue
		}
		if total > bestTotal {
			bestMask, bestTotal = mask, total
		}
	}
	var chosen []int
	for b, i := range group {
		if bestMask&(1<<(len(group)-1-b)) != 0 {
			chosen = append(chosen, i)
		}
	}
	return chosen
}

// rivals splits the eligible claims into groups that no rule of violation
// ties to one another: claims under clauses of one exclusive or
// highest-only limit, under a document with a category limit, of one clause
// for one project (a duplicate) or of one named project (同一项目就高不重复) share a group.
// Each group lists its claims in claim order.
func (ys *yearSelection) rivals(elig []int) [][]int {
	parent := map[int]int{}
	var find func(int) int
	find = func(i int) int {
		if parent[i] == i {
			return i
		}
		parent[i] = find(parent[i])
		return parent[i]
	}
	for _, i := range elig {
		parent[i] = i
	}
	by := map[string]int{} // a tie's key → the first claim with it
	tie := func(key string, i int) {
		if first, ok := by[key]; ok {
			parent[find(i)] = find(first)
			return
		}
		by[key] = i
	}
	for _, i := range elig {
		cl := ys.cat.byID[ys.d[i].Clause]
		tie("clause "+cl.ID+" project "+ys.set.Claims[i].Project, i) // a duplicate
		if p := ys.set.Claims[i].Project; p != "" {
			tie("project "+p, i)
		}
		for _, lim := range cl.Document.limits {
			switch lim.kind {
			case "category":
				tie(lim.key, i)
			case "exclusive", "highest-only":
				if slices.Contains(lim.clauses, cl) {
					tie(lim.key, i)
				}
			}
		}
	}
	groups := map[int][]int{}
	var roots []int
	for _, i := range elig {
		r := find(i)
		if _, ok := groups[r]; !ok {
			roots = append(roots, r)
		}
		groups[r] = append(groups[r], i)
	}
	out := make([][]int, 0, len(roots))
	for _, r := range roots {
		out = append(out, groups[r])
	}
	return out
}

// keepsGranted reports whether every granted claim of group is among chosen.
func (ys *yearSelection) keepsGranted(group, chosen []int) bool {
	for _, i := range group {
		if ys.set.Claims[i].Granted && !slices.Contains(chosen, i) {
			return false
		}
	}
	return true
}

// violation returns the first rule the set of claims breaks, phrased for
// claim who (or for the set when who is -1).
func (ys *yearSelection) violation(chosen []int, who int) *duixian.Reason {
	has := func(cl *Clause) []int {
		var out []int
		for _, i := range chosen {
			if ys.d[i].Clause == cl.ID {
				out = append(out, i)
			}
		}
		return out
	}
	involves := func(ids []int) bool {
		if who < 0 {
			return true
		}
		for _, i := range ids {
			if i == who {
				return true
			}
		}
		return false
	}
	for _, doc := range ys.cat.documents {
		for _, lim := range doc.limits {
			switch lim.kind {
			case "exclusive", "highest-only":
				var in []int
				groups := 0
				for _, cl := range lim.clauses {
					if h := has(cl); len(h) > 0 {
						in = append(in, h...)
						groups++
					}
				}
				if groups > 1 && involves(in) {
					ys.lastKey = lim.key
					code, verb := "exclusive", "不可同时申报"
					if lim.kind == "highest-only" {
						code, verb = "highest-only", "就高不重复，已取金额较高者"
					}
					return &duixian.Reason{Code: doc.ID + ":" + code, Cite: lim.cite,
						Zh: fmt.Sprintf("%s：%s（%s）", verb, lim.zh, clauseTitles(lim.clauses)),
						En: lim.en}
				}
			case "category":
				cats := map[string][]int{}
				for _, i := range chosen {
					cl := ys.cat.byID[ys.d[i].Clause]
					if cl.Document == doc {
						cats[cl.Category] = append(cats[cl.Category], i)
					}
				}
				if len(cats) > lim.max {
					var in []int
					for _, v := range cats {
						in = append(in, v...)
					}
					if involves(in) {
						ys.lastKey = lim.key
						return &duixian.Reason{Code: doc.ID + ":category-limit", Cite: lim.cite,
							Zh: fmt.Sprintf("同一年度最多申报%d个类别：%s，已保留金额较高的组合", lim.max, lim.zh),
							En: lim.en}
					}
				}
			}
		}
	}
	// The same clause claimed twice for the same project (or, without a
	// project, for the enterprise itself) in one year is one claim made twice.
	for a := 0; a < len(chosen); a++ {
		for b := a + 1; b < len(chosen); b++ {
			i, j := chosen[a], chosen[b]
			if ys.d[i].Clause == ys.d[j].Clause && ys.set.Claims[i].Project == ys.set.Claims[j].Project && involves([]int{i, j}) {
				ys.lastKey = "duplicate"
				cl := ys.cat.byID[ys.d[i].Clause]
				return &duixian.Reason{Code: cl.ID + ":duplicate", Cite: cl.Article.cite,
					Zh: fmt.Sprintf("同一年度同一项目已申报%s，不重复支持", cl.Title),
					En: fmt.Sprintf("%s is already claimed this year for the same project", cl.ID)}
			}
		}
	}
	// The same project under two clauses whose documents say 就高不重复.
	for a := 0; a < len(chosen); a++ {
		for b := a + 1; b < len(chosen); b++ {
			i, j := chosen[a], chosen[b]
			pi, pj := ys.set.Claims[i].Project, ys.set.Claims[j].Project
			if pi == "" || pi != pj || ys.d[i].Clause == ys.d[j].Clause {
				continue
			}
			ci, cj := ys.cat.byID[ys.d[i].Clause], ys.cat.byID[ys.d[j].Clause]
			rule := ci.Document.sameProject
			if rule == nil {
				rule = cj.Document.sameProject
			}
			if ci.Document == cj.Document && !ci.Document.sameProjectWithin {
				rule = nil // within one document, its own limits decide
			}
			if rule != nil && involves([]int{i, j}) {
				ys.lastKey = "same-project"
				return &duixian.Reason{Code: ci.Document.ID + ":same-project", Cite: *rule,
					Zh: fmt.Sprintf("同一项目（%s）同时符合%s与%s，按“就高不重复”原则只支持金额较高者", pi, ci.Title, cj.Title),
					En: fmt.Sprintf("project %s qualifies under %s and %s; only the higher is granted", pi, ci.ID, cj.ID)}
			}
		}
	}
	return nil
}

// Rivals reports whether two claims of one enterprise's year compete under
// a rule of the year: the same clause for the same project (one award
// claimed twice), clauses of one 不可同时申报 or 就高不重复 limit, clauses
// of a document that limits the categories of a year, or one project under
// two documents that say 同一项目就高不重复. The workflow counts an
// application still in review against a new claim it rivals, so a rule of
// the year is kept from submission on, not first found at approval.
func (c *Catalogue) Rivals(clauseA, projectA, clauseB, projectB string) bool {
	ca, okA := c.byID[clauseA]
	cb, okB := c.byID[clauseB]
	if !okA || !okB {
		return false
	}
	if ca == cb {
		return projectA == projectB
	}
	if ca.Document == cb.Document {
		for _, lim := range ca.Document.limits {
			switch lim.kind {
			case "category":
				return true
			case "exclusive", "highest-only":
				if slices.Contains(lim.clauses, ca) && slices.Contains(lim.clauses, cb) {
					return true
				}
			}
		}
	}
	if projectA == "" || projectA != projectB {
		return false
	}
	if ca.Document == cb.Document {
		return ca.Document.sameProject != nil && ca.Document.sameProjectWithin
	}
	return ca.Document.sameProject != nil || cb.Document.sameProject != nil
}

func clauseTitles(cls []*Clause) string {
	t := make([]string, len(cls))
	for i, cl := range cls {
		t[i] = cl.Title
	}
	return strings.Join(t, "、")
}

// applyYearlyCaps caps each clause's claims of the year together.
func (c *Catalogue) applyYearlyCaps(y *duixian.YearDecision, cov *coverage) error {
	used := map[string]duixian.Money{}
	for i := range y.Decisions {
		d := &y.Decisions[i]
		cl := c.byID[d.Clause]
		if !d.Eligible || cl.yearlyCap == nil {
			continue
		}
		capM, err := duixian.MoneyFromDecimal(cl.yearlyCap.amount)
		if err != nil {
			return err
		}
		left := capM - used[cl.ID]
		cov.mark(cl.ID+" yearly-cap", d.Amount > left)
		if d.Amount > left {
			d.Trace = append(d.Trace, duixian.Step{Cite: cl.yearlyCap.cite, Text: fmt.Sprintf("依据%s，%s%s，本年度已核定%s，本项由%s调减为%s",
				cl.yearlyCap.cite, cl.yearlyCap.zh, capM.Wan(), used[cl.ID].Wan(), d.Amount.Wan(), left.Wan())})
			d.Reasons = append(d.Reasons, duixian.Reason{Code: cl.ID + ":yearly-cap", Cite: cl.yearlyCap.cite,
				Zh: fmt.Sprintf("%s%s，本项调减为%s", cl.yearlyCap.zh, capM.Wan(), left.Wan()),
				En: fmt.Sprintf("yearly cap %s reached; reduced to %s", capM, left)})
			d.Amount = left
			if d.PayableNow > left {
				d.PayableNow = left
			}
			if left == 0 {
				d.Eligible = false
			}
		}
		used[cl.ID] += d.Amount
	}
	return nil
}

// applyTotalCaps enforces a document's cap on the year's total.
func (c *Catalogue) applyTotalCaps(y *duixian.YearDecision, set duixian.ClaimSet, cov *coverage) error {
	for _, doc := range c.documents {
		for _, lim := range doc.limits {
			if lim.kind != "total-cap" {
				continue
			}
			var idx []int
			var total duixian.Money
			for i, d := range y.Decisions {
				if d.Eligible && c.byID[d.Clause].Document == doc {
					idx = append(idx, i)
					total += d.Amount
				}
			}
			if len(idx) == 0 {
				continue
			}
			// The set's facts, else what the document's claims say (the last wins).
			facts := duixian.Facts{}
			for _, i := range idx {
				for k, v := range set.Claims[i].Facts {
					facts[k] = v
				}
			}
			for k, v := range set.Facts {
				facts[k] = v
			}
			frame := c.frame()
			// A total cap is the year's: it reads the decision date, and the
			// event date of the document's first claim of the year.
			bindDates(duixian.Claim{EventDate: y.Decisions[idx[0]].EventDate, AsOf: y.AsOf}, *frame)
			err := bindFacts(lim.totalFacts, facts, *frame)
			var capD decimal.Decimal
			if err == nil {
				capD, err = lim.total.Decimal(*frame)
			}
			c.frames.Put(frame)
			if err != nil {
				return err
			}
			capD = capD.Floor(2)
			if capD.IsNeg() {
				capD = decimal.Zero
			}
			capM, err := duixian.MoneyFromDecimal(capD)
			if err != nil {
				return err
			}
			excess := total - capM
			cov.mark(lim.key, excess > 0)
			for k := len(idx) - 1; k >= 0 && excess > 0; k-- {
				d := &y.Decisions[idx[k]]
				q, err := duixian.MoneyFromDecimal(doc.Rounding.Quantum)
				if err != nil {
					q = 1
				}
				cut := min(excess, d.Amount)
				newAmount := d.Amount - cut
				newAmount -= newAmount % q // never round up past the cap
				cut = d.Amount - newAmount
				d.Reasons = append(d.Reasons, duixian.Reason{Code: doc.ID + ":total-cap", Cite: lim.cite,
					Zh: fmt.Sprintf("%s：本年度扶持总额不超过%s%s，本项由%s调减为%s", lim.zh, lim.totalZh, capM.Wan(), d.Amount.Wan(), newAmount.Wan()),
					En: fmt.Sprintf("%s: the year's total may not exceed %s; reduced to %s", lim.en, capM, newAmount)})
				d.Trace = append(d.Trace, duixian.Step{Cite: lim.cite, Text: "依据" + lim.cite.String() + "，" + d.Reasons[len(d.Reasons)-1].Zh})
				d.Amount = newAmount
				if d.PayableNow > newAmount {
					d.PayableNow = newAmount
				}
				if newAmount == 0 {
					d.Eligible = false
				}
				excess -= cut
			}
		}
	}
	return nil
}
