package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
)

func TestAuditVerifyCommand(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "d.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		e := duixian.AuditEntry{At: "2026-03-02T09:00:00+08:00", Actor: duixian.Actor{User: "culture", Role: duixian.RoleReviewer},
			Action: "return", Subject: fmt.Sprintf("A%d", i)}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error { return tx.Audit(e) }); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	code, out, errs := runCmd(t, "", "audit", "verify", "--db", path)
	if code != 0 || !strings.Contains(out, "audit chain intact: 3") {
		t.Fatalf("intact: exit %d\n%s%s", code, out, errs)
	}

	db, _ = sqlite.Open(ctx, path)
	db.SQL().ExecContext(ctx, `UPDATE audit SET subject = 'A0' WHERE seq = 2`)
	db.Close()
	code, _, errs = runCmd(t, "", "audit", "verify", "--db", path)
	if code != 1 || !strings.Contains(errs, "第 2 条") || !strings.Contains(errs, "entry 2") || !strings.Contains(errs, "subject column") ||
		!strings.Contains(errs, "1 entries before it verified") {
		t.Fatalf("subject edited: exit %d\n%s", code, errs)
	}

	db, _ = sqlite.Open(ctx, path)
	db.SQL().ExecContext(ctx, `UPDATE audit SET subject = 'A1' WHERE seq = 2`)
	db.SQL().ExecContext(ctx, `DELETE FROM audit WHERE seq = 3`)
	db.Close()
	code, _, errs = runCmd(t, "", "audit", "verify", "--db", path)
	if code != 1 || !strings.Contains(errs, "第 3 条") || !strings.Contains(errs, "entry 3") || !strings.Contains(errs, "the last entries were deleted") {
		t.Fatalf("last entry deleted: exit %d\n%s", code, errs)
	}
}
