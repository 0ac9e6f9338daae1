package engine

import (
	"fmt"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
)

// Options tune an evaluation.
type Options struct {
	// Trace asks for the Chinese explanation of every step. Refusal
	// reasons are always given; the trace costs time and is off by default.
	Trace bool
	// Rates are the rates a round fixed, by clause, for a clause whose rate
	// is a ceiling (不超过30%); without one the ceiling applies. A rate
	// above the ceiling is refused as bad input.
	Rates map[string]decimal.Decimal
	cov   *coverage
}

// Evaluate decides one claim: whether the clause grants it, how much, what
// is payable now, and why. An error means the claim itself is malformed (an
// unknown clause, a missing or mistyped fact: code EINVALID or ENOTFOUND);
// a claim the rules refuse is a Decision with Eligible false and reasons.
func (c *Catalogue) Evaluate(claim duixian.Claim, opt Options) (duixian.Decision, error) {
	cl, err := c.clauseOf(claim)
	if err != nil {
		return duixian.Decision{}, err
	}
	frame := c.frame()
	defer c.frames.Put(frame)
	vals := *frame
	if err := cl.bind(claim.Facts, vals); err != nil {
		return duixian.Decision{}, err
	}
	return c.decide(cl, claim, vals, opt)
}

// clauseOf is the clause a claim names, once its dates are known to be set.
func (c *Catalogue) clauseOf(claim duixian.Claim) (*Clause, error) {
	cl, ok := c.byID[claim.Clause]
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "clause", "没有条款 %s", "no clause %s", claim.Clause)
	}
	if claim.EventDate.IsZero() {
		return nil, duixian.Errorf(duixian.EINVALID, "event_date", "缺少事项发生日期", "event_date is missing")
	}
	if claim.AsOf.IsZero() {
		// The engine never reads the clock: a decision states the date it
		// was made as of, and the caller chose it (and says so).
		return nil, duixian.Errorf(duixian.EINVALID, "as_of", "缺少判定日期", "as_of is missing")
	}
	return cl, nil
}

// The first slots of every frame hold the dates every expression may read.
const (
	slotEventDate = iota
	slotAsOf
	firstFactSlot
)

func bindDates(claim duixian.Claim, vals []expression.Value) {
	vals[slotEventDate] = expression.DateValue(claim.EventDate)
	vals[slotAsOf] = expression.DateValue(claim.AsOf)
}

// decide decides a claim whose facts are bound in vals. Evaluate and the
// batch matcher both come here, so they cannot disagree.
func (c *Catalogue) decide(cl *Clause, claim duixian.Claim, vals []expression.Value, opt Options) (duixian.Decision, error) {
	bindDates(claim, vals)
	if err := c.consistent(cl, claim, vals, opt); err != nil {
		return duixian.Decision{}, err
	}
	asOf := claim.AsOf
	doc := cl.Document
	d := duixian.Decision{Clause: cl.ID, Title: cl.Title, Document: doc.version(), EventDate: claim.EventDate, AsOf: asOf, Due: cl.Due}
	ev := &evaluation{clause: cl, facts: claim.Facts, trace: opt.Trace, cov: opt.cov, rates: opt.Rates}
	if ev.trace && cl.Evidence != nil {
		ev.steps = append(ev.steps, duixian.Step{Cite: cl.Article.cite, Text: cl.Evidence.Sentence()})
	}
	if ev.trace {
		ev.say(doc.inForceCite, "适用%s（版本%s，%s起施行%s%s），事项发生日%s，判定日%s",
			doc.Title, doc.Version, doc.InForceFrom.Chinese(), untilZh(doc.InForceTo), doc.eventsZh(), claim.EventDate, asOf)
	}

	d.Reasons = append(d.Reasons, doc.lifecycle(claim.EventDate, asOf)...)
	if ev.trace {
		for _, r := range d.Reasons {
			ev.steps = append(ev.steps, duixian.Step{Cite: r.Cite, Text: "依据" + r.Cite.String() + "，" + r.Zh})
		}
	}

	var labelled *Condition // the first failed condition that labels the outcome
	for _, cond := range cl.conditions {
		holds, err := cond.prg.Bool(vals)
		if err != nil {
			return duixian.Decision{}, fmt.Errorf("%s %s: %w", cl.ID, cond.ID, err)
		}
		if ev.cov != nil {
			ev.cov.mark(cond.key(), holds)
		}
		if holds {
			if ev.trace {
				ev.steps = append(ev.steps, duixian.Step{Cite: cond.Cite, Text: cond.pass})
			}
			continue
		}
		if labelled == nil && cond.outcome != "" {
			labelled = cond
		}
		r := duixian.Reason{Code: cond.code(cl), Zh: "不符合：" + cond.Zh, En: "not met: " + cond.En, Cite: cond.Cite}
		if cond.gap != nil {
			if g, err := cond.gap.Decimal(vals); err == nil && g.IsPos() {
				r.Gap = "还差" + cond.gapLabel.gap(g)
				r.Zh += "（" + r.Gap + "）"
			}
		}
		d.Reasons = append(d.Reasons, r)
		if ev.trace {
			text := cond.fail
			if r.Gap != "" {
				text += "（" + r.Gap + "）"
			}
			ev.steps = append(ev.steps, duixian.Step{Cite: cond.Cite, Text: text})
		}
	}

	// A claim that fails the clause's conditions is classified as none (a
	// refused filing has no tier, a missed standard is 未达标).
	switch {
	case cl.classify != nil && labelled != nil:
		d.Outcome = labelled.outcome
		if ev.trace {
			ev.say(labelled.Cite, "不符合：%s，认定为%s", labelled.Zh, labelled.outcome)
		}
	case cl.classify != nil && len(d.Reasons) > 0:
		d.Outcome = cl.classify.refused
		if ev.trace {
			ev.say(cl.Article.cite, "不符合上述条件，认定为%s", cl.classify.refused)
		}
	}
	if cl.classify != nil && len(d.Reasons) == 0 {
		d.Outcome = cl.classify.none
		for i, o := range cl.classify.outcomes {
			holds, err := o.prg.Bool(vals)
			if err != nil {
				return duixian.Decision{}, fmt.Errorf("%s outcome %s: %w", cl.ID, o.outcome, err)
			}
			if ev.cov != nil {
				ev.cov.mark(fmt.Sprintf("%s outcome[%d]", cl.ID, i), holds)
			}
			if holds {
				d.Outcome = o.outcome
				if ev.trace {
					ev.say(o.cite, "符合%s，认定为%s", o.zh, o.outcome)
				}
				break
			}
		}
		if d.Outcome == cl.classify.none {
			if ev.trace {
				ev.say(cl.Article.cite, "不符合任何类别条件，认定为%s", cl.classify.none)
			}
		}
	}

	if len(d.Reasons) == 0 && cl.award != nil {
		if err := c.award(cl, ev, vals, &d); err != nil {
			return duixian.Decision{}, err
		}
	}
	d.Eligible = len(d.Reasons) == 0
	if !d.Eligible {
		d.Amount, d.PayableNow = 0, 0
	}
	d.Trace = ev.steps
	return d, nil
}

// award computes the amount of a claim that meets every condition: the
// formula, then rounding, the minimum payout and the payment schedule.
func (c *Catalogue) award(cl *Clause, ev *evaluation, vals []expression.Value, d *duixian.Decision) error {
	doc := cl.Document
	r, err := cl.award.eval(ev, vals)
	if err != nil {
		return fmt.Errorf("%s: %w", cl.ID, err)
	}
	if !r.ok {
		why := *r.why
		why.Code = cl.ID + ":" + why.Code // the award node's, which names no clause
		d.Reasons = append(d.Reasons, why)
		return nil
	}
	rounded, err := doc.Rounding.RoundHalfUp(r.v)
	if err != nil {
		return fmt.Errorf("%s: %w", cl.ID, err)
	}
	if !rounded.Equal(r.v) {
		if ev.trace {
			ev.say(doc.roundingCite, "%s按%s四舍五入为%s", showYuan(r.v), doc.Rounding, showYuan(rounded))
		}
	}
	amount, err := duixian.MoneyFromDecimal(rounded)
	if err != nil {
		return fmt.Errorf("%s: %w", cl.ID, err)
	}
	if amount == 0 && !cl.Due {
		// A grant of nothing is no grant; an amount owed can be zero (不补缴).
		d.Reasons = append(d.Reasons, duixian.Reason{Code: cl.ID + ":zero-amount", Cite: cl.Article.cite,
			Zh: fmt.Sprintf("按%s计算的金额为零，不予支持", cl.Article.cite),
			En: fmt.Sprintf("the amount under %s %s comes to zero", cl.Document.ID, cl.Article.ID)})
		return nil
	}
	if !doc.MinimumPayout.IsZero() {
		below := rounded.Cmp(doc.MinimumPayout) < 0
		if ev.cov != nil {
			ev.cov.mark(doc.ID+" minimum", below)
		}
		if below {
			d.Reasons = append(d.Reasons, duixian.Reason{Code: doc.ID + ":below-minimum",
				Zh:   fmt.Sprintf("补助金额%s低于%s，不予补助", showYuan(rounded), showYuan(doc.MinimumPayout)),
				En:   fmt.Sprintf("the award %s yuan is below the minimum of %s yuan and is not paid", rounded, doc.MinimumPayout),
				Cite: doc.minimumCite})
			if ev.trace {
				ev.say(doc.minimumCite, "补助金额%s低于%s，不予补助", showYuan(rounded), showYuan(doc.MinimumPayout))
			}
			return nil
		}
	}
	d.Amount = amount
	d.PayableNow = amount
	if ev.trace {
		if cl.Due {
			ev.say(cl.Article.cite, "核定%s%s（由申请人缴纳）", cl.Title, amount.Wan())
		} else {
			ev.say(cl.Article.cite, "核定%s金额%s", cl.Title, amount.Wan())
		}
	}
	if cl.payment != nil {
		d.Batched = true
		now, err := cl.payment.payable(ev, vals, rounded, doc.Rounding)
		if err != nil {
			return fmt.Errorf("%s: %w", cl.ID, err)
		}
		d.PayableNow = now
	}
	return nil
}

// payable adds up the tranches whose conditions hold. Every tranche but the
// last is rounded; the last takes the remainder, so tranches sum exactly.
func (p *payment) payable(ev *evaluation, vals []expression.Value, total decimal.Decimal, r duixian.Rounding) (duixian.Money, error) {
	var now, paidSoFar decimal.Decimal
	for i, t := range p.tranches {
		var part decimal.Decimal
		var err error
		if i == len(p.tranches)-1 {
			part, err = total.Sub(paidSoFar)
		} else {
			part, err = total.Mul(t.share)
			if err == nil {
				part, err = r.RoundHalfUp(part)
			}
		}
		if err != nil {
			return 0, err
		}
		if paidSoFar, err = paidSoFar.Add(part); err != nil {
			return 0, err
		}
		holds, err := t.prg.Bool(vals)
		if err != nil {
			return 0, err
		}
		if ev.cov != nil {
			ev.cov.mark(fmt.Sprintf("%s tranche[%d]", ev.clause.ID, i), holds)
		}
		if holds {
			if ev.trace {
				ev.say(p.cite, "第%d批（%s，%s）%s：条件已满足，可兑现", i+1, t.text, t.zh, showYuan(part))
			}
			if now, err = now.Add(part); err != nil {
				return 0, err
			}
		} else {
			if ev.trace {
				ev.say(p.cite, "第%d批（%s，%s）%s：条件尚未满足，暂不兑现", i+1, t.text, t.zh, showYuan(part))
			}
		}
	}
	return duixian.MoneyFromDecimal(now)
}

// lifecycle checks that the document governs an event on this date, asked
// on asOf: in force, not annulled, not superseded for that event.
func (d *Document) lifecycle(event, asOf duixian.Date) []duixian.Reason {
	var out []duixian.Reason
	if asOf.Before(d.InForceFrom) {
		out = append(out, duixian.Reason{Code: d.ID + ":not-in-force",
			Zh:   fmt.Sprintf("%s自%s起施行，判定日%s尚未施行", d.Number, d.InForceFrom.Chinese(), asOf.Chinese()),
			En:   fmt.Sprintf("%s is in force from %s; %s is before that", d.ID, d.InForceFrom, asOf),
			Cite: d.inForceCite})
	}
	if !d.EventsUntil.IsZero() && event.After(d.EventsUntil) && (d.InForceTo.IsZero() || !event.After(d.InForceTo)) {
		out = append(out, duixian.Reason{Code: d.ID + ":after-events",
			Zh:   fmt.Sprintf("事项发生于%s，晚于%s支持的事项截止日%s", event.Chinese(), d.Number, d.EventsUntil.Chinese()),
			En:   fmt.Sprintf("the event on %s is after the last event %s pays for (%s)", event, d.ID, d.EventsUntil),
			Cite: d.eventsUntilCite})
	}
	if !d.InForceTo.IsZero() && event.After(d.InForceTo) {
		out = append(out, duixian.Reason{Code: d.ID + ":expired",
			Zh:   fmt.Sprintf("事项发生于%s，晚于%s有效期截止日%s", event.Chinese(), d.Number, d.InForceTo.Chinese()),
			En:   fmt.Sprintf("the event on %s is after %s expired on %s", event, d.ID, d.InForceTo),
			Cite: d.inForceCite})
	}
	from, fromCite := d.InForceFrom, d.inForceCite
	if !d.EventsFrom.IsZero() {
		from, fromCite = d.EventsFrom, d.eventsFromCite
	}
	if event.Before(from) {
		r := duixian.Reason{Code: d.ID + ":before-effect",
			Zh:   fmt.Sprintf("事项发生于%s，早于%s适用的起始日%s", event.Chinese(), d.Number, from.Chinese()),
			En:   fmt.Sprintf("the event on %s is before %s applies (%s)", event, d.ID, from),
			Cite: fromCite}
		for _, s := range d.supersedes {
			if !event.After(s.eventsUntil) {
				r = duixian.Reason{Code: d.ID + ":superseded",
					Zh:   fmt.Sprintf("事项发生于%s，依据%s仍适用%s（%s）", event.Chinese(), s.cite, s.doc.Number, s.doc.Title),
					En:   fmt.Sprintf("the event on %s is still governed by %s under %s %s", event, s.doc.ID, d.ID, s.cite.Article),
					Cite: s.cite}
				break
			}
		}
		out = append(out, r)
	}
	if a := d.annulled; a != nil && !event.Before(a.from) {
		out = append(out, duixian.Reason{Code: d.ID + ":annulled",
			Zh:   fmt.Sprintf("%s已由%s自%s起废止，事项发生于%s", d.Number, a.by.Number, a.from.Chinese(), event.Chinese()),
			En:   fmt.Sprintf("%s was annulled by %s from %s; the event is on %s", d.ID, a.by.ID, a.from, event),
			Cite: a.cite})
	}
	return out
}

// eventsZh states the window of events the document pays for where it is
// not its term: "；支持2020年1月1日至2020年12月31日发生的事项".
func (d *Document) eventsZh() string {
	if d.EventsFrom.IsZero() && d.EventsUntil.IsZero() {
		return ""
	}
	from, until := d.InForceFrom, d.InForceTo
	if !d.EventsFrom.IsZero() {
		from = d.EventsFrom
	}
	if !d.EventsUntil.IsZero() {
		until = d.EventsUntil
	}
	if until.IsZero() {
		return "；支持" + from.Chinese() + "起发生的事项"
	}
	return "；支持" + from.Chinese() + "至" + until.Chinese() + "发生的事项"
}

func untilZh(d duixian.Date) string {
	if d.IsZero() {
		return ""
	}
	return "，有效期至" + d.Chinese()
}

// key names the condition for coverage: "<clause or document>:<id>".
func (c *Condition) key() string { return c.owner + ":" + c.ID }

// consistent checks the clause's invariants before any rule: facts that
// contradict each other (120 m² of publications in a 100 m² store) describe
// nothing possible, so the claim is refused as bad input, naming the facts
// and their values, not decided.
func (c *Catalogue) consistent(cl *Clause, claim duixian.Claim, vals []expression.Value, opt Options) error {
	for _, inv := range cl.invariants {
		holds, err := inv.prg.Bool(vals)
		if err != nil {
			return fmt.Errorf("%s invariant %s: %w", cl.ID, inv.ID, err)
		}
		if opt.cov != nil {
			opt.cov.mark(inv.key(), holds)
		}
		if holds {
			continue
		}
		var fields, zh, en []string
		for _, name := range inv.prg.Program().Vars {
			f := c.facts[name]
			v, ok := claim.Facts[name]
			if !ok {
				v = f.Default
			}
			fields = append(fields, "facts."+name)
			zh = append(zh, fmt.Sprintf("%s %v%s", f.Zh, v, f.Unit))
			en = append(en, fmt.Sprintf("%s %v", f.En, v))
		}
		return &duixian.Error{Code: duixian.EINVALID, Field: strings.Join(fields, ", "),
			Zh: fmt.Sprintf("事实相互矛盾：%s（%s；依据%s）", inv.Zh, strings.Join(zh, "，"), inv.Cite),
			En: fmt.Sprintf("facts contradict each other: %s (%s)", inv.En, strings.Join(en, ", "))}
	}
	return nil
}

// code is the reason code of a failed condition, the same as its key.
func (c *Condition) code(*Clause) string { return c.key() }
