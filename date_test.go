package duixian_test

import (
	"testing"
	"time"

	"github.com/etown/duixian"
)

func date(t *testing.T, s string) duixian.Date {
	t.Helper()
	d, err := duixian.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// 民法典第二百零二条: a period ends on the corresponding day of its last
// month, or on the month's last day when it has none.
func TestAddMonthsCorrespondingDay(t *testing.T) {
	for _, c := range []struct {
		from string
		n    int
		want string
	}{
		{"2024-03-15", 12, "2025-03-15"},
		{"2024-02-29", 12, "2025-02-28"},
		{"2024-02-29", 48, "2028-02-29"},
		{"2025-01-31", 1, "2025-02-28"},
		{"2024-01-31", 1, "2024-02-29"},
		{"2025-01-31", 3, "2025-04-30"},
		{"2025-12-15", 1, "2026-01-15"},
		{"2026-01-15", -1, "2025-12-15"},
		{"2026-03-31", -1, "2026-02-28"},
		{"2025-02-28", 12, "2026-02-28"},
	} {
		if got := date(t, c.from).AddMonths(c.n).String(); got != c.want {
			t.Errorf("%s + %d months = %s, want %s", c.from, c.n, got, c.want)
		}
	}
	if got := date(t, "2024-02-29").AddYears(3).String(); got != "2027-02-28" {
		t.Errorf("2024-02-29 + 3 years = %s", got)
	}
}

// 满N年 holds from the anniversary itself (届满 includes the number), not
// the day before.
func TestFullYearsOnBothSidesOfTheAnniversary(t *testing.T) {
	for _, c := range []struct {
		from, to string
		years    int
		months   int
	}{
		{"2024-03-15", "2026-03-14", 1, 23},
		{"2024-03-15", "2026-03-15", 2, 24},
		{"2024-03-15", "2026-03-16", 2, 24},
		{"2024-02-29", "2025-02-27", 0, 11},
		{"2024-02-29", "2025-02-28", 1, 12},
		{"2025-01-31", "2025-02-27", 0, 0},
		{"2025-01-31", "2025-02-28", 0, 1},
		{"2025-03-01", "2025-03-01", 0, 0},
		{"2026-06-30", "2025-06-30", -1, -12},
		{"2026-06-30", "2026-06-29", 0, 0},
	} {
		from, to := date(t, c.from), date(t, c.to)
		if got := duixian.FullYears(from, to); got != c.years {
			t.Errorf("FullYears(%s, %s) = %d, want %d", c.from, c.to, got, c.years)
		}
		if got := duixian.FullMonths(from, to); got != c.months {
			t.Errorf("FullMonths(%s, %s) = %d, want %d", c.from, c.to, got, c.months)
		}
	}
	if got := duixian.DaysBetween(date(t, "2024-02-28"), date(t, "2024-03-01")); got != 2 {
		t.Errorf("DaysBetween over 29 February = %d", got)
	}
}

// A month's last day, which AddMonths falls back to, is the calendar's own
// over four Gregorian centuries and their leap-year exceptions.
func TestAddMonthsKnowsEveryMonthsLength(t *testing.T) {
	for y := 1599; y <= 2401; y++ {
		for m := time.January; m <= time.December; m++ {
			want := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := (duixian.Date{Year: y, Month: m, Day: 31}).AddMonths(0); got.Day != want {
				t.Fatalf("%d-%02d has %d days, AddMonths gives %v", y, m, want, got)
			}
		}
	}
}
