package engine_test

import (
	"encoding/json"
	"testing"

	"github.com/etown/duixian/catalogue"
)

// Facts read as people read them: labels from the catalogue, enum and zone
// labels, records by their fields' labels, the order asked, then the others
// by name; a fact the catalogue does not know keeps its name.
func TestFactLines(t *testing.T) {
	cat := load(t, catalogue.FS)
	raw := json.RawMessage(`{"zz_unknown":"x","reading_events":[{"name":"读书会","minutes":90,"mode":"hybrid"}],
		"zones":["core-60","bonded"],"major_penalty_3y":false}`)
	lines := cat.FactLines(raw, []string{"zones"})
	if len(lines) != 4 {
		t.Fatalf("%d lines: %+v", len(lines), lines)
	}
	want := []struct{ name, label, value string }{
		{"zones", "所在区域", "经开区60平方公里范围、亦庄综合保税区"},
		{"major_penalty_3y", "近三年有重大行政处罚记录", "否"},
		{"reading_events", "阅读推广活动", "活动名称：读书会；单场活动总时长：90；活动形式：线上线下同步"},
		{"zz_unknown", "zz_unknown", "x"},
	}
	for i, w := range want {
		if l := lines[i]; l.Name != w.name || l.Label != w.label || l.Value != w.value {
			t.Errorf("line %d: %+v, want %+v", i, l, w)
		}
	}
	if !lines[0].Shared || lines[2].Shared {
		t.Errorf("zones is the registry's and reading_events a document's: %v %v", lines[0].Shared, lines[2].Shared)
	}
	if cat.FactLines(json.RawMessage(`not json`), nil) != nil {
		t.Error("lines from no JSON object")
	}
}
