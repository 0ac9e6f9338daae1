package sqldb

import (
	"encoding/json"

	"github.com/etown/duixian"
)

// EnterpriseDoc is an enterprise's file as stored, still to be decoded
// (Decode), so that many can be decoded in parallel.
type EnterpriseDoc struct {
	USCC string
	Doc  []byte
}

// Decode reads the file.
func (d EnterpriseDoc) Decode() (*duixian.Enterprise, error) {
	var e duixian.Enterprise
	if err := json.Unmarshal(d.Doc, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// EnterprisesAfter reads up to limit enterprise files with a USCC after
// after, in USCC order: the registry a page at a time, so that a run over a
// million enterprises holds one page in memory, not the registry.
func (tx *Tx) EnterprisesAfter(after string, limit int) ([]EnterpriseDoc, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(`SELECT uscc, doc FROM enterprises WHERE uscc > ? ORDER BY uscc LIMIT ?`), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]EnterpriseDoc, 0, limit)
	for rows.Next() {
		var d EnterpriseDoc
		if err := rows.Scan(&d.USCC, &d.Doc); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// EnterpriseCount is how many enterprises the registry holds.
func (tx *Tx) EnterpriseCount() (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&n)
	return n, err
}
