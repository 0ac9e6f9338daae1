package http

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

// BenchmarkEvaluateHandler is POST /api/v1/evaluate through the server's
// handler, without the network: what one request costs the server.
// The load test over loopback (bench/evaluate.lua with wrk) measures the rest.
func BenchmarkEvaluateHandler(b *testing.B) {
	lua, err := os.ReadFile("../bench/evaluate.lua")
	if err != nil {
		b.Fatal(err)
	}
	body := string(lua)
	body = body[strings.Index(body, "[[")+2 : strings.LastIndex(body, "]]")]
	s, _, _ := testServer(&testing.T{})
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
