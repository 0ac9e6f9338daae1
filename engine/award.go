package engine

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
)

// nodeKind is the shape of one award formula node; docs/catalogue.md shows
// each with the article it was made for.
type nodeKind int

const (
	nodeAmount    nodeKind = iota + 1 // a fixed amount: 奖励6万元
	nodeRate                          // rate × base: 按保费的50%
	nodePer                           // unit amount × count: 每场2500元, 每千瓦800元
	nodeUpTo                          // decided by review, at most: 最高1000万元
	nodeTiers                         // by band of a fact, 含 edges explicit
	nodeCases                         // the first case whose condition holds
	nodeHighestOf                     // the highest applicable alternative: 就高不重复
	nodeSumOf                         // the sum of applicable parts: 500万元+实收资本×1%
	nodeEach                          // a sum over records that pass validity rules
)

// node is one award formula node. Any node may carry a guard (when), a
// deduction (less) and caps; the value never goes below zero.
type node struct {
	kind nodeKind
	key  string // where it sits, for coverage: "jjgf-2025-21/7.1 award.tiers[2]"
	cite duixian.Cite
	zh   string

	when   *expression.Linked
	whenZh string

	amount    decimal.Decimal // nodeAmount; unit amount of nodePer; maximum of nodeUpTo
	rate      decimal.Decimal
	rateText  string // as written: "50%", "1:0.5"
	ceiling   bool   // the rate is the most allowed; a round may fix less
	of        *expression.Linked
	ofLabel   label
	count     *expression.Linked
	countZh   string
	countUnit string

	on       *expression.Linked
	onLabel  label
	bands    []band
	children []*node
	each     *each

	less    *expression.Linked
	lessZh  string
	cap     *citedAmount
	caps    []*node
	capKeys []string
}

// label says how to show a value in a trace: its Chinese name and unit,
// and whether it is money.
type label struct {
	zh    string
	unit  string
	money bool
}

func (l label) show(v decimal.Decimal) string {
	if l.money {
		return l.zh + showYuan(v)
	}
	return l.zh + v.Trim(0).String() + l.unit
}

// gap writes by how much a condition is missed; money in one unit whatever
// its size (Money.WanAbout), so that the gaps of a diagnosis or a
// calculator, side by side, can be compared.
func (l label) gap(v decimal.Decimal) string {
	if l.money {
		if m, err := duixian.MoneyFromDecimal(v); err == nil {
			return l.zh + m.WanAbout()
		}
	}
	return l.show(v)
}

// showYuan writes an amount in yuan as the gazette would (万元 with two
// decimals) unless that would hide precision.
// percent writes a rate as a percentage without trailing zeros: 0.2 → "20".
func percent(r decimal.Decimal) string {
	p, err := r.Mul(decimal.MustNew(100, 0))
	if err != nil {
		return r.String()
	}
	return p.Trim(0).String()
}

// labelled writes a limit's label and its amount: "单个项目最高50.00万元",
// or, where the label ends in a figure of its own ("上年出口额的0.06%"),
// "上年出口额的0.06%，即0.72万元", so that two figures never run together.
func labelled(label, amount string) string {
	if r, _ := utf8.DecodeLastRuneInString(label); unicode.IsDigit(r) || r == '%' || r == '％' {
		return label + "，即" + amount
	}
	return label + amount
}

// showYuan writes an amount of a trace in 万元 where two decimals of 万元
// hold it exactly, as the gazette pays (0.50万元); otherwise in one unit
// with its neighbours (duixian.Money.WanAbout): 万元 from 1万元 up with the
// exact yuan beside, 元 below.
func showYuan(v decimal.Decimal) string {
	m, err := duixian.MoneyFromDecimal(v)
	if err != nil {
		return v.String() + "元"
	}
	if w := m.Wan(); strings.HasSuffix(w, "万元") { // exact in 万元, as the gazette pays: 0.50万元
		return w
	}
	return m.WanAbout()
}

// showBound writes a tier bound in yuan as the gazette writes bounds:
// 5亿元, 1000万元, 2500元.
func showBound(v decimal.Decimal) string {
	for _, u := range []struct {
		unit  string
		scale int64
	}{{"亿元", 100000000}, {"万元", 10000}} {
		q, err := v.Quo(decimal.MustNew(u.scale, 0))
		if err == nil && q.Abs().Cmp(decimal.One) >= 0 && q.Trim(0).Scale() <= 2 {
			return q.Trim(0).String() + u.unit
		}
	}
	return v.Trim(0).String() + "元"
}

type band struct {
	lo, hi         *decimal.Decimal // nil: unbounded
	loIncl, hiIncl bool
	text           string
	node           *node
}

func (b band) contains(v decimal.Decimal) bool {
	if b.lo != nil {
		c := v.Cmp(*b.lo)
		if c < 0 || (c == 0 && !b.loIncl) {
			return false
		}
	}
	if b.hi != nil {
		c := v.Cmp(*b.hi)
		if c > 0 || (c == 0 && !b.hiIncl) {
			return false
		}
	}
	return true
}

// zh writes the band so that each bound's side is explicit — "以上" alone
// includes the number under 《民法典》第一千二百五十九条, so an excluded
// bound reads 超过 or 不含: "超过100平方米至200平方米（含）".
func (b band) zh(l label) string {
	num := func(d *decimal.Decimal) string {
		if l.money {
			return showBound(*d)
		}
		return d.Trim(0).String() + l.unit
	}
	var lo, hi string
	switch {
	case b.lo == nil:
	case b.loIncl:
		lo = num(b.lo) + "（含）"
	default:
		lo = "超过" + num(b.lo)
	}
	switch {
	case b.hi == nil:
	case b.hiIncl:
		hi = num(b.hi) + "（含）"
	default:
		hi = num(b.hi) + "（不含）"
	}
	switch {
	case lo == "" && hi == "":
		return "不限"
	case hi == "":
		if b.loIncl {
			return lo + "以上"
		}
		return lo
	case lo == "":
		return "不超过" + hi
	}
	return lo + "至" + hi
}

type each struct {
	fact  *Fact
	valid []*Condition
	award *node
}

// evaluation carries one claim through its clause.
type evaluation struct {
	clause *Clause
	facts  duixian.Facts
	trace  bool
	steps  []duixian.Step
	cov    *coverage
	record string // the record an each node is at: "第2条（读书沙龙）"
	rates  map[string]decimal.Decimal
}

// factsEn names, in English, the facts an expression reads: an English
// message says what it is about, never the expression's source.
func (ev *evaluation) factsEn(p *expression.Linked) string {
	var names []string
	for _, v := range p.Program().Vars {
		for _, f := range ev.clause.facts {
			if f.Name == v {
				names = append(names, f.En)
			}
			for _, fd := range f.Fields { // inside an each node, a record's field
				if fd.Name == v {
					names = append(names, fd.En)
				}
			}
		}
	}
	if len(names) == 0 {
		return "the claim"
	}
	return strings.Join(names, ", ")
}

func (ev *evaluation) say(c duixian.Cite, format string, args ...any) {
	if ev.trace {
		subject := ""
		if ev.record != "" {
			subject = ev.record + "："
		}
		according := ""
		if c.String() != "" { // a step no article states (rounding to the fen) cites none
			according = fmt.Sprintf("依据%s，", c)
		}
		ev.steps = append(ev.steps, duixian.Step{Cite: c, Text: according + subject + fmt.Sprintf(format, args...)})
	}
}

// result of a node: the value in yuan, or why the node does not apply.
type result struct {
	v   decimal.Decimal
	ok  bool
	why *duixian.Reason
}

func notApplied(code string, c duixian.Cite, zh, en string) result {
	return result{why: &duixian.Reason{Code: code, Zh: zh, En: en, Cite: c}}
}

func (n *node) eval(ev *evaluation, vals []expression.Value) (result, error) {
	if n.when != nil {
		holds, err := n.when.Bool(vals)
		if err != nil {
			return result{}, err
		}
		if ev.cov != nil {
			ev.cov.mark(n.key+" when", holds)
		}
		if !holds {
			return notApplied("not-applicable", n.cite, "不符合"+n.whenZh, "the condition on "+ev.factsEn(n.when)+" is not met"), nil
		}
	}
	r, err := n.shape(ev, vals)
	if err != nil || !r.ok {
		return r, err
	}
	v := r.v
	if n.less != nil {
		d, err := n.less.Decimal(vals)
		if err != nil {
			return result{}, err
		}
		after, err := v.Sub(d)
		if err != nil {
			return result{}, err
		}
		if after.IsNeg() {
			after = decimal.Zero
		}
		if ev.trace {
			ev.say(n.cite, "扣减%s%s后为%s", n.lessZh, showYuan(d), showYuan(after))
		}
		v = after
	}
	if n.cap != nil {
		reached := v.Cmp(n.cap.amount) > 0
		if ev.cov != nil {
			ev.cov.mark(n.key+" cap", reached)
		}
		if reached {
			if ev.trace {
				ev.say(n.cap.cite, "%s超过%s，按%s计", showYuan(v), labelled(n.cap.zh, showYuan(n.cap.amount)), showYuan(n.cap.amount))
			}
			v = n.cap.amount
		} else {
			if ev.trace {
				ev.say(n.cap.cite, "%s未超过%s", showYuan(v), labelled(n.cap.zh, showYuan(n.cap.amount)))
			}
		}
	}
	for i, c := range n.caps {
		cr, err := c.eval(ev, vals)
		if err != nil {
			return result{}, err
		}
		if !cr.ok {
			continue
		}
		reached := v.Cmp(cr.v) > 0
		if ev.cov != nil {
			ev.cov.mark(n.capKeys[i], reached)
		}
		if reached {
			if ev.trace {
				ev.say(c.cite, "%s超过%s，按%s计", showYuan(v), labelled(c.zh, showYuan(cr.v)), showYuan(cr.v))
			}
			v = cr.v
		} else {
			if ev.trace {
				ev.say(c.cite, "%s未超过%s", showYuan(v), labelled(c.zh, showYuan(cr.v)))
			}
		}
	}
	return result{v: v, ok: true}, nil
}

func (n *node) shape(ev *evaluation, vals []expression.Value) (result, error) {
	switch n.kind {
	case nodeAmount:
		if n.zh == "" {
			if ev.trace {
				ev.say(n.cite, "%s%s", verb(ev.clause), showYuan(n.amount))
			}
		} else {
			if ev.trace {
				ev.say(n.cite, "%s，计%s", n.zh, showYuan(n.amount))
			}
		}
		return result{v: n.amount, ok: true}, nil

	case nodeRate:
		base, err := n.of.Decimal(vals)
		if err != nil {
			return result{}, err
		}
		rate, rateText := n.rate, n.rateText
		fixed, isRound := ev.rates[ev.clause.ID]
		if n.ceiling && isRound {
			if fixed.Cmp(n.rate) > 0 || fixed.IsNeg() {
				return result{}, duixian.Errorf(duixian.EINVALID, "rate", "本轮确定的比例%s%%超出条文规定的上限%s", "the round's rate %s%% is above the ceiling %s the text sets",
					percent(fixed), n.rateText)
			}
			rate, rateText = fixed, percent(fixed)+"%（本轮确定，不超过"+n.rateText+"）"
		} else if n.ceiling {
			rateText = n.rateText + "（比例上限；各轮可在此以下确定）"
		}
		v, err := base.Mul(rate)
		if err != nil {
			return result{}, err
		}
		if v.IsNeg() {
			v = decimal.Zero
		}
		if ev.trace {
			ev.say(n.cite, "%s按%s的%s计%s", prefix(n.zh), n.ofLabel.show(base), rateText, showYuan(v))
		}
		return result{v: v, ok: true}, nil

	case nodePer:
		cnt, err := n.count.Decimal(vals)
		if err != nil {
			return result{}, err
		}
		v, err := n.amount.Mul(cnt)
		if err != nil {
			return result{}, err
		}
		if ev.trace {
			ev.say(n.cite, "%s%s%s%s，每%s%s，计%s", prefix(n.zh), n.countZh, cnt.Trim(0), n.countUnit, n.countUnit, showYuan(n.amount), showYuan(v))
		}
		return result{v: v, ok: true}, nil

	case nodeUpTo:
		reviewed, err := n.of.Decimal(vals)
		if err != nil {
			return result{}, err
		}
		if ev.trace {
			ev.say(n.cite, "%s经评审认定%s，最高%s", prefix(n.zh), n.ofLabel.show(reviewed), showYuan(n.amount))
		}
		v := reviewed
		if v.Cmp(n.amount) > 0 {
			if ev.cov != nil {
				ev.cov.mark(n.key+" max", true)
			}
			v = n.amount
		} else {
			if ev.cov != nil {
				ev.cov.mark(n.key+" max", false)
			}
		}
		return result{v: v, ok: true}, nil

	case nodeTiers:
		x, err := n.on.Decimal(vals)
		if err != nil {
			return result{}, err
		}
		for i, b := range n.bands {
			if !b.contains(x) {
				continue
			}
			if ev.cov != nil { // only the case runner counts bands and edges
				ev.cov.hit(fmt.Sprintf("%s band[%d]", n.key, i))
				for j, e := range []*decimal.Decimal{b.lo, b.hi} {
					if e != nil && x.Equal(*e) {
						ev.cov.hit(fmt.Sprintf("%s band[%d] edge[%d]", n.key, i, j))
					}
				}
			}
			if ev.trace {
				ev.say(n.cite, "%s，属于“%s”档", n.onLabel.show(x), b.zh(n.onLabel))
			}
			return b.node.eval(ev, vals)
		}
		if ev.cov != nil {
			ev.cov.hit(n.key + " no-band")
		}
		return notApplied("no-tier", n.cite,
			fmt.Sprintf("%s，不在%s规定的任何档次内（最低档为%s）", n.onLabel.show(x), n.cite, n.bands[0].zh(n.onLabel)),
			fmt.Sprintf("%s = %s falls in no tier of %s", ev.factsEn(n.on), x, n.cite)), nil

	case nodeCases:
		var whys []string
		for i, c := range n.children {
			r, err := c.eval(ev, vals)
			if err != nil {
				return result{}, err
			}
			if r.ok {
				if ev.cov != nil {
					ev.cov.hit(fmt.Sprintf("%s case[%d]", n.key, i))
				}
				return r, nil
			}
			whys = append(whys, r.why.Zh)
		}
		return notApplied("no-case", n.cite, "不符合"+n.cite.String()+"规定的任何情形："+strings.Join(whys, "；"),
			"none of the cases of "+n.cite.Document+" "+n.cite.Article+" applies"), nil

	case nodeHighestOf, nodeSumOf:
		var best, sum decimal.Decimal
		bestAt, any := -1, false
		var parts []string
		var whys []string
		for i, c := range n.children {
			r, err := c.eval(ev, vals)
			if err != nil {
				return result{}, err
			}
			if !r.ok {
				whys = append(whys, r.why.Zh)
				continue
			}
			if ev.cov != nil {
				ev.cov.hit(fmt.Sprintf("%s part[%d]", n.key, i))
			}
			parts = append(parts, orDefault(c.zh, "第"+fmt.Sprint(i+1)+"项")+showYuan(r.v))
			if !any || r.v.Cmp(best) > 0 {
				best, bestAt = r.v, i
			}
			any = true
			if sum, err = sum.Add(r.v); err != nil {
				return result{}, err
			}
		}
		if !any {
			return notApplied("no-case", n.cite, "不符合"+n.cite.String()+"规定的任何情形："+strings.Join(whys, "；"),
				"none of the alternatives of "+n.cite.Document+" "+n.cite.Article+" applies"), nil
		}
		if n.kind == nodeSumOf {
			if ev.trace {
				ev.say(n.cite, "%s合计%s", strings.Join(parts, "、"), showYuan(sum))
			}
			return result{v: sum, ok: true}, nil
		}
		if len(parts) > 1 {
			if ev.trace {
				ev.say(n.cite, "%s，就高不重复，取%s", strings.Join(parts, "、"), orDefault(n.children[bestAt].zh, showYuan(best)))
			}
		}
		return result{v: best, ok: true}, nil

	case nodeEach:
		return n.each.eval(ev, vals, n)
	}
	return result{}, fmt.Errorf("award node %s has no shape", n.key)
}

func (e *each) eval(ev *evaluation, vals []expression.Value, n *node) (result, error) {
	records, _ := ev.facts[e.fact.Name].([]duixian.Facts)
	var sum decimal.Decimal
	counted := 0
	for i, rec := range records {
		// A record's fields have slots of their own in the same frame.
		for _, f := range e.fact.Fields {
			v, err := expression.ValueOf(f.exprType(), rec[f.Name])
			if err != nil {
				return result{}, fmt.Errorf("%s[%d].%s: %w", e.fact.Name, i, f.Name, err)
			}
			vals[f.slot] = v
		}
		ev.record = recordName(rec, i)
		valid := true
		for _, c := range e.valid {
			ok, err := c.prg.Bool(vals)
			if err != nil {
				return result{}, err
			}
			if ev.cov != nil {
				ev.cov.mark(c.key(), ok)
			}
			if !ok {
				if ev.trace {
					ev.say(c.Cite, "不符合“%s”，不计", c.Zh)
				}
				valid = false
				break
			}
		}
		if !valid {
			ev.record = ""
			continue
		}
		r, err := e.award.eval(ev, vals)
		if err != nil {
			return result{}, err
		}
		if !r.ok {
			if ev.trace {
				ev.say(r.why.Cite, "%s，不计", r.why.Zh)
			}
			ev.record = ""
			continue
		}
		ev.record = ""
		counted++
		if sum, err = sum.Add(r.v); err != nil {
			return result{}, err
		}
	}
	if ev.trace {
		ev.say(n.cite, "%s共%d条，符合条件%d条，%s合计%s", e.fact.Zh, len(records), counted, prefix(n.zh), showYuan(sum))
	}
	if counted == 0 {
		return notApplied("no-valid-record", n.cite, fmt.Sprintf("%s中没有符合%s条件的记录", e.fact.Zh, n.cite),
			"no record of "+e.fact.Name+" meets the conditions of "+n.cite.Document+" "+n.cite.Article), nil
	}
	return result{v: sum, ok: true}, nil
}

func recordName(rec duixian.Facts, i int) string {
	if s, ok := rec["name"].(string); ok && s != "" {
		return fmt.Sprintf("第%d条（%s）", i+1, s)
	}
	return fmt.Sprintf("第%d条", i+1)
}

// verb is how an amount is introduced: awarded, or owed (20号 land price).
func verb(cl *Clause) string {
	if cl != nil && cl.Due {
		return "应缴"
	}
	return "给予"
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func prefix(s string) string {
	if s == "" {
		return ""
	}
	return s + "，"
}
