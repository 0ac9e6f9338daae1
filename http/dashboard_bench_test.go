package http_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	duixianhttp "github.com/etown/duixian/http"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/reports/reportstest"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// BenchmarkDashboardPage10k is issue 10's target, ≤ 200 ms: GET /dashboard
// through the server's handler (session, report, charts' data, template),
// signed in as an administrator, on SQLite with 10,000 applications and
// 10,000 enterprises (reportstest.Populate: registry.Generate's
// enterprises, applications in every status with payments, opinions and
// audited approvals). The database is built once. warm: a view since the
// last write; write: the first view after an application was paid (timed
// without the payment); enterprise: the first view after an enterprise's
// file changed (a ban; that enterprise matched again); new-day: the first
// view of a day (the registry matched again, as bans and documents in force
// depend on the day); cold: the first view of a process (every summary
// read, the registry matched).
//
//	go test ./http -run XX -bench DashboardPage10k -benchtime 20x
func BenchmarkDashboardPage10k(b *testing.B) {
	ctx := context.Background()
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		b.Fatal(err)
	}
	db := dbtest.SQLite(b)
	day := time.Date(2026, 6, 30, 10, 0, 0, 0, duixian.Shanghai)
	reportstest.Populate(b, db, cat, duixian.DateOf(day), 10000, 10000, 1)
	const pw = "bench-dashboard-password"
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		return tx.PutUser(&duixian.User{Name: "admin", Display: "管理员", Role: duixian.RoleAdmin, PasswordHash: password.Hash(pw)})
	}); err != nil {
		b.Fatal(err)
	}
	svc := workflow.New(db, cat, calendar.Default())
	svc.Now = func() time.Time { return day }
	srv, err := duixianhttp.New(svc)
	if err != nil {
		b.Fatal(err)
	}
	cookies := signInAdmin(b, srv, pw)
	view := func(b *testing.B) int {
		req := httptest.NewRequest("GET", "/dashboard", nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "应享未享") {
			b.Fatalf("GET /dashboard: %d", rec.Code)
		}
		return rec.Body.Len()
	}
	fresh := func() { srv.Dashboards = &reports.Service{DB: db, Catalogue: cat, Now: svc.Now} }
	b.Run("warm", func(b *testing.B) {
		view(b)
		b.ReportAllocs()
		for b.Loop() {
			view(b)
		}
		b.ReportMetric(float64(view(b))/(1<<20), "page-MB")
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("write", func(b *testing.B) {
		view(b)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			reportstest.Pay(b, db, "A000001")
			b.StartTimer()
			view(b)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("enterprise", func(b *testing.B) {
		view(b)
		uscc := firstEnterprise(b, db)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			reportstest.Ban(b, db, uscc, "jjgf-2025-21", duixian.DateOf(day))
			b.StartTimer()
			view(b)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("new-day", func(b *testing.B) {
		// The reports' clock alone moves on: a session would expire.
		var days atomic.Int64
		srv.Dashboards = &reports.Service{DB: db, Catalogue: cat, Now: func() time.Time { return day.AddDate(0, 0, int(days.Load())) }}
		view(b)
		b.ReportAllocs()
		for b.Loop() {
			days.Add(1)
			view(b)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	// warmed: the first view of a process after the background warm-up
	// that duixian serve runs at start and after midnight.
	b.Run("warmed-start", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			fresh()
			if _, err := srv.Dashboards.Dashboard(context.Background(), reports.Scope{Kind: reports.All}); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			view(b)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			fresh()
			b.StartTimer()
			view(b)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
}

// firstEnterprise is an enterprise of the registry.
func firstEnterprise(b *testing.B, db *sqldb.DB) string {
	var uscc string
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		ents, err := tx.Enterprises()
		if err == nil {
			uscc = ents[0].USCC
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return uscc
}

// signInAdmin signs in through the login form and returns the session's
// cookies.
func signInAdmin(b *testing.B, srv http.Handler, pw string) []*http.Cookie {
	ts := httptest.NewServer(srv)
	defer ts.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(ts.URL + "/login")
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindStringSubmatch(string(body))
	if m == nil {
		b.Fatal("no csrf field on /login")
	}
	resp, err = c.PostForm(ts.URL+"/login", url.Values{"csrf": {m[1]}, "name": {"admin"}, "password": {pw}, "next": {"/dashboard"}})
	if err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		b.Fatalf("sign in: %d", resp.StatusCode)
	}
	u, _ := url.Parse(ts.URL)
	return jar.Cookies(u)
}

// peakRSS is the process's peak resident set in MiB (Linux's VmHWM).
func peakRSS() float64 {
	status, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
