package calendar

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

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

func TestDefaultYears(t *testing.T) {
	got := Default().Years()
	if len(got) != 2 || got[0].Year != 2025 || got[1].Year != 2026 {
		t.Fatalf("Years() = %+v, want 2025 and 2026", got)
	}
	for _, y := range got {
		if !y.Verified {
			t.Errorf("%d is not verified", y.Year)
		}
		if !strings.Contains(y.Source, "国务院办公厅关于") {
			t.Errorf("%d: source %q does not name the State Council notice", y.Year, y.Source)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		date string
		want bool
		why  string
	}{
		{"2025-01-26", true, "Sunday make-up workday for 春节"},
		{"2025-01-28", false, "农历除夕, first day of 春节"},
		{"2025-02-05", true, "Wednesday after 春节"},
		{"2025-02-08", true, "Saturday make-up workday for 春节"},
		{"2025-05-05", false, "Monday, last day of 劳动节"},
		{"2025-10-08", false, "Wednesday, last day of 国庆节、中秋节"},
		{"2025-10-11", true, "Saturday make-up workday for 国庆节"},
		{"2025-03-15", false, "an ordinary Saturday"},
		{"2025-03-16", false, "an ordinary Sunday"},
		{"2025-03-17", true, "an ordinary Monday"},
		{"2026-01-04", true, "Sunday make-up workday for 元旦 2026"},
		{"2026-02-23", false, "Monday, 正月初七, last day of 春节 2026"},
		{"2026-02-28", true, "Saturday make-up workday for 春节 2026"},
		{"2026-09-25", false, "Friday, 中秋节 2026"},
		{"2026-10-10", true, "Saturday make-up workday for 国庆节 2026"},
	} {
		got, err := c.IsWorkday(date(t, tc.date))
		if err != nil {
			t.Errorf("IsWorkday(%s): %v", tc.date, err)
			continue
		}
		if got != tc.want {
			t.Errorf("IsWorkday(%s) = %v, want %v (%s)", tc.date, got, tc.want, tc.why)
		}
	}
}

// Both notices give 248 working days, an independent check of the data:
//
//	2025: 261 weekdays − 18 weekday holidays (1/1; 1/28–1/31, 2/3–2/4; 4/4;
//	      5/1, 5/2, 5/5; 6/2; 10/1–10/3, 10/6–10/8) + 5 make-up days = 248
//	2026: 261 weekdays − 19 weekday holidays (1/1–1/2; 2/16–2/20, 2/23; 4/6;
//	      5/1, 5/4, 5/5; 6/19; 9/25; 10/1–10/2, 10/5–10/7) + 6 make-up days = 248
func TestWorkdaysPerYear(t *testing.T) {
	c := Default()
	for year, want := range map[int]int{2025: 248, 2026: 248} {
		n := 0
		for d := (duixian.Date{Year: year, Month: 1, Day: 1}); d.Year == year; d = d.AddDays(1) {
			ok, err := c.IsWorkday(d)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				n++
			}
		}
		if n != want {
			t.Errorf("%d has %d working days, want %d", year, n, want)
		}
	}
}

func TestAddWorkdays(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		start string
		n     int
		want  string
		why   string
	}{
		// 9/26 Fri (1), 9/27 Sat off, 9/28 Sun make-up (2), 9/29 Mon (3),
		// 9/30 Tue (4), 10/1–10/8 holiday, 10/9 Thu (5).
		{"2025-09-26", 5, "2025-10-09", "across the National Day holiday"},
		// Starts on a holiday: counting begins on the next working day,
		// 10/9 Thu (1), 10/10 Fri (2), 10/11 Sat make-up (3).
		{"2025-10-01", 3, "2025-10-11", "starting on a holiday"},
		// 4/30 Wed (1), 5/1–5/5 off, 5/6 Tue (2), 5/7 (3), 5/8 (4), 5/9 Fri (5).
		{"2025-04-30", 5, "2025-05-09", "5-day publicity over Labour Day"},
		// Starts on an ordinary Saturday: 3/17 Mon (1) … 3/21 Fri (5).
		{"2025-03-15", 5, "2025-03-21", "starting on a weekend"},
		// A working start day is day 1 of the period.
		{"2025-03-17", 1, "2025-03-17", "one day starting on a working day"},
		// Across the year boundary: 12/31 Wed (1), 2026-01-01–01-03 off,
		// 1/4 Sun make-up (2), 1/5 Mon (3).
		{"2025-12-31", 3, "2026-01-05", "across New Year into 2026"},
	} {
		got, err := c.AddWorkdays(date(t, tc.start), tc.n)
		if err != nil {
			t.Errorf("AddWorkdays(%s, %d): %v", tc.start, tc.n, err)
			continue
		}
		if got.String() != tc.want {
			t.Errorf("AddWorkdays(%s, %d) = %s, want %s (%s)", tc.start, tc.n, got, tc.want, tc.why)
		}
	}
}

func TestAddWorkdaysRejectsNonPositive(t *testing.T) {
	for _, n := range []int{0, -1} {
		if _, err := Default().AddWorkdays(date(t, "2025-03-17"), n); err == nil {
			t.Errorf("AddWorkdays(n=%d) succeeded", n)
		}
	}
}

func TestUnknownYear(t *testing.T) {
	c := Default()
	_, err := c.IsWorkday(date(t, "2024-06-03"))
	if !errors.Is(err, ErrUnknownYear) || !strings.Contains(err.Error(), "2024") {
		t.Errorf("IsWorkday(2024-06-03) error = %v, want ErrUnknownYear naming 2024", err)
	}
	if code := duixian.ErrorCode(err); code != duixian.ENOTFOUND {
		t.Errorf("ErrorCode = %q, want %q", code, duixian.ENOTFOUND)
	}
	// A period running past the last year with data is an error, not a
	// date computed from weekdays: 2026-12-28 (Mon) … 12-31 is 4 days.
	if d, err := c.AddWorkdays(date(t, "2026-12-28"), 10); !errors.Is(err, ErrUnknownYear) {
		t.Errorf("AddWorkdays into 2027 = %s, %v; want ErrUnknownYear", d, err)
	}
}

// base is a valid year file; each broken copy changes one line of it.
const base = `year: 2025
source: 测试 / test
verified: true
holidays:
  - {from: 2025-01-01, to: 2025-01-01, name: 元旦}
  - {from: 2025-01-28, to: 2025-02-04, name: 春节}
workdays:
  - {date: 2025-01-26, name: 春节调休}
`

func withLine(t *testing.T, line int, text string) string {
	t.Helper()
	lines := strings.Split(base, "\n")
	if line < 1 || line > len(lines) {
		t.Fatalf("base has no line %d", line)
	}
	lines[line-1] = text
	return strings.Join(lines, "\n")
}

func TestLoadBase(t *testing.T) {
	c, err := Load(fstest.MapFS{"2025.yaml": {Data: []byte(base)}})
	if err != nil {
		t.Fatalf("the unbroken base does not load: %v", err)
	}
	if ok, _ := c.IsWorkday(date(t, "2025-01-26")); !ok {
		t.Error("2025-01-26 is not a workday in the base file")
	}
}

func TestLoadRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   string // defaults to 2025.yaml
		data   string
		where  string   // file:line that must open a line of the message
		phrase []string // Chinese and English that must appear
	}{
		{"malformed date", "", withLine(t, 5, "  - {from: 2025-13-01, to: 2025-01-01, name: 元旦}"),
			"2025.yaml:5: ", []string{"日期格式错误", "malformed date"}},
		{"date without zero padding", "", withLine(t, 8, "  - {date: 2025-1-26, name: 春节调休}"),
			"2025.yaml:8: ", []string{"日期格式错误", "malformed date"}},
		{"to before from", "", withLine(t, 6, "  - {from: 2025-02-04, to: 2025-01-28, name: 春节}"),
			"2025.yaml:6: ", []string{"早于", "before"}},
		{"make-up workday on a weekday", "", withLine(t, 8, "  - {date: 2025-01-27, name: 春节调休}"),
			"2025.yaml:8: ", []string{"不是周六或周日", "not a Saturday or Sunday", "Monday"}},
		{"holiday and workday", "", withLine(t, 8, "  - {date: 2025-02-01, name: 春节调休}"),
			"2025.yaml:8: ", []string{"既被列为放假日又被列为调休上班日", "listed both as a holiday and as a make-up workday", "2025.yaml:6"}},
		{"year mismatch", "", withLine(t, 1, "year: 2024"),
			"2025.yaml:1: ", []string{"与文件名", "does not match", "2024"}},
		{"year mismatch via file name", "2026.yaml", base,
			"2026.yaml:1: ", []string{"与文件名", "does not match"}},
		{"unknown key", "", withLine(t, 3, "verifed: true"),
			"2025.yaml:3: ", []string{"未知字段", "unknown key"}},
		{"verified not a bool", "", withLine(t, 3, "verified: yes"),
			"2025.yaml:3: ", []string{"true 或 false", "true or false"}},
		{"date outside the year", "", withLine(t, 5, "  - {from: 2026-01-01, to: 2026-01-01, name: 元旦}"),
			"2025.yaml:5: ", []string{"不在 2025 年", "not in 2025"}},
		{"bad file name", "holidays.yaml", base,
			"holidays.yaml: ", []string{"YYYY.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file := tc.file
			if file == "" {
				file = "2025.yaml"
			}
			_, err := Load(fstest.MapFS{file: {Data: []byte(tc.data)}})
			if err == nil {
				t.Fatal("loaded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.where) && !strings.Contains(msg, "\n"+tc.where) {
				t.Errorf("no line of the error starts with %q:\n%s", tc.where, msg)
			}
			for _, p := range tc.phrase {
				if !strings.Contains(msg, p) {
					t.Errorf("error lacks %q:\n%s", p, msg)
				}
			}
			if code := duixian.ErrorCode(err); code != duixian.EINVALID {
				t.Errorf("ErrorCode = %q, want %q", code, duixian.EINVALID)
			}
		})
	}
}
