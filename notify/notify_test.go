package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/notify"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
	"github.com/etown/duixian/workflow/workflowtest"
)

var (
	ctx     = context.Background()
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

var (
	admin       = duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	culture     = duixian.Actor{User: "wang.reviewer", Role: duixian.RoleReviewer, Department: "宣传文化部"}
	cultureHead = duixian.Actor{User: "zhou.head", Role: duixian.RoleReviewer, Department: "宣传文化部"}
	expert      = duixian.Actor{User: "zhang.expert", Role: duixian.RoleExpert}
	finance     = duixian.Actor{User: "li.finance", Role: duixian.RoleFinance, Department: "财政国资局"}
	public      = duixian.Actor{User: "public@10.0.0.9", Role: duixian.RolePublic}
)

const bookstoreFacts = `{"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,
"operating_since":"2024-06-01","operating_normally":true,"declared_truthful":true,"business_area_m2":"200","publication_area_m2":"120",
"books_on_shelf":3000,"publication_varieties":800,"hosted_reading_events":6,"quarter_hour_service":true,"annual_costs":"50万元"}`

const cleanEnterprise = `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false}`

func uscc(t testing.TB, seventeen string) string {
	ch, ok := duixian.USCCCheckChar(seventeen)
	if !ok {
		t.Fatalf("bad prefix %s", seventeen)
	}
	return seventeen + string(ch)
}

func date(s string) duixian.Date {
	d, err := duixian.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func must(t testing.TB) func(*duixian.Application, error) *duixian.Application {
	return func(a *duixian.Application, err error) *duixian.Application {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

// world is a bookstore with two staff (one with an e-mail address and a
// phone), another enterprise's staff, 宣传文化部's two reviewers (one with
// an e-mail address) and another department's reviewer.
type world struct {
	wf               *workflow.Service
	n                *notify.Service
	clk              *clock
	bookstore, other string
	staff            duixian.Actor
}

// bookstoreMaterials are a small PDF for each material 21号第七条（一）
// requires: materials are not what these tests are about.
func bookstoreMaterials() []workflow.MaterialUpload {
	cl, _ := cat.Clause("jjgf-2025-21/7.1")
	return material.Specimens(cl)
}

func setup(t *testing.T, db *sqldb.DB) *world {
	catOnce.Do(func() {
		var err error
		if cat, err = engine.Load(catalogue.FS); err != nil {
			panic(err)
		}
	})
	clk := &clock{}
	clk.Set("2026-03-02")
	wf := workflow.New(db, cat, calendar.Default())
	wf.Now = clk.Now
	workflowtest.OpenRounds(t, wf, workflowtest.From, workflowtest.Until)
	w := &world{wf: wf, clk: clk, bookstore: uscc(t, "91110302MA01ABCD1"), other: uscc(t, "91110302MA01YYYY1")}
	for _, e := range []duixian.Enterprise{{USCC: w.bookstore, Name: "亦城书房有限公司"}, {USCC: w.other, Name: "别家科技有限公司"}} {
		e.Facts = json.RawMessage(cleanEnterprise)
		if err := wf.RegisterEnterprise(ctx, admin, e); err != nil {
			t.Fatal(err)
		}
	}
	users := []duixian.User{
		{Name: "shop.manager", Role: duixian.RoleEnterprise, Enterprise: w.bookstore, Email: "manager@bookstore.example", Phone: "13900000001"},
		{Name: "shop.clerk", Role: duixian.RoleEnterprise, Enterprise: w.bookstore},
		{Name: "shop.gone", Role: duixian.RoleEnterprise, Enterprise: w.bookstore, Email: "gone@bookstore.example", Disabled: true},
		{Name: "other.staff", Role: duixian.RoleEnterprise, Enterprise: w.other, Email: "staff@other.example"},
		{Name: culture.User, Role: duixian.RoleReviewer, Department: culture.Department, Email: "wang@culture.example"},
		{Name: cultureHead.User, Role: duixian.RoleReviewer, Department: cultureHead.Department},
		{Name: "zhao.reviewer", Role: duixian.RoleReviewer, Department: "商务金融局", Email: "zhao@commerce.example"},
		{Name: expert.User, Role: duixian.RoleExpert},
		{Name: finance.User, Role: duixian.RoleFinance, Department: finance.Department},
	}
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		for i := range users {
			if err := tx.PutUser(&users[i]); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w.staff = users[0].Actor("")
	w.n = notify.New(db, cat)
	w.n.Now = clk.Now
	return w
}

// paid takes a bookstore claim from submission through 退回补正, 公示 with
// an objection (left with an e-mail address) and its answer, to approval
// and payment.
func (w *world) paid(t *testing.T) *duixian.Application {
	s, clk := w.wf, w.clk
	a := must(t)(s.CreateDraft(ctx, w.staff, workflow.DraftInput{Enterprise: w.bookstore, Clause: "jjgf-2025-21/7.1",
		EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true, Materials: bookstoreMaterials()}))
	a = must(t)(s.Submit(ctx, w.staff, a.ID, "k1"))
	a = must(t)(s.Return(ctx, culture, a.ID, "请补充经营场所照片"))
	// The notifier runs every few seconds: before the resubmission.
	if _, err := w.n.Derive(ctx); err != nil {
		t.Fatal(err)
	}
	a = must(t)(s.UpdateDraft(ctx, w.staff, a.ID, json.RawMessage(bookstoreFacts), true))
	a = must(t)(s.Submit(ctx, w.staff, a.ID, "k2"))
	a = must(t)(s.PassPreliminary(ctx, culture, a.ID))
	a = must(t)(s.AssignExperts(ctx, culture, a.ID, []string{expert.User}))
	a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, map[string]int{"空间环境": 18}, "属实", true))
	a = must(t)(s.Propose(ctx, culture, a.ID, 120000*duixian.Yuan, ""))
	a = workflowtest.Publish(t, s, culture, cultureHead, a.ID, date("2026-04-01"), 5)
	clk.Set("2026-04-02")
	o, err := s.Object(ctx, public, a.ID, workflow.ObjectionInput{Text: "该书店出版物经营面积不足", Name: "李四", Email: "lisi@example.cn"})
	if err != nil {
		t.Fatal(err)
	}
	a = must(t)(s.AnswerObjection(ctx, culture, a.ID, o.ID, "经复核，面积符合要求，异议不成立", false))
	clk.Set("2026-04-09")
	a = must(t)(workflowtest.Approve(t, s, culture, cultureHead, a.ID))
	return must(t)(s.Disburse(ctx, finance, a.ID, "pay-1", workflow.Disbursement{Voucher: "JZ-2026-0409", Account: "6222 0200 1234 5678", PaidOn: date("2026-04-09")}))
}

func inbox(t *testing.T, n *notify.Service, user string) []duixian.Notification {
	t.Helper()
	in, err := n.Inbox(ctx, duixian.Actor{User: user}, duixian.PageRequest{Limit: 100}, false)
	if err != nil {
		t.Fatal(err)
	}
	return in.Items
}

func titles(ns []duixian.Notification) []string {
	var out []string
	for i := len(ns) - 1; i >= 0; i-- { // oldest first
		out = append(out, ns[i].Title)
	}
	return out
}

// An application's path tells its enterprise's active staff of each step
// they must know of, the department of the objection, the objector of the
// answer — and nobody else anything.
func TestDerive(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := setup(t, db)
		w.n.Mail, w.n.SMS = &recorder{}, notify.LogTexter{}
		a := w.paid(t)
		n, err := w.n.Derive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += 2 // the 退回补正 told before the resubmission
		want := []string{"申报需补正：", "申报进入公示：", "公示异议已答复：", "申报已批准：", "奖励资金已拨付："}
		for _, user := range []string{"shop.manager", "shop.clerk"} {
			got := titles(inbox(t, w.n, user))
			if len(got) != len(want) {
				t.Fatalf("%s was told %q, want %d notifications", user, got, len(want))
			}
			for i := range want {
				if !strings.HasPrefix(got[i], want[i]) {
					t.Fatalf("%s: notification %d is %q, want %q…", user, i, got[i], want[i])
				}
			}
		}
		all := inbox(t, w.n, "shop.manager")
		ret := all[len(all)-1]
		if !strings.Contains(ret.Body, a.ID) || !strings.Contains(ret.Body, "21号第七条（一）") || !strings.Contains(ret.Body, "请补充经营场所照片") || ret.Link != "/my/"+a.ID {
			t.Fatalf("the 退回补正 notice does not name the application, its article and the reason, or link it: %+v", ret)
		}
		if pay := all[0]; !strings.Contains(pay.Body, "第1笔") || !strings.Contains(pay.Body, "12.00万元") {
			t.Fatalf("the payment notice: %s", pay.Body)
		}
		// The department: the objection, and its plan's steps
		// (TestPlanIsTold).
		for _, user := range []string{culture.User, cultureHead.User} {
			got := slices.DeleteFunc(inbox(t, w.n, user), func(n duixian.Notification) bool { return strings.HasPrefix(n.Action, "plan-") })
			if len(got) != 1 || !strings.HasPrefix(got[0].Title, "公示异议待答复") || !strings.Contains(got[0].Body, "李四") || got[0].Link != "/cases/"+a.ID {
				t.Fatalf("%s was told %+v, want the objection", user, got)
			}
		}
		for _, user := range []string{"shop.gone", "other.staff", "zhao.reviewer", expert.User, finance.User} {
			if got := inbox(t, w.n, user); len(got) != 0 {
				t.Fatalf("%s was told %q", user, titles(got))
			}
		}
		// Twelve of the application, two of its plan (待审批 to the
		// approver, 已批准 to the compiler).
		if n != 14 {
			t.Fatalf("wrote %d notifications, want 14", n)
		}
		// Deliveries: the manager's e-mails and texts, the reviewer's
		// e-mails of the objection and of the plan's approval, and the
		// objector's e-mail of the answer.
		pending, err := w.n.Deliveries(ctx, notify.Pending)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for _, d := range pending {
			count[d.Channel+" "+d.To]++
		}
		wantD := map[string]int{"email manager@bookstore.example": 5, "sms 13900000001": 5, "email wang@culture.example": 2, "email lisi@example.cn": 1}
		if len(count) != len(wantD) {
			t.Fatalf("deliveries %v, want %v", count, wantD)
		}
		for k, v := range wantD {
			if count[k] != v {
				t.Fatalf("deliveries %v, want %v", count, wantD)
			}
		}
		// Nothing is told twice.
		if n, err := w.n.Derive(ctx); err != nil || n != 0 {
			t.Fatalf("a second run wrote %d (%v)", n, err)
		}
	})
}

// The inbox is the user's own: read a page at a time, marked read by its
// owner only.
func TestInbox(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := setup(t, db)
		w.paid(t)
		if _, err := w.n.Derive(ctx); err != nil {
			t.Fatal(err)
		}
		me := duixian.Actor{User: "shop.manager"}
		first, err := w.n.Inbox(ctx, me, duixian.PageRequest{Limit: 2}, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(first.Items) != 2 || first.Next == "" || first.Unread != 5 {
			t.Fatalf("first page: %d items, next %q, unread %d", len(first.Items), first.Next, first.Unread)
		}
		seen := map[string]bool{}
		for p := first; ; {
			for _, n := range p.Items {
				if seen[n.ID] || n.User != me.User {
					t.Fatalf("%s seen twice or not the user's", n.ID)
				}
				seen[n.ID] = true
			}
			if p.Next == "" {
				break
			}
			if p, err = w.n.Inbox(ctx, me, duixian.PageRequest{Limit: 2, After: p.Next}, false); err != nil {
				t.Fatal(err)
			}
		}
		if len(seen) != 5 {
			t.Fatalf("paged through %d, want 5", len(seen))
		}
		// Another user cannot mark the manager's notifications.
		if _, err := w.n.MarkRead(ctx, duixian.Actor{User: "other.staff"}, []string{first.Items[0].ID}); err != nil {
			t.Fatal(err)
		}
		if n, _ := w.n.Unread(ctx, me); n != 5 {
			t.Fatalf("another user marked the manager's notification read: %d unread", n)
		}
		if n, err := w.n.MarkRead(ctx, me, []string{first.Items[0].ID}); err != nil || n != 4 {
			t.Fatalf("unread after marking one: %d, %v", n, err)
		}
		unread, _ := w.n.Inbox(ctx, me, duixian.PageRequest{}, true)
		if len(unread.Items) != 4 {
			t.Fatalf("%d unread listed", len(unread.Items))
		}
		if n, err := w.n.MarkRead(ctx, me, nil); err != nil || n != 0 {
			t.Fatalf("unread after marking all: %d, %v", n, err)
		}
		if n, _ := w.n.Unread(ctx, duixian.Actor{User: "shop.clerk"}); n != 5 {
			t.Fatalf("the clerk's inbox changed with the manager's: %d unread", n)
		}
		if _, err := w.n.Inbox(ctx, me, duixian.PageRequest{After: "x"}, false); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("a bad cursor: %v", err)
		}
	})
}

// recorder is a Mailer that keeps what it is given.
type recorder struct {
	mu   sync.Mutex
	sent []notify.Mail
}

func (r *recorder) Send(_ context.Context, m notify.Mail) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, m)
	return nil
}

// failingQueue is a queue whose process dies before it queues anything.
type failingQueue struct{}

func (failingQueue) QueueDeliveries(context.Context, []string) error { return errors.New("killed") }

type listQueue struct{ ids []string }

func (q *listQueue) QueueDeliveries(_ context.Context, ids []string) error {
	q.ids = append(q.ids, ids...)
	return nil
}

// A process that dies after the inbox rows and deliveries are written, and
// before the e-mail jobs are queued, loses nothing: the next run queues
// what is pending; a delivery sent once is not sent again.
func TestCrashBeforeQueue(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := setup(t, db)
		mail := &recorder{}
		w.n.Mail, w.n.Queue = mail, failingQueue{}
		a := must(t)(w.wf.CreateDraft(ctx, w.staff, workflow.DraftInput{Enterprise: w.bookstore, Clause: "jjgf-2025-21/7.1",
			EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true, Materials: bookstoreMaterials()}))
		a = must(t)(w.wf.Submit(ctx, w.staff, a.ID, "k1"))
		must(t)(w.wf.Return(ctx, culture, a.ID, "请补充照片"))
		if _, err := w.n.Derive(ctx); err == nil {
			t.Fatal("the queue's failure was not reported")
		}
		if got := inbox(t, w.n, "shop.manager"); len(got) != 1 {
			t.Fatalf("the inbox row was not kept: %d", len(got))
		}
		// The next run (another process) finds nothing new and queues
		// the pending delivery.
		q := &listQueue{}
		w.n.Queue = q
		if n, err := w.n.Derive(ctx); err != nil || n != 0 {
			t.Fatalf("%d, %v", n, err)
		}
		if len(q.ids) != 1 {
			t.Fatalf("queued %v, want the one pending delivery", q.ids)
		}
		for range 2 { // the job run twice (its completion lost)
			if err := w.n.Deliver(ctx, q.ids[0]); err != nil {
				t.Fatal(err)
			}
		}
		if len(mail.sent) != 1 || mail.sent[0].To != "manager@bookstore.example" || !strings.HasPrefix(mail.sent[0].Subject, "申报需补正") {
			t.Fatalf("sent %+v, want one e-mail to the manager", mail.sent)
		}
		if p, _ := w.n.Deliveries(ctx, notify.Pending); len(p) != 0 {
			t.Fatalf("%d still pending", len(p))
		}
	})
}

// 群雁 admission and exit, and a revocation, are told to the enterprise;
// an action no rule names (a new kind another package writes) is passed
// over and the notifier goes on past it.
func TestQunyanRevocationAndUnknown(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := setup(t, db)
		a := w.paid(t)
		q := qunyan.New(db, cat)
		q.Now = w.clk.Now
		filing := map[string]any{"qunyan_stopped_operating": false, "qunyan_not_cooperating": false, "qunyan_major_sanction": false,
			"qunyan_listed_exchange": "none", "qunyan_joint_stock": false, "qunyan_overseas_sponsor": true,
			"qunyan_net_profit_y1": "0", "qunyan_net_profit_y2": "0", "qunyan_revenue_y1": "0", "qunyan_revenue_y2": "0",
			"qunyan_rd_y1": "0", "qunyan_rd_y2": "0", "qunyan_valuation": "0", "qunyan_well_managed": false, "qunyan_neeq_listed": false}
		facts, _ := json.Marshal(filing)
		if _, err := q.File(ctx, w.staff, qunyan.FileInput{Enterprise: w.bookstore, Facts: facts}); err != nil {
			t.Fatal(err)
		}
		if _, err := q.Confirm(ctx, duixian.Actor{User: "zhao.reviewer", Role: duixian.RoleReviewer, Department: "商务金融局"}, w.bookstore, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			return tx.Audit(duixian.AuditEntry{At: w.clk.Now().Format(time.RFC3339Nano), Actor: admin, Action: "round-open", Subject: "jjgf-2025-21/7.1"})
		}); err != nil {
			t.Fatal(err)
		}
		stopped := `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,"qunyan_member":true,"qunyan_stopped_operating":true}`
		if err := w.wf.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: w.bookstore, Name: "亦城书房有限公司", Facts: json.RawMessage(stopped)}); err != nil {
			t.Fatal(err)
		}
		if r, err := q.Recheck(ctx, w.bookstore); err != nil || !r.Exited {
			t.Fatalf("no exit: %+v, %v", r, err)
		}
		must(t)(w.wf.Revoke(ctx, duixian.Actor{User: "sun.supervisor", Role: duixian.RoleSupervisor}, a.ID, "经查经营面积虚报"))
		if _, err := w.n.Derive(ctx); err != nil {
			t.Fatal(err)
		}
		got := titles(inbox(t, w.n, "shop.clerk"))
		want := []string{"已纳入“群雁计划”", "已退出“群雁计划”", "奖励已撤销：“一刻钟”建设奖励"}
		if len(got) < len(want) || strings.Join(got[len(got)-3:], "|") != strings.Join(want, "|") {
			t.Fatalf("told %q, want it to end with %q", got, want)
		}
		last := inbox(t, w.n, "shop.clerk")[0]
		if !strings.Contains(last.Body, "经查经营面积虚报") || !strings.Contains(last.Body, "12.00万元") {
			t.Fatalf("the revocation: %s", last.Body)
		}
		if got := inbox(t, w.n, "other.staff"); len(got) != 0 {
			t.Fatalf("another enterprise was told %q", titles(got))
		}
	})
}

// An expert review that does not pass rejects the application, and the
// applicant is told why; one that passes is not told.
func TestExpertsReject(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := setup(t, db)
		s := w.wf
		a := must(t)(s.CreateDraft(ctx, w.staff, workflow.DraftInput{Enterprise: w.bookstore, Clause: "jjgf-2025-21/7.1",
			EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true, Materials: bookstoreMaterials()}))
		a = must(t)(s.Submit(ctx, w.staff, a.ID, "k1"))
		a = must(t)(s.PassPreliminary(ctx, culture, a.ID))
		a = must(t)(s.AssignExperts(ctx, culture, a.ID, []string{expert.User}))
		must(t)(s.RecordExpertReview(ctx, expert, a.ID, map[string]int{"空间环境": 6}, "阅读空间不足", false))
		if _, err := w.n.Derive(ctx); err != nil {
			t.Fatal(err)
		}
		got := inbox(t, w.n, "shop.manager")
		if len(got) != 1 || !strings.HasPrefix(got[0].Title, "申报未通过") || !strings.Contains(got[0].Body, "阅读空间不足") {
			t.Fatalf("told %+v", got)
		}
	})
}

// Under the annual plan (21号第十二条（四）) the applicant is told when
// the approved plan puts its project in 公示, and when the plan is
// released to payment after the window. The plan's approver is told it
// waits for them; the department's other officials that it came back,
// with the reason, or was approved; nobody else anything of it.
func TestPlanIsTold(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := setup(t, db)
		s, clk := w.wf, w.clk
		a := must(t)(s.CreateDraft(ctx, w.staff, workflow.DraftInput{Enterprise: w.bookstore, Clause: "jjgf-2025-21/7.1",
			EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true, Materials: bookstoreMaterials()}))
		a = must(t)(s.Submit(ctx, w.staff, a.ID, "k1"))
		a = must(t)(s.PassPreliminary(ctx, culture, a.ID))
		a = must(t)(s.AssignExperts(ctx, culture, a.ID, []string{expert.User}))
		a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, map[string]int{"空间环境": 18}, "属实", true))
		must(t)(s.Propose(ctx, culture, a.ID, 120000*duixian.Yuan, ""))
		p, err := s.CompilePlan(ctx, culture, "R-jjgf-2025-21")
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []func() (*duixian.Plan, error){
			func() (*duixian.Plan, error) { return s.SubmitPlan(ctx, culture, p.ID) },
			func() (*duixian.Plan, error) { return s.ReturnPlan(ctx, cultureHead, p.ID, "请附专家评分表") },
			func() (*duixian.Plan, error) { return s.CompilePlan(ctx, culture, "R-jjgf-2025-21") },
			func() (*duixian.Plan, error) { return s.SubmitPlan(ctx, culture, p.ID) },
			func() (*duixian.Plan, error) { return s.ApprovePlan(ctx, cultureHead, p.ID) },
			func() (*duixian.Plan, error) { return s.PublishPlan(ctx, culture, p.ID, date("2026-03-03"), 5) },
		} {
			if _, err := step(); err != nil {
				t.Fatal(err)
			}
		}
		clk.Set("2026-03-20")
		if _, err := s.ReleasePlan(ctx, culture, p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := w.n.Derive(ctx); err != nil {
			t.Fatal(err)
		}
		got := strings.Join(titles(inbox(t, w.n, "shop.manager")), "|")
		if strings.Count(got, "|") != 1 || !strings.Contains(got, "申报进入公示：") || !strings.Contains(got, "申报已批准：") {
			t.Fatalf("the applicant was told %q, want 公示 and 批准", got)
		}
		if got := titles(inbox(t, w.n, cultureHead.User)); len(got) != 2 || got[0] != "建议方案待审批："+p.Title || got[1] != got[0] {
			t.Fatalf("the approver was told %q, want the plan twice", got)
		}
		got2 := inbox(t, w.n, culture.User)
		if len(got2) != 2 || got2[1].Title != "建议方案已退回："+p.Title || !strings.Contains(got2[1].Body, "请附专家评分表") ||
			got2[0].Title != "建议方案已批准："+p.Title || got2[0].Link != "/plans/"+p.ID {
			t.Fatalf("the compiler was told %q", titles(got2))
		}
		for _, user := range []string{"zhao.reviewer", finance.User, "shop.clerk"} {
			if got := inbox(t, w.n, user); slices.ContainsFunc(got, func(n duixian.Notification) bool { return strings.HasPrefix(n.Action, "plan-") && n.Subject == p.ID }) {
				t.Fatalf("%s was told of the plan: %q", user, titles(got))
			}
		}
	})
}
