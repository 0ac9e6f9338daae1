package http

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// A policy author pastes a draft and its cases: lint, cases, coverage and a
// one-claim trace come back, nothing is published; a slip is shown at its
// line; an enterprise cannot open the page.
func TestAuthorPage(t *testing.T) {
	_, ts := entServer(t)
	doc, _ := os.ReadFile("../engine/testdata/shapes/sjsw-2021-1.yaml")
	cases, _ := os.ReadFile("../engine/testdata/shapes/sjsw-2021-1.test.yaml")
	docText := strings.Replace(string(doc), "zone: {zone: sample-city", "zone: {zone: yizhuang-225", 1)
	casesText := strings.ReplaceAll(string(cases), "[sample-city]", "[yizhuang-225]")
	casesText = strings.Replace(casesText, "facts: {zones: [core-60, yizhuang-225], ", "facts: {zones: [bonded], ", 1)

	a := entSignIn(t, ts, "author")
	if resp, page := a.get("/author"); resp.StatusCode != 200 || !strings.Contains(page, `name="document"`) {
		t.Fatalf("the page: %d", resp.StatusCode)
	}
	resp, page := a.post("/author", url.Values{"id": {"sjsw-2021-1"}, "document": {docText}, "cases": {casesText},
		"clause": {"2"}, "event_date": {"2020-06-30"}, "as_of": {"2021-03-01"}, "facts": {`{"zones":["yizhuang-225"],"ecis_premium_2020":"100000"}`}})
	if resp.StatusCode != 200 {
		t.Fatalf("try: %d %s", resp.StatusCode, page)
	}
	for _, want := range []string{"检查通过", "失败 0", "支持期间最后一日（含）", "sjsw-2021-1/2", "支持2020年1月1日至2020年12月31日发生的事项", "3.00万元"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	if _, page := a.get("/policies/sjsw-2021-1/2"); strings.Contains(page, "出口信用保险保费补贴") {
		t.Error("trying a draft published it")
	}

	resp, page = a.post("/author", url.Values{"id": {"sjsw-2021-1"}, "document": {strings.Replace(docText, "events_until:", "events_untl:", 1)}})
	if resp.StatusCode != 200 || !strings.Contains(page, "检查未通过") || !strings.Contains(page, "sjsw-2021-1.yaml:15") || !strings.Contains(page, "events_until") {
		t.Fatalf("a slip: %d", resp.StatusCode)
	}

	e := entSignIn(t, ts, "bookstore")
	if resp, _ := e.get("/author"); resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an enterprise opened the authoring page: %d", resp.StatusCode)
	}
}

// A document for another region with a past support period decides through
// the API like any other: a platform whose catalogue holds the fixture
// (a city's 2021 guide paying 2020's premiums) answers /api/v1/evaluate.
func TestOtherRegionDecidesThroughTheAPI(t *testing.T) {
	cat, err := engine.Load(os.DirFS("../engine/testdata/shapes"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(workflow.New(dbtest.SQLite(t), cat, calendar.Default()))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		zones, event string
		want         []string
	}{
		{`["sample-city"]`, "2020-06-30", []string{`"eligible":true`, `"amount_fen":3000000`, "支持2020年1月1日至2020年12月31日发生的事项"}},
		{`["sample-city"]`, "2021-01-01", []string{`"eligible":false`, "sjsw-2021-1:after-events"}},
		{`["core-60","yizhuang-225"]`, "2020-06-30", []string{`"eligible":false`, "sjsw-2021-1:zone", "示例市"}},
	} {
		body := `{"clause":"sjsw-2021-1/2","event_date":"` + c.event + `","as_of":"2021-03-01","facts":{"zones":` + c.zones + `,"ecis_premium_2020":"100000"}}`
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("POST", "/api/v1/evaluate", strings.NewReader(body)))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: %d %s", body, rec.Code, rec.Body)
		}
		for _, w := range c.want {
			if !strings.Contains(rec.Body.String(), w) {
				t.Errorf("%s: the answer lacks %q: %s", body, w, rec.Body)
			}
		}
	}
}
