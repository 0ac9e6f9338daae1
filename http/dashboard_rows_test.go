package http

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/reports"
)

// TestUnclaimedRowsKept: the 应享未享 rows rendered one by one and kept are,
// view after view, what rendering the whole list at once gives, also when
// rows changed, moved, came or went between views.
func TestUnclaimedRowsKept(t *testing.T) {
	p, err := loadPages(func(*duixian.User) bool { return false })
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{pages: p}
	whole := func(list []reports.Unclaimed, lang string) string {
		var b bytes.Buffer
		if err := p.t.ExecuteTemplate(&b, "dashboard-unclaimed", struct {
			Lang      string
			Unclaimed []reports.Unclaimed
		}{lang, list}); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	row := func(i, clauses, missing int) reports.Unclaimed {
		u := reports.Unclaimed{USCC: fmt.Sprintf("9111%014d", i), Name: fmt.Sprintf("企业<%d>", i), Missing: missing}
		for k := range clauses {
			d := &duixian.Decision{Amount: duixian.Money(100 * (i + k + 1)), Eligible: true}
			u.Clauses = append(u.Clauses, engine.Match{Clause: fmt.Sprintf("c/%d", k), Title: "条款&" + fmt.Sprint(k), Document: "文件", Decision: d})
			u.Amount += d.Amount
		}
		return u
	}
	var list []reports.Unclaimed
	for i := range 50 {
		list = append(list, row(i, i%3, i%7))
	}
	views := [][]reports.Unclaimed{list, nil}
	changed := append([]reports.Unclaimed{}, list...)
	changed[3] = row(3, 2, 1)                         // a clause more
	changed[10].Missing++                             // a fact more needed
	changed = append(changed[:20], changed[21:]...)   // an enterprise gone
	changed = append(changed, row(99, 1, 0), list[0]) // one new, one twice
	changed[0], changed[1] = changed[1], changed[0]   // two moved
	views = append(views, changed, list)
	for _, lang := range []string{"zh", "en"} {
		for n, v := range views {
			got, err := s.unclaimedRows(v, lang)
			if err != nil {
				t.Fatal(err)
			}
			if want := whole(v, lang); got != want {
				t.Fatalf("%s view %d:\n got %.300s\nwant %.300s", lang, n, got, want)
			}
		}
	}
}
