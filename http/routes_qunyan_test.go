package http

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/qunyan"
)

// qyTestFacts is a record form for a well-managed 新三板 enterprise (雏雁).
const qyTestFacts = `{"qunyan_stopped_operating":false,"qunyan_not_cooperating":false,"qunyan_major_sanction":false,"qunyan_listed_exchange":"none","qunyan_joint_stock":false,
"qunyan_net_profit_y1":"0","qunyan_net_profit_y2":"0","qunyan_revenue_y1":"0","qunyan_revenue_y2":"0","qunyan_rd_y1":"0",
"qunyan_rd_y2":"0","qunyan_valuation":"0","qunyan_overseas_sponsor":false,"qunyan_well_managed":true,"qunyan_neeq_listed":true}`

// The 群雁 routes' authorization: an enterprise files and reads only its
// own entry; only 商务金融局 confirms; the member list and counts are the
// officials'.
func TestQunyanRoutes(t *testing.T) {
	_, ts, _ := testServer(t)
	login := func(name string) *client {
		c := newClient(t, ts)
		if c.login(name, demo.Password) != 200 {
			t.Fatalf("%s cannot sign in", name)
		}
		return c
	}
	book, tech, culture, bureau := login("bookstore"), login("tech"), login("culture"), login("finance-bureau")
	var me struct{ User struct{ Enterprise string } }
	book.getJSON("/api/v1/me", &me)
	uscc := me.User.Enterprise
	tech.getJSON("/api/v1/me", &me)
	techUSCC := me.User.Enterprise
	if uscc == "" || techUSCC == "" || uscc == techUSCC {
		t.Fatalf("demo enterprises %q %q", uscc, techUSCC)
	}

	// Another enterprise cannot file for the bookstore.
	resp, body := tech.post("/api/v1/qunyan/filings", `{"enterprise":"`+uscc+`","facts":`+qyTestFacts+`}`)
	if resp.StatusCode != 403 || strings.Contains(body, `"field":"route"`) {
		t.Fatalf("tech filing for the bookstore: %d %s", resp.StatusCode, body)
	}
	// The bookstore files for itself (its USCC by default).
	resp, body = book.post("/api/v1/qunyan/filings", `{"facts":`+qyTestFacts+`}`)
	if resp.StatusCode != 200 {
		t.Fatalf("filing: %d %s", resp.StatusCode, body)
	}
	var e qunyan.Entry
	json.Unmarshal([]byte(body), &e)
	if e.Enterprise != uscc || e.Filing == nil || e.Filing.Proposed != "雏雁" || !strings.Contains(e.Filing.Matched.Text, "雏雁企业条件（1）") {
		t.Fatalf("filed: %s", body)
	}
	// Another enterprise cannot read it, nor list it.
	if code := tech.getJSON("/api/v1/qunyan/filings/"+uscc, &struct{}{}); code != 404 {
		t.Fatalf("tech reads the bookstore's filing: %d", code)
	}
	var list []qunyan.Entry
	if tech.getJSON("/api/v1/qunyan/filings", &list); len(list) != 0 {
		t.Fatalf("tech lists %d filings", len(list))
	}
	if resp, _ := tech.do("GET", "/qunyan/filings/"+uscc, "", nil); resp.StatusCode != 404 {
		t.Fatalf("tech reads the bookstore's filing page: %d", resp.StatusCode)
	}
	if code := book.getJSON("/api/v1/qunyan/filings/"+uscc, &struct{}{}); code != 200 {
		t.Fatalf("the bookstore reads its own filing: %d", code)
	}
	// Enterprises neither confirm nor see the counts: the route table.
	resp, body = tech.post("/api/v1/qunyan/filings/"+uscc+"/confirm", `{}`)
	if resp.StatusCode != 403 || !strings.Contains(body, `"field":"route"`) {
		t.Fatalf("an enterprise confirming: %d %s", resp.StatusCode, body)
	}
	if code := book.getJSON("/api/v1/qunyan/counts", &struct{}{}); code != 403 {
		t.Fatalf("an enterprise reads the counts: %d", code)
	}
	// 宣传文化部 is a reviewer, but only 商务金融局 admits: the service.
	resp, body = culture.post("/api/v1/qunyan/filings/"+uscc+"/confirm", `{}`)
	if resp.StatusCode != 403 || strings.Contains(body, `"field":"route"`) {
		t.Fatalf("宣传文化部 confirming: %d %s", resp.StatusCode, body)
	}
	resp, body = bureau.post("/api/v1/qunyan/filings/"+uscc+"/confirm", `{}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"tier":"雏雁"`) {
		t.Fatalf("商务金融局 confirming: %d %s", resp.StatusCode, body)
	}
	var counts qunyan.Counts
	if code := bureau.getJSON("/api/v1/qunyan/counts", &counts); code != 200 || counts.Members != 1 || counts.Tiers[2].Members != 1 || counts.Tiers[2].Target != 1000 {
		t.Fatalf("counts: %+v", counts)
	}
	// Listed as abnormal for over a year: the member leaves, and sees why.
	resp, body = culture.post("/api/v1/qunyan/members/"+uscc+"/facts", `{"facts":{"qunyan_abnormal_listed_on":"2025-01-10"}}`)
	if resp.StatusCode != 403 {
		t.Fatalf("宣传文化部 updating facts: %d %s", resp.StatusCode, body)
	}
	resp, body = bureau.post("/api/v1/qunyan/members/"+uscc+"/facts", `{"facts":{"qunyan_abnormal_listed_on":"2025-01-10"}}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"exited":true`) {
		t.Fatalf("facts update: %d %s", resp.StatusCode, body)
	}
	var v qunyan.View
	book.getJSON("/api/v1/qunyan/filings/"+uscc, &v)
	if v.Status != qunyan.StatusExited || len(v.Notices) != 2 || v.Notices[0].Topic != "qunyan-exit" || !strings.Contains(v.Notices[0].Zh, "附则3（3）") {
		t.Fatalf("the bookstore's view after the exit: %+v", v)
	}
	resp, body = bureau.post("/api/v1/qunyan/members/"+uscc+"/recheck", ``)
	if resp.StatusCode != 200 || !strings.Contains(body, `"exited":false`) {
		t.Fatalf("recheck: %d %s", resp.StatusCode, body)
	}
}

// The pages: the enterprise's form and its entry, the review list and the
// confirmation form of 商务金融局, the member list.
func TestQunyanPages(t *testing.T) {
	_, ts, _ := testServer(t)
	login := func(name string) *client {
		c := newClient(t, ts)
		if c.login(name, demo.Password) != 200 {
			t.Fatalf("%s cannot sign in", name)
		}
		return c
	}
	tech, bureau, culture := login("tech"), login("finance-bureau"), login("culture")
	var me struct{ User struct{ Enterprise string } }
	tech.getJSON("/api/v1/me", &me)
	uscc := me.User.Enterprise

	resp, _ := tech.do("GET", "/qunyan", "", nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/qunyan/file" {
		t.Fatalf("an enterprise without a filing: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, body := tech.do("GET", "/qunyan/file", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `name="qunyan_joint_stock"`) || !strings.Contains(body, "北京经济技术开发区") ||
		!strings.Contains(body, "政府数据") {
		t.Fatalf("form: %d %.300s", resp.StatusCode, body)
	}
	form := url.Values{}
	var facts map[string]any
	json.Unmarshal([]byte(qyTestFacts), &facts)
	for k, v := range facts {
		form.Set(k, strings.Trim(jsonText(v), `"`))
	}
	form.Set("qunyan_neeq_listed", "false")
	form.Set("qunyan_joint_stock", "true")
	form.Set("qunyan_net_profit_y1", "3000万元")
	form.Set("qunyan_net_profit_y2", "3000万元")
	// A missing figure is named on the form again.
	form.Del("qunyan_valuation")
	form.Set("qunyan_valuation", "")
	resp, body = tech.form("/qunyan/file", form)
	if resp.StatusCode != 400 || !strings.Contains(body, "qunyan_valuation") || !strings.Contains(body, `id="field-qunyan_valuation" class="note"`) {
		t.Fatalf("missing valuation: %d %.500s", resp.StatusCode, body)
	}
	form.Set("qunyan_valuation", "0")
	resp, body = tech.form("/qunyan/file", form)
	if resp.StatusCode != 303 || !strings.HasPrefix(resp.Header.Get("Location"), "/qunyan/filings/"+uscc) {
		t.Fatalf("filing by form: %d %.500s", resp.StatusCode, body)
	}
	resp, body = tech.do("GET", "/qunyan/filings/"+uscc+"?done=filed", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "鸿雁企业境内条件（1）") || !strings.Contains(body, "已备案") || strings.Contains(body, "纳入“群雁计划”</button>") {
		t.Fatalf("entry page for the enterprise: %d %.800s", resp.StatusCode, body)
	}
	// 商务金融局 sees it pending in its list, with the counts, and confirms.
	resp, body = bureau.do("GET", "/qunyan", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "待核查") || !strings.Contains(body, "目标 1000 家左右") {
		t.Fatalf("review list: %d %.500s", resp.StatusCode, body)
	}
	resp, body = bureau.do("GET", "/qunyan/filings/"+uscc, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "纳入“群雁计划”</button>") {
		t.Fatalf("entry page for 商务金融局: %d %.500s", resp.StatusCode, body)
	}
	// 宣传文化部 neither reads it (it did not recommend it) nor confirms it.
	if resp, _ := culture.do("GET", "/qunyan/filings/"+uscc, "", nil); resp.StatusCode != 404 {
		t.Fatalf("宣传文化部 reads the entry: %d", resp.StatusCode)
	}
	resp, body = culture.form("/qunyan/filings/"+uscc+"/confirm", url.Values{})
	if resp.StatusCode != 403 {
		t.Fatalf("宣传文化部 confirms by form: %d %.300s", resp.StatusCode, body)
	}
	// Another tier without a reason is refused on the page; with one it passes.
	resp, body = bureau.form("/qunyan/filings/"+uscc+"/confirm", url.Values{"tier": {"雏雁"}})
	if resp.StatusCode != 400 || !strings.Contains(body, "须写明理由") {
		t.Fatalf("another tier without a reason: %d %.300s", resp.StatusCode, body)
	}
	resp, _ = bureau.form("/qunyan/filings/"+uscc+"/confirm", url.Values{"tier": {""}})
	if resp.StatusCode != 303 {
		t.Fatalf("confirm by form: %d", resp.StatusCode)
	}
	resp, body = bureau.do("GET", "/qunyan/members", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "北京亦庄星河科技有限公司") || !strings.Contains(body, "<strong>1</strong> 家 / 目标 100 家左右") {
		t.Fatalf("members page: %d %.1500s", resp.StatusCode, body)
	}
	resp, _ = bureau.form("/qunyan/members/"+uscc+"/recheck", url.Values{})
	if resp.StatusCode != 303 || !strings.HasSuffix(resp.Header.Get("Location"), "done=rechecked") {
		t.Fatalf("recheck by form: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = tech.do("GET", "/qunyan", "", nil)
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/qunyan/filings/"+uscc {
		t.Fatalf("an enterprise with a filing: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A department recommends an enterprise by form, and then reads its entry.
	var space struct{ User struct{ Enterprise string } }
	login("space").getJSON("/api/v1/me", &space)
	form.Set("enterprise", space.User.Enterprise)
	resp, body = culture.form("/qunyan/file", form)
	if resp.StatusCode != 303 {
		t.Fatalf("recommendation by form: %d %.500s", resp.StatusCode, body)
	}
	resp, body = culture.do("GET", "/qunyan/filings/"+space.User.Enterprise, "", nil)
	if resp.StatusCode != 200 || !strings.Contains(body, "宣传文化部推荐申报") {
		t.Fatalf("the recommending department reads the entry: %d %.500s", resp.StatusCode, body)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
