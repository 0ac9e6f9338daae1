package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/demo"
	duixianhttp "github.com/etown/duixian/http"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/reports"
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
	go keepDashboardWarm(ctx, srv.Dashboards, svc.Now)
	return srv.ListenAndServe(ctx, *addr)
}

// keepDashboardWarm computes the whole district's dashboard at start and
// just after each midnight in Shanghai: the first view of a process or of a
// day reads every application's summary and matches the registry again
// (about a second at 10,000 of each, docs/performance.md), which no
// official should wait for. The other scopes share that work.
func keepDashboardWarm(ctx context.Context, d duixianhttp.DashboardService, now func() time.Time) {
	for {
		if _, err := d.Dashboard(ctx, reports.Scope{Kind: reports.All}); err != nil && ctx.Err() == nil {
			log.Printf("dashboard warm-up: %v", err)
		}
		t := now().In(duixian.Shanghai)
		next := time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 30, 0, duixian.Shanghai)
		select {
		case <-ctx.Done():
			return
		case <-time.After(next.Sub(t)):
		}
	}
}
