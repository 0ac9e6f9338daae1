package sqldb

import (
	"encoding/json"

	"github.com/etown/duixian"
)

// EnterprisesAfter reads up to limit enterprise files with a USCC after
// after, in USCC order: the registry a page at a time, so that a run over a
// million enterprises holds one page in memory, not the registry.
func (tx *Tx) EnterprisesAfter(after string, limit int) ([]*duixian.Enterprise, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(`SELECT doc FROM enterprises WHERE uscc > ? ORDER BY uscc LIMIT ?`), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]*duixian.Enterprise, 0, limit)
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var e duixian.Enterprise
		if err := json.Unmarshal(doc, &e); err != nil {
			return nil, err
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// EnterpriseCount is how many enterprises the registry holds.
func (tx *Tx) EnterpriseCount() (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&n)
	return n, err
}
