package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/demo"
	duixianhttp "github.com/etown/duixian/http"
	"github.com/etown/duixian/jobs"
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, addr, closeDB, err := newServer(ctx, args, out)
	if err != nil {
		return err
	}
	defer closeDB()
	go keepDashboardWarm(ctx, srv.Dashboards, srv.Now)
	return srv.ListenAndServe(ctx, addr)
}

// newServer builds what serve serves, from its flags: the store (demo data
// in it with --demo), the services and their settings. closeDB closes the
// store.
func newServer(ctx context.Context, args []string, out io.Writer) (srv *duixianhttp.Server, addr string, closeDB func(), err error) {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	listen := fl.String("addr", "127.0.0.1:8080", "listen address")
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	withDemo := fl.Bool("demo", false, "fill an empty database with demo enterprises, users and applications")
	dir := fl.String("catalogue", "", "catalogue directory")
	maxAge := fl.Duration("session-max-age", account.MaxAge, "a session's absolute lifetime")
	registryActivates := fl.Bool("registry-activates", true, "an enterprise registration matching the registry (USCC and name) is active at once")
	secondFactor := fl.String("second-factor", "admin", "roles that must have a second factor, comma-separated, or none (default admin; none with --demo)")
	jf := addJobFlags(fl)
	if err := fl.Parse(args); err != nil {
		return nil, "", nil, duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	if _, err := jf.options(); err != nil {
		return nil, "", nil, err
	}
	given := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if *withDemo && !given["second-factor"] {
		*secondFactor = "none" // the demo users sign in with the printed password alone
	}
	roles, err := parseRoles("second-factor", *secondFactor)
	if err != nil {
		return nil, "", nil, err
	}
	if *maxAge <= 0 {
		return nil, "", nil, usageError("session-max-age", "会话最长时限须大于0", "--session-max-age must be positive")
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return nil, "", nil, err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return nil, "", nil, err
	}
	closeDB = func() { db.Close() }
	svc := workflow.New(db, cat, calendar.Default())
	if *withDemo {
		creds, err := demo.Seed(ctx, svc)
		if err != nil {
			closeDB()
			return nil, "", nil, fmt.Errorf("demo data: %w", err)
		}
		if len(creds) > 0 {
			fmt.Fprintf(out, "演示账号（密码均为 %s）/ demo users (password %s):\n", demo.Password, demo.Password)
			for _, c := range creds {
				fmt.Fprintf(out, "  %-16s %-12s %s\n", c.User, c.Role, c.Display)
			}
		}
	}
	if srv, err = duixianhttp.New(svc); err != nil {
		closeDB()
		return nil, "", nil, err
	}
	srv.Account.MaxAge, srv.Account.SecondFactorRoles, srv.Account.RegistryActivates = *maxAge, roles, *registryActivates
	// The job queue: this process works it unless --workers 0; it stops
	// before the store closes.
	_, stopJobs, err := startJobs(ctx, db, *dbPath, jobs.Services{Matching: srv.Offers, Qunyan: srv.Qunyan}, jf)
	if err != nil {
		closeDB()
		return nil, "", nil, err
	}
	closeDB = func() { stopJobs(); db.Close() }
	fmt.Fprintf(out, "duixian 政策兑现平台: http://%s/ (数据库 %s)\n", *listen, *dbPath)
	return srv, *listen, closeDB, nil
}

// parseRoles reads a comma-separated list of account roles, or "none".
func parseRoles(field, list string) ([]duixian.Role, error) {
	if strings.TrimSpace(list) == "none" {
		return nil, nil
	}
	var roles []duixian.Role
	for _, r := range strings.Split(list, ",") {
		role := duixian.Role(strings.TrimSpace(r))
		if !slices.Contains(account.Roles(), role) {
			return nil, usageError(field, fmt.Sprintf("没有角色 %q", role), fmt.Sprintf("no role %q", role))
		}
		roles = append(roles, role)
	}
	return roles, nil
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
