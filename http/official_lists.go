package http

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/workflow"
)

// OfficialRow is one application in a list.
type OfficialRow struct {
	ID, Enterprise, Name      string
	Clause, Title, Doc, Label string
	Status                    duixian.Status
	Amount                    duixian.Money // proposed, else the latest review's
	Approved, Paid            duixian.Money
	Batched                   bool
	Updated                   string
	Window                    string // publicity From–Until
	DaysLeft                  int
	Ended                     bool
	Objections, Open          int
	Pending                   int    // co-review opinions awaited
	Requested                 string // when this department's opinion was asked
	Given                     string
}

// Remaining is what is still to pay.
func (r OfficialRow) Remaining() duixian.Money { return r.Approved - r.Paid }

// OfficialGroup is one stage of a queue.
type OfficialGroup struct {
	Key, Title, Hint, Kind string
	Rows                   []OfficialRow
	More                   string // the address of the stage's next page; "" on the last
}

// OfficialQueue is the signed-in official's work.
type OfficialQueue struct {
	Role   duixian.Role
	Scope  string
	Groups []OfficialGroup
	Total  int
	Paged  bool // a later page of one stage is shown
	Filter QueueFilter
}

// QueueFilter is the search, filters and order of a queue as the address
// gives them (q, clause, year, status, sort), and what they can be.
type QueueFilter struct {
	Q, Clause, Year, Status, Sort string
	Clauses                       []OfficialClause
	Statuses                      []duixian.Status // the status filter's choices; none when every stage has its own
	Years                         []int
	On                            bool // some filter is set
}

// OfficialClause is a clause as a filter offers it.
type OfficialClause struct{ ID, Title, Doc, Label string }

// rows turns applications into rows; names are the enterprises'.
func (s *offPages) rows(list []*duixian.Application, names map[string]string, u *duixian.User) []OfficialRow {
	today := s.today()
	var out []OfficialRow
	for _, a := range list {
		r := OfficialRow{ID: a.ID, Enterprise: a.Enterprise, Name: names[a.Enterprise], Clause: a.Clause, Title: a.Clause, Status: a.Status,
			Approved: a.Approved, Paid: a.Paid(), Updated: offTime(a.Updated), Objections: len(a.Objections)}
		if cl, ok := s.cat.Clause(a.Clause); ok {
			r.Title, r.Doc, r.Label = cl.Title, cl.Document.Short, cl.Article.Label
		}
		switch {
		case a.Proposed > 0:
			r.Amount = a.Proposed
		case a.Review != nil:
			r.Amount = a.Review.Amount
		}
		r.Batched = a.Decision != nil && a.Decision.Batched
		if p := a.Publicity; p != nil {
			r.Window = p.From.String() + " 至 " + p.Until.String()
			r.Ended = today.After(p.Until)
			if !r.Ended {
				r.DaysLeft = offDaysBetween(today, p.Until) + 1
			}
		}
		for _, o := range a.Objections {
			if o.Answered.IsZero() {
				r.Open++
			}
		}
		for _, o := range a.Opinions {
			if o.Given.IsZero() {
				r.Pending++
			}
			if u != nil && o.Department == u.Department {
				r.Requested, r.Given = offTime(o.Requested), offTime(o.Given)
			}
		}
		out = append(out, r)
	}
	return out
}

func offDaysBetween(a, b duixian.Date) int {
	ta := time.Date(a.Year, a.Month, a.Day, 12, 0, 0, 0, duixian.Shanghai)
	tb := time.Date(b.Year, b.Month, b.Day, 12, 0, 0, 0, duixian.Shanghai)
	return int(tb.Sub(ta).Hours()/24 + 0.5)
}

// queueStatuses are the status filter's choices on the stages that hold
// more than one status (the latest cases; the opinions given).
var queueStatuses = []duixian.Status{duixian.StatusSubmitted, duixian.StatusReturned, duixian.StatusReviewed, duixian.StatusAssessed,
	duixian.StatusProposed, duixian.StatusPublicity, duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid,
	duixian.StatusRejected, duixian.StatusWithdrawn, duixian.StatusRevoked}

// queueQuery reads the queue's search, filters and order from the address.
func queueQuery(qs url.Values) (workflow.QueueQuery, error) {
	wq := workflow.QueueQuery{List: qs.Get("list"), After: qs.Get("after"), Search: strings.TrimSpace(qs.Get("q")),
		Clause: qs.Get("clause"), Status: duixian.Status(qs.Get("status")), Oldest: qs.Get("sort") == "oldest"}
	if y := qs.Get("year"); y != "" {
		n, err := strconv.Atoi(y)
		if err != nil || n < 2000 || n > 2100 {
			return wq, duixian.Errorf(duixian.EINVALID, "year", "年度应为四位数字，收到“%s”", "year must be four digits, got %q", y)
		}
		wq.Year = n
	}
	if wq.Status != "" && !slices.Contains(queueStatuses, wq.Status) {
		return wq, duixian.Errorf(duixian.EINVALID, "status", "没有“%s”这一状态", "no status %q", wq.Status)
	}
	return wq, nil
}

func (s *offPages) queuePage(q *Request) error {
	qs := q.R.URL.Query()
	query, err := queueQuery(qs)
	if err != nil {
		return err
	}
	wq, err := s.wf.Queue(q.R.Context(), q.Actor(), query)
	if err != nil {
		return err
	}
	v := &OfficialQueue{Role: q.User.Role, Scope: wq.Scope, Total: wq.Total(), Paged: query.List != "",
		Filter: QueueFilter{Q: query.Search, Clause: query.Clause, Year: qs.Get("year"), Status: string(query.Status), Sort: qs.Get("sort")}}
	f := &v.Filter
	f.On = f.Q != "" || f.Clause != "" || f.Year != "" || f.Status != ""
	for _, cl := range s.cat.Clauses() {
		if q.User.Role == duixian.RoleReviewer && !cl.Responsible(q.User.Department) {
			continue
		}
		f.Clauses = append(f.Clauses, OfficialClause{ID: cl.ID, Title: cl.Title, Doc: cl.Document.Short, Label: cl.Article.Label})
	}
	switch q.User.Role {
	case duixian.RoleSupervisor, duixian.RoleAdmin, duixian.RoleCoReviewer:
		f.Statuses = queueStatuses
	}
	for y := s.today().Year + 1; y >= 2024; y-- {
		f.Years = append(f.Years, y)
	}
	for _, g := range wq.Groups {
		og := OfficialGroup{Key: g.Key, Title: g.Title, Hint: g.Hint, Kind: g.Kind, Rows: s.rows(g.Apps, wq.Names, q.User)}
		if g.Next != "" {
			more := url.Values{}
			for k, val := range qs {
				more[k] = val
			}
			more.Set("list", g.List)
			og.More = "/queue" + keysetNext(more, g.Next) + "#g-" + g.Key
		}
		v.Groups = append(v.Groups, og)
	}
	return s.view(q, http.StatusOK, "queue.html", "待办", v, nil, "")
}

// OfficialRegistry is the 一企一档 list: a page of the registry's
// enterprises, found by USCC or name.
type OfficialRegistry struct {
	Q     string
	Rows  []*duixian.Enterprise
	Pager Pager
}

func (s *offPages) enterprisesPage(q *Request) error {
	qs := q.R.URL.Query()
	p, err := q.page()
	if err != nil {
		return err
	}
	v := &OfficialRegistry{Q: strings.TrimSpace(qs.Get("q"))}
	page, err := s.wf.Enterprises(q.R.Context(), q.Actor(), v.Q, p)
	if err != nil {
		return err
	}
	v.Rows, v.Pager.Next = page.Items, keysetNext(qs, page.Next)
	return s.view(q, http.StatusOK, "enterprises.html", "一企一档", v, nil, "")
}

// OfficialBan is a ban with its document.
type OfficialBan struct {
	duixian.Ban
	Number string
	Active bool
}

// OfficialEnterprise is 一企一档.
type OfficialEnterprise struct {
	E          *duixian.Enterprise
	Facts      []OfficialFact
	Bans       []OfficialBan
	Rows       []OfficialRow
	Approved   duixian.Money
	Paid       duixian.Money
	Clawback   duixian.Money
	Open       int
	Updated    string
	Restricted string // what the official does not see
}

func (s *offPages) enterprisePage(q *Request) error {
	u := q.User
	f, err := s.wf.EnterpriseFile(q.R.Context(), q.Actor(), q.R.PathValue("uscc"))
	if err != nil {
		return err
	}
	v := &OfficialEnterprise{E: f.Enterprise, Facts: s.cat.FactLines(f.Enterprise.Facts, nil), Updated: offTime(f.Enterprise.Updated),
		Approved: f.Approved, Paid: f.Paid, Clawback: f.Clawback, Open: f.Open}
	today := s.today()
	for _, b := range f.Enterprise.Bans {
		ob := OfficialBan{Ban: b, Number: b.Document, Active: b.Active(today)}
		if d, ok := s.cat.Document(b.Document); ok {
			ob.Number = d.Number
		}
		v.Bans = append(v.Bans, ob)
	}
	switch u.Role {
	case duixian.RoleReviewer:
		v.Restricted = "仅显示" + u.Department + "负责条款的申报"
	case duixian.RoleCoReviewer:
		v.Restricted = "仅显示征求" + u.Department + "意见的申报"
	}
	v.Rows = s.rows(f.Applications, map[string]string{f.Enterprise.USCC: f.Enterprise.Name}, u)
	return s.view(q, http.StatusOK, "enterprise.html", f.Enterprise.Name, v, nil, "")
}

// OfficialAuditRow is one audit entry.
type OfficialAuditRow struct {
	duixian.AuditEntry
	When, ActionZh, RoleZh, Link string
	Person                       string // the actor's name where the platform knows one
	Denied                       bool
}

// OfficialAudit is the audit page.
type OfficialAudit struct {
	Subject string
	Rows    []OfficialAuditRow
	Total   int64
	Intact  bool
	Checked int64
	Walked  int64 // entries read to verify on this view
	Problem string
	Next    string // the address of the next (older) page; "" on the last
}

var offAppID = regexp.MustCompile(`^A\d{8}[0-9A-F]{10}$`)

func (s *offPages) auditPage(q *Request) error {
	v := &OfficialAudit{Subject: strings.TrimSpace(q.R.URL.Query().Get("subject"))}
	p, err := q.page()
	if err != nil {
		return err
	}
	l, err := s.wf.AuditLog(q.R.Context(), q.Actor(), v.Subject, p)
	if err != nil {
		return err
	}
	v.Checked, v.Walked, v.Total = l.Checked, l.Walked, l.Total
	if l.Broken != nil {
		v.Problem = l.Broken.Error()
	} else {
		v.Intact = true
	}
	if l.Next != "" {
		v.Next = "/audit?" + url.Values{"subject": {v.Subject}, "after": {l.Next}}.Encode()
	}
	users := make([]string, len(l.Entries))
	for i, e := range l.Entries {
		users[i] = e.Actor.User
	}
	person, err := personNames(q.R.Context(), s.people, users)
	if err != nil {
		return err
	}
	for _, e := range l.Entries {
		r := OfficialAuditRow{AuditEntry: e, When: offAuditTime(e.At), ActionZh: offAction(e.Action), RoleZh: offRoleZh[e.Actor.Role], Person: person(e.Actor.User),
			Denied: strings.HasPrefix(e.Action, "denied:")}
		switch {
		case offAppID.MatchString(e.Subject):
			r.Link = "/cases/" + e.Subject
		case duixian.ValidateUSCC(e.Subject) == nil:
			r.Link = "/enterprises/" + e.Subject
		}
		if !r.Denied {
			r.Before, r.After = offStatusZh(e.Before), offStatusZh(e.After)
		}
		v.Rows = append(v.Rows, r)
	}
	return s.view(q, http.StatusOK, "audit.html", "审计日志", v, nil, "")
}
