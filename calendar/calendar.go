// Package calendar is the working-day calendar (工作日历) the platform uses to
// compute periods stated in working days, above all the publicity period
// (公示期) "N working days".
//
// Which days are working days in China is not a property of the weekday: each
// year the General Office of the State Council publishes a notice
// (国务院办公厅关于YYYY年部分节假日安排的通知) that moves days off around the
// statutory holidays (法定节假日) and turns some Saturdays and Sundays into
// make-up workdays (调休上班). The schedule cannot be derived by a formula, so
// it is data: one file per year, YYYY.yaml in this directory, embedded in the
// binary:
//
//	year: 2025
//	source: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）
//	verified: true      # false when the schedule could not be confirmed from the notice
//	holidays:           # days off, as ranges
//	  - {from: 2025-01-28, to: 2025-02-04, name: 春节}
//	workdays:           # make-up workdays on a Saturday or Sunday
//	  - {date: 2025-01-26, name: 春节调休}
//
// Every key is required (workdays may be the empty list []); an unknown key is
// an error, so a misspelt key never silently drops a holiday. Dates lie in the
// file's year, or in the December before it: a New Year arrangement can start
// there (the 2019 notice made 2018-12-29 a workday and 2018-12-30 a holiday).
// When next year's notice is published (usually in November), add its file.
package calendar

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"sync"
	"time"

	"github.com/etown/duixian"
)

//go:embed *.yaml
var files embed.FS

// ErrUnknownYear is returned, wrapped with the year, for a date in a year the
// calendar has no schedule for. Test for it with errors.Is.
var ErrUnknownYear = &duixian.Error{
	Code: duixian.ENOTFOUND,
	Zh:   "没有该年度的节假日安排数据，不能计算工作日（请先添加该年度的日历文件）",
	En:   "no holiday schedule for this year, working days cannot be computed (add the year's calendar file first)",
}

// Year describes the data for one year. Verified is false when the schedule
// was entered from best knowledge and could not be confirmed from the
// official notice; Source names the notice and says what is unconfirmed. A
// caller stating a deadline computed from an unverified year should say so.
type Year struct {
	Year     int
	Verified bool
	Source   string
}

type dayKind int

const (
	holiday dayKind = iota + 1 // a day off (放假), whatever its weekday
	workday                    // a make-up workday (调休上班) on a weekend
)

// Calendar knows which days are working days. It is immutable once loaded
// and safe for concurrent use.
type Calendar struct {
	years map[int]Year
	days  map[duixian.Date]dayKind // only the days that differ from the weekday rule
}

// Load reads every year file in fsys (the embedded files: Default()). A file with
// a malformed date, a holiday range whose to is before from, a make-up workday
// that is not a Saturday or Sunday, a day listed both as holiday and workday,
// or a year field that does not match the file name fails to load with an error
// naming file:line in Chinese and English.
//
// Every YAML file in the root of fsys must be named YYYY.yaml. All defects
// found are reported together (errors.Join), each a *duixian.Error with code
// invalid whose Field is file:line, so the person editing the data can fix
// them in one pass. A calendar without any year is an error too: it could
// answer nothing.
func Load(fsys fs.FS) (*Calendar, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	l := &loader{years: map[int]Year{}, days: map[duixian.Date]entry{}}
	for _, name := range names {
		l.file(fsys, name)
	}
	if len(names) == 0 {
		return nil, duixian.Errorf(duixian.EINVALID, "", "没有年度日历文件（YYYY.yaml）", "no year files (YYYY.yaml)")
	}
	if len(l.errs) > 0 {
		return nil, l.err()
	}
	c := &Calendar{years: l.years, days: make(map[duixian.Date]dayKind, len(l.days))}
	for d, e := range l.days {
		c.days[d] = e.kind
	}
	return c, nil
}

var loadDefault = sync.OnceValue(func() *Calendar {
	c, err := Load(files)
	if err != nil {
		panic("calendar: the embedded year files do not load: " + err.Error())
	}
	return c
})

// Default returns the calendar of the embedded years; panics if they do not load (a build-time bug).
// Every call returns the same Calendar; the tests load the embedded files, so
// a broken file fails the build's tests, never a request.
func Default() *Calendar { return loadDefault() }

// IsWorkday: a make-up workday is a working day; a holiday is not; otherwise
// Monday–Friday are. For a year the calendar has no data for it returns an error
// (ErrUnknownYear, wrapped with the year): publicity periods must never be
// computed from a guess.
//
// A year marked unverified is answered from its data; Years tells which.
func (c *Calendar) IsWorkday(d duixian.Date) (bool, error) {
	if _, ok := c.years[d.Year]; !ok {
		return false, fmt.Errorf("%d: %w", d.Year, ErrUnknownYear)
	}
	switch c.days[d] {
	case holiday:
		return false, nil
	case workday:
		return true, nil
	}
	switch weekday(d) {
	case time.Saturday, time.Sunday:
		return false, nil
	}
	return true, nil
}

// AddWorkdays returns the date on which a period of n working days that starts
// on start ends: if start is a working day it counts as day 1 (公示期自发布之日起计算);
// otherwise counting begins at the next working day. n >= 1.
//
// So a 5-working-day publicity published on Wednesday 2025-04-30 runs 4/30,
// 5/6, 5/7, 5/8 and ends on 5/9, the Labour Day holiday 5/1–5/5 not counting.
// If the period runs into a year without data the result is ErrUnknownYear,
// never a date computed from weekdays alone.
func (c *Calendar) AddWorkdays(start duixian.Date, n int) (duixian.Date, error) {
	if n < 1 {
		return duixian.Date{}, duixian.Errorf(duixian.EINVALID, "n",
			"工作日数须至少为1，实为 %d", "the number of working days must be at least 1, got %d", n)
	}
	if start.IsZero() {
		return duixian.Date{}, duixian.Errorf(duixian.EINVALID, "start",
			"起始日期为空", "the start date is not set")
	}
	d := start
	for counted := 0; ; d = d.AddDays(1) {
		ok, err := c.IsWorkday(d)
		if err != nil {
			return duixian.Date{}, err
		}
		if ok {
			counted++
			if counted == n {
				return d, nil
			}
		}
	}
}

// Years lists the years with data, in order, and whether each is verified.
func (c *Calendar) Years() []Year {
	ys := make([]Year, 0, len(c.years))
	for _, y := range c.years {
		ys = append(ys, y)
	}
	sort.Slice(ys, func(i, j int) bool { return ys[i].Year < ys[j].Year })
	return ys
}

func weekday(d duixian.Date) time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, duixian.Shanghai).Weekday()
}
