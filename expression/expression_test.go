package expression_test

import (
	"strings"
	"testing"

	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
)

func env(t *testing.T) *expression.Env {
	e, err := expression.NewEnv(map[string]expression.Type{
		"area": expression.Decimal, "total": expression.Decimal, "books": expression.Int,
		"ok": expression.Bool, "mode": expression.String, "titles": expression.StringList,
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type vars map[string]any

func (v vars) ResolveName(n string) (any, bool) { x, ok := v[n]; return x, ok }
func (v vars) Parent() expression.Activation    { return nil }

func TestDecimalArithmeticIsExact(t *testing.T) {
	e := env(t)
	a := vars{"area": expression.Dec{D: decimal.MustParse("25000.00")}, "total": expression.Dec{D: decimal.MustParse("0.1")}, "books": 3}
	for src, want := range map[string]string{
		"area * 0.29":        "7250.0000",
		"total + total * 2":  "0.3",
		"area / 3 * 3":       "25000.000000000000000", // 19 digits, then exact
		"area - 0.01":        "24999.99",
		"decimal(books) * 2": "6",
		"area + 3000万元":      "30025000.00",
		"max(area, total)":   "25000.00",
		"area * 1.5 - 2500元": "35000.000",
	} {
		p, err := e.Compile(src, expression.Decimal)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := p.Decimal(a)
		if err != nil || !got.Equal(decimal.MustParse(want)) {
			t.Errorf("%s = %s, %v; want %s", src, got, err, want)
		}
	}
}

func TestCompileRejects(t *testing.T) {
	e := env(t)
	for src, want := range map[string]string{
		"aera > 3":        "unknown fact: 'aera'",
		"area > \"3\"":    "no matching overload",
		"0.1 + 0.2 > 0.3": "floating-point arithmetic",
		"area":            "expected bool",
		"30 <= area":      "no matching overload",
		"books + 1.5 > 2": "no matching overload",
		"titles.all(t, titles.all(u, titles.all(v, t + u + v != \"\")))": "exceeds the limit",
	} {
		_, err := e.Compile(src, expression.Bool)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", src, err, want)
		}
	}
}

func TestConditions(t *testing.T) {
	e := env(t)
	a := vars{"area": expression.Dec{D: decimal.MustParse("100")}, "total": expression.Dec{D: decimal.MustParse("200")},
		"ok": true, "mode": "offline", "titles": []string{"little-giant"}, "books": 2000}
	for src, want := range map[string]bool{
		"area >= 100": true, "area > 100": false, "area * 2 > total": false, "area * 2 >= total": true,
		"ok && mode == \"offline\"": true, "\"little-giant\" in titles": true, "\"high-tech\" in titles": false,
		"books >= 2000 && area <= 100.00": true, "area == area": true,
	} {
		p, err := e.Compile(src, expression.Bool)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		got, err := p.Bool(a)
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
}
