package sqldb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// Many records written and read at once, past one statement's rows: each
// read back as written, a missing id absent; a new record whose id is
// taken fails the lot and leaves nothing written.
func TestRecordsInAndPutNewRecords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		var recs []*sqldb.Record
		var ids []string
		for i := range 701 {
			id := fmt.Sprintf("r%04d", i)
			recs = append(recs, &sqldb.Record{Kind: "probe", ID: id, Subject: "s", Doc: json.RawMessage(fmt.Sprintf(`{"n":%d}`, i))})
			ids = append(ids, id)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.PutNewRecords(recs) }); err != nil {
			t.Fatal(err)
		}
		if recs[700].Version != 1 {
			t.Fatalf("version %d after the insert", recs[700].Version)
		}
		err := db.Read(ctx, func(tx *sqldb.Tx) error {
			got, err := tx.RecordsIn("probe", append(ids, "missing"), false)
			if err != nil {
				return err
			}
			if len(got) != 701 || got["missing"] != nil || string(got["r0512"].Doc) != `{"n":512}` || got["r0512"].Version != 1 || got["r0512"].Subject != "s" {
				t.Fatalf("read back %d records: %+v", len(got), got["r0512"])
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		again := []*sqldb.Record{{Kind: "probe", ID: "new", Doc: json.RawMessage(`{}`)}, {Kind: "probe", ID: "r0003", Doc: json.RawMessage(`{}`)}}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.PutNewRecords(again) }); err == nil {
			t.Fatal("a taken id was written again")
		}
		db.Read(ctx, func(tx *sqldb.Tx) error {
			if got, _ := tx.RecordsIn("probe", []string{"new"}, false); len(got) != 0 {
				t.Fatal("the failed write left a record")
			}
			return nil
		})
	})
}
