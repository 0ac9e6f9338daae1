package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/sqlite"
)

type countingDashboards struct{ n atomic.Int32 }

func (c *countingDashboards) Dashboard(context.Context, reports.Scope) (*reports.Dashboard, error) {
	c.n.Add(1)
	return &reports.Dashboard{}, nil
}

// The dashboard is computed once at start, then waits for midnight, and
// stops with the server.
func TestKeepDashboardWarm(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	d := &countingDashboards{}
	done := make(chan struct{})
	noon := func() time.Time { return time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC) }
	go func() { keepDashboardWarm(ctx, d, noon, slog.New(slog.DiscardHandler)); close(done) }()
	for d.n.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)
	cancel()
	<-done
	if n := d.n.Load(); n != 1 {
		t.Errorf("computed %d times before midnight, want once at start", n)
	}
}

// serveArgsEnv tells the test binary, run again, to be `duixian serve`
// with these arguments (separated by newlines).
const serveArgsEnv = "DUIXIAN_SERVE_ARGS"

// TestServeProcess is `duixian serve` in a process of its own for
// TestServeStopsWithoutLosingWrites; run plainly, it does nothing.
func TestServeProcess(t *testing.T) {
	args := os.Getenv(serveArgsEnv)
	if args == "" {
		return
	}
	os.Exit(run(strings.Split(args, "\n"), os.Stdin, os.Stdout, os.Stderr))
}

// SIGTERM while enterprise staff create drafts as fast as six clients
// can: the server stops accepting, answers what it has begun, exits 0, and
// every draft it acknowledged (200 with an id) is in the store afterwards,
// with the audit chain intact.
func TestServeStopsWithoutLosingWrites(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		path := t.TempDir() + "/serve.db"
		serveUnderLoad(t, path, func() *sqldb.DB {
			db, err := sqlite.Open(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			return db
		})
	})
	t.Run("postgres", func(t *testing.T) {
		var schema string
		if err := dbtest.Postgres(t).SQL().QueryRow(`SELECT current_schema()`).Scan(&schema); err != nil {
			t.Fatal(err)
		}
		dsn := dbtest.PostgresDSN() + "&search_path=" + schema
		serveUnderLoad(t, dsn, func() *sqldb.DB {
			db, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			return db
		})
	})
}

func serveUnderLoad(t *testing.T, db string, reopen func() *sqldb.DB) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeProcess$", "-test.count=1", "-test.timeout=0")
	cmd.Env = append(os.Environ(), serveArgsEnv+"="+strings.Join([]string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--demo"}, "\n"))
	var logs bytes.Buffer
	cmd.Stderr = &logs
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "http://"); ok {
				addr, _, _ := strings.Cut(rest, "/")
				base <- "http://" + addr
			}
		}
		exited <- cmd.Wait()
	}()
	var url string
	select {
	case url = <-base:
	case err := <-exited:
		t.Fatalf("serve exited before serving: %v\n%s", err, logs.String())
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	call := func(method, path, csrf, body string, v any) (int, error) {
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode == 200 {
			err = json.NewDecoder(resp.Body).Decode(v)
		}
		return resp.StatusCode, err
	}
	var token struct{ CSRF string }
	if _, err := call("GET", "/api/v1/csrf", "", "", &token); err != nil {
		t.Fatal(err)
	}
	if code, err := call("POST", "/api/v1/login", token.CSRF, `{"name":"bookstore","password":"`+demo.Password+`"}`, &token); code != 200 {
		t.Fatalf("sign-in: %d %v", code, err)
	}

	const workers, signalAfter = 6, 40
	var mu sync.Mutex
	var acked []string
	var afterSignal, refused int
	signalled := false
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				draft := fmt.Sprintf(`{"clause":"jjgf-2025-21/7.1","event_date":"2026-10-01","project":"load-%d-%d","facts":{},"declared":true}`, w, i)
				var a duixian.Application
				code, err := call("POST", "/api/v1/applications", token.CSRF, draft, &a)
				if err != nil && code == 0 {
					return // the server no longer takes connections
				}
				mu.Lock()
				switch {
				case code == 200 && err == nil && a.ID != "":
					acked = append(acked, a.ID)
					if signalled {
						afterSignal++
					}
				default:
					refused++
				}
				if len(acked) == signalAfter && !signalled {
					signalled = true
					cmd.Process.Signal(syscall.SIGTERM)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("serve after SIGTERM: %v, want exit 0\n%s", err, logs.String())
		}
	case <-time.After(2 * time.Minute): // the drain period is 25 s
		cmd.Process.Kill()
		<-exited // its standard error is then copied whole
		t.Fatalf("serve did not exit after SIGTERM\n%s", logs.String())
	}
	t.Logf("%d drafts acknowledged, %d of them after SIGTERM; %d other answers", len(acked), afterSignal, refused)
	if !signalled {
		t.Fatalf("the server stopped before %d drafts were made\n%s", signalAfter, logs.String())
	}

	store := reopen()
	defer store.Close()
	if err := store.Read(context.Background(), func(tx *sqldb.Tx) error {
		for _, id := range acked {
			a, err := tx.Application(id, false)
			if err != nil {
				return fmt.Errorf("acknowledged draft %s: %w", id, err)
			}
			if a.Status != duixian.StatusDraft {
				return fmt.Errorf("acknowledged draft %s is %s", id, a.Status)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.VerifyAudit(context.Background()); err != nil {
		t.Fatalf("the audit chain after the shutdown: %v", err)
	}
}

// serve refuses settings it cannot use before it opens anything: exit 2,
// naming the flag.
func TestServeBadSettings(t *testing.T) {
	short := t.TempDir() + "/token"
	os.WriteFile(short, []byte("too-short\n"), 0o600)
	for _, c := range []struct {
		args []string
		flag string
	}{
		{[]string{"--trusted-proxy", "10.0.0.0/8,nginx.local"}, "trusted-proxy"},
		{[]string{"--metrics-token-file", short}, "metrics-token-file"},
		{[]string{"--metrics-token-file", t.TempDir() + "/missing"}, "metrics-token-file"},
		{[]string{"--drain", "0s"}, "drain"},
	} {
		code, _, errs := runCmd(t, "", append([]string{"serve", "--db", t.TempDir() + "/never.db"}, c.args...)...)
		if code != exitBadData || !strings.Contains(errs, c.flag) {
			t.Errorf("serve %v: exit %d %s", c.args, code, errs)
		}
	}
}
