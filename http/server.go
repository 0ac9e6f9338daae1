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
	"log"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/reports"
	"github.com/etown/duixian/sqldb"
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
	Setup  bool
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

	// Dashboards is package reports' service, kept by the server so that
	// what it caches lasts between page views.
	Dashboards DashboardService
	dashViews  dashboardViews
}

// New builds the server over the workflow's store and catalogue.
func New(svc *workflow.Service) (*Server, error) {
	// Every service reads the workflow's clock, so a test that moves it moves all.
	now := func() time.Time { return svc.Now() }
	acc := account.New(svc.DB, now)
	offers := matching.NewService(svc)
	s := &Server{Now: now, Catalogue: svc.Catalogue, Accounts: acc, Users: acc, Account: acc, Refusals: casework.Desk{DB: svc.DB, Now: now},
		Cases: svc, Matching: offers, Offers: offers, Service: svc, DB: svc.DB,
		Qunyan: qunyan.New(svc.DB, svc.Catalogue), Land: land.New(svc.DB, svc.Catalogue)}
	s.Qunyan.Now, s.Land.Now = now, now
	s.Dashboards = &reports.Service{DB: svc.DB, Catalogue: svc.Catalogue, Now: now}
	return s, s.init()
}

// init builds the route table and the pages.
func (s *Server) init() error {
	s.mux = http.NewServeMux()
	for _, part := range [][]Route{s.apiRoutes(), s.offerRoutes(), s.pageRoutes(), s.qunyanRoutes(), s.landRoutes(), s.diagnosisRoutes(), s.accountPages()} {
		s.Routes = append(s.Routes, part...)
	}
	var err error
	if s.pages, err = loadPages(s.runsOffers); err != nil {
		return err
	}
	if err := validRoutes(s.Routes); err != nil {
		return err
	}
	for _, rt := range s.Routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	s.mux.Handle("GET /static/", staticHandler())
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

// ServeHTTP serves a request with security headers on every response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
	if !strings.HasPrefix(r.URL.Path, "/static/") {
		// Cases, files and sessions must not outlive the page in a shared
		// computer's cache or a proxy; only the static assets are cacheable.
		h.Set("Cache-Control", "no-store")
	}
	s.mux.ServeHTTP(w, r)
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

// Actor is who acts: the user, or the public from an address.
func (q *Request) Actor() duixian.Actor {
	ip := clientIP(q.R)
	if q.User == nil {
		return duixian.Actor{User: "public@" + ip, Role: duixian.RolePublic, IP: ip}
	}
	return q.User.Actor(ip)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Lang is the page language: zh unless the visitor chose English.
func (q *Request) Lang() string {
	if c, err := q.R.Cookie("duixian_lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh"
}

func (s *Server) wrap(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := &Request{W: w, R: r, route: rt}
		err := s.authenticate(q)
		if err == nil {
			err = s.authorize(q)
		}
		if err == nil {
			err = rt.handle(q)
		}
		if err != nil {
			s.fail(q, err)
		}
	})
}

// statuses maps application error codes to HTTP, once; any other is 500.
var statuses = map[string]int{duixian.EINVALID: http.StatusBadRequest, "unauthenticated": http.StatusUnauthorized,
	duixian.EFORBIDDEN: http.StatusForbidden, duixian.ENOTFOUND: http.StatusNotFound, duixian.ECONFLICT: http.StatusConflict,
	duixian.EREFUSED:                   http.StatusUnprocessableEntity,
	account.ErrMustChangePassword.Code: http.StatusForbidden, account.ErrMustEnrol.Code: http.StatusForbidden}

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
		log.Printf("%s %s: %v", q.R.Method, q.R.URL.Path, err)
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
	dec := json.NewDecoder(http.MaxBytesReader(q.W, q.R.Body, 8<<20))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
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

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: s, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

func trimID(doc, art string) string { return strings.TrimSpace(doc) + "/" + strings.TrimSpace(art) }
