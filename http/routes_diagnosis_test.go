package http

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/diagnosis"
)

// diagnosisFigures: a company that meets 科创板 standard (一) — expected
// market capitalisation 12亿元, net profit 3000万元 and 2500万元 (together
// 5500万元) — but not (二): it misses the capitalisation by 3亿元, the
// revenue by 5000万元, and its R&D (2400万元 on 3.7亿元 of revenue) is
// 3150万元 short of 15%.
var diagnosisFigures = map[string]string{
	"listing_market_cap_cny": "12亿元",
	"listing_net_profit_y1":  "3000万元",
	"listing_net_profit_y2":  "2500万元",
	"listing_revenue_y1":     "1.5亿元",
	"listing_revenue_y2":     "1.2亿元",
	"listing_revenue_y3":     "1亿元",
	"listing_rd_y1":          "1000万元",
	"listing_rd_y2":          "800万元",
	"listing_rd_y3":          "600万元",
}

var diagnosisGaps = []string{"还差30000.00万元", "还差5000.00万元", "还差3150.00万元"}

// dxSlice is the text of s from the first from up to the next to.
func dxSlice(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i:]
	if j := strings.Index(s, to); j >= 0 {
		s = s[:j]
	}
	return s
}

func TestDiagnosisPage(t *testing.T) {
	_, ts, _ := testServer(t)
	tech := newClient(t, ts)
	if tech.login("tech", demo.Password) != 200 {
		t.Fatal("tech cannot sign in")
	}
	resp, page := tech.do("GET", "/diagnosis", "", nil)
	for _, want := range []string{`name="f.listing_market_cap_cny"`, `name="f.listing_market_cap_hkd"`, "亿港元", "预计市值（人民币）", "定赛道", `href="/diagnosis"`} {
		if resp.StatusCode != 200 || !strings.Contains(page, want) {
			t.Fatalf("the form lacks %q (%d)", want, resp.StatusCode)
		}
	}
	if strings.Contains(page, `id="dx-results"`) {
		t.Fatal("results before any figure was sent")
	}

	// The figures, as a form; the POST needs no CSRF token: it changes nothing.
	form := url.Values{}
	for k, v := range diagnosisFigures {
		form.Set("f."+k, v)
	}
	resp, page = tech.do("POST", "/diagnosis", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 200 {
		t.Fatalf("diagnosis: %d %.500s", resp.StatusCode, page)
	}
	if !strings.Contains(page, "符合 1 个板块的 1 套标准") || !strings.Contains(page, `value="12亿元"`) {
		t.Fatalf("no summary or the figures are not kept: %.2000s", dxSlice(page, `id="dx-summary"`, "</section>"))
	}
	// Each board names the revision it encodes and its date; each standard
	// its grade, sources and the older text its figures were confirmed in.
	star := dxSlice(page, `id="board-listing-sse-star"`, "</section>")
	if !strings.Contains(star, "符合 1 套标准") || !strings.Contains(dxSlice(star, `dx-version`, "</p>"), "上海证券交易所科创板股票上市规则（2026年修订） · 版本 2026-04-24") {
		t.Fatalf("科创板: %.1500s", star)
	}
	one := dxSlice(star, `id="std-listing-sse-star/2.1.2.1"`, "</article>")
	if !strings.Contains(one, ">达标<") || strings.Count(one, `class="dx-pass"`) != 2 || strings.Contains(one, "dx-fail") || !strings.Contains(one, "科创板第2.1.2条") {
		t.Fatalf("标准（一）: %s", one)
	}
	if ev := dxSlice(one, `class="dx-evidence"`, "</details>"); !strings.Contains(one, `class="dx-grade grade-B"`) || !strings.Contains(one, "核实等级 B</span>") ||
		!strings.Contains(ev, "规则原文的逐字转载 · 数值仅在以下版本中得到确认：2019年版") || !strings.Contains(ev, "JinfuZheng/IPOtest") {
		t.Fatalf("标准（一）'s grade: %s", one)
	}
	if strings.Contains(page, "规则文本未经逐条核实") || !strings.Contains(dxSlice(page, `id="dx-grades"`, "</details>"), "二手摘要") {
		t.Error("the page still warns on every board, or lacks the grades' legend")
	}
	two := dxSlice(star, `id="std-listing-sse-star/2.1.2.2"`, "</article>")
	if !strings.Contains(two, ">未达标<") || strings.Count(two, `class="dx-fail"`) != 3 || !strings.Contains(two, "✗") {
		t.Fatalf("标准（二）: %s", two)
	}
	for _, gap := range diagnosisGaps {
		if !strings.Contains(two, gap) {
			t.Errorf("标准（二） lacks %s", gap)
		}
	}
	// A standard that reads a figure not given says what is needed.
	if five := dxSlice(star, `id="std-listing-sse-star/2.1.2.5"`, "</article>"); !strings.Contains(five, "待补充信息") || !strings.Contains(five, "需补充") {
		t.Errorf("标准（五） without the milestones fact: %s", five)
	}
	// The closest misses of boards not yet met, with what to improve.
	if closest := dxSlice(page, `id="dx-closest"`, "</div>"); !strings.Contains(closest, "补短板") || !strings.Contains(closest, "还差") {
		t.Errorf("closest misses: %s", closest)
	}

	// A figure that is no amount is named on the form; the others still count.
	form.Set("f.listing_rd_y3", "六百万")
	resp, page = tech.do("POST", "/diagnosis", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 400 || !strings.Contains(page, `id="field-listing_rd_y3"`) || !strings.Contains(dxSlice(page, `id="field-listing_rd_y3"`, "</div>"), "dx-error") ||
		!strings.Contains(page, "符合 1 个板块的 1 套标准") {
		t.Fatalf("a bad figure: %d", resp.StatusCode)
	}

	// Officials use it too.
	bureau := newClient(t, ts)
	bureau.login("finance-bureau", demo.Password)
	if resp, _ := bureau.do("GET", "/diagnosis", "", nil); resp.StatusCode != 200 {
		t.Fatalf("商务金融局: %d", resp.StatusCode)
	}
}

// chinextFourthFigures: a ChiNext company not yet profitable that meets
// only the fourth standard's fast-growth form (expected capitalisation
// 35亿元, revenue 2.5亿元 up from 1.2亿元 two years before); the R&D form
// misses 5亿元 of capitalisation and 2500万元 of R&D.
var chinextFourthFigures = map[string]string{
	"listing_market_cap_cny":                "35亿元",
	"listing_net_profit_y1":                 "-5000万元",
	"listing_net_profit_y2":                 "-8000万元",
	"listing_revenue_y1":                    "2.5亿元",
	"listing_revenue_y2":                    "1.8亿元",
	"listing_revenue_y3":                    "1.2亿元",
	"listing_rd_y1":                         "3000万元",
	"listing_rd_y2":                         "2500万元",
	"listing_rd_y3":                         "2000万元",
	"listing_chinext_fourth_standard_scope": "true",
}

func TestDiagnosisPageChiNextFourth(t *testing.T) {
	_, ts, _ := testServer(t)
	tech := newClient(t, ts)
	if tech.login("tech", demo.Password) != 200 {
		t.Fatal("tech cannot sign in")
	}
	form := url.Values{}
	for k, v := range chinextFourthFigures {
		form.Set("f."+k, v)
	}
	resp, page := tech.do("POST", "/diagnosis", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 200 || !strings.Contains(page, "符合 1 个板块的 1 套标准") || !strings.Contains(dxSlice(page, `id="dx-summary"`, "</section>"), "<strong>创业板</strong>") {
		t.Fatalf("diagnosis: %d %.1500s", resp.StatusCode, dxSlice(page, `id="dx-summary"`, "</section>"))
	}
	board := dxSlice(page, `id="board-listing-szse-chinext"`, "</section>")
	if !strings.Contains(board, "符合 1 套标准") || !strings.Contains(board, "深圳证券交易所创业板股票上市规则（2026年修订） · 版本 2026-04-24") {
		t.Fatalf("创业板: %.1500s", board)
	}
	for _, clause := range []string{"2.1.2.1", "2.1.2.2", "2.1.2.3", "2.1.2.4.rd"} {
		if std := dxSlice(board, `id="std-listing-szse-chinext/`+clause+`"`, "</article>"); !strings.Contains(std, ">未达标<") || !strings.Contains(std, "核实等级 C") {
			t.Errorf("%s: %s", clause, std)
		}
	}
	growth := dxSlice(board, `id="std-listing-szse-chinext/2.1.2.4.growth"`, "</article>")
	if !strings.Contains(growth, ">达标<") || strings.Count(growth, `class="dx-pass"`) != 4 || !strings.Contains(growth, `class="dx-grade grade-C"`) ||
		!strings.Contains(growth, "算法未经原文核实") || !strings.Contains(dxSlice(growth, `class="dx-evidence"`, "</details>"), "复合增长率的算法") {
		t.Fatalf("高成长型: %s", growth)
	}
	if rd := dxSlice(board, `id="std-listing-szse-chinext/2.1.2.4.rd"`, "</article>"); !strings.Contains(rd, "还差50000.00万元") || !strings.Contains(rd, "还差2500.00万元") {
		t.Errorf("高研发型: %s", rd)
	}
	// The scope of the fourth standard is the company's to declare: a radio.
	if !strings.Contains(page, `name="f.listing_chinext_fourth_standard_scope" value="true" checked`) {
		t.Error("the declaration of the fourth standard's scope is not kept on the form")
	}
	// The standard's page in the policy library shows its grade too.
	if resp, page := tech.do("GET", "/policies/listing-szse-chinext/2.1.2.4.growth", "", nil); resp.StatusCode != 200 || !strings.Contains(page, "核实等级 C（二手摘要）") {
		t.Errorf("the clause page: %d %.300s", resp.StatusCode, dxSlice(page, "<h1>", "</h2>"))
	}
	// In English the grade's label and meaning are translated.
	tech.do("GET", "/lang/en", "", nil)
	_, page = tech.do("POST", "/diagnosis", form.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	if growth := dxSlice(page, `id="std-listing-szse-chinext/2.1.2.4.growth"`, "</article>"); !strings.Contains(growth, "Evidence grade C") || !strings.Contains(growth, "a secondary summary") {
		t.Errorf("English: %s", growth)
	}
}

// The API answers the diagnosis as JSON; what it decides is tested in
// package diagnosis.
func TestDiagnosisAPI(t *testing.T) {
	_, ts, _ := testServer(t)
	tech := newClient(t, ts)
	tech.login("tech", demo.Password)
	body, _ := json.Marshal(map[string]any{"facts": diagnosisFigures})
	resp, out := tech.post("/api/v1/diagnosis", string(body))
	if resp.StatusCode != 200 {
		t.Fatalf("api: %d %s", resp.StatusCode, out)
	}
	var d diagnosis.Diagnosis
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Summary != "符合 1 个板块的 1 套标准" || len(d.Boards) != 11 || len(d.Closest) == 0 {
		t.Fatalf("summary: %+v", d)
	}
	// The answer says how sure each standard is and which version it encodes.
	if !strings.Contains(out, `"evidence":{"grade":"B","source":`) || !strings.Contains(out, `"confirmed_in":"2019年版"`) || !strings.Contains(out, `"version":"2026-04-24"`) {
		t.Errorf("the answer lacks the grades or the version: %.300s", out)
	}
	// Facts are checked: an unknown fact, a fact of no listing standard, a
	// wrong type, an unknown field.
	for _, bad := range []string{`{"facts":{"listing_market_cap":"1"}}`, `{"facts":{"zones":["core-60"]}}`, `{"facts":{"listing_market_cap_cny":true}}`, `{"figures":{}}`} {
		if resp, out := tech.post("/api/v1/diagnosis", bad); resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", bad, resp.StatusCode, out)
		}
	}
}

// Anonymous visitors are sent to sign in (the pages) or refused (the API).
func TestDiagnosisSignedInOnly(t *testing.T) {
	_, ts, _ := testServer(t)
	anon := newClient(t, ts)
	for _, method := range []string{"GET", "POST"} {
		resp, _ := anon.do(method, "/diagnosis", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/login?next=/diagnosis") {
			t.Errorf("anonymous %s /diagnosis: %d %s", method, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, body := anon.post("/api/v1/diagnosis", `{"facts":{}}`)
	if resp.StatusCode != 401 || !strings.Contains(body, "unauthenticated") {
		t.Errorf("anonymous API: %d %s", resp.StatusCode, body)
	}
	if _, page := anon.do("GET", "/", "", nil); strings.Contains(page, `href="/diagnosis"`) {
		t.Error("the menu offers the diagnosis to anonymous visitors")
	}
}
