package http

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/etown/duixian/demo"
	"github.com/xuri/excelize/v2"
)

// The 待办 searches and filters on the server, the filters in the address
// (issue 14.4): 宣传文化部's queue holds the bookstore's two submitted
// claims and the reading space's two in publicity.
func TestQueueSearchAndFilters(t *testing.T) {
	t.Parallel()
	_, ts, _ := testServer(t)
	c := newClient(t, ts)
	if c.login("culture", demo.Password) != 200 {
		t.Fatal("culture cannot sign in")
	}
	rows := func(path string) []string {
		t.Helper()
		resp, body := c.do("GET", path, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %.300s", path, resp.StatusCode, body)
		}
		var names []string
		for _, m := range regexp.MustCompile(`<a href="/enterprises/[^"]+">([^<]*)</a>`).FindAllStringSubmatch(body, -1) {
			names = append(names, m[1])
		}
		return names
	}
	all := rows("/queue")
	if !contains(all, "亦城书房文化传播有限公司") || !contains(all, "亦庄社区公共阅读空间") {
		t.Fatalf("the demo's queue of 宣传文化部 lists %v", all)
	}
	for path, want := range map[string]string{
		"/queue?q=" + url.QueryEscape("阅读空间"):                    "亦庄社区公共阅读空间",
		"/queue?q=" + url.QueryEscape("91110302MA01ABCD"):        "亦城书房文化传播有限公司",
		"/queue?clause=" + url.QueryEscape("jjgf-2025-21/7.3.2"): "亦城书房文化传播有限公司",
	} {
		got := rows(path)
		if len(got) == 0 {
			t.Errorf("%s finds nothing", path)
		}
		for _, n := range got {
			if n != want {
				t.Errorf("%s lists %s beside %s", path, n, want)
			}
		}
	}
	// A clause of another department finds nothing in this queue.
	if got := rows("/queue?clause=" + url.QueryEscape("jjgf-2025-26/3.1")); len(got) != 0 {
		t.Errorf("another department's clause lists %v", got)
	}
	// The filters stay in the form, so the view can be bookmarked.
	_, body := c.do("GET", "/queue?q="+url.QueryEscape("阅读空间")+"&sort=oldest", "", nil)
	if !strings.Contains(body, `value="阅读空间"`) || !strings.Contains(body, `<option value="oldest" selected>`) {
		t.Errorf("the form does not keep the search and the order: %.2000s", body)
	}
	if resp, _ := c.do("GET", "/queue?year=19", "", nil); resp.StatusCode != 400 {
		t.Errorf("a year of two digits: %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/queue?status=nonsense", "", nil); resp.StatusCode != 400 {
		t.Errorf("an unknown status: %d", resp.StatusCode)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// The 政策库 is read a page at a time (it was 127 rows on one page), and
// sorted on the server; a page's links keep the filters (issue 14.4).
func TestPolicyLibraryPages(t *testing.T) {
	t.Parallel()
	_, ts, _ := testServer(t)
	c := newClient(t, ts)
	links := regexp.MustCompile(`<td><a href="/policies/([^"]+)">`)
	page := func(path string) (ids []string, body string) {
		t.Helper()
		resp, body := c.do("GET", path, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		for _, m := range links.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		return ids, body
	}
	first, body := page("/policies")
	if len(first) != policyPageSize {
		t.Fatalf("the first page shows %d clauses, want %d", len(first), policyPageSize)
	}
	total := regexp.MustCompile(`共 (\d+) 条`).FindStringSubmatch(body)
	if total == nil || !strings.Contains(body, `href="?page=2" rel="next"`) {
		t.Fatalf("no count or next page: %.3000s", body)
	}
	seen := map[string]bool{}
	n := 0
	for p := 1; ; p++ {
		ids, body := page("/policies?page=" + strconv.Itoa(p))
		for _, id := range ids {
			if seen[id] {
				t.Fatalf("%s on two pages", id)
			}
			seen[id] = true
		}
		n += len(ids)
		if !strings.Contains(body, `rel="next"`) {
			break
		}
	}
	if strconv.Itoa(n) != total[1] {
		t.Errorf("the pages hold %d clauses, the count says %s", n, total[1])
	}
	// Sorted by title within a department; the next page keeps both.
	ids, body := page("/policies?dept=" + url.QueryEscape("宣传文化部") + "&sort=title")
	if len(ids) == 0 {
		t.Fatal("宣传文化部 has no clauses")
	}
	titles := regexp.MustCompile(`<td><a href="/policies/[^"]+">([^<]+)</a>`).FindAllStringSubmatch(body, -1)
	for i := 1; i < len(titles); i++ {
		if titles[i-1][1] > titles[i][1] {
			t.Errorf("sorted by title, %q comes before %q", titles[i-1][1], titles[i][1])
		}
	}
	if strings.Contains(body, `rel="next"`) && !strings.Contains(body, `sort=title`) {
		t.Errorf("the next page forgets the order: %.2000s", body)
	}
	if resp, _ := c.do("GET", "/policies?page=0", "", nil); resp.StatusCode != 400 {
		t.Errorf("page 0: %d", resp.StatusCode)
	}
}

// The 公示, 拨付 and 统计 lists download as XLSX from their pages, to those
// who may take them (issue 14.4): the files package registry writes for
// the command line.
func TestExportButtons(t *testing.T) {
	t.Parallel()
	_, ts, _ := testServer(t)
	get := func(c *client, path string) (int, string, string) {
		t.Helper()
		resp, body := c.do("GET", path, "", nil)
		return resp.StatusCode, resp.Header.Get("Content-Type"), body
	}
	sheet := func(body, want string) {
		t.Helper()
		f, err := excelize.OpenReader(strings.NewReader(body))
		if err != nil {
			t.Fatalf("not an XLSX file: %v", err)
		}
		defer f.Close()
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil || len(rows) == 0 || !strings.Contains(rows[0][0], want) {
			t.Errorf("the first sheet's title is %v, want %s", rows, want)
		}
	}
	treasury := newClient(t, ts)
	treasury.login("treasury", demo.Password)
	if _, _, body := get(treasury, "/queue"); !strings.Contains(body, `href="/exports/disbursement.xlsx"`) {
		t.Error("finance's 待办 has no button for the 拨付表")
	}
	code, typ, body := get(treasury, "/exports/disbursement.xlsx")
	if code != 200 || typ != xlsxType {
		t.Fatalf("the 拨付表: %d %s", code, typ)
	}
	sheet(body, "资金拨付表")

	culture := newClient(t, ts)
	culture.login("culture", demo.Password)
	if _, _, body := get(culture, "/dashboard"); !strings.Contains(body, `href="/exports/statistics.xlsx"`) {
		t.Error("the 统计 page has no button for the statistics")
	}
	code, _, body = get(culture, "/exports/statistics.xlsx")
	if code != 200 {
		t.Fatalf("the statistics: %d", code)
	}
	sheet(body, "政策兑现统计表")
	if _, _, body := get(culture, "/publicity"); !strings.Contains(body, `href="/exports/publicity.xlsx"`) {
		t.Error("the 公示 page has no button for the 公示名单 for an official")
	}
	code, _, body = get(culture, "/exports/publicity.xlsx")
	if code != 200 {
		t.Fatalf("the 公示名单: %d", code)
	}
	sheet(body, "公示名单")
	// A reviewer pays nothing: no 拨付表, neither button nor file.
	if _, _, body := get(culture, "/queue"); strings.Contains(body, "/exports/disbursement.xlsx") {
		t.Error("a reviewer is offered the 拨付表")
	}
	if code, _, _ := get(culture, "/exports/disbursement.xlsx"); code != 403 {
		t.Errorf("a reviewer takes the 拨付表: %d", code)
	}
	// The public sees the 公示, not the officials' file of it.
	public := newClient(t, ts)
	if _, _, body := get(public, "/publicity"); strings.Contains(body, "/exports/") {
		t.Error("the public 公示 page offers an export")
	}
}

// The demo shows a 20号 land case although the trial year is over
// (issue 14.6): a recorded revision extends the trial, the tech company's
// case started under it waits for 规自分局, whose 工业用地 list leads to the
// case with the revision cited and the next step's form.
func TestDemoLandCaseUnderExtension(t *testing.T) {
	t.Parallel()
	_, ts, _ := testServer(t)
	c := newClient(t, ts)
	if c.login("planning-bureau", demo.Password) != 200 {
		t.Fatal("规自分局 cannot sign in")
	}
	_, list := c.do("GET", "/land", "", nil)
	m := regexp.MustCompile(`href="/land/cases/(L[0-9A-F]+)"`).FindStringSubmatch(list)
	if m == nil {
		t.Fatalf("规自分局's 工业用地 list has no case: %.2000s", list)
	}
	resp, page := c.do("GET", "/land/cases/"+m[1], "", nil)
	if resp.StatusCode != 200 || !strings.Contains(page, "京技管发〔2026〕16号（演示）") || !strings.Contains(page, "YZ-0821") {
		t.Fatalf("the demo's case %s does not show the revision it is under: %d %.2000s", m[1], resp.StatusCode, page)
	}
	if !strings.Contains(page, `action="/land/cases/`+m[1]+`"`) || !strings.Contains(page, "审核通过") {
		t.Errorf("规自分局 has no step to take on the demo's case: %.3000s", page)
	}
	// The list is searched and filtered on the server (issue 14.4).
	if _, found := c.do("GET", "/land?q="+url.QueryEscape("yz-0821"), "", nil); !strings.Contains(found, "/land/cases/"+m[1]) {
		t.Errorf("searching the plot does not find the demo's case")
	}
	if _, none := c.do("GET", "/land?state=closed", "", nil); !strings.Contains(none, "没有符合条件的案件") {
		t.Errorf("no case is closed, yet the filtered list shows some")
	}
	if resp, _ := c.do("GET", "/land?state=bogus", "", nil); resp.StatusCode != 400 {
		t.Errorf("an unknown state: %d", resp.StatusCode)
	}
	admin := newClient(t, ts)
	admin.login("admin", demo.Password)
	if _, trial := admin.do("GET", "/land/trial", "", nil); !strings.Contains(trial, "2027-10-13") || !strings.Contains(trial, "京技管发〔2026〕16号（演示）") {
		t.Errorf("the trial page does not list the demo's revision: %.2000s", trial)
	}
}

// 一企一档 has a list: the registry searched by USCC or name, a page at a
// time by USCC (keyset), for officials only (issue 14.4).
func TestEnterpriseList(t *testing.T) {
	t.Parallel()
	_, ts, _ := testServer(t)
	c := newClient(t, ts)
	c.login("culture", demo.Password)
	row := regexp.MustCompile(`<a class="off-id" href="/enterprises/([0-9A-Z]{18})">`)
	list := func(path string) ([]string, string) {
		t.Helper()
		resp, body := c.do("GET", path, "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %.300s", path, resp.StatusCode, body)
		}
		var ids []string
		for _, m := range row.FindAllStringSubmatch(body, -1) {
			ids = append(ids, m[1])
		}
		return ids, body
	}
	all, _ := list("/enterprises")
	if len(all) < 4 {
		t.Fatalf("the registry lists %v", all)
	}
	// Two at a time: the next page's link carries the search and the cursor.
	var paged []string
	next := "/enterprises?limit=2"
	for next != "" {
		ids, body := list(next)
		paged = append(paged, ids...)
		next = ""
		if m := regexp.MustCompile(`<a href="(\?[^"]+)" rel="next">`).FindStringSubmatch(body); m != nil {
			next = "/enterprises" + strings.ReplaceAll(m[1], "&amp;", "&")
		}
	}
	if strings.Join(paged, ",") != strings.Join(all, ",") {
		t.Errorf("two at a time the registry reads %v, whole %v", paged, all)
	}
	if ids, _ := list("/enterprises?q=" + url.QueryEscape("南海子")); len(ids) != 1 || !strings.HasPrefix(ids[0], "92110302MA01NHK51") {
		t.Errorf("a name's part finds %v", ids)
	}
	if ids, _ := list("/enterprises?q=52110302"); len(ids) != 1 {
		t.Errorf("a USCC's beginning finds %v", ids)
	}
	e := newClient(t, ts)
	e.login("bookstore", demo.Password)
	if resp, _ := e.do("GET", "/enterprises", "", nil); resp.StatusCode != 403 {
		t.Errorf("an enterprise reads the registry's list: %d", resp.StatusCode)
	}
}

// The 群雁 filings are searched by name or USCC and filtered by tier on
// the server, a page at a time (issue 14.4).
func TestQunyanListSearch(t *testing.T) {
	t.Parallel()
	_, ts, _ := testServer(t)
	c := newClient(t, ts)
	c.login("finance-bureau", demo.Password)
	filed := `href="/qunyan/filings/91110302MA01ABCD12"`
	for path, want := range map[string]bool{
		"/qunyan":                                   true,
		"/qunyan?q=" + url.QueryEscape("书房"):        true,
		"/qunyan?q=91110302ma01abcd":                true,
		"/qunyan?q=" + url.QueryEscape("星河"):        false,
		"/qunyan?tier=" + url.QueryEscape("不存在的等级"): false,
	} {
		resp, body := c.do("GET", path, "", nil)
		if resp.StatusCode != 200 || strings.Contains(body, filed) != want {
			t.Errorf("%s: %d, lists the demo's filing: %v, want %v", path, resp.StatusCode, !want, want)
		}
	}
	if resp, _ := c.do("GET", "/qunyan?page=x", "", nil); resp.StatusCode != 400 {
		t.Errorf("page x: %d", resp.StatusCode)
	}
}
