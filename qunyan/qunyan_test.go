package qunyan_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
)

// ---------------------------------------------------------------- harness
// As in package workflow's tests: every test runs on SQLite and on
// PostgreSQL, each in a fresh schema.

var (
	catOnce sync.Once
	cat     *engine.Catalogue
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(day string) {
	d, _ := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", duixian.Shanghai)
	c.mu.Lock()
	c.now = d
	c.mu.Unlock()
}

// env is the registry and the workflow on one database and one clock.
type env struct {
	q   *qunyan.Service
	wf  *workflow.Service
	clk *clock
}

func newEnv(t *testing.T, db *sqldb.DB) *env {
	catOnce.Do(func() {
		var err error
		if cat, err = engine.Load(catalogue.FS); err != nil {
			panic(err)
		}
	})
	c := &clock{}
	c.Set("2026-03-02")
	wf := workflow.New(db, cat, calendar.Default())
	wf.Now = c.Now
	q := qunyan.New(db, cat)
	q.Now = c.Now
	return &env{q: q, wf: wf, clk: c}
}

func uscc(t testing.TB, seventeen string) string {
	ch, ok := duixian.USCCCheckChar(seventeen)
	if !ok {
		t.Fatalf("bad prefix %s", seventeen)
	}
	return seventeen + string(ch)
}

var (
	ctx      = context.Background()
	admin    = duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	commerce = duixian.Actor{User: "zhao.reviewer", Role: duixian.RoleReviewer, Department: "商务金融局", IP: "10.0.0.9"}
	culture  = duixian.Actor{User: "wang.reviewer", Role: duixian.RoleReviewer, Department: "宣传文化部", IP: "10.0.0.8"}
	coreview = duixian.Actor{User: "li.co", Role: duixian.RoleCoReviewer, Department: "营商环境建设局"}
)

// registryFacts are what government data says of a clean enterprise in
// the 225 km² area.
const registryFacts = `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false}`

// register adds an enterprise and returns its USCC and its staff member.
func (e *env) register(t *testing.T, prefix, name string) (string, duixian.Actor) {
	t.Helper()
	id := uscc(t, prefix)
	if err := e.wf.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: name, Facts: json.RawMessage(registryFacts)}); err != nil {
		t.Fatal(err)
	}
	return id, duixian.Actor{User: "staff@" + prefix, Role: duixian.RoleEnterprise, Enterprise: id}
}

// form is a record form: no exit condition declared, no figure met,
// changed by the pairs given.
func form(kv ...any) json.RawMessage {
	m := map[string]any{
		"qunyan_stopped_operating": false, "qunyan_not_cooperating": false, "qunyan_major_sanction": false,
		"qunyan_listed_exchange": "none", "qunyan_joint_stock": false,
		"qunyan_net_profit_y1": "0", "qunyan_net_profit_y2": "0", "qunyan_revenue_y1": "0", "qunyan_revenue_y2": "0",
		"qunyan_rd_y1": "0", "qunyan_rd_y2": "0", "qunyan_valuation": "0",
		"qunyan_overseas_sponsor": false, "qunyan_well_managed": false, "qunyan_neeq_listed": false,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	b, _ := json.Marshal(m)
	return b
}

func code(t *testing.T, err error, want string) {
	t.Helper()
	if duixian.ErrorCode(err) != want {
		t.Fatalf("error %v (%s), want %s", err, duixian.ErrorCode(err), want)
	}
}

func registryFact(t *testing.T, db *sqldb.DB, id, name string) any {
	t.Helper()
	var ent *duixian.Enterprise
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		ent, err = tx.Enterprise(id, false)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{}
	json.Unmarshal(ent.Facts, &m)
	return m[name]
}

func audited(t *testing.T, db *sqldb.DB, subject, action string) []duixian.AuditEntry {
	t.Helper()
	var out []duixian.AuditEntry
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		log, err := tx.AuditLog(subject)
		for _, e := range log {
			if e.Action == action {
				out = append(out, e)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// admit files for the enterprise and has 商务金融局 confirm the proposal.
func (e *env) admit(t *testing.T, staff duixian.Actor, facts json.RawMessage) *qunyan.Entry {
	t.Helper()
	if _, err := e.q.File(ctx, staff, qunyan.FileInput{Enterprise: staff.Enterprise, Facts: facts}); err != nil {
		t.Fatal(err)
	}
	en, err := e.q.Confirm(ctx, commerce, staff.Enterprise, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return en
}

// ---------------------------------------------------------------- tests

// The engine proposes the tier of 附则1 and states the condition matched.
func TestFilingProposesTier(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		id, staff := e.register(t, "91110302MA01QY011", "亦庄群雁科技股份有限公司")
		cases := []struct {
			name         string
			facts        json.RawMessage
			tier, match  string
			article      string
			notInTrace   string
			historyAfter int
		}{
			{"listed on the SSE", form("qunyan_listed_exchange", "sse"), "头雁", "认定为头雁", "supp.1.3", "", 0},
			{"joint-stock, profits of 30 million both years", form("qunyan_joint_stock", true, "qunyan_net_profit_y1", "3000万元", "qunyan_net_profit_y2", "3000万元"),
				"鸿雁", "鸿雁企业境内条件（1）", "supp.1.2", "", 1},
			{"joint-stock not yet completed: 鸿雁 profits, well managed", form("qunyan_joint_stock", false, "qunyan_well_managed", true,
				"qunyan_net_profit_y1", "5000万元", "qunyan_net_profit_y2", "5000万元"), "雏雁", "雏雁企业条件（2）", "supp.1.1", "鸿雁", 2},
			{"joint-stock not yet completed, not well managed", form("qunyan_joint_stock", false, "qunyan_well_managed", false,
				"qunyan_net_profit_y1", "5000万元", "qunyan_net_profit_y2", "5000万元"), qunyan.None, "不符合任何类别条件", "supp.1", "", 3},
			{"NEEQ-quoted and well managed", form("qunyan_neeq_listed", true, "qunyan_well_managed", true), "雏雁", "雏雁企业条件（1）", "supp.1.1", "", 4},
		}
		for _, c := range cases {
			en, err := e.q.File(ctx, staff, qunyan.FileInput{Enterprise: id, Facts: c.facts})
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			f := en.Filing
			if f.Proposed != c.tier || f.Decision.Outcome != c.tier {
				t.Errorf("%s: proposed %s, want %s", c.name, f.Proposed, c.tier)
			}
			if !strings.Contains(f.Matched.Text, c.match) || f.Matched.Cite.Article != c.article {
				t.Errorf("%s: matched %q (%s), want %q citing %s", c.name, f.Matched.Text, f.Matched.Cite, c.match, c.article)
			}
			if c.notInTrace != "" && strings.Contains(f.Matched.Text, c.notInTrace) {
				t.Errorf("%s: matched %q", c.name, f.Matched.Text)
			}
			if en.Status != qunyan.StatusPending || f.Status != qunyan.FilingPending || f.Recommended != "" {
				t.Errorf("%s: status %s / %s", c.name, en.Status, f.Status)
			}
			// A new filing replaces the pending one; the earlier stay.
			if len(en.History) != c.historyAfter {
				t.Errorf("%s: %d earlier filings, want %d", c.name, len(en.History), c.historyAfter)
			}
			for _, h := range en.History {
				if h.Status != qunyan.FilingSuperseded {
					t.Errorf("%s: an earlier filing is %s", c.name, h.Status)
				}
			}
		}
		if n := len(audited(t, db, id, "qunyan-file")); n != len(cases) {
			t.Errorf("%d filings audited, want %d", n, len(cases))
		}
		// A filing is only of the record form's facts, typed as the catalogue says.
		_, err := e.q.File(ctx, staff, qunyan.FileInput{Enterprise: id, Facts: json.RawMessage(`{"qunyan_member":true}`)})
		code(t, err, duixian.EINVALID)
		_, err = e.q.File(ctx, staff, qunyan.FileInput{Enterprise: id, Facts: json.RawMessage(`{"qunyan_joint_stock":"yes"}`)})
		code(t, err, duixian.EINVALID)
		// A figure missing is named.
		_, err = e.q.File(ctx, staff, qunyan.FileInput{Enterprise: id, Facts: json.RawMessage(`{"qunyan_joint_stock":true}`)})
		var de *duixian.Error
		if duixian.ErrorCode(err) != duixian.EINVALID || !asErr(err, &de) || !strings.HasPrefix(de.Field, "facts.qunyan_") {
			t.Fatalf("missing figures: %v", err)
		}
	})
}

func asErr(err error, target **duixian.Error) bool {
	e, ok := err.(*duixian.Error)
	if ok {
		*target = e
	}
	return ok
}

// Who may file and read: the enterprise for itself, any department on its
// behalf; another enterprise neither files for it nor reads its filing.
func TestFilingRoles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		id, staff := e.register(t, "91110302MA01QY021", "亦庄雏雁智能有限公司")
		other, otherStaff := e.register(t, "91110302MA01QY031", "亦庄别家科技有限公司")
		_, err := e.q.File(ctx, otherStaff, qunyan.FileInput{Enterprise: id, Facts: form()})
		code(t, err, duixian.EFORBIDDEN)
		if len(audited(t, db, id, "denied:qunyan-file")) != 1 {
			t.Error("the refused filing was not logged")
		}
		_, err = e.q.File(ctx, coreview, qunyan.FileInput{Enterprise: id, Facts: form()})
		code(t, err, duixian.EFORBIDDEN)
		// 宣传文化部 recommends it (附则2（1）“各部门推荐申报”).
		en, err := e.q.File(ctx, culture, qunyan.FileInput{Enterprise: id, Facts: form("qunyan_well_managed", true, "qunyan_neeq_listed", true)})
		if err != nil {
			t.Fatal(err)
		}
		if en.Filing.Recommended != "宣传文化部" || en.Filing.By.IP != "" {
			t.Fatalf("recommended by %q, by %+v", en.Filing.Recommended, en.Filing.By)
		}
		for _, a := range []duixian.Actor{staff, culture, commerce, admin} {
			if _, err := e.q.Entry(ctx, a, id); err != nil {
				t.Errorf("%s cannot read: %v", a.User, err)
			}
		}
		finance := duixian.Actor{User: "fin", Role: duixian.RoleReviewer, Department: "财政国资局"}
		for _, a := range []duixian.Actor{otherStaff, finance, coreview} {
			_, err := e.q.Entry(ctx, a, id)
			code(t, err, duixian.ENOTFOUND)
			list, err := e.q.Entries(ctx, a, "")
			if err != nil || len(list) != 0 {
				t.Errorf("%s lists %d entries (%v)", a.User, len(list), err)
			}
		}
		list, _ := e.q.Entries(ctx, staff, "")
		if len(list) != 1 || list[0].Enterprise != id {
			t.Errorf("the enterprise lists %v", list)
		}
		_, err = e.q.File(ctx, otherStaff, qunyan.FileInput{Enterprise: other, Facts: form()})
		if err != nil {
			t.Fatal(err)
		}
		list, _ = e.q.Entries(ctx, commerce, qunyan.StatusPending)
		if len(list) != 2 {
			t.Errorf("商务金融局 sees %d pending filings, want 2", len(list))
		}
	})
}

// Only 商务金融局 admits; admission sets qunyan_member; another tier needs
// a reason; a rejection's reason reaches the enterprise.
func TestConfirmAndReject(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		id, staff := e.register(t, "91110302MA01QY041", "亦庄鸿雁生物股份有限公司")
		hongyan := form("qunyan_joint_stock", true, "qunyan_net_profit_y1", "3200万元", "qunyan_net_profit_y2", "3100万元")
		if _, err := e.q.File(ctx, staff, qunyan.FileInput{Enterprise: id, Facts: hongyan}); err != nil {
			t.Fatal(err)
		}
		// 宣传文化部 may recommend, not admit.
		_, err := e.q.Confirm(ctx, culture, id, "", "")
		code(t, err, duixian.EFORBIDDEN)
		denied := audited(t, db, id, "denied:qunyan-confirm")
		if len(denied) != 1 || denied[0].Actor.Department != "宣传文化部" {
			t.Fatalf("the refused confirmation was not logged: %+v", denied)
		}
		_, err = e.q.Confirm(ctx, staff, id, "", "")
		code(t, err, duixian.EFORBIDDEN)
		_, err = e.q.Reject(ctx, culture, id, "不符合")
		code(t, err, duixian.EFORBIDDEN)
		if registryFact(t, db, id, "qunyan_member") != nil {
			t.Fatal("a refused confirmation changed the registry")
		}
		// Another tier than 附则1 gives needs a written reason.
		_, err = e.q.Confirm(ctx, commerce, id, "雏雁", "")
		code(t, err, duixian.EINVALID)
		_, err = e.q.Confirm(ctx, commerce, id, "金雁", "理由")
		code(t, err, duixian.EINVALID)
		en, err := e.q.Confirm(ctx, commerce, id, "", "")
		if err != nil {
			t.Fatal(err)
		}
		if !en.Member || en.Tier != "鸿雁" || en.Status != qunyan.StatusMember || en.Filing.Status != qunyan.FilingConfirmed ||
			en.Filing.DecidedBy != commerce.User || en.Filing.Review == nil {
			t.Fatalf("after confirmation: %+v / %+v", en, en.Filing)
		}
		if registryFact(t, db, id, "qunyan_member") != true {
			t.Fatal("confirmation did not set qunyan_member")
		}
		if got := audited(t, db, id, "qunyan-confirm"); len(got) != 1 || got[0].After != "member:鸿雁" {
			t.Fatalf("confirmation audit: %+v", got)
		}
		// Confirmed once: nothing is pending any more.
		_, err = e.q.Confirm(ctx, commerce, id, "", "")
		code(t, err, duixian.ECONFLICT)
		v, err := e.q.Entry(ctx, staff, id)
		if err != nil || len(v.Notices) != 1 || !strings.Contains(v.Notices[0].Zh, "鸿雁") {
			t.Fatalf("the enterprise's notices: %+v %v", v, err)
		}

		// A second enterprise: 附则1 gives 未入选; 商务金融局 admits it as
		// 雏雁 with a reason, and a third is rejected with one.
		id2, staff2 := e.register(t, "91110302MA01QY051", "亦庄新苗科技有限公司")
		if _, err := e.q.File(ctx, staff2, qunyan.FileInput{Enterprise: id2, Facts: form("qunyan_net_profit_y1", "1200万元", "qunyan_net_profit_y2", "1100万元")}); err != nil {
			t.Fatal(err)
		}
		_, err = e.q.Confirm(ctx, commerce, id2, "", "")
		code(t, err, duixian.EINVALID)
		en, err = e.q.Confirm(ctx, commerce, id2, "雏雁", "经现场核查，企业管理规范")
		if err != nil || en.Tier != "雏雁" || en.Filing.Reason != "经现场核查，企业管理规范" {
			t.Fatalf("another tier with a reason: %+v %v", en, err)
		}
		id3, staff3 := e.register(t, "91110302MA01QY061", "亦庄待定科技有限公司")
		if _, err := e.q.File(ctx, staff3, qunyan.FileInput{Enterprise: id3, Facts: form()}); err != nil {
			t.Fatal(err)
		}
		_, err = e.q.Reject(ctx, commerce, id3, " ")
		code(t, err, duixian.EINVALID)
		if _, err := e.q.Reject(ctx, commerce, id3, "最近两年净利润、营业收入均未达到附则1标准"); err != nil {
			t.Fatal(err)
		}
		v, err = e.q.Entry(ctx, staff3, id3)
		if err != nil || v.Status != qunyan.StatusRejected || v.Filing.Reason == "" || len(v.Notices) != 1 ||
			!strings.Contains(v.Notices[0].Zh, "最近两年净利润") {
			t.Fatalf("the rejected enterprise sees %+v %v", v, err)
		}
		if registryFact(t, db, id3, "qunyan_member") != nil {
			t.Fatal("a rejection set qunyan_member")
		}
		// The enterprise files again after the rejection; the rejected
		// filing stays in the history.
		en, err = e.q.File(ctx, staff3, qunyan.FileInput{Enterprise: id3, Facts: form("qunyan_overseas_sponsor", true)})
		if err != nil || en.Status != qunyan.StatusPending || len(en.History) != 1 || en.History[0].Status != qunyan.FilingRejected {
			t.Fatalf("re-filing after a rejection: %+v %v", en, err)
		}
		// An enterprise outside the 225 km² area cannot be admitted (附则4).
		id4, staff4 := e.register(t, "91110302MA01QY071", "外区科技股份有限公司")
		if _, err := e.q.UpdateFacts(ctx, admin, id4, json.RawMessage(`{"zones":[]}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := e.q.File(ctx, staff4, qunyan.FileInput{Enterprise: id4, Facts: form("qunyan_listed_exchange", "hkex")}); err != nil {
			t.Fatal(err)
		}
		_, err = e.q.Confirm(ctx, commerce, id4, "", "")
		code(t, err, duixian.EREFUSED)
		if len(audited(t, db, id4, "denied:qunyan-confirm")) != 1 {
			t.Error("the refused admission was not logged")
		}
	})
}

// 附则3（3）: a year on the abnormal-operations list takes a member out;
// eleven months do not. The registry records the day of listing; the year
// is counted by the platform, so the scheduled recheck alone, with nothing
// typed, ends the membership once the year is up. A 第五条 claim is then
// refused.
func TestExitOnAbnormalList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		id, staff := e.register(t, "91110302MA01QY081", "亦庄头雁电子股份有限公司")
		e.admit(t, staff, form("qunyan_listed_exchange", "szse"))

		claim := func(key string) (*duixian.Application, error) {
			a, err := e.wf.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-26/5", EventDate: duixian.DateOf(e.clk.Now()),
				Facts: form("qunyan_listing_advisers", true, "qunyan_listing_service_fees", "100万元"), Declared: true})
			if err != nil {
				t.Fatal(err)
			}
			return e.wf.Submit(ctx, staff, a.ID, key)
		}

		// Listed on 1 May 2025, 1 April 2026 is eleven months on: still
		// within the year, still a member.
		e.clk.Set("2026-04-01")
		res, err := e.q.UpdateFacts(ctx, commerce, id, json.RawMessage(`{"qunyan_abnormal_listed_on":"2025-05-01"}`))
		if err != nil {
			t.Fatal(err)
		}
		if res.Recheck == nil || !res.Recheck.Member || res.Recheck.Exited || res.Recheck.Outcome != "头雁" {
			t.Fatalf("11 months: %+v", res.Recheck)
		}
		if registryFact(t, db, id, "qunyan_member") != true {
			t.Fatal("11 months cleared membership")
		}
		a, err := claim("k-11")
		if err != nil || a.Status != duixian.StatusSubmitted {
			t.Fatalf("a 第五条 claim at 11 months: %v", err)
		}

		// 30 April 2026 is still within the year; 1 May 2026 the year is up
		// (届满 includes the day): an exit condition of 附则3（3）, found by
		// the recheck without any new fact.
		e.clk.Set("2026-04-30")
		if r, err := e.q.Recheck(ctx, id); err != nil || r.Exited || !r.Member {
			t.Fatalf("the day before the year is up: %+v %v", r, err)
		}
		e.clk.Set("2026-05-01")
		r, err := e.q.Recheck(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if r == nil || !r.Exited || r.Member || r.Exit == nil {
			t.Fatalf("13 months: %+v", r)
		}
		if r.Exit.Cite.Article != "supp.3.3" || r.Exit.Cite.String() != "26号附则3（3）" || len(r.Exit.Reasons) != 1 ||
			r.Exit.Reasons[0].Code != "jjgf-2025-26:not-listed-unremoved" {
			t.Fatalf("exit: %+v", r.Exit)
		}
		if registryFact(t, db, id, "qunyan_member") != false {
			t.Fatal("the exit did not clear qunyan_member")
		}
		v, err := e.q.Entry(ctx, staff, id)
		if err != nil {
			t.Fatal(err)
		}
		if v.Status != qunyan.StatusExited || v.Member || len(v.Exits) != 1 || v.Exits[0].Tier != "头雁" {
			t.Fatalf("entry after the exit: %+v", v.Entry)
		}
		n := v.Notices[0]
		if n.Topic != "qunyan-exit" || n.ID != v.Exits[0].Notice || n.Cite == nil || n.Cite.Article != "supp.3.3" ||
			!strings.Contains(n.Zh, "26号附则3（3）") || !strings.Contains(n.Zh, "经营异常名录") {
			t.Fatalf("exit notice: %+v", n)
		}
		var notices []*sqldb.Record
		db.Tx(ctx, func(tx *sqldb.Tx) error { var err error; notices, err = tx.Records(qunyan.KindNotice, id); return err })
		if len(notices) != 2 { // admitted, exited
			t.Fatalf("%d notice records, want 2", len(notices))
		}
		if got := audited(t, db, id, "qunyan-exit"); len(got) != 1 || got[0].Actor != qunyan.System || got[0].After != "exited:26号附则3（3）" {
			t.Fatalf("exit audit: %+v", got)
		}
		// A 26号 第五条 claim is now refused: not a member, and listed.
		_, err = claim("k-13")
		code(t, err, duixian.EREFUSED)
		var de *duixian.Error
		asErr(err, &de)
		codes := map[string]bool{}
		for _, r := range de.Reasons {
			codes[r.Code] = true
		}
		if !codes["jjgf-2025-26:member"] || !codes["jjgf-2025-26:not-listed-unremoved"] {
			t.Fatalf("refusal reasons: %+v", de.Reasons)
		}
		// Re-checking again changes nothing: it left once.
		r, err = e.q.Recheck(ctx, id)
		if err != nil || r.Exited || r.Member {
			t.Fatalf("second recheck: %+v %v", r, err)
		}
		if len(audited(t, db, id, "qunyan-exit")) != 1 {
			t.Fatal("a second exit was recorded")
		}
		// A change the registry learns elsewhere — an administrator
		// re-registers the enterprise, listed over a year ago — takes
		// effect on Recheck.
		id2, staff2 := e.register(t, "91110302MA01QY121", "亦庄异常名录科技有限公司")
		e.admit(t, staff2, form("qunyan_well_managed", true, "qunyan_neeq_listed", true))
		listed := `{"zones":["yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,"qunyan_member":true,"qunyan_abnormal_listed_on":"2025-01-10"}`
		if err := e.wf.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id2, Name: "亦庄异常名录科技有限公司", Facts: json.RawMessage(listed)}); err != nil {
			t.Fatal(err)
		}
		r, err = e.q.Recheck(ctx, id2)
		if err != nil || !r.Exited || r.Exit.Cite.String() != "26号附则3（3）" || registryFact(t, db, id2, "qunyan_member") != false {
			t.Fatalf("Recheck after a registry change: %+v %v", r, err)
		}
		if v, _ := e.q.Entry(ctx, staff2, id2); len(v.Notices) != 2 || v.Notices[0].Topic != "qunyan-exit" {
			t.Fatalf("notices after Recheck: %+v", v.Notices)
		}

		// Only 商务金融局 or an administrator updates the facts.
		_, err = e.q.UpdateFacts(ctx, culture, id, json.RawMessage(`{"qunyan_abnormal_listed_on":""}`))
		code(t, err, duixian.EFORBIDDEN)
		_, err = e.q.UpdateFacts(ctx, commerce, id, json.RawMessage(`{"qunyan_member":true}`))
		code(t, err, duixian.EINVALID)
		_, err = e.q.UpdateFacts(ctx, commerce, id, json.RawMessage(`{"zones":[]}`))
		code(t, err, duixian.EFORBIDDEN)
	})
}

// A change the registry learns elsewhere (an administrator re-registers
// the enterprise) is caught by the scheduled RecheckAll.
func TestRecheckAll(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		id1, s1 := e.register(t, "91110302MA01QY091", "亦庄停业科技有限公司")
		id2, s2 := e.register(t, "91110302MA01QY101", "亦庄在营科技有限公司")
		e.admit(t, s1, form("qunyan_overseas_sponsor", true))
		e.admit(t, s2, form("qunyan_overseas_sponsor", true))
		facts := `{"zones":["yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,"qunyan_member":true,"qunyan_stopped_operating":true,"qunyan_major_sanction":true}`
		if err := e.wf.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id1, Name: "亦庄停业科技有限公司", Facts: json.RawMessage(facts)}); err != nil {
			t.Fatal(err)
		}
		sum, err := e.q.RecheckAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Checked != 2 || len(sum.Exited) != 1 || sum.Exited[0].Enterprise != id1 || len(sum.Failed) != 0 {
			t.Fatalf("summary: %+v", sum)
		}
		x := sum.Exited[0].Exit
		if len(x.Reasons) != 2 || x.Reasons[0].Cite.Article != "supp.3.1" || x.Reasons[1].Cite.Article != "supp.3.4" {
			t.Fatalf("exit reasons: %+v", x.Reasons)
		}
		if registryFact(t, db, id1, "qunyan_member") != false || registryFact(t, db, id2, "qunyan_member") != true {
			t.Fatal("membership in the registry")
		}
		sum, err = e.q.RecheckAll(ctx)
		if err != nil || sum.Checked != 1 || len(sum.Exited) != 0 {
			t.Fatalf("second run: %+v %v", sum, err)
		}
		// RecheckBy: officials of 商务金融局, supervisors, administrators.
		if _, err := e.q.RecheckBy(ctx, culture, id2); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("宣传文化部 re-checked: %v", err)
		}
		if _, err := e.q.RecheckBy(ctx, commerce, id2); err != nil {
			t.Fatal(err)
		}
		_, err = e.q.Recheck(ctx, uscc(t, "91110302MA01QY111"))
		code(t, err, duixian.ENOTFOUND)
	})
}

// Counts: members per tier against the 2027 targets of 总体要求（二）.
func TestCounts(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		tiers := []json.RawMessage{
			form("qunyan_listed_exchange", "bse"),
			form("qunyan_overseas_sponsor", true),
			form("qunyan_joint_stock", true, "qunyan_rd_y1", "4000万元", "qunyan_rd_y2", "2000万元", "qunyan_valuation", "25亿元"),
			form("qunyan_well_managed", true, "qunyan_neeq_listed", true),
			form("qunyan_well_managed", true, "qunyan_revenue_y1", "6000万元", "qunyan_revenue_y2", "4000万元"),
			form("qunyan_well_managed", true, "qunyan_rd_y1", "2000万元", "qunyan_rd_y2", "1000万元", "qunyan_valuation", "5亿元"),
		}
		var staff []duixian.Actor
		for i, f := range tiers {
			_, s := e.register(t, fmt.Sprintf("91110302MA01QC%02d1", i), fmt.Sprintf("群雁%d号有限公司", i))
			e.admit(t, s, f)
			staff = append(staff, s)
		}
		// One pending, one exited.
		_, p := e.register(t, "91110302MA01QCP01", "待核查有限公司")
		if _, err := e.q.File(ctx, p, qunyan.FileInput{Enterprise: p.Enterprise, Facts: form()}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.q.UpdateFacts(ctx, commerce, staff[5].Enterprise, json.RawMessage(`{"qunyan_not_cooperating":true}`)); err != nil {
			t.Fatal(err)
		}
		c, err := e.q.Counts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []qunyan.TierCount{{Tier: "头雁", Members: 1, Target: 10, Percent: 10}, {Tier: "鸿雁", Members: 2, Target: 100, Percent: 2},
			{Tier: "雏雁", Members: 2, Target: 1000, Percent: 0}}
		if fmt.Sprint(c.Tiers) != fmt.Sprint(want) || c.Members != 5 || c.Pending != 1 || c.Exited != 1 {
			t.Fatalf("counts: %+v", c)
		}
		if c.Target.String() != "26号总体要求（二）" {
			t.Errorf("target cite %s", c.Target)
		}
		ms, err := e.q.Members(ctx, commerce)
		if err != nil || len(ms) != 5 || ms[0].Tier != "头雁" || ms[4].Tier != "雏雁" {
			t.Fatalf("members: %+v %v", ms, err)
		}
		_, err = e.q.Members(ctx, staff[0])
		code(t, err, duixian.EFORBIDDEN)
	})
}

// The record form's sections come from the catalogue.
func TestSections(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	got := map[string][]string{}
	n := 0
	for _, s := range e.q.Sections() {
		for _, f := range s.Facts {
			got[s.Title] = append(got[s.Title], f.Name)
			n++
		}
	}
	if n != len(e.q.FormFacts()) {
		t.Fatalf("%d facts in sections, %d on the form", n, len(e.q.FormFacts()))
	}
	if !strings.Contains(fmt.Sprint(got["动态管理情形（附则3）"]), "qunyan_abnormal_listed_on") ||
		!strings.Contains(fmt.Sprint(got["共同条件（附则4）"]), "zones") ||
		!strings.Contains(fmt.Sprint(got["分层标准（附则1）"]), "qunyan_joint_stock") {
		t.Fatalf("sections: %v", got)
	}
	if fmt.Sprint(e.q.Tiers()) != "[头雁 鸿雁 雏雁]" || e.q.Department() != "商务金融局" {
		t.Fatalf("tiers %v, department %s", e.q.Tiers(), e.q.Department())
	}
}
