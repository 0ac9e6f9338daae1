package http

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// BenchmarkEvaluateHandler is POST /api/v1/evaluate through the server's
// handler, without the network: what one request costs the server, its
// metrics and access-log line included.
// The load test over loopback (bench/evaluate.lua with wrk) measures the rest.
func BenchmarkEvaluateHandler(b *testing.B) {
	lua, err := os.ReadFile("../bench/evaluate.lua")
	if err != nil {
		b.Fatal(err)
	}
	body := string(lua)
	body = body[strings.Index(body, "[[")+2 : strings.LastIndex(body, "]]")]
	s, _, _ := testServer(&testing.T{})
	s.Log = slog.New(slog.NewTextHandler(io.Discard, nil)) // the access log's line is part of the cost
	for _, path := range []string{"/api/v1/evaluate", "/api/v1/evaluate?trace=false"} {
		b.Run(strings.TrimPrefix(path, "/api/v1/"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("POST", path, strings.NewReader(body))
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code, rec.Body.String())
				}
			}
		})
	}
}

// BenchmarkRequestOverhead is what ServeHTTP adds to a request: its id,
// its origin, the security headers, the metrics and the access-log line.
// "mux" serves /healthz through the route mux alone, "server" through
// ServeHTTP; the difference is the overhead.
func BenchmarkRequestOverhead(b *testing.B) {
	s, _, _ := testServer(&testing.T{})
	s.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, h := range []struct {
		name string
		h    http.Handler
	}{{"mux", s.mux}, {"server", s}} {
		b.Run(h.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
				if rec.Code != http.StatusOK {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}
