package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
	"github.com/xuri/excelize/v2"
)

func TestImportCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	c, _ := duixian.USCCCheckChar("91110302MA01HJKL2")
	good := "91110302MA01HJKL2" + string(c)
	file := filepath.Join(dir, "enterprises.csv")
	if err := os.WriteFile(file, []byte("uscc,name,zones,fin_tech_insurance_premium\n"+
		"统一社会信用代码,企业名称,所在区域,科技保险保费\n"+
		good+",北京亦庄星河科技有限公司,core-60;yizhuang-225,31.26万元\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runCmd(t, "", "import", "--db", db, file)
	if code != 0 || !strings.Contains(out, "新增 created      1") || !strings.Contains(out, "复核群雁计划成员 0 家") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runCmd(t, "", "import", file, "--db", db)
	if code != 0 || !strings.Contains(out, "未变 unchanged    1") || strings.Contains(out, "复核群雁") {
		t.Fatalf("re-import: exit %d\n%s", code, out)
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("uscc,name,books_on_shelf\n"+good+",星河,很多\n"), 0o644)
	code, _, errs = runCmd(t, "", "import", "--db", db, bad)
	if code != 2 || !strings.Contains(errs, "第2行C列（books_on_shelf）") || !strings.Contains(errs, "row 2, column C (books_on_shelf)") ||
		!strings.Contains(errs, "nothing was imported") {
		t.Errorf("bad file: exit %d\n%s", code, errs)
	}
	if code, _, _ := runCmd(t, "", "import", "--db", db, filepath.Join(dir, "enterprises.ods")); code != 2 {
		t.Errorf("a missing file: exit %d", code)
	}
}

func TestDemoDataAndExportCommands(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	code, out, errs := runCmd(t, "", "demo-data", "--enterprises", "300", "--seed", "4", "--db", db)
	if code != 0 || !strings.Contains(out, "written 300") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	// A longer population of the same seed begins with the shorter one:
	// the 300 on file are kept, the 50 after them added, across batches.
	code, out, errs = runCmd(t, "", "demo-data", "--enterprises", "350", "--seed", "4", "--batch", "128", "--db", db)
	if code != 0 || !strings.Contains(out, "written 50，") || !strings.Contains(out, "already on file 300") {
		t.Fatalf("the same seed again: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := runCmd(t, "", "demo-data", "--enterprises", "10", "--batch", "0", "--db", db); code != 2 || !strings.Contains(errs, "--batch") {
		t.Errorf("--batch 0: exit %d %s", code, errs)
	}
	if code, out, errs := runCmd(t, "", "audit", "verify", "--db", db); code != 0 {
		t.Errorf("the chain after two loads: exit %d\n%s\n%s", code, out, errs)
	}
	for _, what := range []string{"publicity", "disbursement", "statistics"} {
		path := filepath.Join(dir, what+".xlsx")
		code, out, errs := runCmd(t, "", "export", what, "--db", db, "--out", path)
		if code != 0 {
			t.Fatalf("export %s: exit %d\n%s\n%s", what, code, out, errs)
		}
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatalf("%s does not open: %v", what, err)
		}
		title, _ := f.GetCellValue(f.GetSheetList()[0], "A1")
		f.Close()
		if title == "" {
			t.Errorf("%s has no title", what)
		}
	}
	if code, _, _ := runCmd(t, "", "export", "everything", "--db", db, "--out", filepath.Join(dir, "x.xlsx")); code != 2 {
		t.Errorf("an unknown export: exit %d", code)
	}
	if code, _, _ := runCmd(t, "", "export", "statistics", "--db", db); code != 2 {
		t.Errorf("no --out: exit %d", code)
	}
}

// An import that puts a 群雁 member on the business-abnormality list for
// over a year ends its membership (26号附则3（3）) in the same command.
func TestImportRechecksQunyanMembers(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "d.db")
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := duixian.USCCCheckChar("91110302MA01QY121")
	id := "91110302MA01QY121" + string(c)
	wf := workflow.New(db, cat, calendar.Default())
	admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	if err := wf.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: "亦庄头雁电子股份有限公司",
		Facts: json.RawMessage(`{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false}`)}); err != nil {
		t.Fatal(err)
	}
	q := qunyan.New(db, cat)
	staff := duixian.Actor{User: "staff", Role: duixian.RoleEnterprise, Enterprise: id}
	filed := `{"qunyan_stopped_operating":false,"qunyan_not_cooperating":false,"qunyan_major_sanction":false,"qunyan_listed_exchange":"szse","qunyan_joint_stock":true,
"qunyan_net_profit_y1":"0","qunyan_net_profit_y2":"0","qunyan_revenue_y1":"0","qunyan_revenue_y2":"0","qunyan_rd_y1":"0",
"qunyan_rd_y2":"0","qunyan_valuation":"0","qunyan_overseas_sponsor":false,"qunyan_well_managed":false,"qunyan_neeq_listed":false}`
	if _, err := q.File(ctx, staff, qunyan.FileInput{Enterprise: id, Facts: json.RawMessage(filed)}); err != nil {
		t.Fatal(err)
	}
	commerce := duixian.Actor{User: "zhao", Role: duixian.RoleReviewer, Department: "商务金融局"}
	if _, err := q.Confirm(ctx, commerce, id, "", ""); err != nil {
		t.Fatal(err)
	}
	db.Close()

	file := filepath.Join(dir, "abnormal.csv")
	os.WriteFile(file, []byte("uscc,name,qunyan_abnormal_listed_on\n"+id+",亦庄头雁电子股份有限公司,2025年1月10日\n"), 0o644)
	code, out, errs := runCmd(t, "", "import", "--db", path, file)
	if code != 0 || !strings.Contains(out, "复核群雁计划成员 1 家，自动退出 1 家") || !strings.Contains(out, id) || !strings.Contains(out, "26号附则3（3）") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
}

// `duixian match` decides as `duixian eval` does, enterprise by enterprise:
// for a sample of its offers and near misses over a generated population,
// eval on the same enterprise's registry facts gives the same eligibility,
// amount and reasons.
func TestMatchAgreesWithEval(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	if code, out, errs := runCmd(t, "", "demo-data", "--enterprises", "800", "--seed", "3", "--db", db); code != 0 {
		t.Fatalf("demo-data: %d %s %s", code, out, errs)
	}
	offers := filepath.Join(dir, "offers.ndjson")
	if code, out, errs := runCmd(t, "", "match", "--date", "2026-06-30", "--as-of", "2026-11-28", "--db", db, "--out", offers, "--explain"); code != 0 {
		t.Fatalf("match: %d %s %s", code, out, errs)
	}
	b, err := os.ReadFile(offers)
	if err != nil {
		t.Fatal(err)
	}
	// The streamed output: one record a line, each with its full decision
	// under --explain.
	var offered, near []offerRecord
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r offerRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d: %v\n%s", i+1, err, line)
		}
		if r.Result != "undecided" && (r.Decision == nil || r.Decision.Clause != r.Clause || (r.Result == "offer") != r.Decision.Eligible) {
			t.Fatalf("line %d: %+v", i+1, r)
		}
		switch r.Result {
		case "offer":
			offered = append(offered, r)
		case "near-miss":
			near = append(near, r)
		}
	}
	facts := map[string]string{}
	for _, e := range registry.Generate(800, 3) {
		facts[e.USCC] = string(e.Facts)
	}
	var sample []matching.Offer
	for i := 0; i < len(offered); i += max(1, len(offered)/25) {
		sample = append(sample, matching.Offer{Enterprise: offered[i].Enterprise, Decision: *offered[i].Decision})
	}
	for i := 0; i < len(near); i += max(1, len(near)/15) {
		sample = append(sample, matching.Offer{Enterprise: near[i].Enterprise, Decision: *near[i].Decision})
	}
	if len(offered) < 20 || len(sample) < 30 {
		t.Fatalf("%d offers, %d sampled", len(offered), len(sample))
	}
	for _, o := range sample {
		code, out, errs := runCmd(t, facts[o.Enterprise], "eval", "--clause", o.Decision.Clause, "--facts", "-",
			"--date", "2026-06-30", "--as-of", "2026-11-28", "--json")
		if code != 0 && code != 1 {
			t.Fatalf("eval %s for %s: exit %d %s", o.Decision.Clause, o.Enterprise, code, errs)
		}
		var d duixian.Decision
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("eval output: %v\n%s", err, out)
		}
		if d.Eligible != o.Decision.Eligible || d.Amount != o.Decision.Amount || !slices.EqualFunc(d.Reasons, o.Decision.Reasons,
			func(a, b duixian.Reason) bool { return a.Code == b.Code && a.Gap == b.Gap }) {
			t.Errorf("%s for %s: match says %v %s %v, eval says %v %s %v", o.Decision.Clause, o.Enterprise,
				o.Decision.Eligible, o.Decision.Amount, o.Decision.Reasons, d.Eligible, d.Amount, d.Reasons)
		}
	}
}

// The three outputs of `duixian match` carry the same records: the compact
// NDJSON (no decision without --explain), the CSV and the XLSX written
// through excelize's StreamWriter; anything else is refused, naming --out.
func TestMatchOutputsAgree(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	if code, out, errs := runCmd(t, "", "demo-data", "--enterprises", "300", "--seed", "5", "--db", db); code != 0 {
		t.Fatalf("demo-data: %d %s %s", code, out, errs)
	}
	lines := map[string]int{}
	for _, ext := range []string{".ndjson", ".csv", ".xlsx"} {
		path := filepath.Join(dir, "offers"+ext)
		code, out, errs := runCmd(t, "", "match", "--date", "2026-06-30", "--db", db, "--out", path)
		if code != 0 || !strings.Contains(out, "300 家企业") {
			t.Fatalf("match %s: %d %s %s", ext, code, out, errs)
		}
		switch ext {
		case ".ndjson":
			b, _ := os.ReadFile(path)
			for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
				var r offerRecord
				if err := json.Unmarshal([]byte(l), &r); err != nil || r.Decision != nil || r.Enterprise == "" {
					t.Fatalf("compact record %q: %v", l, err)
				}
				lines[ext]++
			}
		case ".csv":
			f, _ := os.Open(path)
			rows, err := csv.NewReader(f).ReadAll()
			f.Close()
			if err != nil || rows[0][0] != "统一社会信用代码" {
				t.Fatalf("csv: %v %v", rows[:1], err)
			}
			lines[ext] = len(rows) - 1
		case ".xlsx":
			f, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := f.GetRows("Sheet1")
			f.Close()
			if err != nil || rows[0][0] != "统一社会信用代码" {
				t.Fatalf("xlsx: %v %v", rows[:1], err)
			}
			lines[ext] = len(rows) - 1
		}
	}
	if lines[".ndjson"] < 50 || lines[".csv"] != lines[".ndjson"] || lines[".xlsx"] != lines[".ndjson"] {
		t.Fatalf("records per output: %v", lines)
	}
	code, _, errs := runCmd(t, "", "match", "--db", db, "--out", filepath.Join(dir, "offers.json"))
	if code != 2 || !strings.Contains(errs, "--out") || !strings.Contains(errs, ".ndjson") {
		t.Fatalf("a .json output: exit %d %s", code, errs)
	}
}
