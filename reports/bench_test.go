package reports_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/reports/reportstest"
	"github.com/etown/duixian/sqldb/dbtest"
)

// BenchmarkDashboard10k is issue 10's figure for the service alone: 10,000
// applications and 10,000 enterprises on SQLite, the whole-district scope.
// warm is a page view since the last write (the dashboard kept); write is
// the first view after an application changed (that application's summary
// read again, the totals added up again, the registry match kept); cold is
// the first view of a process (every summary read, the registry read and
// matched: 10,000 enterprises against every paying clause). A change to an
// enterprise's file, or a new day, costs the match again. The http
// benchmark BenchmarkDashboardPage10k adds the template.
//
//	go test ./reports -run XX -bench Dashboard10k -benchtime 20x
func BenchmarkDashboard10k(b *testing.B) {
	ctx := context.Background()
	cat := loadCatalogue(b)
	db := dbtest.SQLite(b)
	start := time.Now()
	reportstest.Populate(b, db, cat, today, 10000, 10000, 1)
	b.Logf("built in %s", time.Since(start).Round(time.Millisecond))
	all := reports.Scope{Kind: reports.All}
	view := func(b *testing.B, svc *reports.Service) *reports.Dashboard {
		d, err := svc.Dashboard(ctx, all)
		if err != nil {
			b.Fatal(err)
		}
		if d.CountAll < 9000 || d.Enterprises != 10000 {
			b.Fatalf("%d applications, %d enterprises", d.CountAll, d.Enterprises)
		}
		return d
	}
	b.Run("warm", func(b *testing.B) {
		svc := &reports.Service{DB: db, Catalogue: cat, Now: clock}
		view(b, svc)
		b.ReportAllocs()
		for b.Loop() {
			view(b, svc)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("write", func(b *testing.B) {
		svc := &reports.Service{DB: db, Catalogue: cat, Now: clock}
		view(b, svc)
		b.ReportAllocs()
		for b.Loop() {
			b.StopTimer()
			reportstest.Pay(b, db, "A000001")
			b.StartTimer()
			view(b, svc)
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			view(b, &reports.Service{DB: db, Catalogue: cat, Now: clock})
		}
		b.ReportMetric(peakRSS(), "peak-RSS-MB")
	})
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
