package workflow_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/postgres"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
	"github.com/etown/duixian/workflow/workflowtest"
)

// vcFund registers a venture fund and returns its staff.
func vcFund(t *testing.T, s *workflow.Service) duixian.Actor {
	id := uscc(t, "91110302MA01XYTR2")
	if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: "亦庄早期创投基金管理有限公司",
		Facts: json.RawMessage(`{"zones":["yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false}`)}); err != nil {
		t.Fatal(err)
	}
	return duixian.Actor{User: "staff@fund", Role: duixian.RoleEnterprise, Enterprise: id}
}

// vcClaim is a 25号第十五条 claim: 2% of 2500万 is 50万, the per-project cap,
// for an investment paid on 2025-01-15, two full years old from 2027-01-15.
func vcClaim(project string) workflow.DraftInput {
	return workflow.DraftInput{Clause: "jjgf-2025-25/15", Materials: specimens("jjgf-2025-25/15"), EventDate: date("2025-01-15"), Project: project, Declared: true,
		Facts: json.RawMessage(`{"fin_vc_institution":true,"fin_startup_investee":true,"fin_first_investment":true,
		"fin_investment_amount":"2500万元","fin_investment_government":"0"}`)}
}

// toPublicity walks n claims of the fund to the end of publicity.
func toPublicity(t *testing.T, s *workflow.Service, clk *clock, staff duixian.Actor, n int) []string {
	var ids []string
	for i := range n {
		in := vcClaim(fmt.Sprintf("被投项目%02d", i))
		in.Enterprise = staff.Enterprise
		a := must(t)(s.CreateDraft(ctx, staff, in))
		a = must(t)(s.Submit(ctx, staff, a.ID, "submit-"+a.ID))
		a = passToExpert(t, s, commerce, a.ID)
		a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, map[string]int{"总分": 80}, "符合", true))
		a = must(t)(s.Propose(ctx, commerce, a.ID, 500000*duixian.Yuan, ""))
		a = must(t)(s.Publish(ctx, commerce, a.ID, date("2027-03-01"), 1))
		ids = append(ids, a.ID)
	}
	clk.Set("2027-03-02")
	return ids
}

// The fund's yearly cap (200万) fits exactly four approvals of 50万: of 50
// concurrent approvals exactly four succeed; the rest are refused citing
// the cap, and the ledger never exceeds it.
func TestCapRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-03-01")
		ids := toPublicity(t, s, clk, vcFund(t, s), 50)
		ok, refusedN := approveAll(t, s, ids)
		checkRace(t, db, ok, refusedN)
	})
}

func approveAll(t *testing.T, s *workflow.Service, ids []string) (int, int) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	ok, refusedN := 0, 0
	for _, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.Approve(ctx, commerceHead, id)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case duixian.ErrorCode(err) == duixian.EREFUSED && strings.Contains(err.Error(), "25号第十五条"):
				refusedN++
			default:
				t.Errorf("approve %s: %v", id, err)
			}
		}()
	}
	wg.Wait()
	return ok, refusedN
}

func checkRace(t *testing.T, db *sqldb.DB, ok, refusedN int) {
	t.Helper()
	if ok != 4 || ok+refusedN != 50 {
		t.Fatalf("%d approved, %d refused; want exactly 4 approved", ok, refusedN)
	}
	var awards []duixian.Award
	db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		awards, err = tx.Awards(uscc(t, "91110302MA01XYTR2"), 2025)
		return err
	})
	var total duixian.Money
	for _, a := range awards {
		total += a.Amount
	}
	if len(awards) != 4 || total != 2000000*duixian.Yuan {
		t.Fatalf("ledger: %d awards, %s in total", len(awards), total)
	}
	if _, err := db.VerifyAudit(ctx); err != nil {
		t.Fatal(err)
	}
}

// On PostgreSQL, the approvals come from two operating-system processes
// (this test binary run again) sharing one database.
func TestCapRaceTwoProcesses(t *testing.T) {
	db := dbtest.Postgres(t)
	s, clk := service(t, db, "2027-03-01")
	ids := toPublicity(t, s, clk, vcFund(t, s), 50)
	var schema string
	db.SQL().QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema)
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for p := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cmd := exec.Command(os.Args[0], "-test.run=^TestApproveProcess$")
			cmd.Env = append(os.Environ(), "DUIXIAN_APPROVE_SCHEMA="+schema, "DUIXIAN_APPROVE_IDS="+strings.Join(ids[p*25:(p+1)*25], ","))
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Errorf("process %d: %v\n%s", p, err, out)
			}
			outs[p] = string(out)
		}()
	}
	wg.Wait()
	ok, refusedN := 0, 0
	for _, o := range outs {
		var a, r int
		if i := strings.Index(o, "APPROVED "); i >= 0 {
			fmt.Sscanf(o[i:], "APPROVED %d REFUSED %d", &a, &r)
		}
		ok, refusedN = ok+a, refusedN+r
	}
	checkRace(t, db, ok, refusedN)
}

// TestApproveProcess is the second process of TestCapRaceTwoProcesses; run
// alone it does nothing.
func TestApproveProcess(t *testing.T) {
	schema, ids := os.Getenv("DUIXIAN_APPROVE_SCHEMA"), os.Getenv("DUIXIAN_APPROVE_IDS")
	if schema == "" {
		return
	}
	db, err := postgres.Open(ctx, dbtest.PostgresDSN()+"&search_path="+schema)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := service(t, db, "2027-03-02")
	ok, refusedN := approveAll(t, s, strings.Split(ids, ","))
	fmt.Printf("APPROVED %d REFUSED %d\n", ok, refusedN)
}

// A replay with the same key returns the first answer and changes nothing;
// the same key on another request is refused.
func TestIdempotentReplay(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-03-01")
		staff := vcFund(t, s)
		in := vcClaim("项目A")
		in.Enterprise = staff.Enterprise
		a := must(t)(s.CreateDraft(ctx, staff, in))
		first := must(t)(s.Submit(ctx, staff, a.ID, "submit-key"))
		firstJSON, _ := json.Marshal(first)
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				again, err := s.Submit(ctx, staff, a.ID, "submit-key")
				if err != nil {
					t.Error(err)
					return
				}
				if b, _ := json.Marshal(again); string(b) != string(firstJSON) {
					t.Error("a replay answered differently")
				}
			}()
		}
		wg.Wait()
		other := must(t)(s.CreateDraft(ctx, staff, in))
		if _, err := s.Submit(ctx, staff, other.ID, "submit-key"); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("the same key on another application: %v", err)
		}
		// Disburse, replayed ten times: one payment.
		a = passToExpert(t, s, commerce, a.ID)
		a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, nil, "符合", true))
		a = must(t)(s.Propose(ctx, commerce, a.ID, 500000*duixian.Yuan, ""))
		a = must(t)(s.Publish(ctx, commerce, a.ID, date("2027-03-01"), 1))
		clk.Set("2027-03-02")
		a = must(t)(s.Approve(ctx, commerceHead, a.ID))
		for range 10 {
			a = must(t)(s.Disburse(ctx, finance, a.ID, "pay-key", paid))
		}
		if len(a.Payments) != 1 || a.Paid() != 500000*duixian.Yuan {
			t.Fatalf("%d payments, %s paid", len(a.Payments), a.Paid())
		}
		if _, err := s.Disburse(ctx, finance, a.ID, "pay-key", withEvidence(`{"voucher":"another"}`)); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("the same key with another body: %v", err)
		}
		var rows int
		db.SQL().QueryRowContext(ctx, "SELECT COUNT(*) FROM applications").Scan(&rows)
		if rows != 2 {
			t.Fatalf("%d application rows", rows)
		}
	})
}

// Paying before publicity ends, approving with an open objection, acting on
// another department's clause: refused, state unchanged, attempt logged.
func TestBypassRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-03-01")
		staff := vcFund(t, s)
		in := vcClaim("项目B")
		in.Enterprise = staff.Enterprise
		a := must(t)(s.CreateDraft(ctx, staff, in))
		a = must(t)(s.Submit(ctx, staff, a.ID, "k"))
		if _, err := s.PassPreliminary(ctx, culture, a.ID); duixian.ErrorCode(err) != duixian.ENOTFOUND {
			t.Fatalf("宣传文化部 reviewed a 商务金融局 clause: %v", err)
		}
		a = passToExpert(t, s, commerce, a.ID)
		a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, nil, "符合", true))
		a = must(t)(s.Propose(ctx, commerce, a.ID, 500000*duixian.Yuan, ""))
		a = must(t)(s.Publish(ctx, commerce, a.ID, date("2027-03-01"), 3))
		if _, err := s.Disburse(ctx, finance, a.ID, "early", paid); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("paid during publicity: %v", err)
		}
		a = object(t, s, a.ID, "被投企业并非初创型企业", "工商登记信息")
		clk.Set("2027-03-09")
		if _, err := s.Approve(ctx, commerceHead, a.ID); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("approved with an open objection: %v", err)
		}
		if _, err := s.Approve(ctx, staff, a.ID); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("the enterprise approved its own claim: %v", err)
		}
		after := must(t)(s.Application(ctx, commerce, a.ID))
		if after.Status != duixian.StatusPublicity || after.Version != a.Version || len(after.Payments) != 0 {
			t.Fatalf("state changed: %s v%d", after.Status, after.Version)
		}
		var log []duixian.AuditEntry
		db.Tx(ctx, func(tx *sqldb.Tx) error { var err error; log, err = tx.AuditLog(a.ID); return err })
		denied := map[string]bool{}
		for _, e := range log {
			if strings.HasPrefix(e.Action, "denied:") {
				denied[e.Action+" by "+e.Actor.User] = true
			}
		}
		for _, want := range []string{"denied:pass-preliminary by wang.reviewer", "denied:disburse by li.finance", "denied:approve by wu.head", "denied:approve by staff@fund"} {
			if !denied[want] {
				t.Errorf("no audit entry %q in %v", want, denied)
			}
		}
	})
}

// Altering or removing an audit row is found, at the first broken link.
func TestAuditTamperFound(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		in := workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"), EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true}
		a := must(t)(s.CreateDraft(ctx, staff, in))
		must(t)(s.Submit(ctx, staff, a.ID, "k"))
		must(t)(s.Return(ctx, culture, a.ID, "补充材料"))
		if n, err := db.VerifyAudit(ctx); err != nil || n != 4 {
			t.Fatalf("intact chain: %d, %v", n, err)
		}
		var doc string
		db.SQL().QueryRowContext(ctx, db.Rebind("SELECT doc FROM audit WHERE seq = 3")).Scan(&doc)
		forged := strings.Replace(doc, "staff@bookstore", "someone.else", 1)
		if forged == doc {
			t.Fatal("entry 3 is not the submission")
		}
		if _, err := db.SQL().ExecContext(ctx, db.Rebind("UPDATE audit SET doc = ? WHERE seq = 3"), forged); err != nil {
			t.Fatal(err)
		}
		if _, err := db.VerifyAudit(ctx); err == nil || !strings.Contains(err.Error(), "entry 3") {
			t.Fatalf("a forged entry 3 was not found: %v", err)
		}
		db.SQL().ExecContext(ctx, db.Rebind("UPDATE audit SET doc = ? WHERE seq = 3"), doc)
		db.SQL().ExecContext(ctx, db.Rebind("DELETE FROM audit WHERE seq = 2"))
		if _, err := db.VerifyAudit(ctx); err == nil || !strings.Contains(err.Error(), "entry 2") {
			t.Fatalf("a deleted entry 2 was not found: %v", err)
		}
	})
}

// False materials: the award is revoked, what was paid is booked for
// clawback, and 21号第十四条's three-year ban refuses a new claim.
func TestRevokeBansForThreeYears(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		in := workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"), EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreFacts), Declared: true}
		a := must(t)(s.CreateDraft(ctx, staff, in))
		a = must(t)(s.Submit(ctx, staff, a.ID, "k"))
		a = passToExpert(t, s, culture, a.ID)
		a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, nil, "符合", true))
		a = must(t)(s.Propose(ctx, culture, a.ID, 120000*duixian.Yuan, ""))
		a = workflowtest.Publish(t, s, culture, cultureHead, a.ID, date("2026-03-02"), 5)
		clk.Set("2026-03-10")
		a = must(t)(workflowtest.Approve(t, s, culture, cultureHead, a.ID))
		a = must(t)(s.Disburse(ctx, finance, a.ID, "p", paid))
		if _, err := s.Revoke(ctx, culture, a.ID, "伪造租赁合同"); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatalf("a reviewer revoked: %v", err)
		}
		a = must(t)(s.Revoke(ctx, supervisor, a.ID, "经查实提供虚假租赁合同"))
		if a.Status != duixian.StatusRevoked || a.Clawback != 120000*duixian.Yuan {
			t.Fatalf("%s, clawback %s", a.Status, a.Clawback)
		}
		clk.Set("2027-06-01")
		in.Clause, in.EventDate, in.Materials = "jjgf-2025-21/7.2", date("2027-05-01"), specimens("jjgf-2025-21/7.2")
		in.Facts = json.RawMessage(strings.Replace(bookstoreFacts, "}", `,"public_culture_outstanding":true}`, 1))
		b := must(t)(s.CreateDraft(ctx, staff, in))
		_, err := s.Submit(ctx, staff, b.ID, "k2")
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED || !strings.Contains(e.Zh, "21号第十四条") {
			t.Fatalf("a banned bookstore submitted: %v", err)
		}
		// 三年内, counted as the Civil Code counts: from the day after the
		// revocation (2026-03-10) to the corresponding day, 2029-03-10.
		file, err := s.EnterpriseFile(ctx, admin, staff.Enterprise)
		if err != nil || len(file.Enterprise.Bans) != 1 || file.Enterprise.Bans[0].From != date("2026-03-10") || file.Enterprise.Bans[0].Until != date("2029-03-10") {
			t.Fatalf("ban %+v %v", file, err)
		}
		clk.Set("2029-03-10")
		in.EventDate = date("2029-03-01")
		c := must(t)(s.CreateDraft(ctx, staff, in))
		if _, err := s.Submit(ctx, staff, c.ID, "k3"); duixian.ErrorCode(err) != duixian.EREFUSED {
			t.Fatalf("on the ban's last day: %v", err)
		}
		clk.Set("2029-03-11")
		d := must(t)(s.CreateDraft(ctx, staff, in))
		if _, err := s.Submit(ctx, staff, d.ID, "k4"); err != nil {
			t.Fatalf("after the ban ended: %v", err)
		}
	})
}

func asError(err error, target **duixian.Error) bool {
	e, ok := err.(*duixian.Error)
	if ok {
		*target = e
	}
	return ok
}

// A clause paid in two tranches (29号七（二）4, here the fixture's 第二条):
// the first half when the project starts, the rest only after completion
// evidence shows 90% of the investment paid.
func TestTwoBatchPayment(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		shapes, err := engine.Load(os.DirFS("../engine/testdata/shapes"))
		if err != nil {
			t.Fatal(err)
		}
		s, clk := service(t, db, "2030-05-04")
		s.Catalogue = shapes
		id := uscc(t, "91110302MA01QRWT3")
		if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: "示例工程公司", Facts: json.RawMessage(`{"zones":["yizhuang-225"]}`)}); err != nil {
			t.Fatal(err)
		}
		staff := duixian.Actor{User: "staff@eng", Role: duixian.RoleEnterprise, Enterprise: id}
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2030-1/2", Materials: specimens("jjgf-2030-1/2"), EventDate: date("2030-05-01"), Declared: true,
			Facts: json.RawMessage(`{"project_started":true,"project_completed":false,"paid_incl_tax":"0","investment_incl_tax":"1000万元"}`)}))
		a = must(t)(s.Submit(ctx, staff, a.ID, "k"))
		a = passToExpert(t, s, commerce, a.ID)
		a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, nil, "符合", true))
		a = must(t)(s.Propose(ctx, commerce, a.ID, 100100*duixian.Yuan, ""))
		a = must(t)(s.Publish(ctx, commerce, a.ID, date("2030-05-06"), 5))
		clk.Set("2030-05-14")
		a = must(t)(s.Approve(ctx, commerceHead, a.ID))
		a = must(t)(s.Disburse(ctx, finance, a.ID, "t1", paid))
		if a.Status != duixian.StatusPaying || a.Paid() != 50100*duixian.Yuan {
			t.Fatalf("first tranche: %s %s", a.Status, a.Paid())
		}
		if _, err := s.Disburse(ctx, finance, a.ID, "t2-early", paid); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("second tranche without completion: %v", err)
		}
		a = must(t)(s.Disburse(ctx, finance, a.ID, "t2", withEvidence(`{"project_completed":true,"paid_incl_tax":"900万元"}`)))
		if a.Status != duixian.StatusPaid || a.Paid() != 100100*duixian.Yuan || len(a.Payments) != 2 {
			t.Fatalf("second tranche: %s %s %d", a.Status, a.Paid(), len(a.Payments))
		}
	})
}
