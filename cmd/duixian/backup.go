package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/etown/duixian"
	"github.com/etown/duixian/audit"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
)

// pgDumpHelp is what backup says of a PostgreSQL store: its own tools do
// it better (docs/deploy.md has the restore).
const pgDumpHelp = `PostgreSQL 的备份用 pg_dump（在线、一致的快照），恢复用 pg_restore，再以 duixian audit verify 校验：
PostgreSQL is backed up with pg_dump (online, one consistent snapshot), restored with pg_restore, then checked with duixian audit verify:
  pg_dump --format=custom --file=duixian.dump 'postgres://…'
  createdb duixian_restored && pg_restore --no-owner --dbname='postgres://…/duixian_restored' duixian.dump
  duixian audit verify --db 'postgres://…/duixian_restored'
(docs/deploy.md)`

// runBackup copies an SQLite store to a new file while the server may be
// running, checks the copy (SQLite's integrity check and the audit chain
// to its head) and only then gives it its name: a failed backup leaves no
// file that looks like one.
func runBackup(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("backup", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file (PostgreSQL: use pg_dump)")
	outPath := fl.String("out", "", "the backup file to write; must not exist")
	if err := fl.Parse(args); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	if isPostgres(*dbPath) {
		return duixian.Errorf(duixian.EINVALID, "db", "duixian backup 只备份 SQLite 数据库。%s", "duixian backup backs up SQLite stores only. %s", pgDumpHelp)
	}
	if *outPath == "" {
		return duixian.Errorf(duixian.EINVALID, "out", "须用 --out 指定备份文件", "--out names the backup file")
	}
	if _, err := os.Stat(*outPath); !errors.Is(err, fs.ErrNotExist) {
		return duixian.Errorf(duixian.EINVALID, "out", "%s 已存在，备份不覆盖任何文件", "%s exists; a backup never overwrites a file", *outPath)
	}
	if _, err := os.Stat(*dbPath); err != nil {
		return duixian.Errorf(duixian.EINVALID, "db", "找不到数据库文件 %s", "no database file %s", *dbPath)
	}
	ctx := context.Background()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// VACUUM INTO writes into an empty file: made here, beside the
	// target, so that the rename below stays on one file system.
	tmp, err := os.CreateTemp(filepath.Dir(*outPath), filepath.Base(*outPath)+".partial-*")
	if err != nil {
		return err
	}
	tmp.Close()
	done := false
	defer func() {
		if !done {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(tmp.Name() + suffix)
			}
		}
	}()
	if err := sqlite.Backup(ctx, db, tmp.Name()); err != nil {
		return err
	}
	apps, entries, err := checkCopy(ctx, tmp.Name())
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), *outPath); err != nil {
		return err
	}
	done = true
	if dir, err := os.Open(filepath.Dir(*outPath)); err == nil {
		dir.Sync() // the new name, on disk
		dir.Close()
	}
	fmt.Fprintf(out, "备份完成 / backup written: %s（%d 件申报 applications，审计日志 %d 条已校验 audit entries verified）\n", *outPath, apps, entries)
	return nil
}

// checkCopy opens the copy as a restore would and checks it: SQLite's
// integrity check and the audit chain to its stored head. A copy that
// fails is a check failed (exit 1).
func checkCopy(ctx context.Context, path string) (apps int, entries int64, err error) {
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if err := sqlite.IntegrityCheck(ctx, db); err != nil {
		return 0, 0, &checkFailed{fmt.Sprintf("备份副本损坏 / the copy is damaged: %v", err)}
	}
	entries, err = db.VerifyAudit(ctx)
	var b *audit.Break
	if errors.As(err, &b) {
		return 0, 0, &checkFailed{fmt.Sprintf("备份副本的审计日志链断裂 / the copy's audit chain is broken: %v", b)}
	}
	if err != nil {
		return 0, 0, err
	}
	err = db.Read(ctx, func(tx *sqldb.Tx) error {
		apps, err = tx.ApplicationCount()
		return err
	})
	return apps, entries, err
}
