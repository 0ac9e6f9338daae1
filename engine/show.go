package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/govalues/decimal"
)

// Show writes a decoded value of fact f for a person: 480种, 是, an enum's
// Chinese label, an amount as 86.00万元（860000.00元）. The pages and the
// registry's spreadsheets both write facts this way, so one value reads
// the same on the screen and in the 公示名单.
func (f FactView) Show(v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case int64:
		return strconv.FormatInt(x, 10) + f.Unit
	case decimal.Decimal:
		if f.Type == KindMoney {
			if m, err := duixian.MoneyFromDecimal(x); err == nil {
				return ShowWan(m) + "（" + m.String() + "元）"
			}
			return x.String() + "元"
		}
		return x.Trim(0).String() + f.Unit
	case duixian.Date:
		if x.IsZero() {
			return "未填"
		}
		return x.Chinese()
	case string:
		switch f.Type {
		case KindEnum:
			return f.label(x)
		case KindDate: // as stored in JSON
			if d, err := duixian.ParseDate(x); err == nil {
				return d.Chinese()
			}
			if x == "" {
				return "未填"
			}
		}
		return x
	case []string:
		if len(x) == 0 {
			return "无"
		}
		out := make([]string, len(x))
		for i, v := range x {
			out[i] = f.label(v)
		}
		return strings.Join(out, "、")
	case []duixian.Facts:
		return fmt.Sprintf("%d条记录", len(x))
	case nil:
		return "—"
	}
	return fmt.Sprint(v)
}

// Show writes a decoded value of f for a person, as FactView.Show.
func (f *Fact) Show(v any) string { return f.view().Show(v) }

func (f FactView) label(v string) string {
	for _, e := range f.Values {
		if e.Value == v && e.Zh != "" {
			return e.Zh
		}
	}
	return v
}

// ShowWan is an amount in 万元 with two decimals, for reading: "12.00万元",
// or "约0.73万元" when two decimals of 万元 are not exact (half up); the
// exact amount in 元 is shown beside it wherever it matters.
func ShowWan(m duixian.Money) string {
	w := m.Wan()
	if strings.HasSuffix(w, "万元") {
		return w
	}
	fen, sign := int64(m), ""
	if fen < 0 {
		fen, sign = -fen, "-"
	}
	hundreds := (fen + 5000) / 10000 // units of 100 yuan, half up, for reading only
	return fmt.Sprintf("约%s%d.%02d万元", sign, hundreds/100, hundreds%100)
}
