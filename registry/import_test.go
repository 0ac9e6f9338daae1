package registry

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/govalues/decimal"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var (
	techUSCC  = "91110302MA01HJKL2"
	storeUSCC = "91110302MA01ABCD1"
)

// goodCSV is a department's file: a header of fact names, the Chinese
// labels, a tech company and a bookstore, values written the ways officials
// write them (万元, thousands separators, Chinese labels, units).
func goodCSV(t *testing.T) string {
	tech, store := usccFor(t, techUSCC), usccFor(t, storeUSCC)
	return "uscc,name,zones,titles,fin_tech_insurance_premium,fin_small_micro,operating_normally,books_on_shelf,business_area_m2\n" +
		"统一社会信用代码,企业名称,所在区域,企业资质称号,科技保险保费,小微企业,经营正常,上架册数,营业面积\n" +
		tech + ",北京亦庄星河科技有限公司,core-60;yizhuang-225,high-tech；beijing-specialized,31.26万元,是,true,,\n" +
		store + `,亦城书房文化传播有限公司,经开区60平方公里范围;yizhuang-225,,"1,250,000.50",否,FALSE,5200册,260平方米` + "\n"
}

func importString(t *testing.T, db *sqldb.DB, format, data string) (Report, error) {
	t.Helper()
	return Import(context.Background(), db, loadCatalogue(t), strings.NewReader(data), format)
}

func TestImportCSVCreatesTypedFacts(t *testing.T) {
	db := openDB(t)
	cat := loadCatalogue(t)
	rep, err := importString(t, db, "csv", goodCSV(t))
	if err != nil {
		t.Fatalf("%v %+v", err, rep.Errors)
	}
	if rep.Rows != 2 || rep.Created != 2 || rep.Updated != 0 || rep.Unchanged != 0 {
		t.Fatalf("report %+v", rep)
	}
	tech := enterprise(t, db, usccFor(t, techUSCC))
	if tech.Name != "北京亦庄星河科技有限公司" || tech.Version != 1 {
		t.Fatalf("tech: %+v", tech)
	}
	f, err := cat.DecodeJSONFacts("facts", tech.Facts)
	if err != nil {
		t.Fatal(err)
	}
	if z := f["zones"].([]string); !slices.Equal(z, []string{"core-60", "yizhuang-225"}) {
		t.Errorf("zones %v", z)
	}
	if ti := f["titles"].([]string); !slices.Equal(ti, []string{"high-tech", "beijing-specialized"}) {
		t.Errorf("titles %v", ti)
	}
	if p := f["fin_tech_insurance_premium"].(decimal.Decimal); p.Cmp(decimal.MustNew(312600, 0)) != 0 {
		t.Errorf("premium %s", p)
	}
	if f["fin_small_micro"] != true || f["operating_normally"] != true {
		t.Errorf("booleans %v %v", f["fin_small_micro"], f["operating_normally"])
	}
	if _, ok := f["books_on_shelf"]; ok {
		t.Errorf("an empty cell must not become a fact")
	}
	if !strings.Contains(string(tech.Facts), `"fin_tech_insurance_premium":"312600.00"`) {
		t.Errorf("amounts are stored as yuan with two decimals: %s", tech.Facts)
	}
	store := enterprise(t, db, usccFor(t, storeUSCC))
	f, err = cat.DecodeJSONFacts("facts", store.Facts)
	if err != nil {
		t.Fatal(err)
	}
	if z := f["zones"].([]string); !slices.Equal(z, []string{"core-60", "yizhuang-225"}) {
		t.Errorf("a zone's Chinese label is read as the zone: %v", z)
	}
	if f["books_on_shelf"] != int64(5200) || f["operating_normally"] != false || f["fin_small_micro"] != false {
		t.Errorf("store facts %v", f)
	}
	if a := f["business_area_m2"].(decimal.Decimal); a.Cmp(decimal.MustNew(260, 0)) != 0 {
		t.Errorf("area %s", a)
	}
	if p := f["fin_tech_insurance_premium"].(decimal.Decimal); p.String() != "1250000.50" {
		t.Errorf("premium with thousands separators: %s", p)
	}
	// Every change is in the audit log: one entry per enterprise and one for the file.
	if n := count(t, db, `SELECT COUNT(*) FROM audit`); n != 3 {
		t.Errorf("%d audit entries, want 3", n)
	}
	if n, err := db.VerifyAudit(context.Background()); err != nil || n != 3 {
		t.Errorf("audit chain: %d %v", n, err)
	}
}

// xlsxFile builds a workbook as an official would: a header, the Chinese
// labels, numbers as numbers, a boolean cell, an empty row between rows.
func xlsxFile(t *testing.T, rows [][]any) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		for j, v := range r {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
			if v == nil {
				continue
			}
			if err := f.SetCellValue("Sheet1", cell, v); err != nil {
				t.Fatal(err)
			}
		}
	}
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestImportXLSX(t *testing.T) {
	db := openDB(t)
	cat := loadCatalogue(t)
	tech, store := usccFor(t, techUSCC), usccFor(t, storeUSCC)
	data := xlsxFile(t, [][]any{
		{"uscc", "name", "zones", "fin_tech_insurance_premium", "operating_normally", "books_on_shelf", "publication_area_m2", "fin_qflp_paid_in_usd"},
		{"统一社会信用代码", "企业名称", "所在区域", "保费", "经营正常", "册数", "出版物经营面积", "QFLP"},
		{tech, "北京亦庄星河科技有限公司", "yizhuang-225", 312600.5, true, nil, nil, 5e10},
		nil,
		{store, "亦城书房文化传播有限公司", "core-60;yizhuang-225", "6万元", false, 5200, 168.5, nil},
	})
	rep, err := Import(context.Background(), db, cat, bytes.NewReader(data), "xlsx")
	if err != nil {
		t.Fatalf("%v %+v", err, rep.Errors)
	}
	if rep.Rows != 2 || rep.Created != 2 {
		t.Fatalf("report %+v", rep)
	}
	f, err := cat.DecodeJSONFacts("facts", enterprise(t, db, tech).Facts)
	if err != nil {
		t.Fatal(err)
	}
	if p := f["fin_tech_insurance_premium"].(decimal.Decimal); p.Cmp(decimal.MustNew(3126005, 1)) != 0 {
		t.Errorf("premium %s", p)
	}
	if f["operating_normally"] != true {
		t.Errorf("an Excel TRUE cell: %v", f["operating_normally"])
	}
	if q := f["fin_qflp_paid_in_usd"].(decimal.Decimal); q.Cmp(decimal.MustNew(50000000000, 0)) != 0 {
		t.Errorf("a large number Excel writes as 5E+10: %s", q)
	}
	f, err = cat.DecodeJSONFacts("facts", enterprise(t, db, store).Facts)
	if err != nil {
		t.Fatal(err)
	}
	if f["books_on_shelf"] != int64(5200) || f["operating_normally"] != false {
		t.Errorf("store %v", f)
	}
	if a := f["publication_area_m2"].(decimal.Decimal); a.String() != "168.5" {
		t.Errorf("area %s", a)
	}
	if p := f["fin_tech_insurance_premium"].(decimal.Decimal); p.Cmp(decimal.MustNew(60000, 0)) != 0 {
		t.Errorf("6万元 is %s", p)
	}

	// A cell formatted as a percentage holds 0.2845 for 28.45%.
	pf := excelize.NewFile()
	pf.SetSheetRow("Sheet1", "A1", &[]any{"uscc", "name", "green_effluent_pct_of_standard", "green_clean_trip_share_pct"})
	pf.SetSheetRow("Sheet1", "A2", &[]any{tech, "北京亦庄星河科技有限公司", 0.2845, 85})
	pct, _ := pf.NewStyle(&excelize.Style{NumFmt: 10})
	pf.SetCellStyle("Sheet1", "C2", "C2", pct)
	var pb bytes.Buffer
	if err := pf.Write(&pb); err != nil {
		t.Fatal(err)
	}
	pf.Close()
	if rep, err := Import(context.Background(), db, cat, &pb, "xlsx"); err != nil || rep.Updated != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
	f, err = cat.DecodeJSONFacts("facts", enterprise(t, db, tech).Facts)
	if err != nil {
		t.Fatal(err)
	}
	if p := f["green_effluent_pct_of_standard"].(decimal.Decimal); p.String() != "28.45" {
		t.Errorf("a percentage cell: %s, want 28.45", p)
	}
	if p := f["green_clean_trip_share_pct"].(decimal.Decimal); p.String() != "85" {
		t.Errorf("a plain number in a %% column: %s, want 85", p)
	}

	// A title above the header, as on a printed form, on the second sheet.
	tf := excelize.NewFile()
	tf.NewSheet("企业数据")
	tf.SetCellValue("企业数据", "A1", "2026年第三季度企业数据报送表")
	tf.SetSheetRow("企业数据", "A3", &[]any{"uscc", "name", "books_on_shelf"})
	tf.SetSheetRow("企业数据", "A4", &[]any{store, "亦城书房文化传播有限公司", "很多"})
	var tb bytes.Buffer
	tf.Write(&tb)
	tf.Close()
	rep, err = Import(context.Background(), db, cat, &tb, "xlsx")
	if len(rep.Errors) != 1 || rep.Errors[0].Row != 4 || rep.Errors[0].Column != "C" {
		t.Errorf("title row: %v %+v", err, rep.Errors)
	}

	// Row numbers are Excel's: the blank row 4 counts.
	bad := xlsxFile(t, [][]any{
		{"uscc", "name", "books_on_shelf"},
		{"统一社会信用代码", "企业名称", "册数"},
		{tech, "星河", 10},
		nil,
		{store, "书房", "很多"},
	})
	db2 := openDB(t)
	rep, err = Import(context.Background(), db2, cat, bytes.NewReader(bad), "xlsx")
	if duixian.ErrorCode(err) != duixian.EINVALID || len(rep.Errors) != 1 {
		t.Fatalf("%v %+v", err, rep.Errors)
	}
	if e := rep.Errors[0]; e.Row != 5 || e.Column != "C" || e.Header != "books_on_shelf" {
		t.Errorf("error at %+v, want row 5 column C", e)
	}
	if n := count(t, db2, `SELECT COUNT(*) FROM enterprises`); n != 0 {
		t.Errorf("%d enterprises written from a bad file", n)
	}
}

func TestImportBadRowsImportNothing(t *testing.T) {
	good := usccFor(t, techUSCC)
	wrongCheck := good[:17] + string("0123456789ABCDEFGHJKLMNPQRTUWXY"[(strings.IndexByte("0123456789ABCDEFGHJKLMNPQRTUWXY", good[17])+1)%31])
	other := usccFor(t, storeUSCC)
	third := usccFor(t, "91110302MA01QWER3")
	csv := "uscc,name,zones,books_on_shelf\n" +
		good + ",北京亦庄星河科技有限公司,yizhuang-225,\n" + // row 2: fine
		wrongCheck + ",错码企业,yizhuang-225,\n" + // row 3
		other + ",书房,core-60;yizhuang-225,很多\n" + // row 4
		third + ",某公司,core-60;nowhere,\n" + // row 5
		good + ",又一次星河,yizhuang-225,\n" // row 6: the same enterprise again
	for _, tc := range []struct {
		name string
		data func() (string, []byte)
	}{
		{"csv", func() (string, []byte) { return "csv", []byte(csv) }},
		{"gbk-csv", func() (string, []byte) {
			b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(csv))
			if err != nil {
				t.Fatal(err)
			}
			return "csv", b
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openDB(t)
			format, data := tc.data()
			rep, err := Import(context.Background(), db, loadCatalogue(t), bytes.NewReader(data), format)
			if duixian.ErrorCode(err) != duixian.EINVALID {
				t.Fatalf("error %v, want EINVALID", err)
			}
			if !strings.Contains(err.Error(), "4处错误") || !strings.Contains(err.Error(), "nothing was imported") {
				t.Errorf("summary: %v", err)
			}
			want := []struct {
				row         int
				col, header string
				zh, en      []string
			}{
				{3, "A", "uscc", []string{"第3行A列（uscc）", "校验码", "应为“" + good[17:] + "”"}, []string{"row 3, column A (uscc)", "check character"}},
				{4, "D", "books_on_shelf", []string{"第4行D列（books_on_shelf）", "应为整数", "很多"}, []string{"row 4, column D (books_on_shelf)", "whole number"}},
				{5, "C", "zones", []string{"第5行C列（zones）", "nowhere", "core-60"}, []string{"row 5, column C (zones)", "nowhere"}},
				{6, "A", "uscc", []string{"第6行A列（uscc）", "与第2行重复"}, []string{"row 6, column A (uscc)", "already appears in row 2"}},
			}
			if len(rep.Errors) != len(want) {
				t.Fatalf("%d errors, want %d: %+v", len(rep.Errors), len(want), rep.Errors)
			}
			for i, w := range want {
				e := rep.Errors[i]
				msg := e.Error()
				if e.Row != w.row || e.Column != w.col || e.Header != w.header {
					t.Errorf("error %d at %d %s %s, want %d %s %s", i, e.Row, e.Column, e.Header, w.row, w.col, w.header)
				}
				zh, en := msg[:strings.Index(msg, " / ")], msg[strings.Index(msg, " / "):]
				for _, s := range w.zh {
					if !strings.Contains(zh, s) {
						t.Errorf("error %d: %q lacks %q", i, zh, s)
					}
				}
				for _, s := range w.en {
					if !strings.Contains(en, s) {
						t.Errorf("error %d: %q lacks %q", i, en, s)
					}
				}
			}
			if n := count(t, db, `SELECT COUNT(*) FROM enterprises`); n != 0 {
				t.Errorf("%d enterprises written though the file had errors", n)
			}
			if n := count(t, db, `SELECT COUNT(*) FROM audit`); n != 0 {
				t.Errorf("%d audit entries written though the file had errors", n)
			}
		})
	}
}

func TestImportHeaderErrors(t *testing.T) {
	db := openDB(t)
	good := usccFor(t, techUSCC)
	for _, tc := range []struct {
		csv  string
		want []string
	}{
		{"uscc,name,zones,revenue_wan\n" + good + ",星河,yizhuang-225,5\n", []string{"第1行D列（revenue_wan）", "未知列", "unknown column revenue_wan"}},
		{"uscc,zones\n" + good + ",yizhuang-225\n", []string{"缺少 name 列", "no name column"}},
		{"uscc,name,fraud_ban_active\n" + good + ",星河,否\n", []string{"fraud_ban_active", "不能导入", "cannot be imported"}},
		{"uscc,name,zones,zones\n" + good + ",星河,yizhuang-225,core-60\n", []string{"第1行D列（zones）", "重复", "repeats column C"}},
		{"uscc,name,operating_normally\n" + good + ",星河,maybe\n", []string{"第2行C列（operating_normally）", "是/否", "true or false"}},
		{"uscc,name,fin_tech_insurance_premium\n" + good + ",星河,12.345元\n", []string{"两位小数", "two decimals"}},
		{"uscc,name,business_area_m2\n" + good + ",星河,-3\n", []string{"不得小于 0", "at least 0"}},
		{"uscc,name,operating_since\n" + good + ",星河,2024年13月1日\n", []string{"第2行C列（operating_since）", "应为日期", "must be a date"}},
		{"uscc,name\n" + good + ",\n", []string{"第2行B列（name）", "缺少企业名称", "name is missing"}},
	} {
		rep, err := importString(t, db, "csv", tc.csv)
		if duixian.ErrorCode(err) != duixian.EINVALID {
			t.Errorf("%q: error %v", tc.csv, err)
			continue
		}
		var all []string
		for _, e := range rep.Errors {
			all = append(all, e.Error())
		}
		joined := strings.Join(all, "\n")
		for _, w := range tc.want {
			if !strings.Contains(joined, w) {
				t.Errorf("%q: errors %q lack %q", tc.csv, joined, w)
			}
		}
	}
	if n := count(t, db, `SELECT COUNT(*) FROM enterprises`); n != 0 {
		t.Errorf("%d enterprises written", n)
	}
	if _, err := importString(t, db, "ods", "x"); duixian.ErrorCode(err) != duixian.EINVALID {
		t.Errorf("an unsupported format: %v", err)
	}
}

func TestReimportChangesNothing(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	file := goodCSV(t)
	if _, err := importString(t, db, "csv", file); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string {
		var b strings.Builder
		rows, err := db.SQL().QueryContext(ctx, `SELECT uscc, version, doc FROM enterprises ORDER BY uscc`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var u, doc string
			var v int
			if err := rows.Scan(&u, &v, &doc); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(&b, "%s %d %s\n", u, v, doc)
		}
		fmt.Fprintf(&b, "audit %d", count(t, db, `SELECT COUNT(*) FROM audit`))
		return b.String()
	}
	before := snapshot()
	rep, err := importString(t, db, "csv", file)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 2 {
		t.Errorf("re-import report %+v, want 2 unchanged", rep)
	}
	if after := snapshot(); after != before {
		t.Errorf("re-import wrote something:\nbefore %s\nafter  %s", before, after)
	}
	// The same values written differently are the same values: 31.26万元 is
	// 312600 yuan, the set's order does not matter, 260平方米 is 260.00.
	same := strings.Replace(file, "31.26万元", "312600", 1)
	same = strings.Replace(same, "high-tech；beijing-specialized", "beijing-specialized;high-tech", 1)
	same = strings.Replace(same, "260平方米", "260.00", 1)
	if rep, err := importString(t, db, "csv", same); err != nil || rep.Unchanged != 2 {
		t.Errorf("equivalent file: %+v %v", rep, err)
	}
	if after := snapshot(); after != before {
		t.Errorf("an equivalent file wrote something")
	}
	// A real change updates that enterprise only, keeps the facts the file
	// does not mention, and is audited with the old and new values.
	rep, err = importString(t, db, "csv", "uscc,name,fin_tech_insurance_premium\n"+usccFor(t, techUSCC)+",北京亦庄星河科技有限公司,35万元\n")
	if err != nil || rep.Updated != 1 || rep.Unchanged != 0 {
		t.Fatalf("change: %+v %v", rep, err)
	}
	tech := enterprise(t, db, usccFor(t, techUSCC))
	if tech.Version != 2 {
		t.Errorf("version %d, want 2", tech.Version)
	}
	f, err := loadCatalogue(t).DecodeJSONFacts("facts", tech.Facts)
	if err != nil {
		t.Fatal(err)
	}
	if p := f["fin_tech_insurance_premium"].(decimal.Decimal); p.Cmp(decimal.MustNew(350000, 0)) != 0 {
		t.Errorf("premium %s", p)
	}
	if _, ok := f["titles"]; !ok {
		t.Errorf("a fact the file does not mention was dropped")
	}
	var log []duixian.AuditEntry
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		log, err = tx.AuditLog(usccFor(t, techUSCC))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	last := log[len(log)-1]
	if last.Action != "import-enterprise" || !strings.Contains(last.Before, "312600.00") || !strings.Contains(last.After, "350000.00") {
		t.Errorf("audit entry %+v", last)
	}
}

func TestImportKeepsBans(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	if _, err := importString(t, db, "csv", goodCSV(t)); err != nil {
		t.Fatal(err)
	}
	u := usccFor(t, storeUSCC)
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		e, err := tx.Enterprise(u, true)
		if err != nil {
			return err
		}
		e.Bans = append(e.Bans, duixian.Ban{Document: "jjgf-2025-21", From: duixian.Date{Year: 2026, Month: 1, Day: 5}, Until: duixian.Date{Year: 2029, Month: 1, Day: 4}})
		return tx.PutEnterprise(e)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := importString(t, db, "csv", "uscc,name\n"+u+",亦城书房（更名）\n"); err != nil {
		t.Fatal(err)
	}
	e := enterprise(t, db, u)
	if e.Name != "亦城书房（更名）" || len(e.Bans) != 1 {
		t.Errorf("after renaming: %+v", e)
	}
}
