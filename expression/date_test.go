package expression_test

import (
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
)

func dateFrame(t *testing.T, paid, listed, asOf string) (map[string]int, []expression.Value) {
	t.Helper()
	names := map[string]int{"paid_on": 0, "listed_on": 1, expression.EventDate: 2, expression.AsOf: 3}
	vals := make([]expression.Value, 4)
	for i, s := range []string{paid, listed, paid, asOf} {
		var d duixian.Date
		if s != "" {
			var err error
			if d, err = duixian.ParseDate(s); err != nil {
				t.Fatal(err)
			}
		}
		v, err := expression.ValueOf(expression.Date, d)
		if err != nil {
			t.Fatal(err)
		}
		vals[i] = v
	}
	return names, vals
}

func dateEnv(t *testing.T) *expression.Env {
	e, err := expression.NewEnv(map[string]expression.Type{"paid_on": expression.Date, "listed_on": expression.Date})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// 25号第十五条's 满2年 on both sides of the anniversary, and a month-end
// start, through the linked closures and through CEL alone.
func TestDateConditions(t *testing.T) {
	each(t, func(t *testing.T) {
		e := dateEnv(t)
		for _, c := range []struct {
			src                string
			paid, listed, asOf string
			want               bool
		}{
			{"full_years(paid_on, as_of) >= 2", "2024-03-15", "", "2026-03-14", false},
			{"full_years(paid_on, as_of) >= 2", "2024-03-15", "", "2026-03-15", true},
			{"full_years(event_date, as_of) >= 2", "2024-02-29", "", "2026-02-27", false},
			{"full_years(event_date, as_of) >= 2", "2024-02-29", "", "2026-02-28", true},
			{"full_months(paid_on, as_of) >= 1", "2025-01-31", "", "2025-02-28", true},
			{"days_between(paid_on, as_of) == 366", "2024-01-01", "", "2025-01-01", true},
			{"paid_on >= date(\"2025-01-01\") && paid_on <= date(\"2028-12-31\")", "2024-12-31", "", "2026-01-01", false},
			{"paid_on >= date(\"2025-01-01\") && paid_on <= date(\"2028-12-31\")", "2025-01-01", "", "2026-01-01", true},
			{"add_years(paid_on, 2) <= as_of", "2024-03-15", "", "2026-03-15", true},
			{"add_months(paid_on, 24) > as_of", "2024-03-15", "", "2026-03-15", false},
			{"paid_on == event_date", "2024-03-15", "", "2026-03-15", true},
			{"known(listed_on) && full_years(listed_on, as_of) >= 1", "2024-03-15", "", "2026-03-15", false},
			{"known(listed_on) && full_years(listed_on, as_of) >= 1", "2024-03-15", "2025-03-15", "2026-03-15", true},
			{"known(listed_on) && full_years(listed_on, as_of) >= 1", "2024-03-15", "2025-03-16", "2026-03-15", false},
		} {
			p, err := e.Compile(c.src, expression.Bool)
			if err != nil {
				t.Fatalf("%s: %v", c.src, err)
			}
			names, vals := dateFrame(t, c.paid, c.listed, c.asOf)
			l := p.Link(names)
			if !l.Native() {
				t.Errorf("%s is not linked", c.src)
			}
			got, err := l.Bool(vals)
			if err != nil || got != c.want {
				t.Errorf("%s with paid %s listed %q as of %s = %v, %v; want %v", c.src, c.paid, c.listed, c.asOf, got, err, c.want)
			}
		}
	})
}

// An optional date nobody gave is never read as a date: a condition that
// forgets known() fails loudly instead of deciding.
func TestUnknownDateIsAnError(t *testing.T) {
	each(t, func(t *testing.T) {
		p, err := dateEnv(t).Compile("full_years(listed_on, as_of) >= 1", expression.Bool)
		if err != nil {
			t.Fatal(err)
		}
		names, vals := dateFrame(t, "2024-03-15", "", "2026-03-15")
		if _, err := p.Link(names).Bool(vals); err == nil || !strings.Contains(err.Error(), "known") {
			t.Errorf("unknown date read as a date: %v", err)
		}
	})
}

func TestDateTypeErrorsAtCompile(t *testing.T) {
	e := dateEnv(t)
	for src, want := range map[string]string{
		`paid_on >= 2025`:                   "cannot combine",
		`date("2025-02-30") < paid_on`:      "not a date",
		`full_years(paid_on, as_of) >= 2.5`: "cannot combine",
		`paid_on + 1 > as_of`:               "cannot combine",
	} {
		if _, err := e.Compile(src, expression.Bool); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", src, err, want)
		}
	}
}
