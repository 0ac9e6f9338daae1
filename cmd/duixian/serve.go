package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/demo"
	duixianhttp "github.com/etown/duixian/http"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
)

// openDB opens the store: a PostgreSQL DSN, or else an SQLite file path.
func openDB(ctx context.Context, db string) (*sqldb.DB, error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

func runServe(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	addr := fl.String("addr", "127.0.0.1:8080", "listen address")
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	withDemo := fl.Bool("demo", false, "fill an empty database with demo enterprises, users and applications")
	dir := fl.String("catalogue", "", "catalogue directory")
	if err := fl.Parse(args); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := workflow.New(db, cat, calendar.Default())
	if *withDemo {
		creds, err := demo.Seed(ctx, svc)
		if err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
		if len(creds) > 0 {
			fmt.Fprintf(out, "演示账号（密码均为 %s）/ demo users (password %s):\n", demo.Password, demo.Password)
			for _, c := range creds {
				fmt.Fprintf(out, "  %-16s %-12s %s\n", c.User, c.Role, c.Display)
			}
		}
	}
	srv, err := duixianhttp.New(svc)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "duixian 政策兑现平台: http://%s/ (数据库 %s)\n", *addr, *dbPath)
	return srv.ListenAndServe(ctx, *addr)
}
