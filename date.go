package duixian

import (
	"fmt"
	"time"
)

// Shanghai is the time zone of every date the platform states. The binary
// embeds the zone database (cmd/duixian imports time/tzdata), so this never
// depends on the host.
var Shanghai = mustLoadShanghai()

func mustLoadShanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// A fixed +08:00 is exact for Shanghai since 1991 (no DST); dates
		// before that never occur in the gazette.
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// Date is a civil date in Asia/Shanghai: the day an event happened, a
// document took effect, or a decision was made "as of".
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate reads YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.ParseInLocation("2006-01-02", s, Shanghai)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf is the Shanghai date of an instant.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{y, m, d}
}

// Today is the current date in Shanghai.
func Today() Date { return DateOf(time.Now()) }

// IsZero reports whether the date is unset.
func (d Date) IsZero() bool { return d.Year == 0 }

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Chinese formats the date as 2025年10月28日.
func (d Date) Chinese() string {
	return fmt.Sprintf("%d年%d月%d日", d.Year, d.Month, d.Day)
}

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return e.Before(d) }

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, Shanghai))
}

// Periods counted in months and years follow the Civil Code (民法典): the
// first day is not counted (第二百零一条), the period ends on the
// corresponding day of its last month, or on that month's last day when it
// has no corresponding day (第二百零二条), and 以上/以下/以内/届满 include
// the number itself (第一千二百五十九条). So 2024-03-15 plus one year is
// 2025-03-15, 2024-02-29 plus one year is 2025-02-28, 2025-01-31 plus one
// month is 2025-02-28; and 满1年 from 2024-03-15 holds from 2025-03-15 on.

// AddMonths returns the day n months after d (before, for negative n): the
// corresponding day of the month reached, or its last day when it has none.
func (d Date) AddMonths(n int) Date {
	m := int(d.Month) - 1 + n
	y := d.Year + floorDiv(m, 12)
	month := time.Month(m - floorDiv(m, 12)*12 + 1)
	return Date{y, month, min(d.Day, daysIn(y, month))}
}

// AddYears returns the day n years after d, as AddMonths(12n).
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

// FullMonths is the number of whole months from d to e: the largest n with
// d.AddMonths(n) on or before e. It is negative when e is before d (the
// whole months from e back to d, negated), so that a date in the future
// never counts as elapsed time.
func FullMonths(d, e Date) int {
	if e.Before(d) {
		return -FullMonths(e, d)
	}
	n := (e.Year-d.Year)*12 + int(e.Month) - int(d.Month)
	for n > 0 && e.Before(d.AddMonths(n)) {
		n--
	}
	return n
}

// FullYears is the number of whole years from d to e, as FullMonths / 12
// rounded towards zero.
func FullYears(d, e Date) int { return FullMonths(d, e) / 12 }

// DaysBetween is the number of days from d to e (negative when e is before d).
func DaysBetween(d, e Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	b := time.Date(e.Year, e.Month, e.Day, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}

// daysIn is the Gregorian calendar's length of a month, in arithmetic:
// conditions such as 开办一年以上 count months on every decision, and
// normalising a time.Date cost more than the rest of the condition.
func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func floorDiv(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// MarshalText writes YYYY-MM-DD.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
