package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
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
	"github.com/etown/duixian/engine"
	duixianhttp "github.com/etown/duixian/http"
	"github.com/etown/duixian/jobs"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
)

// openCatalogued loads the catalogue of dir (the built-in one when empty)
// and opens the store at db, as every data command does: the catalogue
// first, so that a broken one is refused before the store is touched.
func openCatalogued(ctx context.Context, dir, db string) (*engine.Catalogue, *sqldb.DB, error) {
	cat, err := loadCatalogue(dir)
	if err != nil {
		return nil, nil, err
	}
	store, err := openDB(ctx, db)
	if err != nil {
		return nil, nil, err
	}
	return cat, store, nil
}

// openDB opens the store: a PostgreSQL DSN, or else an SQLite file path.
func openDB(ctx context.Context, db string) (*sqldb.DB, error) {
	if isPostgres(db) {
		return postgres.Open(ctx, db)
	}
	return sqlite.Open(ctx, db)
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// runServe serves until SIGTERM or SIGINT, then drains (http.Server.Serve)
// and closes the store. The banner goes to out, the access log and
// errors to logOut.
func runServe(args []string, out, logOut io.Writer) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// Once told to stop, a second signal ends the process at once.
		<-ctx.Done()
		stop()
	}()
	srv, at, closeDB, err := newServer(ctx, args, out)
	if err != nil {
		return err
	}
	defer closeDB()
	level := slog.LevelInfo
	if at.debug {
		level = slog.LevelDebug
	}
	srv.Log = slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level}))
	ln, err := net.Listen("tcp", at.addr)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "duixian 政策兑现平台: http://%s/ (数据库 %s)\n", ln.Addr(), redactDSN(at.db))
	go keepDashboardWarm(ctx, srv.Dashboards, srv.Now, srv.Log)
	err = srv.Serve(ctx, ln)
	srv.Log.Info("stopped; closing the store", "error", err)
	return err
}

// listenAt is where serve listens, the store it names in its banner, and
// how much it logs.
type listenAt struct {
	addr, db string
	debug    bool
}

// redactDSN hides a PostgreSQL password in what is printed.
func redactDSN(db string) string {
	u, err := url.Parse(db)
	if err != nil || u.User == nil {
		return db
	}
	return u.Redacted()
}

// newServer builds what serve serves, from its flags: the store (demo data
// in it with --demo), the services and their settings. closeDB closes the
// store.
func newServer(ctx context.Context, args []string, out io.Writer) (srv *duixianhttp.Server, at listenAt, closeDB func(), err error) {
	fl := flag.NewFlagSet("serve", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	listen := fl.String("addr", "127.0.0.1:8080", "listen address")
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	withDemo := fl.Bool("demo", false, "fill an empty database with demo enterprises, users and applications")
	dir := fl.String("catalogue", "", "catalogue directory")
	maxAge := fl.Duration("session-max-age", account.MaxAge, "a session's absolute lifetime")
	registryActivates := fl.Bool("registry-activates", true, "an enterprise registration matching the registry (USCC and name) is active at once")
	secondFactor := fl.String("second-factor", "admin", "roles that must have a second factor, comma-separated, or none (default admin; none with --demo)")
	var proxies []string
	fl.Func("trusted-proxy", "address or CIDR of a TLS-terminating proxy whose X-Forwarded-* headers are believed (repeatable, or comma-separated)", func(v string) error {
		proxies = append(proxies, strings.Split(v, ",")...)
		return nil
	})
	tokenFile := fl.String("metrics-token-file", "", "file holding the bearer token /metrics asks for (without it: loopback only)")
	drain := fl.Duration("drain", duixianhttp.DefaultTimeouts.Drain, "on SIGTERM, how long requests under way may take to finish")
	debug := fl.Bool("debug", false, "log at debug level (the probes' requests too)")
	var single ssoFlags
	single.declare(fl)
	jf := addJobFlags(fl)
	if err := fl.Parse(args); err != nil {
		return nil, at, nil, duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v", "bad flags: %v", err)
	}
	at = listenAt{addr: *listen, db: *dbPath, debug: *debug}
	trusted, err := duixianhttp.ParseProxies(proxies)
	if err != nil {
		return nil, at, nil, duixian.Errorf(duixian.EINVALID, "trusted-proxy", "可信代理应为 IP 地址或 CIDR：%v", "a trusted proxy is an IP address or a CIDR range: %v", err)
	}
	var token string
	if *tokenFile != "" {
		b, err := os.ReadFile(*tokenFile)
		if err != nil {
			return nil, at, nil, duixian.Errorf(duixian.EINVALID, "metrics-token-file", "读取指标令牌文件失败：%v", "cannot read the metrics token file: %v", err)
		}
		if token = strings.TrimSpace(string(b)); len(token) < 16 {
			return nil, at, nil, duixian.Errorf(duixian.EINVALID, "metrics-token-file", "指标令牌至少 16 个字符", "the metrics token must have at least 16 characters")
		}
	}
	if *drain <= 0 {
		return nil, at, nil, duixian.Errorf(duixian.EINVALID, "drain", "--drain 应为正的时长，如 25s", "--drain must be a positive duration such as 25s")
	}
	if _, err := jf.options(); err != nil {
		return nil, at, nil, err
	}
	given := map[string]bool{}
	fl.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if *withDemo && !given["second-factor"] {
		*secondFactor = "none" // the demo users sign in with the printed password alone
	}
	roles, err := parseRoles("second-factor", *secondFactor)
	if err != nil {
		return nil, at, nil, err
	}
	if *maxAge <= 0 {
		return nil, at, nil, usageError("session-max-age", "会话最长时限须大于0", "--session-max-age must be positive")
	}
	provider, skips, err := single.provider()
	if err != nil {
		return nil, at, nil, err
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return nil, at, nil, err
	}
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return nil, at, nil, err
	}
	closeDB = func() { db.Close() }
	svc := workflow.New(db, cat, calendar.Default())
	if *withDemo {
		creds, err := demo.Seed(ctx, svc)
		if err != nil {
			closeDB()
			return nil, at, nil, fmt.Errorf("demo data: %w", err)
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
		return nil, at, nil, err
	}
	srv.Account.MaxAge, srv.Account.SecondFactorRoles, srv.Account.RegistryActivates = *maxAge, roles, *registryActivates
	srv.Proxies, srv.MetricsToken = trusted, token
	srv.Timeouts.Drain = *drain
	if provider != nil {
		srv.SSO, srv.Account.SSOSkipsSecondFactor = provider, skips
		// Found now if the provider answers; otherwise at the first
		// sign-in, so that the platform starts while it is down.
		if err := provider.Discover(ctx); err != nil {
			srv.Log.Warn("single sign-on: the provider cannot be used yet; tried again at the first sign-in", "issuer", single.issuer, "err", err)
		}
		fmt.Fprintf(out, "统一身份认证 / single sign-on: %s\n", single.issuer)
	}
	// The job queue: this process works it unless --workers 0; it stops
	// before the store closes.
	n, err := jf.notifier(db, cat)
	if err != nil {
		closeDB()
		return nil, at, nil, err
	}
	_, stopJobs, err := startJobs(ctx, db, *dbPath, jobs.Services{Matching: srv.Offers, Qunyan: srv.Qunyan, Notify: n}, jf)
	if err != nil {
		closeDB()
		return nil, at, nil, err
	}
	closeDB = func() { stopJobs(); db.Close() }
	return srv, at, closeDB, nil
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
func keepDashboardWarm(ctx context.Context, d duixianhttp.DashboardService, now func() time.Time, logger *slog.Logger) {
	for {
		if _, err := d.Dashboard(ctx, reports.Scope{Kind: reports.All}); err != nil && ctx.Err() == nil {
			logger.Error("dashboard warm-up", "error", err)
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
