package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
)

// The data commands:
//
//	duixian import [--db PATH] [--format csv|xlsx] FILE.csv|FILE.xlsx
//	duixian export publicity|disbursement|statistics [--db PATH] --out FILE.xlsx
//	duixian demo-data [--enterprises N] [--seed S] [--db PATH]
//
// docs/import.md describes the import layout for officials.

const dataUsage = `用法 / usage:
  duixian import [--db duixian.db|postgres://…] [--format csv|xlsx] FILE.csv|FILE.xlsx
                                            导入企业数据（一企一档），见 docs/import.md / import enterprise data
  duixian export publicity|disbursement|statistics [--db …] --out FILE.xlsx
                                            导出公示名单、拨付表或统计表 / export the publicity list, disbursement sheet or statistics
  duixian demo-data [--enterprises 1000] [--seed 1] [--db …]
                                            生成演示用企业 / write a synthetic population for demos and benchmarks`

// usageError is bad command-line input, with the usage after it once.
func usageError(field, zh, en string) error {
	return &duixian.Error{Code: duixian.EINVALID, Field: field, Zh: zh, En: en + "\n" + dataUsage}
}

func badFlags(err error) error {
	return usageError("flags", fmt.Sprintf("参数错误：%v", err), fmt.Sprintf("bad flags: %v", err))
}

// runImport imports a CSV or XLSX file of enterprises. A file with errors
// imports nothing: every error is listed on stderr, by row and column, and
// the exit code is 2.
func runImport(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("import", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	format := fl.String("format", "", "csv or xlsx (default: from the file name)")
	dir := fl.String("catalogue", "", "catalogue directory")
	files, err := parseInterspersed(fl, args)
	if err != nil {
		return badFlags(err)
	}
	if len(files) != 1 {
		return usageError("file", "请给出一个要导入的文件", "give one file to import")
	}
	path := files[0]
	if *format == "" {
		*format = strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return duixian.Errorf(duixian.EINVALID, "file", "无法打开 %s：%v", "cannot open %s: %v", path, err)
	}
	defer f.Close()
	ctx := context.Background()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := registry.ImportAs(ctx, db, cat, f, *format, cliActor())
	if len(rep.Errors) > 0 {
		fmt.Fprintf(stderr, "%s：未导入任何数据 / %s: nothing was imported\n", path, path)
		for _, e := range rep.Errors {
			fmt.Fprintln(stderr, "  "+e.Error())
		}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "导入完成 / imported %s (%s)\n", path, rep.Format)
	fmt.Fprintf(stdout, "  企业行 rows       %d\n", rep.Rows)
	fmt.Fprintf(stdout, "  新增 created      %d\n", rep.Created)
	fmt.Fprintf(stdout, "  更新 updated      %d\n", rep.Updated)
	fmt.Fprintf(stdout, "  未变 unchanged    %d\n", rep.Unchanged)
	if len(rep.Columns) > 0 {
		fmt.Fprintf(stdout, "  事实列 fact columns: %s\n", strings.Join(rep.Columns, ", "))
	}
	if rep.Created+rep.Updated == 0 {
		return nil
	}
	// New registry facts can end a 群雁 membership (26号附则3): the
	// dynamic exit follows the data, not the next scheduled run.
	sum, err := qunyan.New(db, cat).RecheckAll(ctx)
	if err != nil {
		return err
	}
	return printRecheck(stdout, sum)
}

// cliActor is who a command-line import is recorded as: the operating
// system user who ran it.
func cliActor() duixian.Actor {
	name := "cli"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = "cli:" + u.Username
	}
	return duixian.Actor{User: name, Role: duixian.RoleAdmin}
}

// runExport writes one of the XLSX lists officials print.
func runExport(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("export", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	out := fl.String("out", "", "the XLSX file to write")
	dir := fl.String("catalogue", "", "catalogue directory")
	what, err := parseInterspersed(fl, args)
	if err != nil {
		return badFlags(err)
	}
	exports := map[string]func(context.Context, *sqldb.DB, *engine.Catalogue, io.Writer) error{
		"publicity":    registry.ExportPublicity,
		"disbursement": registry.ExportDisbursement,
		"statistics": func(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, w io.Writer) error {
			return registry.ExportStatistics(ctx, reports.New(db, cat), w)
		},
	}
	if len(what) != 1 || exports[what[0]] == nil {
		return usageError("export", "请指明导出 publicity（公示名单）、disbursement（拨付表）或 statistics（统计表）",
			"say which export: publicity, disbursement or statistics")
	}
	if *out == "" {
		return duixian.Errorf(duixian.EINVALID, "--out", "请用 --out 指定要写入的 XLSX 文件", "give the XLSX file to write with --out")
	}
	ctx := context.Background()
	cat, db, err := openCatalogued(ctx, *dir, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := writeFileAtomic(*out, func(w io.Writer) error { return exports[what[0]](ctx, db, cat, w) }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "已导出 / exported %s: %s\n", what[0], *out)
	return nil
}

// writeFileAtomic writes path through a file beside it renamed at the end,
// so a failed export never leaves half a file where the last good one was.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".duixian-export-*"+filepath.Ext(path))
	if err != nil {
		return duixian.Errorf(duixian.EINVALID, "--out", "无法写入 %s：%v", "cannot write %s: %v", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// runDemoData writes a synthetic population (registry.Generate) for demos
// and benchmarks; enterprises already on file are left as they are.
func runDemoData(args []string, stdout io.Writer) error {
	fl := flag.NewFlagSet("demo-data", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	n := fl.Int("enterprises", 1000, "how many enterprises")
	seed := fl.Int64("seed", 1, "the seed: the same seed gives the same enterprises")
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	batch := fl.Int("batch", 10000, "enterprises per transaction on a registry with enterprises (an empty one is loaded in one)")
	dir := fl.String("catalogue", "", "catalogue directory")
	if rest, err := parseInterspersed(fl, args); err != nil || len(rest) > 0 {
		if err == nil {
			err = fmt.Errorf("unexpected %q", rest[0])
		}
		return badFlags(err)
	}
	if *n < 1 {
		return duixian.Errorf(duixian.EINVALID, "--enterprises", "企业数应为正整数", "--enterprises must be positive")
	}
	if *batch < 1 {
		return duixian.Errorf(duixian.EINVALID, "--batch", "每批企业数应为正整数", "--batch must be positive")
	}
	ctx := context.Background()
	cat, db, err := openCatalogued(ctx, *dir, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	// The population is drawn and checked on one core while the batch
	// before is written on the other; besides the names and codes drawn
	// (which must not repeat) nothing holds more than a few batches.
	batches := make(chan []duixian.Enterprise, 2)
	drawn := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(batches)
		g := registry.NewGenerator(*seed)
		for left := *n; left > 0; left -= *batch {
			part := make([]duixian.Enterprise, min(*batch, left))
			for i := range part {
				var err error
				part[i], err = g.NextFor(cat)
				if err != nil {
					drawn <- duixian.Errorf(duixian.EINVALID, "catalogue", "生成的企业 %s 的事实不符合当前目录：%v", "generated enterprise %s does not fit this catalogue: %v", part[i].USCC, err)
					return
				}
			}
			select {
			case batches <- part:
			case <-stop:
				return
			}
		}
		drawn <- nil
	}()
	empty, err := db.RegistryEmpty(ctx)
	if err != nil {
		return err
	}
	written, total := 0, 0
	if empty {
		// A registry of a million is loaded in minutes one batch a
		// transaction, in one made for it in seconds (sqldb.DB.Load); one
		// transaction holds the store for the whole load, which an empty
		// registry can afford.
		written, total, err = registry.Load(ctx, db, batches)
		if err != nil {
			return err
		}
	} else {
		for part := range batches {
			k, err := registry.Write(ctx, db, part, len(part))
			if err != nil {
				return err
			}
			written, total = written+k, total+len(part)
		}
	}
	if err := <-drawn; err != nil {
		return err
	}
	fmt.Fprintf(stdout, "演示企业 / demo enterprises (seed %d): 新增 written %d，已有 already on file %d\n", *seed, written, total-written)
	return nil
}
