package main

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/etown/duixian/reports"
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
