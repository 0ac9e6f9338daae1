package registry

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
	"github.com/xuri/excelize/v2"
)

// Now is the exports' clock: the 制表时间 they print and the day the
// tranches of a 拨付表 are judged on. Tests set it.
var Now = time.Now

// ExportPublicity writes the 公示名单: every application now in publicity,
// one sheet per document, with the amount to be granted in 万元 and 元 and
// the publicity window.
func ExportPublicity(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, w io.Writer) error {
	apps, err := load(ctx, db, cat, duixian.StatusPublicity)
	if err != nil {
		return err
	}
	b := newBook()
	cols := []col{
		{"序号", 6, intCell}, {"统一社会信用代码", 22, textCell}, {"企业名称", 30, textCell}, {"条款", 30, textCell},
		{"文件", 20, textCell}, {"项目", 30, textCell}, {"公示金额（万元）", 14, wanCell},
		{"公示金额（元）", 16, yuanCell}, {"公示期", 26, centerCell},
	}
	stamp := stampNow()
	groups := byDocument(cat, apps)
	if len(groups) == 0 {
		s := b.sheet("公示名单", "拟支持项目公示名单", "当前没有公示中的申报　"+stamp, cols)
		s.note("（无）")
		return b.write(w)
	}
	for _, g := range groups {
		s := b.sheet(g.short, "《"+g.title+"》拟支持项目公示名单",
			fmt.Sprintf("文件编号：%s　责任单位：%s　公示期内对名单有异议的，可在平台提出异议　%s", g.number, g.departments(), stamp), cols)
		var total duixian.Money
		for i, r := range g.apps {
			a := r.app
			period := ""
			if a.Publicity != nil {
				period = a.Publicity.From.String() + " 至 " + a.Publicity.Until.String()
			}
			// What a 公示 shows: who, which project and award, how much,
			// until when — never the facts the applicant declared.
			s.add(i+1, a.Enterprise, r.name(), r.clauseLabel(), g.number, a.Project, a.Proposed, a.Proposed, period)
			total += a.Proposed
		}
		s.total(map[int]any{2: fmt.Sprintf("共%d项", len(g.apps)), 6: total, 7: total})
	}
	return b.write(w)
}

// ExportDisbursement writes the 拨付表: applications approved and not yet
// fully paid, with the amount approved, what has been paid and what is due
// now — for a clause paid in tranches, only the tranches whose conditions
// hold today, as the finance bureau's disbursement would compute it.
func ExportDisbursement(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, w io.Writer) error {
	apps, err := load(ctx, db, cat, duixian.StatusApproved, duixian.StatusPaying)
	if err != nil {
		return err
	}
	today := duixian.DateOf(Now())
	b := newBook()
	cols := []col{
		{"序号", 6, intCell}, {"统一社会信用代码", 22, textCell}, {"企业名称", 30, textCell}, {"条款", 30, textCell},
		{"文件", 20, textCell}, {"批准金额（万元）", 14, wanCell}, {"批准金额（元）", 16, yuanCell},
		{"已拨付（元）", 16, yuanCell}, {"本次应拨付（万元）", 14, wanCell}, {"本次应拨付（元）", 16, yuanCell},
		{"拨付说明", 34, textCell}, {"状态", 14, centerCell},
	}
	stamp := stampNow()
	groups := byDocument(cat, apps)
	if len(groups) == 0 {
		s := b.sheet("拨付表", "资金拨付表", "当前没有待拨付的申报　"+stamp, cols)
		s.note("（无）")
		return b.write(w)
	}
	for _, g := range groups {
		s := b.sheet(g.short, "《"+g.title+"》资金拨付表",
			fmt.Sprintf("文件编号：%s　责任单位：%s　金额单位：万元、元　%s", g.number, g.departments(), stamp), cols)
		var approved, paid, due duixian.Money
		for i, r := range g.apps {
			a := r.app
			d, note := dueNow(cat, r, today)
			s.add(i+1, a.Enterprise, r.name(), r.clauseLabel(), g.number, a.Approved, a.Approved, a.Paid(), d, d, note, shortStatus(a.Status))
			approved, paid, due = approved+a.Approved, paid+a.Paid(), due+d
		}
		s.total(map[int]any{2: fmt.Sprintf("共%d项", len(g.apps)), 5: approved, 6: approved, 7: paid, 8: due, 9: due})
		s.note("经办人：　　　　　　　　复核人：　　　　　　　　财政国资局负责人：　　　　　　　　日期：")
	}
	return b.write(w)
}

// ExportStatistics writes the statistics table: one line per document, its
// applications by status, the amounts approved and paid, and what is to be
// clawed back, as package reports counts them.
func ExportStatistics(ctx context.Context, rep *reports.Service, w io.Writer) error {
	st, err := rep.Statistics(ctx)
	if err != nil {
		return err
	}
	b := newBook()
	cols := []col{{"文件编号", 22, textCell}, {"文件名称", 44, textCell}, {"申报件数", 10, intCell}}
	for _, st := range statuses {
		cols = append(cols, col{shortStatus(st), 9, intCell})
	}
	cols = append(cols, col{"批准金额（万元）", 14, wanCell}, col{"批准金额（元）", 17, yuanCell},
		col{"已拨付（万元）", 14, wanCell}, col{"已拨付（元）", 17, yuanCell}, col{"应追回（元）", 14, yuanCell})
	s := b.sheet("统计", "政策兑现统计表",
		"统计范围：平台全部申报　批准金额含待拨付、拨付中、已拨付，不含已撤销　金额单位：万元、元　"+stampNow(), cols)
	for _, l := range st.Lines {
		vals := []any{l.Number, l.Title, l.Count}
		for _, status := range statuses {
			vals = append(vals, l.ByStatus[status])
		}
		s.add(append(vals, l.Approved, l.Approved, l.Paid, l.Paid, l.Clawback)...)
	}
	t := st.Total
	total := map[int]any{0: "合计", 2: t.Count}
	for i, status := range statuses {
		total[3+i] = t.ByStatus[status]
	}
	n := 3 + len(statuses)
	total[n], total[n+1], total[n+2], total[n+3], total[n+4] = t.Approved, t.Approved, t.Paid, t.Paid, t.Clawback
	s.total(total)
	return b.write(w)
}

// statuses in the order of the workflow, for the statistics' columns.
var statuses = []duixian.Status{
	duixian.StatusDraft, duixian.StatusSubmitted, duixian.StatusReturned, duixian.StatusReviewed, duixian.StatusAssessed,
	duixian.StatusProposed, duixian.StatusPublicity, duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid,
	duixian.StatusRejected, duixian.StatusWithdrawn, duixian.StatusRevoked,
}

// shortStatus is a status as a column heading fits it.
func shortStatus(s duixian.Status) string {
	switch s {
	case duixian.StatusDraft:
		return "草稿"
	case duixian.StatusSubmitted:
		return "待初审"
	case duixian.StatusReturned:
		return "退回补正"
	case duixian.StatusReviewed:
		return "待专家评审"
	case duixian.StatusAssessed:
		return "待拟定金额"
	case duixian.StatusProposed:
		return "待公示"
	case duixian.StatusPublicity:
		return "公示中"
	case duixian.StatusApproved:
		return "待拨付"
	case duixian.StatusPaying:
		return "拨付中"
	case duixian.StatusPaid:
		return "已拨付"
	case duixian.StatusRejected:
		return "未通过"
	case duixian.StatusWithdrawn:
		return "已撤回"
	case duixian.StatusRevoked:
		return "已撤销"
	}
	return string(s)
}

// appRow is an application with its enterprise and clause.
type appRow struct {
	app    *duixian.Application
	ent    *duixian.Enterprise // nil if the file is missing
	clause *engine.Clause      // nil if the catalogue no longer has it
}

func (r appRow) name() string {
	if r.ent == nil {
		return ""
	}
	return r.ent.Name
}

func (r appRow) clauseLabel() string {
	if r.clause == nil {
		return r.app.Clause
	}
	return r.clause.Article.Label + " " + r.clause.Title
}

// load reads the applications in the given states (all when none), with
// their enterprises.
func load(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, states ...duixian.Status) ([]appRow, error) {
	var out []appRow
	err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		out = out[:0]
		var apps []*duixian.Application
		if len(states) == 0 {
			var err error
			if apps, err = tx.Applications(sqldb.ApplicationFilter{}); err != nil {
				return err
			}
		}
		for _, st := range states {
			list, err := tx.Applications(sqldb.ApplicationFilter{Status: st})
			if err != nil {
				return err
			}
			apps = append(apps, list...)
		}
		ents := map[string]*duixian.Enterprise{}
		for _, a := range apps {
			e, ok := ents[a.Enterprise]
			if !ok {
				var err error
				e, err = tx.Enterprise(a.Enterprise, false)
				if err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND {
					return err
				}
				ents[a.Enterprise] = e
			}
			cl, _ := cat.Clause(a.Clause)
			out = append(out, appRow{app: a, ent: e, clause: cl})
		}
		return nil
	})
	return out, err
}

// docGroup is the applications under one document, in clause and
// enterprise order.
type docGroup struct {
	id, short, number, title string
	apps                     []appRow
}

func (g *docGroup) departments() string {
	var out []string
	for _, r := range g.apps {
		if r.clause != nil && r.clause.Department != "" && !slices.Contains(out, r.clause.Department) {
			out = append(out, r.clause.Department)
		}
	}
	return strings.Join(out, "、")
}

func byDocument(cat *engine.Catalogue, apps []appRow) []*docGroup {
	byID := map[string]*docGroup{}
	var order []string
	for _, r := range apps {
		id := "—"
		if r.clause != nil {
			id = r.clause.Document.ID
		}
		g := byID[id]
		if g == nil {
			g = &docGroup{id: id, short: "其他", number: "—", title: "目录中已无的条款"}
			if r.clause != nil {
				d := r.clause.Document
				g.short, g.number, g.title = d.Short, d.Number, d.Title
			}
			byID[id] = g
			order = append(order, id)
		}
		g.apps = append(g.apps, r)
	}
	rank := map[string]int{}
	for i, d := range cat.Documents() {
		rank[d.ID] = i
	}
	sort.SliceStable(order, func(i, j int) bool {
		ri, oki := rank[order[i]]
		rj, okj := rank[order[j]]
		if oki != okj {
			return oki
		}
		return ri < rj
	})
	out := make([]*docGroup, len(order))
	for i, id := range order {
		g := byID[id]
		sort.SliceStable(g.apps, func(i, j int) bool {
			a, b := g.apps[i].app, g.apps[j].app
			if a.Clause != b.Clause {
				return clauseLess(cat, a.Clause, b.Clause)
			}
			if a.Enterprise != b.Enterprise {
				return a.Enterprise < b.Enterprise
			}
			return a.ID < b.ID
		})
		out[i] = g
	}
	return out
}

// clauseLess orders clauses as the catalogue lists them.
func clauseLess(cat *engine.Catalogue, a, b string) bool {
	ia, ib := -1, -1
	for i, cl := range cat.Clauses() {
		if cl.ID == a {
			ia = i
		}
		if cl.ID == b {
			ib = i
		}
	}
	if ia != ib {
		return ia < ib
	}
	return a < b
}

// dueNow is what a disbursement would pay today: the approved amount less
// what was paid, or, for a clause paid in tranches, what the tranches whose
// conditions hold today allow (in proportion to the approved amount).
func dueNow(cat *engine.Catalogue, r appRow, today duixian.Date) (duixian.Money, string) {
	a := r.app
	due, note := a.Approved, "一次性拨付"
	if a.Decision != nil && a.Decision.Batched {
		note = "分批拨付"
		facts, err := claimFacts(cat, r, today)
		var d duixian.Decision
		if err == nil {
			d, err = cat.Evaluate(duixian.Claim{Clause: a.Clause, EventDate: a.EventDate, AsOf: today, Project: a.Project, Facts: facts}, engine.Options{})
		}
		if err != nil {
			return 0, "分批拨付：无法按当前事实重新计算，请核对"
		}
		due = min(d.PayableNow, a.Approved)
		if d.Amount > 0 && d.Amount != a.Approved {
			due = duixian.Money(int64(d.PayableNow) * int64(a.Approved) / int64(d.Amount))
		}
	}
	if len(a.Payments) > 0 {
		note += fmt.Sprintf("，已拨付%d批（最近 %s）", len(a.Payments), a.Payments[len(a.Payments)-1].At.In(duixian.Shanghai).Format("2006-01-02"))
	}
	pay := due - a.Paid()
	if pay <= 0 {
		if a.Paid() < a.Approved {
			note += "；其余批次条件尚未满足"
		}
		return 0, note
	}
	return pay, note
}

// claimFacts are the facts a decision about the application reads, as the
// workflow merges them: the applicant's, overridden by the registry's, and
// each document's ban fact from the enterprise's bans.
func claimFacts(cat *engine.Catalogue, r appRow, today duixian.Date) (duixian.Facts, error) {
	facts, err := cat.DecodeJSONFacts("facts", r.app.Facts)
	if err != nil {
		return nil, err
	}
	if r.ent == nil {
		return facts, nil
	}
	known, err := cat.EnterpriseFacts(r.ent, today)
	if err != nil {
		return nil, err
	}
	maps.Copy(facts, known)
	return facts, nil
}

func stampNow() string {
	return "制表时间：" + Now().In(duixian.Shanghai).Format("2006年01月02日 15:04") + "（北京时间）"
}

// ---------------------------------------------------------------- workbook

type cellKind int

const (
	textCell   cellKind = iota
	centerCell          // short text, centred
	intCell
	wanCell  // an amount shown in 万元 with two decimals
	yuanCell // an amount shown in 元 with two decimals
)

type col struct {
	head  string
	width float64
	kind  cellKind
}

// book is a workbook laid out for printing: on every sheet a title, a line
// with the document number and the time, a header row that stays in view
// and repeats on every printed page, landscape A4 fitted to the width.
type book struct {
	f      *excelize.File
	styles map[string]int
	sheets []string
	err    error
}

func newBook() *book {
	b := &book{f: excelize.NewFile(), styles: map[string]int{}}
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "top", Color: "000000", Style: 1},
		{Type: "bottom", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1}}
	font := func(bold bool, size float64) *excelize.Font {
		return &excelize.Font{Family: "宋体", Size: size, Bold: bold}
	}
	money := "#,##0.00"
	for name, st := range map[string]*excelize.Style{
		"title":    {Font: &excelize.Font{Family: "黑体", Size: 16, Bold: true}, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		"subtitle": {Font: font(false, 10), Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}},
		"head": {Font: font(true, 11), Border: border, Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		"text":       {Font: font(false, 10), Border: border, Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}},
		"center":     {Font: font(false, 10), Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}},
		"int":        {Font: font(false, 10), Border: border, NumFmt: 1, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		"money":      {Font: font(false, 10), Border: border, CustomNumFmt: &money, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}},
		"totaltext":  {Font: font(true, 10), Border: border, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		"totalint":   {Font: font(true, 10), Border: border, NumFmt: 1, Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}},
		"totalmoney": {Font: font(true, 10), Border: border, CustomNumFmt: &money, Alignment: &excelize.Alignment{Horizontal: "right", Vertical: "center"}},
		"note":       {Font: font(false, 10), Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center"}},
	} {
		id, err := b.f.NewStyle(st)
		if err != nil && b.err == nil {
			b.err = err
		}
		b.styles[name] = id
	}
	return b
}

// sheetName makes a valid, unique sheet name.
func (b *book) sheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, name)
	if r := []rune(name); len(r) > 28 {
		name = string(r[:28])
	}
	base := name
	for i := 2; slices.Contains(b.sheets, name); i++ {
		name = fmt.Sprintf("%s(%d)", base, i)
	}
	return name
}

type sheetW struct {
	b    *book
	name string
	cols []col
	row  int
}

const headerRow = 3

func (b *book) sheet(name, title, subtitle string, cols []col) *sheetW {
	name = b.sheetName(name)
	f := b.f
	if len(b.sheets) == 0 {
		b.check(f.SetSheetName(f.GetSheetName(0), name))
	} else {
		_, err := f.NewSheet(name)
		b.check(err)
	}
	b.sheets = append(b.sheets, name)
	last, _ := excelize.ColumnNumberToName(len(cols))
	b.check(f.MergeCell(name, "A1", last+"1"))
	b.check(f.SetCellStr(name, "A1", title))
	b.check(f.SetCellStyle(name, "A1", last+"1", b.styles["title"]))
	b.check(f.SetRowHeight(name, 1, 34))
	b.check(f.MergeCell(name, "A2", last+"2"))
	b.check(f.SetCellStr(name, "A2", subtitle))
	b.check(f.SetCellStyle(name, "A2", last+"2", b.styles["subtitle"]))
	b.check(f.SetRowHeight(name, 2, 30))
	for i, c := range cols {
		letter, _ := excelize.ColumnNumberToName(i + 1)
		b.check(f.SetColWidth(name, letter, letter, c.width))
		b.check(f.SetCellStr(name, fmt.Sprintf("%s%d", letter, headerRow), c.head))
	}
	b.check(f.SetCellStyle(name, fmt.Sprintf("A%d", headerRow), fmt.Sprintf("%s%d", last, headerRow), b.styles["head"]))
	b.check(f.SetRowHeight(name, headerRow, 32))
	b.check(f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: headerRow, TopLeftCell: fmt.Sprintf("A%d", headerRow+1), ActivePane: "bottomLeft"}))
	landscape, a4, one, zero, yes := "landscape", 9, 1, 0, true
	b.check(f.SetPageLayout(name, &excelize.PageLayoutOptions{Orientation: &landscape, Size: &a4, FitToWidth: &one, FitToHeight: &zero}))
	b.check(f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &yes}))
	b.check(f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{OddFooter: "&C第 &P 页，共 &N 页"}))
	b.check(f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: fmt.Sprintf("'%s'!$1:$%d", name, headerRow), Scope: name}))
	return &sheetW{b: b, name: name, cols: cols, row: headerRow}
}

func (b *book) check(err error) {
	if err != nil && b.err == nil {
		b.err = err
	}
}

// add writes a data row; amounts are duixian.Money, shown per the column.
func (s *sheetW) add(vals ...any) {
	s.row++
	for i, v := range vals {
		if i >= len(s.cols) {
			break
		}
		s.cell(i, v, false)
	}
}

// total writes a bold 合计 row: vals by column index, "合计" in the first.
func (s *sheetW) total(vals map[int]any) {
	s.row++
	for i := range s.cols {
		v, ok := vals[i]
		if !ok {
			v = ""
			if i == 0 {
				v = "合计"
			}
		}
		s.cell(i, v, true)
	}
}

// note writes a line under the table, outside its borders.
func (s *sheetW) note(text string) {
	s.row += 2
	cell := fmt.Sprintf("A%d", s.row)
	last, _ := excelize.ColumnNumberToName(len(s.cols))
	s.b.check(s.b.f.MergeCell(s.name, cell, fmt.Sprintf("%s%d", last, s.row)))
	s.b.check(s.b.f.SetCellStr(s.name, cell, text))
	s.b.check(s.b.f.SetCellStyle(s.name, cell, cell, s.b.styles["note"]))
}

func (s *sheetW) cell(i int, v any, total bool) {
	letter, _ := excelize.ColumnNumberToName(i + 1)
	ref := fmt.Sprintf("%s%d", letter, s.row)
	f, st := s.b.f, s.b.styles
	style := "text"
	var value any = v
	switch s.cols[i].kind {
	case centerCell:
		style = "center"
	case intCell:
		style = "int"
	case wanCell, yuanCell:
		style = "money"
	}
	if m, ok := v.(duixian.Money); ok {
		if s.cols[i].kind == wanCell {
			value = numberCell(m.WanNumber())
		} else {
			value = numberCell(m.String())
		}
	}
	if _, isText := value.(string); isText && style != "text" {
		style = "center"
	}
	if total {
		switch style {
		case "money":
			style = "totalmoney"
		case "int":
			style = "totalint"
		default:
			style = "totaltext"
		}
	}
	switch value := value.(type) {
	case string:
		s.b.check(f.SetCellStr(s.name, ref, value)) // never read as a number or a date
	case numberCell:
		s.b.check(f.SetCellDefault(s.name, ref, string(value)))
	default:
		s.b.check(f.SetCellValue(s.name, ref, value))
	}
	s.b.check(f.SetCellStyle(s.name, ref, ref, st[style]))
}

func (b *book) write(w io.Writer) error {
	defer b.f.Close()
	if b.err != nil {
		return b.err
	}
	b.check(b.f.SetDocProps(&excelize.DocProperties{Creator: "duixian 政策兑现平台", Created: Now().UTC().Format(time.RFC3339)}))
	if b.err != nil {
		return b.err
	}
	b.f.SetActiveSheet(0)
	return b.f.Write(w)
}
