// Package http serves duixian over HTTP: the JSON API under /api/v1 and the
// pages people use. Every route is declared once in the route table with
// the roles that may call it; the table, not the handlers, decides
// authorization, and a route without roles does not start. What is inside a
// route (an enterprise sees only its own applications, an official only the
// clauses of their department) is decided by package workflow.
package http

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/notify"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/simulation"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sso"
	"github.com/etown/duixian/workflow"
)

// Route is one entry of the route table.
type Route struct {
	Method  string
	Path    string         // a net/http pattern path: /api/v1/applications/{id}
	Roles   []duixian.Role // who may call it; RolePublic: anyone, signed in or not
	Summary string         // for the OpenAPI document and the pages' titles
	API     bool           // JSON in and out; otherwise an HTML page or form
	// Safe routes change nothing (evaluate, match), so a POST needs no CSRF token.
	Safe bool
	// Setup routes stay open to a user who must first change a reset
	// password or enrol a second factor (account.Service.SetupDue): the
	// pages that do it, and signing out. Every other route sends them there.
	Setup bool
	// Upload is the most bytes a multipart body (a file) may have; a route
	// without it refuses multipart bodies (limitBody).
	Upload int64
	handle func(*Request) error
}

// apiRoute and pageRoute declare a route of the API (under /api/v1) and a page.
func apiRoute(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
	return Route{Method: method, Path: "/api/v1" + path, Roles: roles, Summary: summary, API: true, handle: h}
}

func pageRoute(method, path string, roles []duixian.Role, summary string, h func(*Request) error) Route {
	return Route{Method: method, Path: path, Roles: roles, Summary: summary, handle: h}
}

// Server is the HTTP server. Its services are the interfaces declared
// beside the handlers that use them; New wires the concrete ones, and a
// test may set fakes and call init.
type Server struct {
	Now       func() time.Time
	Catalogue *engine.Catalogue
	Accounts  Accounts
	Users     Users
	Refusals  Refusals
	Cases     Cases
	Matching  Matching
	// Notify is every user's inbox (package notify).
	Notify Notifications
	// SSO is single sign-on through an OpenID Connect provider; nil
	// without one.
	SSO SingleSignOn

	// The concrete services and the store, for the pages not yet behind
	// interfaces (and the tests that seed data).
	Service *workflow.Service
	Account *account.Service // its settings: session lifetime, roles that need a second factor
	Qunyan  *qunyan.Service
	Land    *land.Service
	Offers  *matching.Service // Matching; its Queue is set by whoever opens the job queue
	DB      *sqldb.DB
	Routes  []Route
	mux     *http.ServeMux
	pages   *pages

	// tally writes the counts of anonymous visitors' refusals
	// (casework.Tally) every minute and when the server stops.
	tally casework.Desk

	// Dashboards is package reports' service, kept by the server so that
	// what it caches lasts between page views.
	Dashboards DashboardService
	dashViews  dashboardViews
	// Simulator runs 政策仿真 (package simulation).
	Simulator Simulator

	// Operations (docs/deploy.md). Log gets the access log, one line a
	// request, and the errors nobody else reports.
	Log *slog.Logger
	// Proxies are the reverse proxies whose X-Forwarded-Proto and
	// X-Forwarded-For are believed (serve --trusted-proxy).
	Proxies Proxies
	// MetricsToken, when set, is the bearer token /metrics asks for.
	MetricsToken string
	Timeouts     Timeouts
	metrics      *metrics
	draining     atomic.Bool // Serve is shutting down: /readyz says 503
}

// Timeouts bound how long a client may hold a connection.
type Timeouts struct {
	// ReadHeader and Read bound reading a request's header and all of it:
	// a client trickling a body a byte at a time is cut off at Read.
	ReadHeader, Read time.Duration
	// Write bounds a request from the end of its header to the end of the
	// answer, the handler's work included (the slowest page, the first
	// dashboard of a day, takes about a second at 10,000 applications).
	Write time.Duration
	// Idle is how long a kept-alive connection may wait for its next request.
	Idle time.Duration
	// Drain is how long Serve waits, on shutdown, for the requests under
	// way to finish before it cuts them off.
	Drain time.Duration
}

// DefaultTimeouts are a server's unless it is given others.
var DefaultTimeouts = Timeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 2 * time.Minute,
	Idle: 2 * time.Minute, Drain: 25 * time.Second}

// New builds the server over the workflow's store and catalogue.
func New(svc *workflow.Service) (*Server, error) {
	// Every service reads the workflow's clock, so a test that moves it moves all.
	now := func() time.Time { return svc.Now() }
	acc := account.New(svc.DB, now)
	offers := matching.NewService(svc)
	refusals := casework.Desk{DB: svc.DB, Now: now, Tally: svc.Denials}
	s := &Server{Now: now, Catalogue: svc.Catalogue, Accounts: acc, Users: acc, Account: acc, Refusals: refusals, tally: refusals,
		Cases: svc, Matching: offers, Offers: offers, Service: svc, DB: svc.DB,
		Qunyan: qunyan.New(svc.DB, svc.Catalogue), Land: land.New(svc.DB, svc.Catalogue)}
	s.Qunyan.Now, s.Land.Now = now, now
	s.Dashboards = &reports.Service{DB: svc.DB, Catalogue: svc.Catalogue, Now: now}
	s.Simulator = &simulation.Service{DB: svc.DB, Catalogue: svc.Catalogue}
	n := notify.New(svc.DB, svc.Catalogue)
	n.Now = now
	s.Notify = n
	s.metrics = newMetrics(svc.DB)
	// The workflow's decisions are counted by this server's metrics.
	svc.Decided = s.metrics.Decided
	return s, s.init()
}

// init builds the route table and the pages.
func (s *Server) init() error {
	s.mux = http.NewServeMux()
	for _, part := range [][]Route{s.apiRoutes(), s.offerRoutes(), s.pageRoutes(), s.qunyanRoutes(), s.landRoutes(), s.diagnosisRoutes(), s.accountPages(), s.ssoRoutes(), s.authorRoutes(), s.simulateRoutes(), s.notificationRoutes(), s.exportRoutes(), s.roundRoutes(), s.planRoutes(), s.materialRoutes(), s.printRoutes()} {
		s.Routes = append(s.Routes, part...)
	}
	var err error
	if s.pages, err = loadPages(s.runsOffers); err != nil {
		return err
	}
	s.pages.unread = func(u *duixian.User) int { return s.unreadOf(context.Background(), u) }
	if err := validRoutes(s.Routes); err != nil {
		return err
	}
	for _, rt := range s.Routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	s.mux.Handle("GET /static/", staticHandler())
	if s.metrics == nil {
		s.metrics = newMetrics(s.DB)
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Timeouts == (Timeouts{}) {
		s.Timeouts = DefaultTimeouts
	}
	s.operationRoutes()
	return nil
}

// validRoutes refuses a route table in which a route does not say who may
// call it, or says it twice.
func validRoutes(routes []Route) error {
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Path
		switch {
		case len(rt.Roles) == 0:
			return fmt.Errorf("route %s has no roles: every route must say who may call it", key)
		case rt.handle == nil:
			return fmt.Errorf("route %s has no handler", key)
		case seen[key]:
			return fmt.Errorf("route %s is declared twice", key)
		}
		seen[key] = true
	}
	return nil
}

func (s *Server) now() time.Time { return s.Now() }

func randomToken() string { return account.NewToken() }

// ServeHTTP serves a request with security headers on every response,
// and counts and logs it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now() // the real clock: tests move s.Now
	info := &requestInfo{id: s.Proxies.requestID(r)}
	info.client, info.secure = s.Proxies.origin(r)
	r = withRequestInfo(r, info)
	rec := &statusRecorder{ResponseWriter: w}
	h := w.Header()
	h.Set("X-Request-Id", info.id)
	if info.secure {
		h.Set("Strict-Transport-Security", hsts)
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		// Cases, files and sessions must not outlive the page in a shared
		// computer's cache or a proxy; only the static assets are cacheable.
		h.Set("Cache-Control", "no-store")
	}
	s.mux.ServeHTTP(rec, r)
	took := time.Since(start)
	s.metrics.observe(r, rec.code(), took)
	s.logRequest(r, info, rec, took)
}

// Request is what a handler gets: the request, the session and its user.
type Request struct {
	W       http.ResponseWriter
	R       *http.Request
	Session *duixian.Session // nil for an anonymous visitor
	User    *duixian.User    // nil for an anonymous visitor
	CSRF    string
	route   Route
}

// Actor is who acts: the user, or the public from an address (behind a
// trusted proxy, the address the proxy forwards for).
func (q *Request) Actor() duixian.Actor {
	ip := infoOf(q.R).client
	if q.User == nil {
		return duixian.Actor{User: "public@" + ip, Role: duixian.RolePublic, IP: ip}
	}
	return q.User.Actor(ip)
}

// Lang is the page language: zh unless the visitor chose English.
func (q *Request) Lang() string {
	if c, err := q.R.Cookie("duixian_lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh"
}

// textCookie keeps a visitor's text size: "large" for the larger text.
const textCookie = "duixian_text"

// LargeText is whether the visitor chose the larger text (适老化).
func (q *Request) LargeText() bool {
	c, err := q.R.Cookie(textCookie)
	return err == nil && c.Value == "large"
}

func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &Request{W: w, R: r, route: rt}
		err := limitBody(q)
		if err == nil {
			err = s.authenticate(q)
		}
		if err == nil {
			err = s.authorize(q)
		}
		if err == nil {
			err = rt.handle(q)
		}
		if err != nil {
			s.fail(q, err)
		}
		if q.User != nil {
			infoOf(r).user = q.User.Name
		}
	})
}

// statuses maps application error codes to HTTP, once; any other is 500.
var statuses = map[string]int{duixian.EINVALID: http.StatusBadRequest, "unauthenticated": http.StatusUnauthorized,
	duixian.EFORBIDDEN: http.StatusForbidden, duixian.ENOTFOUND: http.StatusNotFound, duixian.ECONFLICT: http.StatusConflict,
	duixian.EREFUSED:                   http.StatusUnprocessableEntity,
	account.ErrMustChangePassword.Code: http.StatusForbidden, account.ErrMustEnrol.Code: http.StatusForbidden,
	errTooLarge.Code: http.StatusRequestEntityTooLarge, errNoFiles.Code: http.StatusUnsupportedMediaType,
	errTooSlow.Code: http.StatusRequestTimeout, sso.Unavailable: http.StatusServiceUnavailable}

// setupPages are where a user is sent who must do something first.
var setupPages = map[string]string{account.ErrMustChangePassword.Code: "/account/password", account.ErrMustEnrol.Code: "/account/second-factor"}

func status(code string) int {
	if c, ok := statuses[code]; ok {
		return c
	}
	return http.StatusInternalServerError
}

func (s *Server) fail(q *Request, err error) {
	var e *duixian.Error
	if !errors.As(err, &e) {
		s.Log.Error("internal error", "route", q.route.Method+" "+q.route.Path, "error", err, "request_id", infoOf(q.R).id)
		e = &duixian.Error{Code: duixian.EINTERNAL, Zh: "系统内部错误，请稍后重试", En: "internal error; please retry later"}
	}
	code := status(e.Code)
	if !q.route.API {
		if e.Code == "unauthenticated" {
			http.Redirect(q.W, q.R, "/login?next="+q.R.URL.RequestURI(), http.StatusSeeOther)
			return
		}
		if page, ok := setupPages[e.Code]; ok {
			http.Redirect(q.W, q.R, page, http.StatusSeeOther)
			return
		}
		s.pages.errorPage(q, code, e)
		return
	}
	writeJSON(q.W, code, e)
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	// A type that marshals itself (a Decision) is written as it marshals:
	// the encoder would otherwise parse and compact those bytes again.
	if m, ok := v.(json.Marshaler); ok {
		if b, err := m.MarshalJSON(); err == nil {
			w.WriteHeader(code)
			w.Write(append(b, '\n'))
			return
		}
	}
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// ok writes a JSON answer.
func (q *Request) ok(v any) error {
	writeJSON(q.W, http.StatusOK, v)
	return nil
}

// send writes v as a JSON answer, or returns err: q.send(service call).
func (q *Request) send(v any, err error) error {
	if err != nil {
		return err
	}
	return q.ok(v)
}

// decode reads a JSON body strictly: an unknown field is an error.
func (q *Request) decode(v any) error {
	dec := json.NewDecoder(q.R.Body) // limited by limitBody
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return duixian.Errorf(duixian.EINVALID, "body", "请求体不是有效的 JSON：%v", "the body is not valid JSON: %v", err)
	}
	return nil
}

// decodeWindow reads a period given as its first day and its length in
// working days, as 公示 and the land notice are opened: {"start", "days"}.
func (q *Request) decodeWindow() (start duixian.Date, days int, err error) {
	var in struct {
		Start string `json:"start"`
		Days  int    `json:"days"`
	}
	if err := q.decode(&in); err != nil {
		return start, 0, err
	}
	if start, err = duixian.ParseDate(in.Start); err != nil {
		return start, 0, duixian.Errorf(duixian.EINVALID, "start", "日期格式应为 YYYY-MM-DD", "start must be YYYY-MM-DD")
	}
	return start, in.Days, nil
}

// HTTPServer is the net/http server of s, with its timeouts.
func (s *Server) HTTPServer() *http.Server {
	t := s.Timeouts
	return &http.Server{Handler: s, ReadHeaderTimeout: t.ReadHeader, ReadTimeout: t.Read, WriteTimeout: t.Write,
		IdleTimeout: t.Idle, ErrorLog: slog.NewLogLogger(s.Log.Handler(), slog.LevelWarn)}
}

// Serve serves on ln until ctx ends, then shuts down: it stops accepting
// connections (and /readyz says 503 on those still open), lets the
// requests under way finish for up to Timeouts.Drain, and closes the
// connections of those that have not, which cancels their contexts: a
// transaction of theirs rolls back, unacknowledged. It returns then, so
// the caller may close the store.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := s.HTTPServer()
	if s.tally.Tally != nil {
		tctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		flushed := make(chan struct{})
		go func() {
			s.tally.FlushEvery(tctx, time.Minute, func(f string, a ...any) { s.Log.Warn(fmt.Sprintf(f, a...)) })
			close(flushed)
		}()
		// Last, once no request is served any more: the final counts.
		defer func() { stop(); <-flushed }()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	s.draining.Store(true)
	dctx, cancel := context.WithTimeout(context.Background(), s.Timeouts.Drain)
	defer cancel()
	if err := srv.Shutdown(dctx); err != nil {
		srv.Close()
		return fmt.Errorf("requests still under way after %v were cut off: %w", s.Timeouts.Drain, err)
	}
	return nil
}

func trimID(doc, art string) string { return strings.TrimSpace(doc) + "/" + strings.TrimSpace(art) }
