package sqldb_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// Users are listed a page at a time, by name, and counted; a user's
// sessions are ended together, all but the one kept, and no one else's.
func TestUserPagesAndSessionsOf(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			for i := range 7 {
				if err := tx.PutUser(&duixian.User{Name: fmt.Sprintf("u%d", 6-i), Role: duixian.RoleExpert}); err != nil {
					return err
				}
			}
			for _, s := range []duixian.Session{{TokenHash: "a1", User: "u1"}, {TokenHash: "a2", User: "u1"}, {TokenHash: "a3", User: "u1"}, {TokenHash: "b1", User: "u2"}, {TokenHash: "anon"}} {
				if err := tx.PutSession(&s); err != nil {
					return err
				}
			}
			// Written again (a session noted in use) it keeps its owner.
			return tx.PutSession(&duixian.Session{TokenHash: "a2", User: "u1", CSRF: "x"})
		})
		if err != nil {
			t.Fatal(err)
		}
		var n, ended int
		var page []duixian.User
		err = db.Tx(ctx, func(tx *sqldb.Tx) (err error) {
			if n, err = tx.UserCount(); err != nil {
				return err
			}
			if page, err = tx.UserPage(3, 3); err != nil {
				return err
			}
			ended, err = tx.DeleteSessionsOf("u1", "a2")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, u := range page {
			names = append(names, u.Name)
		}
		if n != 7 || !slices.Equal(names, []string{"u3", "u4", "u5"}) {
			t.Fatalf("count %d, page 2 of 3: %v", n, names)
		}
		if ended != 2 {
			t.Fatalf("ended %d sessions of u1, want 2", ended)
		}
		err = db.Read(ctx, func(tx *sqldb.Tx) error {
			for hash, want := range map[string]bool{"a1": false, "a2": true, "a3": false, "b1": true, "anon": true} {
				_, err := tx.Session(hash)
				if found := err == nil; found != want {
					return fmt.Errorf("session %s found %v, want %v (%v)", hash, found, want, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}
