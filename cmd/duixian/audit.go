package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/etown/duixian"
	"github.com/etown/duixian/audit"
)

// runAudit verifies the audit chain, its end against the stored head
// included, and names the first broken entry.
func runAudit(args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return duixian.Errorf(duixian.EINVALID, "audit", "用法：audit verify [--db …]", "usage: audit verify [--db …]")
	}
	fl := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://…")
	if err := fl.Parse(args[1:]); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	ctx := context.Background()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.VerifyAudit(ctx)
	var b *audit.Break
	if errors.As(err, &b) {
		return &checkFailed{fmt.Sprintf("%v\n此前 %d 条完好 / %d entries before it verified", b, n, n)}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "审计日志链完整 / audit chain intact: %d 条 entries (SM3)，末条与链头一致 / the last matches the head\n", n)
	return nil
}
