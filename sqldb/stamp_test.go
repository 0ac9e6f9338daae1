package sqldb_test

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// Lists are ordered by the time an application last changed. Before
// migration 5 the column held each writer's RFC 3339 ("…10:00:00+08:00"
// beside "…03:00:00Z", fractions of varying width), whose text order is
// not time order; the migration rewrites the rows in one form, and new
// writes keep it whatever the zone of the time given.
func TestUpdatedOrdersByTime(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			// Oldest to newest, written as the old code wrote them.
			old := []struct{ id, updated string }{
				{"A1", "2026-05-06T09:59:59.999+08:00"}, // 01:59:59.999Z
				{"A2", "2026-05-06T02:00:00Z"},
				{"A3", "2026-05-06T10:00:00.5+08:00"}, // 02:00:00.5Z: after A2, though "…00.5" sorts before "…00Z"
				{"A4", "2026-05-06T03:00:00Z"},        // after A3, though "T03" sorts before "T10"
				{"A5", "2026-05-06T11:30:00+08:00"},
			}
			db := openOldAt(t, store, 4, func(raw *sql.DB, d sqldb.Dialect) {
				for _, o := range old {
					doc := `{"id":"` + o.id + `","enterprise":"E","clause":"c","status":"submitted","version":1}`
					q := `INSERT INTO applications (id, enterprise, clause, year, status, doc, version, updated) VALUES (?, 'E', 'c', 2026, 'submitted', ?, 1, ?)`
					if d == sqldb.Postgres {
						q = `INSERT INTO applications (id, enterprise, clause, year, status, doc, version, updated) VALUES ($1, 'E', 'c', 2026, 'submitted', $2, 1, $3)`
					}
					if _, err := raw.ExecContext(ctx, q, o.id, doc, o.updated); err != nil {
						t.Fatal(err)
					}
				}
			})
			order := func() []string {
				t.Helper()
				var ids []string
				if err := db.Read(ctx, func(tx *sqldb.Tx) error {
					list, err := tx.Applications(sqldb.ApplicationFilter{})
					for _, a := range list {
						ids = append(ids, a.ID)
					}
					return err
				}); err != nil {
					t.Fatal(err)
				}
				return ids
			}
			if got, want := order(), []string{"A5", "A4", "A3", "A2", "A1"}; !slices.Equal(got, want) {
				t.Fatalf("after the migration the list reads %v, want %v", got, want)
			}
			var stamp string
			db.SQL().QueryRowContext(ctx, db.Rebind(`SELECT updated FROM applications WHERE id = ?`), "A3").Scan(&stamp)
			if stamp != "2026-05-06T02:00:00.500000000Z" {
				t.Fatalf("A3's time is stored as %q", stamp)
			}
			// New writes, one in Shanghai's zone and one in UTC, each a
			// little after the last: the order is the times'.
			base, _ := time.Parse(time.RFC3339, "2026-05-06T03:30:00Z")
			put := func(id string, at time.Time) {
				t.Helper()
				if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
					return tx.PutApplication(&duixian.Application{ID: id, Enterprise: "E", Clause: "c", Year: 2026, EventDate: duixian.DateOf(at), Status: duixian.StatusSubmitted, Updated: at})
				}); err != nil {
					t.Fatal(err)
				}
			}
			put("B1", base.In(duixian.Shanghai))                                  // 11:30+08:00, the same instant as A5
			put("B2", base.Add(time.Millisecond).UTC())                           // 03:30:00.001Z
			put("B3", base.Add(time.Second+time.Nanosecond).In(duixian.Shanghai)) // 11:30:01.000000001+08:00
			if got, want := order(), []string{"B3", "B2", "A5", "B1", "A4", "A3", "A2", "A1"}; !slices.Equal(got, want) {
				t.Fatalf("with new writes the list reads %v, want %v", got, want)
			}
		})
	}
}

// The experts' and co-reviewing departments' lists select on the parties
// column; migration 6 fills it for the applications stored before, and
// every write keeps it.
func TestPartiesSelect(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			db := openOldAt(t, store, 5, func(raw *sql.DB, d sqldb.Dialect) {
				doc := `{"id":"A1","enterprise":"E","clause":"c","year":2026,"event_date":"2026-03-01","status":"submitted",
"opinions":[{"department":"营商_环境%局","requested":"2026-03-02T10:00:00+08:00","given":"2026-03-03T10:00:00+08:00","agree":true}],"version":1}`
				q := `INSERT INTO applications (id, enterprise, clause, year, status, doc, version, updated) VALUES ('A1', 'E', 'c', 2026, 'submitted', ?, 1, '2026-03-02T02:00:00.000000000Z')`
				if d == sqldb.Postgres {
					q = strings.Replace(q, "?", "$1", 1)
				}
				if _, err := raw.ExecContext(ctx, q, doc); err != nil {
					t.Fatal(err)
				}
			})
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
			if got := list(sqldb.ApplicationFilter{Consulted: "营商_环境%局"}); !slices.Equal(got, []string{"A1"}) {
				t.Fatalf("consulted after the migration: %v", got)
			}
			if got := list(sqldb.ApplicationFilter{Answered: "营商_环境%局"}); !slices.Equal(got, []string{"A1"}) {
				t.Fatalf("answered after the migration: %v", got)
			}
			// LIKE's wildcards in a name match only themselves.
			if got := list(sqldb.ApplicationFilter{Consulted: "营商a环境b局"}); len(got) != 0 {
				t.Fatalf("a wildcard matched: %v", got)
			}
			put := func(a *duixian.Application) {
				t.Helper()
				if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.PutApplication(a) }); err != nil {
					t.Fatal(err)
				}
			}
			at := time.Date(2026, 3, 4, 10, 0, 0, 0, duixian.Shanghai)
			b := &duixian.Application{ID: "B1", Enterprise: "E", Clause: "c", Year: 2026, EventDate: duixian.DateOf(at), Status: duixian.StatusReviewed, Updated: at,
				Experts: []string{"zhang"}}
			put(b)
			if got := list(sqldb.ApplicationFilter{Expert: "zhang"}); !slices.Equal(got, []string{"B1"}) {
				t.Fatalf("zhang's cases: %v", got)
			}
			b.Experts = []string{"qian"}
			put(b)
			if got := list(sqldb.ApplicationFilter{Expert: "zhang"}); len(got) != 0 {
				t.Fatalf("zhang's cases after reassigning: %v", got)
			}
			if got := list(sqldb.ApplicationFilter{Expert: "qian", Status: duixian.StatusReviewed}); !slices.Equal(got, []string{"B1"}) {
				t.Fatalf("qian's cases: %v", got)
			}
		})
	}
}
