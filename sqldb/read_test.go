package sqldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

func userCount(ctx context.Context, t *testing.T, db *sqldb.DB) int {
	t.Helper()
	var n int
	if err := db.Read(ctx, func(tx *sqldb.Tx) error {
		users, err := tx.Users()
		n = len(users)
		return err
	}); err != nil {
		t.Fatalf("read: %v", err)
	}
	return n
}

// A read runs while a write transaction is open (on SQLite the writer's
// one connection is taken, so a read that needed it would never return),
// sees what was committed before it and not the open write, and sees the
// write once it is committed. The deadline turns a regression into a
// failure instead of a hang.
func TestReadBesideWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		put := func(name string) {
			if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.PutUser(&duixian.User{Name: name}) }); err != nil {
				t.Fatal(err)
			}
		}
		put("a")
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := tx.PutUser(&duixian.User{Name: "b"}); err != nil {
				return err
			}
			if n := userCount(ctx, t, db); n != 1 {
				t.Errorf("a read during the write saw %d users, want the 1 committed", n)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := userCount(ctx, t, db); n != 2 {
			t.Errorf("a read after the commit saw %d users, want 2", n)
		}
		// The lock argument of a reader is ignored in a read (PostgreSQL
		// refuses FOR UPDATE in a read-only transaction).
		if err := db.Read(ctx, func(tx *sqldb.Tx) error {
			_, err := tx.User("a")
			return err
		}); err != nil {
			t.Fatalf("reading a user (a locking read) in Read: %v", err)
		}
	})
}

// Read is read-only: a write in it fails and leaves nothing.
func TestReadRefusesWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		err := db.Read(ctx, func(tx *sqldb.Tx) error { return tx.PutUser(&duixian.User{Name: "x"}) })
		if err == nil {
			t.Fatal("a write in Read succeeded")
		}
		if n := userCount(ctx, t, db); n != 0 {
			t.Fatalf("a write refused in Read left %d users", n)
		}
	})
}
