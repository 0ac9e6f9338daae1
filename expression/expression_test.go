package expression_test

import (
	"strings"
	"testing"

	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
)

var types = map[string]expression.Type{
	"area": expression.Decimal, "total": expression.Decimal, "books": expression.Int,
	"ok": expression.Bool, "mode": expression.String, "titles": expression.StringList,
}

func env(t *testing.T) *expression.Env {
	e, err := expression.NewEnv(types)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// frame lays facts out in slots in a fixed order.
func frame(t *testing.T, facts map[string]any) (map[string]int, []expression.Value) {
	names := map[string]int{}
	var vals []expression.Value
	for _, n := range []string{"area", "total", "books", "ok", "mode", "titles"} {
		names[n] = len(vals)
		v := expression.Value{}
		if f, ok := facts[n]; ok {
			var err error
			if v, err = expression.ValueOf(types[n], f); err != nil {
				t.Fatal(err)
			}
		}
		vals = append(vals, v)
	}
	return names, vals
}

// each runs f with the native path and again through CEL alone.
func each(t *testing.T, f func(t *testing.T)) {
	t.Run("native", f)
	t.Run("cel", func(t *testing.T) {
		expression.Interpret.Store(true)
		defer expression.Interpret.Store(false)
		f(t)
	})
}

func TestDecimalArithmeticIsExact(t *testing.T) {
	each(t, func(t *testing.T) {
		e := env(t)
		names, vals := frame(t, map[string]any{"area": decimal.MustParse("25000.00"), "total": decimal.MustParse("0.1"), "books": int64(3)})
		for src, want := range map[string]string{
			"area * 0.29":              "7250.0000",
			"total + total * 2":        "0.3",
			"area / 3 * 3":             "25000.000000000000000", // 19 digits, then exact
			"area - 0.01":              "24999.99",
			"decimal(books) * 2":       "6",
			"area + 3000万元":            "30025000.00",
			"max(area, total)":         "25000.00",
			"area * 1.5 - 2500元":       "35000.000",
			"-area + 1":                "-24999.00",
			"books > 2 ? area : total": "25000.00",
			// More digits than a float64 keeps: read as written, not as 0.12345678901234568.
			"area * 0.1234567890123456789":        "3086.419725308641972", // a float64 makes it 3086.419725308642
			"area * 0.1234567890123456789 + 0.29": "3086.709725308641972",
			`decimal("0.1") * 3`:                  "0.3",
		} {
			p, err := e.Compile(src, expression.Decimal)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			l := p.Link(names)
			if !l.Native() {
				t.Errorf("%s is not linked natively", src)
			}
			got, err := l.Decimal(vals)
			if err != nil || !got.Equal(decimal.MustParse(want)) {
				t.Errorf("%s = %s, %v; want %s", src, got, err, want)
			}
		}
	})
}

func TestCompileRejects(t *testing.T) {
	e := env(t)
	for src, want := range map[string]string{
		"aera > 3":                          "unknown fact: 'aera'",
		"area > \"3\"":                      "cannot combine",
		"0.1 + 0.2 > 0.3":                   "floating-point arithmetic",
		"area * 0.12345678901234567891 > 1": "more than 19 significant digits",
		"area":                              "expected bool",
		"books + 1.5 > 2":                   "cannot combine",
		"area == books * 10":                "write decimal(…) around the whole-number side",
		"titles.all(t, titles.all(u, titles.all(v, t + u + v != \"\")))": "exceeds the limit",
	} {
		_, err := e.Compile(src, expression.Bool)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v; want %q", src, err, want)
		}
	}
}

func TestConditions(t *testing.T) {
	each(t, func(t *testing.T) {
		e := env(t)
		names, vals := frame(t, map[string]any{"area": decimal.MustParse("100"), "total": decimal.MustParse("200"),
			"ok": true, "mode": "offline", "titles": []string{"little-giant"}, "books": int64(2000)})
		for src, want := range map[string]bool{
			"area >= 100": true, "area > 100": false, "area * 2 > total": false, "area * 2 >= total": true,
			"ok && mode == \"offline\"": true, "\"little-giant\" in titles": true, "\"high-tech\" in titles": false,
			"books >= 2000 && area <= 100.00": true, "area == area": true, "mode in [\"online\", \"hybrid\"]": false,
			"!ok || books / 3 == 666": true, "books % 7 == 5": true, "mode != \"online\" && books - 1 < 2000": true,
			"titles.exists(x, x == \"little-giant\")": true, // outside the linked subset: CEL answers
		} {
			p, err := e.Compile(src, expression.Bool)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			got, err := p.Link(names).Bool(vals)
			if err != nil || got != want {
				t.Errorf("%s = %v, %v; want %v", src, got, err, want)
			}
		}
	})
}

// A failure inside the linked path (division by zero) is answered by CEL,
// so the error is the same on both paths.
func TestRuntimeErrorsFallBack(t *testing.T) {
	each(t, func(t *testing.T) {
		e := env(t)
		names, vals := frame(t, map[string]any{"area": decimal.MustParse("1"), "total": decimal.Zero, "books": int64(0)})
		for _, src := range []string{"area / total > 1", "books / books > 1"} {
			p, _ := e.Compile(src, expression.Bool)
			if _, err := p.Link(names).Bool(vals); err == nil || !strings.Contains(err.Error(), src) {
				t.Errorf("%s: %v", src, err)
			}
		}
	})
}

// A number on the left of a decimal reads as the text does: 30 <= area,
// 1 - total, 2.5 * area; both paths agree.
func TestNumberLeftOfDecimal(t *testing.T) {
	each(t, func(t *testing.T) {
		e := env(t)
		names, vals := frame(t, map[string]any{"area": decimal.MustParse("30"), "total": decimal.MustParse("0.25"), "books": int64(3)})
		for src, want := range map[string]bool{
			"30 <= area":                     true,
			"30 < area":                      false,
			"29.99 < area":                   true,
			"books < area":                   true,
			"1 - total == decimal(\"0.75\")": true,
			"100 - area > total * 280":       false,
			"2.5 * area == decimal(\"75\")":  true,
			"1 / total >= 4":                 true,
			"area == 30":                     true,
			"area != 30.5":                   true,
		} {
			p, err := e.Compile(src, expression.Bool)
			if err != nil {
				t.Fatalf("%s: %v", src, err)
			}
			got, err := p.Link(names).Bool(vals)
			if err != nil || got != want {
				t.Errorf("%s = %v, %v; want %v", src, got, err, want)
			}
		}
	})
}
