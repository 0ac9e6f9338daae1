package reports

import (
	"context"

	"github.com/etown/duixian/sqldb"
)

// ledger is the reports' picture of the applications: a summary of each,
// as of an audit version.
type ledger struct {
	seq int64
	// gen counts the changes read into the ledger: what was computed from
	// it holds while gen does.
	gen      int64
	apps     map[string]*sqldb.ApplicationSummary
	registry sqldb.EnterprisesVersion
}

// reloadAbove: when more subjects than this changed since the last view
// (an import, a night of batch work), every summary is read again in one
// statement rather than in many.
const reloadAbove = 2000

// refresh brings the ledger up to date: nothing to read when the audit
// log has not moved, the applications it names when it has, everything
// the first time or when the numbers do not add up. The caller holds s.mu.
func (s *Service) refresh(ctx context.Context) (*ledger, error) {
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		// The version first: what is read after it is at least as new, so
		// the ledger is never kept under a version newer than its data.
		seq, err := tx.ReportVersion()
		if err != nil {
			return err
		}
		count, err := tx.ApplicationCount()
		if err != nil {
			return err
		}
		l := s.ledger
		if l != nil && seq == l.seq && count == len(l.apps) {
			return nil
		}
		if l != nil && seq > l.seq {
			changed, err := tx.ChangedSince(l.seq)
			if err != nil {
				return err
			}
			if len(changed) > reloadAbove {
				l = nil
			} else {
				fresh, err := tx.ApplicationSummaries(changed)
				if err != nil {
					return err
				}
				for _, a := range fresh {
					l.apps[a.ID] = &a
				}
			}
		}
		// A first view, another database (the log went back), or a change
		// the audit log does not name (the count is off): read everything.
		if l == nil || seq < l.seq || count != len(l.apps) {
			all, err := tx.ApplicationSummaries(nil)
			if err != nil {
				return err
			}
			gen := int64(0)
			if s.ledger != nil {
				gen = s.ledger.gen
			}
			l = &ledger{gen: gen, apps: make(map[string]*sqldb.ApplicationSummary, len(all))}
			for _, a := range all {
				l.apps[a.ID] = &a
			}
		}
		l.seq = seq
		l.gen++
		if l.registry, err = tx.EnterprisesVersion(); err != nil {
			return err
		}
		s.ledger = l
		return nil
	})
	return s.ledger, err
}
