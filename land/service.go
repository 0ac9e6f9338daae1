package land

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/sqldb"
)

func invalid(field, zh, en string, args ...any) error {
	return duixian.Errorf(duixian.EINVALID, field, zh, en, args...)
}

func notFound(id string) error {
	return duixian.Errorf(duixian.ENOTFOUND, "case", "没有用地规划案件 %s", "no land-planning case %s", id)
}

func (s *Service) today() duixian.Date { return duixian.DateOf(s.Now()) }

func (s *Service) desk() casework.Desk { return casework.Desk{DB: s.DB, Now: s.Now} }

func readCase(tx *sqldb.Tx, id string, lock bool) (*Case, error) {
	r, err := tx.Record(KindCase, id, lock)
	if err != nil {
		if duixian.ErrorCode(err) == duixian.ENOTFOUND {
			return nil, notFound(id)
		}
		return nil, err
	}
	var c Case
	if err := json.Unmarshal(r.Doc, &c); err != nil {
		return nil, err
	}
	c.Version = r.Version
	return &c, nil
}

func putCase(tx *sqldb.Tx, c *Case) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	r := &sqldb.Record{Kind: KindCase, ID: c.ID, Subject: c.Enterprise, Doc: doc, Version: c.Version}
	if err := tx.PutRecord(r); err != nil {
		return err
	}
	c.Version = r.Version
	return nil
}

// Officials of these departments take steps on every land case and may
// read them all.
var caseDepartments = []string{DeptPlanning, DeptDevelopment, DeptCommittee, DeptRegistry}

// MayRead reports whether actor may see case c: the holder its own; the
// officials of the departments that act on land cases all; a department
// consulted the cases it was consulted on; administrators and supervision
// all.
func MayRead(actor duixian.Actor, c *Case) bool {
	switch actor.Role {
	case duixian.RoleEnterprise:
		return actor.Enterprise != "" && actor.Enterprise == c.Enterprise
	case duixian.RoleReviewer:
		return slices.Contains(caseDepartments, actor.Department)
	case duixian.RoleCoReviewer:
		return slices.ContainsFunc(c.Opinions, func(o Opinion) bool { return o.Party == actor.Department })
	case duixian.RoleAdmin, duixian.RoleSupervisor:
		return true
	}
	return false
}

// Case reads a case as actor may see it. A case the actor may not see is
// reported missing, so another enterprise does not learn that it exists.
func (s *Service) Case(ctx context.Context, actor duixian.Actor, id string) (*Case, error) {
	var c *Case
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		c, err = readCase(tx, id, false)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !MayRead(actor, c) {
		return nil, s.desk().Refused(ctx, actor, "land:read", id, casework.Unseen(notFound(id)))
	}
	return c, nil
}

// Cases lists the cases actor may see, the latest first.
func (s *Service) Cases(ctx context.Context, actor duixian.Actor) ([]*Case, error) {
	subject := ""
	if actor.Role == duixian.RoleEnterprise {
		if actor.Enterprise == "" {
			return []*Case{}, nil
		}
		subject = actor.Enterprise
	}
	out := []*Case{}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records(KindCase, subject)
		if err != nil {
			return err
		}
		for _, r := range recs {
			var c Case
			if err := json.Unmarshal(r.Doc, &c); err != nil {
				return err
			}
			c.Version = r.Version
			if MayRead(actor, &c) {
				out = append(out, &c)
			}
		}
		return nil
	})
	slices.SortStableFunc(out, func(a, b *Case) int { return b.Updated.Compare(a.Updated) })
	return out, err
}

// History is the audit log about a case (refused attempts included), for
// those who may read it.
func (s *Service) History(ctx context.Context, actor duixian.Actor, id string) ([]duixian.AuditEntry, error) {
	if _, err := s.Case(ctx, actor, id); err != nil {
		return nil, err
	}
	var out []duixian.AuditEntry
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = tx.AuditLog(id)
		return err
	})
	return out, err
}

// mergeFacts sets facts in a JSON object of facts.
func mergeFacts(raw json.RawMessage, set map[string]any) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
	}
	for k, v := range set {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		m[k] = b
	}
	return json.Marshal(m)
}

func (s *Service) facts(c *Case) (duixian.Facts, error) {
	return s.Catalogue.DecodeJSONFacts("facts", c.Facts)
}
