package workflow

import (
	"context"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// Printout is what the printable 受理回执 (acceptance receipt) and 申报书
// show of an application: the application with its history, its
// enterprise's name, and when it was last submitted.
type Printout struct {
	App            *duixian.Application
	Log            []duixian.AuditEntry
	EnterpriseName string
	// Submitted is the time of the last submission; zero for a draft,
	// which has no receipt.
	Submitted time.Time
}

// Printout reads application id for printing, for whoever may read it (to
// anyone else it is missing, as everywhere).
func (s *Service) Printout(ctx context.Context, actor duixian.Actor, id string) (*Printout, error) {
	a, log, err := s.ApplicationHistory(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	p := &Printout{App: a, Log: log}
	for _, e := range log {
		if e.Action == "submit" {
			if t, err := time.Parse(time.RFC3339Nano, e.At); err == nil {
				p.Submitted = t
			}
		}
	}
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		e, err := tx.Enterprise(a.Enterprise, false)
		if err == nil {
			p.EnterpriseName = e.Name
		}
		return err
	})
	return p, err
}
