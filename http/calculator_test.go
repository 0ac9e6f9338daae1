package http

import (
	"bytes"
	"net/url"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/form"
	"github.com/etown/duixian/matching"
)

// The calculator page shows a clause the engine could not decide under
// 无法判定 with the reason, in both languages, and not among the clauses
// that need more facts.
func TestCalculatorShowsUndecided(t *testing.T) {
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	u := engine.Undecided{Clause: "jjgf-2025-21/7.1", Title: "“一刻钟”建设奖励", Document: "京技管发〔2025〕21号", Field: "jjgf-2025-21/7.1",
		Zh: "无法判定：按条款规则计算时出错（division by zero）", En: "cannot be decided: evaluating the clause's rules failed (division by zero)"}
	v := form.NewCalculator(cat, &form.Platform{}, url.Values{}, "zh", duixian.Date{Year: 2026, Month: 11, Day: 30})
	v.Ran, v.Sections = true, nil // the results alone, as the page shows them
	v.Results([]engine.Match{{Clause: u.Clause, Title: u.Title, Document: u.Document, Undecided: &u}})
	if len(v.Undecided) != 1 || len(v.Missing)+len(v.Near)+len(v.Eligible) != 0 {
		t.Fatalf("undecided %d, missing %d, near %d, eligible %d", len(v.Undecided), len(v.Missing), len(v.Near), len(v.Eligible))
	}
	p, err := loadPages(func(*duixian.User) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "calculator.html", View{Data: v}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	section := between(t, page, `id="undecided"`, `id="missing"`)
	for _, want := range []string{"无法判定", "“一刻钟”建设奖励", `href="/policies/jjgf-2025-21/7.1"`, u.Zh, "evaluating the clause&#39;s rules failed"} {
		if !strings.Contains(section, want) {
			t.Errorf("the 无法判定 section lacks %q", want)
		}
	}
	if strings.Contains(page[strings.Index(page, `id="missing"`):], "“一刻钟”建设奖励") {
		t.Error("the undecided clause is listed as needing facts")
	}
}

// A 免申即享 run's page lists the clauses it could not decide, with the
// enterprise and the reason, and how many there were.
func TestOffersPageShowsUndecided(t *testing.T) {
	p, err := loadPages(func(*duixian.User) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	reason := "91110302MA01ABCD1X jjgf-2025-21/7.1 无法判定：按条款规则计算时出错（division by zero） / cannot be decided"
	run := &matching.RunProgress{OfferRun: &matching.OfferRun{Status: matching.RunDone, Partitions: 1, Registry: 2, Undecided: []string{reason}}, Done: 1}
	run.Totals.Enterprises, run.Totals.Undecided = 2, 60
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "offer_run.html", View{Data: run, User: &duixian.User{Role: duixian.RoleAdmin}}); err != nil {
		t.Fatal(err)
	}
	if page := buf.String(); !strings.Contains(page, "以下 60 项条款适用但无法判定") || !strings.Contains(page, reason) {
		t.Errorf("the page does not list the undecided clauses:\n%s", page)
	}
}
