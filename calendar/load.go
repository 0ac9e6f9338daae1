package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"go.yaml.in/yaml/v3"
)

// The year files are walked as yaml.Node trees rather than decoded into
// structs: every defect is then reported at the line of the value at fault,
// unknown and duplicate keys included.

var (
	fileNameRE = regexp.MustCompile(`^(\d{4})\.yaml$`)
	lineRE     = regexp.MustCompile(`line (\d+)`)
)

// pos is a place in a year file.
type pos struct {
	file string
	line int
}

func (p pos) String() string {
	if p.line <= 0 {
		return p.file
	}
	return fmt.Sprintf("%s:%d", p.file, p.line)
}

type entry struct {
	kind dayKind
	at   pos
}

type loader struct {
	errs  []located
	years map[int]Year
	days  map[duixian.Date]entry
	name  string // the file being read
}

// located is a defect and where it is, to report defects in file order.
type located struct {
	at  pos
	err error
}

func (l *loader) errAt(at pos, zh, en string, args ...any) {
	l.errs = append(l.errs, located{at, duixian.Errorf(duixian.EINVALID, at.String(), zh, en, args...)})
}

func (l *loader) errf(line int, zh, en string, args ...any) {
	l.errAt(pos{l.name, line}, zh, en, args...)
}

// err joins the defects found, sorted by file and line.
func (l *loader) err() error {
	sort.SliceStable(l.errs, func(i, j int) bool {
		a, b := l.errs[i].at, l.errs[j].at
		if a.file != b.file {
			return a.file < b.file
		}
		return a.line < b.line
	})
	errs := make([]error, len(l.errs))
	for i, e := range l.errs {
		errs[i] = e.err
	}
	return errors.Join(errs...)
}

func (l *loader) at(n *yaml.Node) pos { return pos{l.name, n.Line} }

// file reads one year file.
func (l *loader) file(fsys fs.FS, name string) {
	l.name = name
	m := fileNameRE.FindStringSubmatch(name)
	if m == nil {
		l.errf(0, "文件名应为 YYYY.yaml（四位年份）", "the file name must be YYYY.yaml (a four-digit year)")
		return
	}
	fileYear, _ := strconv.Atoi(m[1])
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		l.errf(0, "无法读取：%v", "cannot read: %v", err)
		return
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			l.errf(0, "文件为空", "the file is empty")
		} else {
			l.errf(lineOf(err), "YAML 语法错误：%v", "YAML syntax error: %v", err)
		}
		return
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == io.EOF:
	case err != nil:
		l.errf(lineOf(err), "YAML 语法错误：%v", "YAML syntax error: %v", err)
		return
	default:
		l.errf(next.Line, "一个文件只能有一个 YAML 文档", "a file holds exactly one YAML document")
		return
	}
	if len(doc.Content) == 0 {
		l.errf(0, "文件为空", "the file is empty")
		return
	}
	root := doc.Content[0]
	f := l.fields(root, "文件", "the file", "year", "source", "verified", "holidays", "workdays")
	if f == nil {
		return
	}
	y := Year{Year: fileYear}
	if n := f["year"]; n != nil {
		if v, ok := l.year(n); ok && v != fileYear {
			l.errf(n.Line, "year 为 %d，与文件名 %s 不符", "year %d does not match the file name %s", v, name)
		}
	}
	if n := f["source"]; n != nil {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || strings.TrimSpace(n.Value) == "" {
			l.errf(n.Line, "source 须写明依据的通知名称", "source must name the notice the schedule comes from")
		}
		y.Source = strings.TrimSpace(n.Value)
	}
	if n := f["verified"]; n != nil {
		if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&y.Verified) != nil {
			l.errf(n.Line, "verified 须为 true 或 false，实为 %q", "verified must be true or false, got %q", n.Value)
		}
	}
	if n := f["holidays"]; n != nil {
		items := l.list(n, "holidays")
		if items != nil && len(items) == 0 {
			l.errf(n.Line, "holidays 不能为空：每年都有法定节假日", "holidays cannot be empty: every year has public holidays")
		}
		for _, it := range items {
			l.holiday(it, fileYear)
		}
	}
	if n := f["workdays"]; n != nil {
		for _, it := range l.list(n, "workdays") {
			l.workday(it, fileYear)
		}
	}
	l.years[fileYear] = y
}

// fields checks that n is a mapping with exactly the given keys, each once,
// and returns their values. Missing keys are reported and absent from the
// result; nil means n is not a mapping.
func (l *loader) fields(n *yaml.Node, whatZh, whatEn string, keys ...string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		l.errf(n.Line, "%[1]s应为映射（key: value），含 %[3]s", "%[2]s must be a mapping (key: value) with %[3]s",
			whatZh, whatEn, strings.Join(keys, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !contains(keys, k.Value):
			l.errf(k.Line, "未知字段 %q（可用：%s）", "unknown key %q (known: %s)", k.Value, strings.Join(keys, ", "))
		case out[k.Value] != nil:
			l.errf(k.Line, "字段 %q 重复", "key %q appears twice", k.Value)
		default:
			out[k.Value] = v
		}
	}
	for _, k := range keys {
		if out[k] == nil {
			l.errf(n.Line, "%[1]s缺少字段 %[3]q", "%[2]s lacks the key %[3]q", whatZh, whatEn, k)
		}
	}
	return out
}

func (l *loader) list(n *yaml.Node, key string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		l.errf(n.Line, "%s 应为列表（没有时写 []）", "%s must be a list (write [] for none)", key)
		return nil
	}
	return n.Content
}

func (l *loader) year(n *yaml.Node) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!int" {
		if v, err := strconv.Atoi(n.Value); err == nil {
			return v, true
		}
	}
	l.errf(n.Line, "year 应为四位年份，实为 %q", "year must be a four-digit year, got %q", n.Value)
	return 0, false
}

// date reads a YYYY-MM-DD date lying in year or in the December before it.
func (l *loader) date(n *yaml.Node, key string, year int) (duixian.Date, bool) {
	if n.Kind != yaml.ScalarNode {
		l.errf(n.Line, "%s 日期格式错误，应为 YYYY-MM-DD", "%s: malformed date, want YYYY-MM-DD", key)
		return duixian.Date{}, false
	}
	d, err := duixian.ParseDate(n.Value)
	if err != nil || d.String() != n.Value {
		l.errf(n.Line, "%s 日期格式错误 %q，应为 YYYY-MM-DD 的有效日期", "%s: malformed date %q, want a valid YYYY-MM-DD",
			key, n.Value)
		return duixian.Date{}, false
	}
	if d.Year != year && (d.Year != year-1 || d.Month != time.December) {
		l.errf(n.Line, "%s %s 不在 %d 年（或前一年12月）内", "%s %s is not in %d (or the December before it)",
			key, d, year)
		return duixian.Date{}, false
	}
	return d, true
}

func (l *loader) checkName(n *yaml.Node) {
	if n.Kind != yaml.ScalarNode || strings.TrimSpace(n.Value) == "" {
		l.errf(n.Line, "name 须写明节日名称", "name must name the holiday")
	}
}

func (l *loader) holiday(n *yaml.Node, year int) {
	f := l.fields(n, "节假日", "a holiday", "from", "to", "name")
	if f == nil {
		return
	}
	if f["name"] != nil {
		l.checkName(f["name"])
	}
	if f["from"] == nil || f["to"] == nil {
		return
	}
	from, ok1 := l.date(f["from"], "from", year)
	to, ok2 := l.date(f["to"], "to", year)
	if !ok1 || !ok2 {
		return
	}
	if to.Before(from) {
		l.errf(f["to"].Line, "放假区间的结束日 %s 早于开始日 %s", "holiday range ends (to %s) before it starts (from %s)", to, from)
		return
	}
	for d := from; !d.After(to); d = d.AddDays(1) {
		l.add(d, holiday, l.at(f["from"]))
	}
}

func (l *loader) workday(n *yaml.Node, year int) {
	f := l.fields(n, "调休上班日", "a make-up workday", "date", "name")
	if f == nil {
		return
	}
	if f["name"] != nil {
		l.checkName(f["name"])
	}
	if f["date"] == nil {
		return
	}
	d, ok := l.date(f["date"], "date", year)
	if !ok {
		return
	}
	// A make-up workday exists to turn a weekend day into a working day; a
	// weekday listed here would be a typo that silently changes nothing.
	if wd := weekday(d); wd != time.Saturday && wd != time.Sunday {
		l.errf(f["date"].Line, "调休上班日 %[1]s 是%[2]s，不是周六或周日", "make-up workday %[1]s is a %[3]s, not a Saturday or Sunday",
			d, weekdayZh[wd], wd)
		return
	}
	l.add(d, workday, l.at(f["date"]))
}

// add records one day, rejecting a day listed twice, within a file or across
// files (the December days a notice may reach back into).
func (l *loader) add(d duixian.Date, k dayKind, at pos) {
	prev, seen := l.days[d]
	if !seen {
		l.days[d] = entry{kind: k, at: at}
		return
	}
	if prev.kind != k {
		l.errAt(at,
			"%s 既被列为放假日又被列为调休上班日（另见 %s）", "%s is listed both as a holiday and as a make-up workday (see also %s)",
			d, prev.at)
		return
	}
	l.errAt(at, "%s 重复列出（另见 %s）", "%s is listed twice (see also %s)", d, prev.at)
}

var weekdayZh = [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

func lineOf(err error) int {
	var te *yaml.TypeError
	if errors.As(err, &te) && len(te.Errors) > 0 {
		return lineOfMsg(te.Errors[0])
	}
	return lineOfMsg(err.Error())
}

func lineOfMsg(s string) int {
	if m := lineRE.FindStringSubmatch(s); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}
