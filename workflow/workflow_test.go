package workflow_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
	"github.com/etown/duixian/workflow/workflowtest"
)

var (
	catOnce sync.Once
	cat     *engine.Catalogue
)

func testCalendar(t testing.TB) *calendar.Calendar {
	m := fstest.MapFS{}
	for _, dir := range []fs.FS{os.DirFS("../calendar"), os.DirFS("testdata")} {
		names, _ := fs.Glob(dir, "20*.yaml")
		for _, n := range names {
			b, _ := fs.ReadFile(dir, n)
			m[n] = &fstest.MapFile{Data: b}
		}
	}
	c, err := calendar.Load(m)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// clock is a test clock the service reads.
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

// service is the workflow on db with its clock at day, and the rounds of
// 21号 and 22号 open for any day a test may set.
func service(t *testing.T, db *sqldb.DB, day string) (*workflow.Service, *clock) {
	s, c := serviceWithoutRounds(t, db, day)
	workflowtest.OpenRounds(t, s, workflowtest.From, workflowtest.Until)
	return s, c
}

func serviceWithoutRounds(t *testing.T, db *sqldb.DB, day string) (*workflow.Service, *clock) {
	catOnce.Do(func() {
		var err error
		if cat, err = engine.Load(catalogue.FS); err != nil {
			panic(err)
		}
	})
	c := &clock{}
	c.Set(day)
	s := workflow.New(db, cat, testCalendar(t))
	s.Now = c.Now
	return s, c
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
	culture  = duixian.Actor{User: "wang.reviewer", Role: duixian.RoleReviewer, Department: "宣传文化部", IP: "10.0.0.8"}
	finance  = duixian.Actor{User: "li.finance", Role: duixian.RoleFinance, Department: "财政国资局"}
	expert   = duixian.Actor{User: "zhang.expert", Role: duixian.RoleExpert}
	public   = duixian.Actor{User: "citizen-1", Role: duixian.RolePublic}
	commerce = duixian.Actor{User: "zhao.reviewer", Role: duixian.RoleReviewer, Department: "商务金融局"}
	// The departments' second officials, who approve what the first
	// proposed (separation of duties).
	cultureHead  = duixian.Actor{User: "zhou.head", Role: duixian.RoleReviewer, Department: "宣传文化部"}
	commerceHead = duixian.Actor{User: "wu.head", Role: duixian.RoleReviewer, Department: "商务金融局"}
	supervisor   = duixian.Actor{User: "sun.supervisor", Role: duixian.RoleSupervisor}
)

// paid is the treasury's record of a transfer, as every payment needs one.
var paid = workflow.Disbursement{Voucher: "JZ-2026-0001", Account: "6222 0200 1234 5678", PaidOn: duixian.Date{Year: 2026, Month: 1, Day: 5}}

// withEvidence is paid with the evidence a later tranche needs.
func withEvidence(facts string) workflow.Disbursement {
	d := paid
	d.Evidence = json.RawMessage(facts)
	return d
}

// specimens are a small PDF for each material the clause requires, for
// tests whose subject is not materials.
func specimens(clause string) []workflow.MaterialUpload {
	cl, ok := cat.Clause(clause)
	if !ok {
		return nil
	}
	return material.Specimens(cl)
}

// must fails the test on an error: must(t)(s.Submit(…)).
func must(t testing.TB) func(*duixian.Application, error) *duixian.Application {
	return func(a *duixian.Application, err error) *duixian.Application {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
}

// passToExpert passes the preliminary review of application id and
// assigns it to the test's expert, whose account it makes once.
func passToExpert(t testing.TB, s *workflow.Service, reviewer duixian.Actor, id string) *duixian.Application {
	t.Helper()
	must(t)(s.PassPreliminary(ctx, reviewer, id))
	if err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.User(expert.User); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			return err
		}
		return tx.PutUser(&duixian.User{Name: expert.User, Role: duixian.RoleExpert})
	}); err != nil {
		t.Fatal(err)
	}
	return must(t)(s.AssignExperts(ctx, reviewer, id, []string{expert.User}))
}

// coReviewer makes a co-reviewer's account in department, so that the
// platform knows the department, and returns the co-reviewer.
func coReviewer(t testing.TB, s *workflow.Service, department string) duixian.Actor {
	t.Helper()
	u := duixian.User{Name: department + "-1", Role: duixian.RoleCoReviewer, Department: department}
	if err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error { return tx.PutUser(&u) }); err != nil {
		t.Fatal(err)
	}
	return u.Actor("")
}

// objection is an objection with its objector's name and phone.
func objection(text, evidence string) workflow.ObjectionInput {
	return workflow.ObjectionInput{Text: text, Evidence: evidence, Name: "李四", Phone: "13800138000"}
}

// object files an objection to application id and returns the application
// as supervision reads it.
func object(t testing.TB, s *workflow.Service, id, text, evidence string) *duixian.Application {
	t.Helper()
	if _, err := s.Object(ctx, public, id, objection(text, evidence)); err != nil {
		t.Fatal(err)
	}
	return must(t)(s.Application(ctx, supervisor, id))
}

func status(t testing.TB, a *duixian.Application, want duixian.Status) {
	t.Helper()
	if a.Status != want {
		t.Fatalf("status %s, want %s", a.Status, want)
	}
}

const bookstoreFacts = `{"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,
"operating_since":"2024-06-01","operating_normally":true,"declared_truthful":true,"business_area_m2":"200","publication_area_m2":"120",
"books_on_shelf":3000,"publication_varieties":800,"hosted_reading_events":6,"quarter_hour_service":true,"annual_costs":"50万元"}`

const cleanEnterprise = `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false}`

func registerBookstore(t *testing.T, s *workflow.Service) (string, duixian.Actor) {
	id := uscc(t, "91110302MA01ABCD1")
	if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: "亦城书房有限公司", Facts: json.RawMessage(cleanEnterprise)}); err != nil {
		t.Fatal(err)
	}
	return id, duixian.Actor{User: "staff@bookstore", Role: duixian.RoleEnterprise, Enterprise: id}
}

// The whole path for a bookstore 一刻钟 claim (21号第十二条).
func TestBookstorePath(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		id, staff := registerBookstore(t, s)
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1",
			EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true,
			Materials: specimens("jjgf-2025-21/7.1")}))
		status(t, a, duixian.StatusDraft)
		a = must(t)(s.Submit(ctx, staff, a.ID, "k1"))
		status(t, a, duixian.StatusSubmitted)
		if a.Decision == nil || a.Decision.Amount != 120000*duixian.Yuan || a.CatalogueVersion == "" {
			t.Fatalf("decision frozen at submission: %+v", a.Decision)
		}
		a = must(t)(s.Return(ctx, culture, a.ID, "请补充经营场所证明文件"))
		status(t, a, duixian.StatusReturned)
		a = must(t)(s.UpdateDraft(ctx, staff, a.ID, json.RawMessage(bookstoreFacts), true))
		a = must(t)(s.Submit(ctx, staff, a.ID, "k2"))
		coReviewer(t, s, "营商环境建设局")
		coReviewer(t, s, "综合执法局")
		a = must(t)(s.RequestOpinions(ctx, culture, a.ID, []string{"营商环境建设局", "综合执法局"}))
		if _, err := s.PassPreliminary(ctx, culture, a.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("preliminary review passed before the opinions came in: %v", err)
		}
		for _, d := range []string{"营商环境建设局", "综合执法局"} {
			a = must(t)(s.GiveOpinion(ctx, duixian.Actor{User: d + "-1", Role: duixian.RoleCoReviewer, Department: d}, a.ID, true, "无异议"))
		}
		a = passToExpert(t, s, culture, a.ID)
		a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, map[string]int{"空间环境": 18, "社会效益": 27}, "实地踏勘属实，建议支持", true))
		status(t, a, duixian.StatusAssessed)
		if _, err := s.Propose(ctx, culture, a.ID, 130000*duixian.Yuan, ""); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("proposed more than the engine computes: %v", err)
		}
		if _, err := s.Propose(ctx, culture, a.ID, 100000*duixian.Yuan, ""); duixian.ErrorCode(err) != duixian.EINVALID {
			t.Fatalf("proposed less without a reason: %v", err)
		}
		a = must(t)(s.Propose(ctx, culture, a.ID, 120000*duixian.Yuan, ""))
		a = workflowtest.Publish(t, s, culture, cultureHead, a.ID, date("2026-04-01"), 5)
		if a.Publicity.Until != date("2026-04-08") { // 4/1 4/2 4/3 (4/4–4/6 清明) 4/7 4/8
			t.Fatalf("five working days from 2026-04-01 end on 04-08, got %s", a.Publicity.Until)
		}
		clk.Set("2026-04-02")
		a = object(t, s, a.ID, "该书店出版物经营面积不足120平方米", "现场照片")
		if _, err := workflowtest.Approve(t, s, culture, cultureHead, a.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("approved during publicity: %v", err)
		}
		a = must(t)(s.AnswerObjection(ctx, culture, a.ID, a.Objections[0].ID, "经复核，面积以宣传文化部审核结果为准，异议不成立", false))
		clk.Set("2026-04-09")
		if _, err := s.Object(ctx, public, a.ID, objection("逾期异议", "")); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("an objection after publicity was accepted: %v", err)
		}
		a = must(t)(workflowtest.Approve(t, s, culture, cultureHead, a.ID))
		status(t, a, duixian.StatusApproved)
		a = must(t)(s.Disburse(ctx, finance, a.ID, "pay-1", paid))
		status(t, a, duixian.StatusPaid)
		if a.Paid() != 120000*duixian.Yuan {
			t.Fatalf("paid %s", a.Paid())
		}
		// The enterprise sees its case; another enterprise does not.
		if got := must(t)(s.Application(ctx, staff, a.ID)); got.Status != duixian.StatusPaid {
			t.Fatalf("%s", got.Status)
		}
		other := duixian.Actor{User: "x", Role: duixian.RoleEnterprise, Enterprise: uscc(t, "91110302MA01YYYY1")}
		if _, err := s.Application(ctx, other, a.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("another enterprise read the application: %v", err)
		}
		if n, err := db.VerifyAudit(ctx); err != nil || n < 15 {
			t.Fatalf("audit chain: %d entries, %v", n, err)
		}
	})
}

func date(s string) duixian.Date {
	d, err := duixian.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// A draft revised with another event date and project stays the same
// application, its year following the date; a returned one cannot be
// revised so (its date and project are what it was decided on).
func TestReviseDraft(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		id, staff := registerBookstore(t, s)
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
			EventDate: date("2025-12-20"), Facts: json.RawMessage(bookstoreFacts), Declared: true}))
		r := must(t)(s.ReviseDraft(ctx, staff, a.ID, workflow.DraftRevision{EventDate: date("2026-03-01"), Project: "书房二期",
			Facts: json.RawMessage(bookstoreFacts), Declared: true}))
		if r.ID != a.ID || r.EventDate != date("2026-03-01") || r.Year != 2026 || r.Project != "书房二期" || r.Status != duixian.StatusDraft {
			t.Fatalf("revised: %s %s %d %q %s", r.ID, r.EventDate, r.Year, r.Project, r.Status)
		}
		r = must(t)(s.Submit(ctx, staff, a.ID, "k1"))
		if _, err := s.Return(ctx, culture, r.ID, "请补充经营场所证明文件"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ReviseDraft(ctx, staff, a.ID, workflow.DraftRevision{EventDate: date("2026-03-02"), Facts: json.RawMessage(bookstoreFacts), Declared: true}); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Errorf("a returned application revised to another date: %v", err)
		}
	})
}
