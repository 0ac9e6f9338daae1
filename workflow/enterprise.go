package workflow

import (
	"context"
	"maps"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// What the enterprise pages read: an enterprise's own applications, one
// with its history, and the facts the platform fills in its forms.

// ownEnterprise is the enterprise actor acts for; only enterprise staff
// have one, and the enterprise reads only its own.
func ownEnterprise(actor duixian.Actor) (string, error) {
	if actor.Role != duixian.RoleEnterprise || actor.Enterprise == "" {
		return "", duixian.Errorf(duixian.EFORBIDDEN, "actor", "仅企业经办人可查看本企业的申报", "only enterprise staff see their enterprise's applications")
	}
	return actor.Enterprise, nil
}

// EnterpriseApplications lists a page of the applications of actor's
// enterprise, the newest first, with status when status is not empty.
func (s *Service) EnterpriseApplications(ctx context.Context, actor duixian.Actor, status duixian.Status, p duixian.PageRequest) (*duixian.Page[*duixian.Application], error) {
	ent, err := ownEnterprise(actor)
	if err != nil {
		return nil, err
	}
	var page *duixian.Page[*duixian.Application]
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) {
		page, err = s.pageOf(tx, actor, sqldb.ApplicationFilter{Enterprise: ent, Status: status}, p)
		return err
	})
	return page, err
}

// ApplicationHistory reads an application as actor may see it (as
// Application does) with its audit log, in one read so the two agree.
func (s *Service) ApplicationHistory(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, []duixian.AuditEntry, error) {
	var a *duixian.Application
	var log []duixian.AuditEntry
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if a, err = tx.Application(id, false); duixian.ErrorCode(err) == duixian.ENOTFOUND {
			return noApplication(id)
		} else if err != nil {
			return err
		}
		if !s.mayRead(actor, a) {
			return nil // told as missing below, before the log is read
		}
		log, err = tx.AuditLog(a.ID)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	if !s.mayRead(actor, a) {
		return nil, nil, noApplication(id)
	}
	return asSeenBy(actor, a), log, nil
}

// PlatformFacts are the facts of an enterprise its staff never type: what
// the registry holds (engine's EnterpriseFacts), the bans the platform
// derives from revocations, and the once-only awards of its ledger
// (engine.LedgerFacts). Whatever they hold overrides the applicant at
// submission, so the forms show them instead of asking.
type PlatformFacts struct {
	Known  duixian.Facts // registry and ledger facts together
	Banned duixian.Facts // of Known's facts, those set from revocations
	Ledger duixian.Facts // of Known's facts, those set from the award ledger
}

// PlatformFacts reads the facts the platform fills for actor's enterprise
// today.
func (s *Service) PlatformFacts(ctx context.Context, actor duixian.Actor) (*PlatformFacts, error) {
	ent, err := ownEnterprise(actor)
	if err != nil {
		return nil, err
	}
	var e *duixian.Enterprise
	var held []*duixian.Application
	if err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if e, err = tx.Enterprise(ent, false); err != nil {
			return err
		}
		held, err = tx.Applications(sqldb.ApplicationFilter{Enterprise: e.USCC, Clauses: s.Catalogue.LedgerClauses()})
		return err
	}); err != nil {
		return nil, err
	}
	today := s.today()
	known, err := s.Catalogue.EnterpriseFacts(e, today)
	if err != nil {
		return nil, err
	}
	ledger := s.Catalogue.LedgerFacts(held, "")
	maps.Copy(known, ledger)
	return &PlatformFacts{Known: known, Banned: s.Catalogue.BanFacts(e.Bans, today), Ledger: ledger}, nil
}
