package duixian

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"

	"github.com/govalues/decimal"
)

// Money is an exact amount in fen (分, 0.01 yuan). Awards, caps and costs are
// never held in floating point: a float64 gets 0.55% of "round-number" ties
// wrong (25000.00 × 29% rounds to 7200 instead of 7300 at 100-yuan precision).
type Money int64

// Yuan is one yuan in fen.
const Yuan Money = 100

// Yuan formats the amount in yuan with two decimals, "7250.00".
func (m Money) String() string {
	sign := ""
	v := int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%02d", sign, v/100, v%100)
}

// Wan formats the amount the way the gazette writes awards: in 万元 with two
// decimals ("0.73万元" is 7300 yuan) when the amount is a whole number of
// hundreds of yuan, and in 元 otherwise, so no fen is ever hidden.
func (m Money) Wan() string {
	if m%(100*Yuan) == 0 {
		v := int64(m / (100 * Yuan))
		sign := ""
		if v < 0 {
			sign, v = "-", -v
		}
		return fmt.Sprintf("%s%d.%02d万元", sign, v/100, v%100)
	}
	return m.String() + "元"
}

// WanAbout formats an amount so that amounts side by side read in one
// unit: from 1万元 up in 万元 with two decimals, with the exact yuan beside
// when two decimals would round it ("5000.00万元（50000000.01元）"); below
// 1万元 in 元 ("0.01元"). Wan would write the first in 元 and its neighbour
// in 万元.
func (m Money) WanAbout() string {
	abs := m
	if abs < 0 {
		abs = -abs
	}
	if abs < 10000*Yuan {
		return m.String() + "元"
	}
	if m%(100*Yuan) == 0 {
		return m.Wan()
	}
	return (m / (100 * Yuan) * (100 * Yuan)).Wan() + "（" + m.String() + "元）"
}

// WanNumber is the amount in 万元 as an exact plain number, "0.123456" for
// 1234.56 yuan: for spreadsheets and charts, which show 万元 but must not
// lose a fen to binary floating point.
func (m Money) WanNumber() string {
	sign, v := "", int64(m)
	if v < 0 {
		sign, v = "-", -v
	}
	return fmt.Sprintf("%s%d.%06d", sign, v/1000000, v%1000000)
}

// Share is m × num ÷ den, rounded down to the fen: a part of an amount in
// proportion to two others (what a tranche allows of an approved amount
// that differs from the computed one). Rounding down never pays a fen more
// than the proportion; the product is exact, however large (25号第八条
// awards up to 6,000万元, whose square in fen overflows int64). den must be
// positive.
func (m Money) Share(num, den Money) Money {
	p := new(big.Int).Mul(big.NewInt(int64(m)), big.NewInt(int64(num)))
	q, r := new(big.Int).QuoRem(p, big.NewInt(int64(den)), new(big.Int))
	if r.Sign() < 0 {
		q.Sub(q, big.NewInt(1)) // floor, not truncation, for a negative share
	}
	return Money(q.Int64())
}

// Decimal returns the amount in yuan as an exact decimal.
func (m Money) Decimal() decimal.Decimal {
	d, err := decimal.New(int64(m), 2)
	if err != nil {
		panic(err) // unreachable: any int64 with scale 2 fits
	}
	return d
}

// MoneyFromDecimal converts an amount in yuan that has at most two decimals
// into fen. A third decimal is an error: rounding is the caller's decision.
func MoneyFromDecimal(yuan decimal.Decimal) (Money, error) {
	yuan = yuan.Trim(2)
	if yuan.Scale() > 2 {
		return 0, fmt.Errorf("amount %s has more than two decimals", yuan)
	}
	whole, frac, ok := yuan.Int64(2)
	if !ok {
		return 0, fmt.Errorf("amount %s is out of range", yuan)
	}
	return Money(whole*100 + frac), nil
}

// plainNumber is how amounts are written: digits, at most one point, an
// optional minus (a net profit can be negative); no exponent.
var plainNumber = regexp.MustCompile(`^-?\d+(\.\d+)?$`)

// ParseAmount reads an amount as the gazette writes it: "6万元", "2500元",
// "1.5亿元", or a bare number of yuan ("25000.00"). The result is in yuan.
func ParseAmount(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	scale := int64(1)
	switch {
	case strings.HasSuffix(t, "亿元"):
		t, scale = strings.TrimSuffix(t, "亿元"), 100000000
	case strings.HasSuffix(t, "万元"):
		t, scale = strings.TrimSuffix(t, "万元"), 10000
	case strings.HasSuffix(t, "元"):
		t = strings.TrimSuffix(t, "元")
	}
	t = strings.TrimSpace(t)
	d, err := ParseNumber(t)
	// With a unit the amount is as people write it; the exponent form is
	// JSON's (1e7), never "1e3元".
	if err == nil && t != strings.TrimSpace(s) && !plainNumber.MatchString(t) {
		err = errors.New("exponent with a unit")
	}
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%q is not an amount (write e.g. 6万元, 2500元 or 25000.00)", s)
	}
	m, err := decimal.New(scale, 0)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return d.Mul(m)
}

// exponentNumber is a number in exponent form, as JSON may write it: 1e7,
// 2.5E-3.
var exponentNumber = regexp.MustCompile(`^([-+]?)(\d+)(?:\.(\d+))?[eE]([-+]?\d{1,3})$`)

// ParseNumber reads a decimal number exactly, plain (25000.10) or in
// exponent form (1e7 is 10000000, 2.5E-3 is 0.0025): the digits are moved,
// never passed through a float.
func ParseNumber(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	if m := exponentNumber.FindStringSubmatch(t); m != nil {
		sign := strings.TrimPrefix(m[1], "+")
		digits, frac := m[2]+m[3], len(m[3])
		exp, _ := strconv.Atoi(m[4])
		shift := exp - frac // the decimal point moves right by shift from the end of digits
		if shift >= 0 {
			t = sign + digits + strings.Repeat("0", shift)
		} else {
			digits = strings.Repeat("0", max(0, -shift-len(digits)+1)) + digits
			t = sign + digits[:len(digits)+shift] + "." + digits[len(digits)+shift:]
		}
	}
	if !plainNumber.MatchString(t) {
		return decimal.Decimal{}, fmt.Errorf("%q is not a number", s)
	}
	return decimal.Parse(t)
}

// ParseRate reads a rate as the gazette writes it: "50%", "0.1%" or a
// matching ratio "1:0.5" (市级奖励1:0.5配套 means 50% of the municipal award).
func ParseRate(s string) (decimal.Decimal, error) {
	t := strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a rate (write e.g. 50%%, 0.1%% or 1:0.5)", s)
	if p, ok := strings.CutSuffix(t, "%"); ok {
		d, err := decimal.Parse(strings.TrimSpace(p))
		if err != nil {
			return decimal.Decimal{}, bad
		}
		return d.Quo(decimal.Hundred)
	}
	if a, b, ok := strings.Cut(strings.ReplaceAll(t, "：", ":"), ":"); ok {
		x, err1 := decimal.Parse(strings.TrimSpace(a))
		y, err2 := decimal.Parse(strings.TrimSpace(b))
		if err1 != nil || err2 != nil || x.IsZero() {
			return decimal.Decimal{}, bad
		}
		return y.Quo(x)
	}
	return decimal.Decimal{}, bad
}

// Rounding is the precision a document pays in. The gazette's usual rule
// "以万元为单位，保留两位小数" is Rounding{Quantum: 100 yuan}; documents that
// say nothing pay to the fen.
type Rounding struct {
	Quantum decimal.Decimal // in yuan: 0.01 or 100
}

// RoundHalfUp rounds a non-negative amount in yuan to the quantum, half-up
// (四舍五入), in one step from the exact value: rounding to the fen first and
// then to 100 yuan would turn 7249.995 into 7300.
func (r Rounding) RoundHalfUp(yuan decimal.Decimal) (decimal.Decimal, error) {
	q := r.Quantum
	if q.IsZero() {
		q = decimal.MustNew(1, 2)
	}
	if yuan.IsNeg() {
		return decimal.Decimal{}, fmt.Errorf("cannot round negative amount %s", yuan)
	}
	// Most awards are already whole yuan (a tier's 12万元): with a quantum
	// of 10^-s (the fen) an amount of at most s decimals is its own
	// rounding, written to s places as below, without the division that
	// is a tenth of a decision. An amount with too many digits for the
	// half below to be added exactly goes the long way, as before.
	if q.Coef() == 1 && yuan.Scale() <= q.Scale() {
		if p := yuan.Pad(q.Scale()); p.Scale() == q.Scale() && p.Prec() < decimal.MaxPrec {
			return p, nil
		}
	}
	n, err := yuan.Quo(q)
	if err != nil {
		return decimal.Decimal{}, err
	}
	// Quo is exact for the quanta we use (powers of ten) unless the amount
	// has more than 19 significant digits, far beyond any award.
	half := decimal.MustNew(5, 1)
	n, err = n.Add(half)
	if err != nil {
		return decimal.Decimal{}, err
	}
	return n.Floor(0).Mul(q)
}

// Quantum names the rounding for a person: "0.01元" or "100元（万元保留两位小数）".
func (r Rounding) String() string {
	if r.Quantum.IsZero() || r.Quantum.Equal(decimal.MustNew(1, 2)) {
		return "精确到分"
	}
	if r.Quantum.Equal(decimal.Hundred) {
		return "以万元为单位保留两位小数"
	}
	return "精确到" + r.Quantum.Trim(0).String() + "元"
}

// ParseFen reads an integer number of fen, as JSON carries amount_fen.
func ParseFen(s string) (Money, error) {
	v, err := strconv.ParseInt(s, 10, 64)
	return Money(v), err
}
