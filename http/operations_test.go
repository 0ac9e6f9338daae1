package http

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/demo"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// /healthz answers while the process serves; /readyz only while the store
// answers and the catalogue is loaded. Neither needs a session or sets a
// cookie, and neither is cached.
func TestHealthAndReadiness(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, _ := serverOn(t, db)
		for _, path := range []string{"/healthz", "/readyz"} {
			resp, body := newClient(t, ts).do("GET", path, "", nil)
			if resp.StatusCode != 200 || resp.Header.Get("Cache-Control") != "no-store" || len(resp.Cookies()) != 0 {
				t.Fatalf("%s: %d %q cookies %v: %s", path, resp.StatusCode, resp.Header.Get("Cache-Control"), resp.Cookies(), body)
			}
		}
		get := func(path string) (int, map[string]string) {
			resp, err := http.Get(ts.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]string
			json.NewDecoder(resp.Body).Decode(&out)
			return resp.StatusCode, out
		}
		if code, out := get("/readyz"); code != 200 || out["database"] != "ok" || out["catalogue_version"] != s.Catalogue.Version() {
			t.Fatalf("readyz: %d %v", code, out)
		}
		cat := s.Catalogue
		s.Catalogue = nil
		if code, out := get("/readyz"); code != 503 || out["catalogue"] != "not loaded" {
			t.Fatalf("readyz without a catalogue: %d %v", code, out)
		}
		s.Catalogue = cat
		s.DB.Close()
		if code, out := get("/readyz"); code != 503 || out["database"] != "unavailable" {
			t.Fatalf("readyz with the store closed: %d %v", code, out)
		}
		if code, _ := get("/healthz"); code != 200 {
			t.Fatalf("healthz with the store closed: %d, want 200 (the process lives)", code)
		}
	})
}

// metricValue is the value of one series in Prometheus' text format, or -1.
func metricValue(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	return -1
}

// /metrics counts requests by route pattern and status class (a path with
// an id or a path nobody routes adds no series), their latencies, the
// engine's decisions on applications, and the applications per status as
// the store holds them.
func TestMetrics(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, ts, _ := serverOn(t, db)
		c := newClient(t, ts)
		if c.login("tech", demo.Password) != 200 {
			t.Fatal("cannot sign in")
		}
		// 25号第二条: a premium over 10万元 is subsidised; the demo's tech
		// company is a high-tech enterprise.
		draft := func(project, premium string) string {
			b, _ := json.Marshal(map[string]any{"clause": "jjgf-2025-25/2", "event_date": "2026-11-01", "project": project,
				"facts": map[string]any{"fin_tech_insurance_premium": premium}, "declared": true})
			resp, body := c.post("/api/v1/applications", string(b))
			var a duixian.Application
			if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &a) != nil {
				t.Fatalf("draft: %d %s", resp.StatusCode, body)
			}
			return a.ID
		}
		good, short := draft("metrics-good", "20万元"), draft("metrics-short", "5万元")
		for id, want := range map[string]int{good: 200, short: 422} {
			resp, body := c.do("POST", "/api/v1/applications/"+id+"/submit", "", map[string]string{"X-CSRF-Token": c.csrf, "Idempotency-Key": "m-" + id})
			if resp.StatusCode != want {
				t.Fatalf("submit %s: %d, want %d: %.300s", id, resp.StatusCode, want, body)
			}
		}
		c.do("GET", "/api/v1/applications/"+good, "", nil)
		c.do("GET", "/no-such-page/probe-7Q3ZK", "", nil)

		resp, body := c.do("GET", "/metrics", "", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("metrics from loopback: %d %s", resp.StatusCode, body)
		}
		for series, want := range map[string]float64{
			`duixian_http_requests_total{code="2xx",method="POST",route="/api/v1/applications"}`:                  2,
			`duixian_http_requests_total{code="2xx",method="POST",route="/api/v1/applications/{id}/submit"}`:      1,
			`duixian_http_requests_total{code="4xx",method="POST",route="/api/v1/applications/{id}/submit"}`:      1,
			`duixian_http_requests_total{code="2xx",method="GET",route="/api/v1/applications/{id}"}`:              1,
			`duixian_http_requests_total{code="4xx",method="",route="unmatched"}`:                                 1,
			`duixian_http_request_duration_seconds_count{method="POST",route="/api/v1/applications/{id}/submit"}`: 2,
			`duixian_decisions_total{outcome="eligible"}`:                                                         1,
			`duixian_decisions_total{outcome="ineligible"}`:                                                       1,
		} {
			if got := metricValue(t, body, series); got != want {
				t.Errorf("%s = %v, want %v", series, got, want)
			}
		}
		for _, raw := range []string{good, short, "probe-7Q3ZK"} {
			if strings.Contains(body, raw) {
				t.Errorf("the metrics name a raw path (%s): labels must be route patterns", raw)
			}
		}
		// The queues are what the store holds, counted here one by one.
		var all []*duixian.Application
		if err := s.DB.Read(context.Background(), func(tx *sqldb.Tx) error {
			var err error
			all, err = tx.Applications(sqldb.ApplicationFilter{})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		want := map[duixian.Status]int{}
		for _, a := range all {
			want[a.Status]++
		}
		if want[duixian.StatusSubmitted] == 0 || want[duixian.StatusDraft] == 0 {
			t.Fatalf("the test needs submitted applications and drafts: %v", want)
		}
		for st, n := range want {
			if got := metricValue(t, body, `duixian_applications{status="`+string(st)+`"}`); got != float64(n) {
				t.Errorf("applications %s: %v in the metrics, %d in the store", st, got, n)
			}
		}
	})
}

// Who may read /metrics: without a token, a scraper on this machine that
// no proxy forwarded; with one, only its bearer, from anywhere.
func TestMetricsAccess(t *testing.T) {
	s, ts, _ := testServer(t)
	scrape := func(peer string, header map[string]string) int {
		if peer == "" { // over the loopback connection
			resp, _ := newClient(t, ts).do("GET", "/metrics", "", header)
			return resp.StatusCode
		}
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = peer
		for k, v := range header {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		return w.Code
	}
	const token = "0123456789abcdef-metrics"
	for _, c := range []struct {
		token, peer string
		header      map[string]string
		want        int
	}{
		{"", "", nil, 200},
		{"", "", map[string]string{"X-Forwarded-For": "203.0.113.5"}, 403}, // through a proxy on this machine
		{"", "", map[string]string{"Forwarded": "for=203.0.113.5"}, 403},
		{"", "192.0.2.7:40000", nil, 403},
		{token, "", nil, 403},
		{token, "", map[string]string{"Authorization": "Bearer wrong-0123456789abcdef"}, 403},
		{token, "", map[string]string{"Authorization": "Bearer " + token}, 200},
		{token, "192.0.2.7:40000", map[string]string{"Authorization": "Bearer " + token, "X-Forwarded-For": "203.0.113.5"}, 200},
	} {
		s.MetricsToken = c.token
		if got := scrape(c.peer, c.header); got != c.want {
			t.Errorf("token set %v, peer %q, headers %v: %d, want %d", c.token != "", c.peer, c.header, got, c.want)
		}
	}
}

// lockedBuffer collects log lines written from the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

// The access log has a line per request: route pattern, status, who, the
// request's id. It never has a password, a cookie, a CSRF token, a query
// string or a body.
func TestAccessLogKeepsNoSecrets(t *testing.T) {
	s, ts, _ := testServer(t)
	var log lockedBuffer
	s.Log = slog.New(slog.NewTextHandler(&log, nil))
	const wrongPassword = "Wr0ng-passw0rd-7731"
	c := newClient(t, ts)
	secrets := []string{demo.Password, wrongPassword, c.csrf}
	resp, _ := c.form("/login", url.Values{"name": {"bookstore"}, "password": {wrongPassword}})
	if resp.StatusCode != 401 {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = c.form("/login", url.Values{"name": {"bookstore"}, "password": {demo.Password}, "next": {"/my?token=next-secret-55"}})
	if resp.StatusCode != 303 {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	u, _ := url.Parse(ts.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		secrets = append(secrets, ck.Value)
	}
	var me struct{ CSRF string }
	c.getJSON("/api/v1/me", &me)
	c.csrf = me.CSRF                                // the session's
	if c.login("bookstore", demo.Password) != 200 { // the API's sign-in, JSON
		t.Fatal("API sign-in failed")
	}
	resp, _ = c.do("GET", "/policies?q=reset-token-91xx", "", nil)
	requestID := resp.Header.Get("X-Request-Id")
	secrets = append(secrets, "next-secret-55", "reset-token-91xx", c.csrf)

	out := log.String()
	for _, secret := range secrets {
		if secret != "" && strings.Contains(out, secret) {
			t.Errorf("the access log holds %q:\n%s", secret, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 6 { // csrf, two form sign-ins, me, the API's sign-in, the policies
		t.Fatalf("%d lines for 6 requests:\n%s", len(lines), out)
	}
	for _, want := range []string{
		`route="POST /login" status=401 `,
		`route="POST /login" status=303 `,
		`route="GET /policies" status=200 `,
		`user=bookstore ip=127.0.0.1 request_id=` + requestID,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the access log lacks %q:\n%s", want, out)
		}
	}
}

// Behind a trusted proxy that says the browser spoke HTTPS, cookies are
// Secure and HSTS is sent; the same header from anyone else changes
// nothing.
func TestTrustedProxy(t *testing.T) {
	s, ts, _ := testServer(t)
	https := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.5"}
	check := func(name string, header map[string]string, secure bool) {
		t.Helper()
		var csrf *http.Cookie
		for _, path := range []string{"/login", "/api/v1/login"} {
			req, _ := http.NewRequest("GET", ts.URL+path, nil)
			if csrf != nil { // the anonymous visitor's token, from the page
				req, _ = http.NewRequest("POST", ts.URL+path, strings.NewReader(`{"name":"bookstore","password":"`+demo.Password+`"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("X-CSRF-Token", csrf.Value)
				req.AddCookie(csrf)
			}
			for k, v := range header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("%s: %s answered %d", name, path, resp.StatusCode)
			}
			if csrf == nil && len(resp.Cookies()) > 0 {
				csrf = resp.Cookies()[0]
			}
			if len(resp.Cookies()) == 0 {
				t.Fatalf("%s: %s set no cookie", name, path)
			}
			for _, ck := range resp.Cookies() {
				if ck.Secure != secure {
					t.Errorf("%s: %s sets %s with Secure=%v, want %v", name, path, ck.Name, ck.Secure, secure)
				}
			}
			if got := resp.Header.Get("Strict-Transport-Security") != ""; got != secure {
				t.Errorf("%s: %s HSTS %q, want sent: %v", name, path, resp.Header.Get("Strict-Transport-Security"), secure)
			}
		}
	}
	check("no proxy trusted", https, false)
	var err error
	if s.Proxies, err = ParseProxies([]string{"10.0.0.0/8"}); err != nil {
		t.Fatal(err)
	}
	check("another proxy trusted", https, false)
	if s.Proxies, err = ParseProxies([]string{"10.0.0.0/8", "127.0.0.1"}); err != nil {
		t.Fatal(err)
	}
	check("trusted proxy, https", https, true)
	// nginx's request id is kept from a trusted proxy only, and only if it
	// is a plain token.
	for _, c := range []struct {
		sent string
		kept bool
	}{{"0f3a9c2b-nginx", true}, {`0f3a9c2b level=ERROR msg="forged"`, false}, {strings.Repeat("a", 65), false}} {
		resp, _ := newClient(t, ts).do("GET", "/healthz", "", map[string]string{"X-Request-Id": c.sent})
		if got := resp.Header.Get("X-Request-Id"); (got == c.sent) != c.kept || got == "" {
			t.Errorf("X-Request-Id %q from the trusted proxy answered as %q", c.sent, got)
		}
	}
	s.Proxies = nil
	if resp, _ := newClient(t, ts).do("GET", "/healthz", "", map[string]string{"X-Request-Id": "0f3a9c2b-nginx"}); resp.Header.Get("X-Request-Id") == "0f3a9c2b-nginx" {
		t.Error("X-Request-Id taken from a client that is not a trusted proxy")
	}
	check("trusted proxy, http", map[string]string{"X-Forwarded-Proto": "http"}, false)
}

// The client's address is the last one in X-Forwarded-For that is not a
// trusted proxy, and only when a trusted proxy sent it.
func TestProxiesOrigin(t *testing.T) {
	p, err := ParseProxies([]string{"10.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProxies([]string{"10.0.0.0/33"}); err == nil {
		t.Error("10.0.0.0/33 accepted")
	}
	for _, c := range []struct{ peer, xff, proto, client string }{
		{"10.0.0.1:5000", "203.0.113.9", "https", "203.0.113.9"},
		{"10.0.0.1:5000", "198.51.100.1, 203.0.113.9, 10.0.0.2", "https", "203.0.113.9"}, // the first hop is the client's to write
		{"[::1]:5000", "203.0.113.9", "https", "203.0.113.9"},
		{"192.0.2.4:5000", "203.0.113.9", "https", "192.0.2.4"}, // not a proxy of ours: its headers are its own
		{"10.0.0.1:5000", "", "", "10.0.0.1"},
		{"10.0.0.1:5000", "not-an-address, 10.0.0.2", "", "10.0.0.2"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		r.Header.Set("X-Forwarded-Proto", c.proto)
		client, secure := p.origin(r)
		wantSecure := c.proto == "https" && !strings.HasPrefix(c.peer, "192.")
		if client != c.client || secure != wantSecure {
			t.Errorf("peer %s, X-Forwarded-For %q: client %s secure %v, want %s %v", c.peer, c.xff, client, secure, c.client, wantSecure)
		}
	}
}

// countingReader is a body of n bytes that counts what was read of it.
type countingReader struct {
	mu        sync.Mutex
	n, served int
	prefix    []byte
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.served >= r.n {
		return 0, io.EOF
	}
	k := min(len(p), r.n-r.served)
	for i := range k {
		if r.served+i < len(r.prefix) {
			p[i] = r.prefix[r.served+i]
		} else {
			p[i] = 'a'
		}
	}
	r.served += k
	return k, nil
}

// Only a route that takes files takes a multipart body, up to its limit;
// every other refuses it before reading it (415), and a body over the
// limit is refused (413), whether its length is declared or not.
func TestBodyLimits(t *testing.T) {
	s, ts, _ := testServer(t)
	c := newClient(t, ts)
	post := func(path, contentType string, body io.Reader, length int64) (int, int) {
		t.Helper()
		req, _ := http.NewRequest("POST", ts.URL+path, body)
		req.ContentLength = length
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("X-CSRF-Token", c.csrf)
		resp, err := c.c.Do(req)
		if err != nil {
			return 0, 0
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, 0
	}
	// 50 MB of multipart to the sign-in page and the API's.
	for _, path := range []string{"/login", "/api/v1/login"} {
		big := &countingReader{n: 50 << 20, prefix: []byte("--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n")}
		code, _ := post(path, "multipart/form-data; boundary=b", big, int64(big.n))
		if code != http.StatusUnsupportedMediaType {
			t.Errorf("50 MB multipart to %s: %d, want 415", path, code)
		}
		if big.served >= big.n {
			t.Errorf("%s read all 50 MB of a body it refuses", path)
		}
	}
	form := "csrf=" + c.csrf + "&name=bookstore&password=" + strings.Repeat("x", 2<<20)
	if code, _ := post("/login", "application/x-www-form-urlencoded", strings.NewReader(form), int64(len(form))); code != 413 {
		t.Errorf("a 2 MB form (length declared): %d, want 413", code)
	}
	if code, _ := post("/login", "application/x-www-form-urlencoded", io.MultiReader(strings.NewReader(form)), -1); code != 413 {
		t.Errorf("a 2 MB form (chunked): %d, want 413", code)
	}
	huge := `{"clause":"jjgf-2025-21/7.1","facts":{"x":"` + strings.Repeat("y", 9<<20) + `"}}`
	if code, _ := post("/api/v1/evaluate", "application/json", io.MultiReader(strings.NewReader(huge)), -1); code != 413 {
		t.Errorf("9 MB of JSON (chunked): %d, want 413", code)
	}
	// Ordinary forms and JSON still work.
	if code, _ := post("/login", "application/x-www-form-urlencoded", strings.NewReader("csrf="+c.csrf+"&name=bookstore&password="+demo.Password), -1); code != 303 {
		t.Errorf("an ordinary sign-in form: %d", code)
	}

	// A route that takes files reads them up to its limit.
	upload := s.wrap(Route{Method: "POST", Path: "/test/upload", Roles: anyone, Safe: true, Upload: 4096, handle: func(q *Request) error {
		f, _, err := q.R.FormFile("file")
		if err != nil {
			return err
		}
		b, _ := io.ReadAll(f)
		return q.ok(map[string]int{"bytes": len(b)})
	}})
	send := func(size int) (int, string) {
		var body bytes.Buffer
		fmt.Fprintf(&body, "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%s\r\n--b--\r\n", strings.Repeat("p", size))
		r := httptest.NewRequest("POST", "/test/upload", &body)
		r.Header.Set("Content-Type", "multipart/form-data; boundary=b")
		w := httptest.NewRecorder()
		upload.ServeHTTP(w, r)
		return w.Code, w.Body.String()
	}
	if code, body := send(1000); code != 200 || !strings.Contains(body, `"bytes":1000`) {
		t.Errorf("a 1000-byte file to a route taking 4096: %d %s", code, body)
	}
	if code, _ := send(5000); code != 413 {
		t.Errorf("a 5000-byte file to a route taking 4096: %d, want 413", code)
	}
}

// The server's timeouts are set; a client trickling a body is cut off at
// the read timeout instead of holding the connection.
func TestTrickledBodyCutOff(t *testing.T) {
	s, _, _ := testServer(t)
	srv := s.HTTPServer()
	if srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout <= 0 || srv.WriteTimeout <= srv.ReadTimeout || srv.IdleTimeout <= 0 {
		t.Fatalf("timeouts: header %v read %v write %v idle %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
	s.Timeouts.Read = DefaultTimeouts.Read / 60 // half a second: the test need not wait the real one
	srv = s.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const length = 600 // at a byte every 50 ms, half a minute
	fmt.Fprintf(conn, "POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n", length)
	var mu sync.Mutex
	sent := 0
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for range length {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := conn.Write([]byte("a")); err != nil {
				return
			}
			mu.Lock()
			sent++
			mu.Unlock()
		}
	}()
	// Whatever the server answers, it must then close the connection.
	conn.SetReadDeadline(time.Now().Add(length * 50 * time.Millisecond))
	answer, err := io.ReadAll(bufio.NewReader(conn))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a trickling connection open")
	}
	mu.Lock()
	defer mu.Unlock()
	if sent >= length {
		t.Fatalf("the whole body was accepted at a byte every 50 ms: %q", answer)
	}
	t.Logf("cut off after %d of %d bytes: %.60q", sent, length, answer)
}

// On shutdown Serve stops accepting connections and says it is not ready,
// but the request under way is answered; Serve returns once it has been.
func TestServeDrains(t *testing.T) {
	s, _, _ := testServer(t)
	entered, release := make(chan struct{}), make(chan struct{})
	s.mux.HandleFunc("GET /test/slow", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Write([]byte("done"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	answer := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/test/slow")
		if err != nil {
			answer <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answer <- string(b)
	}()
	<-entered
	cancel()
	// The listener closes: new connections are refused.
	for {
		conn, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			break
		}
		conn.Close()
		time.Sleep(5 * time.Millisecond)
	}
	w := httptest.NewRecorder()
	s.ready(w, httptest.NewRequest("GET", "/readyz", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), "shutting down") {
		t.Errorf("readyz while draining: %d %s", w.Code, w.Body)
	}
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) while a request was under way", err)
	default:
	}
	close(release)
	if got := <-answer; got != "done" {
		t.Fatalf("the request under way at shutdown got %q", got)
	}
	if err := <-served; err != nil {
		t.Fatalf("Serve after draining: %v", err)
	}
}

// A request still running when the drain period ends is cut off, and
// Serve says so.
func TestServeDrainIsBounded(t *testing.T) {
	s, _, _ := testServer(t)
	s.Timeouts.Drain = DefaultTimeouts.Drain / 100
	entered := make(chan struct{})
	s.mux.HandleFunc("GET /test/stuck", func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-r.Context().Done() // until the connection is closed under it
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	got := make(chan error, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/test/stuck")
		if err == nil {
			resp.Body.Close()
		}
		got <- err
	}()
	<-entered
	cancel()
	if err := <-served; err == nil || !strings.Contains(err.Error(), "cut off") {
		t.Fatalf("Serve with a request stuck past the drain period: %v", err)
	}
	if err := <-got; err == nil {
		t.Fatal("the stuck request got an answer")
	}
}
