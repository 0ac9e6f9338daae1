package reports

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/sqldb"
)

// Unclaimed is an enterprise with clauses it qualifies for on its registry
// facts alone and has not applied for (应享未享).
type Unclaimed struct {
	USCC, Name string
	Clauses    []engine.Match // eligible, largest amount first
	Amount     duixian.Money
	Missing    int // clauses that need facts the registry does not hold
}

// registryMatch is every enterprise of the registry matched on its own file
// against every clause in force that pays, on one day: what 应享未享 is
// made of for any scope. It holds while the registry does.
type registryMatch struct {
	version sqldb.EnterprisesVersion
	today   duixian.Date
	cat     *engine.Catalogue

	clauses     []*engine.Clause // the clauses the batch considers, in catalogue order
	rows        []matched        // enterprises whose file was matched, by USCC
	enterprises int
	unreadable  []string
}

// matched is one enterprise's result.
type matched struct {
	uscc, name string
	eligible   []engine.Match // largest amount first, then catalogue order
	scopes     []int          // index into clauses of each eligible one
	missing    []int          // clauses that apply to its zones but need facts its file lacks
}

// registryMatch returns the match for the registry at version v on today,
// running it if the one kept is for another. The caller holds s.mu.
func (s *Service) registryMatch(ctx context.Context, today duixian.Date, v sqldb.EnterprisesVersion) (*registryMatch, error) {
	if m := s.match; m != nil && m.version == v && m.today == today && m.cat == s.Catalogue {
		return m, nil
	}
	// Read after v: the files are at least as new as the version they are
	// kept under, so a change made meanwhile is matched on the next view.
	subjects, bad, err := matching.Load(ctx, s.DB, s.Catalogue, today)
	if err != nil {
		return nil, err
	}
	m, err := runMatch(ctx, s.Catalogue, today, subjects, bad)
	if err != nil {
		return nil, err
	}
	m.version = v
	s.match = m
	return m, nil
}

// runMatch matches subjects (in USCC order) with the engine's batch on
// every core.
func runMatch(ctx context.Context, cat *engine.Catalogue, today duixian.Date, subjects []matching.Subject, bad []error) (*registryMatch, error) {
	batch := cat.NewBatch(today, today, false)
	m := &registryMatch{today: today, cat: cat, enterprises: len(subjects) + len(bad)}
	for _, err := range bad {
		m.unreadable = append(m.unreadable, err.Error())
	}
	// Which clauses the batch considers is the engine's rule (in force,
	// paying); asking it clause by clause keeps that rule in one place.
	index := map[string]int{}
	for _, cl := range cat.Clauses() {
		if cat.NewBatch(today, today, false, cl.ID).Clauses() == 1 {
			index[cl.ID] = len(m.clauses)
			m.clauses = append(m.clauses, cl)
		}
	}
	res, err := matching.Run(ctx, subjects, batch, nil)
	if err != nil {
		return nil, err
	}
	failed := map[string]bool{}
	for _, e := range res.Errors {
		uscc, _, _ := strings.Cut(e, ": ")
		failed[uscc] = true
		m.unreadable = append(m.unreadable, e)
	}
	// Run lists decisions highest amount first; grouped by enterprise, each
	// is then put back in the order the calculator gives: amount, then
	// catalogue.
	decided := map[string][]duixian.Decision{}
	for _, o := range res.Offers {
		decided[o.Enterprise] = append(decided[o.Enterprise], o.Decision)
	}
	for _, o := range res.NearMisses {
		decided[o.Enterprise] = append(decided[o.Enterprise], o.Decision)
	}
	for _, sub := range subjects {
		if failed[sub.USCC] {
			continue
		}
		r := matched{uscc: sub.USCC, name: sub.Name}
		ds := decided[sub.USCC]
		sort.SliceStable(ds, func(i, j int) bool {
			if ds[i].Amount != ds[j].Amount {
				return ds[i].Amount > ds[j].Amount
			}
			return index[ds[i].Clause] < index[ds[j].Clause]
		})
		done := make([]bool, len(m.clauses))
		for i := range ds {
			k := index[ds[i].Clause]
			done[k] = true
			if ds[i].Eligible {
				cl := m.clauses[k]
				r.eligible = append(r.eligible, engine.Match{Clause: cl.ID, Title: cl.Title, Document: cl.Document.Number, Decision: &ds[i]})
				r.scopes = append(r.scopes, k)
			}
		}
		// A clause the batch did not decide either is for a zone the
		// enterprise is not in (the calculator leaves it out) or needs a
		// fact the file does not hold (the calculator lists it as missing).
		zones, haveZones := sub.Facts["zones"].([]string)
		for k, cl := range m.clauses {
			if !done[k] && (!haveZones || cl.Zone == "" || slices.Contains(zones, cl.Zone)) {
				r.missing = append(r.missing, k)
			}
		}
		m.rows = append(m.rows, r)
	}
	return m, nil
}

// unclaimed fills d's 应享未享 for a scope: the clauses in scope each
// enterprise qualifies for, less those it applied for in scope.
func (m *registryMatch) unclaimed(d *Dashboard, sc Scope, did map[applied]bool) {
	in := make([]bool, len(m.clauses))
	for k, cl := range m.clauses {
		if in[k] = sc.clause(cl); in[k] {
			d.InForce++
		}
	}
	d.Enterprises = m.enterprises
	d.Unreadable = m.unreadable
	d.Unclaimed = make([]Unclaimed, 0, len(m.rows))
	for _, r := range m.rows {
		u := Unclaimed{USCC: r.uscc, Name: r.name}
		for i, mt := range r.eligible {
			if in[r.scopes[i]] && !did[applied{r.uscc, mt.Clause}] {
				u.Clauses = append(u.Clauses, mt)
				u.Amount += mt.Decision.Amount
			}
		}
		for _, k := range r.missing {
			if in[k] {
				u.Missing++
			}
		}
		d.UnclaimedClauses += len(u.Clauses)
		d.Unclaimed = append(d.Unclaimed, u)
	}
	sort.SliceStable(d.Unclaimed, func(i, j int) bool { return len(d.Unclaimed[i].Clauses) > len(d.Unclaimed[j].Clauses) })
}
