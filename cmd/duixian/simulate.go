package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/simulation"
)

// runSimulate: duixian simulate --reform DIR [--date D] [--as-of D] [--db PATH] [--json] [--out FILE.xlsx] [--movers N] [--full]
//
// The registry is streamed as by match (matching.StreamPasses), decided
// under the catalogue in force and under the reform; with --json every
// mover is written as it is found, so memory does not grow with them.
func runSimulate(args []string, out, errOut io.Writer) error {
	fl := flag.NewFlagSet("simulate", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dir := fl.String("catalogue", "", "catalogue directory (default: the catalogue in force, built in)")
	reformDir := fl.String("reform", "", "the reform: a directory of changed or new documents with their cases")
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://…")
	date := fl.String("date", "", "event date YYYY-MM-DD (default today, or the day the reform comes into force if later)")
	asOfFlag := fl.String("as-of", "", "as-of date YYYY-MM-DD (default the event date)")
	asJSON := fl.Bool("json", false, "print the report as JSON, every mover in it")
	outPath := fl.String("out", "", "write the report to FILE.xlsx")
	keep := fl.Int("movers", simulation.DefaultKeep, "movers kept in the report and the XLSX, the largest changes first")
	full := fl.Bool("full", false, "decide every clause under the reform too, not only those of the documents it changes")
	if err := fl.Parse(args); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	if *reformDir == "" {
		return duixian.Errorf(duixian.EINVALID, "--reform", "请用 --reform 指定改革方案目录", "give the reform's directory with --reform")
	}
	if *outPath != "" && strings.ToLower(filepath.Ext(*outPath)) != ".xlsx" {
		return duixian.Errorf(duixian.EINVALID, "--out", "输出文件应为 .xlsx", "the output must be .xlsx")
	}
	if *keep < 1 {
		return duixian.Errorf(duixian.EINVALID, "--movers", "--movers 应为正整数", "--movers must be positive")
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return err
	}
	files, err := simulation.ReadDir(*reformDir)
	if err != nil {
		return err
	}
	reform, err := simulation.Load(cat, files)
	if err != nil {
		return err
	}
	o := simulation.Options{Date: duixian.Today(), Keep: *keep, Full: *full}
	if reform.InForceFrom.After(o.Date) {
		o.Date = reform.InForceFrom
	}
	for _, d := range []struct {
		flag, v string
		dst     *duixian.Date
	}{{"--date", *date, &o.Date}, {"--as-of", *asOfFlag, &o.AsOf}} {
		if d.v != "" {
			if *d.dst, err = duixian.ParseDate(d.v); err != nil {
				return duixian.Errorf(duixian.EINVALID, d.flag, "日期格式应为 YYYY-MM-DD", "must be a date YYYY-MM-DD")
			}
		}
	}
	ctx := context.Background()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	bar := newProgressBar(errOut)
	o.Progress = bar.show
	// With --json the movers open the object, written as they come; the
	// rest of the report closes it.
	w := bufio.NewWriterSize(out, 1<<16)
	defer w.Flush()
	if *asJSON {
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		n := 0
		o.Mover = func(m simulation.Mover) error {
			sep := ",\n"
			if n == 0 {
				sep = "\n"
			}
			n++
			w.WriteString(sep)
			b, err := json.Marshal(m)
			if err != nil {
				return err
			}
			_, err = w.Write(b)
			return err
		}
		w.WriteString(`{"movers": [`)
	}
	rep, err := simulation.Run(ctx, db, cat, reform, o)
	bar.done()
	if err != nil {
		return err
	}
	if *outPath != "" {
		if err := writeFileAtomic(*outPath, func(f io.Writer) error { return registry.ExportSimulation(rep, f) }); err != nil {
			return err
		}
	}
	if *asJSON {
		rest := *rep
		rest.Movers = nil // every one is above
		b, err := json.Marshal(rest)
		if err != nil {
			return err
		}
		w.WriteString("\n],\n")
		w.Write(b[1:])
		w.WriteString("\n")
		return nil
	}
	printSimulation(w, rep)
	return nil
}

// printSimulation is the report as a terminal shows it: the clauses that
// move, the totals, the outlook and the largest movers.
func printSimulation(w io.Writer, rep *simulation.Report) {
	fmt.Fprintf(w, "政策仿真：改革方案 %s，%d 家企业，事项发生日 %s，判定日 %s\n", strings.Join(rep.Documents, "、"), rep.Enterprises, rep.Date, rep.AsOf)
	widths := []int{22, -10, -10, -14, -14, -14, -6, -6}
	fmt.Fprintln(w, columns(widths, "条款", "现行可享", "改革可享", "现行金额(元)", "改革金额(元)", "差额(元)", "受益", "受损"))
	n := strconv.Itoa
	for _, c := range rep.Clauses {
		if c.Difference == 0 && c.Gainers+c.Losers == 0 && c.Status == "unchanged" {
			continue
		}
		fmt.Fprintln(w, columns(widths, c.Clause, n(c.Baseline.Eligible), n(c.Reform.Eligible),
			c.Baseline.Total.String(), c.Reform.Total.String(), c.Difference.String(), n(c.Gainers), n(c.Losers)))
	}
	t := rep.Totals
	fmt.Fprintln(w, columns(widths, "合计", n(t.Baseline.Eligible), n(t.Reform.Eligible),
		t.Baseline.Total.String(), t.Reform.Total.String(), t.Difference.String(), n(t.Gainers), n(t.Losers))+"（企业）")
	fmt.Fprintf(w, "明年预计支出（按%d年申报率）：现行 %s，改革 %s\n", rep.LastYear, rep.Outlook.Baseline.Wan(), rep.Outlook.Reform.Wan())
	if rep.Errors > 0 {
		fmt.Fprintf(w, "%d 家企业数据有误，未计入\n", rep.Errors)
	}
	if rep.ReformErrors > rep.Errors {
		fmt.Fprintf(w, "%d 家企业的数据改革方案无法读取（方案删去了其登记的事实），按改革方案未计入\n", rep.ReformErrors-rep.Errors)
	}
	for i, m := range rep.Movers {
		if i == 20 {
			fmt.Fprintf(w, "……共 %d 项变动（--json 或 --out 列出）\n", rep.MoversTotal)
			break
		}
		fmt.Fprintf(w, "%s %s %s：%s → %s；%s\n", m.Enterprise, m.Name, m.Clause, m.Baseline.Wan(), m.Reform.Wan(), simulation.Explain(m.Why))
	}
}
