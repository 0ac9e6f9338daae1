package http

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A round closed, then open, in a browser (issue 14): once the demo's
// 2026 guides have closed, the bookstore's form for 21号第七条（四）
// says no round takes it and none is published (the refusal itself is
// TestApplicationsOnlyInsideARound's); 宣传文化部 publishes the 2027 guide
// on the rounds page; the same form now names the open round. Screenshots in testdata/out/browser-rounds.
func TestBrowserRoundClosedThenOpen(t *testing.T) {
	t.Parallel()
	s, _, clk := testServer(t)
	ts := httptest.NewServer(s)
	defer ts.Close()
	b := startBrowser(t, ts.URL, "browser-rounds")
	// The demo's rounds close 60 days after the day it was seeded at the
	// latest; this is well after.
	clk.advance(120 * 24 * time.Hour)
	const form = "/apply/jjgf-2025-21/7.4"

	b.as("bookstore", func() {
		b.run("closed", chromedp.Navigate(b.base+form), chromedp.WaitVisible(css(`#round`)))
		b.shot("closed")
		if r := b.text("#round"); !strings.Contains(r, "21号第十二条") || !strings.Contains(r, "尚未发布") {
			t.Fatalf("the form of a closed round says: %s", r)
		}
	})
	b.as("culture", func() {
		b.run("rounds page", chromedp.Navigate(b.base+"/rounds"), chromedp.WaitVisible(css(`form[action="/rounds"]`)))
		b.run("publish the 2027 guide",
			chromedp.SetValue(css(`select[name="document"]`), "jjgf-2025-21"),
			chromedp.SetValue(css(`input[name="year"]`), "2027"),
			chromedp.SetValue(css(`input[name="title"]`), "2027年度实体书店扶持项目申报指南"),
			chromedp.SetValue(css(`textarea[name="text"]`), "一、扶持方向：见21号第七条。"),
			chromedp.SetValue(css(`input[name="opens"]`), "2027-03-01"),
			chromedp.SetValue(css(`input[name="closes"]`), "2027-06-30"),
			chromedp.Submit(css(`form[action="/rounds"]`)),
			chromedp.WaitVisible(css(`a[href="/rounds"]`)))
		b.shot("published")
		if page := b.text("main"); !strings.Contains(page, "2027年度实体书店扶持项目申报指南") || !strings.Contains(page, "正在受理") {
			t.Fatalf("the 2027 round is not open: %.400s", page)
		}
	})
	b.as("bookstore", func() {
		b.run("open", chromedp.Navigate(b.base+form), chromedp.WaitVisible(css(`#round`)))
		b.shot("open")
		if r := b.text("#round"); !strings.Contains(r, "2027年度实体书店扶持项目申报指南") || strings.Contains(r, "尚未发布") {
			t.Fatalf("the form of an open round says: %s", r)
		}
	})
}
