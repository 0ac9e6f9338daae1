package duixian_test

import (
	"testing"

	"github.com/etown/duixian"
	"github.com/govalues/decimal"
)

func TestParseAmount(t *testing.T) {
	for in, want := range map[string]string{
		"6万元": "60000", "2500元": "2500", "1.5亿元": "150000000", "25000.00": "25000.00", "0.01万元": "100", " 775元 ": "775",
	} {
		got, err := duixian.ParseAmount(in)
		if err != nil || !got.Equal(decimal.MustParse(want)) {
			t.Errorf("ParseAmount(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "6万", "abc元", "1e3元", "五万元"} {
		if _, err := duixian.ParseAmount(bad); err == nil {
			t.Errorf("ParseAmount(%q) accepted", bad)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]string{"50%": "0.5", "0.1%": "0.001", "1:0.5": "0.5", "1:1": "1", "1：0.5": "0.5", "0.8%": "0.008"} {
		got, err := duixian.ParseRate(in)
		if err != nil || !got.Equal(decimal.MustParse(want)) {
			t.Errorf("ParseRate(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"50", "x%", "0:1", "1:"} {
		if _, err := duixian.ParseRate(bad); err == nil {
			t.Errorf("ParseRate(%q) accepted", bad)
		}
	}
}

// Rounding to 100 yuan is half-up and happens once, from the exact value:
// each pair sits on one side of a 50-yuan tie.
func TestRoundHalfUpTo100Yuan(t *testing.T) {
	r := duixian.Rounding{Quantum: decimal.Hundred}
	for in, want := range map[string]string{
		"7250": "7300", "7249.99": "7200", "7249.995": "7200", "7250.00": "7300", "49.99": "0", "50": "100", "0": "0", "125000.50": "125000",
	} {
		got, err := r.RoundHalfUp(decimal.MustParse(in))
		if err != nil || !got.Equal(decimal.MustParse(want)) {
			t.Errorf("RoundHalfUp(%s) = %s; want %s", in, got, want)
		}
	}
	fen := duixian.Rounding{Quantum: decimal.MustNew(1, 2)}
	if got, _ := fen.RoundHalfUp(decimal.MustParse("0.005")); !got.Equal(decimal.MustParse("0.01")) {
		t.Errorf("to the fen, 0.005 rounds to 0.01, got %s", got)
	}
	if _, err := r.RoundHalfUp(decimal.MustParse("-1")); err == nil {
		t.Error("a negative amount has no award rounding")
	}
}

func TestMoneyFormats(t *testing.T) {
	for m, want := range map[duixian.Money]string{730000: "0.73万元", 6000000: "6.00万元", 327500: "3275.00元", 1: "0.01元", 0: "0.00万元"} {
		if got := m.Wan(); got != want {
			t.Errorf("Money(%d).Wan() = %q; want %q", m, got, want)
		}
	}
	for m, want := range map[duixian.Money]string{123456: "0.123456", 730000: "0.730000", -150: "-0.000150", 1234567890123: "1234567.890123"} {
		if got := m.WanNumber(); got != want {
			t.Errorf("Money(%d).WanNumber() = %q; want %q", m, got, want)
		}
	}
	if got := duixian.Money(-150).String(); got != "-1.50" {
		t.Errorf("negative: %q", got)
	}
	if _, err := duixian.MoneyFromDecimal(decimal.MustParse("1.005")); err == nil {
		t.Error("a third decimal is not silently dropped")
	}
	if m, err := duixian.MoneyFromDecimal(decimal.MustParse("7250.50")); err != nil || m != 725050 {
		t.Errorf("7250.50 yuan = %d fen, %v", m, err)
	}
}

func TestDates(t *testing.T) {
	d, err := duixian.ParseDate("2025-10-28")
	if err != nil || d.Chinese() != "2025年10月28日" || d.AddDays(365*5).String() != "2030-10-27" {
		t.Fatalf("%v %v %s", d, err, d.AddDays(365*5))
	}
	if _, err := duixian.ParseDate("2025-02-30"); err == nil {
		t.Error("2025-02-30 accepted")
	}
	if !d.Before(d.AddDays(1)) || d.Before(d) || !d.AddDays(1).After(d) {
		t.Error("ordering")
	}
}

// A tranche's share of an approved amount is exact at 25号第八条's 6,000万元
// (6×10⁹ fen, whose square overflows int64) and rounds down to the fen.
func TestShare(t *testing.T) {
	big := 60000000 * duixian.Yuan
	for _, c := range []struct{ m, num, den, want duixian.Money }{
		{big / 2, big - 1, big, 2999999999}, // half of (6000万元 − 1 fen), 2999999999.5 fen down
		{big / 2, big, big, big / 2},        // the whole proportion
		{big, 40000000 * duixian.Yuan, big, 40000000 * duixian.Yuan},
		{100, 1, 3, 33},   // 33.33… fen down to 33
		{-100, 1, 3, -34}, // down, not toward zero
	} {
		if got := c.m.Share(c.num, c.den); got != c.want {
			t.Errorf("%d × %d ÷ %d = %d, want %d", c.m, c.num, c.den, got, c.want)
		}
	}
}

// JSON may write a number in exponent form; it is read exactly.
func TestParseNumberExponent(t *testing.T) {
	for in, want := range map[string]string{
		"1e7": "10000000", "1E7": "10000000", "2.5e3": "2500", "2.5E-3": "0.0025", "-1.25e1": "-12.5",
		"+3e0": "3", "12345.678e-2": "123.45678", "7e-1": "0.7", "25000.10": "25000.10",
	} {
		d, err := duixian.ParseNumber(in)
		if err != nil || d.String() != want {
			t.Errorf("ParseNumber(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	for _, bad := range []string{"1e", "e7", "1.2.3", "1e7.5", "0x10", "NaN"} {
		if _, err := duixian.ParseNumber(bad); err == nil {
			t.Errorf("ParseNumber(%q) accepted", bad)
		}
	}
	if a, err := duixian.ParseAmount("1.5e4"); err != nil || a.Cmp(decimal.MustNew(15000, 0)) != 0 {
		t.Errorf("ParseAmount(1.5e4) = %s, %v", a, err)
	}
}

// Amounts side by side read in one unit: 万元 from 1万元 up, the exact yuan
// beside when two decimals would round it.
func TestWanAbout(t *testing.T) {
	for _, c := range []struct {
		m    duixian.Money
		want string
	}{
		{1, "0.01元"},
		{9999_99, "9999.99元"},
		{10000_00, "1.00万元"},
		{50000005_00, "5000.00万元（50000005.00元）"},
		{50000000_01, "5000.00万元（50000000.01元）"},
		{2000000000_00, "200000.00万元"},
		{-12345_67, "-1.23万元（-12345.67元）"},
	} {
		if got := c.m.WanAbout(); got != c.want {
			t.Errorf("%d fen: %s, want %s", c.m, got, c.want)
		}
	}
}

// An amount already on the quantum's grid skips the division; it must come
// out as the division gives it, to the digit and the scale, since traces
// print it.
func TestRoundHalfUpOnTheGrid(t *testing.T) {
	divided := func(q, yuan decimal.Decimal) (decimal.Decimal, error) {
		n, err := yuan.Quo(q)
		if err != nil {
			return decimal.Decimal{}, err
		}
		if n, err = n.Add(decimal.MustNew(5, 1)); err != nil {
			return decimal.Decimal{}, err
		}
		return n.Floor(0).Mul(q)
	}
	for _, q := range []string{"0.01", "0.1", "1", "100", "0.0001"} {
		r := duixian.Rounding{Quantum: decimal.MustParse(q)}
		for _, in := range []string{"0", "0.00", "120000", "120000.0", "120000.00", "7249.995", "0.01", "0.1", "1", "300000",
			"9999999999999999.99", "99999999999999999", "1234567890123456789", "50.5", "0.005"} {
			yuan := decimal.MustParse(in)
			got, err := r.RoundHalfUp(yuan)
			want, werr := divided(r.Quantum, yuan)
			if got != want || (err == nil) != (werr == nil) {
				t.Errorf("quantum %s: RoundHalfUp(%s) = %s (scale %d), %v; the division gives %s (scale %d), %v", q, in, got, got.Scale(), err, want, want.Scale(), werr)
			}
		}
	}
}
