package main

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etown/duixian/catalogue"
)

func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

const bookstore = `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,
"operating_normally":true,"declared_truthful":true,"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,
"operating_since":"2024-06-01","business_area_m2":"200","publication_area_m2":"120","books_on_shelf":3000,"publication_varieties":800,
"hosted_reading_events":6,"quarter_hour_service":true,"annual_costs":"50万元"}`

func TestEvalJSONContract(t *testing.T) {
	code, out, errs := runCmd(t, bookstore, "eval", "--clause", "jjgf-2025-21/7.1", "--facts", "-", "--date", "2026-03-01", "--as-of", "2026-06-30", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	// Read as a client must read amounts: the fen as an exact integer.
	var d map[string]any
	dec := json.NewDecoder(strings.NewReader(out))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		t.Fatal(err)
	}
	if d["eligible"] != true || d["amount_fen"] != json.Number("12000000") || d["amount"] != "120000.00" {
		t.Fatalf("decision: %v", out)
	}
	for _, k := range []string{"document", "reasons", "trace", "event_date", "as_of"} {
		if _, ok := d[k]; !ok {
			t.Errorf("JSON decision lacks %q", k)
		}
	}
	if doc := d["document"].(map[string]any); doc["number"] != "京技管发〔2025〕21号" || doc["version"] != "2025-10-28" {
		t.Errorf("document: %v", doc)
	}
	if !strings.Contains(out, "依据21号第七条（一），出版物经营面积120平方米") {
		t.Errorf("trace does not explain the tier in Chinese: %s", out)
	}
}

func TestEvalRefusalGivesReasons(t *testing.T) {
	facts := strings.Replace(bookstore, `"books_on_shelf":3000`, `"books_on_shelf":1999`, 1)
	code, out, _ := runCmd(t, facts, "eval", "--clause", "jjgf-2025-21/7.1", "--facts", "-", "--date", "2026-03-01", "--json", "--trace=false")
	if code != 0 {
		t.Fatalf("a refusal is a decision, not an error: exit %d", code)
	}
	var d struct {
		Eligible bool
		Reasons  []struct{ Code, MessageZh, Cite map[string]string }
	}
	var raw map[string]any
	json.Unmarshal([]byte(out), &raw)
	if raw["eligible"] != false || !strings.Contains(out, `"code": "jjgf-2025-21:books"`) || !strings.Contains(out, "上架经营出版物不少于2000册") {
		t.Fatalf("refusal: %s", out)
	}
	_ = d
}

func TestEvalBadFactsExit2(t *testing.T) {
	for _, tc := range []struct{ facts, want string }{
		{strings.Replace(bookstore, `"publication_area_m2":"120"`, `"publication_area_m2":"一百"`, 1), "publication_area_m2"},
		{strings.Replace(bookstore, `"quarter_hour_service":true`, `"quarter_hour_service":"yes"`, 1), "quarter_hour_service"},
		{strings.Replace(bookstore, `,"quarter_hour_service":true`, ``, 1), "quarter_hour_service: 在企业、园区、社区、商超周边等地开办，实现补足“一刻钟”便民文化服务：缺失"},
		{strings.Replace(bookstore, `"operating_since":"2024-06-01"`, `"operating_since":"2024-02-30"`, 1), "应为日期"},
		{`not json`, "不是有效的 JSON"},
	} {
		code, _, errs := runCmd(t, tc.facts, "eval", "--clause", "jjgf-2025-21/7.1", "--facts", "-", "--date", "2026-03-01")
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("exit %d, stderr %q; want exit 2 naming %q", code, errs, tc.want)
		}
	}
	if code, _, errs := runCmd(t, bookstore, "eval", "--clause", "jjgf-2025-21/9.9", "--facts", "-"); code != 2 || !strings.Contains(errs, "没有条款") {
		t.Errorf("unknown clause: exit %d %s", code, errs)
	}
}

func TestEvalClaims(t *testing.T) {
	set := `{"year": 2026, "as_of": "2027-01-15", "facts": ` + strings.TrimSuffix(bookstore, "}") + `, "public_culture_outstanding": true, "annual_costs": "100万元"},
	  "claims": [{"clause": "jjgf-2025-21/7.1", "event_date": "2026-03-01"}, {"clause": "jjgf-2025-21/7.2", "event_date": "2026-04-01"}]}`
	code, out, errs := runCmd(t, set, "eval", "--claims", "-", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var y struct {
		TotalFen  int64 `json:"total_fen"`
		Decisions []struct {
			Eligible bool
			Reasons  []struct{ Code string }
		}
	}
	if err := json.Unmarshal([]byte(out), &y); err != nil {
		t.Fatal(err)
	}
	if y.TotalFen != 12000000 || len(y.Decisions) != 2 || y.Decisions[1].Eligible || !strings.HasSuffix(y.Decisions[1].Reasons[0].Code, ":exclusive") {
		t.Fatalf("year: %s", out)
	}
}

// copyCatalogue writes the embedded catalogue to a directory an author
// could edit.
func copyCatalogue(t *testing.T) string {
	dir := t.TempDir()
	err := fs.WalkDir(catalogue.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(catalogue.FS, p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, p), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLintDirectory(t *testing.T) {
	dir := copyCatalogue(t)
	if code, out, errs := runCmd(t, "", "catalogue", "lint", "--catalogue", dir); code != 0 {
		t.Fatalf("the shipped catalogue must lint: exit %d %s %s", code, out, errs)
	}
	p := filepath.Join(dir, "jjgf-2025-21.yaml")
	b, _ := os.ReadFile(p)
	s := strings.Replace(string(b), "when: books_on_shelf >= 2000", "when: book_on_shelf >= 2000", 1)
	s = strings.Replace(s, `{range: "(100, 200]", amount: 12万元}`, `{range: "(110, 200]", amount: 12万元}`, 1)
	s = strings.Replace(s, `cite: "18"`, `cite: "81"`, 1)
	os.WriteFile(p, []byte(s), 0o644)
	code, _, errs := runCmd(t, "", "catalogue", "lint", "--catalogue", dir)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	for _, want := range []string{"jjgf-2025-21.yaml:", "unknown fact: 'book_on_shelf'", "gap between tiers", "broken citation \"81\""} {
		if !strings.Contains(errs, want) {
			t.Errorf("lint output lacks %q:\n%s", want, errs)
		}
	}
}

func TestCatalogueShowJSON(t *testing.T) {
	code, out, errs := runCmd(t, "", "catalogue", "show", "jjgf-2025-21/7.4", "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{`"name": "reading_events"`, `"text": "对作为主办方`, `"label": "第七条（四）"`, `"formula"`, `"expr": "\"core-60\" in zones"`} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %s", want)
		}
	}
	if code, out, _ := runCmd(t, "", "catalogue", "list", "--json"); code != 0 || !strings.Contains(out, `"jjgf-2025-21/7.3.1"`) {
		t.Errorf("list: %d %s", code, out[:min(200, len(out))])
	}
}

// A listing standard shows its grade, its sources and the older text its
// figures were confirmed in, as text and as JSON.
func TestCatalogueShowEvidence(t *testing.T) {
	code, out, errs := runCmd(t, "", "catalogue", "show", "listing-sse-main/3.1.2.1")
	if code != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{"上海证券交易所股票上市规则（2026年4月修订）（版本 2026-04-24）", "核实等级 / evidence grade: C（二手摘要", "来源 / source: 聚源数据上市标准代码表代码28", "数值仅在2024年4月修订版中得到确认"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
	code, out, errs = runCmd(t, "", "catalogue", "show", "listing-sse-star/2.1.2.2", "--json")
	if code != 0 {
		t.Fatal(errs)
	}
	var v struct {
		Evidence *struct {
			Grade, Source string
			ConfirmedIn   string `json:"confirmed_in"`
		} `json:"evidence"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Evidence == nil || v.Evidence.Grade != "B" || v.Evidence.ConfirmedIn != "2019年版" || !strings.Contains(v.Evidence.Source, "JinfuZheng/IPOtest") {
		t.Errorf("show --json: %v %+v", err, v.Evidence)
	}
	if _, out, _ := runCmd(t, "", "catalogue", "show", "jjgf-2025-21/7.4", "--json"); strings.Contains(out, `"evidence"`) {
		t.Error("a gazette clause shows evidence")
	}
}

// Every command answers --help with its usage on standard output, exit 0.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"eval", "--help"}, {"catalogue", "--help"}, {"serve", "-h"}, {"match", "--help"}, {"qunyan", "recheck", "--help"}} {
		code, out, errs := runCmd(t, "", args...)
		if code != 0 || !strings.Contains(out, "duixian "+args[0]) || errs != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

// With --json an error is JSON on standard output (the exit code still
// says what kind), so a client reads one stream.
func TestEvalJSONErrors(t *testing.T) {
	code, out, _ := runCmd(t, `{"books_on_shelf": "many"}`, "eval", "--clause", "jjgf-2025-21/7.1", "--facts", "-", "--date", "2026-03-01", "--as-of", "2026-03-01", "--json")
	var e map[string]any
	if code != 2 || json.Unmarshal([]byte(out), &e) != nil || e["code"] != "invalid" || e["field"] == nil || e["message_zh"] == nil || e["message_en"] == nil {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}

// A claim set gives each claim's event date; --date is refused, --as-of is
// used, a claim without an event date is named.
func TestEvalClaimsDates(t *testing.T) {
	set := `{"enterprise": "x", "year": 2026, "facts": ` + bookstore + `, "claims": [{"clause": "jjgf-2025-21/7.1", "event_date": "2026-03-01"}]}`
	if code, _, errs := runCmd(t, set, "eval", "--claims", "-", "--date", "2026-03-01"); code != 2 || !strings.Contains(errs, "--date") {
		t.Errorf("--date with --claims: exit %d, %s", code, errs)
	}
	code, out, errs := runCmd(t, set, "eval", "--claims", "-", "--as-of", "2026-06-30", "--json")
	if code != 0 || !strings.Contains(out, `"as_of": "2026-06-30"`) || strings.Contains(errs, "注意") {
		t.Errorf("--as-of with --claims: exit %d, %s %s", code, out, errs)
	}
	if _, _, errs := runCmd(t, set, "eval", "--claims", "-"); !strings.Contains(errs, "按今天") {
		t.Errorf("the default as-of date is not said: %q", errs)
	}
	noDate := strings.Replace(set, `, "event_date": "2026-03-01"`, "", 1)
	if code, _, errs := runCmd(t, noDate, "eval", "--claims", "-"); code != 2 || !strings.Contains(errs, "claims[0].event_date") {
		t.Errorf("a claim without an event date: exit %d, %s", code, errs)
	}
}

// One claim decides the same through --clause as through a one-claim
// --claims: 21号第九条 caps the year's awards at its costs (1万元 here, against
// the 一刻钟 tier's 12万元), either way.
func TestEvalClauseAndClaimsAgree(t *testing.T) {
	facts := strings.Replace(bookstore, `"annual_costs":"50万元"`, `"annual_costs":"1万元"`, 1)
	_, one, errs := runCmd(t, facts, "eval", "--clause", "jjgf-2025-21/7.1", "--facts", "-", "--date", "2026-03-01", "--as-of", "2026-06-30", "--json", "--trace=false")
	set := `{"enterprise": "x", "year": 2026, "as_of": "2026-06-30", "claims": [{"clause": "jjgf-2025-21/7.1", "event_date": "2026-03-01", "facts": ` + facts + `}]}`
	_, many, _ := runCmd(t, set, "eval", "--claims", "-", "--json", "--trace=false")
	var d struct {
		Amount string `json:"amount"`
	}
	var y struct {
		Decisions []struct {
			Amount string `json:"amount"`
		} `json:"decisions"`
	}
	if json.Unmarshal([]byte(one), &d) != nil || json.Unmarshal([]byte(many), &y) != nil || len(y.Decisions) != 1 {
		t.Fatalf("%s %s | %s", one, errs, many)
	}
	if d.Amount != "10000.00" || y.Decisions[0].Amount != d.Amount {
		t.Errorf("--clause gives %s, --claims %s; want 10000.00 both", d.Amount, y.Decisions[0].Amount)
	}
}

// A decision that is not about money (20号's review path) prints its
// outcome and no amount; a bad fact is named as the claim's own, not as
// claims[0]'s.
func TestEvalClassificationPrintsNoAmount(t *testing.T) {
	const land = `{"zones": ["yizhuang-225"], "land_sold": true, "land_current_use": "M1", "land_plan_consistent": true, "land_volume_transfer": true, "land_change_of_use": false, "land_urban_renewal": false, "land_industry_supported": true, "land_industry_approved": true, "land_far_current": "1.0", "land_far_planned": "1.5", "land_block_baseline_far": "2.0", "land_plan_approved": true}`
	code, out, errs := runCmd(t, land, "eval", "--clause", "jjgf-2025-20/5", "--facts", "-", "--date", "2026-03-01", "--as-of", "2026-03-01")
	if code != 0 || strings.Contains(out, "金额") || !strings.Contains(out, "认定结果：书面报请审查") {
		t.Errorf("exit %d: %s %s", code, out, errs)
	}
	code, _, errs = runCmd(t, `{"land_sold": true}`, "eval", "--clause", "jjgf-2025-20/5", "--facts", "-", "--date", "2026-03-01", "--as-of", "2026-03-01")
	if code != 2 || !strings.HasPrefix(errs, "facts.") {
		t.Errorf("a missing fact: exit %d, %s", code, errs)
	}
}

// `catalogue test --json` is pure JSON, its counts inside: a tool reads
// standard output whole.
func TestCatalogueTestJSONIsPure(t *testing.T) {
	code, out, errs := runCmd(t, "", "catalogue", "test", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	dec := json.NewDecoder(strings.NewReader(out))
	var rep struct {
		Passed, Failed int
		Missing        int `json:"coverage_missing"`
	}
	if err := dec.Decode(&rep); err != nil || rep.Passed < 900 || rep.Failed != 0 {
		t.Fatalf("%+v %v", rep, err)
	}
	if dec.More() || strings.TrimSpace(out[dec.InputOffset():]) != "" {
		t.Fatalf("text after the JSON: %q", out[dec.InputOffset():])
	}
}

// `catalogue new` scaffolds a document and its cases that lint and pass as
// written; it never overwrites, and refuses a malformed id by its flag.
func TestCatalogueNew(t *testing.T) {
	dir := t.TempDir()
	facts, err := os.ReadFile("../../catalogue/facts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "facts.yaml"), facts, 0o644)
	if code, out, errs := runCmd(t, "", "catalogue", "new", "--catalogue", dir, "--id", "gzsw-2026-1", "--title", "出口信用保险保费补贴"); code != 0 {
		t.Fatalf("new: %d %s %s", code, out, errs)
	}
	if code, out, errs := runCmd(t, "", "catalogue", "test", "--catalogue", dir); code != 0 || !strings.Contains(out, "2 passed, 0 failed") {
		t.Fatalf("test: %d %s %s", code, out, errs)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "gzsw-2026-1.yaml"))
	if code, _, errs := runCmd(t, "", "catalogue", "new", "--catalogue", dir, "--id", "gzsw-2026-1", "--title", "别的"); code != 2 || !strings.Contains(errs, "已存在") {
		t.Fatalf("a second new: %d %s", code, errs)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "gzsw-2026-1.yaml")); string(after) != string(before) {
		t.Fatal("new overwrote a document")
	}
	if code, _, errs := runCmd(t, "", "catalogue", "new", "--catalogue", dir, "--id", "Bad_ID", "--title", "x"); code != 2 || !strings.Contains(errs, "--id") {
		t.Fatalf("a bad id: %d %s", code, errs)
	}
}

// A clause shows its 申报材料, each with its article, the optional ones
// marked.
func TestCatalogueShowMaterials(t *testing.T) {
	code, out, errs := runCmd(t, "", "catalogue", "show", "jjgf-2025-21/7.1")
	if code != 0 {
		t.Fatal(errs)
	}
	for _, want := range []string{"申报材料 / materials:", "[21号第十一条] construction-contract", "经营场所施工合同（复印件）", "社会形象与影响力情况材料（如荣誉证书复印件、奖杯照片等）（可选 optional）"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
}
