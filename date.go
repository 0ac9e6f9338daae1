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
