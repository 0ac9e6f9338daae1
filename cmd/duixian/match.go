package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/matching"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// runMatch: duixian match --date D --db PATH [--as-of D] [--clause ID]… [--out FILE]
func runMatch(args []string, out, errOut io.Writer) error {
	fl := flag.NewFlagSet("match", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dir := fl.String("catalogue", "", "catalogue directory")
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://…")
	date := fl.String("date", "", "event date YYYY-MM-DD (default today)")
	asOfFlag := fl.String("as-of", "", "as-of date YYYY-MM-DD (default today)")
	outPath := fl.String("out", "", "write offers and near misses to FILE.json or FILE.csv (default: a summary on standard output)")
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
	subjects, bad, err := matching.Load(ctx, db, cat, asOf)
	if err != nil {
		return err
	}
	for _, e := range bad {
		fmt.Fprintln(errOut, "跳过 / skipped:", e)
	}
	b := cat.NewBatch(ev, asOf, *outPath != "", clauses...)
	progress := func(int) {}
	if isTerminal(errOut) {
		progress = func(done int) {
			fmt.Fprintf(errOut, "\r比对中 / matching %d/%d 家企业 × %d 个条款", done, len(subjects), b.Clauses())
		}
	}
	res, err := matching.Run(ctx, subjects, b, progress)
	if isTerminal(errOut) {
		fmt.Fprintln(errOut)
	}
	if err != nil {
		return err
	}
	var total duixian.Money
	for _, o := range res.Offers {
		total += o.Decision.Amount
	}
	fmt.Fprintf(out, "%d 家企业 × %d 个条款：%d 项可享（合计 %s），%d 项差一点，%d 项无法判定，%d 项数据有误；用时 %s\n",
		res.Enterprises, b.Clauses(), len(res.Offers), total.Wan(), len(res.NearMisses), len(res.Undecided), len(res.Errors), res.Elapsed.Round(1e6))
	// A broken clause is undecided for every enterprise it applies to: name
	// a few, the output file has them all.
	for i, u := range res.Undecided {
		if i == 20 {
			fmt.Fprintf(errOut, "无法判定 / undecided: 另有 %d 项 / %d more\n", len(res.Undecided)-i, len(res.Undecided)-i)
			break
		}
		fmt.Fprintln(errOut, "无法判定 / undecided:", u)
	}
	if *outPath == "" {
		return nil
	}
	f, err := os.Create(*outPath)
	if err != nil {
		return duixian.Errorf(duixian.EINVALID, "--out", "无法写入：%v", "cannot write: %v", err)
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(*outPath)) {
	case ".json":
		enc := json.NewEncoder(f)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case ".csv":
		return writeOffersCSV(f, res)
	}
	return duixian.Errorf(duixian.EINVALID, "--out", "输出文件应为 .json 或 .csv", "the output must be .json or .csv")
}

func writeOffersCSV(w io.Writer, res matching.Result) error {
	cw := csv.NewWriter(w)
	row := func(cells ...string) {
		for i, c := range cells {
			cells[i] = inert(c)
		}
		cw.Write(cells)
	}
	row("统一社会信用代码", "企业名称", "条款", "条款名称", "文件", "结论", "金额（元）", "金额（万元）", "不符合的条件与差距")
	for _, group := range []struct {
		list []matching.Offer
		zh   string
	}{{res.Offers, "可享"}, {res.NearMisses, "差一点"}} {
		for _, o := range group.list {
			d := o.Decision
			var why []string
			for _, r := range d.Reasons {
				why = append(why, r.Zh+"（"+r.Cite.String()+"）")
			}
			row(o.Enterprise, o.Name, d.Clause, d.Title, d.Document.Number, group.zh, d.Amount.String(), d.Amount.Wan(), strings.Join(why, "；"))
		}
	}
	for _, u := range res.Undecided {
		row(u.Enterprise, u.Name, u.Clause, u.Title, u.Document, "无法判定", "", "", u.Zh)
	}
	cw.Flush()
	return cw.Error()
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
