package sqldb_test

import (
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// A registry load adds enterprises and their audit entries a batch at a
// time; the chain it writes must verify like one written entry by entry,
// and an enterprise on file, or given twice, is inserted once.
func TestBulkLoadKeepsTheChainAndSkipsThoseOnFile(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ents := registry.Generate(1203, 11) // more than one statement's rows
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			e := ents[7]
			return tx.PutEnterprise(&e)
		}); err != nil {
			t.Fatal(err)
		}
		in := append(append([]duixian.Enterprise{}, ents...), ents[3])
		var added []duixian.Enterprise
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			var err error
			added, err = tx.AddEnterprises(in)
			if err != nil {
				return err
			}
			entries := make([]duixian.AuditEntry, len(added))
			for i, e := range added {
				entries[i] = duixian.AuditEntry{At: "2026-12-03T16:00:00+08:00", Actor: registry.DemoActor, Action: "register-enterprise", Subject: e.USCC, After: e.Name}
			}
			return tx.AuditAll(entries)
		}); err != nil {
			t.Fatal(err)
		}
		if len(added) != len(ents)-1 {
			t.Fatalf("added %d, want %d (all but the one on file, the repeated one once)", len(added), len(ents)-1)
		}
		for i, j := 0, 0; i < len(ents); i++ {
			if i == 7 {
				continue
			}
			if added[j].USCC != ents[i].USCC || added[j].Version != 1 {
				t.Fatalf("added[%d] = %s v%d, want %s v1 in the order given", j, added[j].USCC, added[j].Version, ents[i].USCC)
			}
			j++
		}
		n, err := db.VerifyAudit(ctx)
		if err != nil {
			t.Fatalf("chain after a bulk append: %v", err)
		}
		if n != int64(len(added)) {
			t.Errorf("verified %d entries, want %d", n, len(added))
		}
		var kept duixian.Enterprise
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			e, err := tx.Enterprise(ents[7].USCC, false)
			if e != nil {
				kept = *e
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if kept.Version != 1 || kept.Name != ents[7].Name {
			t.Errorf("the enterprise on file was touched: %+v", kept)
		}
	})
}
