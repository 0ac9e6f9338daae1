package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/etown/duixian"
)

// runAudit verifies the audit chain and names the first broken link.
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
	if err != nil {
		return &checkFailed{fmt.Sprintf("审计日志链在第 %d 条断开 / %v", n, err)}
	}
	fmt.Fprintf(out, "审计日志链完整 / audit chain intact: %d 条 entries (SM3)\n", n)
	return nil
}
