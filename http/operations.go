package http

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The operators' endpoints sit outside the route table: they need no
// session, and a probe every few seconds should not look one up.
//
//	/healthz  the process serves (liveness)
//	/readyz   the store answers and the catalogue is loaded (readiness); 503 while shutting down
//	/metrics  Prometheus metrics, for the bearer of MetricsToken or, when none is set, for
//	          a scraper on the same machine that is not behind the proxy (mayReadMetrics)
func (s *Server) operationRoutes() {
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	s.mux.HandleFunc("GET /readyz", s.ready)
	metrics := promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
	s.mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if !s.mayReadMetrics(r) {
			writeJSON(w, http.StatusForbidden, duixian.Forbidden("指标仅限本机或持令牌读取", "metrics are for this machine or the bearer of the metrics token"))
			return
		}
		metrics.ServeHTTP(w, r)
	})
}

// readyTimeout bounds the readiness probe's query: a store that does not
// answer in time is as good as down to a load balancer.
const readyTimeout = 2 * time.Second

// ready answers 200 when this process can serve: the store answers a query
// on the audit chain (the table every change writes) and the catalogue is
// loaded. While the server shuts down it answers 503, so that a load
// balancer sends no more.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	out := map[string]string{"database": "ok", "catalogue": "ok"}
	code := http.StatusOK
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	if err := s.DB.Read(ctx, func(tx *sqldb.Tx) error { _, err := tx.ReportVersion(); return err }); err != nil {
		// The error names hosts and ports: for the log, not the answer.
		s.Log.Warn("not ready: the store does not answer", "error", err)
		out["database"], code = "unavailable", http.StatusServiceUnavailable
	}
	if s.Catalogue == nil || len(s.Catalogue.Documents()) == 0 {
		out["catalogue"], code = "not loaded", http.StatusServiceUnavailable
	} else {
		out["catalogue_version"] = s.Catalogue.Version()
	}
	if s.draining.Load() {
		out["server"], code = "shutting down", http.StatusServiceUnavailable
	}
	writeJSON(w, code, out)
}

// mayReadMetrics: with a token set, whoever sends it as a bearer token;
// without one, a request from loopback that no proxy forwarded. (A proxy
// on the same machine connects from loopback too, and says whom it
// forwards for: such a request is from outside.)
func (s *Server) mayReadMetrics(r *http.Request) bool {
	if s.MetricsToken != "" {
		sent, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		return ok && subtle.ConstantTimeCompare([]byte(sent), []byte(s.MetricsToken)) == 1
	}
	for _, h := range []string{"X-Forwarded-For", "X-Forwarded-Proto", "X-Real-Ip", "Forwarded"} {
		if r.Header.Get(h) != "" {
			return false
		}
	}
	a, err := netip.ParseAddr(peer(r))
	return err == nil && a.Unmap().IsLoopback()
}

// metrics are the server's Prometheus metrics, in a registry of its own
// (two servers in one test process do not share counters). Labels are
// bounded: the route pattern, never the path; the status class, not the
// status.
type metrics struct {
	registry  *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
}

func newMetrics(db *sqldb.DB) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "duixian_http_requests_total",
			Help: "HTTP requests answered, by route pattern and status class."}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "duixian_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route pattern.", Buckets: prometheus.DefBuckets}, []string{"method", "route"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "duixian_decisions_total",
			Help: "Decisions the engine made on applications (submission, review, approval), by outcome."}, []string{"outcome"}),
	}
	m.registry.MustRegister(m.requests, m.latency, m.decisions, queueCollector{db},
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Both outcomes are shown from the start, at 0: a rate over a series
	// that appears only with its first decision misses that decision.
	m.decisions.WithLabelValues("eligible")
	m.decisions.WithLabelValues("ineligible")
	return m
}

// Decided counts a decision of the workflow (workflow.Service.Decided).
func (m *metrics) Decided(d duixian.Decision) {
	outcome := "ineligible"
	if d.Eligible {
		outcome = "eligible"
	}
	m.decisions.WithLabelValues(outcome).Inc()
}

// observe counts an answered request under its route's pattern; a request
// no route matched counts as "unmatched", so a scan of random paths adds
// no series.
func (m *metrics) observe(r *http.Request, status int, took time.Duration) {
	method, route, ok := strings.Cut(r.Pattern, " ")
	if !ok {
		method, route = "", "unmatched"
	}
	m.requests.WithLabelValues(method, route, strconv.Itoa(status/100)+"xx").Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
}

// queueCollector reports the applications per status when scraped: the
// queues officials work (submitted, reviewed, publicity …). One grouped
// count on the status index, through the readers.
type queueCollector struct{ db *sqldb.DB }

var queueDesc = prometheus.NewDesc("duixian_applications", "Applications by status (the queues).", []string{"status"}, nil)

func (c queueCollector) Describe(ch chan<- *prometheus.Desc) { ch <- queueDesc }

func (c queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	var counts map[duixian.Status]int
	err := c.db.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		counts, err = tx.ApplicationsByStatus()
		return err
	})
	if err != nil {
		ch <- prometheus.NewInvalidMetric(queueDesc, err)
		return
	}
	for st, n := range counts {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(n), string(st))
	}
}

// statusRecorder remembers the status a handler answered, for the access
// log and the metrics.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// code is the status answered: 200 when the handler wrote nothing.
func (w *statusRecorder) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection (deadlines, flush).
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequest writes the access log's line: what was asked (method and
// route pattern, never the path's query, which may hold a token), the
// answer, who asked and the request's id. Never a body, a cookie or a
// header. The operators' probes are logged at debug level only.
func (s *Server) logRequest(r *http.Request, info *requestInfo, rec *statusRecorder, took time.Duration) {
	route := r.Pattern
	if route == "" {
		route = "(unmatched)"
	}
	level := slog.LevelInfo
	switch r.Pattern {
	case "GET /healthz", "GET /readyz", "GET /metrics":
		level = slog.LevelDebug
	}
	s.Log.LogAttrs(r.Context(), level, "request", slog.String("route", route), slog.Int("status", rec.code()),
		slog.Float64("ms", float64(took.Microseconds())/1000), slog.Int64("bytes", rec.bytes),
		slog.String("user", info.user), slog.String("ip", info.client), slog.String("request_id", info.id))
}
