package sqldb_test

import (
	"context"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// UsersIn reads the users named, skipping a name no user has, in one
// statement on either store.
func TestUsersIn(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			for _, u := range []duixian.User{{Name: "tech", Display: "王工"}, {Name: "culture", Display: "李明"}, {Name: "other", Display: "赵六"}} {
				if err := tx.PutUser(&u); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		var got []duixian.User
		if err := db.Read(ctx, func(tx *sqldb.Tx) (err error) {
			got, err = tx.UsersIn([]string{"tech", "nobody", "culture"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Name != "culture" || got[0].Display != "李明" || got[1].Name != "tech" || got[1].Display != "王工" {
			t.Errorf("UsersIn: %+v", got)
		}
	})
}
