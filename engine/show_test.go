package engine_test

import (
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/govalues/decimal"
)

func TestShowFact(t *testing.T) {
	money := engine.FactView{Type: engine.KindMoney}
	count := engine.FactView{Type: engine.KindInt, Unit: "种"}
	kind := engine.FactView{Type: engine.KindEnum, Values: []engine.EnumValue{{Value: "book", Zh: "图书"}, {Value: "other"}}}
	set := engine.FactView{Type: engine.KindSet, Values: kind.Values}
	for _, c := range []struct {
		f    engine.FactView
		v    any
		want string
	}{
		{money, decimal.MustParse("860000"), "86.00万元（860000.00元）"},
		{money, decimal.MustParse("7345.6"), "约0.73万元（7345.60元）"},
		{money, decimal.MustParse("0.001"), "0.001元"},
		{count, int64(480), "480种"},
		{engine.FactView{Type: engine.KindDecimal, Unit: "%"}, decimal.MustParse("12.50"), "12.5%"},
		{engine.FactView{Type: engine.KindBool}, true, "是"},
		{engine.FactView{Type: engine.KindBool}, false, "否"},
		{kind, "book", "图书"},
		{kind, "other", "other"},
		{engine.FactView{Type: engine.KindText, Values: kind.Values}, "book", "book"},
		{set, []string{"book", "other"}, "图书、other"},
		{set, []string{}, "无"},
		{engine.FactView{Type: engine.KindRecords}, []duixian.Facts{{}, {}}, "2条记录"},
		{count, nil, "—"},
	} {
		if got := c.f.Show(c.v); got != c.want {
			t.Errorf("Show(%v) = %q, want %q", c.v, got, c.want)
		}
	}
	if got := engine.ShowWan(-7345_60); got != "约-0.73万元" {
		t.Errorf("ShowWan(-7345.60元) = %q", got)
	}
}
