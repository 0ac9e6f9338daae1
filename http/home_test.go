package http

import (
	"bytes"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
)

// The home page counts the gazette's nine documents apart from the listing
// standards the diagnosis compares against, and shows 155号 annulled: by
// 28号, from 2025-11-28.
func TestHomeSeparatesGazetteAndShowsAnnulment(t *testing.T) {
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	p, err := loadPages(func(*duixian.User) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, "home.html", View{Data: homeOf(cat)}); err != nil {
		t.Fatal(err)
	}
	page := buf.String()
	gazette := between(t, page, `id="gazette"`, `id="ended"`)
	if n := strings.Count(gazette, `class="card"`); n != 9 {
		t.Errorf("the gazette's shelf has %d documents, want 9", n)
	}
	for _, want := range []string{"京技管发〔2025〕20号", "京技管发〔2025〕30号"} {
		if !strings.Contains(gazette, want) {
			t.Errorf("the gazette's shelf lacks %s", want)
		}
	}
	for _, not := range []string{"纽约证券交易所", "doc=listing-", "doc=jjg-2022-155", "doc=jjgf-2024-33", "doc=jjgf-2025-11"} {
		if strings.Contains(gazette, not) {
			t.Errorf("the gazette's shelf shows %q", not)
		}
	}
	card := between(t, page, `id="doc-jjg-2022-155"`, "</div>")
	for _, want := range []string{"已废止", "京技管发〔2025〕28号", "2025-11-28"} {
		if !strings.Contains(card, want) {
			t.Errorf("the 155号 card lacks %q: %s", want, card)
		}
	}
	if card := between(t, page, `id="doc-jjgf-2024-33"`, "</div>"); !strings.Contains(card, "京技管发〔2025〕25号") || !strings.Contains(card, "2024-12-31") {
		t.Errorf("the 33号 card does not say 25号 replaced it after 2024-12-31: %s", card)
	}
	standards := page[strings.Index(page, `id="standards"`):]
	for _, want := range []string{"listing-nyse", "listing-hkex-main", "listing-sse-star"} {
		if !strings.Contains(standards, want) {
			t.Errorf("the listing standards lack %s", want)
		}
	}
}
