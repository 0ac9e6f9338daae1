package form

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

var (
	varieties = engine.FactView{Name: "publication_varieties", Type: engine.KindInt, Unit: "种", Zh: "出版物品种数", En: "Publication varieties"}
	costs     = engine.FactView{Name: "annual_costs", Type: engine.KindMoney, Zh: "年度运营成本", En: "Annual costs"}
	kinds     = engine.FactView{Name: "kinds", Type: engine.KindSet, Zh: "类型", Values: []engine.EnumValue{{Value: "book", Zh: "图书"}, {Value: "press"}}}
	events    = engine.FactView{Name: "events", Type: engine.KindRecords, Zh: "活动", Fields: []engine.FactView{
		{Name: "title", Type: engine.KindText, Zh: "名称"}, {Name: "minutes", Type: engine.KindInt, Zh: "时长"}}}
)

// Numbers are tidied as people type them but never converted: the engine
// reads the text exactly, and a text it cannot read reaches the decoder as
// typed, so the decoder names the fact.
func TestRawValue(t *testing.T) {
	for _, c := range []struct {
		kind engine.FactKind
		in   string
		want any
	}{
		{engine.KindInt, "１,９００", json.Number("1900")},
		{engine.KindInt, " 480 ", json.Number("480")},
		{engine.KindInt, "四百八十", "四百八十"},
		{engine.KindMoney, "1,234,567.89万元", "1234567.89万元"},
		{engine.KindDecimal, "１２．５", "12.5"},
		{engine.KindBool, "true", true},
		{engine.KindBool, "maybe", "maybe"},
	} {
		got, ok := rawValue(c.kind, c.in)
		if !ok || got != c.want {
			t.Errorf("rawValue(%q) = %#v, %v; want %#v", c.in, got, ok, c.want)
		}
	}
	if _, ok := rawValue(engine.KindInt, "  "); ok {
		t.Error("an empty input is a value")
	}
}

// Empty rows of a list of records are skipped, and an error on the second
// record sent goes beside the row it came from, not the second row.
func TestCollectAndAttach(t *testing.T) {
	vals := url.Values{"f.publication_varieties": {"480"}, "n.events": {"3"},
		"r.events.0.title": {"读书会"}, "r.events.2.title": {"讲座"}, "r.events.2.minutes": {"九十"}}
	fields := []*Field{NewField("zh", varieties, vals, false, 0), NewField("zh", kinds, vals, false, 0), NewField("zh", events, vals, false, 0)}
	raw, rows := Collect(fields)
	if raw["publication_varieties"] != json.Number("480") {
		t.Errorf("varieties %#v", raw["publication_varieties"])
	}
	if set, ok := raw["kinds"].([]any); !ok || len(set) != 0 {
		t.Errorf("an application's empty set is an empty set, got %#v", raw["kinds"])
	}
	if recs, _ := raw["events"].([]any); len(recs) != 2 {
		t.Fatalf("records %#v, want the two rows filled", raw["events"])
	}
	e := duixian.Errorf(duixian.EINVALID, "facts.events[1].minutes", "应为整数", "must be an integer")
	if !Attach(fields, rows, e) {
		t.Fatal("the error was not attached")
	}
	if c := fields[2].Rows[2].Cells[1]; c.Err != e || c.Name != "minutes" {
		t.Errorf("row 3's minutes has error %v", c.Err)
	}
	if fields[2].Rows[1].Cells[1].Err != nil || fields[2].Err != nil {
		t.Error("the error went to the wrong place")
	}
	if Attach(fields, rows, duixian.Errorf(duixian.EINVALID, "event_date", "x", "x")) {
		t.Error("an error not on a fact was attached to one")
	}

	calc := []*Field{NewField("zh", kinds, url.Values{}, true, 0), NewField("zh", events, url.Values{}, true, MoreRows(url.Values{"more": {"events"}}, "events"))}
	raw, _ = Collect(calc)
	if _, ok := raw["kinds"]; ok {
		t.Error("in the calculator an empty set is unknown, not empty")
	}
	if calc[1].RowCount != 5 || calc[0].Options[len(calc[0].Options)-1].Label != "以上均无" {
		t.Errorf("calculator rows %d (want the 5 added), options %v", calc[1].RowCount, calc[0].Options)
	}
}

// Stored facts fill a form again, and the newest application wins.
func TestValuesOfAndPrevious(t *testing.T) {
	facts := json.RawMessage(`{"publication_varieties":480,"declared_truthful":true,"kinds":[],"events":[{"title":"读书会","minutes":90}]}`)
	v := ValuesOf(facts, true)
	want := url.Values{"f.publication_varieties": {"480"}, "f.declared_truthful": {"true"}, "f.kinds": {"-"},
		"r.events.0.title": {"读书会"}, "r.events.0.minutes": {"90"}, "n.events": {"1"}}
	if v.Encode() != want.Encode() {
		t.Errorf("ValuesOf = %v, want %v", v, want)
	}
	if v := ValuesOf(facts, false); v.Has("n.events") {
		t.Error("records filled without being asked for")
	}
	newer := &duixian.Application{Facts: json.RawMessage(`{"publication_varieties":500}`)}
	older := &duixian.Application{Facts: json.RawMessage(`{"publication_varieties":480,"annual_costs":"50万元"}`)}
	p := Previous([]*duixian.Application{newer, older})
	if p.Get("f.publication_varieties") != "500" || p.Get("f.annual_costs") != "50万元" {
		t.Errorf("Previous = %v", p)
	}
}

// A ban is told as set from revocations even where the registry holds the
// fact, and an award of the ledger as set from the ledger.
func TestPlatformFills(t *testing.T) {
	ban := engine.FactView{Name: "banned_21", Type: engine.KindBool}
	p := &Platform{Known: duixian.Facts{"banned_21": false, "publication_varieties": int64(480), "held_21": true},
		Banned: duixian.Facts{"banned_21": true}, Ledger: duixian.Facts{"held_21": true}}
	for _, c := range []struct {
		f         engine.FactView
		value, by string
		ok        bool
	}{
		{ban, "是", "由平台根据撤销记录确定", true},
		{engine.FactView{Name: "held_21", Type: engine.KindBool}, "是", "由平台根据奖励台账确定", true},
		{varieties, "480种", "由政府数据提供", true},
		{costs, "", "", false},
	} {
		value, by, ok := p.Fills(c.f)
		if value != c.value || by != c.by || ok != c.ok {
			t.Errorf("Fills(%s) = %q, %q, %v", c.f.Name, value, by, ok)
		}
	}
}
