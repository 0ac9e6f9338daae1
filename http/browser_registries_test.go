package http

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// startBrowser starts headless Chromium on a context that lives as long as
// the test, and a browser that keeps its screenshots in testdata/out/name.
func startBrowser(t *testing.T, base, name string) *browser {
	t.Helper()
	exe := chromium(t)
	out := filepath.Join("testdata", "out", name)
	os.RemoveAll(out)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 1000), chromedp.UserDataDir(t.TempDir()))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	// The browser lives as long as the context of its first action.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, base: base, out: out}
}

// fill sets the fields of the page by name: a radio or checkbox is ticked
// when its value is among the wanted ones, anything else takes the value.
// Done through properties, so nothing under a sticky bar needs a click.
func fill(values map[string]any) chromedp.Action[chromedp.Void] {
	b, _ := json.Marshal(values)
	return js(`((v) => { let n = 0; for (const [k, x] of Object.entries(v)) { const want = (Array.isArray(x) ? x : [x]).map(String);
  for (const e of document.getElementsByName(k)) { n++; if (e.type === 'radio' || e.type === 'checkbox') { e.checked = want.includes(e.value); } else { e.value = want[0]; } } }
  return n; })(` + string(b) + `)`)
}

// submit submits the form around sel and waits until the next page shows
// want. The page it leaves is marked first, so that an element like want on
// that page (a flash from the step before) does not count.
func submit(sel, want string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{js(`document.body.dataset.left = "1"`), chromedp.Submit(css(sel)),
		chromedp.WaitVisible(css(`body:not([data-left]) ` + want))}
}

// pathID is the last segment of a URL's path.
func pathID(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return p.Path[strings.LastIndex(p.Path, "/")+1:]
}

// The registries' story: the demo tech company diagnoses its listing
// feasibility against every board; it files for the 群雁 plan and
// 商务金融局 admits it; as the holder of an industrial plot in 亦庄新城 it
// starts a land-planning case, and 规自分局 takes the first review step;
// 宣传文化部 matches the registry and a bookstore confirms its 免申即享 offer.
func TestBrowserRegistriesStory(t *testing.T) {
	t.Parallel() // its own server and Chromium; mostly waiting on the browser
	s, _, _ := testServer(t)
	startJobs(t, s)
	ts := httptest.NewServer(s)
	defer ts.Close()
	b := startBrowser(t, ts.URL, "browser-registries")
	b.axeJS = axeSource(t)

	// (a) 上市可行性智能诊断.
	b.as("tech", func() {
		steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(b.base + "/diagnosis"), chromedp.WaitVisible(css(`#dx-form`))}
		for _, k := range []string{"listing_market_cap_cny", "listing_net_profit_y1", "listing_net_profit_y2", "listing_revenue_y1",
			"listing_revenue_y2", "listing_revenue_y3", "listing_rd_y1", "listing_rd_y2", "listing_rd_y3"} {
			steps = append(steps, chromedp.SetValue(css(`#dx-`+k), diagnosisFigures[k]))
		}
		b.run("diagnosis form", steps...)
		b.shot("diagnosis-form")
		b.axe("diagnosis-form")
		b.run("diagnose", submit(`#dx-form`, `#dx-results`)...)
		b.shot("diagnosis-results")
		b.axe("diagnosis-results")
		if sum := b.text("#dx-summary"); !strings.Contains(sum, "符合 1 个板块的 1 套标准") || !strings.Contains(sum, "还差") {
			t.Fatalf("the summary: %s", sum)
		}
		star := b.text("#board-listing-sse-star")
		for _, want := range []string{"✓", "✗", "达标", "未达标", "还差30000.00万元", "核实等级 B", "版本 2026-04-24", "科创板第2.1.2条"} {
			if !strings.Contains(star, want) {
				t.Fatalf("科创板 lacks %q: %s", want, star)
			}
		}

		// A ChiNext company not yet profitable meets only the fourth
		// standard (fast growth), graded C with its open points.
		values := map[string]any{}
		for k, v := range chinextFourthFigures {
			values["f."+k] = v
		}
		b.run("diagnosis form, ChiNext", fill(values))
		b.run("diagnose ChiNext", submit(`#dx-form`, `#dx-results`)...)
		b.run("open the evidence", chromedp.Click(css(`#std-listing-szse-chinext\/2\.1\.2\.4\.growth .dx-evidence summary`)))
		b.shot("diagnosis-chinext-fourth")
		if sum := b.text("#dx-summary"); !strings.Contains(sum, "符合 1 个板块的 1 套标准") || !strings.Contains(sum, "创业板") {
			t.Fatalf("the summary: %s", sum)
		}
		growth := b.text(`#std-listing-szse-chinext\/2\.1\.2\.4\.growth`)
		for _, want := range []string{"创业板上市标准（四）高成长型", "达标", "核实等级 C", "二手摘要", "复合增长率的算法"} {
			if !strings.Contains(growth, want) {
				t.Fatalf("高成长型 lacks %q: %s", want, growth)
			}
		}
		for _, clause := range []string{`2\.1\.2\.1`, `2\.1\.2\.2`, `2\.1\.2\.3`, `2\.1\.2\.4\.rd`} {
			if std := b.text(`#std-listing-szse-chinext\/` + clause); !strings.Contains(std, "未达标") {
				t.Errorf("%s is met: %s", clause, std)
			}
		}
	})

	// (b) 群雁计划: the company files, 商务金融局 admits it, it sees its tier.
	var uscc string
	b.as("tech", func() {
		b.run("qunyan form", chromedp.Navigate(b.base+"/qunyan"), chromedp.WaitVisible(css(`form[action="/qunyan/file"]`)),
			fill(map[string]any{"qunyan_stopped_operating": "false", "qunyan_not_cooperating": "false", "qunyan_major_sanction": "false", "qunyan_listed_exchange": "none",
				"qunyan_joint_stock": "true", "qunyan_net_profit_y1": "3000万元", "qunyan_net_profit_y2": "3000万元",
				"qunyan_revenue_y1": "0", "qunyan_revenue_y2": "0", "qunyan_rd_y1": "0", "qunyan_rd_y2": "0", "qunyan_valuation": "0",
				"qunyan_overseas_sponsor": "false", "qunyan_well_managed": "true", "qunyan_neeq_listed": "false"}))
		b.shot("qunyan-form")
		b.axe("qunyan-form")
		b.run("qunyan file", submit(`form[action="/qunyan/file"]`, `p.ok`)...)
		b.shot("qunyan-filed")
		uscc = pathID(b.location())
		if m := b.text("main"); !strings.Contains(m, "已备案") || !strings.Contains(m, "按附则1测算：鸿雁") {
			t.Fatalf("after filing: %.800s", m)
		}
	})
	if len(uscc) != 18 {
		t.Fatalf("no enterprise in the entry's address: %q", uscc)
	}
	entry := fmt.Sprintf(`a[href="/qunyan/filings/%s"]`, uscc)
	confirm := fmt.Sprintf(`form[action="/qunyan/filings/%s/confirm"]`, uscc)
	b.as("finance-bureau", func() {
		b.run("qunyan list", chromedp.Navigate(b.base+"/qunyan"), chromedp.WaitVisible(css(entry)))
		b.shot("qunyan-bureau-list")
		b.axe("qunyan-bureau-list")
		b.run("qunyan entry", chromedp.Click(css(entry)), chromedp.WaitVisible(css(confirm)))
		b.shot("qunyan-bureau-entry")
		b.axe("qunyan-bureau-entry")
		b.run("qunyan confirm", submit(confirm, `p.ok`)...)
		b.shot("qunyan-confirmed")
		if m := b.text("main"); !strings.Contains(m, "已纳入群雁计划") {
			t.Fatalf("after confirming: %.800s", m)
		}
	})
	b.as("tech", func() {
		b.run("qunyan admitted", chromedp.Navigate(b.base+"/qunyan"), chromedp.WaitVisible(css(`main h1`)))
		b.shot("qunyan-enterprise-admitted")
		if m := b.text("main"); !strings.Contains(m, "状态：已纳入") || !strings.Contains(m, "企业等级 鸿雁") || !strings.Contains(m, "企业等级为鸿雁") {
			t.Fatalf("the enterprise does not see itself admitted with its tier: %.800s", m)
		}
	})

	// (c) 工业用地: the trial of 20号 ended on 2026-10-13 (第十条); the
	// administrator records the revision that extends it, as in the routes'
	// test, so that the demo day (2026-11-30) takes applications.
	b.as("admin", func() {
		b.run("land trial", append([]chromedp.Action[chromedp.Void]{chromedp.Navigate(b.base + "/land/trial"),
			chromedp.WaitVisible(css(`form[action="/land/trial"]`)),
			chromedp.SetValue(css(`#t-number`), "京技管发〔2026〕18号"), chromedp.SetValue(css(`#t-until`), "2027-10-13")},
			submit(`form[action="/land/trial"]`, `.land-ok`)...)...)
		b.shot("land-trial-recorded")
		b.axe("land-trial-recorded")
	})
	var caseID string
	b.as("tech", func() {
		b.run("land form", chromedp.Navigate(b.base+"/land/new"), chromedp.WaitVisible(css(`form[action="/land/cases"]`)),
			chromedp.SetValue(css(`#plot`), "YZ-0815 星河科技工业地块"),
			fill(map[string]any{"f.zones": []string{"yizhuang-225"}, "f.land_sold": "true", "f.land_current_use": "M1",
				"f.land_plan_consistent": "true", "f.land_volume_transfer": "true", "f.land_change_of_use": "false",
				"f.land_urban_renewal": "false", "f.land_industry_supported": "true", "f.land_industry_approved": "true",
				"f.land_far_current": "1.0", "f.land_far_planned": "1.5", "f.land_block_baseline_far": "2.0"}))
		b.shot("land-form")
		b.axe("land-form")
		b.run("land start", submit(`form[action="/land/cases"]`, `.land-ok`)...)
		b.shot("land-started")
		b.axe("land-started")
		caseID = pathID(b.location())
		if m := b.text("main"); !strings.Contains(m, "申请已受理") || !strings.Contains(m, "书面报请审查") {
			t.Fatalf("the case did not start: %.800s", m)
		}
		// The plan (第三条) goes to 规自分局.
		b.run("land plan", append([]chromedp.Action[chromedp.Void]{chromedp.WaitVisible(css(`#a-title`)),
			chromedp.SetValue(css(`#a-title`), "YZ-0815地块规划综合实施方案"),
			chromedp.SetValue(css(`#a-summary`), "工业用地（M1）不变，容积率由1.0提高至1.5")},
			submit(`#a-title`, `.land-ok`)...)...)
		if m := b.text("main"); !strings.Contains(m, "已办理：提交地块规划综合实施方案") {
			t.Fatalf("the plan was not submitted: %.800s", m)
		}
		b.shot("land-plan-submitted")
	})
	if !strings.HasPrefix(caseID, "L") {
		t.Fatalf("no case in the address: %q", caseID)
	}
	b.as("planning-bureau", func() {
		todo := fmt.Sprintf(`#todo a[href="/land/cases/%s"]`, caseID)
		b.run("land queue", chromedp.Navigate(b.base+"/land"), chromedp.WaitVisible(css(todo)))
		b.shot("land-planning-queue")
		b.axe("land-planning-queue")
		b.run("land consult", append([]chromedp.Action[chromedp.Void]{chromedp.Click(css(todo)), chromedp.WaitVisible(css(`#a-dep`)),
			chromedp.SetValue(css(`#a-dep`), "交通委、生态环境局"), chromedp.SetValue(css(`#a-util`), "北京市自来水集团")},
			submit(`#a-dep`, `.land-ok`)...)...)
		b.shot("land-consulted")
		if m := b.text("main"); !strings.Contains(m, "已办理：通过“多规合一”平台征求意见") || !strings.Contains(m, "北京市自来水集团") {
			t.Fatalf("the first review step: %.800s", m)
		}
	})

	// (d) 免申即享: 宣传文化部 matches the registry; the demo's 南海子书店,
	// whose data the departments hold, confirms its 一刻钟 award.
	b.as("culture", func() {
		b.run("offers form", chromedp.Navigate(b.base+"/offers"), chromedp.WaitVisible(css(`form[action="/offers"]`)))
		b.run("offers run", submit(`form[action="/offers"]`, `.off-table`)...)
		b.shot("offers-matched")
		b.axe("offers-matched")
		if m := b.text("main"); !strings.Contains(m, "南海子书店") || !strings.Contains(m, "“一刻钟”建设奖励") {
			t.Fatalf("the match: %.800s", m)
		}
	})
	b.as("nanhaizi", func() {
		confirm := `form[action="/my/offers/confirm"]`
		b.run("my offers", chromedp.Navigate(b.base+"/my"), chromedp.WaitVisible(css(confirm)))
		b.shot("offers-enterprise")
		b.axe("offers-enterprise")
		b.run("confirm offer", submit(confirm, `.ent-notice`)...)
		b.shot("offers-confirmed")
		if m := b.text("main"); !strings.Contains(m, "申报已提交") || !strings.Contains(m, "已提交") {
			t.Fatalf("after confirming: %.800s", m)
		}
	})
	t.Logf("screenshots in %s", b.out)
}
