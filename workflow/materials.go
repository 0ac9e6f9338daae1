package workflow

import (
	"context"
	"slices"

	"github.com/etown/duixian"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/sqldb"
)

// MaterialUpload is a file the applicant supplies as one of the clause's
// materials (package material checks it).
type MaterialUpload = material.Upload

// AddMaterial uploads a file to a draft or a returned application (补正),
// as one of its clause's materials: a casework transition of the
// application, its owner's alone, audited with the file's SHA-256. The
// bytes are stored once by hash; the application records the material.
func (s *Service) AddMaterial(ctx context.Context, actor duixian.Actor, id string, in MaterialUpload) (*duixian.Material, error) {
	var added duixian.Material
	_, err := s.run(ctx, actor, id, transition{action: "upload-material", roles: []duixian.Role{duixian.RoleEnterprise}, owner: true,
		from:   []duixian.Status{duixian.StatusDraft, duixian.StatusReturned},
		detail: func() string { return "+" + fileLine(added) },
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			m, err := s.addMaterial(tx, actor, a, in)
			added = m
			return err
		}})
	if err != nil {
		return nil, err
	}
	return &added, nil
}

// addMaterial checks an upload against the clause and the application's
// files, stores its bytes and records it on a.
func (s *Service) addMaterial(tx *sqldb.Tx, actor duixian.Actor, a *duixian.Application, in MaterialUpload) (duixian.Material, error) {
	cl, ok := s.Catalogue.Clause(a.Clause)
	if !ok {
		return duixian.Material{}, duixian.Errorf(duixian.ENOTFOUND, "clause", "没有条款 %s", "no clause %s", a.Clause)
	}
	c, err := material.Check(cl, a.Materials, in)
	if err != nil {
		return duixian.Material{}, err
	}
	if err := tx.PutAttachment(c.SHA256, c.Data); err != nil {
		return duixian.Material{}, err
	}
	m := duixian.Material{ID: duixian.NewID("M", s.Now()), Kind: c.Kind, Name: c.Name, Type: c.Type, SHA256: c.SHA256,
		Size: int64(len(c.Data)), Uploaded: s.Now(), By: actor.User}
	a.Materials = append(a.Materials, m)
	return m, nil
}

// fileLine is a material as the audit log names it beside the state (+
// added, - removed): its id, which material, the file's name and SHA-256.
func fileLine(m duixian.Material) string {
	return m.ID + " " + m.Kind + " " + m.Name + " sha256:" + m.SHA256
}

// RemoveMaterial takes a file off a draft or a returned application; the
// bytes stay in the store (another application may hold the same file,
// and the audit log names the hash).
func (s *Service) RemoveMaterial(ctx context.Context, actor duixian.Actor, id, materialID string) (*duixian.Application, error) {
	var gone duixian.Material
	return s.run(ctx, actor, id, transition{action: "remove-material", roles: []duixian.Role{duixian.RoleEnterprise}, owner: true,
		from:   []duixian.Status{duixian.StatusDraft, duixian.StatusReturned},
		detail: func() string { return "-" + fileLine(gone) },
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			i := slices.IndexFunc(a.Materials, func(m duixian.Material) bool { return m.ID == materialID })
			if i < 0 {
				return noMaterial(materialID)
			}
			gone = a.Materials[i]
			a.Materials = slices.Delete(a.Materials, i, i+1)
			return nil
		}})
}

func noMaterial(id string) error {
	return duixian.Errorf(duixian.ENOTFOUND, "material", "没有材料 %s", "no material %s", id)
}

// MaterialFile reads one material of an application and its bytes, for
// whoever may read the application (its enterprise, the department, the
// experts assigned, the departments asked for an opinion, finance,
// supervision); to anyone else the application is missing.
func (s *Service) MaterialFile(ctx context.Context, actor duixian.Actor, id, materialID string) (*duixian.Material, []byte, error) {
	a, err := s.Application(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	i := slices.IndexFunc(a.Materials, func(m duixian.Material) bool { return m.ID == materialID })
	if i < 0 {
		return nil, nil, noMaterial(materialID)
	}
	m := a.Materials[i]
	var data []byte
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		data, err = tx.Attachment(m.SHA256)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return &m, data, nil
}
