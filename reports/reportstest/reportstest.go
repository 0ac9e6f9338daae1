// Package reportstest builds databases for the reports' tests and
// benchmarks: a synthetic registry and applications written straight into
// the store, in a spread that exercises every number the reports compute.
package reportstest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/sqldb"
)

// GoneClause is a clause the catalogue does not have (an application made
// under an earlier catalogue).
const GoneClause = "jjgf-2019-01/1.1"

var allStatuses = []duixian.Status{duixian.StatusDraft, duixian.StatusSubmitted, duixian.StatusReturned, duixian.StatusReviewed,
	duixian.StatusAssessed, duixian.StatusProposed, duixian.StatusPublicity, duixian.StatusApproved, duixian.StatusPaying,
	duixian.StatusPaid, duixian.StatusRejected, duixian.StatusWithdrawn, duixian.StatusRevoked}

// Populate writes nEnt synthetic enterprises (registry.Generate, audited as
// registry.Write does) and nApp applications straight into the store, in a
// spread of statuses, clauses, years, amounts, co-review opinions,
// payments and approvals, each approval with its audit entry; matched on
// today. About a third
// of the applications are on a clause their enterprise qualifies for on its
// file, so that 应享未享 has something to leave out.
func Populate(tb testing.TB, db *sqldb.DB, cat *engine.Catalogue, today duixian.Date, nEnt, nApp int, seed int64) {
	tb.Helper()
	ctx := context.Background()
	ents := registry.Generate(nEnt, seed)
	if _, err := registry.Write(ctx, db, ents, 2000); err != nil {
		tb.Fatal(err)
	}
	subjects, bad, err := matching.Load(ctx, db, cat, today)
	if err != nil || len(bad) > 0 {
		tb.Fatalf("load: %v %v", err, bad)
	}
	// Traced decisions, so that documents are the size the workflow writes.
	res, err := matching.Run(ctx, subjects, cat.NewBatch(today, today, true), nil)
	if err != nil {
		tb.Fatal(err)
	}
	eligible := res.Offers
	sample := map[string]*duixian.Decision{}
	for _, o := range append(slices.Clone(res.Offers), res.NearMisses...) {
		if sample[o.Decision.Clause] == nil {
			d := o.Decision
			sample[d.Clause] = &d
		}
	}
	var departments []string
	clauses := []string{GoneClause}
	for _, cl := range cat.Clauses() {
		clauses = append(clauses, cl.ID)
		for _, d := range cl.Departments() {
			if !slices.Contains(departments, d) {
				departments = append(departments, d)
			}
		}
	}
	sort.Strings(departments)
	r := rand.New(rand.NewPCG(uint64(seed), 7))
	officer := duixian.Actor{User: "fixture", Role: duixian.RoleAdmin}
	const batch = 2000
	for start := 0; start < nApp; start += batch {
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			for i := start; i < min(start+batch, nApp); i++ {
				a := &duixian.Application{ID: fmt.Sprintf("A%06d", i), Declared: true,
					Status: allStatuses[r.IntN(len(allStatuses))]}
				if i%3 == 0 && len(eligible) > 0 {
					o := eligible[r.IntN(len(eligible))]
					a.Enterprise, a.Clause = o.Enterprise, o.Decision.Clause
					d := o.Decision
					a.Decision = &d
				} else {
					a.Enterprise = ents[r.IntN(len(ents))].USCC
					a.Clause = clauses[r.IntN(len(clauses))]
					a.Decision = sample[a.Clause]
				}
				a.Year = 2024 + r.IntN(3)
				a.EventDate = duixian.Date{Year: a.Year, Month: time.Month(1 + r.IntN(12)), Day: 1 + r.IntN(28)}
				a.Facts = json.RawMessage(`{"employees":"` + fmt.Sprint(10+r.IntN(500)) + `","revenue_wan":"` + fmt.Sprint(r.IntN(90000)) + `"}`)
				a.Created = time.Date(a.Year, time.Month(1+r.IntN(12)), 1+r.IntN(28), 9, 0, 0, 0, duixian.Shanghai)
				a.Updated = a.Created.Add(time.Duration(r.IntN(1000)) * time.Hour)
				if a.Status != duixian.StatusDraft && a.Status != duixian.StatusSubmitted {
					a.Review = a.Decision
				}
				for _, d := range departments {
					if r.IntN(5) == 0 {
						a.Opinions = append(a.Opinions, duixian.Opinion{Department: d, Requested: a.Created, Agree: r.IntN(2) == 0})
					}
				}
				var approveAt []time.Time
				switch a.Status {
				case duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid, duixian.StatusRevoked:
					if r.IntN(20) != 0 { // now and then an approval without an amount
						a.Approved = duixian.Money(100 * (1 + r.IntN(500000)))
					}
					if r.IntN(25) != 0 { // and now and then one the log does not show
						approveAt = append(approveAt, time.Date(2025, time.Month(1+r.IntN(18)), 1+r.IntN(28), r.IntN(24), r.IntN(60), 0, 0, duixian.Shanghai))
					}
					if len(approveAt) == 1 && r.IntN(30) == 0 { // approved twice: the last approval counts
						approveAt = append(approveAt, approveAt[0].Add(24*time.Hour*time.Duration(r.IntN(60))))
					}
				}
				switch a.Status {
				case duixian.StatusPaid:
					a.Payments = []duixian.Payment{{Tranche: 1, Amount: a.Approved, At: a.Updated, By: "treasury"}}
				case duixian.StatusPaying:
					a.Payments = []duixian.Payment{{Tranche: 1, Amount: a.Approved / 2, At: a.Updated, By: "treasury"}}
				case duixian.StatusRevoked:
					if r.IntN(2) == 0 {
						a.Payments = []duixian.Payment{{Tranche: 1, Amount: a.Approved, At: a.Updated, By: "treasury"}, {Tranche: 2, Amount: 100, At: a.Updated, By: "treasury"}}
					}
					a.Clawback = a.Paid()
				}
				if err := tx.PutApplication(a); err != nil {
					return err
				}
				stamp := func(t time.Time) string {
					if r.IntN(4) == 0 { // the log's times in UTC now and then: the month is Beijing's
						return t.UTC().Format(time.RFC3339Nano)
					}
					return t.In(duixian.Shanghai).Format(time.RFC3339Nano)
				}
				if err := tx.Audit(duixian.AuditEntry{At: stamp(a.Created), Actor: officer, Action: "create", Subject: a.ID}); err != nil {
					return err
				}
				for _, at := range approveAt {
					if err := tx.Audit(duixian.AuditEntry{At: stamp(at), Actor: officer, Action: "approve", Subject: a.ID, After: "approved"}); err != nil {
						return err
					}
					// An entry after the approval that is not one.
					if err := tx.Audit(duixian.AuditEntry{At: stamp(at.Add(time.Hour)), Actor: officer, Action: "denied:approve", Subject: a.ID}); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			tb.Fatal(err)
		}
	}
}

// Pay pays application id 1 fen more, audited as the workflow does.
func Pay(tb testing.TB, db *sqldb.DB, id string) {
	tb.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		a, err := tx.Application(id, true)
		if err != nil {
			return err
		}
		a.Payments = append(a.Payments, duixian.Payment{Tranche: len(a.Payments) + 1, Amount: 1, At: time.Now(), By: "bench"})
		if err := tx.PutApplication(a); err != nil {
			return err
		}
		return tx.Audit(duixian.AuditEntry{At: time.Now().Format(time.RFC3339Nano), Actor: duixian.Actor{User: "bench", Role: duixian.RoleFinance}, Action: "disburse", Subject: a.ID})
	})
	if err != nil {
		tb.Fatal(err)
	}
}

// Ban bans the enterprise uscc under document for a day more, audited as the
// workflow does: its file changes.
func Ban(tb testing.TB, db *sqldb.DB, uscc, document string, today duixian.Date) {
	tb.Helper()
	err := db.Tx(context.Background(), func(tx *sqldb.Tx) error {
		e, err := tx.Enterprise(uscc, true)
		if err != nil {
			return err
		}
		e.Bans = append(e.Bans, duixian.Ban{Document: document, From: today, Until: today.AddDays(len(e.Bans))})
		if err := tx.PutEnterprise(e); err != nil {
			return err
		}
		return tx.Audit(duixian.AuditEntry{At: time.Now().Format(time.RFC3339Nano), Actor: duixian.Actor{User: "bench", Role: duixian.RoleSupervisor}, Action: "ban", Subject: e.USCC})
	})
	if err != nil {
		tb.Fatal(err)
	}
}
