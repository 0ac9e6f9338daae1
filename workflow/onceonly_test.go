package workflow_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
	"github.com/etown/duixian/workflow/workflowtest"
)

// bookstoreTypesNo is the bookstore's claim with the once-only fact typed
// as 否, as the applicant of the reported defect did.
var bookstoreTypesNo = strings.Replace(bookstoreFacts, `"quarter_hour_service":true`, `"quarter_hour_service":true,"quarter_hour_awarded_before":false`, 1)

// payQuarterHour takes a 一刻钟 claim from draft to paid.
func payQuarterHour(t *testing.T, s *workflow.Service, clk *clock, staff duixian.Actor, event string) *duixian.Application {
	t.Helper()
	a := approvedQuarterHour(t, s, clk, staff, event)
	a = must(t)(s.Disburse(ctx, finance, a.ID, "pay-"+a.ID, paid))
	status(t, a, duixian.StatusPaid)
	return a
}

// approvedQuarterHour takes a 一刻钟 claim from draft to approved.
func approvedQuarterHour(t *testing.T, s *workflow.Service, clk *clock, staff duixian.Actor, event string) *duixian.Application {
	t.Helper()
	a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
		EventDate: date(event), Facts: json.RawMessage(bookstoreTypesNo), Declared: true}))
	a = must(t)(s.Submit(ctx, staff, a.ID, "k-"+a.ID))
	a = passToExpert(t, s, culture, a.ID)
	a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, nil, "符合", true))
	a = must(t)(s.Propose(ctx, culture, a.ID, 120000*duixian.Yuan, ""))
	a = workflowtest.Publish(t, s, culture, cultureHead, a.ID, date("2026-03-02"), 5)
	clk.Set("2026-03-10")
	return must(t)(workflowtest.Approve(t, s, culture, cultureHead, a.ID))
}

// The reported defect: a bookstore paid the 21号第七条（一） 一刻钟 award
// applied again with another event date (2025-12-01), typed 否 for “已获得过”,
// and was judged eligible for 12万元. The ledger now answers that fact, and
// the second claim is refused at submission citing 第七条（一）'s once-only
// rule and naming the application that holds the award.
func TestOnceOnlyAwardNotPaidTwice(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		first := payQuarterHour(t, s, clk, staff, "2026-03-01")

		again := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
			EventDate: date("2025-12-01"), Facts: json.RawMessage(bookstoreTypesNo), Declared: true}))
		_, err := s.Submit(ctx, staff, again.ID, "k-again")
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED {
			t.Fatalf("a second 一刻钟 award was not refused: %v", err)
		}
		if !strings.Contains(e.Zh, "一次性奖励") || !strings.Contains(e.Zh, "第七条（一）") || !strings.Contains(e.Zh, first.ID) {
			t.Errorf("the refusal must cite 第七条（一）'s once-only rule and name %s: %s", first.ID, e.Zh)
		}
		if !hasReason(e.Reasons, "jjgf-2025-21/7.1:once-only-held") {
			t.Errorf("reasons lack the ledger's: %+v", e.Reasons)
		}
		if got := must(t)(s.Application(ctx, staff, again.ID)); got.Status != duixian.StatusDraft {
			t.Errorf("the refused claim moved to %s", got.Status)
		}

	})
}

// A claim still in review holds the award too: the second claim is refused
// while the first is in 公示, and is accepted once the first is withdrawn.
func TestOnceOnlyCountsClaimsInProgress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		in := workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"), EventDate: date("2026-03-01"),
			Facts: json.RawMessage(bookstoreTypesNo), Declared: true}
		first := must(t)(s.CreateDraft(ctx, staff, in))
		first = must(t)(s.Submit(ctx, staff, first.ID, "k1"))
		first = passToExpert(t, s, culture, first.ID)
		first = must(t)(s.RecordExpertReview(ctx, expert, first.ID, nil, "符合", true))
		first = must(t)(s.Propose(ctx, culture, first.ID, 120000*duixian.Yuan, ""))
		first = workflowtest.Publish(t, s, culture, cultureHead, first.ID, date("2026-03-02"), 5)

		second := must(t)(s.CreateDraft(ctx, staff, in))
		if _, err := s.Submit(ctx, staff, second.ID, "k2"); duixian.ErrorCode(err) != duixian.EREFUSED {
			t.Fatalf("a second claim was accepted while the first is in 公示: %v", err)
		}
		must(t)(s.Withdraw(ctx, staff, first.ID))
		second = must(t)(s.Submit(ctx, staff, second.ID, "k2b"))
		status(t, second, duixian.StatusSubmitted)
	})
}

// Two claims for one once-only award submitted at the same moment: the
// enterprise's lock orders them, and exactly one is accepted.
func TestOnceOnlyConcurrentSubmissions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		const n = 6
		ids := make([]string, n)
		for i := range ids {
			ids[i] = must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
				EventDate: date("2026-03-01"), Facts: json.RawMessage(bookstoreTypesNo), Declared: true})).ID
		}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range ids {
			wg.Go(func() { _, errs[i] = s.Submit(ctx, staff, ids[i], "k-"+ids[i]) })
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch duixian.ErrorCode(err) {
			case "":
				ok++
			case duixian.EREFUSED:
			default:
				t.Errorf("claim %d: %v", i, err)
			}
		}
		if ok != 1 {
			t.Fatalf("%d of %d concurrent claims for one once-only award were accepted, want 1", ok, n)
		}
	})
}

// The last guard: an application that reached approval beside another
// already paid for the same once-only award (data from before the ledger
// was consulted) is not paid.
func TestOnceOnlyPaymentRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		first := payQuarterHour(t, s, clk, staff, "2026-03-01")

		legacy := *first
		legacy.ID, legacy.EventDate, legacy.Year = "A20251201LEGACY0001", date("2025-12-01"), 2025
		legacy.Status, legacy.Payments, legacy.Version = duixian.StatusApproved, nil, 0
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := tx.PutApplication(&legacy); err != nil {
				return err
			}
			return tx.PutAward(duixian.Award{Application: legacy.ID, Enterprise: legacy.Enterprise, Clause: legacy.Clause,
				Year: legacy.Year, EventDate: legacy.EventDate, Amount: legacy.Approved})
		}); err != nil {
			t.Fatal(err)
		}
		_, err := s.Disburse(ctx, finance, legacy.ID, "pay-legacy", paid)
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED || !strings.Contains(e.Zh, first.ID) || !hasReason(e.Reasons, "jjgf-2025-21/7.1:once-only-paid") {
			t.Fatalf("a second payment of a once-only award was not refused naming %s: %v", first.ID, err)
		}
		if got := must(t)(s.Application(ctx, finance, legacy.ID)); len(got.Payments) != 0 || got.Status != duixian.StatusApproved {
			t.Errorf("refused payment left %s with %d payments", got.Status, len(got.Payments))
		}
	})
}

func hasReason(rs []duixian.Reason, code string) bool {
	for _, r := range rs {
		if r.Code == code {
			return true
		}
	}
	return false
}

// A fraud ban stops money, not only new claims: after 第七条（一）'s award is
// revoked for false materials (21号第十四条), the bookstore's other award
// under 21号, approved but not yet paid, is not disbursed while the ban
// lasts.
func TestFraudBanStopsPendingPayments(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		other := proposedFusion(t, s, staff)
		other = workflowtest.Publish(t, s, culture, cultureHead, other.ID, date("2026-03-02"), 5)

		revoked := payQuarterHour(t, s, clk, staff, "2026-03-01")
		other = must(t)(workflowtest.Approve(t, s, culture, cultureHead, other.ID))
		must(t)(s.Revoke(ctx, supervisor, revoked.ID, "经查实提供虚假租赁合同"))

		_, err := s.Disburse(ctx, finance, other.ID, "pay-other", paid)
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED || !hasReason(e.Reasons, "jjgf-2025-21:fraud-ban") || !strings.Contains(e.Zh, revoked.ID) {
			t.Fatalf("a payment under 21号 went out during its fraud ban: %v", err)
		}
		if got := must(t)(s.Application(ctx, finance, other.ID)); got.Status != duixian.StatusApproved || len(got.Payments) != 0 {
			t.Fatalf("the refused payment changed the case: %s, %d payments", got.Status, len(got.Payments))
		}
		// Revoked on 2026-03-10, the ban's last day is the corresponding
		// day, 2029-03-10 (民法典第二百零一条、第二百零二条); the day
		// after, the held payment goes out.
		clk.Set("2029-03-10")
		if _, err := s.Disburse(ctx, finance, other.ID, "pay-other-last-day", paid); duixian.ErrorCode(err) != duixian.EREFUSED {
			t.Fatalf("paid on the ban's last day: %v", err)
		}
		clk.Set("2029-03-11")
		other = must(t)(s.Disburse(ctx, finance, other.ID, "pay-other-later", paid))
		status(t, other, duixian.StatusPaid)
	})
}

// The reported impossible claim: a 100 m² bookstore declaring 120 m² of
// publication area was paid 12万元. It is now refused at submission as bad
// input, naming both facts, and stays a draft to be corrected.
func TestImpossibleFactsRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		facts := strings.NewReplacer(`"business_area_m2":"200"`, `"business_area_m2":"100"`).Replace(bookstoreFacts)
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens("jjgf-2025-21/7.1"),
			EventDate: date("2026-03-01"), Facts: json.RawMessage(facts), Declared: true}))
		_, err := s.Submit(ctx, staff, a.ID, "k")
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EINVALID || !strings.Contains(e.Field, "publication_area_m2") ||
			!strings.Contains(e.Field, "business_area_m2") || !strings.Contains(e.Zh, "事实相互矛盾") {
			t.Fatalf("an impossible claim was not refused naming its facts: %v", err)
		}
		if got := must(t)(s.Application(ctx, staff, a.ID)); got.Status != duixian.StatusDraft {
			t.Errorf("the impossible claim moved to %s", got.Status)
		}
	})
}

// Objections are anyone's, so what one holds is bounded: 2000 characters
// of text and of evidence (含), and 20 awaiting an answer on one project.
func TestObjectionsBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-02-01")
		staff := vcFund(t, s)
		id := toPublicity(t, s, clk, staff, 1)[0]
		clk.Set("2027-03-01") // inside the one-day window
		if _, err := s.Object(ctx, public, id, objection(strings.Repeat("异", workflow.MaxObjectionRunes), "")); err != nil {
			t.Fatalf("2000 characters refused: %v", err)
		}
		var e *duixian.Error
		if _, err := s.Object(ctx, public, id, objection(strings.Repeat("异", workflow.MaxObjectionRunes+1), "")); !asError(err, &e) || e.Field != "text" {
			t.Fatalf("2001 characters: %v", err)
		}
		if _, err := s.Object(ctx, public, id, objection("见附件", strings.Repeat("证", workflow.MaxObjectionRunes+1))); !asError(err, &e) || e.Field != "evidence" {
			t.Fatalf("2001 characters of evidence: %v", err)
		}
		for range workflow.MaxOpenObjections - 1 {
			object(t, s, id, "异议", "")
		}
		if _, err := s.Object(ctx, public, id, objection("又一条", "")); duixian.ErrorCode(err) != duixian.ECONFLICT {
			t.Fatalf("a 21st open objection: %v", err)
		}
		a := must(t)(s.Application(ctx, commerce, id))
		must(t)(s.AnswerObjection(ctx, commerce, id, a.Objections[0].ID, "已核实，异议不成立", false))
		object(t, s, id, "答复后可再提", "")
	})
}

// An objection names who objects and how to reach them, each checked with
// an error naming its field; the objector is given a receipt number, which
// is the objection's as stored. The applicant does not learn who objected.
func TestObjectionContactAndReceipt(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, clk := service(t, db, "2027-02-01")
		staff := vcFund(t, s)
		id := toPublicity(t, s, clk, staff, 1)[0]
		clk.Set("2027-03-01")
		for _, tc := range []struct {
			in    workflow.ObjectionInput
			field string
		}{
			{workflow.ObjectionInput{Text: "异议", Phone: "13800138000"}, "name"},
			{workflow.ObjectionInput{Text: "异议", Name: strings.Repeat("名", 51), Phone: "13800138000"}, "name"},
			{workflow.ObjectionInput{Text: "异议", Name: "李四"}, "contact"},
			{workflow.ObjectionInput{Text: "异议", Name: "李四", Phone: "12345"}, "phone"},
			{workflow.ObjectionInput{Text: "异议", Name: "李四", Phone: "1380013800a"}, "phone"},
			{workflow.ObjectionInput{Text: "异议", Name: "李四", Email: "not-an-address"}, "email"},
			{workflow.ObjectionInput{Text: "异议", Name: "李四", Email: "李四 <li@example.cn>"}, "email"},
			{workflow.ObjectionInput{Text: " ", Name: "李四", Email: "li@example.cn"}, "text"},
		} {
			_, err := s.Object(ctx, public, id, tc.in)
			var e *duixian.Error
			if !asError(err, &e) || e.Code != duixian.EINVALID || e.Field != tc.field || e.Zh == "" || e.En == "" || e.Zh == e.En {
				t.Errorf("%+v: %v, want an error on %s", tc.in, err, tc.field)
			}
		}
		if a := must(t)(s.Application(ctx, commerce, id)); len(a.Objections) != 0 {
			t.Fatalf("refused objections were stored: %+v", a.Objections)
		}
		byPhone, err := s.Object(ctx, public, id, workflow.ObjectionInput{Text: "异议", Name: " 李四 ", Phone: "010-6788 1234"})
		if err != nil {
			t.Fatal(err)
		}
		byMail, err := s.Object(ctx, public, id, workflow.ObjectionInput{Text: "异议", Name: "某协会", Email: "office@example.org.cn"})
		if err != nil {
			t.Fatal(err)
		}
		if byPhone.ID == "" || byPhone.ID == byMail.ID || !strings.HasPrefix(byPhone.ID, "O20270301") {
			t.Fatalf("receipts %q and %q", byPhone.ID, byMail.ID)
		}
		a := must(t)(s.Application(ctx, commerce, id))
		if len(a.Objections) != 2 || a.Objections[0].ID != byPhone.ID || a.Objections[0].Name != "李四" || a.Objections[0].Phone != "01067881234" ||
			a.Objections[1].Email != "office@example.org.cn" {
			t.Fatalf("stored: %+v", a.Objections)
		}
		mine := must(t)(s.Application(ctx, staff, id))
		if o := mine.Objections[0]; o.ID != byPhone.ID || o.Text != "异议" || o.Name != "" || o.Phone != "" || o.Email != "" || o.By != "" {
			t.Fatalf("the applicant reads the objector: %+v", o)
		}
		// Nor who reviewed it: the department sees its experts and its
		// officials, the applicant the department only.
		if len(a.Experts) == 0 || a.Expert == nil || a.Expert.By == "" || a.ProposedBy == "" {
			t.Fatalf("the department's view lacks the reviewers: experts %v, review %+v, proposed by %q", a.Experts, a.Expert, a.ProposedBy)
		}
		if len(mine.Experts) != 0 || mine.Expert == nil || mine.Expert.By != "" || mine.Expert.Opinion != a.Expert.Opinion || mine.ProposedBy != "" {
			t.Fatalf("the applicant reads the reviewers: experts %v, review %+v, proposed by %q", mine.Experts, mine.Expert, mine.ProposedBy)
		}
		for _, op := range mine.Opinions {
			if op.By != "" {
				t.Fatalf("the applicant reads who gave an opinion: %+v", op)
			}
		}
		if again := must(t)(s.Application(ctx, commerce, id)); again.ProposedBy == "" || len(again.Experts) == 0 {
			t.Fatalf("the applicant's view changed the stored case: %+v", again)
		}
	})
}

// The reported second 2026 延时奖励 (22号第六条（二）): accepted while the
// first was still in 公示. A claim still in review now holds its place under
// the year's rules, so the second is refused as the same award twice; once
// the first is withdrawn, it can be claimed. Claims in review take no part
// of a cap (TestCapRace approves four of fifty in 公示 as before).
func TestSecondYearlyAwardRefusedWhileFirstPending(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-11-02")
		id := uscc(t, "91110302MA01RDNG1")
		if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: "亦城阅读空间", Facts: json.RawMessage(cleanEnterprise)}); err != nil {
			t.Fatal(err)
		}
		staff := duixian.Actor{User: "staff@space", Role: duixian.RoleEnterprise, Enterprise: id}
		space := `{"space_legal_qualification":true,"space_in_use":true,"space_opened_on":"2023-12-01","operating_normally":true,"declared_truthful":true,"space_separate_reading_area":true,
"space_reading_area_m2":"140","space_daily_open_hours":"10","space_weekly_open_hours":"84","space_publications":3600,
"space_publication_varieties":1400,"space_reading_seats":36,"space_hosted_reading_events":28,"space_weekday_open_hours":"10"}`
		claim := workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-22/6.2", Materials: specimens("jjgf-2025-22/6.2"), EventDate: date("2026-10-31"), Facts: json.RawMessage(space), Declared: true}
		first := must(t)(s.CreateDraft(ctx, staff, claim))
		first = must(t)(s.Submit(ctx, staff, first.ID, "k1"))
		first = passToExpert(t, s, culture, first.ID)
		first = must(t)(s.RecordExpertReview(ctx, expert, first.ID, nil, "符合", true))
		first = must(t)(s.Propose(ctx, culture, first.ID, 50000*duixian.Yuan, ""))
		first = workflowtest.Publish(t, s, culture, cultureHead, first.ID, date("2026-11-02"), 5)

		second := must(t)(s.CreateDraft(ctx, staff, claim))
		_, err := s.Submit(ctx, staff, second.ID, "k2")
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED || !hasReason(e.Reasons, "jjgf-2025-22/6.2:duplicate") {
			t.Fatalf("a second 延时奖励 of 2026 was not refused while the first is in 公示: %v", err)
		}
		must(t)(s.Withdraw(ctx, staff, first.ID))
		second = must(t)(s.Submit(ctx, staff, second.ID, "k2b"))
		status(t, second, duixian.StatusSubmitted)
	})
}

// The rules of a year hold from submission on, counting claims still in
// review: 21号第九条 says 第七条（一） and （二） may not be claimed together
// and a bookstore claims at most two categories a year. A second claim
// rivalling one in review is refused, naming the application that holds
// the place; withdrawn, the place is free.
func TestYearRulesCountClaimsInReview(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		_, staff := registerBookstore(t, s)
		submit := func(clause, key, extra string) (*duixian.Application, error) {
			facts := strings.Replace(bookstoreFacts, "}", `,"public_culture_outstanding":true,"specialized_store":true,"fusion_store":true`+extra+`}`, 1)
			a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: clause, Materials: specimens(clause),
				EventDate: date("2026-03-01"), Facts: json.RawMessage(facts), Declared: true}))
			return s.Submit(ctx, staff, a.ID, key)
		}
		refusedFor := func(err error, code, holder string) {
			t.Helper()
			var e *duixian.Error
			if !asError(err, &e) || e.Code != duixian.EREFUSED || !hasReason(e.Reasons, code) || !strings.Contains(e.Zh, holder) ||
				!strings.Contains(e.Zh, "请先撤回") {
				t.Fatalf("want refused %s naming %s: %v", code, holder, err)
			}
		}
		quarter := must(t)(submit("jjgf-2025-21/7.1", "k1", ""))
		// 不可同时申报 with a claim only submitted, not yet approved.
		_, err := submit("jjgf-2025-21/7.2", "k2", "")
		refusedFor(err, "jjgf-2025-21:exclusive", quarter.ID)
		// Withdrawn, the place is free.
		must(t)(s.Withdraw(ctx, staff, quarter.ID))
		culture := must(t)(submit("jjgf-2025-21/7.2", "k3", ""))
		status(t, culture, duixian.StatusSubmitted)
		// A second category while the first is in review: allowed.
		special := must(t)(submit("jjgf-2025-21/7.3.1", "k4", ""))
		status(t, special, duixian.StatusSubmitted)
		// A third category while both are in review: the limit of two.
		_, err = submit("jjgf-2025-21/7.4", "k5", `,"reading_events":[{"name":"读书沙龙","minutes":60,"mode":"offline","offline_attendees":20,"activity":"reading-promotion","in_etown":true,"free_and_open":true}]`)
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED || !hasReason(e.Reasons, "jjgf-2025-21:category-limit") ||
			!strings.Contains(e.Zh, culture.ID) || !strings.Contains(e.Zh, special.ID) {
			t.Fatalf("a third category while two are in review: %v", err)
		}
	})
}

// Membership of the 群雁计划 is the registry's (26号附则2（3）: 商务金融局
// admits): an enterprise never admitted that declares itself a member is
// refused, whatever it types.
func TestQunyanMembershipIsTheRegistrys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		s, _ := service(t, db, "2026-03-02")
		id := uscc(t, "91110302MA01QY771")
		if err := s.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: id, Name: "亦庄未入选科技有限公司", Facts: json.RawMessage(cleanEnterprise)}); err != nil {
			t.Fatal(err)
		}
		staff := duixian.Actor{User: "staff@notmember", Role: duixian.RoleEnterprise, Enterprise: id}
		a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: id, Clause: "jjgf-2025-26/5", Materials: specimens("jjgf-2025-26/5"), EventDate: date("2026-03-01"), Declared: true,
			Facts: json.RawMessage(`{"qunyan_member":true,"qunyan_stopped_operating":false,"qunyan_not_cooperating":false,"qunyan_major_sanction":false,
			"qunyan_listing_advisers":true,"qunyan_listing_service_fees":"100万元"}`)}))
		_, err := s.Submit(ctx, staff, a.ID, "k")
		var e *duixian.Error
		if !asError(err, &e) || e.Code != duixian.EREFUSED || !hasReason(e.Reasons, "jjgf-2025-26:member") {
			t.Fatalf("a self-declared 群雁 member was not refused: %v", err)
		}
	})
}

// proposedFusion takes the bookstore's 融合发展 claim (21号第七条（三）第二款)
// of 2026-03-01 through review to the amount the engine computes.
func proposedFusion(t *testing.T, s *workflow.Service, staff duixian.Actor) *duixian.Application {
	t.Helper()
	fusion := strings.Replace(bookstoreFacts, `{`, `{"fusion_store":true,`, 1)
	a := must(t)(s.CreateDraft(ctx, staff, workflow.DraftInput{Enterprise: staff.Enterprise, Clause: "jjgf-2025-21/7.3.2", Materials: specimens("jjgf-2025-21/7.3.2"),
		EventDate: date("2026-03-01"), Facts: json.RawMessage(fusion), Declared: true}))
	a = must(t)(s.Submit(ctx, staff, a.ID, "k-"+a.ID))
	a = passToExpert(t, s, culture, a.ID)
	a = must(t)(s.RecordExpertReview(ctx, expert, a.ID, nil, "符合", true))
	return must(t)(s.Propose(ctx, culture, a.ID, a.Review.Amount, ""))
}
