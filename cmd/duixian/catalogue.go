package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
)

// loadCatalogue loads the embedded catalogue, or the directory dir.
func loadCatalogue(dir string) (*engine.Catalogue, error) {
	var fsys fs.FS = catalogue.FS
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, duixian.Errorf(duixian.EINVALID, "--catalogue", "目录不可读：%v", "cannot read the directory: %v", err)
		}
		fsys = os.DirFS(dir)
	}
	cat, err := engine.Load(fsys)
	var le *engine.LoadError
	if errors.As(err, &le) {
		prefix := dir
		if prefix == "" {
			prefix = "catalogue"
		}
		var b strings.Builder
		fmt.Fprintf(&b, "目录有 %d 处错误，未加载 / the catalogue has %d problems and did not load:\n", len(le.Errors), len(le.Errors))
		for _, e := range le.Errors {
			fmt.Fprintf(&b, "%s/%s\n", prefix, e)
		}
		return nil, &checkFailed{strings.TrimRight(b.String(), "\n")}
	}
	return cat, err
}

func runCatalogue(args []string, out io.Writer) error {
	if len(args) == 0 {
		return duixian.Errorf(duixian.EINVALID, "catalogue", "缺少子命令 list|show|lint|test|coverage|new", "missing subcommand list|show|lint|test|coverage|new")
	}
	sub := args[0]
	fl := flag.NewFlagSet("catalogue "+sub, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dir := fl.String("catalogue", "", "catalogue directory")
	asJSON := fl.Bool("json", false, "JSON output")
	id := fl.String("id", "", "with new: the document id, e.g. jjgf-2026-3")
	title := fl.String("title", "", "with new: the document's title")
	positional, err := parseInterspersed(fl, args[1:])
	if err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	if sub == "new" {
		return catalogueNew(*dir, *id, *title, out)
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return err
	}
	switch sub {
	case "list":
		return catalogueList(cat, out, *asJSON)
	case "show":
		if len(positional) != 1 {
			return duixian.Errorf(duixian.EINVALID, "ID", "用法：catalogue show 条款ID", "usage: catalogue show CLAUSE-ID")
		}
		cl, ok := cat.Clause(positional[0])
		if !ok {
			return duixian.Errorf(duixian.ENOTFOUND, "ID", "没有条款 %s", "no clause %s", positional[0])
		}
		return catalogueShow(cl.View(), out, *asJSON)
	case "lint":
		n := 0
		for _, d := range cat.Documents() {
			n += len(d.Articles)
		}
		fmt.Fprintf(out, "目录无误 / catalogue ok: %d 个文件 documents, %d 条 articles, %d 个条款 clauses\n", len(cat.Documents()), n, len(cat.Clauses()))
		return nil
	case "test":
		return catalogueTest(cat, out, *asJSON)
	case "coverage":
		return catalogueCoverage(cat, out)
	}
	return duixian.Errorf(duixian.EINVALID, "catalogue", "未知子命令 %s", "unknown subcommand %s", sub)
}

// catalogueNew writes the skeleton of a new document and its case file into
// dir: a header, one article with its text to paste, one clause, one case
// each way. It lints and passes as written, so the author starts from
// green and changes one thing at a time.
func catalogueNew(dir, id, title string, out io.Writer) error {
	if dir == "" {
		return duixian.Errorf(duixian.EINVALID, "--catalogue", "请用 --catalogue 指定目录（可先复制 catalogue/facts.yaml 到该目录）", "name the directory with --catalogue (copy catalogue/facts.yaml into it first)")
	}
	if !regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`).MatchString(id) {
		return duixian.Errorf(duixian.EINVALID, "--id", "文件编号应形如 jjgf-2026-3（小写字母和数字，以连字符连接）", "the id must look like jjgf-2026-3 (lower-case words and numbers joined by hyphens)")
	}
	if strings.TrimSpace(title) == "" {
		return duixian.Errorf(duixian.EINVALID, "--title", "缺少文件标题", "the title is missing")
	}
	if _, err := os.Stat(filepath.Join(dir, engine.CommonFactsFile)); err != nil {
		return duixian.Errorf(duixian.EINVALID, "--catalogue", "目录中没有 %s：先复制 catalogue/%s 进去", "the directory has no %s: copy catalogue/%s into it first", engine.CommonFactsFile, engine.CommonFactsFile)
	}
	today := duixian.Today()
	doc := fmt.Sprintf(`# %[2]s. Paste the articles' text under each article's text:, then
# encode each clause under the text it implements (docs/catalogue.md).
document:
  id: %[1]s
  number: 请填写文号
  short: 请填写简称
  title: %[2]s
  issuer: 请填写发文机关
  issued: %[3]s
  in_force: {from: %[3]s, cite: "1"}
  rounding: {unit: 万元, places: 2, cite: "1"}

facts:
  - name: %[4]s_amount
    type: money
    min: 0
    zh: 计算基数（请改为条文所说的金额）
    en: The base amount (rename to what the article says)

articles:
  - id: "1"
    label: 第一条
    text: |
      （请粘贴第一条原文。）
    clauses:
      - id: "1"
        title: 请填写奖励名称
        award: {rate: 10%%, of: %[4]s_amount, cap: 50万元}
`, id, title, today, strings.ReplaceAll(id, "-", "_"))
	cases := fmt.Sprintf(`# Cases for %[1]s: each states the decision the text requires.
as_of: %[2]s
defaults:
  zones: [core-60, yizhuang-225]
cases:
  - name: 基数100万元，按10%%为10万元
    clause: "1"
    event_date: %[2]s
    facts: {%[3]s_amount: 100万元}
    expect: {eligible: true, amount: 10万元}
  - name: 基数1000万元，10%%为100万元，按上限50万元
    clause: "1"
    event_date: %[2]s
    facts: {%[3]s_amount: 1000万元}
    expect: {eligible: true, amount: 50万元}
`, id, today, strings.ReplaceAll(id, "-", "_"))
	files := []struct{ name, body string }{{id + ".yaml", doc}, {id + ".test.yaml", cases}}
	for _, f := range files { // neither is written if either exists
		if _, err := os.Stat(filepath.Join(dir, f.name)); err == nil {
			return duixian.Errorf(duixian.EINVALID, "--id", "%s 已存在", "%s already exists", filepath.Join(dir, f.name))
		}
	}
	for _, file := range files {
		name, body := file.name, file.body
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if err != nil {
			return duixian.Errorf(duixian.EINVALID, "--id", "无法新建 %s：%v", "cannot create %s: %v", path, err)
		}
		if _, err := f.WriteString(body); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintln(out, "已新建 / created", path)
	}
	fmt.Fprintf(out, "下一步 / next: duixian catalogue lint --catalogue %s && duixian catalogue test --catalogue %s\n", dir, dir)
	return nil
}

func catalogueList(cat *engine.Catalogue, out io.Writer, asJSON bool) error {
	type clauseRow struct {
		ID         string `json:"id"`
		Title      string `json:"title"`
		Category   string `json:"category"`
		Department string `json:"department"`
		Zone       string `json:"zone,omitempty"`
		Article    string `json:"article"`
	}
	type docRow struct {
		duixian.DocumentVersion
		Title   string      `json:"title"`
		Clauses []clauseRow `json:"clauses"`
	}
	var docs []docRow
	for _, d := range cat.Documents() {
		r := docRow{DocumentVersion: engine.VersionOf(d), Title: d.Title, Clauses: []clauseRow{}}
		for _, cl := range cat.Clauses() {
			if cl.Document == d {
				r.Clauses = append(r.Clauses, clauseRow{cl.ID, cl.Title, cl.Category, cl.Department, cl.Zone, cl.Article.Label})
			}
		}
		docs = append(docs, r)
	}
	if asJSON {
		return writeJSON(out, docs)
	}
	var tw table
	for _, d := range docs {
		until := "长期"
		if !d.InForceTo.IsZero() {
			until = d.InForceTo.String()
		}
		tw.line(d.Number + "  " + d.Title + "  " + d.InForceFrom.String() + " — " + until)
		for _, c := range d.Clauses {
			tw.add("  "+c.ID, c.Title, c.Article, c.Department)
		}
	}
	return tw.write(out)
}

func catalogueShow(v engine.ClauseView, out io.Writer, asJSON bool) error {
	if asJSON {
		return writeJSON(out, v)
	}
	fmt.Fprintf(out, "%s %s\n%s（版本 %s）%s\n责任单位：%s", v.ID, v.Title, v.Document.Number, v.Document.Version, v.Article.Label, v.Department)
	if v.Zone != "" {
		fmt.Fprintf(out, "　适用范围：%s", v.ZoneZh)
	}
	fmt.Fprintf(out, "\n\n原文 / article text:\n%s\n", indent(v.Article.Text))
	if v.Note != "" || v.Article.Note != "" {
		fmt.Fprintf(out, "\n解读 / reading: %s\n", strings.TrimSpace(v.Note+" "+v.Article.Note))
	}
	if e := v.Evidence; e != nil {
		fmt.Fprintf(out, "\n核实等级 / evidence grade: %s（%s）\n来源 / source: %s\n", e.Grade, e.Meaning(), e.Source)
		if e.ConfirmedIn != "" {
			fmt.Fprintf(out, "数值仅在%s中得到确认 / figures confirmed only in that older text\n", e.ConfirmedIn)
		}
	}
	fmt.Fprintln(out, "\n需要的事实 / facts:")
	for _, f := range v.Facts {
		extra := string(f.Type)
		if f.Unit != "" {
			extra += ", " + f.Unit
		}
		if f.Min != "" || f.Max != "" {
			extra += fmt.Sprintf(", [%s, %s]", f.Min, f.Max)
		}
		if f.Derived != "" {
			extra += ", 平台确定 derived from " + f.Derived
		}
		fmt.Fprintf(out, "  %-28s %s（%s）\n", f.Name, f.Zh, extra)
	}
	fmt.Fprintln(out, "\n条件 / conditions:")
	for _, c := range v.Conditions {
		fmt.Fprintf(out, "  [%s] %s —— %s\n", c.Cite, c.Zh, c.Expr)
	}
	fmt.Fprintln(out, "\n计算 / formula:")
	for _, l := range v.Formula {
		fmt.Fprintln(out, "  "+l)
	}
	for _, l := range v.Outcomes {
		fmt.Fprintln(out, "  "+l)
	}
	if v.YearlyCap != "" {
		fmt.Fprintln(out, "  "+v.YearlyCap)
	}
	for _, l := range v.Payment {
		fmt.Fprintln(out, "  "+l)
	}
	if len(v.Formula) > 0 {
		fmt.Fprintf(out, "  金额%s", v.Rounding)
		if v.MinimumPaid != "" {
			fmt.Fprintf(out, "；低于%s不予补助", v.MinimumPaid)
		}
		fmt.Fprintln(out)
	}
	if len(v.Materials) > 0 {
		fmt.Fprintln(out, "\n申报材料 / materials:")
		for _, m := range v.Materials {
			optional := ""
			if m.Optional {
				optional = "（可选 optional）"
			}
			fmt.Fprintf(out, "  [%s] %-22s %s%s\n", m.Cite, m.ID, m.Zh, optional)
		}
	}
	return nil
}

func catalogueTest(cat *engine.Catalogue, out io.Writer, asJSON bool) error {
	rep := cat.RunCases()
	missing := 0
	for _, c := range rep.Coverage {
		missing += len(c.Missing())
	}
	if asJSON {
		// Pure JSON, the counts inside, so that a tool can read stdout whole.
		if err := writeJSON(out, struct {
			*engine.CaseReport
			Passed  int `json:"passed"`
			Failed  int `json:"failed"`
			Missing int `json:"coverage_missing"`
		}{&rep, len(rep.Results) - rep.Failed(), rep.Failed(), missing}); err != nil {
			return err
		}
	} else {
		for _, r := range rep.Results {
			if !r.Passed() {
				fmt.Fprintf(out, "FAIL %s:%d %s\n", r.File, r.Line, r.Name)
				for _, f := range r.Failures {
					fmt.Fprintf(out, "     %s\n", f)
				}
			}
		}
		fmt.Fprintln(out, "\n条款覆盖 / coverage per clause:")
		for _, c := range rep.Coverage {
			covered := len(c.Items) - len(c.Missing())
			id := c.Clause
			if id == "" {
				id = c.Document + "（共同规则）"
			}
			mark := "✓"
			if len(c.Missing()) > 0 {
				mark = "✗"
			}
			fmt.Fprintf(out, "%s %-24s %-20s 案例 %3d  覆盖 %d/%d\n", mark, id, c.Title, c.Cases, covered, len(c.Items))
			for _, m := range c.Missing() {
				fmt.Fprintf(out, "      未覆盖 / not covered: %s\n", m)
			}
		}
	}
	if !asJSON {
		fmt.Fprintf(out, "%d passed, %d failed\n", len(rep.Results)-rep.Failed(), rep.Failed())
	}
	if rep.Failed() > 0 || missing > 0 {
		return &checkFailed{fmt.Sprintf("%d 个案例失败，%d 项未覆盖 / %d cases failed, %d coverage items missing", rep.Failed(), missing, rep.Failed(), missing)}
	}
	return nil
}

func catalogueCoverage(cat *engine.Catalogue, out io.Writer) error {
	counts := map[string]int{}
	for _, d := range cat.Documents() {
		fmt.Fprintf(out, "%s %s\n", d.Number, d.Title)
		for _, a := range d.Views() {
			counts[a.Status]++
			fmt.Fprintf(out, "  %-14s %-16s %s\n", a.Status, a.ID, a.Label)
		}
	}
	fmt.Fprintf(out, "computable %d, rule %d, informational %d, pending %d, uncovered %d\n",
		counts["computable"], counts["rule"], counts["informational"], counts["pending"], counts["uncovered"])
	if counts["pending"]+counts["uncovered"] > 0 {
		return &checkFailed{fmt.Sprintf("%d 条尚未编码 / %d articles are not encoded yet", counts["pending"]+counts["uncovered"], counts["pending"]+counts["uncovered"])}
	}
	return nil
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("catalogue show ID --json"), returning the positional ones.
func parseInterspersed(fl *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fl.Parse(args); err != nil {
			return nil, err
		}
		if fl.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

func writeJSON(out io.Writer, v any) error {
	enc := json.NewEncoder(out)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func indent(s string) string {
	return "  " + strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ")
}
