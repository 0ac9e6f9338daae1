package http

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/workflow"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	return http.StripPrefix("/static/", http.FileServer(http.FS(sub)))
}

type pages struct {
	t *template.Template
	// unread counts a user's unread notifications for the navigation;
	// the server sets it (nil: none shown).
	unread func(*duixian.User) int
}

// loadPages parses the templates; runsOffers says whether a user has the
// 免申即享 tab (Server.runsOffers).
func loadPages(runsOffers func(*duixian.User) bool) (*pages, error) {
	p := &pages{}
	t, err := template.New("").Funcs(template.FuncMap{
		"runsOffers": runsOffers,
		"unread": func(u *duixian.User) int {
			if p.unread == nil || u == nil {
				return 0
			}
			return p.unread(u)
		},
		"wan":     func(fen int64) string { return duixian.Money(fen).Wan() },
		"money":   func(m duixian.Money) string { return m.Wan() },
		"yuan":    func(m duixian.Money) string { return m.String() },
		"status":  func(s duixian.Status) string { return s.Zh() },
		"lines":   func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") },
		"t":       translate,
		"beijing": beijing,
		"action":  offAction,
		"split":   strings.SplitN,
		"join":    strings.Join,
		"exports": exportsFor,
		// dict gives a shared template its arguments: (dict "P" .Pager "Lang" $.Lang).
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
	}).ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	p.t = t
	return p, nil
}

// View is what every page template gets.
type View struct {
	Title string
	User  *duixian.User
	CSRF  string
	Lang  string
	Path  string
	Data  any
	Error *duixian.Error
	Flash string
	// Large is the visitor's choice of the larger text (适老化), kept in a
	// cookie as the language is.
	Large bool
}

// viewOf is the View of every page: who asks, in which language and text size.
func viewOf(q *Request, title string, data any) View {
	return View{Title: title, User: q.User, CSRF: q.CSRF, Lang: q.Lang(), Large: q.LargeText(), Path: q.R.URL.Path, Data: data}
}

func (p *pages) render(q *Request, code int, name, title string, data any) error {
	v := viewOf(q, title, data)
	var buf bytes.Buffer
	if err := p.t.ExecuteTemplate(&buf, name, v); err != nil {
		return err
	}
	q.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.W.WriteHeader(code)
	_, err := buf.WriteTo(q.W)
	return err
}

func (p *pages) errorPage(q *Request, code int, e *duixian.Error) {
	v := viewOf(q, "出错了", nil)
	v.Error = e
	q.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.W.WriteHeader(code)
	p.t.ExecuteTemplate(q.W, "error.html", v)
}

// translations: the pages are Chinese; English is offered for every label.
// The labels are data, one file for every page, read once at start.
//
//go:embed i18n/en.json
var translationsJSON []byte

var translations = func() map[string]string {
	m := map[string]string{}
	if err := json.Unmarshal(translationsJSON, &m); err != nil {
		panic("http/i18n/en.json: " + err.Error()) // embedded: a broken file cannot build a passing test
	}
	return m
}()

// beijing prints a time in Beijing time, whatever zone it was read in
// (the stores give UTC): a time.Time, or the audit log's RFC 3339 text.
func beijing(at any, layout string) string {
	switch t := at.(type) {
	case time.Time:
		if t.IsZero() {
			return ""
		}
		return t.In(duixian.Shanghai).Format(layout)
	case string:
		if parsed, err := time.Parse(time.RFC3339Nano, t); err == nil {
			return parsed.In(duixian.Shanghai).Format(layout)
		}
		return t
	}
	return fmt.Sprint(at)
}

func translate(lang, zh string) string {
	if lang == "en" {
		if en, ok := translations[zh]; ok {
			return en
		}
	}
	return zh
}

func (s *Server) pageRoutes() []Route {
	page := pageRoute
	setup := func(rt Route) Route { rt.Setup = true; return rt }
	routes := []Route{
		page("GET", "/{$}", anyone, "首页", func(q *Request) error {
			return s.pages.render(q, 200, "home.html", "政策兑现平台", homeOf(s.Catalogue))
		}),
		setup(page("GET", "/lang/{lang}", anyone, "切换语言", func(q *Request) error {
			lang := q.R.PathValue("lang")
			if lang != "en" {
				lang = "zh"
			}
			q.setCookie(&http.Cookie{Name: "duixian_lang", Value: lang, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
			http.Redirect(q.W, q.R, sameSiteBack(q), http.StatusSeeOther)
			return nil
		})),
		setup(page("GET", "/text/{size}", anyone, "切换字号", func(q *Request) error {
			size := "normal"
			if q.R.PathValue("size") == "large" {
				size = "large"
			}
			// A year: the choice is the reader's eyes', not the session's.
			q.setCookie(&http.Cookie{Name: textCookie, Value: size, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
			http.Redirect(q.W, q.R, sameSiteBack(q), http.StatusSeeOther)
			return nil
		})),
		page("GET", "/login", anyone, "登录", func(q *Request) error {
			data := s.loginData(safeNext(q.R.URL.Query().Get("next")))
			if q.Session != nil && q.Session.SecondFactorDue {
				return s.pages.render(q, 200, "login_code.html", "双因素认证", data)
			}
			return s.pages.render(q, 200, "login.html", "登录", data)
		}),
		page("POST", "/login", anyone, "登录", func(q *Request) error {
			if err := s.login(q, q.R.PostFormValue("name"), q.R.PostFormValue("password")); err != nil {
				e, _ := err.(*duixian.Error)
				if e == nil {
					return err
				}
				v := viewOf(q, "登录", s.loginData(safeNext(q.R.PostFormValue("next"))))
				v.User, v.Error = nil, e
				q.W.Header().Set("Content-Type", "text/html; charset=utf-8")
				q.W.WriteHeader(status(e.Code))
				return s.pages.t.ExecuteTemplate(q.W, "login.html", v)
			}
			next := safeNext(q.R.PostFormValue("next"))
			if q.User == nil { // the second factor is due
				next = "/login?next=" + url.QueryEscape(next)
			}
			http.Redirect(q.W, q.R, landing(q.User, next), http.StatusSeeOther)
			return nil
		}),
		setup(page("POST", "/logout", signedIn, "退出", func(q *Request) error {
			idToken := q.Session.IDToken
			if err := s.logout(q); err != nil {
				return err
			}
			http.Redirect(q.W, q.R, s.afterLogout(idToken), http.StatusSeeOther)
			return nil
		})),
		page("GET", "/policies", anyone, "政策库", func(q *Request) error {
			v, err := s.policyLibrary(q)
			if err != nil {
				return err
			}
			return s.pages.render(q, 200, "policies.html", "政策库", v)
		}),
		page("GET", "/policies/{doc}/{art}", anyone, "条款", func(q *Request) error {
			cl, ok := s.Catalogue.Clause(trimID(q.R.PathValue("doc"), q.R.PathValue("art")))
			if !ok {
				return duixian.Errorf(duixian.ENOTFOUND, "clause", "没有该条款", "no such clause")
			}
			v := cl.View()
			return s.pages.render(q, 200, "clause.html", v.Title, v)
		}),
		page("GET", "/publicity", anyone, "公示", func(q *Request) error { return s.publicityPage(q, http.StatusOK, &PublicityPage{}, nil) }),
		page("POST", "/publicity/{id}/objections", anyone, "提出异议", func(q *Request) error {
			id := q.R.PathValue("id")
			o, err := s.Cases.Object(q.R.Context(), q.Actor(), id, workflow.ObjectionInput{Text: q.R.PostFormValue("text"),
				Evidence: q.R.PostFormValue("evidence"), Name: q.R.PostFormValue("name"), Phone: q.R.PostFormValue("phone"), Email: q.R.PostFormValue("email")})
			var e *duixian.Error
			if errors.As(err, &e) {
				return s.publicityPage(q, status(e.Code), &PublicityPage{Failed: id, Posted: q.R.PostForm}, e)
			}
			if err != nil {
				return err
			}
			// The receipt is shown here, not carried in a redirect's
			// address, where anyone could write one.
			return s.publicityPage(q, http.StatusOK, &PublicityPage{Receipt: o.ID}, nil)
		}),
	}
	return append(append(routes, s.enterprisePages()...), s.officialPages()...)
}

// HomePage is the home page's shelves: the gazette's documents; the older
// documents they annul or replace, with by which and from when; and the
// listing standards the 上市诊断 compares against, which are not the
// gazette's.
type HomePage struct {
	Gazette   []*engine.Document
	Ended     []EndedDocument
	Standards []*engine.Document
}

// EndedDocument is a document the catalogue keeps as a record of an older
// text, with what ended it.
type EndedDocument struct {
	*engine.Document
	Annulled   *engine.Annulment
	Superseded []engine.Supersession
}

func homeOf(cat *engine.Catalogue) HomePage {
	var h HomePage
	for _, d := range cat.Documents() {
		switch {
		case d.Gazette():
			h.Gazette = append(h.Gazette, d)
		case d.Record:
			h.Ended = append(h.Ended, EndedDocument{Document: d, Annulled: d.Annulled(), Superseded: cat.SupersededBy(d)})
		default:
			h.Standards = append(h.Standards, d)
		}
	}
	return h
}

// PublicityPage is the 公示 page: the applications in publicity; after an
// objection, its receipt number, or the form that failed with what was posted.
type PublicityPage struct {
	Items []workflow.PublicityItem
	// Groups are the items in runs: the projects of one annual plan under
	// its title, published together; an application on its own alone.
	Groups  []PublicityGroup
	Next    string // the address of the next page; "" on the last
	Receipt string
	Failed  string
	Posted  url.Values
	// Today is the day the page was made: a project whose window has
	// ended stays listed until it is decided, without the objection form
	// (逾期不予受理).
	Today duixian.Date
}

// Open says whether it still takes objections today (its last day 含).
func (p *PublicityPage) Open(it workflow.PublicityItem) bool { return !p.Today.After(it.Until) }

// PublicityGroup is a run of the 公示 list under one plan's title, or one
// application published on its own (no title).
type PublicityGroup struct {
	Title string
	Items []workflow.PublicityItem
}

func groupPublicity(items []workflow.PublicityItem) []PublicityGroup {
	var out []PublicityGroup
	for _, it := range items {
		if n := len(out); n > 0 && it.Plan != "" && out[n-1].Items[0].Plan == it.Plan {
			out[n-1].Items = append(out[n-1].Items, it)
			continue
		}
		out = append(out, PublicityGroup{Title: it.PlanTitle, Items: []workflow.PublicityItem{it}})
	}
	return out
}

// Val is what was posted in the failed objection form of application id.
func (p *PublicityPage) Val(id, name string) string {
	if p.Failed != id || p.Posted == nil {
		return ""
	}
	return p.Posted.Get(name)
}

func (s *Server) publicityPage(q *Request, code int, v *PublicityPage, e *duixian.Error) error {
	p, err := q.page()
	if err != nil {
		return err
	}
	page, err := s.Cases.Publicity(q.R.Context(), p)
	if err != nil {
		return err
	}
	v.Items, v.Today = page.Items, duixian.DateOf(s.now())
	v.Groups = groupPublicity(page.Items)
	if page.Next != "" {
		v.Next = "/publicity?after=" + url.QueryEscape(page.Next)
	}
	flash := ""
	if v.Receipt != "" {
		flash = "异议已受理，回执号 " + v.Receipt + "。请保存回执号：答复时将联系您，查询时请提供。"
	}
	return s.offRender(q, code, "publicity.html", "公示", v, e, flash)
}

// sameSiteBack is the page a switch (language, text size) was clicked on,
// if it was on this site; the home page otherwise.
func sameSiteBack(q *Request) string {
	back := q.R.Referer()
	if u, err := url.Parse(back); err != nil || u.Host != q.R.Host {
		return "/"
	}
	return back
}

// safeNext keeps redirects on this site.
func safeNext(next string) string {
	// Browsers read a backslash as a slash and drop tabs and newlines, so
	// "/\evil.example" and "/\t/evil.example" lead off the site as "//" does.
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.ContainsFunc(next, func(r rune) bool { return r == '\\' || unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

// policyPageSize is how many clauses a page of the 政策库 shows.
const policyPageSize = 30

// PolicyLibrary is a page of the 政策库: the clauses the filters find,
// sorted, a page of them, and the filters as the address keeps them, so
// that a view can be bookmarked.
type PolicyLibrary struct {
	Rows                     []engine.ClauseView
	Documents                []*engine.Document
	Departments              []string
	Zones                    []engine.EnumValue
	Q, Doc, Dept, Zone, Sort string
	Pager                    Pager
}

// policySorts are the orders of the 政策库 beside the catalogue's own
// (document by document, article by article).
var policySorts = map[string]func(a, b engine.ClauseView) int{
	"dept":  func(a, b engine.ClauseView) int { return strings.Compare(a.Department, b.Department) },
	"title": func(a, b engine.ClauseView) int { return strings.Compare(a.Title, b.Title) },
}

// policyLibrary searches the library by the query: q (text), doc, dept,
// zone; sorts it by sort (dept, title; the catalogue's order otherwise) and
// shows page page.
func (s *Server) policyLibrary(q *Request) (*PolicyLibrary, error) {
	qs := q.R.URL.Query()
	v := &PolicyLibrary{Q: strings.TrimSpace(qs.Get("q")), Doc: qs.Get("doc"), Dept: qs.Get("dept"), Zone: qs.Get("zone"), Sort: qs.Get("sort"),
		Documents: s.Catalogue.Documents(), Zones: s.Catalogue.Zones()}
	rows, depts := s.Catalogue.Library(v.Q, v.Doc, v.Dept, v.Zone)
	v.Departments = depts
	if by, ok := policySorts[v.Sort]; ok {
		slices.SortStableFunc(rows, by)
	} else {
		v.Sort = ""
	}
	var err error
	v.Rows, v.Pager, err = pageOf(rows, qs, policyPageSize)
	return v, err
}
