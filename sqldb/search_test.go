package sqldb_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// The officials' lists search by application id, USCC, enterprise name or
// project, filter by year, and read oldest first a page at a time
// (issue 14.4), the same on both stores.
func TestApplicationsSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		at := time.Date(2026, 3, 4, 10, 0, 0, 0, duixian.Shanghai)
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			for _, e := range []*duixian.Enterprise{{USCC: "91110302MA01AAAA11", Name: "亦城书房文化传播有限公司"}, {USCC: "91110302MA01BBBB22", Name: "星河科技（北京）有限公司"}} {
				if err := tx.PutEnterprise(e); err != nil {
					return err
				}
			}
			for i, a := range []*duixian.Application{
				{ID: "A1", Enterprise: "91110302MA01AAAA11", Year: 2025, Project: "阅读空间改造"},
				{ID: "A2", Enterprise: "91110302MA01BBBB22", Year: 2026, Project: "100%_达标"},
				{ID: "A3", Enterprise: "91110302MA01AAAA11", Year: 2026},
				{ID: "B4", Enterprise: "91110302MA01BBBB22", Year: 2026},
			} {
				a.Clause, a.Status, a.EventDate = "c", duixian.StatusSubmitted, duixian.DateOf(at)
				a.Updated = at.Add(time.Duration(i) * time.Minute)
				if err := tx.PutApplication(a); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		list := func(f sqldb.ApplicationFilter) []string {
			t.Helper()
			var ids []string
			if err := db.Read(ctx, func(tx *sqldb.Tx) error {
				l, err := tx.Applications(f)
				for _, a := range l {
					ids = append(ids, a.ID)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ids
		}
		for _, c := range []struct {
			f    sqldb.ApplicationFilter
			want []string
		}{
			{sqldb.ApplicationFilter{Search: "书房"}, []string{"A3", "A1"}},                     // the enterprise's name
			{sqldb.ApplicationFilter{Search: "91110302MA01BBBB"}, []string{"B4", "A2"}},       // a USCC's beginning
			{sqldb.ApplicationFilter{Search: "b4"}, []string{"B4"}},                           // an id, in any case
			{sqldb.ApplicationFilter{Search: "改造"}, []string{"A1"}},                           // the project
			{sqldb.ApplicationFilter{Search: "%_"}, []string{"A2"}},                           // LIKE's wildcards match only themselves
			{sqldb.ApplicationFilter{Search: "有限公司", Year: 2026}, []string{"B4", "A3", "A2"}}, // and the year
			{sqldb.ApplicationFilter{Oldest: true}, []string{"A1", "A2", "A3", "B4"}},
			{sqldb.ApplicationFilter{Search: "没有这家"}, nil},
		} {
			if got := list(c.f); !slices.Equal(got, c.want) {
				t.Errorf("%+v lists %v, want %v", c.f, got, c.want)
			}
		}
		// The registry's list: a USCC's beginning or a part of a name.
		found := func(search, after string) (ids []string) {
			t.Helper()
			if err := db.Read(ctx, func(tx *sqldb.Tx) error {
				docs, err := tx.EnterprisesFound(search, after, 10)
				for _, d := range docs {
					ids = append(ids, d.USCC)
				}
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ids
		}
		if got := found("星河", ""); !slices.Equal(got, []string{"91110302MA01BBBB22"}) {
			t.Errorf("a name's part finds %v", got)
		}
		if got := found("91110302ma01", ""); !slices.Equal(got, []string{"91110302MA01AAAA11", "91110302MA01BBBB22"}) {
			t.Errorf("a USCC's beginning finds %v", got)
		}
		if got := found("", "91110302MA01AAAA11"); !slices.Equal(got, []string{"91110302MA01BBBB22"}) {
			t.Errorf("after the first the registry reads %v", got)
		}
		if got := found("_", ""); len(got) != 0 {
			t.Errorf("a wildcard finds %v", got)
		}
		// Oldest first, a page of two at a time: the cursor goes on forward.
		first := list(sqldb.ApplicationFilter{Oldest: true, Limit: 2})
		var last *duixian.Application
		db.Read(ctx, func(tx *sqldb.Tx) error { var err error; last, err = tx.Application(first[1], false); return err })
		if got := list(sqldb.ApplicationFilter{Oldest: true, Limit: 2, After: sqldb.Cursor(last)}); !slices.Equal(got, []string{"A3", "B4"}) {
			t.Errorf("the second page oldest first is %v", got)
		}
	})
}
