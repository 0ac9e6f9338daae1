package registry

import (
	"fmt"
	"io"
	"strings"

	"github.com/etown/duixian/simulation"
)

// statusZh is a clause's place in a reform, as the report prints it.
var statusZh = map[string]string{"unchanged": "未变", "changed": "修改", "added": "新增", "removed": "删除"}

// kindZh is how a mover's award moved.
var kindZh = map[string]string{"gains": "新增享受", "loses": "不再享受", "more": "金额增加", "less": "金额减少"}

// ExportSimulation writes a 政策仿真 report for printing: the clauses
// compared with last year's applications and next year's outlook, the
// groups (department, document, zone, size), the distribution of awards
// and the movers the report kept, each with why, cited to both texts.
func ExportSimulation(rep *simulation.Report, w io.Writer) error {
	b := newBook()
	sub := fmt.Sprintf("改革方案：%s　事项发生日 %s　判定日 %s　企业 %d 家　金额单位：万元　%s",
		strings.Join(rep.Documents, "、"), rep.Date, rep.AsOf, rep.Enterprises, stampNow())
	cs := b.sheet("条款对比", "政策仿真：现行政策与改革方案对比（按条款）", sub, []col{
		{"条款", 20, textCell}, {"名称", 24, textCell}, {"文件", 8, centerCell}, {"主管部门", 12, centerCell}, {"变化", 7, centerCell},
		{"现行可享（项）", 10, intCell}, {"改革后可享（项）", 10, intCell}, {"现行金额", 14, wanCell}, {"改革后金额", 14, wanCell},
		{"差额", 14, wanCell}, {"受益企业", 9, intCell}, {"受损企业", 9, intCell},
		{fmt.Sprintf("%d年申报件数", rep.LastYear), 10, intCell}, {"申报按现行（万元）", 14, wanCell}, {"申报按改革（万元）", 14, wanCell},
		{"申报率（‰）", 9, intCell}, {"明年预计·现行", 14, wanCell}, {"明年预计·改革", 14, wanCell}})
	for _, c := range rep.Clauses {
		cs.add(c.Clause, c.Title, c.Document, c.Department, statusZh[c.Status], c.Baseline.Eligible, c.Reform.Eligible,
			c.Baseline.Total, c.Reform.Total, c.Difference, c.Gainers, c.Losers, c.Applications, c.AppliedBaseline, c.AppliedReform,
			c.Outlook.TakeUpPermille, c.Outlook.Baseline, c.Outlook.Reform)
	}
	t := rep.Totals
	cs.total(map[int]any{5: t.Baseline.Eligible, 6: t.Reform.Eligible, 7: t.Baseline.Total, 8: t.Reform.Total, 9: t.Difference,
		10: t.Gainers, 11: t.Losers, 16: rep.Outlook.Baseline, 17: rep.Outlook.Reform})
	cs.note("受益、受损企业：合计行按企业全部条款的金额合计计；申报率＝上年申报件数÷现行可享项数，无历史的条款按全目录申报率估算。")
	for _, g := range []struct {
		name string
		rows []simulation.Row
	}{{"按部门", rep.Departments}, {"按产业（文件）", rep.Industries}, {"按区域", rep.Zones}, {"按企业规模", rep.Sizes}} {
		s := b.sheet(g.name, "政策仿真："+g.name, sub, []col{{"分组", 36, textCell},
			{"现行可享（项）", 10, intCell}, {"改革后可享（项）", 10, intCell}, {"现行金额", 14, wanCell}, {"改革后金额", 14, wanCell},
			{"差额", 14, wanCell}, {"受益（项）", 9, intCell}, {"受损（项）", 9, intCell}})
		for _, r := range g.rows {
			s.add(r.Key, r.Baseline.Eligible, r.Reform.Eligible, r.Baseline.Total, r.Reform.Total, r.Difference, r.Gainers, r.Losers)
		}
	}
	d := b.sheet("奖励分布", "政策仿真：单项奖励金额分布", sub, []col{{"金额区间", 16, centerCell}, {"现行（项）", 12, intCell}, {"改革后（项）", 12, intCell}})
	for _, x := range rep.Distribution {
		d.add(x.Label, x.Baseline, x.Reform)
	}
	m := b.sheet("企业变动", "政策仿真：受益与受损企业（变动最大者）", fmt.Sprintf("共 %d 项变动，列出变动最大的 %d 项　", rep.MoversTotal, len(rep.Movers))+sub,
		[]col{{"统一社会信用代码", 22, textCell}, {"企业名称", 28, textCell}, {"条款", 20, textCell}, {"名称", 20, textCell},
			{"变化", 10, centerCell}, {"现行金额", 12, wanCell}, {"改革后金额", 12, wanCell}, {"差额", 12, wanCell}, {"原因", 60, textCell}})
	for _, x := range rep.Movers {
		m.add(x.Enterprise, x.Name, x.Clause, x.Title, kindZh[x.Kind], x.Baseline, x.Reform, x.Difference, simulation.Explain(x.Why))
	}
	return b.write(w)
}
