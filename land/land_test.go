package land_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

var (
	catOnce sync.Once
	cat     *engine.Catalogue
	ctx     = context.Background()
)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Set(day string) {
	d, err := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", duixian.Shanghai)
	if err != nil {
		panic(err)
	}
	c.mu.Lock()
	c.now = d
	c.mu.Unlock()
}
func (c *clock) SetDate(d duixian.Date) { c.Set(d.String()) }

func uscc(t testing.TB, seventeen string) string {
	ch, ok := duixian.USCCCheckChar(seventeen)
	if !ok {
		t.Fatalf("bad prefix %s", seventeen)
	}
	return seventeen + string(ch)
}

// world is a service with two registered enterprises and the officials
// who act on land cases.
type world struct {
	s                    *land.Service
	db                   *sqldb.DB
	clk                  *clock
	holder, other        duixian.Actor
	planning, dev, board duixian.Actor
	registry, transport  duixian.Actor
	admin                duixian.Actor
}

func newWorld(t *testing.T, db *sqldb.DB, day string) *world {
	catOnce.Do(func() {
		var err error
		if cat, err = engine.Load(catalogue.FS); err != nil {
			panic(err)
		}
	})
	clk := &clock{}
	clk.Set(day)
	s := land.New(db, cat)
	s.Now = clk.Now
	a, b := uscc(t, "91110302MA01LAND1"), uscc(t, "91110302MA01LAND2")
	err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		for _, e := range []*duixian.Enterprise{{USCC: a, Name: "亦庄精密制造有限公司"}, {USCC: b, Name: "亦庄另一家企业有限公司"}} {
			if _, err := tx.Enterprise(e.USCC, false); err == nil {
				continue
			}
			if err := tx.PutEnterprise(e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return &world{s: s, db: db, clk: clk,
		holder:    duixian.Actor{User: "holder", Role: duixian.RoleEnterprise, Enterprise: a, IP: "10.1.0.1"},
		other:     duixian.Actor{User: "other", Role: duixian.RoleEnterprise, Enterprise: b},
		planning:  duixian.Actor{User: "gz.reviewer", Role: duixian.RoleReviewer, Department: land.DeptPlanning},
		dev:       duixian.Actor{User: "kf.reviewer", Role: duixian.RoleReviewer, Department: land.DeptDevelopment},
		board:     duixian.Actor{User: "gwh.office", Role: duixian.RoleReviewer, Department: land.DeptCommittee},
		registry:  duixian.Actor{User: "tc.registrar", Role: duixian.RoleReviewer, Department: land.DeptRegistry},
		transport: duixian.Actor{User: "jt.coreviewer", Role: duixian.RoleCoReviewer, Department: "交通委"},
		admin:     duixian.Actor{User: "admin", Role: duixian.RoleAdmin},
	}
}

// facts are a plot meeting every condition of 第二条: sold M1 land in
// 亦庄新城, FAR 1.0 → 1.5 within a block baseline of 2.0; more overrides.
func facts(t testing.TB, more string) json.RawMessage {
	base := map[string]any{}
	json.Unmarshal([]byte(`{"zones":["yizhuang-225"],"land_sold":true,"land_current_use":"M1","land_plan_consistent":true,
"land_volume_transfer":true,"land_change_of_use":false,"land_urban_renewal":false,"land_industry_supported":true,
"land_industry_approved":true,"land_far_current":"1.0","land_far_planned":"1.5","land_block_baseline_far":"2.0"}`), &base)
	if more != "" {
		var m map[string]any
		if err := json.Unmarshal([]byte(more), &m); err != nil {
			t.Fatal(err)
		}
		for k, v := range m {
			base[k] = v
		}
	}
	b, _ := json.Marshal(base)
	return b
}

func must(t testing.TB) func(*land.Case, error) *land.Case {
	return func(c *land.Case, err error) *land.Case {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func wantCode(t testing.TB, err error, code string) *duixian.Error {
	t.Helper()
	if duixian.ErrorCode(err) != code {
		t.Fatalf("want %s, got %v", code, err)
	}
	e, _ := err.(*duixian.Error)
	return e
}

// denied reports whether the audit log holds a refusal of action on subject by user.
func denied(t testing.TB, db *sqldb.DB, subject, action, user string) bool {
	t.Helper()
	var log []duixian.AuditEntry
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error { var err error; log, err = tx.AuditLog(subject); return err }); err != nil {
		t.Fatal(err)
	}
	for _, e := range log {
		if e.Action == "denied:land:"+action && e.Actor.User == user {
			return true
		}
	}
	return false
}

type route struct {
	committee land.CommitteeInput
	contract  land.ContractInput
	registrar duixian.Actor
}

// walk takes a started case through every step to registration.
func (w *world) walk(t *testing.T, c *land.Case, r route) *land.Case {
	t.Helper()
	m := must(t)
	if c.Path != land.PathNoPlan {
		if c.State != land.StatePlan {
			t.Fatalf("path %s starts in %s, want plan", c.Path, c.State)
		}
		c = m(w.s.SubmitPlan(ctx, w.holder, c.ID, land.PlanInput{Title: c.Plot + "地块规划综合实施方案", Summary: "容积率、用地性质及配套"}))
	}
	if c.State != land.StateReview {
		t.Fatalf("state %s, want review", c.State)
	}
	c = m(w.s.Consult(ctx, w.planning, c.ID, land.ConsultInput{Departments: []string{"交通委"}, Utilities: []string{"北京市自来水集团"}}))
	// Every party consulted must answer before the review passes.
	_, err := w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "同意"})
	wantCode(t, err, duixian.ECONFLICT)
	c = m(w.s.GiveOpinion(ctx, w.transport, c.ID, land.OpinionInput{Agree: true, Text: "交通组织可行"}))
	if _, err := w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "同意"}); duixian.ErrorCode(err) != duixian.ECONFLICT {
		t.Fatalf("review with the utility's answer outstanding: %v", err)
	}
	c = m(w.s.GiveOpinion(ctx, w.planning, c.ID, land.OpinionInput{Party: "北京市自来水集团", Agree: true, Text: "供水条件满足", Via: "DGHY-2026-0031"}))
	c = m(w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "方案符合上位规划刚性管控要求"}))
	start := duixian.DateOf(w.clk.Now())
	c = m(w.s.OpenNotice(ctx, w.planning, c.ID, start, 10))
	if c.Notice.Until != mustAdd(t, start, 10) {
		t.Fatalf("notice until %s", c.Notice.Until)
	}
	w.clk.SetDate(c.Notice.Until.AddDays(1))
	c = m(w.s.Committee(ctx, w.board, c.ID, r.committee))
	if c.State != land.StateCommitteePassed {
		t.Fatalf("after the committee: %s", c.State)
	}
	c = m(w.s.Approve(ctx, w.planning, c.ID, land.ApprovalInput{Number: "京技规自审〔2026〕12号"}))
	c = m(w.s.SignContract(ctx, w.dev, c.ID, r.contract))
	registrar := r.registrar
	if registrar.User == "" {
		registrar = w.registry
	} else {
		_, err := w.s.Register(ctx, w.registry, c.ID, land.RegistrationInput{Number: "n"})
		wantCode(t, err, duixian.EFORBIDDEN)
	}
	c = m(w.s.Register(ctx, registrar, c.ID, land.RegistrationInput{Number: "京(2026)开发区不动产权第0001234号"}))
	if c.State != land.StateClosed {
		t.Fatalf("after registration: %s", c.State)
	}
	return c
}

func mustAdd(t testing.TB, d duixian.Date, n int) duixian.Date {
	until, err := land.New(nil, cat).Calendar.AddWorkdays(d, n)
	if err != nil {
		t.Fatal(err)
	}
	return until
}

// Every path reaches registration with the annotation 第七条 requires and
// the land price 第六条 computes.
func TestEveryPathReachesRegistration(t *testing.T) {
	yes := true
	cases := []struct {
		name       string
		facts      string
		path       string
		route      route
		applies    bool
		due        duixian.Money
		annotation string
		transition bool
	}{
		{name: "M1→M4 unchanged FAR: no plan", facts: `{"land_to_m4":true,"land_far_planned":"1.0"}`, path: land.PathNoPlan,
			route:   route{committee: land.CommitteeInput{Approved: true, Reference: "管委会会议纪要〔2026〕3号"}, contract: land.ContractInput{Kind: land.KindSupplement, Number: "BC-2026-001"}},
			applies: false, annotation: land.AnnotationNone},
		{name: "urban renewal, change of use", facts: `{"land_urban_renewal":true,"land_change_of_use":true,"land_change_approved":true}`, path: land.PathRenewal,
			route: route{committee: land.CommitteeInput{Approved: true, Reference: "管委会会议纪要〔2026〕4号", RenewalPlan: "某某园区城市更新实施方案"},
				contract: land.ContractInput{Kind: land.KindSupplement, Number: "BC-2026-002", MarketPrice: "12345678.90"}},
			applies: true, due: 1111111101, annotation: land.AnnotationNone},
		{name: "written submission", facts: ``, path: land.PathWritten,
			route:   route{committee: land.CommitteeInput{Approved: true, Reference: "京技规自报〔2026〕7号"}, contract: land.ContractInput{Kind: land.KindSupplement, Number: "BC-2026-003"}},
			applies: true, due: 0, annotation: land.AnnotationFAR},
		{name: "full path, change of use, reserved", facts: `{"land_change_of_use":true,"land_change_approved":true,"land_reserved":true}`, path: land.PathFull,
			route: route{committee: land.CommitteeInput{Approved: true, Reference: "管委会会议纪要〔2026〕5号"},
				contract: land.ContractInput{Kind: land.KindGrant, Number: "JG-2026-004", MarketPrice: "8000000.00"}},
			applies: true, due: 800000000, annotation: land.AnnotationNone},
		{name: "urban renewal under the transition policy", facts: `{"land_urban_renewal":true,"land_change_of_use":true,"land_change_approved":true,"land_transition_applied":true}`,
			path: land.PathRenewal,
			route: route{committee: land.CommitteeInput{Approved: true, Reference: "管委会会议纪要〔2026〕6号", RenewalPlan: "某某厂区城市更新实施方案", Transition: &yes},
				contract: land.ContractInput{Kind: land.KindSupplement, Number: "BC-2026-005", MarketPrice: "12345678.90"}},
			applies: true, due: 0, annotation: land.AnnotationTransition, transition: true},
	}
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				w := newWorld(t, db, "2026-03-02")
				c := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-" + tc.name, Facts: facts(t, tc.facts)}))
				if c.Path != tc.path || c.Start == nil || c.Start.Outcome != tc.path {
					t.Fatalf("path %q, want %q", c.Path, tc.path)
				}
				if tc.path == land.PathNoPlan && (c.State != land.StateReview || c.Plan == nil || !c.Plan.Skipped || c.Plan.Cite.Article != "3.5") {
					t.Fatalf("M1→M4 with unchanged FAR should skip the plan citing 第三条（五）: %s %+v", c.State, c.Plan)
				}
				r := tc.route
				if tc.transition {
					// The 过渡期 annotation goes on the planning permit: 规自分局's.
					r.registrar = w.planning
				}
				c = w.walk(t, c, r)
				if tc.transition && c.Registration.By != w.planning.User {
					t.Fatalf("registered by %s", c.Registration.By)
				}
				k := c.Contract
				if k.PriceApplies != tc.applies || k.Due != tc.due || k.Price == nil || !k.Price.Due {
					t.Fatalf("contract: applies %v due %s, want %v %s\n%+v", k.PriceApplies, k.Due, tc.applies, tc.due, k.Price)
				}
				if c.Registration.Annotation != tc.annotation {
					t.Fatalf("annotation %q, want %q", c.Registration.Annotation, tc.annotation)
				}
				if tc.annotation != land.AnnotationNone && !strings.Contains(c.Registration.Cite.Label, "第七条") {
					t.Fatalf("annotation cites %v", c.Registration.Cite)
				}
				if tc.transition != c.Registration.Deferred {
					t.Fatalf("deferred %v", c.Registration.Deferred)
				}
				if _, err := db.VerifyAudit(ctx); err != nil {
					t.Fatal(err)
				}
				// The history and the audit log have every step.
				var log []duixian.AuditEntry
				db.Tx(ctx, func(tx *sqldb.Tx) error { var err error; log, err = tx.AuditLog(c.ID); return err })
				steps := map[string]bool{}
				for _, e := range log {
					steps[e.Action] = true
				}
				for _, a := range []string{"start", "consult", "opinion", "review", "notice", "committee", "approval", "contract", "registration"} {
					if !steps["land:"+a] {
						t.Errorf("no audit entry land:%s", a)
					}
				}
				if steps["land:plan"] == (tc.path == land.PathNoPlan) {
					t.Errorf("plan step on path %s: %v", tc.path, steps["land:plan"])
				}
				if last := c.History[len(c.History)-1]; last.Action != land.ActRegistration || last.To != land.StateClosed {
					t.Errorf("history ends with %+v", last)
				}
			})
		}
	})
}

// The land price of an urban-renewal change of use is 90% of the market
// price, to the fen, with the trace citing 第六条（二）.
func TestUrbanRenewalPriceToTheFen(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db, "2026-04-01")
		c := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-renewal",
			Facts: facts(t, `{"land_urban_renewal":true,"land_change_of_use":true,"land_change_approved":true}`)}))
		// Without the assessed price the contract is not signed.
		c = w.toApproved(t, c, land.CommitteeInput{Approved: true, Reference: "纪要1", RenewalPlan: "更新实施方案"})
		_, err := w.s.SignContract(ctx, w.dev, c.ID, land.ContractInput{Kind: land.KindSupplement, Number: "BC-1"})
		wantCode(t, err, duixian.EINVALID)
		c = must(t)(w.s.SignContract(ctx, w.dev, c.ID, land.ContractInput{Kind: land.KindSupplement, Number: "BC-1", MarketPrice: "12345678.90"}))
		if c.Contract.Due != 1111111101 || c.Contract.DueYuan != "11111111.01" {
			t.Fatalf("due %s, want 11111111.01", c.Contract.DueYuan)
		}
		var trace []string
		for _, st := range c.Contract.Price.Trace {
			trace = append(trace, st.Cite.String()+" "+st.Text)
		}
		all := strings.Join(trace, "\n")
		if !strings.Contains(all, "20号第六条（二）") || !strings.Contains(all, "90%") {
			t.Fatalf("trace:\n%s", all)
		}
		b, _ := json.Marshal(c)
		if !strings.Contains(string(b), `"amount":"11111111.01"`) || !strings.Contains(string(b), `"due_fen":1111111101`) {
			t.Fatalf("stored JSON lacks the amount: %s", b)
		}
	})
}

// toApproved takes a case on the renewal or written path to approval.
func (w *world) toApproved(t *testing.T, c *land.Case, cm land.CommitteeInput) *land.Case {
	t.Helper()
	m := must(t)
	if c.State == land.StatePlan {
		c = m(w.s.SubmitPlan(ctx, w.holder, c.ID, land.PlanInput{Title: "方案"}))
	}
	c = m(w.s.Consult(ctx, w.planning, c.ID, land.ConsultInput{Departments: []string{"交通委"}}))
	c = m(w.s.GiveOpinion(ctx, w.transport, c.ID, land.OpinionInput{Agree: true, Text: "同意"}))
	c = m(w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "同意"}))
	c = m(w.s.OpenNotice(ctx, w.planning, c.ID, duixian.DateOf(w.clk.Now()), 5))
	w.clk.SetDate(c.Notice.Until.AddDays(1))
	c = m(w.s.Committee(ctx, w.board, c.ID, cm))
	return m(w.s.Approve(ctx, w.planning, c.ID, land.ApprovalInput{Number: "审定1"}))
}

// A plot outside 亦庄新城's 225 km² is refused at the start citing 第二条（一）.
func TestOutsideZoneRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db, "2026-03-02")
		_, err := w.s.Start(ctx, w.holder, land.StartInput{Plot: "外区地块", Facts: facts(t, `{"zones":[]}`)})
		e := wantCode(t, err, duixian.EREFUSED)
		if len(e.Reasons) != 1 || e.Reasons[0].Cite.Article != "2.1" || e.Reasons[0].Cite.String() != "20号第二条（一）" {
			t.Fatalf("reasons %+v", e.Reasons)
		}
		if !strings.Contains(e.Zh, "20号第二条（一）") {
			t.Fatalf("message %s", e.Zh)
		}
		if !denied(t, db, w.holder.Enterprise, "start", w.holder.User) {
			t.Fatal("the refusal is not in the audit log")
		}
		list, _ := w.s.Cases(ctx, w.holder)
		if len(list) != 0 {
			t.Fatalf("a refused start left a case: %+v", list)
		}
		// Who may apply at all: only the holder's staff, and only facts
		// the holder gives.
		_, err = w.s.Start(ctx, w.planning, land.StartInput{Plot: "x", Facts: facts(t, "")})
		wantCode(t, err, duixian.EFORBIDDEN)
		_, err = w.s.Start(ctx, w.holder, land.StartInput{Plot: "x", Facts: facts(t, `{"land_plan_approved":true}`)})
		wantCode(t, err, duixian.EINVALID)
		_, err = w.s.Start(ctx, w.holder, land.StartInput{Plot: "x", Facts: facts(t, `{"land_market_price":"100"}`)})
		wantCode(t, err, duixian.EINVALID)
		// Other conditions of 第二条 cite their items.
		_, err = w.s.Start(ctx, w.holder, land.StartInput{Plot: "x", Facts: facts(t, `{"land_industry_approved":false,"land_sold":false}`)})
		e = wantCode(t, err, duixian.EREFUSED)
		var cites []string
		for _, r := range e.Reasons {
			cites = append(cites, r.Cite.Article)
		}
		if strings.Join(cites, ",") != "2.1,2.4" {
			t.Fatalf("cites %v", cites)
		}
	})
}

// After the trial year a case is refused citing 第十条; once an
// administrator records a revision extending the trial it is accepted,
// the trace citing the revision, and the land price is computed.
func TestTrialExtension(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db, "2026-10-13")
		last := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "最后一天", Facts: facts(t, "")}))
		if last.Trial != nil {
			t.Fatal("a case within the trial needs no revision")
		}
		w.clk.Set("2026-10-14")
		_, err := w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-late", Facts: facts(t, "")})
		e := wantCode(t, err, duixian.EREFUSED)
		if len(e.Reasons) != 1 || !e.Reasons[0].Is("expired") || e.Reasons[0].Cite.String() != "20号第十条" {
			t.Fatalf("reasons %+v", e.Reasons)
		}
		// Only an administrator records a revision, and it must extend.
		_, err = w.s.RecordTrial(ctx, w.planning, land.TrialInput{Number: "京技管发〔2026〕18号", Until: date("2027-10-13")})
		wantCode(t, err, duixian.EFORBIDDEN)
		if !denied(t, db, land.Document, "trial", w.planning.User) {
			t.Fatal("the refused revision is not logged")
		}
		_, err = w.s.RecordTrial(ctx, w.admin, land.TrialInput{Number: "京技管发〔2026〕18号", Until: date("2026-10-01")})
		wantCode(t, err, duixian.EINVALID)
		_, err = w.s.RecordTrial(ctx, w.admin, land.TrialInput{Until: date("2027-10-13")})
		wantCode(t, err, duixian.EINVALID)
		rev, err := w.s.RecordTrial(ctx, w.admin, land.TrialInput{Number: "京技管发〔2026〕18号", Title: "关于延长亦庄新城工业用地提质增效实施意见试行期的通知",
			Issued: date("2026-10-14"), Until: date("2027-10-13")})
		if err != nil {
			t.Fatal(err)
		}
		c := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-late", Facts: facts(t, "")}))
		if c.Trial == nil || c.Trial.ID != rev.ID || c.Applied != date("2026-10-14") || c.Path != land.PathWritten {
			t.Fatalf("case %+v trial %+v", c, c.Trial)
		}
		d := c.Start
		if d.EventDate != date("2026-10-14") || d.Document.InForceTo != date("2027-10-13") || len(d.Reasons) != 0 {
			t.Fatalf("decision %+v", d)
		}
		if !strings.Contains(d.Trace[0].Cite.String(), "京技管发〔2026〕18号") || !strings.Contains(d.Trace[0].Text, "20号第十条") {
			t.Fatalf("the trace does not start with the revision: %+v", d.Trace[0])
		}
		// The other conditions still hold after the revision.
		_, err = w.s.Start(ctx, w.holder, land.StartInput{Plot: "外区", Facts: facts(t, `{"zones":[]}`)})
		e = wantCode(t, err, duixian.EREFUSED)
		if len(e.Reasons) != 1 || e.Reasons[0].Cite.Article != "2.1" {
			t.Fatalf("reasons %+v", e.Reasons)
		}
		// The extended case goes on to registration, every decision under the revision.
		c = w.walk(t, c, route{committee: land.CommitteeInput{Approved: true, Reference: "京技规自报〔2026〕30号"},
			contract: land.ContractInput{Kind: land.KindSupplement, Number: "BC-late"}})
		if !c.Contract.PriceApplies || c.Contract.Due != 0 || !strings.Contains(c.Contract.Price.Trace[0].Text, "京技管发〔2026〕18号") {
			t.Fatalf("price %+v", c.Contract.Price)
		}
		if c.Registration.Annotation != land.AnnotationFAR {
			t.Fatalf("annotation %s", c.Registration.Annotation)
		}
		// Beyond the revision, refused again.
		w.clk.Set("2027-10-14")
		_, err = w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-later", Facts: facts(t, "")})
		e = wantCode(t, err, duixian.EREFUSED)
		if !e.Reasons[0].Is("expired") {
			t.Fatalf("reasons %+v", e.Reasons)
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

// A step by the wrong department (or role, or enterprise) is forbidden,
// changes nothing and is logged.
func TestWrongDepartmentForbiddenAndLogged(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db, "2026-03-02")
		c := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-7", Facts: facts(t, "")}))
		c = must(t)(w.s.SubmitPlan(ctx, w.holder, c.ID, land.PlanInput{Title: "方案"}))
		for _, try := range []struct {
			actor  duixian.Actor
			action string
			do     func() (*land.Case, error)
			code   string
		}{
			{w.dev, "consult", func() (*land.Case, error) {
				return w.s.Consult(ctx, w.dev, c.ID, land.ConsultInput{Departments: []string{"交通委"}})
			}, ""},
			{w.board, "review", func() (*land.Case, error) {
				return w.s.PassReview(ctx, w.board, c.ID, land.ReviewInput{Opinion: "同意"})
			}, ""},
			{w.transport, "opinion", func() (*land.Case, error) { // not consulted: does not see the case
				return w.s.GiveOpinion(ctx, w.transport, c.ID, land.OpinionInput{Agree: true, Text: "同意"})
			}, duixian.ENOTFOUND},
			{w.holder, "reject", func() (*land.Case, error) { return w.s.Reject(ctx, w.holder, c.ID, "x") }, ""},
			{w.admin, "review", func() (*land.Case, error) {
				return w.s.PassReview(ctx, w.admin, c.ID, land.ReviewInput{Opinion: "同意"})
			}, ""},
		} {
			_, err := try.do()
			if try.code == "" {
				try.code = duixian.EFORBIDDEN
			}
			wantCode(t, err, try.code)
			if !denied(t, db, c.ID, try.action, try.actor.User) {
				t.Errorf("%s by %s is not logged", try.action, try.actor.User)
			}
		}
		// Another enterprise neither reads nor acts on the case, and the
		// attempt is logged.
		_, err := w.s.Case(ctx, w.other, c.ID)
		wantCode(t, err, duixian.ENOTFOUND)
		_, err = w.s.Withdraw(ctx, w.other, c.ID)
		wantCode(t, err, duixian.ENOTFOUND)
		if !denied(t, db, c.ID, "withdraw", w.other.User) || !denied(t, db, c.ID, "read", w.other.User) {
			t.Error("another enterprise's attempts are not logged")
		}
		if list, _ := w.s.Cases(ctx, w.other); len(list) != 0 {
			t.Fatalf("another enterprise lists %d cases", len(list))
		}
		// A department consulted reads the case; one not consulted does not.
		c = must(t)(w.s.Consult(ctx, w.planning, c.ID, land.ConsultInput{Departments: []string{"交通委"}}))
		if _, err := w.s.Case(ctx, w.transport, c.ID); err != nil {
			t.Fatal(err)
		}
		water := duixian.Actor{User: "water", Role: duixian.RoleCoReviewer, Department: "水务局"}
		_, err = w.s.Case(ctx, water, c.ID)
		wantCode(t, err, duixian.ENOTFOUND)
		got := must(t)(w.s.Case(ctx, w.holder, c.ID))
		if got.State != land.StateReview || got.Version != c.Version {
			t.Fatalf("refused steps changed the case: %s v%d", got.State, got.Version)
		}
	})
}

// The steps cannot be skipped: each is refused outside its state, the
// case is unchanged, and the refusal is logged.
func TestStepsCannotBeSkipped(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db, "2026-03-02")
		c := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-9", Facts: facts(t, "")}))
		if c.State != land.StatePlan {
			t.Fatalf("state %s", c.State)
		}
		today := duixian.DateOf(w.clk.Now())
		skips := []struct {
			actor  duixian.Actor
			action string
			do     func() (*land.Case, error)
		}{
			{w.planning, "consult", func() (*land.Case, error) {
				return w.s.Consult(ctx, w.planning, c.ID, land.ConsultInput{Departments: []string{"交通委"}})
			}},
			{w.planning, "review", func() (*land.Case, error) {
				return w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "同意"})
			}},
			{w.planning, "notice", func() (*land.Case, error) { return w.s.OpenNotice(ctx, w.planning, c.ID, today, 5) }},
			{w.board, "committee", func() (*land.Case, error) {
				return w.s.Committee(ctx, w.board, c.ID, land.CommitteeInput{Approved: true, Reference: "r"})
			}},
			{w.planning, "approval", func() (*land.Case, error) {
				return w.s.Approve(ctx, w.planning, c.ID, land.ApprovalInput{Number: "n"})
			}},
			{w.dev, "contract", func() (*land.Case, error) {
				return w.s.SignContract(ctx, w.dev, c.ID, land.ContractInput{Kind: land.KindSupplement, Number: "n"})
			}},
			{w.registry, "registration", func() (*land.Case, error) {
				return w.s.Register(ctx, w.registry, c.ID, land.RegistrationInput{Number: "n"})
			}},
		}
		for _, sk := range skips {
			_, err := sk.do()
			wantCode(t, err, duixian.ECONFLICT)
			if !denied(t, db, c.ID, sk.action, sk.actor.User) {
				t.Errorf("skipping to %s is not logged", sk.action)
			}
		}
		m := must(t)
		c = m(w.s.SubmitPlan(ctx, w.holder, c.ID, land.PlanInput{Title: "方案"}))
		// Review cannot pass without consulting (第四条).
		_, err := w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "同意"})
		wantCode(t, err, duixian.ECONFLICT)
		// A return goes back to the plan; a second plan is revision 2.
		c = m(w.s.Return(ctx, w.planning, c.ID, "补充交通影响评价"))
		if c.State != land.StatePlan || c.Reason == "" {
			t.Fatalf("after return: %s", c.State)
		}
		c = m(w.s.SubmitPlan(ctx, w.holder, c.ID, land.PlanInput{Title: "方案（修改）"}))
		if c.Plan.Revision != 2 {
			t.Fatalf("revision %d", c.Plan.Revision)
		}
		c = m(w.s.Consult(ctx, w.planning, c.ID, land.ConsultInput{Departments: []string{"交通委"}}))
		c = m(w.s.GiveOpinion(ctx, w.transport, c.ID, land.OpinionInput{Agree: true, Text: "同意"}))
		_, err = w.s.GiveOpinion(ctx, w.transport, c.ID, land.OpinionInput{Agree: false, Text: "再议"})
		wantCode(t, err, duixian.EFORBIDDEN) // answered once
		c = m(w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "同意"}))
		// The committee cannot skip the notice, nor decide before it ends.
		_, err = w.s.Committee(ctx, w.board, c.ID, land.CommitteeInput{Approved: true, Reference: "r"})
		wantCode(t, err, duixian.ECONFLICT)
		_, err = w.s.OpenNotice(ctx, w.planning, c.ID, today.AddDays(-1), 5)
		wantCode(t, err, duixian.EINVALID)
		c = m(w.s.OpenNotice(ctx, w.planning, c.ID, today, 5))
		w.clk.SetDate(c.Notice.Until)
		_, err = w.s.Committee(ctx, w.board, c.ID, land.CommitteeInput{Approved: true, Reference: "r"})
		wantCode(t, err, duixian.ECONFLICT)
		w.clk.SetDate(c.Notice.Until.AddDays(1))
		// The written path needs the written submission.
		_, err = w.s.Committee(ctx, w.board, c.ID, land.CommitteeInput{Approved: true})
		wantCode(t, err, duixian.EINVALID)
		c = m(w.s.Committee(ctx, w.board, c.ID, land.CommitteeInput{Approved: true, Reference: "京技规自报〔2026〕9号"}))
		if c.Committee.Mode != "书面报请管委会审查" || c.Committee.Cite.Article != "5.2" {
			t.Fatalf("committee %+v", c.Committee)
		}
		// The contract waits for the approval; registration for the contract.
		_, err = w.s.SignContract(ctx, w.dev, c.ID, land.ContractInput{Kind: land.KindSupplement, Number: "n"})
		wantCode(t, err, duixian.ECONFLICT)
		c = m(w.s.Approve(ctx, w.planning, c.ID, land.ApprovalInput{Number: "审定2"}))
		_, err = w.s.Register(ctx, w.registry, c.ID, land.RegistrationInput{Number: "n"})
		wantCode(t, err, duixian.ECONFLICT)
		// The holder can no longer withdraw after the committee passed it.
		_, err = w.s.Withdraw(ctx, w.holder, c.ID)
		wantCode(t, err, duixian.ECONFLICT)
		// Nothing after the case is closed.
		c = m(w.s.SignContract(ctx, w.dev, c.ID, land.ContractInput{Kind: land.KindSupplement, Number: "n"}))
		c = m(w.s.Register(ctx, w.registry, c.ID, land.RegistrationInput{Number: "n"}))
		_, err = w.s.Register(ctx, w.registry, c.ID, land.RegistrationInput{Number: "n"})
		wantCode(t, err, duixian.ECONFLICT)
	})
}

// A committee that does not pass the case ends it with its opinion.
func TestCommitteeRejects(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db, "2026-05-06")
		c := must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-11", Facts: facts(t, `{"land_far_planned":"2.5"}`)}))
		if c.Path != land.PathFull {
			t.Fatalf("FAR above the baseline: %s", c.Path)
		}
		// One open case per plot.
		_, err := w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-11", Facts: facts(t, "")})
		wantCode(t, err, duixian.ECONFLICT)
		c = must(t)(w.s.SubmitPlan(ctx, w.holder, c.ID, land.PlanInput{Title: "方案"}))
		c = must(t)(w.s.Consult(ctx, w.planning, c.ID, land.ConsultInput{Utilities: []string{"北京燃气集团"}}))
		c = must(t)(w.s.GiveOpinion(ctx, w.planning, c.ID, land.OpinionInput{Party: "北京燃气集团", Agree: true, Text: "同意", Via: "DGHY-1"}))
		// 规自分局 confirms the block baseline at 3.0: the path becomes written.
		c = must(t)(w.s.PassReview(ctx, w.planning, c.ID, land.ReviewInput{Opinion: "同意", Facts: json.RawMessage(`{"land_block_baseline_far":"3.0"}`)}))
		if c.Path != land.PathWritten || c.PathReview == nil {
			t.Fatalf("path after the baseline was confirmed: %s", c.Path)
		}
		c = must(t)(w.s.OpenNotice(ctx, w.planning, c.ID, duixian.DateOf(w.clk.Now()), 3))
		w.clk.SetDate(c.Notice.Until.AddDays(1))
		_, err = w.s.Committee(ctx, w.board, c.ID, land.CommitteeInput{Approved: false, Reference: "京技规自报〔2026〕11号"})
		wantCode(t, err, duixian.EINVALID) // a refusal needs its opinion
		c = must(t)(w.s.Committee(ctx, w.board, c.ID, land.CommitteeInput{Approved: false, Reference: "京技规自报〔2026〕11号", Opinion: "产业业态不符合街区功能定位"}))
		if c.State != land.StateRejected || !strings.Contains(c.Reason, "产业业态") {
			t.Fatalf("%s %s", c.State, c.Reason)
		}
		// Now a new case for the plot may start.
		must(t)(w.s.Start(ctx, w.holder, land.StartInput{Plot: "YZ-11", Facts: facts(t, "")}))
	})
}

// The departments named here are those of the catalogue's clauses.
func TestDepartmentsMatchTheCatalogue(t *testing.T) {
	newWorld(t, dbtest.SQLite(t), "2026-03-02")
	for id, want := range map[string]string{land.ClausePath: land.DeptPlanning, land.ClausePrice: land.DeptDevelopment, land.ClauseAnnotation: land.DeptPlanning} {
		cl, ok := cat.Clause(id)
		if !ok || cl.Department != want {
			t.Errorf("%s: department %v, want %s", id, cl, want)
		}
	}
	doc, _ := cat.Document(land.Document)
	if doc.InForceTo != date("2026-10-13") {
		t.Errorf("trial ends %s", doc.InForceTo)
	}
}
