package reports

import (
	"context"
	"fmt"
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
// made of for any scope. It is kept up to date like the ledger: the
// enterprises the audit log names as changed are matched again, alone.
type registryMatch struct {
	seq     int64                    // the audit version it reflects
	version sqldb.EnterprisesVersion // the registry's, checked against the rows
	today   duixian.Date
	cat     *engine.Catalogue
	batch   *engine.Batch
	clauses []*engine.Clause // the clauses the batch considers, in catalogue order
	index   map[string]int   // their positions
	rows    []*matched       // every enterprise, by USCC
}

// matched is one enterprise's result.
type matched struct {
	uscc, name string
	version    int            // of its file
	unreadable string         // why its file could not be matched; it then has no row
	eligible   []engine.Match // largest amount first, then catalogue order
	scopes     []int          // index into clauses of each eligible one
	missing    []int          // clauses that apply to its zones but need facts its file lacks
}

// registryMatch returns the match as of the ledger's version, matching
// again what changed since the one kept, or everything on a new day or
// when the registry's version does not add up. The caller holds s.mu.
func (s *Service) registryMatch(ctx context.Context, today duixian.Date, l *ledger) (*registryMatch, error) {
	m := s.match
	if m != nil && m.version == l.registry && m.today == today && m.cat == s.Catalogue && m.seq <= l.seq {
		// Any write to a file moves the registry's version: none was made.
		m.seq = l.seq
		return m, nil
	}
	if m == nil || m.today != today || m.cat != s.Catalogue || m.seq > l.seq {
		m = newMatch(s.Catalogue, today)
	}
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		var ents []*duixian.Enterprise
		// The ledger's version was read before anything here: the files
		// are at least as new as the version the match is kept under.
		version, err := tx.EnterprisesVersion()
		if err != nil {
			return err
		}
		if m.rows != nil {
			changed, err := tx.ChangedSince(m.seq)
			if err != nil {
				return err
			}
			if len(changed) <= reloadAbove {
				ents, err = tx.EnterprisesIn(changed)
			} else {
				m = newMatch(s.Catalogue, today)
			}
			if err != nil {
				return err
			}
		}
		if m.rows == nil {
			if ents, err = tx.Enterprises(); err != nil {
				return err
			}
		}
		if err := m.update(ctx, ents); err != nil {
			return err
		}
		if !m.adds(version) { // a change the audit log does not name
			m = newMatch(s.Catalogue, today)
			if ents, err = tx.Enterprises(); err != nil {
				return err
			}
			if err := m.update(ctx, ents); err != nil {
				return err
			}
		}
		m.seq, m.version = l.seq, version
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.match = m
	return m, nil
}

func newMatch(cat *engine.Catalogue, today duixian.Date) *registryMatch {
	m := &registryMatch{today: today, cat: cat, batch: cat.NewBatch(today, today, false), index: map[string]int{}}
	// Which clauses the batch considers is the engine's rule (in force,
	// paying); asking it clause by clause keeps that rule in one place.
	for _, cl := range cat.Clauses() {
		if cat.NewBatch(today, today, false, cl.ID).Clauses() == 1 {
			m.index[cl.ID] = len(m.clauses)
			m.clauses = append(m.clauses, cl)
		}
	}
	return m
}

// adds reports whether the rows hold the registry at version v.
func (m *registryMatch) adds(v sqldb.EnterprisesVersion) bool {
	var sum int64
	for _, r := range m.rows {
		sum += int64(r.version)
	}
	return int64(len(m.rows)) == v.Count && sum == v.Versions
}

// update matches ents (in USCC order) with the engine's batch on every
// core and puts their rows in place of the old ones.
func (m *registryMatch) update(ctx context.Context, ents []*duixian.Enterprise) error {
	if m.rows == nil {
		m.rows = []*matched{}
	}
	var subjects []matching.Subject
	fresh := make(map[string]*matched, len(ents))
	for _, e := range ents {
		r := &matched{uscc: e.USCC, name: e.Name, version: e.Version}
		fresh[e.USCC] = r
		facts, err := m.cat.EnterpriseFacts(e, m.today)
		if err != nil {
			r.unreadable = fmt.Sprintf("%s: %v", e.USCC, err)
			continue
		}
		subjects = append(subjects, matching.Subject{USCC: e.USCC, Name: e.Name, Facts: facts})
	}
	res, err := matching.Run(ctx, subjects, m.batch, nil)
	if err != nil {
		return err
	}
	for _, e := range res.Errors {
		uscc, _, _ := strings.Cut(e, ": ")
		fresh[uscc].unreadable = e
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
		r := fresh[sub.USCC]
		if r.unreadable != "" {
			continue
		}
		ds := decided[sub.USCC]
		sort.SliceStable(ds, func(i, j int) bool {
			if ds[i].Amount != ds[j].Amount {
				return ds[i].Amount > ds[j].Amount
			}
			return m.index[ds[i].Clause] < m.index[ds[j].Clause]
		})
		done := make([]bool, len(m.clauses))
		for i := range ds {
			k := m.index[ds[i].Clause]
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
	}
	for _, e := range ents {
		r := fresh[e.USCC]
		at, found := slices.BinarySearchFunc(m.rows, e.USCC, func(x *matched, uscc string) int { return strings.Compare(x.uscc, uscc) })
		if found {
			m.rows[at] = r
		} else {
			m.rows = slices.Insert(m.rows, at, r)
		}
	}
	return nil
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
	d.Enterprises = len(m.rows)
	d.Unclaimed = make([]Unclaimed, 0, len(m.rows))
	for _, r := range m.rows {
		if r.unreadable != "" {
			d.Unreadable = append(d.Unreadable, r.unreadable)
			continue
		}
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
