package http

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/etown/duixian"
	"github.com/etown/duixian/registry"
)

// 政策仿真 in the browser: a policy author uploads a reform doubling the
// 一刻钟 tiers (21号第七条（一）) and sees the clause's spend doubled, the
// article side by side with its change marked, the charts drawn and the
// movers cited; exports the report; then brings a draft from the
// authoring page that tightens a condition and sees who loses and why.
// 商务金融局's reviewer (finance-bureau) opens the page too.
func TestBrowserSimulation(t *testing.T) {
	t.Parallel() // its own server and Chromium; mostly waiting on the browser
	s, _, _ := testServer(t)
	if _, err := registry.Write(context.Background(), s.DB, registry.Generate(3000, 1), 500); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	b := startBrowser(t, ts.URL, "browser-simulate")
	reform := func(name string) []string {
		dir, err := filepath.Abs(filepath.Join("..", "simulation", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return []string{filepath.Join(dir, "jjgf-2025-21.yaml"), filepath.Join(dir, "jjgf-2025-21.test.yaml")}
	}

	b.as("author", func() {
		b.run("simulate form", chromedp.Navigate(b.base+"/simulate"), chromedp.WaitVisible(css(`#sim-form`)),
			chromedp.SetUploadFiles(css(`#sim-files`), reform("double-quarter-hour")))
		b.run("run the reform", submit(`#sim-form`, `#sim-totals`)...)
		b.run("charts", chromedp.WaitVisible(css(`#chart-clauses svg`)), chromedp.WaitVisible(css(`#chart-distribution svg`)))
		b.shot("doubled")
		// The same count, twice the spend, to the fen; 7.2 of the same
		// document unchanged.
		for clause, twice := range map[string]bool{"jjgf-2025-21/7.1": true, "jjgf-2025-21/7.2": false} {
			row := b.eval(`(() => { const r = document.querySelector('#sim-clauses tr[data-clause="` + clause + `"]'); return r ? r.dataset.eligible + ' ' + r.dataset.total : ''; })()`)
			f := strings.Fields(row)
			if len(f) != 4 || f[0] != f[1] || f[0] == "0" {
				t.Fatalf("%s: %q", clause, row)
			}
			before, err1 := duixian.ParseAmount(f[2])
			after, err2 := duixian.ParseAmount(f[3])
			want := before
			if twice {
				want, _ = before.Add(before)
			}
			if err1 != nil || err2 != nil || after.Cmp(want) != 0 {
				t.Errorf("%s: spend %s then %s", clause, f[2], f[3])
			}
		}
		text := b.text(`#sim-text`)
		if !strings.Contains(text, "21号第七条（一）") {
			t.Fatalf("the articles side by side: %.400s", text)
		}
		if ins, del := b.eval(`Array.from(document.querySelectorAll('#sim-text .sim-new ins')).map(e => e.textContent).join('')`),
			b.eval(`Array.from(document.querySelectorAll('#sim-text .sim-old del')).map(e => e.textContent).join('')`); ins == "" || del == "" {
			t.Fatalf("changes marked: inserted %q, deleted %q", ins, del)
		}
		movers := b.text(`#sim-movers`)
		if !strings.Contains(movers, "金额增加") || !strings.Contains(movers, "改革方案21号第七条（一）") || !strings.Contains(movers, "现行21号第七条（一）") {
			t.Fatalf("movers: %.500s", movers)
		}
		// The export posts the same form back and answers with a workbook.
		got := b.eval(`fetch('/simulate/report.xlsx', {method: 'POST', body: new FormData(document.getElementById('sim-form'))})
  .then(r => r.arrayBuffer().then(a => r.headers.get('Content-Type') + ' ' + String.fromCharCode(...new Uint8Array(a).slice(0, 2))))`)
		if got != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet PK" {
			t.Fatalf("the export: %s", got)
		}

		// A draft from the authoring page: 一刻钟 only after five years.
		doc, err := os.ReadFile(reform("five-years")[0])
		if err != nil {
			t.Fatal(err)
		}
		cases, err := os.ReadFile(reform("five-years")[1])
		if err != nil {
			t.Fatal(err)
		}
		b.run("author form", chromedp.Navigate(b.base+"/author"), chromedp.WaitVisible(css(`#au-simulate`)),
			fill(map[string]any{"id": "jjgf-2025-21", "document": string(doc), "cases": string(cases)}))
		b.run("simulate the draft", js(`document.body.dataset.left = "1"`), chromedp.Click(css(`#au-simulate`)),
			chromedp.WaitVisible(css(`body:not([data-left]) #sim-totals`)))
		b.shot("five-years")
		movers = b.text(`#sim-movers`)
		if !strings.Contains(movers, "不再享受") || !strings.Contains(movers, "开办五年以上") || !strings.Contains(movers, "现行：开办一年以上") {
			t.Fatalf("losers: %.600s", movers)
		}
	})
	b.as("finance-bureau", func() {
		b.run("finance bureau", chromedp.Navigate(b.base+"/simulate"), chromedp.WaitVisible(css(`#sim-form`)))
	})
}

// eval is the string a line of JavaScript gives (a promise's, awaited).
func (b *browser) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("eval %.80s: %v", expr, err)
	}
	return v
}
