package http

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/jobs"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/notify"
	"github.com/etown/duixian/notify/smtptest"
)

// chromium finds Debian's Chromium. CI installs it (.ci/run); without it
// the browser test cannot run, which in CI is a failure, not a skip.
func chromium(t *testing.T) string {
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: .ci/run installs it with apt-get")
		}
		t.Skip("chromium is not installed (apt-get install chromium fonts-wqy-microhei); CI installs it and runs this test")
	}
	return path
}

// browser drives one headless Chromium through the story, one person at a
// time, and keeps a screenshot of each step in testdata/out/browser.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	out  string
	n    int
	// axeJS is axe-core's script (axeSource), run in the page by axe.
	axeJS string
}

// css is an exact CSS selector (DOM.querySelector).
type css = chromedp.CSS

// js runs a line of JavaScript in the page.
func js(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any](expr)(ctx, t)
		return err
	})
}

// markPage marks the document in the tab, and freshPage waits until
// another has replaced it, fully loaded: a form's answer, even at the same
// address. Waiting for an element the old page has too would find the page
// the form was posted from, and the next step would act on one being torn
// down. Evaluating while the old document goes fails; it is tried again
// until the run's deadline.
var markPage = js(`window.__posted = true`)

func freshPage() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for {
			if done, err := chromedp.Evaluate[bool](`window.__posted !== true && document.readyState === "complete"`)(ctx, t); err == nil && done {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.shot("failed-" + what)
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *browser) shot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return
	}
	b.n++
	name = strings.NewReplacer("/", "-", " ", "-").Replace(name)
	os.WriteFile(filepath.Join(b.out, fmt.Sprintf("%02d-%s.png", b.n, name)), png, 0o644)
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
	if err != nil {
		b.shot("failed-read")
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

func (b *browser) location() string {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// as signs in through the login page, runs the steps and signs out.
func (b *browser) as(user string, steps func()) {
	b.t.Helper()
	b.run("sign in as "+user,
		chromedp.Navigate(b.base+"/login"),
		chromedp.SendKeys(css(`input[name="name"]`), user),
		chromedp.SendKeys(css(`input[name="password"]`), demo.Password),
		markPage, chromedp.Submit(css(`form[action="/login"]`)),
		freshPage(), chromedp.WaitVisible(css(`form[action="/logout"]`)),
	)
	steps()
	b.run("sign out "+user, markPage, chromedp.Submit(css(`form[action="/logout"]`)), freshPage(), chromedp.WaitVisible(css(`a[href="/login"]`)))
}

func (b *browser) caseForm(id, action string, fill ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	form := fmt.Sprintf(`form[action="/cases/%s/%s"]`, id, action)
	steps := []chromedp.Action[chromedp.Void]{chromedp.Navigate(b.base + "/cases/" + id), chromedp.WaitVisible(css(form))}
	steps = append(steps, fill...)
	steps = append(steps, markPage, chromedp.Submit(css(form)), freshPage())
	b.run(action, steps...)
	b.shot(action)
}

// The story of issue 5: an enterprise signs in, uses the calculator and
// applies for a bookstore award; the reviewer takes it through review; it
// appears on the public 公示 page, where an objection is filed and then
// answered; after publicity another official of the department approves it,
// finance pays, and the enterprise sees it paid.
func TestBrowserStory(t *testing.T) {
	t.Parallel() // its own server and Chromium; mostly waiting on the browser
	exe := chromium(t)
	axeJS := axeSource(t)
	s, _, clk := testServer(t)
	ts := httptest.NewServer(s)
	defer ts.Close()
	rounds, err := s.Service.Rounds(context.Background(), "jjgf-2025-21")
	if err != nil || len(rounds) != 1 {
		t.Fatalf("the demo's 21号 round: %v %d", err, len(rounds))
	}
	round := rounds[0].ID
	out := filepath.Join("testdata", "out", "browser")
	os.RemoveAll(out)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.Headless,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("no-first-run", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1280, 1000), chromedp.UserDataDir(t.TempDir()))
	alloc, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	// The browser starts on its first action and lives as long as the
	// context of that action: start it on ctx, not on a step's timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	b := &browser{t: t, ctx: ctx, base: ts.URL, out: out, axeJS: axeJS}
	// The job queue beside the server, as serve runs it, with a mail
	// server: notifications reach the inbox and, for a user with an
	// address (the demo's bookstore), the mail server.
	mail := smtptest.Start(t)
	n := notify.New(s.DB, testCat)
	n.Mail = &notify.SMTP{Host: mail.Host, Port: mail.Port, From: "政策兑现平台 <noreply@example.com>"}
	q, err := jobs.Open(context.Background(), s.DB, "", jobs.Services{Matching: s.Offers, Qunyan: s.Qunyan, Notify: n}, jobs.Options{Workers: 1, NotifyEvery: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	n.Queue, s.Offers.Queue = q, q
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer q.Stop(context.Background())

	// The public pages, on a desktop and a phone, in the larger text too.
	b.run("home", chromedp.Navigate(b.base+"/"), chromedp.WaitReady(css("footer")))
	b.axe("home")
	b.run("public calculator", chromedp.Navigate(b.base+"/calculator"), chromedp.WaitReady(css("footer")))
	b.axe("public-calculator")
	b.run("policies", chromedp.Navigate(b.base+"/policies"), chromedp.WaitReady(css("footer")))
	b.axe("policies")
	b.largerText("/", "/policies")
	b.phone("/", "/calculator", "/policies", "/publicity")

	// The files the applicant has on disk: a PDF for each material, and
	// the shop's photo.
	files := t.TempDir()
	cl, _ := testCat.Clause("jjgf-2025-21/7.3.1")
	file := map[string]string{}
	for _, u := range material.Specimens(cl) {
		file[u.Kind] = filepath.Join(files, u.Kind+".pdf")
		if err := os.WriteFile(file[u.Kind], u.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	photo := filepath.Join(files, "店堂照片.png")
	if err := os.WriteFile(photo, append([]byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}, make([]byte, 256)...), 0o644); err != nil {
		t.Fatal(err)
	}

	var appID string
	b.as("bookstore", func() {
		b.run("calculator", chromedp.Navigate(b.base+"/calculator"), chromedp.WaitVisible(css(`#results`)))
		b.shot("calculator")
		if r := b.text("#results"); !strings.Contains(r, "万元") {
			t.Fatalf("the calculator shows no amounts: %.300s", r)
		}
		b.axe("calculator")
		b.phone("/calculator", "/apply/jjgf-2025-21/7.3.1", "/my")
		b.run("apply form", chromedp.Navigate(b.base+"/apply/jjgf-2025-21/7.3.1"), chromedp.WaitVisible(css(`form#apply`)))
		b.axe("apply-form")
		// The form by keyboard alone: the date is typed in as its value
		// (a date field's keys depend on the locale), the rest is Tab,
		// Space and Enter. 2026 is taken: the demo bookstore holds 一刻钟
		// (paid) and 融合发展 (in review), which 21号 allows no third
		// category beside, nor 特色经营 (第七条（三）). The story claims 2025.
		b.run("apply form: the date", chromedp.SetValue(css(`#in-event_date`), "2025-12-15"), chromedp.Focus(css(`#in-event_date`)))
		b.tabTo(`input[name="f.specialized_store"]`)
		b.run("apply form: 是 by Space", chromedp.KeyEvent(" "))
		if got := b.attr(`input[name="f.specialized_store"]:checked`, "value"); got != "true" {
			t.Fatalf("Space ticked %q, want the first answer, true", got)
		}
		// Every material but the photos, chosen on the form.
		b.run("apply form: the materials", chromedp.SetUploadFiles(css(`#in-material-licences`), []string{file["licences"]}),
			chromedp.SetUploadFiles(css(`#in-material-premises-proof`), []string{file["premises-proof"]}),
			chromedp.SetUploadFiles(css(`#in-material-distinctive-premises`), []string{file["distinctive-premises"]}))
		b.tabTo(`input[name="declared"]`)
		// A focused field is not hidden under the sticky action bar.
		b.unobscured(`input[name="declared"]`)
		b.run("apply form: the declaration by Space", chromedp.KeyEvent(" "))
		b.tabTo(`button[name="action"][value="submit"]`)
		b.shot("apply-form")
		b.run("submit by Enter, without the photos", chromedp.KeyEvent("\r"), chromedp.WaitVisible(css(`#field-materials .ent-error`)))
		b.shot("materials-missing")
		if e := b.text("#field-materials .ent-error"); !strings.Contains(e, "店面外观与店堂内部照片（21号第十一条）") || strings.Contains(e, "营业执照") {
			t.Fatalf("the form does not name the missing photos: %s", e)
		}
		if m := b.text("#material-licences"); !strings.Contains(m, "已上传 licences.pdf") {
			t.Fatalf("the form does not show the licence uploaded: %s", m)
		}
		b.run("submit with the photos", chromedp.SetUploadFiles(css(`#in-material-store-photos`), []string{file["store-photos"]}),
			js(`document.querySelector('input[name="declared"]').checked = true`),
			chromedp.Click(css(`button[name="action"][value="submit"]`)),
			chromedp.WaitVisible(css(`.ent-timeline`)))
		url := b.location()
		b.shot("submitted")
		b.axe("submitted")
		if !strings.Contains(url, "/my/") {
			t.Fatalf("after submitting the browser is at %s: %s", url, b.text("main"))
		}
		appID = url[strings.LastIndex(url, "/")+1:]
		appID, _, _ = strings.Cut(appID, "?")
		appID, _, _ = strings.Cut(appID, "#")
	})
	b.as("culture", func() {
		// An official signs in to the 待办, not the public home page.
		if u := b.location(); !strings.HasSuffix(u, "/queue") {
			t.Fatalf("宣传文化部 signs in to %s, not the 待办", u)
		}
		b.run("queue", chromedp.Navigate(b.base+"/queue"), chromedp.WaitVisible(css(fmt.Sprintf(`a[href="/cases/%s"]`, appID))))
		b.shot("reviewer-queue")
		b.axe("queue")
		b.run("registry", chromedp.Navigate(b.base+"/enterprises"), chromedp.WaitReady(css("footer")))
		b.axe("enterprises")
		b.run("case", chromedp.Navigate(b.base+"/cases/"+appID), chromedp.WaitReady(css("footer")))
		b.axe("case")
		b.run("dashboard", chromedp.Navigate(b.base+"/dashboard"), chromedp.WaitReady(css("footer")))
		b.chartLabels("chart-months", "万元")
		b.axe("dashboard")
		b.phone("/queue", "/cases/"+appID)
		b.atPhone(func() {
			b.phonePage("/dashboard")
			b.chartLabels("chart-months", "万元")
		})
		// The reviewer reads the materials on the case and sends the
		// photos back: they show the shop's sign, not its interior.
		b.run("case materials", chromedp.Navigate(b.base+"/cases/"+appID),
			chromedp.WaitVisible(css(fmt.Sprintf(`a[href^="/cases/%s/materials/"]`, appID))))
		b.shot("reviewer-sees-materials")
		if m := b.text(".off-materials"); !strings.Contains(m, "store-photos.pdf") || !strings.Contains(m, "21号第十一条") || !strings.Contains(m, "SHA-256") {
			t.Fatalf("the case does not list the materials: %s", m)
		}
		b.caseForm(appID, "return",
			chromedp.SetValue(css(fmt.Sprintf(`form[action="/cases/%s/return"] textarea[name="reason"]`, appID)), "照片未见店堂内部，请补充"),
			js(fmt.Sprintf(`document.querySelector('form[action="/cases/%s/return"] input[name="material"][value="store-photos"]').checked = true`, appID)))
	})
	clk.advance(time.Hour) // the photo comes after the return
	b.as("bookstore", func() {
		b.run("returned", chromedp.Navigate(b.base+"/my/"+appID), chromedp.WaitVisible(css(`#materials`)))
		if m := b.text("#materials"); !strings.Contains(m, "退回补正要求重新提供") {
			t.Fatalf("the applicant does not see the photos asked for: %s", m)
		}
		b.run("upload the photo", chromedp.SetUploadFiles(css(`form.ent-upload input[name="kind"][value="store-photos"] ~ label input[type="file"]`), []string{photo}),
			markPage, chromedp.Submit(css(`form.ent-upload input[name="kind"][value="store-photos"] ~ label input[type="file"]`)),
			freshPage(), chromedp.WaitVisible(css(`#materials`)))
		b.shot("photo-uploaded")
		if m := b.text("#materials"); !strings.Contains(m, "店堂照片.png") {
			t.Fatalf("the photo is not listed: %s", m)
		}
		b.run("resubmit", markPage, chromedp.Submit(css(fmt.Sprintf(`form[action="/my/%s/submit"]`, appID))), freshPage(), chromedp.WaitVisible(css(`.ent-timeline`)))
		if m := b.text("main"); !strings.Contains(m, "已申报") {
			t.Fatalf("not resubmitted: %.400s", m)
		}
	})
	b.as("culture", func() {
		b.caseForm(appID, "preliminary")
		// Only the experts assigned see the case.
		b.caseForm(appID, "experts", js(fmt.Sprintf(`document.querySelector('form[action="/cases/%s/experts"] input[name="expert"][value="expert"]').checked = true`, appID)))
	})
	b.as("expert", func() {
		form := fmt.Sprintf(`form[action="/cases/%s/expert-review"]`, appID)
		b.caseForm(appID, "expert-review",
			chromedp.SetValue(css(form+` input[name="score_name_0"]`), "总分"),
			chromedp.SetValue(css(form+` input[name="score_0"]`), "86"),
			chromedp.SetValue(css(form+` textarea[name="opinion"]`), "专业类书店特色鲜明，建议支持"),
			js(`document.querySelector('`+form+` input[name="pass"][value="1"]').checked = true`))
	})
	b.as("culture", func() {
		b.caseForm(appID, "propose", chromedp.SetValue(css(fmt.Sprintf(`form[action="/cases/%s/propose"] input[name="amount"]`, appID)), "50000.00"))
		// 21号 publishes an approved plan, not one project (第十二条（四）).
		b.run("plan", chromedp.Navigate(b.base+"/cases/"+appID), chromedp.WaitVisible(css("#act-plan")))
	})
	planID := b.publishPlan(round, "2026-11-30")
	// The public: the 公示 list and an objection, without signing in.
	b.run("publicity", chromedp.Navigate(b.base+"/publicity"), chromedp.WaitVisible(css("#a-"+appID)))
	b.shot("publicity")
	b.axe("publicity")
	if p := b.text("#a-" + appID); !strings.Contains(p, "5.00万元") || !strings.Contains(p, "2026-12-04") {
		t.Fatalf("the 公示 entry lacks the amount or the deadline: %s", p)
	}
	b.run("object", chromedp.SetValue(css(fmt.Sprintf(`#a-%s textarea[name="text"]`, appID)), "该书店专业类图书比例不足，请核实"),
		chromedp.SetValue(css(fmt.Sprintf(`#a-%s input[name="name"]`, appID)), "王五"),
		chromedp.SetValue(css(fmt.Sprintf(`#a-%s input[name="phone"]`, appID)), "13900139000"),
		chromedp.Submit(css(fmt.Sprintf(`#a-%s form`, appID))), chromedp.WaitVisible(css("#receipt")))
	b.shot("objection-filed")
	if r := b.text("#receipt"); !strings.Contains(r, "回执号 O") {
		t.Fatalf("no receipt after the objection: %s", r)
	}
	b.as("culture", func() {
		b.run("open case", chromedp.Navigate(b.base+"/cases/"+appID))
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		attr, err := chromedp.Run(ctx, chromedp.AttributeValue(css(fmt.Sprintf(`form[action^="/cases/%s/objections/"]`, appID)), "action"))
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		oid := strings.TrimSuffix(strings.TrimPrefix(attr.Value, "/cases/"+appID+"/objections/"), "/answer")
		b.caseForm(appID, "objections/"+oid+"/answer",
			chromedp.SetValue(css(fmt.Sprintf(`form[action="/cases/%s/objections/%s/answer"] [name="answer"]`, appID, oid)), "经实地复核，专业类出版物比例符合要求，异议不成立"))
	})
	// Publicity ends on 12-04; a week later the plan, approved by the
	// department's second official, sends its projects to payment.
	clk.advance(7 * 24 * time.Hour)
	b.as("culture", func() {
		b.run("release plan", chromedp.Navigate(b.base+"/plans/"+planID), chromedp.WaitVisible(css("#plan-release")),
			chromedp.Click(css("#plan-release")), chromedp.WaitVisible(css("div.off-ok")))
		b.run("case approved", chromedp.Navigate(b.base+"/cases/"+appID), chromedp.WaitReady(css("footer")))
		if st := b.text("main"); !strings.Contains(st, "已批准") {
			t.Fatalf("not approved: %.600s", st)
		}
	})
	b.as("treasury", func() {
		form := fmt.Sprintf(`form[action="/cases/%s/disburse"]`, appID)
		b.caseForm(appID, "disburse",
			chromedp.SetValue(css(form+` input[name="voucher"]`), "JZ-2026-12-088"),
			chromedp.SetValue(css(form+` input[name="account"]`), "6222 0200 1234 5678"),
			chromedp.SetValue(css(form+` input[name="paid_on"]`), "2026-12-07"))
	})
	// The payment is told: an e-mail to the bookstore's address, with its
	// Chinese subject, and a message in its inbox. (The wait is bounded
	// only so that a broken queue fails the test instead of hanging it.)
	wctx, wcancel := context.WithTimeout(context.Background(), 2*time.Minute)
	paidMail, err := mail.WaitFor(wctx, func(m smtptest.Message) bool {
		return strings.HasPrefix(m.Subject, "奖励资金已拨付") && strings.Contains(m.Body, appID)
	})
	wcancel()
	if err != nil {
		t.Fatalf("no e-mail of the payment: %v (%d others)", err, len(mail.Messages()))
	}
	if len(paidMail.To) != 1 || paidMail.To[0] != "bookstore@example.com" || !strings.Contains(string(paidMail.Raw), "Subject: =?UTF-8?b?") {
		t.Fatalf("the payment's e-mail went to %v:\n%s", paidMail.To, paidMail.Raw)
	}
	b.as("bookstore", func() {
		b.run("receipt", chromedp.Navigate(b.base+"/my/"+appID+"/receipt"), chromedp.WaitVisible(css("#receipt")))
		b.shot("receipt")
		if r := b.text("#receipt"); !strings.Contains(r, appID) || !strings.Contains(r, "SHA-256") {
			t.Fatalf("the receipt: %s", r)
		}
		b.run("paid", chromedp.Navigate(b.base+"/my/"+appID), chromedp.WaitReady(css("main")))
		b.shot("enterprise-sees-paid")
		b.axe("enterprise-sees-paid")
		if m := b.text("main"); !strings.Contains(m, "已拨付") || !strings.Contains(m, "JZ-2026-12-088") || !strings.Contains(m, "**** **** 5678") {
			t.Fatalf("the enterprise does not see the award paid with its voucher: %.600s", m)
		}
		if badge := b.text("nav .badge"); badge == "" || badge == "0" {
			t.Fatalf("no unread count in the navigation: %q", badge)
		}
		b.run("inbox", chromedp.Click(css(`nav a.inbox`)), chromedp.WaitVisible(css(`ul.inbox`)))
		b.shot("enterprise-inbox")
		if inbox := b.text("ul.inbox"); !strings.Contains(inbox, "奖励资金已拨付") || !strings.Contains(inbox, appID) {
			t.Fatalf("the inbox does not show the payment: %.600s", inbox)
		}
	})
	t.Logf("screenshots in %s", out)
}
