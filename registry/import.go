package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// ImportActor is who an import is recorded as in the audit log when the
// caller does not say (ImportAs).
var ImportActor = duixian.Actor{User: "registry-import", Role: duixian.RoleAdmin}

// chineseHeader starts the optional second header row of Chinese labels.
const chineseHeader = "统一社会信用代码"

// Import reads enterprises and their catalogue facts from a CSV or XLSX
// file (format "csv" or "xlsx") and writes them to the enterprise files, all
// in one transaction. The layout is docs/import.md: a header row of column
// names — uscc, name, then catalogue fact names — optionally a row of
// Chinese labels starting with 统一社会信用代码, then one row per enterprise.
//
// Every cell is checked first: the USCC with its check character, every
// value through the catalogue's decoder (type, unit, bounds, allowed
// values), an enterprise listed twice, an unknown column. If anything is
// wrong nothing is written, the Report lists every error by row and column,
// and the error is EINVALID.
//
// A fact column replaces that fact; an empty cell leaves it as it is, and
// facts without a column are kept, so each department can import its own
// columns. An enterprise whose name and facts the file does not change is
// not rewritten: importing the same file again changes nothing.
func Import(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, r io.Reader, format string) (Report, error) {
	return ImportAs(ctx, db, cat, r, format, ImportActor)
}

// ImportAs is Import recorded in the audit log as actor.
func ImportAs(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, r io.Reader, format string, actor duixian.Actor) (Report, error) {
	rep := Report{Format: strings.ToLower(strings.TrimPrefix(format, "."))}
	data, err := io.ReadAll(r)
	if err != nil {
		return rep, err
	}
	var tbl table
	switch rep.Format {
	case "csv":
		tbl, err = readCSV(data)
	case "xlsx":
		tbl, err = readXLSX(data)
	default:
		return rep, duixian.Errorf(duixian.EINVALID, "format", "不支持的文件格式 %q，应为 csv 或 xlsx", "unsupported format %q: use csv or xlsx", format)
	}
	if err != nil {
		return rep, err
	}
	rows, err := parse(cat, tbl, &rep)
	if err != nil {
		return rep, err
	}
	if len(rep.Errors) > 0 {
		return rep, duixian.Errorf(duixian.EINVALID, "file", "文件有%d处错误，未导入任何数据", "the file has %d errors; nothing was imported", len(rep.Errors))
	}
	sum := sha256.Sum256(data)
	err = db.Tx(ctx, func(tx *sqldb.Tx) error {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		return apply(tx, cat, rows, &rep, actor, hex.EncodeToString(sum[:]))
	})
	if err != nil {
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
		return rep, err
	}
	return rep, nil
}

// table is a sheet's cells, with the row number Excel shows for each row.
// For XLSX, rows hold the values stored in the cells and display what
// Excel shows (used to tell that 30% is a percentage, stored as 0.3).
type table struct {
	rows    [][]string
	rowNum  []int
	display [][]string
}

func (t table) shown(i, j int) string {
	if i < len(t.display) && j < len(t.display[i]) {
		return t.display[i][j]
	}
	return ""
}

func readCSV(data []byte) (table, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Excel on a Chinese Windows saves "CSV" in GBK unless told
		// "CSV UTF-8"; GB 18030 reads both.
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err != nil {
			return table{}, duixian.Errorf(duixian.EINVALID, "file", "CSV 文件既不是 UTF-8 也不是 GBK 编码", "the CSV file is neither UTF-8 nor GBK")
		}
		data = dec
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var t table
	// encoding/csv skips blank lines and reads quoted line breaks as part
	// of a cell; Excel shows a blank line as an empty row and a quoted
	// cell on one row. Count rows as Excel does.
	row, prevEnd := 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return t, duixian.Errorf(duixian.EINVALID, "file", "CSV 第%d行格式错误：%v", "CSV line %d is malformed: %v", pe.Line, pe.Err)
			}
			return t, err
		}
		start, _ := cr.FieldPos(0)
		end, _ := cr.FieldPos(len(rec) - 1)
		end += strings.Count(rec[len(rec)-1], "\n")
		row += start - prevEnd
		prevEnd = end
		t.rows = append(t.rows, rec)
		t.rowNum = append(t.rowNum, row)
	}
	return t, nil
}

func readXLSX(data []byte) (table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		return table{}, duixian.Errorf(duixian.EINVALID, "file", "不是有效的 XLSX 文件：%v", "not a valid XLSX file: %v", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return table{}, duixian.Errorf(duixian.EINVALID, "file", "XLSX 文件没有工作表", "the XLSX file has no sheet")
	}
	// The first sheet with a uscc column in its header; else the first.
	var t table
	for i, name := range sheets {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			return table{}, duixian.Errorf(duixian.EINVALID, "file", "无法读取工作表 %s：%v", "cannot read sheet %s: %v", name, err)
		}
		cur := table{rows: rows}
		for j := range rows {
			cur.rowNum = append(cur.rowNum, j+1)
		}
		h := headerIndex(rows)
		found := h >= 0 && indexOf(rows[h], "uscc") >= 0
		if i > 0 && !found {
			continue
		}
		if cur.display, err = f.GetRows(name); err != nil {
			return table{}, duixian.Errorf(duixian.EINVALID, "file", "无法读取工作表 %s：%v", "cannot read sheet %s: %v", name, err)
		}
		if found {
			return cur, nil
		}
		if i == 0 {
			t = cur
		}
	}
	return t, nil
}

// headerIndex finds the header: the first row with a uscc column among
// the first rows (a printed form often has a title above it), else the
// first filled row.
func headerIndex(rows [][]string) int {
	for i, seen := 0, 0; i < len(rows) && seen < 10; i++ {
		if blank(rows[i]) {
			continue
		}
		if indexOf(rows[i], "uscc") >= 0 {
			return i
		}
		seen++
	}
	return firstFilled(rows)
}

func firstFilled(rows [][]string) int {
	for i, r := range rows {
		if !blank(r) {
			return i
		}
	}
	return -1
}

func indexOf(row []string, name string) int {
	for i, c := range row {
		if strings.ToLower(clean(c)) == name {
			return i
		}
	}
	return -1
}

func blank(row []string) bool {
	for _, c := range row {
		if clean(c) != "" {
			return false
		}
	}
	return true
}

// clean trims spaces of every kind (a full-width space, a non-breaking
// space pasted from a web page) and a stray byte-order mark.
func clean(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b' })
}

type columnRole int

const (
	colIgnore columnRole = iota
	colUSCC
	colName
	colFact
)

type column struct {
	letter string
	header string
	role   columnRole
	fact   *engine.Fact
}

// row is one enterprise as the file gives it, its facts decoded.
type row struct {
	num   int
	uscc  string
	name  string
	facts duixian.Facts
}

// parse checks the header and every row, adding every problem to rep.Errors.
func parse(cat *engine.Catalogue, t table, rep *Report) ([]row, error) {
	h := headerIndex(t.rows)
	if h < 0 {
		return nil, duixian.Errorf(duixian.EINVALID, "file", "文件是空的", "the file is empty")
	}
	addErr := func(e RowError) { rep.Errors = append(rep.Errors, e) }
	headerRow := t.rowNum[h]
	banned := fraudBanFacts(cat)
	cols := make([]column, len(t.rows[h]))
	seen := map[string]string{}
	for i, c := range t.rows[h] {
		letter, _ := excelize.ColumnNumberToName(i + 1)
		name := clean(c)
		cols[i] = column{letter: letter, header: name}
		if name == "" {
			continue // a column with data under an empty header is reported per row
		}
		if prev, ok := seen[strings.ToLower(name)]; ok {
			addErr(RowError{Row: headerRow, Column: letter, Header: name,
				Zh: fmt.Sprintf("列 %s 与%s列重复", name, prev), En: fmt.Sprintf("column %s repeats column %s", name, prev)})
			continue
		}
		seen[strings.ToLower(name)] = letter
		switch lower := strings.ToLower(name); {
		case lower == "uscc":
			cols[i].role = colUSCC
		case lower == "name":
			cols[i].role = colName
		default:
			f, ok := cat.Fact(name)
			if !ok {
				f, ok = cat.Fact(lower)
			}
			switch {
			case !ok:
				addErr(RowError{Row: headerRow, Column: letter, Header: name,
					Zh: fmt.Sprintf("未知列 %s：政策目录中没有这个事实（列名应为 uscc、name 或事实名，见 duixian catalogue show）", name),
					En: fmt.Sprintf("unknown column %s: the catalogue has no such fact (columns are uscc, name or fact names; see duixian catalogue show)", name)})
			case banned[f.Name] != nil:
				d := banned[f.Name]
				addErr(RowError{Row: headerRow, Column: letter, Header: name,
					Zh: fmt.Sprintf("%s 由平台根据%s的撤销与禁止申报记录确定，不能导入", f.Name, d.Number),
					En: fmt.Sprintf("%s follows from the platform's bans under %s and cannot be imported", f.Name, d.Number)})
			default:
				cols[i].role, cols[i].fact = colFact, f
				rep.Columns = append(rep.Columns, f.Name)
			}
		}
	}
	for _, need := range []struct{ name, zh string }{{"uscc", "统一社会信用代码"}, {"name", "企业名称"}} {
		if _, ok := seen[need.name]; !ok {
			addErr(RowError{Row: headerRow, Zh: fmt.Sprintf("表头缺少 %s 列（%s）", need.name, need.zh),
				En: fmt.Sprintf("the header has no %s column", need.name)})
		}
	}
	first := h + 1
	if first < len(t.rows) && len(t.rows[first]) > 0 && strings.HasPrefix(clean(t.rows[first][0]), chineseHeader) {
		first++
	}
	var out []row
	where := map[string]int{} // USCC → row it first appears in
	for i := first; i < len(t.rows); i++ {
		cells := t.rows[i]
		if blank(cells) {
			continue
		}
		rep.Rows++
		r := row{num: t.rowNum[i], facts: duixian.Facts{}}
		ok := true
		bad := func(c column, zh, en string) {
			ok = false
			addErr(RowError{Row: r.num, Column: c.letter, Header: c.header, Zh: zh, En: en})
		}
		for j, raw := range cells {
			v := clean(raw)
			if j >= len(cols) {
				if v != "" {
					letter, _ := excelize.ColumnNumberToName(j + 1)
					bad(column{letter: letter}, "此列没有表头", "this column has no header")
				}
				continue
			}
			c := cols[j]
			switch c.role {
			case colIgnore:
				if v != "" && c.header == "" {
					bad(c, "此列没有表头", "this column has no header")
				}
			case colUSCC:
				r.uscc = v
				if v == "" {
					break // reported below
				}
				if err := duixian.ValidateUSCC(v); err != nil {
					zh, en := messages(err)
					bad(c, "统一社会信用代码"+quoteCell(v)+"无效："+zh, fmt.Sprintf("unified social credit code %q is invalid: %s", v, en))
				} else if prev, dup := where[v]; dup {
					bad(c, fmt.Sprintf("企业 %s 与第%d行重复，同一企业只能出现一次", v, prev),
						fmt.Sprintf("enterprise %s already appears in row %d; list each enterprise once", v, prev))
				} else {
					where[v] = r.num
				}
			case colName:
				r.name = v
			case colFact:
				if v == "" {
					continue
				}
				if c.fact.Unit == "%" && strings.HasSuffix(clean(t.shown(i, j)), "%") {
					// A cell formatted as a percentage stores 30% as 0.3.
					if d, err := decimal.Parse(v); err == nil {
						if d, err = d.Mul(decimal.Hundred); err == nil {
							v = d.Trim(0).String()
						}
					}
				}
				raw, err := cellValue(c.fact, v)
				if err == nil {
					var d duixian.Facts
					d, err = cat.DecodeFacts("facts", map[string]any{c.fact.Name: raw})
					if err == nil {
						r.facts[c.fact.Name] = d[c.fact.Name]
					}
				}
				if err != nil {
					zh, en := messages(err)
					bad(c, zh, en)
				}
			}
		}
		if r.uscc == "" {
			if c, okc := colByRole(cols, colUSCC); okc {
				bad(c, "缺少统一社会信用代码", "the unified social credit code is missing")
			}
		}
		if r.name == "" {
			if c, okc := colByRole(cols, colName); okc {
				bad(c, "缺少企业名称", "the enterprise name is missing")
			}
		}
		if ok {
			out = append(out, r)
		}
	}
	if rep.Rows == 0 && len(rep.Errors) == 0 {
		return nil, duixian.Errorf(duixian.EINVALID, "file", "文件只有表头，没有企业数据", "the file has a header but no enterprises")
	}
	return out, nil
}

func colByRole(cols []column, role columnRole) (column, bool) {
	for _, c := range cols {
		if c.role == role {
			return c, true
		}
	}
	return column{}, false
}

func quoteCell(s string) string { return "“" + s + "”" }

// messages takes the two languages out of an application error.
func messages(err error) (zh, en string) {
	var e *duixian.Error
	if errors.As(err, &e) {
		return e.Zh, e.En
	}
	return err.Error(), err.Error()
}

var (
	exponent = regexp.MustCompile(`^[+-]?\d+(\.\d+)?[eE][+-]?\d+$`)
	grouped  = regexp.MustCompile(`^[+-]?\d{1,3}([,，]\d{3})+(\.\d+)?`)
)

// number normalises a number as officials and Excel write it: thousands
// separators ("1,234,567.50"), Excel's exponent form for large values
// ("5E+10") and the fact's unit after it ("260平方米", "12个月").
func number(f *engine.Fact, s string) string {
	if f.Unit != "" && f.Unit != "元" {
		s = strings.TrimSpace(strings.TrimSuffix(s, f.Unit))
	}
	if grouped.MatchString(s) {
		s = strings.NewReplacer(",", "", "，", "").Replace(s)
	}
	if exponent.MatchString(s) {
		if d, err := decimal.Parse(s); err == nil {
			s = d.String()
		}
	}
	return s
}

// calendarDate is a date as spreadsheets write it: 2024-3-15, 2024/03/15,
// 2024.3.15 or 2024年3月15日.
var calendarDate = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)

// dateText writes a spreadsheet's date as YYYY-MM-DD, which the decoder
// reads; anything else is left for the decoder to refuse by name.
func dateText(s string) string {
	m := calendarDate.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return s
	}
	mo, _ := strconv.Atoi(m[2])
	d, _ := strconv.Atoi(m[3])
	return fmt.Sprintf("%s-%02d-%02d", m[1], mo, d)
}

// cellValue turns a cell's text into the raw value the catalogue's decoder
// takes for the fact, the way JSON input would give it.
func cellValue(f *engine.Fact, s string) (any, error) {
	switch f.Kind {
	case engine.KindDate:
		return dateText(s), nil
	case engine.KindBool:
		switch strings.ToLower(s) {
		case "是", "true", "1", "√", "y", "yes":
			return true, nil
		case "否", "false", "0", "×", "n", "no":
			return false, nil
		}
		return s, nil // the decoder says what it should be
	case engine.KindInt:
		return json.Number(number(f, s)), nil
	case engine.KindDecimal:
		return number(f, s), nil
	case engine.KindMoney:
		t := s
		for _, u := range []string{"万", "亿"} {
			if strings.HasSuffix(t, u) {
				t += "元"
			}
		}
		num, unit := splitUnit(t)
		return number(f, num) + unit, nil
	case engine.KindEnum:
		return enumValue(f, s), nil
	case engine.KindSet:
		var out []any
		seen := map[string]bool{}
		for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '；' }) {
			v := enumValue(f, clean(part))
			if v == "" || seen[v] {
				continue
			}
			seen[v] = true
			out = append(out, v)
		}
		if out == nil {
			out = []any{}
		}
		return out, nil
	case engine.KindRecords:
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, duixian.Errorf(duixian.EINVALID, f.Name, "事实 %s（%s）应为 JSON 记录列表，如 [{\"name\": …}]：%v",
				"fact %s (%s) must be a JSON list of records such as [{\"name\": …}]: %v", f.Name, f.Zh, err)
		}
		return v, nil
	}
	return s, nil
}

// splitUnit separates "6万元" into "6" and "万元".
func splitUnit(s string) (string, string) {
	for _, u := range []string{"亿元", "万元", "元"} {
		if strings.HasSuffix(s, u) {
			return strings.TrimSpace(strings.TrimSuffix(s, u)), u
		}
	}
	return s, ""
}

// enumValue accepts an enum value or its Chinese label.
func enumValue(f *engine.Fact, s string) string {
	for _, e := range f.Values {
		if e.Value == s {
			return s
		}
	}
	for _, e := range f.Values {
		if e.Zh != "" && e.Zh == s {
			return e.Value
		}
	}
	return s
}

// apply writes the checked rows: new enterprises are created, changed ones
// updated (their bans kept), unchanged ones left alone.
func apply(tx *sqldb.Tx, cat *engine.Catalogue, rows []row, rep *Report, actor duixian.Actor, digest string) error {
	now := time.Now()
	at := now.In(duixian.Shanghai).Format(time.RFC3339Nano)
	entry := func(action, subject, before, after string) duixian.AuditEntry {
		return duixian.AuditEntry{At: at, Actor: actor, Action: action, Subject: subject, Before: clip(before), After: clip(after)}
	}
	for _, r := range rows {
		old, err := tx.Enterprise(r.uscc, true)
		var nf *duixian.Error
		if errors.As(err, &nf) && nf.Code == duixian.ENOTFOUND {
			facts, _, _, err := merge(cat, nil, r.facts)
			if err != nil {
				return err
			}
			e := &duixian.Enterprise{USCC: r.uscc, Name: r.name, Facts: facts, Updated: now}
			if err := tx.PutEnterprise(e); err != nil {
				return err
			}
			if err := tx.Audit(entry("import-enterprise", r.uscc, "", r.name+" "+string(facts))); err != nil {
				return err
			}
			rep.Created++
			continue
		}
		if err != nil {
			return err
		}
		facts, before, after, err := merge(cat, old.Facts, r.facts)
		if err != nil {
			return err
		}
		if old.Name != r.name {
			before["name"], after["name"] = old.Name, r.name
		}
		if len(after) == 0 {
			rep.Unchanged++
			continue
		}
		old.Name, old.Facts, old.Updated = r.name, facts, now
		if err := tx.PutEnterprise(old); err != nil {
			return err
		}
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		if err := tx.Audit(entry("import-enterprise", r.uscc, string(b), string(a))); err != nil {
			return err
		}
		rep.Updated++
	}
	if rep.Created+rep.Updated == 0 {
		return nil
	}
	return tx.Audit(entry("import", "registry", "sha256:"+digest,
		fmt.Sprintf("%s：%d行，新增%d，更新%d，未变%d / %d rows: %d created, %d updated, %d unchanged",
			rep.Format, rep.Rows, rep.Created, rep.Updated, rep.Unchanged, rep.Rows, rep.Created, rep.Updated, rep.Unchanged)))
}

// merge lays the file's facts over an enterprise's stored facts. It returns
// the new facts and, for the audit log, the old and new values of the facts
// that changed (empty when none did).
func merge(cat *engine.Catalogue, stored json.RawMessage, file duixian.Facts) (json.RawMessage, map[string]any, map[string]any, error) {
	m := map[string]json.RawMessage{}
	if len(stored) > 0 {
		if err := json.Unmarshal(stored, &m); err != nil {
			return nil, nil, nil, fmt.Errorf("stored facts: %w", err)
		}
	}
	names := make([]string, 0, len(file))
	for k := range file {
		names = append(names, k)
	}
	sort.Strings(names)
	before, after := map[string]any{}, map[string]any{}
	for _, name := range names {
		f, _ := cat.Fact(name)
		v := file[name]
		enc, err := json.Marshal(encodeFact(f, v))
		if err != nil {
			return nil, nil, nil, err
		}
		if raw, ok := m[name]; ok {
			if prev, err := decodeOne(cat, name, raw); err == nil && canon(prev) == canon(v) {
				continue
			}
			before[name] = raw
		}
		after[name] = json.RawMessage(enc)
		m[name] = enc
	}
	out, err := json.Marshal(m)
	return out, before, after, err
}

// decodeOne decodes one stored fact value.
func decodeOne(cat *engine.Catalogue, name string, raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	d, err := cat.DecodeFacts("facts", map[string]any{name: v})
	if err != nil {
		return nil, err
	}
	return d[name], nil
}

func clip(s string) string {
	if len(s) <= 2000 {
		return s
	}
	cut := 2000
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
