package engine

import (
	"github.com/etown/duixian"
)

// Material is one 申报材料: a document an applicant supplies with an
// application under a clause, as the article naming it lists it (21号第十一条
// lists the licences, the photos, the contracts and invoices). A material
// written on an article is asked of every clause of the document, as an
// eligibility condition is; one written on a clause, of that clause alone.
// Every material cites the article that asks for it: the catalogue does not
// load with a material whose citation is missing or broken.
//
// What is not Optional must be there before the application is submitted
// (workflow.Submit names the missing ones with their articles). The 申报书
// itself is not a material: the platform makes it from the declared facts
// and the pledge (the printable 申报书).
type Material struct {
	ID       string       `json:"id"` // unique among the clause's materials: "licence"
	Zh       string       `json:"zh"`
	En       string       `json:"en"`
	Cite     duixian.Cite `json:"cite"`
	Optional bool         `json:"optional,omitempty"`
	Note     string       `json:"note,omitempty"`
}

// Materials lists what an application under the clause supplies: the
// document's materials, then the clause's own.
func (cl *Clause) Materials() []*Material { return cl.materials }

// Material finds one of the clause's materials by id.
func (cl *Clause) Material(id string) (*Material, bool) {
	for _, m := range cl.materials {
		if m.ID == id {
			return m, true
		}
	}
	return nil, false
}

// material compiles one material: an id, Chinese and English names, and
// the article that asks for it.
func (l *loader) material(d *Document, s materialSpec) *Material {
	if !s.ID.set() {
		l.errf(s.Zh.Line, "material needs an id (a short code such as licence)")
	}
	if !s.Zh.set() || !s.En.set() {
		l.errf(s.ID.Line, "material %s needs a name in Chinese (zh) and English (en)", s.ID.Value)
	}
	c, a := l.cite(d, s.Cite, nil, s.ID.Line)
	if a == nil {
		return nil
	}
	return &Material{ID: s.ID.Value, Zh: s.Zh.Value, En: s.En.Value, Cite: c, Optional: s.Optional, Note: s.Note.Value}
}

// materials adds the document's materials and the clause's own to cl, each
// id once.
func (l *loader) materials(d *Document, cl *Clause, own []materialSpec) {
	cl.materials = append(cl.materials, d.materials...)
	for _, s := range own {
		m := l.material(d, s)
		if m == nil {
			continue
		}
		if _, dup := cl.Material(m.ID); dup {
			l.errf(s.ID.Line, "material %s repeats in clause %s", m.ID, cl.ID)
			continue
		}
		cl.materials = append(cl.materials, m)
	}
}
