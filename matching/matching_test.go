package matching_test

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/sqlite"
	"github.com/etown/duixian/workflow"
	"github.com/govalues/decimal"
)

// bookstoreRegistry is a bookstore's registry file that qualifies it for
// 21号's 一刻钟 award (12万元) without its applying.
const bookstoreRegistry = `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,
"operating_normally":true,"declared_truthful":true,"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,
"operating_since":"2024-06-01","business_area_m2":"200","publication_area_m2":"120","books_on_shelf":3000,"publication_varieties":800,
"hosted_reading_events":6,"quarter_hour_service":true,"public_culture_outstanding":false,"annual_costs":"50万元"}`

// A bookstore whose registry data qualifies is found without applying,
// confirms the offer, and the offer becomes a submitted application.
func TestOfferBecomesApplication(t *testing.T) {
	ctx := context.Background()
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, t.TempDir()+"/m.db")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	wf := workflow.New(db, cat, calendar.Default())
	wf.Now = func() time.Time { return time.Date(2026, 6, 30, 10, 0, 0, 0, duixian.Shanghai) }
	ch, _ := duixian.USCCCheckChar("91110302MA01ABCD1")
	uscc := "91110302MA01ABCD1" + string(ch)
	admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	if err := wf.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: uscc, Name: "亦城书房", Facts: json.RawMessage(bookstoreRegistry)}); err != nil {
		t.Fatal(err)
	}
	day := duixian.Date{Year: 2026, Month: 4, Day: 30}
	subjects, bad, err := matching.Load(ctx, db, cat, day.AddDays(61))
	if err != nil || len(bad) > 0 || len(subjects) != 1 {
		t.Fatal(err, bad, len(subjects))
	}
	res, err := matching.Run(ctx, subjects, cat.NewBatch(day, day.AddDays(61), true), nil)
	if err != nil {
		t.Fatal(err)
	}
	var offer *matching.Offer
	for i, o := range res.Offers {
		if o.Decision.Clause == "jjgf-2025-21/7.1" {
			offer = &res.Offers[i]
		}
	}
	if offer == nil || offer.Decision.Amount != 120000*duixian.Yuan {
		t.Fatalf("no 一刻钟 offer of 12万元 in %+v", res.Offers)
	}
	// 公共文化服务 needs the review's finding: a near miss, saying why.
	near := false
	for _, o := range res.NearMisses {
		near = near || (o.Decision.Clause == "jjgf-2025-21/7.2" && len(o.Decision.Reasons) > 0)
	}
	if !near {
		t.Fatal("no near miss for 公共文化服务奖励")
	}
	officer := duixian.Actor{User: "culture", Role: duixian.RoleReviewer, Department: "宣传文化部"}
	if _, err := matching.Store(ctx, db, officer, wf.Now(), res.Offers); err != nil {
		t.Fatal(err)
	}
	var pushed int
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		log, err := tx.AuditLog(uscc + ":jjgf-2025-21/7.1:2026-04-30")
		for _, e := range log {
			if e.Action == "offer" && e.Actor.User == "culture" && e.After == "open" {
				pushed++
			}
		}
		return err
	}); err != nil || pushed != 1 {
		t.Fatalf("the offer's audit entries: %d, %v", pushed, err)
	}
	staff := duixian.Actor{User: "staff", Role: duixian.RoleEnterprise, Enterprise: uscc}
	stored, err := matching.Offers(ctx, db, uscc)
	if err != nil || len(stored) != len(res.Offers) {
		t.Fatalf("%d stored offers, %v", len(stored), err)
	}
	id := uscc + ":jjgf-2025-21/7.1:2026-04-30"
	other := duixian.Actor{User: "x", Role: duixian.RoleEnterprise, Enterprise: "91110302MA01HJKL2X"}
	if _, err := matching.Confirm(ctx, wf, other, id); duixian.ErrorCode(err) != duixian.ENOTFOUND {
		t.Fatalf("another enterprise confirmed: %v", err)
	}
	a, err := matching.Confirm(ctx, wf, staff, id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != duixian.StatusSubmitted || a.Decision.Amount != 120000*duixian.Yuan {
		t.Fatalf("%s %s", a.Status, a.Decision.Amount)
	}
	again, err := matching.Confirm(ctx, wf, staff, id)
	if err != nil || again.ID != a.ID {
		t.Fatalf("a second confirmation made another application: %v", err)
	}
	// Running the same match again writes nothing and does not reopen the
	// confirmed offer; a changed decision refreshes an open offer only.
	if n, err := matching.Store(ctx, db, officer, wf.Now(), res.Offers); err != nil || n != 0 {
		t.Fatalf("the same run stored %d offers again, %v", n, err)
	}
	changed := slices.Clone(res.Offers)
	for i := range changed {
		changed[i].Decision.Amount += duixian.Yuan
	}
	if n, _ := matching.Store(ctx, db, officer, wf.Now(), changed); n != len(res.Offers)-1 {
		t.Fatalf("a changed run refreshed %d of %d", n, len(res.Offers))
	}
	stored, err = matching.Offers(ctx, db, uscc)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range stored {
		if o.ID == id && (o.Status != "confirmed" || o.Application != a.ID) {
			t.Fatalf("the confirmed offer was reopened: %+v", o)
		}
	}
	// The confirmed 一刻钟 claim now holds that once-only award (21号第七条（一）):
	// the next run, on any date, does not offer it again.
	subjects, _, err = matching.Load(ctx, db, cat, day.AddDays(90))
	if err != nil {
		t.Fatal(err)
	}
	res, err = matching.Run(ctx, subjects, cat.NewBatch(day.AddDays(60), day.AddDays(90), true), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range res.Offers {
		if o.Decision.Clause == "jjgf-2025-21/7.1" {
			t.Fatalf("the once-only 一刻钟 award was offered again: %+v", o.Decision)
		}
	}

	// Withdrawn, the claim holds nothing, and the award can be offered again.
	if _, err := wf.Withdraw(ctx, staff, a.ID); err != nil {
		t.Fatal(err)
	}

	// An enterprise under a 21号 ban is offered nothing under 21号 while the
	// ban lasts, and is again the day after it ends.
	ban := duixian.Ban{Document: "jjgf-2025-21", From: day, Until: day.AddDays(61)}
	if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		e, err := tx.Enterprise(uscc, true)
		if err != nil {
			return err
		}
		e.Bans = append(e.Bans, ban)
		return tx.PutEnterprise(e)
	}); err != nil {
		t.Fatal(err)
	}
	offered := func(asOf duixian.Date) bool {
		subjects, bad, err := matching.Load(ctx, db, cat, asOf)
		if err != nil || len(bad) > 0 {
			t.Fatal(err, bad)
		}
		res, err := matching.Run(ctx, subjects, cat.NewBatch(day, asOf, true, "jjgf-2025-21/7.1"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return len(res.Offers) > 0
	}
	if offered(ban.Until) {
		t.Error("a banned enterprise was offered a 21号 award")
	}
	if !offered(ban.Until.AddDays(1)) {
		t.Error("no offer the day after the ban ended")
	}
}

// Confirmations that race (a double click, two colleagues, a retry) make
// one application, submitted once, on both stores.
func TestConcurrentConfirmationsMakeOneApplication(t *testing.T) {
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		wf := workflow.New(db, cat, calendar.Default())
		wf.Now = func() time.Time { return time.Date(2026, 6, 30, 10, 0, 0, 0, duixian.Shanghai) }
		ch, _ := duixian.USCCCheckChar("91110302MA01RACE1")
		uscc := "91110302MA01RACE1" + string(ch)
		admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
		if err := wf.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: uscc, Name: "亦城书房", Facts: json.RawMessage(bookstoreRegistry)}); err != nil {
			t.Fatal(err)
		}
		day := duixian.Date{Year: 2026, Month: 4, Day: 30}
		subjects, _, err := matching.Load(ctx, db, cat, day.AddDays(61))
		if err != nil {
			t.Fatal(err)
		}
		res, err := matching.Run(ctx, subjects, cat.NewBatch(day, day.AddDays(61), true, "jjgf-2025-21/7.1"), nil)
		if err != nil || len(res.Offers) != 1 {
			t.Fatalf("offers %d, %v", len(res.Offers), err)
		}
		if _, err := matching.Store(ctx, db, admin, wf.Now(), res.Offers); err != nil {
			t.Fatal(err)
		}
		staff := duixian.Actor{User: "staff", Role: duixian.RoleEnterprise, Enterprise: uscc}
		id := uscc + ":jjgf-2025-21/7.1:2026-04-30"
		const n = 8
		ids := make(chan string, n)
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a, err := matching.Confirm(ctx, wf, staff, id)
				if err != nil {
					errs <- err
					return
				}
				ids <- a.ID
			}()
		}
		wg.Wait()
		close(ids)
		close(errs)
		for err := range errs {
			t.Errorf("a confirmation failed: %v", err)
		}
		seen := map[string]bool{}
		for id := range ids {
			seen[id] = true
		}
		var apps []*duixian.Application
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			var err error
			apps, err = tx.Applications(sqldb.ApplicationFilter{Enterprise: uscc})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || len(apps) != 1 || apps[0].Status != duixian.StatusSubmitted {
			t.Fatalf("%d answers %v and %d applications for one offer", len(seen), seen, len(apps))
		}
	})
}

// Over a generated population every offer and near miss is of a clause
// that pays, for an amount: nobody is offered a 群雁 tier, an honour or a
// land price.
func TestOffersAreAwards(t *testing.T) {
	ctx := context.Background()
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	db := dbtest.SQLite(t)
	if _, err := registry.Write(ctx, db, registry.Generate(3000, 7), 500); err != nil {
		t.Fatal(err)
	}
	day := duixian.Date{Year: 2026, Month: 11, Day: 2}
	subjects, bad, err := matching.Load(ctx, db, cat, day)
	if err != nil || len(bad) > 0 {
		t.Fatal(err, bad)
	}
	res, err := matching.Run(ctx, subjects, cat.NewBatch(day, day, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Offers) < 100 {
		t.Fatalf("only %d offers over 3000 enterprises", len(res.Offers))
	}
	for _, o := range append(res.Offers, res.NearMisses...) {
		cl, _ := cat.Clause(o.Decision.Clause)
		if !cl.Pays() || o.Decision.Due || o.Decision.Outcome != "" {
			t.Fatalf("%s was matched: it pays nothing", o.Decision.Clause)
		}
	}
	for _, o := range res.Offers {
		if o.Decision.Amount <= 0 {
			t.Fatalf("an offer of %s under %s", o.Decision.Amount, o.Decision.Clause)
		}
	}
	for _, cl := range []string{"jjgf-2025-26/supp.1", "jjgf-2025-25/5", "jjgf-2025-20/6"} {
		if c, ok := cat.Clause(cl); !ok || c.Pays() {
			t.Errorf("%s should not pay", cl)
		}
	}
}

// A clause that applies but whose decision fails (a division by zero in the
// fixture's formula) is reported with the enterprise and the reason, and
// that enterprise's other offers are still made.
func TestUndecidedClauseIsReported(t *testing.T) {
	cat, err := engine.Load(os.DirFS("../engine/testdata/undecidable"))
	if err != nil {
		t.Fatal(err)
	}
	day := duixian.Date{Year: 2031, Month: 1, Day: 1}
	facts := func(staff int64) duixian.Facts {
		return duixian.Facts{"zones": []string{"yizhuang-225"}, "output_total": decimal.MustNew(1000000, 0), "staff": staff}
	}
	subjects := []matching.Subject{{USCC: "A", Name: "无职工", Facts: facts(0)}, {USCC: "B", Name: "十名职工", Facts: facts(10)}}
	res, err := matching.Run(context.Background(), subjects, cat.NewBatch(day, day, false), nil)
	if err != nil {
		t.Fatal(err)
	}
	var offered []string
	for _, o := range res.Offers {
		offered = append(offered, o.Enterprise+" "+o.Decision.Clause)
	}
	slices.Sort(offered)
	if want := []string{"A jjgf-2030-5/2", "B jjgf-2030-5/1", "B jjgf-2030-5/2"}; !slices.Equal(offered, want) {
		t.Errorf("offers %v, want %v", offered, want)
	}
	if len(res.Undecided) != 1 || res.Undecided[0].Enterprise != "A" || res.Undecided[0].Clause != "jjgf-2030-5/1" ||
		!strings.Contains(res.Undecided[0].Zh, "无法判定") || len(res.Errors) != 0 {
		t.Errorf("undecided %v, errors %v", res.Undecided, res.Errors)
	}
}
