package sqldb

import (
	"encoding/json"

	"github.com/etown/duixian"
)

// Departments' settings are records of kind "department", one per name.
const kindDepartment = "department"

// Department reads a department's settings; a department whose settings
// were never changed has the defaults (found is false).
func (tx *Tx) Department(name string) (d duixian.Department, found bool, err error) {
	r, err := tx.Record(kindDepartment, name, false)
	if duixian.ErrorCode(err) == duixian.ENOTFOUND {
		return duixian.Department{Name: name}, false, nil
	}
	if err != nil {
		return d, false, err
	}
	return d, true, json.Unmarshal(r.Doc, &d)
}

// PutDepartment writes a department's settings.
func (tx *Tx) PutDepartment(d duixian.Department) error {
	doc, err := json.Marshal(d)
	if err != nil {
		return err
	}
	r, err := tx.Record(kindDepartment, d.Name, true)
	if duixian.ErrorCode(err) == duixian.ENOTFOUND {
		r, err = &Record{Kind: kindDepartment, ID: d.Name, Subject: d.Name}, nil
	}
	if err != nil {
		return err
	}
	r.Doc = doc
	return tx.PutRecord(r)
}

// Departments lists the settings written, by name.
func (tx *Tx) Departments() ([]duixian.Department, error) {
	recs, err := tx.Records(kindDepartment, "")
	if err != nil {
		return nil, err
	}
	out := make([]duixian.Department, 0, len(recs))
	for _, r := range recs {
		var d duixian.Department
		if err := json.Unmarshal(r.Doc, &d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
