package http

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/etown/duixian"
	"github.com/etown/duixian/reports"
)

// DashboardService computes the dashboard (package reports).
type DashboardService interface {
	Dashboard(ctx context.Context, sc reports.Scope) (*reports.Dashboard, error)
}

// OfficialDashboard is the dashboard: the report for the official's scope,
// how the page names that scope, and its two large parts rendered.
type OfficialDashboard struct {
	*reports.Dashboard
	Scope         string
	UnclaimedRows template.HTML // the rows of the 应享未享 table
	ChartData     template.HTML // the charts' data, a JSON script
}

// dashboardViews keeps the large parts of the dashboard page rendered, per
// report and language: a report is recomputed only when the data changes,
// and its row per enterprise takes longer to render than all the rest.
type dashboardViews struct {
	mu    sync.Mutex
	parts map[dashboardKey]dashboardParts
	rows  map[string]map[string]string // by language, the 应享未享 rows by rowKey
}

type dashboardKey struct {
	report *reports.Dashboard
	lang   string
}

type dashboardParts struct{ rows, data template.HTML }

// keptViews bounds the parts kept: the scopes officials use in both
// languages; a report superseded by a write is dropped with the rest.
const keptViews = 16

func (s *Server) dashboardParts(d *reports.Dashboard, lang string) (dashboardParts, error) {
	v := &s.dashViews
	key := dashboardKey{d, lang}
	v.mu.Lock()
	p, ok := v.parts[key]
	v.mu.Unlock()
	if ok {
		return p, nil
	}
	rows, err := s.unclaimedRows(d.Unclaimed, lang)
	if err != nil {
		return p, err
	}
	var data bytes.Buffer
	if err := s.pages.t.ExecuteTemplate(&data, "dashboard-data", struct{ Chart reports.Chart }{d.Chart(lang, func(zh string) string { return translate(lang, zh) })}); err != nil {
		return p, err
	}
	// Both are the output of the page's own template, escaped as the page
	// would have escaped them.
	p = dashboardParts{rows: template.HTML(rows), data: template.HTML(data.String())}
	v.mu.Lock()
	if len(v.parts) >= keptViews || v.parts == nil {
		v.parts = map[dashboardKey]dashboardParts{}
	}
	v.parts[key] = p
	v.mu.Unlock()
	return p, nil
}

func (s *Server) offDashboardPage(q *Request) error {
	u := q.User
	// The scope is the one the officials' lists have (workflow's read rule).
	d, err := s.Dashboards.Dashboard(q.R.Context(), reports.ScopeOf(u))
	if err != nil {
		return err
	}
	p, err := s.dashboardParts(d, q.Lang())
	if err != nil {
		return err
	}
	v := &OfficialDashboard{Dashboard: d, Scope: "全区", UnclaimedRows: p.rows, ChartData: p.data}
	switch u.Role {
	case duixian.RoleReviewer:
		v.Scope = u.Department + "负责的条款"
	case duixian.RoleCoReviewer:
		v.Scope = "征求" + u.Department + "意见的申报"
	}
	return s.offRender(q, http.StatusOK, "dashboard.html", "统计", v, nil, "")
}

// unclaimedRows renders the 应享未享 rows. Each row is rendered alone and
// kept by what it shows, so that after a write only the rows that changed
// are rendered again (a row per enterprise: 10,000 take 100 ms); those are
// rendered on every core. Rows put end to end are the range's output.
func (s *Server) unclaimedRows(list []reports.Unclaimed, lang string) (string, error) {
	render := func(w *bytes.Buffer, part []reports.Unclaimed) error {
		return s.pages.t.ExecuteTemplate(w, "dashboard-unclaimed", struct {
			Lang      string
			Unclaimed []reports.Unclaimed
		}{lang, part})
	}
	if len(list) == 0 { // the table's empty row
		var b bytes.Buffer
		err := render(&b, nil)
		return b.String(), err
	}
	v := &s.dashViews
	v.mu.Lock()
	kept := v.rows[lang] // never written once published
	v.mu.Unlock()
	keys, html := make([]string, len(list)), make([]string, len(list))
	var todo []int
	for i, u := range list {
		keys[i] = rowKey(u)
		var ok bool
		if html[i], ok = kept[keys[i]]; !ok {
			todo = append(todo, i)
		}
	}
	var next atomic.Int64
	errs := make([]error, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for w := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			for n := int(next.Add(1)) - 1; n < len(todo) && errs[w] == nil; n = int(next.Add(1)) - 1 {
				i := todo[n]
				b.Reset()
				errs[w] = render(&b, list[i:i+1])
				html[i] = b.String()
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	// Keep this view's rows, and the last ones while they are few enough:
	// officials of a few scopes take turns.
	fresh := make(map[string]string, len(list))
	size := 0
	for i := range list {
		fresh[keys[i]] = html[i]
		size += len(html[i])
	}
	for k, h := range kept {
		if len(fresh) >= 4*len(list) {
			break
		}
		fresh[k] = h
	}
	v.mu.Lock()
	if v.rows == nil {
		v.rows = map[string]map[string]string{}
	}
	v.rows[lang] = fresh
	v.mu.Unlock()
	var b strings.Builder
	b.Grow(size)
	for _, h := range html {
		b.WriteString(h)
	}
	return b.String(), nil
}

// rowKey is everything an 应享未享 row shows.
func rowKey(u reports.Unclaimed) string {
	var b strings.Builder
	b.WriteString(u.USCC)
	for _, f := range []string{u.Name, strconv.FormatInt(int64(u.Amount), 10), strconv.Itoa(u.Missing)} {
		b.WriteByte(0)
		b.WriteString(f)
	}
	for _, m := range u.Clauses {
		for _, f := range []string{m.Clause, m.Title, m.Document, strconv.FormatInt(int64(m.Decision.Amount), 10)} {
			b.WriteByte(0)
			b.WriteString(f)
		}
	}
	return b.String()
}
