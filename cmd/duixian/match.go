package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/matching"
	"github.com/xuri/excelize/v2"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runMatch: duixian match --date D --db PATH [--as-of D] [--clause ID]… [--out FILE] [--explain]
//
// The registry is streamed: read a page at a time, decided on every core,
// written as it comes, so memory does not grow with the population.
func runMatch(args []string, out, errOut io.Writer) error {
	fl := flag.NewFlagSet("match", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dir := fl.String("catalogue", "", "catalogue directory")
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://…")
	date := fl.String("date", "", "event date YYYY-MM-DD (default today)")
	asOfFlag := fl.String("as-of", "", "as-of date YYYY-MM-DD (default today)")
	outPath := fl.String("out", "", "write offers and near misses to FILE.csv, FILE.ndjson or FILE.xlsx (default: a summary on standard output)")
	explain := fl.Bool("explain", false, "with --out FILE.ndjson: each line carries the full decision with its trace")
	store := fl.Bool("store", false, "store the offers in the platform, as a run started on /offers: each enterprise finds its own (免申即享), worked by this process's job queue")
	var clauses listFlag
	fl.Var(&clauses, "clause", "only this clause (repeatable)")
	if err := fl.Parse(args); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	today := duixian.Today()
	ev, asOf := today, today
	var err error
	for _, d := range []struct {
		flag, v string
		dst     *duixian.Date
	}{{"--date", *date, &ev}, {"--as-of", *asOfFlag, &asOf}} {
		if d.v != "" {
			if *d.dst, err = duixian.ParseDate(d.v); err != nil {
				return duixian.Errorf(duixian.EINVALID, d.flag, "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD")
			}
		}
	}
	var sink offerSink = discard{}
	ext := strings.ToLower(filepath.Ext(*outPath))
	if *outPath != "" && ext != ".csv" && ext != ".ndjson" && ext != ".xlsx" {
		return duixian.Errorf(duixian.EINVALID, "--out", "输出文件应为 .csv、.ndjson 或 .xlsx", "the output must be .csv, .ndjson or .xlsx")
	}
	if *explain && ext != ".ndjson" {
		return duixian.Errorf(duixian.EINVALID, "--explain", "--explain 只用于 .ndjson 输出", "--explain goes with an .ndjson output")
	}
	if *store && *outPath != "" {
		return duixian.Errorf(duixian.EINVALID, "--store", "--store 与 --out 不能同时使用：存入平台的比对结果在 /offers 查看", "--store and --out do not go together: a stored run is read on /offers")
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return err
	}
	for _, c := range clauses {
		if _, ok := cat.Clause(c); !ok {
			return duixian.Errorf(duixian.ENOTFOUND, "--clause", "没有条款 %s", "no clause %s", c)
		}
	}
	ctx := context.Background()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if *store {
		return storeRun(ctx, cat, db, *dbPath, matching.RunInput{EventDate: ev.String(), AsOf: asOf.String(), Clauses: clauses}, out, errOut)
	}
	if *outPath != "" {
		f, err := os.Create(*outPath)
		if err != nil {
			return duixian.Errorf(duixian.EINVALID, "--out", "无法写入：%v", "cannot write: %v", err)
		}
		defer f.Close()
		switch ext {
		case ".csv":
			sink = newCSVSink(f)
		case ".ndjson":
			sink = &ndjsonSink{w: bufio.NewWriterSize(f, 1<<16), explain: *explain}
		case ".xlsx":
			if sink, err = newXLSXSink(f); err != nil {
				return err
			}
		}
	}
	b := cat.NewBatch(ev, asOf, *explain, clauses...)
	bar := newProgressBar(errOut)
	var undecided []matching.Undecided // the first few, named on stderr
	t, err := matching.Stream(ctx, db, cat, b, asOf, bar.show, func(p *matching.Page) error {
		if len(undecided) < 20 {
			undecided = append(undecided, p.Undecided[:min(len(p.Undecided), 20-len(undecided))]...)
		}
		for _, e := range p.Errors {
			fmt.Fprintln(errOut, "跳过 / skipped:", e)
		}
		return sink.page(p)
	})
	bar.done()
	if err != nil {
		return err
	}
	if err := sink.close(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "--out", "无法写入：%v", "cannot write: %v", err)
	}
	fmt.Fprintf(out, "%d 家企业 × %d 个条款：%d 项可享（合计 %s），%d 项差一点，%d 项无法判定，%d 家数据有误；用时 %s（事项发生日 %s，判定日 %s）\n",
		t.Enterprises, b.Clauses(), t.Offers, t.Amount.WanAbout(), t.NearMisses, t.Undecided, t.Errors, t.Elapsed.Round(time.Millisecond), ev, asOf)
	// A broken clause is undecided for every enterprise it applies to: name
	// a few, the output file has them all.
	for _, u := range undecided {
		fmt.Fprintln(errOut, "无法判定 / undecided:", u)
	}
	if t.Undecided > len(undecided) {
		fmt.Fprintf(errOut, "无法判定 / undecided: 另有 %d 项 / %d more\n", t.Undecided-len(undecided), t.Undecided-len(undecided))
	}
	return nil
}

// offerSink writes a run's pages as they come.
type offerSink interface {
	page(*matching.Page) error
	close() error
}

type discard struct{}

func (discard) page(*matching.Page) error { return nil }
func (discard) close() error              { return nil }

// offerRecord is one line of the output: an offer, a near miss with the
// conditions missed and by how much, or a clause that could not be decided.
type offerRecord struct {
	Enterprise string            `json:"enterprise"`
	Name       string            `json:"enterprise_name"`
	Clause     string            `json:"clause"`
	Title      string            `json:"title"`
	Document   string            `json:"document"`
	Result     string            `json:"result"` // offer, near-miss, undecided
	AmountFen  *duixian.Money    `json:"amount_fen,omitempty"`
	Amount     string            `json:"amount,omitempty"`
	Missed     []missed          `json:"missed,omitempty"`
	Undecided  string            `json:"undecided,omitempty"`
	Decision   *duixian.Decision `json:"decision,omitempty"` // with --explain
}

type missed struct {
	Code string `json:"code"`
	Zh   string `json:"zh"`
	Cite string `json:"cite"`
	Gap  string `json:"gap,omitempty"`
}

// records lists a page's lines: offers, then near misses, then clauses not
// decided, each in USCC order.
func records(p *matching.Page, explain bool) []offerRecord {
	out := make([]offerRecord, 0, len(p.Offers)+len(p.NearMisses)+len(p.Undecided))
	for _, group := range []struct {
		list   []matching.Offer
		result string
	}{{p.Offers, "offer"}, {p.NearMisses, "near-miss"}} {
		for _, o := range group.list {
			d := o.Decision
			r := offerRecord{Enterprise: o.Enterprise, Name: o.Name, Clause: d.Clause, Title: d.Title, Document: d.Document.Number, Result: group.result}
			if d.Eligible {
				amount := d.Amount
				r.AmountFen, r.Amount = &amount, d.Amount.Wan()
			}
			for _, why := range d.Reasons {
				r.Missed = append(r.Missed, missed{Code: why.Code, Zh: why.Zh, Cite: why.Cite.String(), Gap: why.Gap})
			}
			if explain {
				r.Decision = &d
			}
			out = append(out, r)
		}
	}
	for _, u := range p.Undecided {
		out = append(out, offerRecord{Enterprise: u.Enterprise, Name: u.Name, Clause: u.Clause, Title: u.Title, Document: u.Document,
			Result: "undecided", Undecided: u.Zh})
	}
	return out
}

// ndjsonSink writes one JSON object a line.
type ndjsonSink struct {
	w       *bufio.Writer
	explain bool
}

func (s *ndjsonSink) page(p *matching.Page) error {
	enc := json.NewEncoder(s.w)
	enc.SetEscapeHTML(false)
	for _, r := range records(p, s.explain) {
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	return nil
}

func (s *ndjsonSink) close() error { return s.w.Flush() }

var offerColumns = []string{"统一社会信用代码", "企业名称", "条款", "条款名称", "文件", "结论", "金额（元）", "金额（万元）", "不符合的条件与差距"}

var resultZh = map[string]string{"offer": "可享", "near-miss": "差一点", "undecided": "无法判定"}

// cells is a record as a spreadsheet row.
func (r offerRecord) cells() []string {
	amount, wan := "", ""
	if r.AmountFen != nil {
		amount, wan = r.AmountFen.String(), r.Amount
	}
	why := r.Undecided
	if r.Result != "undecided" {
		var parts []string
		for _, m := range r.Missed {
			parts = append(parts, m.Zh+"（"+m.Cite+"）")
		}
		why = strings.Join(parts, "；")
	}
	return []string{r.Enterprise, r.Name, r.Clause, r.Title, r.Document, resultZh[r.Result], amount, wan, why}
}

type csvSink struct{ w *csv.Writer }

func newCSVSink(w io.Writer) *csvSink {
	s := &csvSink{w: csv.NewWriter(w)} // which buffers
	s.row(offerColumns)
	return s
}

func (s *csvSink) row(cells []string) {
	for i, c := range cells {
		cells[i] = inert(c)
	}
	s.w.Write(cells)
}

func (s *csvSink) page(p *matching.Page) error {
	for _, r := range records(p, false) {
		s.row(r.cells())
	}
	return s.w.Error()
}

func (s *csvSink) close() error {
	s.w.Flush()
	return s.w.Error()
}

// xlsxSink writes rows through excelize's StreamWriter, which keeps them on
// disk, not in memory. An XLSX sheet holds at most 1,048,576 rows.
type xlsxSink struct {
	f    *excelize.File
	sw   *excelize.StreamWriter
	out  io.Writer
	rows int
}

const xlsxMaxRows = 1048576

func newXLSXSink(w io.Writer) (*xlsxSink, error) {
	f := excelize.NewFile()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		return nil, err
	}
	s := &xlsxSink{f: f, sw: sw, out: w}
	return s, s.add(offerColumns)
}

func (s *xlsxSink) add(cells []string) error {
	if s.rows == xlsxMaxRows {
		return duixian.Errorf(duixian.EINVALID, "--out", "结果超过 XLSX 工作表的 %d 行上限，请改用 .csv 或 .ndjson", "the result exceeds an XLSX sheet's %d rows; use .csv or .ndjson", xlsxMaxRows)
	}
	s.rows++
	row := make([]any, len(cells))
	for i, c := range cells {
		row[i] = c
	}
	cell, _ := excelize.CoordinatesToCellName(1, s.rows)
	return s.sw.SetRow(cell, row)
}

func (s *xlsxSink) page(p *matching.Page) error {
	for _, r := range records(p, false) {
		if err := s.add(r.cells()); err != nil {
			return err
		}
	}
	return nil
}

func (s *xlsxSink) close() error {
	if err := s.sw.Flush(); err != nil {
		return err
	}
	_, err := s.f.WriteTo(s.out)
	return err
}

// progressBar shows a run's progress on a terminal: count, rate and the
// time left; it says nothing when standard error is not a terminal.
type progressBar struct {
	w     io.Writer
	start time.Time
	on    bool
}

func newProgressBar(w io.Writer) *progressBar {
	return &progressBar{w: w, start: time.Now(), on: isTerminal(w)}
}

func (p *progressBar) show(done, total int) {
	if !p.on || total == 0 {
		return
	}
	// Whole numbers only: the rate is enterprises a second, the time left
	// the elapsed time scaled by what remains.
	elapsed := max(time.Since(p.start), time.Millisecond)
	rate := int64(done) * int64(time.Second) / int64(elapsed)
	var left time.Duration
	if done > 0 {
		left = (elapsed * time.Duration(total-done) / time.Duration(done)).Round(time.Second)
	}
	const width = 30
	filled := width * done / total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d 家企业 · %d 家/秒 · 预计剩余 %s   ",
		strings.Repeat("█", filled), strings.Repeat("·", width-filled), done, total, rate, left)
}

func (p *progressBar) done() {
	if p.on {
		fmt.Fprintln(p.w)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// inert keeps a spreadsheet from reading a cell as a formula: an enterprise
// named "=HYPERLINK(…)" is shown as text, with a leading apostrophe.
func inert(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
