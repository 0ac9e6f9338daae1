package registry

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/etown/duixian"
)

// planStatusZh names a project's place in its plan.
var planStatusZh = map[string]string{duixian.ProjectListed: "列入方案", duixian.ProjectReleased: "已转入拨付", duixian.ProjectRemoved: "异议成立，已调出"}

// ExportPlan writes an annual plan as the 建议方案 the department submits
// (年度扶持资金建议方案, 21号第十二条（三）): its projects with clause, the
// experts' scores, the amount proposed and the amount the plan grants,
// the totals; the totals per clause against the round's budget; and the
// amendments made by upheld objections.
func ExportPlan(p *duixian.Plan, w io.Writer) error {
	b := newBook()
	budget := "未设预算"
	if p.Budget > 0 {
		budget = "批次预算" + p.Budget.Wan()
		if p.Proposed > p.Budget {
			budget += "（拟定金额合计" + p.Proposed.Wan() + "超出预算，按比例核减）"
		}
	}
	sub := fmt.Sprintf("方案编号：%s　责任单位：%s　状态：%s　%s　%s", p.ID, p.Department, p.Status.Zh(), budget, stampNow())
	s := b.sheet("建议方案", p.Title, sub, []col{
		{"序号", 6, intCell}, {"统一社会信用代码", 22, textCell}, {"企业名称", 28, textCell}, {"条款", 30, textCell},
		{"项目", 24, textCell}, {"专家评分", 22, textCell}, {"总分", 8, intCell}, {"拟定金额（万元）", 14, wanCell},
		{"方案金额（万元）", 14, wanCell}, {"方案金额（元）", 16, yuanCell}, {"状态", 14, centerCell},
	})
	for i, pr := range p.Projects {
		s.add(i+1, pr.Enterprise, pr.Name, pr.Clause+" "+pr.Title, pr.Project, scoresText(pr.Scores), pr.Score,
			pr.Proposed, pr.Amount, pr.Amount, planStatusZh[pr.Status])
	}
	s.total(map[int]any{2: fmt.Sprintf("共%d项", len(p.Projects)), 7: p.Proposed, 8: p.Total, 9: p.Total})
	t := b.sheet("分条款合计", p.Title+"·分条款合计", sub, []col{
		{"条款", 40, textCell}, {"项目数", 10, intCell}, {"拟定金额（万元）", 16, wanCell}, {"方案金额（万元）", 16, wanCell}, {"方案金额（元）", 18, yuanCell},
	})
	for _, ct := range p.Totals {
		t.add(ct.Clause+" "+ct.Title, ct.Projects, ct.Proposed, ct.Amount, ct.Amount)
	}
	t.total(map[int]any{2: p.Proposed, 3: p.Total, 4: p.Total})
	if len(p.Amendments) > 0 {
		a := b.sheet("方案调整", p.Title+"·公示异议调整", sub, []col{
			{"申报编号", 24, textCell}, {"异议回执号", 24, textCell}, {"调出金额（元）", 16, yuanCell}, {"调整前合计（元）", 18, yuanCell}, {"调整后合计（元）", 18, yuanCell}, {"经办", 14, centerCell},
		})
		for _, m := range p.Amendments {
			a.add(m.Application, m.Objection, m.Amount, m.Before, m.After, m.By)
		}
	}
	return b.write(w)
}

// scoresText writes the experts' scores in a stable order: 社会效益28、经营能力26.
func scoresText(scores map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(scores)) {
		parts = append(parts, fmt.Sprintf("%s%d", k, scores[k]))
	}
	return strings.Join(parts, "、")
}

// ExportPlanPublicity writes a plan's 公示名单: the projects published
// together under the plan's title, with the amount and the one window; a
// project an upheld objection took out is not listed.
func ExportPlanPublicity(p *duixian.Plan, w io.Writer) error {
	b := newBook()
	period := "尚未公示"
	if p.Publicity != nil {
		period = p.Publicity.From.String() + " 至 " + p.Publicity.Until.String()
	}
	s := b.sheet("公示名单", p.Title+"公示名单", fmt.Sprintf("责任单位：%s　公示期：%s　公示期内对名单有异议的，可在平台提出异议　%s", p.Department, period, stampNow()), []col{
		{"序号", 6, intCell}, {"统一社会信用代码", 22, textCell}, {"企业名称", 30, textCell}, {"条款", 32, textCell},
		{"项目", 26, textCell}, {"拟支持金额（万元）", 14, wanCell}, {"拟支持金额（元）", 16, yuanCell},
	})
	n := 0
	var total duixian.Money
	for _, pr := range p.Projects {
		if pr.Status == duixian.ProjectRemoved {
			continue
		}
		n++
		s.add(n, pr.Enterprise, pr.Name, pr.Clause+" "+pr.Title, pr.Project, pr.Amount, pr.Amount)
		total += pr.Amount
	}
	s.total(map[int]any{2: fmt.Sprintf("共%d项", n), 5: total, 6: total})
	return b.write(w)
}
