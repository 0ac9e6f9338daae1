// Package http serves duixian over HTTP: the JSON API under /api/v1 and the
// pages people use. Every route is declared once in the route table with
// the roles that may call it; the table, not the handlers, decides
// authorization, and a route without roles does not start. What is inside a
// route (an enterprise sees only its own applications, an official only the
// clauses of their department) is decided by package workflow.
package http

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
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
	Safe   bool
	handle func(*Request) error
}

// Server is the HTTP server.
type Server struct {
	Service   *workflow.Service
	Qunyan    *qunyan.Service
	Land      *land.Service
	Catalogue *engine.Catalogue
	DB        *sqldb.DB
	Routes    []Route
	mux       *http.ServeMux
	pages     *pages

	// Dashboards is package reports' service, kept by the server so that
	// what it caches lasts between page views.
	Dashboards DashboardService
	dashViews  dashboardViews
}

// Idle timeouts: officials are signed out after 15 minutes without a
// request, enterprise staff after 30.
const (
	officialIdle   = 15 * time.Minute
	enterpriseIdle = 30 * time.Minute
	// lockAfter failed sign-ins lock an account for lockFor.
	lockAfter = 5
	lockFor   = 15 * time.Minute
)

// New builds the server and its route table.
func New(svc *workflow.Service) (*Server, error) {
	s := &Server{Service: svc, Catalogue: svc.Catalogue, DB: svc.DB, mux: http.NewServeMux(),
		Qunyan: qunyan.New(svc.DB, svc.Catalogue), Land: land.New(svc.DB, svc.Catalogue)}
	// The registries read the workflow's clock, so a test that moves it moves all.
	now := func() time.Time { return svc.Now() }
	s.Qunyan.Now, s.Land.Now = now, now
	s.Dashboards = &reports.Service{DB: svc.DB, Catalogue: svc.Catalogue, Now: now}
	for _, part := range [][]Route{s.apiRoutes(), s.offerRoutes(), s.pageRoutes(), s.qunyanRoutes(), s.landRoutes(), s.diagnosisRoutes()} {
		s.Routes = append(s.Routes, part...)
	}
	var err error
	if s.pages, err = loadPages(s.runsOffers); err != nil {
		return nil, err
	}
	if err := validRoutes(s.Routes); err != nil {
		return nil, err
	}
	for _, rt := range s.Routes {
		s.mux.Handle(rt.Method+" "+rt.Path, s.wrap(rt))
	}
	s.mux.Handle("GET /static/", staticHandler())
	return s, nil
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

func (s *Server) now() time.Time { return s.Service.Now() }

// ServeHTTP serves a request with security headers on every response.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'")
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
	server  *Server
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
		q := &Request{W: w, R: r, route: rt, server: s}
		if err := s.authenticate(q); err != nil {
			s.fail(q, err)
			return
		}
		if err := s.authorize(q); err != nil {
			s.fail(q, err)
			return
		}
		if err := rt.handle(q); err != nil {
			s.fail(q, err)
		}
	})
}

const (
	sessionCookie = "duixian_session"
	csrfCookie    = "duixian_csrf"
)

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func idleLimit(r duixian.Role) time.Duration {
	if r == duixian.RoleEnterprise {
		return enterpriseIdle
	}
	return officialIdle
}

// authenticate finds the session and its user; an idle session ends here.
// Every visitor also gets a CSRF token: the session's when signed in, a
// double-submit cookie otherwise.
//
// Every request passes here, so the lookup is a Read, which waits for no
// writer. A write follows only when there is something to write: ending an
// idle session, or noting a session's use once a minute.
func (s *Server) authenticate(q *Request) error {
	if c, err := q.R.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.session(q, hashToken(c.Value)); err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND {
			return err
		}
	}
	if q.Session == nil {
		if c, err := q.R.Cookie(csrfCookie); err == nil && len(c.Value) == 64 {
			q.CSRF = c.Value
		} else {
			q.CSRF = randomToken()
			http.SetCookie(q.W, &http.Cookie{Name: csrfCookie, Value: q.CSRF, Path: "/", HttpOnly: true,
				SameSite: http.SameSiteLaxMode, Secure: q.R.TLS != nil})
		}
	}
	return nil
}

// session signs q in with the session whose token hashes to hash, if it
// exists and has not been idle too long.
func (s *Server) session(q *Request, hash string) error {
	ctx := q.R.Context()
	var sess *duixian.Session
	var u *duixian.User
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if sess, err = tx.Session(hash); err != nil {
			return err
		}
		u, err = tx.User(sess.User)
		return err
	})
	if err != nil {
		return err
	}
	now := s.now()
	switch idle := now.Sub(sess.LastSeen); {
	case idle > idleLimit(u.Role):
		return s.DB.Tx(ctx, func(tx *sqldb.Tx) error { return tx.DeleteSession(hash) })
	case idle > time.Minute:
		// Read again in the write: a session ended (signed out) since the
		// read must stay ended, not be written back.
		err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
			cur, err := tx.Session(hash)
			if err != nil {
				return err
			}
			cur.LastSeen = now
			sess = cur
			return tx.PutSession(cur)
		})
		if err != nil {
			return err
		}
	}
	q.Session, q.User, q.CSRF = sess, u, sess.CSRF
	return nil
}

var (
	errSignIn = &duixian.Error{Code: "unauthenticated", Zh: "请先登录", En: "please sign in"}
)

// authorize applies the route table: the route's roles, and a CSRF token on
// every request that changes something.
func (s *Server) authorize(q *Request) error {
	rt := q.route
	if !slices.Contains(rt.Roles, duixian.RolePublic) {
		if q.User == nil {
			return errSignIn
		}
		if !slices.Contains(rt.Roles, q.User.Role) {
			return s.refuse(q, "route", duixian.Errorf(duixian.EFORBIDDEN, "route", "无权访问", "you may not use this"))
		}
	}
	if q.R.Method != http.MethodGet && q.R.Method != http.MethodHead && !rt.Safe {
		sent := q.R.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = q.R.PostFormValue("csrf")
		}
		if subtle.ConstantTimeCompare([]byte(sent), []byte(q.CSRF)) != 1 {
			return s.refuse(q, "csrf", duixian.Errorf(duixian.EFORBIDDEN, "csrf", "请求校验失败，请刷新页面后重试", "the request's CSRF token is missing or wrong; reload and retry"))
		}
	}
	return nil
}

// refuse writes a refusal by the route table to the audit log, filed under
// the request, and returns it (or, if it could not be written, an error
// naming both).
func (s *Server) refuse(q *Request, what string, err error) error {
	d := casework.Desk{DB: s.DB, Now: s.now}
	return d.Refused(q.R.Context(), q.Actor(), what, q.R.Method+" "+q.R.URL.Path, err)
}

// status maps application error codes to HTTP, once.
func status(code string) int {
	switch code {
	case duixian.EINVALID:
		return http.StatusBadRequest
	case "unauthenticated":
		return http.StatusUnauthorized
	case duixian.EFORBIDDEN:
		return http.StatusForbidden
	case duixian.ENOTFOUND:
		return http.StatusNotFound
	case duixian.ECONFLICT:
		return http.StatusConflict
	case duixian.EREFUSED:
		return http.StatusUnprocessableEntity
	case "locked":
		return http.StatusLocked
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
