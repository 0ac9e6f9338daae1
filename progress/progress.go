// Package progress is an application as its applicant sees it (办理进度):
// where it stands on the path of 21号第十二条, every step of its audit log
// with what the application recorded for it, its decisions, the facts
// declared and the amounts along the way.
package progress

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/form"
	"github.com/etown/duixian/material"
)

// Time shows an instant in Asia/Shanghai.
func Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(duixian.Shanghai).Format("2006-01-02 15:04")
}

// stamp shows an audit time (RFC 3339) in Asia/Shanghai.
func stamp(s string) (string, time.Time) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s, time.Time{}
	}
	return Time(t), t
}

// StatusClass is the style of a status: warn, ok, bad, off or info.
func StatusClass(st duixian.Status) string {
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

// ---------------------------------------------------------------------------
// One application as its applicant sees it: the timeline, the decision and
// what can be done now.

// Event is one step of the timeline.
type Event struct {
	At, Title, Who, Class string
	Lines                 []string
	at                    time.Time
}

// Decision is a decision of the engine as the applicant reads it.
type Decision struct {
	Eligible          bool
	Amount, Payable   form.Amount
	Batched, Due      bool
	Outcome, AsOf     string
	Document, Version string
	Reasons           []form.Reason
	Trace             []form.Step
}

// FactRow is one declared fact, with its records if it has any.
type FactRow struct {
	Label, Value string
	Head         []string
	Records      [][]string
}

// Stage is one stage of the path and where the application stands on it.
type Stage struct{ Name, Class string }

// View is the application page.
type View struct {
	App                          *duixian.Application
	Title, Document, Status      string
	StatusClass, Created         string
	Updated, EventDate           string
	Stages                       []Stage
	Events                       []Event
	Decision, Review             *Decision
	Facts                        []FactRow
	Amounts                      []form.Line
	Reason, ReasonTitle          string
	Publicity                    string
	CanWithdraw, CanEdit         bool
	CanSubmit                    bool
	EditHref, Key                string
	Flash                        string
	Error                        *duixian.Error
	Reasons                      []form.Reason
	Reduction, CatalogueVersion  string
	ObjectionsOpen, AwaitingOpin int
	// Materials are the clause's 申报材料 beside the files supplied.
	Materials []material.Row
}

// Of is application a as its applicant sees it, from its audit log.
func Of(cat *engine.Catalogue, a *duixian.Application, log []duixian.AuditEntry, lang string) *View {
	v := &View{App: a, Title: a.Clause, Status: a.Status.Zh(), StatusClass: StatusClass(a.Status),
		Created: Time(a.Created), Updated: Time(a.Updated), EventDate: a.EventDate.String(),
		CanWithdraw: a.Status.Open(), CanEdit: a.Status == duixian.StatusDraft || a.Status == duixian.StatusReturned,
		EditHref: "/apply/" + a.Clause + "?draft=" + url.QueryEscape(a.ID), Reduction: a.Reduction, CatalogueVersion: a.CatalogueVersion}
	v.CanSubmit = v.CanEdit && a.Declared
	cl, haveClause := cat.Clause(a.Clause)
	var cv engine.ClauseView
	if haveClause {
		cv = cl.View()
		v.Title, v.Document = cl.Title, cl.Document.Number
		v.Materials = material.Rows(cl, a)
	}
	v.Stages = Stages(a.Status)
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
		v.Decision = DecisionOf(a.Decision)
	}
	if r, d := a.Review, a.Decision; r != nil && (d == nil || r.AsOf != d.AsOf || r.Amount != d.Amount || r.Eligible != d.Eligible) {
		v.Review = DecisionOf(a.Review)
	}
	// Amounts along the way.
	if a.Decision != nil && a.Decision.Eligible {
		am := form.AmountOf(a.Decision.Amount)
		v.Amounts = append(v.Amounts, form.Line{Label: "受理时测算", Value: am.Wan, By: am.Yuan})
	}
	if a.Review != nil && a.Review.Eligible && a.Decision != nil && a.Review.Amount != a.Decision.Amount {
		am := form.AmountOf(a.Review.Amount)
		v.Amounts = append(v.Amounts, form.Line{Label: "复核测算", Value: am.Wan, By: am.Yuan})
	}
	for _, x := range []struct {
		l string
		m duixian.Money
	}{{"拟定金额", a.Proposed}, {"批准金额", a.Approved}, {"已拨付", a.Paid()}, {"应追回", a.Clawback}} {
		if x.m > 0 {
			am := form.AmountOf(x.m)
			v.Amounts = append(v.Amounts, form.Line{Label: x.l, Value: am.Wan, By: am.Yuan})
		}
	}
	// The declared facts.
	if haveClause {
		typed, _ := cat.DecodeJSONFacts("facts", a.Facts)
		for _, f := range cv.Facts {
			val, ok := typed[f.Name]
			if !ok {
				continue
			}
			row := FactRow{Label: form.Label(lang, f), Value: f.Show(val)}
			if recs, isRec := val.([]duixian.Facts); isRec {
				for _, c := range f.Fields {
					row.Head = append(row.Head, form.Label(lang, c))
				}
				for _, r := range recs {
					var cells []string
					for _, c := range f.Fields {
						cells = append(cells, c.Show(r[c.Name]))
					}
					row.Records = append(row.Records, cells)
				}
			}
			v.Facts = append(v.Facts, row)
		}
	}
	v.Events = timeline(a, log)
	return v
}

// DecisionOf is d as the applicant reads it.
func DecisionOf(d *duixian.Decision) *Decision {
	dv := &Decision{Eligible: d.Eligible, Amount: form.AmountOf(d.Amount), Payable: form.AmountOf(d.PayableNow), Batched: d.Batched,
		Due: d.Due, Outcome: d.Outcome, AsOf: d.AsOf.String(), Document: d.Document.Number, Version: d.Document.Version}
	for _, r := range d.Reasons {
		dv.Reasons = append(dv.Reasons, form.Reason{Text: r.Zh, En: r.En, Cite: r.Cite.String()})
	}
	dv.Trace = form.Trace(d.Trace)
	return dv
}

// Stages is the path of 21号第十二条 with where the application stands.
func Stages(st duixian.Status) []Stage {
	names := []string{"填报", "初审", "专家评审", "拟定金额", "公示", "批准", "拨付"}
	at := map[duixian.Status]int{duixian.StatusDraft: 0, duixian.StatusSubmitted: 1, duixian.StatusReturned: 1,
		duixian.StatusReviewed: 2, duixian.StatusAssessed: 3, duixian.StatusProposed: 4, duixian.StatusPublicity: 4,
		duixian.StatusApproved: 6, duixian.StatusPaying: 6, duixian.StatusPaid: 7}
	cur, open := at[st]
	out := make([]Stage, len(names))
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
		out[i] = Stage{Name: n, Class: c}
	}
	return out
}

var actionZh = map[string]string{
	"create": "创建申报草稿", "update": "修改申报信息", "submit": "提交申报", "return": "退回补正",
	"request-opinions": "征求相关部门会签意见", "opinion": "会签部门出具意见", "pass-preliminary": "初审通过",
	"expert-review": "第三方专家评审", "propose": "拟定金额", "publish": "发布公示", "object": "收到公示异议",
	"answer-objection": "答复公示异议", "approve": "批准", "disburse": "拨付资金", "reject": "不予通过",
	"withdraw": "撤回申报", "revoke": "撤销奖励并追回资金",
	"upload-material": "上传申报材料", "remove-material": "删除申报材料",
}

func who(a duixian.Actor, own string) string {
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
		return or(a.Department, "财政部门") + "（拨付）"
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
func timeline(a *duixian.Application, log []duixian.AuditEntry) []Event {
	var out []Event
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
		at, t := stamp(e.At)
		ev := Event{At: at, at: t, Who: who(e.Actor, a.Enterprise), Class: "info"}
		action := e.Action
		if strings.HasPrefix(action, "denied:") {
			// Only the applicant's own attempts that did not go through.
			if e.Actor.Role != duixian.RoleEnterprise || e.Actor.Enterprise != a.Enterprise {
				continue
			}
			ev.Title = or(actionZh[strings.TrimPrefix(action, "denied:")], action) + "未成功"
			ev.Class = "bad"
			if e.After != "" {
				zh, _, _ := strings.Cut(e.After, " / ")
				ev.Lines = append(ev.Lines, zh)
			}
			out = append(out, ev)
			continue
		}
		ev.Title = or(actionZh[action], action)
		after, detail := e.StateAfter()
		if after != "" && e.Before != after {
			ev.Lines = append(ev.Lines, "状态："+or(duixian.Status(after).Zh(), after))
		}
		if detail != "" {
			ev.Lines = append(ev.Lines, detail)
		}
		switch action {
		case "submit", "pass-preliminary", "approve":
			ev.Class = "ok"
			if action == "approve" && a.Approved > 0 {
				am := form.AmountOf(a.Approved)
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
				am := form.AmountOf(a.Proposed)
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
				am := form.AmountOf(p.Amount)
				ev.Lines = append(ev.Lines, fmt.Sprintf("第%d笔 %s（%s）", p.Tranche, am.Wan, am.Yuan))
				if p.Voucher != "" {
					ev.Lines = append(ev.Lines, fmt.Sprintf("凭证号 %s · 收款账号 %s · 付款日期 %s", p.Voucher, p.MaskedAccount(), p.PaidOn))
				}
			}
		}
		out = append(out, ev)
	}
	if p := a.Publicity; p != nil && a.Status == duixian.StatusPublicity {
		out = append(out, Event{At: p.Until.String(), Title: "公示期截止", Class: "todo",
			Lines: []string{"公示期满且异议均已答复后，方可批准。"}, at: time.Date(p.Until.Year, p.Until.Month, p.Until.Day, 23, 59, 0, 0, duixian.Shanghai)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

func or(zh, v string) string {
	if zh != "" {
		return zh
	}
	return v
}
