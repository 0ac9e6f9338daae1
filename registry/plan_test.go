package registry

import (
	"bytes"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/xuri/excelize/v2"
)

// The 建议方案 prints every project with its scores and both amounts, the
// totals exact to the fen, the totals per clause, and the amendments.
func TestExportPlan(t *testing.T) {
	p := &duixian.Plan{ID: "P-R1", Title: "2026年度实体书店扶持资金建议方案", Department: "宣传文化部", Status: duixian.PlanPublicity,
		Budget: 250000 * duixian.Yuan,
		Projects: []duixian.PlanProject{
			{Application: "A1", Enterprise: "91110302MA01PLNA1X", Name: "甲书店", Clause: "jjgf-2025-21/7.1", Title: "“一刻钟”建设奖励", Proposed: 120000 * duixian.Yuan, Scores: map[string]int{"社会效益": 28, "经营能力": 26}, Score: 54, Status: duixian.ProjectListed},
			{Application: "A2", Enterprise: "91110302MA01PLNB1X", Name: "乙书店", Clause: "jjgf-2025-21/7.1", Title: "“一刻钟”建设奖励", Proposed: 120000 * duixian.Yuan, Status: duixian.ProjectListed},
			{Application: "A3", Enterprise: "91110302MA01PLNC1X", Name: "丙书店", Clause: "jjgf-2025-21/7.3.2", Title: "活动组织奖励", Proposed: 120000 * duixian.Yuan, Status: duixian.ProjectListed},
		}}
	if err := p.Allot(); err != nil {
		t.Fatal(err)
	}
	p.Amendments = []duixian.PlanAmendment{{Application: "A1", Objection: "O1", Amount: p.Projects[0].Amount, Before: p.Total, After: p.Total - p.Projects[0].Amount, By: "culture"}}
	var b bytes.Buffer
	if err := ExportPlan(p, &b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("建议方案")
	all := ""
	for _, r := range rows {
		all += strings.Join(r, "|") + "\n"
	}
	for _, want := range []string{"2026年度实体书店扶持资金建议方案", "社会效益28、经营能力26", "83,333.34", "83,333.33", "250,000.00", "36.00", "共3项", "按比例核减"} {
		if !strings.Contains(all, want) {
			t.Errorf("the 建议方案 lacks %q:\n%s", want, all)
		}
	}
	rows, _ = f.GetRows("分条款合计")
	if len(rows) != 6 || !strings.Contains(strings.Join(rows[3], "|"), "166,666.67") || !strings.Contains(strings.Join(rows[4], "|"), "83,333.33") {
		t.Errorf("per clause: %q", rows)
	}
	if rows, _ := f.GetRows("方案调整"); len(rows) != 4 || !strings.Contains(strings.Join(rows[3], "|"), "O1") {
		t.Errorf("amendments: %q", rows)
	}
}
