// Package matching finds, for every enterprise in the registry and every
// clause in force on a date, what the enterprise qualifies for without
// applying (免申即享): offers with amounts and traces, and near misses with
// the conditions that failed and by how much. The enterprise then confirms
// an offer, which becomes an application in the workflow.
package matching

import (
	"context"
	"fmt"
	"maps"
	"sort"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Subject is an enterprise with its facts decoded.
type Subject struct {
	USCC  string
	Name  string
	Facts duixian.Facts
}

// Load reads every enterprise of the registry with the facts the platform
// holds for it on asOf (subjectOf). An enterprise whose data does not decode
// is reported, not skipped silently. It holds the whole registry in memory:
// Stream is the way over a large one.
func Load(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, asOf duixian.Date) ([]Subject, []error, error) {
	var ents []*duixian.Enterprise
	var held map[string][]*duixian.Application
	err := db.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if ents, err = tx.Enterprises(); err != nil {
			return err
		}
		held, err = ledgerHolders(tx, cat)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	subjects := make([]Subject, 0, len(ents))
	var bad []error
	for _, e := range ents {
		s, err := subjectOf(cat, e, held, asOf)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		subjects = append(subjects, s)
	}
	return subjects, bad, nil
}

// ledgerHolders reads the applications under the clauses the ledger's
// facts report on, by enterprise: few, whatever the registry's size.
func ledgerHolders(tx *sqldb.Tx, cat *engine.Catalogue) (map[string][]*duixian.Application, error) {
	held := map[string][]*duixian.Application{}
	if len(cat.LedgerClauses()) == 0 {
		return held, nil
	}
	apps, err := tx.Applications(sqldb.ApplicationFilter{Clauses: cat.LedgerClauses()})
	for _, a := range apps {
		held[a.Enterprise] = append(held[a.Enterprise], a)
	}
	return held, err
}

// subjectOf gives an enterprise the facts the platform holds for it on
// asOf (engine's EnterpriseFacts: its file and its bans, so a banned
// enterprise is offered nothing under the document that banned it; and the
// ledger's, so a once-only award is not offered twice).
func subjectOf(cat *engine.Catalogue, e *duixian.Enterprise, held map[string][]*duixian.Application, asOf duixian.Date) (Subject, error) {
	facts, err := cat.EnterpriseFacts(e, asOf)
	if err != nil {
		return Subject{}, fmt.Errorf("%s: %w", e.USCC, err)
	}
	maps.Copy(facts, cat.LedgerFacts(held[e.USCC], ""))
	return Subject{USCC: e.USCC, Name: e.Name, Facts: facts}, nil
}

// Offer is one clause's decision for one enterprise.
type Offer struct {
	Enterprise string           `json:"enterprise"`
	Name       string           `json:"enterprise_name"`
	Decision   duixian.Decision `json:"decision"`
}

// Undecided is a clause that applies to an enterprise but could not be
// decided (无法判定), with the reason.
type Undecided struct {
	Enterprise string `json:"enterprise"`
	Name       string `json:"enterprise_name"`
	engine.Undecided
}

// String names the enterprise, the clause and the reason.
func (u Undecided) String() string { return u.Enterprise + " " + u.Undecided.String() }

// Result is what a run found.
type Result struct {
	Offers      []Offer       `json:"offers"`      // eligible, highest amount first
	NearMisses  []Offer       `json:"near_misses"` // every fact known, some condition failed
	Undecided   []Undecided   `json:"undecided"`   // clauses that apply but whose decision failed
	Errors      []string      `json:"errors"`      // enterprises whose data no clause can read
	Enterprises int           `json:"enterprises"`
	Decisions   int           `json:"decisions"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// Run matches subjects with the batch on every core, the results sorted
// (offers by amount). progress, if set, is called from time to time with
// how many subjects are done. Stream is the way over a large registry.
func Run(ctx context.Context, subjects []Subject, b *engine.Batch, progress func(done int)) (Result, error) {
	start := time.Now()
	ps, err := decide(ctx, len(subjects), func(i int, out []Subject) error { out[0] = subjects[i]; return nil },
		[]*engine.Batch{b}, nil, progress)
	if err != nil {
		return Result{}, err
	}
	p := ps[0]
	r := Result{Enterprises: len(subjects), Offers: p.Offers, NearMisses: p.NearMisses, Undecided: p.Undecided,
		Errors: p.Errors, Decisions: p.Decisions}
	// Deterministic output whatever the scheduling.
	sort.Slice(r.Offers, func(i, j int) bool {
		a, b := r.Offers[i], r.Offers[j]
		if a.Decision.Amount != b.Decision.Amount {
			return a.Decision.Amount > b.Decision.Amount
		}
		return a.Enterprise+a.Decision.Clause < b.Enterprise+b.Decision.Clause
	})
	sort.Slice(r.NearMisses, func(i, j int) bool {
		a, b := r.NearMisses[i], r.NearMisses[j]
		return a.Enterprise+a.Decision.Clause < b.Enterprise+b.Decision.Clause
	})
	sort.Slice(r.Undecided, func(i, j int) bool {
		a, b := r.Undecided[i], r.Undecided[j]
		return a.Enterprise+a.Clause < b.Enterprise+b.Clause
	})
	sort.Strings(r.Errors)
	r.Elapsed = time.Since(start)
	return r, nil
}
