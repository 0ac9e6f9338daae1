package http

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axePath is axe-core's script, which .ci/run installs with npm ci from
// the package.json and package-lock.json beside it: the lock pins the
// version and its hash, and no copy of a third party's 500 kB lives in the
// repository.
var axePath = filepath.Join("testdata", "axe", "node_modules", "axe-core", "axe.min.js")

// axeSource reads axe-core. Without it the accessibility checks cannot run,
// which in CI is a failure, not a skip (as chromium).
func axeSource(t *testing.T) string {
	b, err := os.ReadFile(axePath)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("axe-core is not installed (%v): .ci/run installs it with npm ci in http/testdata/axe", err)
		}
		t.Skip("axe-core is not installed: (cd http/testdata/axe && npm ci); CI installs it and runs this test")
	}
	return string(b)
}

// axeViolation is what axe-core reports of a rule a page breaks.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []struct {
		Target []any
		HTML   string
	}
}

// axe runs axe-core on the page shown against WCAG 2.1 A and AA (labels,
// names, contrast of 4.5:1, the document's language …) and fails the test
// on any serious or critical violation.
func (b *browser) axe(page string) {
	b.t.Helper()
	if b.axeJS == "" {
		b.t.Fatal("the browser has no axe-core: set browser.axeJS")
	}
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](b.axeJS)); err != nil {
		b.t.Fatalf("axe-core on %s: %v", page, err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}, resultTypes: ["violations"]})
  .then(r => JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("axe-core on %s: %v", page, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("axe-core on %s: %v: %.300s", page, err, out)
	}
	if len(vs) == 0 {
		return
	}
	b.shot("axe-" + page)
	var msg strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&msg, "\n  %s (%s): %s", v.ID, v.Impact, v.Help)
		for i, n := range v.Nodes {
			if i == 5 {
				fmt.Fprintf(&msg, "\n    … %d more", len(v.Nodes)-5)
				break
			}
			fmt.Fprintf(&msg, "\n    %v %.160s", n.Target, n.HTML)
		}
	}
	b.t.Errorf("axe-core finds serious or critical violations on %s:%s", page, msg.String())
}

// phoneWidth is a phone's width in CSS pixels (an iPhone 12 to 15).
const phoneWidth = 390

// phone shows each page at a phone's width (phonePage), and opens the
// navigation's menu on the first.
func (b *browser) phone(pages ...string) {
	b.t.Helper()
	b.atPhone(func() {
		for _, p := range pages {
			b.phonePage(p)
		}
		// The navigation is folded behind the menu button, which opens it.
		b.run("phone menu", chromedp.Navigate(b.base+pages[0]), chromedp.WaitVisible(css(".menu-toggle")),
			chromedp.WaitNotVisible(css("#site-nav")), chromedp.Click(css(".menu-toggle")), chromedp.WaitVisible(css(`#site-nav a[href="/policies"]`)))
		b.shot("phone-menu-open")
		if got := b.attr(".menu-toggle", "aria-expanded"); got != "true" {
			b.t.Errorf("the open menu's button says aria-expanded=%q", got)
		}
		// Labels, names and contrast do not change with the width; the
		// menu does: axe-core once here, on the desktop for every page.
		b.axe("phone-menu" + pages[0])
	})
}

// atPhone runs steps at a phone's width, and returns to the desktop's.
func (b *browser) atPhone(steps func()) {
	b.t.Helper()
	b.run("phone size", chromedp.EmulateViewport(phoneWidth, 844, chromedp.EmulateMobile))
	defer b.run("desktop size", chromedp.EmulateViewport(1280, 1000))
	steps()
}

// phonePage shows page p: nothing scrolls sideways (the page is no wider
// than the phone).
func (b *browser) phonePage(p string) {
	b.t.Helper()
	b.run("phone "+p, chromedp.Navigate(b.base+p), chromedp.WaitReady(css("footer")))
	b.shot("phone" + p)
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	w, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.documentElement.scrollWidth, window.innerWidth]`))
	if err != nil {
		b.t.Fatal(err)
	}
	if w[0] > w[1] {
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).slice(-5).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right)).join("; ")`))
		b.t.Errorf("%s scrolls sideways at %d px: %d px wide; too wide: %s", p, w[1], w[0], wide)
	}
}

func (b *browser) attr(sel, name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(css(sel), name))
	if err != nil {
		b.t.Fatalf("%s[%s]: %v", sel, name, err)
	}
	return v.Value
}

// fontSize is the root element's font size in CSS pixels.
func (b *browser) fontSize() string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.documentElement).fontSize`))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

// largerText turns on the larger text (适老化) on page, checks that it
// scales the page and lasts to the next page, and turns it off again.
func (b *browser) largerText(page, next string) {
	b.t.Helper()
	b.run("standard text", chromedp.Navigate(b.base+page), chromedp.WaitVisible(css("a.textsize")))
	normal := b.fontSize()
	b.run("larger text", js(`document.body.dataset.left = "1"`), chromedp.Click(css("a.textsize")), chromedp.WaitVisible(css(`body:not([data-left]) a.textsize`)))
	b.shot("larger-text")
	if large := b.fontSize(); normal != "16px" || large != "20px" {
		b.t.Errorf("the larger text sets the root font from %s to %s, want 16px to 20px", normal, large)
	}
	b.run("larger text lasts", chromedp.Navigate(b.base+next), chromedp.WaitVisible(css("a.textsize")))
	if large := b.fontSize(); large != "20px" {
		b.t.Errorf("on the next page the root font is %s: the larger text did not last", large)
	}
	b.axe("larger-text" + next)
	b.run("standard text again", js(`document.body.dataset.left = "1"`), chromedp.Click(css("a.textsize")), chromedp.WaitVisible(css(`body:not([data-left]) a.textsize`)))
	if got := b.fontSize(); got != "16px" {
		b.t.Errorf("switched back, the root font is %s", got)
	}
}

// tabTo presses Tab until the element focused matches sel, as a keyboard
// user moves through a form; it fails if sel is not reached in 100 presses.
func (b *browser) tabTo(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	check := fmt.Sprintf(`document.activeElement && document.activeElement.matches(%q)`, sel)
	for range 100 {
		if _, err := chromedp.Run(ctx, chromedp.KeyEvent("\t")); err != nil {
			b.t.Fatal(err)
		}
		on, err := chromedp.Run(ctx, chromedp.Evaluate[bool](check))
		if err != nil {
			b.t.Fatal(err)
		}
		if on {
			return
		}
	}
	b.shot("failed-tab")
	b.t.Fatalf("Tab never reaches %s", sel)
}

// unobscured checks that the element sel is what a pointer at its middle
// finds (or its label): nothing sticky lies over it.
func (b *browser) unobscured(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	top, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); const r = e.getBoundingClientRect();
  const at = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return at && (at === e || at.contains(e) || e.labels && [...e.labels].some(l => l.contains(at))) ? "" : (at ? at.tagName + "." + at.className : "nothing") })()`, sel)))
	if err != nil {
		b.t.Fatal(err)
	}
	if top != "" {
		b.shot("obscured")
		b.t.Errorf("%s is covered by %s", sel, top)
	}
}

// chartLabels checks that every label of the chart in box (drawn as SVG)
// lies inside it: none is cut at an edge, as the monthly chart's 万元 was.
// want is a label the chart must show.
func (b *browser) chartLabels(box, want string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.WaitVisible(css("#"+box+" svg text"))); err != nil {
		b.t.Fatalf("the chart %s draws no text: %v", box, err)
	}
	// Let the bars' animation (400 ms) end before measuring.
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](fmt.Sprintf(`new Promise(done => setTimeout(() => {
  const box = document.getElementById(%q).getBoundingClientRect();
  done([...document.querySelectorAll("#%s svg text")].map(t => { const r = t.getBoundingClientRect();
    const cut = r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5);
    return (cut ? "CUT " : "") + t.textContent; }));
}, 800))`, box, box), chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatal(err)
	}
	found := false
	for _, l := range out {
		if strings.HasPrefix(l, "CUT ") {
			b.t.Errorf("the chart %s cuts its label %q", box, strings.TrimPrefix(l, "CUT "))
		}
		found = found || l == want
	}
	if !found {
		b.t.Errorf("the chart %s has no label %q: %q", box, want, out)
	}
}
