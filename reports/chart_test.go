package reports_test

import (
	"encoding/json"
	"testing"

	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/reports"
)

// The charts carry amounts in 万元 exactly (never through a float), counts,
// and labels in the page's language.
func TestChart(t *testing.T) {
	d := &reports.Dashboard{
		ByDocument:   []reports.Stat{{Key: "21号", Count: 2, Amount: 123456789}},
		ByDepartment: []reports.Stat{{Key: "d", Label: "宣传文化部", Count: 1, Amount: 1}},
		ByStage:      []reports.Stat{{Key: "submitted", Label: "已申报，待初审", Count: 3}},
		Unclaimed:    []reports.Unclaimed{{Name: "亦城书房", Clauses: make([]engine.Match, 2)}},
	}
	en := map[string]string{"件数": "Count", "已申报，待初审": "Submitted"}
	ch := d.Chart("en", func(zh string) string {
		if s, ok := en[zh]; ok {
			return s
		}
		return zh
	})
	if ch.Lang != "en" || ch.Labels["件数"] != "Count" || ch.Labels["申报件数"] != "申报件数" {
		t.Errorf("labels: %v", ch.Labels)
	}
	if p := ch.Documents[0]; p.Name != "21号" || p.Value != "123.456789" || p.Count != 2 {
		t.Errorf("document point: %+v", p)
	}
	if p := ch.Stages[0]; p.Key != "submitted" || p.Name != "Submitted" || p.Value != "3" {
		t.Errorf("stage point: %+v", p)
	}
	if p := ch.Unclaimed[0]; p.Name != "亦城书房" || p.Value != "2" || p.Count != 2 || ch.Months != nil {
		t.Errorf("unclaimed point: %+v", p)
	}
	b, err := json.Marshal(ch)
	if err != nil || !json.Valid(b) {
		t.Fatal(err)
	}
}
