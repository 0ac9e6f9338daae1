package http

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/etown/duixian"
)

// The story of issue 18 in a browser: a round's claim is reviewed,
// assessed and proposed; 宣传文化部 compiles the round's annual plan from
// its guide and submits it; the department's second official approves it;
// the plan's projects are published together, grouped under the plan's
// title on the public 公示 page; after the window the projects go to
// payment and finance pays. Screenshots in testdata/out/browser-plan.
func TestBrowserPlanStory(t *testing.T) {
	t.Parallel()
	s, _, clk := testServer(t)
	ts := httptest.NewServer(s)
	defer ts.Close()
	b := startBrowser(t, ts.URL, "browser-plan")

	// The demo bookstore's 活动组织 claim of the 2026 round awaits review.
	admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	page, err := s.Service.Visible(context.Background(), admin, duixian.StatusSubmitted, duixian.PageRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var appID string
	for _, a := range page.Items {
		if a.Clause == "jjgf-2025-21/7.3.2" {
			appID = a.ID
		}
	}
	rounds, err := s.Service.Rounds(context.Background(), "jjgf-2025-21")
	if appID == "" || err != nil || len(rounds) != 1 {
		t.Fatalf("the demo's claim %q or round: %v %d", appID, err, len(rounds))
	}
	round := rounds[0].ID

	b.run("guides", chromedp.Navigate(b.base+"/rounds"), chromedp.WaitVisible(css("#r-"+round)))
	b.shot("public-guides")
	b.as("culture", func() {
		b.caseForm(appID, "preliminary")
		b.caseForm(appID, "experts", js(fmt.Sprintf(`document.querySelector('form[action="/cases/%s/experts"] input[name="expert"][value="expert"]').checked = true`, appID)))
	})
	b.as("expert", func() {
		form := fmt.Sprintf(`form[action="/cases/%s/expert-review"]`, appID)
		b.caseForm(appID, "expert-review",
			chromedp.SetValue(css(form+` input[name="score_name_0"]`), "总分"),
			chromedp.SetValue(css(form+` input[name="score_0"]`), "90"),
			chromedp.SetValue(css(form+` textarea[name="opinion"]`), "融合发展特色鲜明，建议支持"),
			js(`document.querySelector('`+form+` input[name="pass"][value="1"]').checked = true`))
	})
	a, err := s.Service.Application(context.Background(), admin, appID)
	if err != nil {
		t.Fatal(err)
	}
	b.as("culture", func() {
		b.caseForm(appID, "propose", chromedp.SetValue(css(fmt.Sprintf(`form[action="/cases/%s/propose"] input[name="amount"]`, appID)), a.Review.Amount.String()))
	})
	planID := b.publishPlan(round, "2026-11-30")
	b.as("culture", func() {
		b.run("the plan", chromedp.Navigate(b.base+"/plans/"+planID), chromedp.WaitVisible(css("#plan-status")))
		// The demo published the round's first plan in May: this is the next.
		if title := b.text("#plan-title"); title != "2026年度实体书店扶持资金建议方案（第2批）" {
			t.Fatalf("the plan's title: %q", title)
		}
		if st := b.text("#plan-status"); !strings.Contains(st, "公示中") || b.text("#plan-total") == "" {
			t.Fatalf("the plan after publishing: %s", st)
		}
	})
	b.run("publicity", chromedp.Navigate(b.base+"/publicity"), chromedp.WaitVisible(css("#a-"+appID)))
	b.shot("publicity-under-the-plan")
	if p := b.text("main"); !strings.Contains(p, "2026年度实体书店扶持资金建议方案（第2批）") {
		t.Fatalf("the 公示 page does not show the plan's title: %.400s", p)
	}
	// The window ends on 12-04; a week later the projects go to payment.
	clk.advance(7 * 24 * time.Hour)
	b.as("culture", func() {
		b.run("release", chromedp.Navigate(b.base+"/plans/"+planID), chromedp.WaitVisible(css("#plan-release")),
			chromedp.Click(css("#plan-release")), chromedp.WaitVisible(css("div.off-ok")))
		b.shot("plan-released")
		if st := b.text("#plan-status"); !strings.Contains(st, "已转入拨付") {
			t.Fatalf("the plan after the window: %s", st)
		}
	})
	b.as("treasury", func() {
		form := fmt.Sprintf(`form[action="/cases/%s/disburse"]`, appID)
		b.caseForm(appID, "disburse",
			chromedp.SetValue(css(form+` input[name="voucher"]`), "JZ-2026-12-101"),
			chromedp.SetValue(css(form+` input[name="account"]`), "6222 0200 1234 5678"),
			chromedp.SetValue(css(form+` input[name="paid_on"]`), duixian.DateOf(clk.now()).String()))
	})
	b.as("bookstore", func() {
		b.run("paid", chromedp.Navigate(b.base+"/my/"+appID), chromedp.WaitReady(css("main")))
		b.shot("enterprise-sees-paid")
		if m := b.text("main"); !strings.Contains(m, "已拨付") {
			t.Fatalf("the enterprise does not see the award paid: %.600s", m)
		}
	})
	t.Logf("screenshots in %s", b.out)
}

// publishPlan takes the round's proposed projects through the plan as the
// demo's officials do: 宣传文化部 compiles and submits it, its head
// approves it, 宣传文化部 publishes it from start (21号第十二条（三）（四）).
// Each step waits for its answer's flash, which only the new page has.
func (b *browser) publishPlan(round, start string) (planID string) {
	b.t.Helper()
	b.as("culture", func() {
		b.run("compile", chromedp.Navigate(b.base+"/rounds/"+round), chromedp.WaitVisible(css("#compile")),
			chromedp.Click(css("#compile")), chromedp.WaitVisible(css("#plan-submit")))
		b.shot("plan-compiled")
		url := b.location()
		planID = url[strings.LastIndex(url, "/")+1:]
		b.run("submit plan", chromedp.Click(css("#plan-submit")), chromedp.WaitVisible(css("div.off-ok")))
		b.shot("plan-submitted")
	})
	b.as("culture-head", func() {
		b.run("approve plan", chromedp.Navigate(b.base+"/plans/"+planID), chromedp.WaitVisible(css("#plan-approve")),
			chromedp.Click(css("#plan-approve")), chromedp.WaitVisible(css("div.off-ok")))
		b.shot("plan-approved")
		if st := b.text("#plan-status"); !strings.Contains(st, "已批准") {
			b.t.Fatalf("the plan after approval: %s", st)
		}
	})
	b.as("culture", func() {
		b.run("publish plan", chromedp.Navigate(b.base+"/plans/"+planID), chromedp.WaitVisible(css("#plan-publish")),
			chromedp.SetValue(css(`input[name="start"]`), start), chromedp.Click(css("#plan-publish")), chromedp.WaitVisible(css("div.off-ok")))
		b.shot("plan-published")
	})
	return planID
}
