package workflow_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// Every list is read a page at a time: following the pages' cursors reads
// each application once, newest first; a cursor or a size that is not one
// is refused naming the field.
func TestListsArePaged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-03-01")
		staff := vcFund(t, s)
		// The first half changed at one instant (the order among them is
		// by id), the rest a second apart.
		const n = workflow.QueuePageSize + 3
		for i := range n {
			in := vcClaim(fmt.Sprintf("项目%03d", i))
			in.Enterprise = staff.Enterprise
			a := must(t)(s.CreateDraft(ctx, staff, in))
			must(t)(s.Submit(ctx, staff, a.ID, "k"+a.ID))
			if i > n/2 {
				clk.mu.Lock()
				clk.now = clk.now.Add(time.Second)
				clk.mu.Unlock()
			}
		}
		var newestFirst []string
		all, err := s.Visible(ctx, staff, "", duixian.PageRequest{Limit: duixian.MaxPageSize})
		if err != nil || len(all.Items) != n || all.Next != "" {
			t.Fatalf("one page of all: %v, %d", err, len(all.Items))
		}
		for i, a := range all.Items {
			if i > 0 && (a.Updated.After(all.Items[i-1].Updated) || a.Updated.Equal(all.Items[i-1].Updated) && a.ID < all.Items[i-1].ID) {
				t.Fatalf("the list is not newest first, then by id: %s after %s", a.ID, all.Items[i-1].ID)
			}
			newestFirst = append(newestFirst, a.ID)
		}
		for _, who := range []duixian.Actor{staff, commerce, finance} {
			var got []string
			p := duixian.PageRequest{Limit: 7}
			for pages := 0; ; pages++ {
				page, err := s.Visible(ctx, who, "", p)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Items) > 7 || pages > n {
					t.Fatalf("%s: a page of %d", who.User, len(page.Items))
				}
				for _, a := range page.Items {
					got = append(got, a.ID)
				}
				if page.Next == "" {
					break
				}
				p.After = page.Next
			}
			if strings.Join(got, " ") != strings.Join(newestFirst, " ") {
				t.Fatalf("%s paged through %d applications, out of order or twice: %v", who.User, len(got), got)
			}
		}
		if page, _ := s.EnterpriseApplications(ctx, staff, duixian.StatusSubmitted, duixian.PageRequest{}); len(page.Items) != duixian.DefaultPageSize || page.Next == "" {
			t.Fatalf("the default page: %d, next %q", len(page.Items), page.Next)
		}
		for _, p := range []duixian.PageRequest{{After: "not-a-cursor"}, {Limit: duixian.MaxPageSize + 1}, {Limit: -1}} {
			_, err := s.Visible(ctx, commerce, "", p)
			var e *duixian.Error
			if !errors.As(err, &e) || e.Code != duixian.EINVALID || (e.Field != "after" && e.Field != "limit") || e.Zh == "" || e.En == "" {
				t.Errorf("page %+v: %v", p, err)
			}
		}
		// The reviewer's queue shows a page of each stage, and the rest
		// of a stage page by page.
		q, err := s.Queue(ctx, commerce, workflow.QueueQuery{})
		if err != nil {
			t.Fatal(err)
		}
		g := q.Groups[0]
		if g.Key != "submitted" || len(g.Apps) != workflow.QueuePageSize || g.Next == "" || g.List != "submitted" {
			t.Fatalf("the first page of 待初审: %d, next %q", len(g.Apps), g.Next)
		}
		rest, err := s.Queue(ctx, commerce, workflow.QueueQuery{List: g.List, After: g.Next})
		if err != nil || len(rest.Groups) != 1 || len(rest.Groups[0].Apps) != 3 || rest.Groups[0].Next != "" || rest.Groups[0].Apps[2].ID != newestFirst[n-1] {
			t.Fatalf("the rest of 待初审: %v %+v", err, rest)
		}
		if _, err := s.Queue(ctx, commerce, workflow.QueueQuery{List: "nonsense"}); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("a list the queue has not: %v", err)
		}
	})
}

// The audit page verifies only what was appended since the last view,
// from the mark that view reached — not the whole chain each time — and
// still finds an altered new entry, or a replaced last one.
func TestAuditViewVerifiesIncrementally(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		in := workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"), EventDate: date("2026-03-01"),
			Facts: json.RawMessage(bookstoreFacts), Declared: true}
		for range 5 {
			must(t)(s.CreateDraft(ctx, staff, in))
		}
		view := func() *workflow.AuditLog {
			t.Helper()
			l, err := s.AuditLog(ctx, supervisor, "", duixian.PageRequest{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		l := view()
		if l.Broken != nil || l.Total != 6 || l.Walked != 6 || l.Checked != 6 || len(l.Entries) != 2 || l.Entries[0].Seq != 6 || l.Next != "5" {
			t.Fatalf("first view: %+v", l)
		}
		older, err := s.AuditLog(ctx, supervisor, "", duixian.PageRequest{After: l.Next, Limit: 2})
		if err != nil || len(older.Entries) != 2 || older.Entries[0].Seq != 4 || older.Walked != 0 {
			t.Fatalf("the older page: %v %+v", err, older)
		}
		for range 3 {
			must(t)(s.CreateDraft(ctx, staff, in))
		}
		if l = view(); l.Broken != nil || l.Walked != 3 || l.Checked != 9 {
			t.Fatalf("after three appends the view read %d entries (checked %d): %v", l.Walked, l.Checked, l.Broken)
		}
		if l = view(); l.Walked != 0 || l.Checked != 9 {
			t.Fatalf("nothing appended, the view read %d", l.Walked)
		}
		// Two more, the second altered before the view.
		must(t)(s.CreateDraft(ctx, staff, in))
		must(t)(s.CreateDraft(ctx, staff, in))
		var doc string
		db.SQL().QueryRowContext(ctx, db.Rebind(`SELECT doc FROM audit WHERE seq = 11`)).Scan(&doc)
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`UPDATE audit SET doc = ? WHERE seq = 11`), strings.Replace(doc, "staff@bookstore", "someone.else", 1)); err != nil {
			t.Fatal(err)
		}
		l = view()
		var b interface{ Error() string }
		if b = l.Broken; b == nil || !strings.Contains(b.Error(), "entry 11") || l.Walked != 2 || l.Checked != 10 {
			t.Fatalf("the altered new entry: walked %d, checked %d, %v", l.Walked, l.Checked, l.Broken)
		}
		// Restored; then the last entry is replaced along with the head
		// row, behind the store's back: the head the view saw moved back.
		db.SQL().ExecContext(ctx, db.Rebind(`UPDATE audit SET doc = ? WHERE seq = 11`), doc)
		must(t)(s.CreateDraft(ctx, staff, in))
		if l = view(); l.Broken != nil || l.Checked != 12 {
			t.Fatalf("restored: %+v", l)
		}
		if _, err := db.SQL().ExecContext(ctx, `DELETE FROM audit WHERE seq = 12`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind(`UPDATE audit_head SET seq = 11, hash = ? WHERE id = 1`), strings.Repeat("0", 64)); err != nil {
			t.Fatal(err)
		}
		if l = view(); l.Broken == nil || l.Walked != 11 {
			t.Fatalf("a cut and forged head: walked %d, %v", l.Walked, l.Broken)
		}
	})
}
