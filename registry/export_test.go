package registry

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
	"github.com/xuri/excelize/v2"
)

// seeded is a database with the demo's applications: a bookstore's award
// paid, a 科技保险 subsidy approved, a reading space's award in publicity and
// a bookstore's claim submitted.
func seeded(t *testing.T) (*sqldb.DB, *engine.Catalogue) {
	t.Helper()
	db, cat := openDB(t), loadCatalogue(t)
	svc := workflow.New(db, cat, calendar.Default())
	if _, err := demo.Seed(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return db, cat
}

type exportFunc func(context.Context, *sqldb.DB, *engine.Catalogue, io.Writer) error

// exportStatistics is the statistics export as the command wires it.
func exportStatistics(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, w io.Writer) error {
	return ExportStatistics(ctx, reports.New(db, cat), w)
}

func export(t *testing.T, db *sqldb.DB, cat *engine.Catalogue, fn exportFunc) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := fn(context.Background(), db, cat, &b); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatalf("the export does not open: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func cell(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	v, err := f.GetCellValue(sheet, ref)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func sheetRow(t *testing.T, f *excelize.File, sheet string, n int) []string {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if n > len(rows) {
		t.Fatalf("sheet %s has %d rows, want row %d", sheet, len(rows), n)
	}
	return rows[n-1]
}

func wantRow(t *testing.T, got []string, want map[int]string) {
	t.Helper()
	for i, w := range want {
		if i >= len(got) || got[i] != w {
			t.Errorf("column %d: got %q, want %q (row %q)", i+1, at(got, i), w, got)
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}

// layout checks what every export has: the title, the document line, the
// header row frozen, and widths set.
func layout(t *testing.T, f *excelize.File, sheet string, title, docLine string, headers []string) {
	t.Helper()
	if got := cell(t, f, sheet, "A1"); !strings.Contains(got, title) {
		t.Errorf("%s title %q lacks %q", sheet, got, title)
	}
	if got := cell(t, f, sheet, "A2"); !strings.Contains(got, docLine) || !strings.Contains(got, "制表时间") {
		t.Errorf("%s second line %q lacks %q and the time", sheet, got, docLine)
	}
	got := sheetRow(t, f, sheet, 3)
	for i, h := range headers {
		if at(got, i) != h {
			t.Errorf("%s header %d: %q, want %q", sheet, i+1, at(got, i), h)
		}
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 3 {
		t.Errorf("%s: the header is not frozen: %+v %v", sheet, panes, err)
	}
	if w, _ := f.GetColWidth(sheet, "B"); w < 20 {
		t.Errorf("%s: column B is %v wide", sheet, w)
	}
}

// TestExports seeds once (the demo's users have argon2 passwords, which
// take a while) and checks each export.
func TestExports(t *testing.T) {
	db, cat := seeded(t)
	t.Run("publicity", func(t *testing.T) { testPublicity(t, db, cat) })
	t.Run("disbursement", func(t *testing.T) { testDisbursement(t, db, cat) })
	t.Run("statistics", func(t *testing.T) { testStatistics(t, db, cat) })
}

func testPublicity(t *testing.T, db *sqldb.DB, cat *engine.Catalogue) {
	f := export(t, db, cat, ExportPublicity)
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != "22号" {
		t.Fatalf("sheets %v, want one for 22号", sheets)
	}
	layout(t, f, "22号", "拟支持项目公示名单", "京技管发〔2025〕22号",
		[]string{"序号", "统一社会信用代码", "企业名称", "条款", "文件", "项目", "公示金额（万元）", "公示金额（元）", "公示期"})
	// The demo's reading space has two awards in 公示: its 运营奖励, whose
	// window has ended, and its 延时奖励, published today.
	awards := ""
	for i, row := range []int{4, 5} {
		r := sheetRow(t, f, "22号", row)
		wantRow(t, r, map[int]string{0: fmt.Sprint(i + 1), 1: "52110302MA01PQRT3" + checkOf(t, "52110302MA01PQRT3"), 2: "亦庄社区公共阅读空间",
			4: "京技管发〔2025〕22号", 6: "5.00", 7: "50,000.00"})
		if !strings.Contains(r[8], " 至 ") {
			t.Errorf("row %q", r)
		}
		awards += r[3]
		// A 公示 shows who, which award, how much and until when: none of
		// the facts the applicant declared ("每周运营（经营）时间：84小时").
		for _, cell := range r {
			if strings.Contains(cell, "：") || strings.Contains(cell, "小时") {
				t.Errorf("the 公示名单 shows declared facts: %q", r)
			}
		}
	}
	if !strings.Contains(awards, "运营奖励") || !strings.Contains(awards, "延时奖励") {
		t.Errorf("the awards in 公示: %s", awards)
	}
	wantRow(t, sheetRow(t, f, "22号", 6), map[int]string{0: "合计", 2: "共2项", 6: "10.00", 7: "100,000.00"})
}

func checkOf(t *testing.T, prefix string) string {
	return usccFor(t, prefix)[17:]
}

func testDisbursement(t *testing.T, db *sqldb.DB, cat *engine.Catalogue) {
	f := export(t, db, cat, ExportDisbursement)
	if sheets := f.GetSheetList(); len(sheets) != 1 || sheets[0] != "25号" {
		t.Fatalf("sheets %v: only the approved 科技保险 subsidy awaits payment", sheets)
	}
	layout(t, f, "25号", "资金拨付表", "京技管发〔2025〕25号",
		[]string{"序号", "统一社会信用代码", "企业名称", "条款", "文件", "批准金额（万元）", "批准金额（元）", "已拨付（元）",
			"本次应拨付（万元）", "本次应拨付（元）", "拨付说明", "状态"})
	wantRow(t, sheetRow(t, f, "25号", 4), map[int]string{2: "北京亦庄星河科技有限公司", 5: "15.63", 6: "156,300.00", 7: "0.00",
		8: "15.63", 9: "156,300.00", 10: "一次性拨付", 11: "待拨付"})
	wantRow(t, sheetRow(t, f, "25号", 5), map[int]string{0: "合计", 5: "15.63", 6: "156,300.00", 7: "0.00", 9: "156,300.00"})
	// Amounts are number cells holding the exact decimal, not a float's
	// approximation: a sum in the spreadsheet agrees with the platform's.
	for ref, want := range map[string]string{"F4": "15.630000", "G4": "156300.00", "J5": "156300.00"} {
		raw, err := f.GetCellValue("25号", ref, excelize.Options{RawCellValue: true})
		if err != nil || raw != want {
			t.Errorf("%s holds %q, want %q (%v)", ref, raw, want, err)
		}
		if typ, _ := f.GetCellType("25号", ref); typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
			t.Errorf("%s is not a number cell: %v", ref, typ)
		}
	}
	if got := strings.Join(sheetRow(t, f, "25号", 7), ""); !strings.Contains(got, "经办人") {
		t.Errorf("no signature line: %q", got)
	}
}

func testStatistics(t *testing.T, db *sqldb.DB, cat *engine.Catalogue) {
	f := export(t, db, cat, exportStatistics)
	headers := []string{"文件编号", "文件名称", "申报件数"}
	for _, st := range statuses {
		headers = append(headers, shortStatus(st))
	}
	headers = append(headers, "批准金额（万元）", "批准金额（元）", "已拨付（万元）", "已拨付（元）", "应追回（元）")
	layout(t, f, "统计", "政策兑现统计表", "统计范围", headers)
	rows, err := f.GetRows("统计")
	if err != nil {
		t.Fatal(err)
	}
	col := func(name string) int {
		for i, h := range headers {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return 0
	}
	byNumber := map[string][]string{}
	for _, r := range rows[3:] {
		if len(r) > 0 {
			byNumber[r[0]] = r
		}
	}
	for number, want := range map[string]map[int]string{
		"京技管发〔2025〕21号": {col("申报件数"): "2", col("待初审"): "1", col("已拨付"): "1", col("批准金额（万元）"): "12.00", col("已拨付（元）"): "120,000.00"},
		"京技管发〔2025〕22号": {col("申报件数"): "3", col("公示中"): "2", col(duixian.StatusReturned.Zh()): "1", col("批准金额（元）"): "0.00"},
		"京技管发〔2025〕25号": {col("申报件数"): "1", col("待拨付"): "1", col("批准金额（万元）"): "15.63", col("已拨付（万元）"): "0.00"},
		"京技管发〔2025〕27号": {col("申报件数"): "0"},
		"合计":            {col("申报件数"): "6", col("批准金额（万元）"): "27.63", col("批准金额（元）"): "276,300.00", col("已拨付（元）"): "120,000.00"},
	} {
		r, ok := byNumber[number]
		if !ok {
			t.Errorf("no line for %s", number)
			continue
		}
		wantRow(t, r, want)
	}
}

func TestExportsOnEmptyDatabase(t *testing.T) {
	db, cat := openDB(t), loadCatalogue(t)
	for _, fn := range []exportFunc{ExportPublicity, ExportDisbursement, exportStatistics} {
		f := export(t, db, cat, fn)
		if len(f.GetSheetList()) != 1 {
			t.Errorf("sheets %v", f.GetSheetList())
		}
	}
}

func TestExportDatesInShanghai(t *testing.T) {
	db, cat := openDB(t), loadCatalogue(t)
	old := Now
	defer func() { Now = old }()
	// 16:30 UTC on 31 December is already New Year's Day in Beijing.
	Now = func() time.Time { return time.Date(2026, 12, 31, 16, 30, 0, 0, time.UTC) }
	f := export(t, db, cat, exportStatistics)
	if got := cell(t, f, "统计", "A2"); !strings.Contains(got, "2027年01月01日 00:30") {
		t.Errorf("time %q, want Beijing time", got)
	}
}

// TestDisbursementOfTranches: a 29号 project paid in two halves. After the
// first half the 拨付表 shows it as paying with nothing due until the
// project is completed and 90% of the investment paid.
func TestDisbursementOfTranches(t *testing.T) {
	db, cat := openDB(t), loadCatalogue(t)
	ctx := context.Background()
	svc := workflow.New(db, cat, calendar.Default())
	at := func(day string) {
		tm, err := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", duixian.Shanghai)
		if err != nil {
			t.Fatal(err)
		}
		svc.Now = func() time.Time { return tm }
		Now = svc.Now
	}
	defer func() { Now = time.Now }()
	u := usccFor(t, "91110302MA01QMTE4")
	admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	firm := duixian.Actor{User: "site", Role: duixian.RoleEnterprise, Enterprise: u}
	reviewer := duixian.Actor{User: "eco", Role: duixian.RoleReviewer, Department: "生态环境建设局"}
	expert := duixian.Actor{User: "expert", Role: duixian.RoleExpert}
	treasury := duixian.Actor{User: "treasury", Role: duixian.RoleFinance, Department: "财政国资局"}
	at("2026-03-02")
	must := func(a *duixian.Application, err error) *duixian.Application {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if err := svc.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: u, Name: "北京亦庄气膜建设工程有限公司",
		Facts: []byte(`{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,
"green_major_safety_accident_3y":false,"green_major_environmental_incident_3y":false,"green_three_simultaneous_project":false,
"green_data_centre_no_energy_review":false,"green_barred_by_law":false,"green_government_funded":false}`)}); err != nil {
		t.Fatal(err)
	}
	a := must(svc.CreateDraft(ctx, firm, workflow.DraftInput{Enterprise: u, Clause: "jjgf-2025-29/11", EventDate: duixian.Date{Year: 2026, Month: 3, Day: 1},
		Facts: []byte(`{"green_air_dome_used":true,"green_air_dome_investment":"200万元","green_project_started":true,"green_project_completed":false,
"green_paid_incl_tax":"100万元","green_investment_incl_tax":"226万元"}`), Declared: true}))
	must(svc.Submit(ctx, firm, a.ID, "k1"))
	must(svc.PassPreliminary(ctx, reviewer, a.ID))
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		return tx.PutUser(&duixian.User{Name: expert.User, Role: duixian.RoleExpert})
	}); err != nil {
		t.Fatal(err)
	}
	must(svc.AssignExperts(ctx, reviewer, a.ID, []string{expert.User}))
	must(svc.RecordExpertReview(ctx, expert, a.ID, map[string]int{"总分": 90}, "气膜使用属实", true))
	must(svc.Propose(ctx, reviewer, a.ID, 600000*duixian.Yuan, ""))
	must(svc.Publish(ctx, reviewer, a.ID, duixian.Date{Year: 2026, Month: 3, Day: 3}, 5))
	at("2026-03-20")
	// Another official of the department approves what the reviewer proposed.
	must(svc.Approve(ctx, duixian.Actor{User: "eco-head", Role: duixian.RoleReviewer, Department: "生态环境建设局"}, a.ID))
	f := export(t, db, cat, ExportDisbursement)
	wantRow(t, sheetRow(t, f, "29号", 4), map[int]string{5: "60.00", 6: "600,000.00", 7: "0.00", 8: "30.00", 9: "300,000.00", 11: "待拨付"})
	if note := sheetRow(t, f, "29号", 4)[10]; !strings.Contains(note, "分批拨付") {
		t.Errorf("note %q", note)
	}
	at("2026-03-25")
	must(svc.Disburse(ctx, treasury, a.ID, "pay-1", workflow.Disbursement{Voucher: "JZ-1", Account: "6222020012345678", PaidOn: duixian.Date{Year: 2026, Month: 3, Day: 25}}))
	f = export(t, db, cat, ExportDisbursement)
	r := sheetRow(t, f, "29号", 4)
	wantRow(t, r, map[int]string{6: "600,000.00", 7: "300,000.00", 8: "0.00", 9: "0.00", 11: "拨付中"})
	if !strings.Contains(r[10], "已拨付1批（最近 2026-03-25）") || !strings.Contains(r[10], "条件尚未满足") {
		t.Errorf("note %q", r[10])
	}
}
