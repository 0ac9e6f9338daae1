package engine

import (
	"fmt"
	"strings"

	"github.com/etown/duixian"
)

// ClauseView is a clause as a person reads it: the article text, the form
// it needs, its conditions and its formula in plain Chinese.
type ClauseView struct {
	ID          string                  `json:"id"`
	Title       string                  `json:"title"`
	Category    string                  `json:"category"`
	Department  string                  `json:"department"`
	Zone        string                  `json:"zone,omitempty"`
	ZoneZh      string                  `json:"zone_zh,omitempty"` // the region's name
	Document    duixian.DocumentVersion `json:"document"`
	Article     ArticleView             `json:"article"`
	Note        string                  `json:"note,omitempty"`
	Evidence    *Evidence               `json:"evidence,omitempty"`
	Facts       []FactView              `json:"facts"`
	Conditions  []ConditionView         `json:"conditions"`
	Formula     []string                `json:"formula"`
	YearlyCap   string                  `json:"yearly_cap,omitempty"`
	Payment     []string                `json:"payment,omitempty"`
	Outcomes    []string                `json:"outcomes,omitempty"`
	Rounding    string                  `json:"rounding"`
	MinimumPaid string                  `json:"minimum_payout,omitempty"`
	Materials   []*Material             `json:"materials,omitempty"`
}

// ArticleView is an article with its original text.
type ArticleView struct {
	ID      string `json:"id"`
	Label   string `json:"label"`
	Heading string `json:"heading,omitempty"`
	Text    string `json:"text"`
	Status  string `json:"status"`
	Note    string `json:"note,omitempty"`
}

// FactView is one field of a clause's application form.
type FactView struct {
	Name    string      `json:"name"`
	Type    FactKind    `json:"type"`
	Unit    string      `json:"unit,omitempty"`
	Min     string      `json:"min,omitempty"`
	Max     string      `json:"max,omitempty"`
	Values  []EnumValue `json:"values,omitempty"`
	Fields  []FactView  `json:"fields,omitempty"`
	Default any         `json:"default,omitempty"`
	Zh      string      `json:"zh"`
	En      string      `json:"en"`
	Help    string      `json:"help,omitempty"`
	Shared  bool        `json:"shared"` // an enterprise fact shared by all documents
	// Optional, for a date, says the applicant may leave it out.
	Optional bool `json:"optional,omitempty"`
	// Derived says where the platform takes the value from, when the
	// applicant does not give it: "ledger: jjgf-2025-21/7.1 (per enterprise)".
	Derived string `json:"derived,omitempty"`
}

// ConditionView is one condition with its citation.
type ConditionView struct {
	ID   string       `json:"id"`
	Zh   string       `json:"zh"`
	En   string       `json:"en"`
	Cite duixian.Cite `json:"cite"`
	Expr string       `json:"expr"`
}

// View describes a clause.
func (cl *Clause) View() ClauseView {
	d := cl.Document
	v := ClauseView{ID: cl.ID, Title: cl.Title, Category: cl.Category, Department: cl.Department, Zone: cl.Zone,
		Document: d.version(), Article: cl.Article.view(d), Note: cl.Note, Evidence: cl.Evidence, Rounding: d.Rounding.String(), ZoneZh: cl.zoneZh,
		Materials: cl.materials}
	if !d.MinimumPayout.IsZero() {
		v.MinimumPaid = showYuan(d.MinimumPayout)
	}
	for _, f := range cl.facts {
		v.Facts = append(v.Facts, f.view())
	}
	for _, c := range cl.conditions {
		v.Conditions = append(v.Conditions, ConditionView{ID: c.key(), Zh: c.Zh, En: c.En, Cite: c.Cite, Expr: c.Expr})
	}
	if cl.award != nil {
		v.Formula = cl.award.describe("", verb(cl))
	}
	if cl.yearlyCap != nil {
		v.YearlyCap = cl.yearlyCap.zh + showYuan(cl.yearlyCap.amount) + "（" + cl.yearlyCap.cite.String() + "）"
	}
	if cl.payment != nil {
		for i, t := range cl.payment.tranches {
			v.Payment = append(v.Payment, fmt.Sprintf("第%d批%s：%s", i+1, t.text, t.zh))
		}
	}
	if cl.classify != nil {
		for _, o := range cl.classify.outcomes {
			v.Outcomes = append(v.Outcomes, o.outcome+"："+o.zh+"（"+o.cite.String()+"）")
		}
		v.Outcomes = append(v.Outcomes, cl.classify.none+"：不符合以上任何一类")
	}
	return v
}

func (a *Article) view(d *Document) ArticleView {
	return ArticleView{ID: a.ID, Label: a.Label, Heading: a.Heading, Text: a.Text, Status: a.Status(d), Note: a.Note}
}

// Views lists a document's articles with their coverage status.
func (d *Document) Views() []ArticleView {
	out := make([]ArticleView, len(d.Articles))
	for i, a := range d.Articles {
		out[i] = a.view(d)
	}
	return out
}

func (f *Fact) view() FactView {
	v := FactView{Name: f.Name, Type: f.Kind, Unit: f.Unit, Values: f.Values, Zh: f.Zh, En: f.En, Help: f.Help, Shared: f.Document == "", Default: f.Default, Optional: f.Optional}
	if f.Optional {
		v.Default = nil // the zero date is "not given", not a value to show
	}
	if f.Min != nil {
		v.Min = f.Min.String()
	}
	if f.Max != nil {
		v.Max = f.Max.String()
	}
	if d := f.Derived; d != nil {
		per := "per enterprise"
		if d.PerProject {
			per = "per project"
		}
		v.Derived = d.From + ": " + d.Clause + " (" + per + ")"
		if d.From == "registry" {
			v.Derived = "registry"
		}
	}
	for _, fd := range f.Fields {
		v.Fields = append(v.Fields, fd.view())
	}
	return v
}

// describe writes the formula as indented Chinese lines.
func (n *node) describe(indent, verb string) []string {
	var out []string
	line := func(s string) { out = append(out, indent+s) }
	head, name := "", n.zh
	if n.when != nil {
		head = "若" + n.whenZh + "："
		if n.whenZh == n.zh {
			name = "" // the guard already says it
		}
	}
	switch n.kind {
	case nodeAmount:
		line(head + orDefault(name, verb) + showYuan(n.amount))
	case nodeRate:
		line(head + "按" + n.ofLabel.zh + "的" + n.rateText + "计")
	case nodePer:
		line(head + "按" + n.countZh + "，每" + n.countUnit + showYuan(n.amount))
	case nodeUpTo:
		line(head + "按评审认定金额，最高" + showYuan(n.amount))
	case nodeTiers:
		line(head + "按" + n.onLabel.zh + "分档：")
		for _, b := range n.bands {
			var parts []string
			for _, p := range b.node.describe("", verb) {
				parts = append(parts, strings.TrimSpace(p))
			}
			sub := strings.ReplaceAll(strings.Join(parts, "；"), "：；", "：")
			line("  " + b.zh(n.onLabel) + "：" + sub)
		}
	case nodeCases:
		line(head + "按以下情形之一（依次判断）：")
		for _, c := range n.children {
			out = append(out, c.describe(indent+"  ", verb)...)
		}
	case nodeHighestOf:
		line(head + "以下各项就高不重复：")
		for _, c := range n.children {
			out = append(out, c.describe(indent+"  ", verb)...)
		}
	case nodeSumOf:
		line(head + "以下各项之和：")
		for _, c := range n.children {
			out = append(out, c.describe(indent+"  ", verb)...)
		}
	case nodeEach:
		line(head + "逐条计算" + n.each.fact.Zh + "，每条须：")
		for _, v := range n.each.valid {
			line("  " + v.Zh)
		}
		out = append(out, n.each.award.describe(indent+"  ", verb)...)
	}
	if n.less != nil {
		line("扣减" + n.lessZh)
	}
	if n.cap != nil {
		line(n.cap.zh + showYuan(n.cap.amount))
	}
	for _, c := range n.caps {
		line("不超过" + c.zh + "：")
		out = append(out, c.describe(indent+"  ", verb)...)
	}
	return out
}
