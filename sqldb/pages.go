package sqldb

import (
	"encoding/json"
	"strings"

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
	return tx.EnterpriseRange(after, "", limit)
}

// EnterpriseCount is how many enterprises the registry holds.
func (tx *Tx) EnterpriseCount() (int, error) {
	var n int
	err := tx.tx.QueryRowContext(tx.ctx, `SELECT COUNT(*) FROM enterprises`).Scan(&n)
	return n, err
}

// EnterpriseRange reads up to limit enterprise files with a USCC after
// after and, unless through is empty, not after through, in USCC order:
// one partition of the registry a page at a time.
func (tx *Tx) EnterpriseRange(after, through string, limit int) ([]EnterpriseDoc, error) {
	q, args := `SELECT uscc, doc FROM enterprises WHERE uscc > ? ORDER BY uscc LIMIT ?`, []any{after, limit}
	if through != "" {
		q, args = `SELECT uscc, doc FROM enterprises WHERE uscc > ? AND uscc <= ? ORDER BY uscc LIMIT ?`, []any{after, through, limit}
	}
	return tx.enterpriseDocs(q, args, limit)
}

// enterpriseDocs runs q, which selects uscc and doc, with args.
func (tx *Tx) enterpriseDocs(q string, args []any, limit int) ([]EnterpriseDoc, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
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

// EnterpriseCuts cuts the registry into ranges of every enterprises, in
// USCC order: it returns the USCC that ends each range but the last, which
// runs to the end of the registry (no cut for a registry of at most every).
func (tx *Tx) EnterpriseCuts(every int) ([]string, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(`SELECT uscc FROM (
		SELECT uscc, ROW_NUMBER() OVER (ORDER BY uscc) AS n, COUNT(*) OVER () AS total FROM enterprises
	) numbered WHERE n % ? = 0 AND n < total ORDER BY uscc`), every)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cuts []string
	for rows.Next() {
		var uscc string
		if err := rows.Scan(&uscc); err != nil {
			return nil, err
		}
		cuts = append(cuts, uscc)
	}
	return cuts, rows.Err()
}

// EnterprisesFound reads up to limit enterprise files after the USCC after,
// in USCC order, whose USCC begins with search or whose name contains it
// (every one for an empty search): the officials' 一企一档 list a page at
// a time.
func (tx *Tx) EnterprisesFound(search, after string, limit int) ([]EnterpriseDoc, error) {
	q, args := `SELECT uscc, doc FROM enterprises WHERE uscc > ?`, []any{after}
	if search != "" {
		like := likeEscape(search)
		q += ` AND (uscc LIKE ? ESCAPE '\' OR ` + tx.jsonText("doc", "name") + ` LIKE ? ESCAPE '\')`
		args = append(args, strings.ToUpper(like)+"%", "%"+like+"%")
	}
	return tx.enterpriseDocs(q+` ORDER BY uscc LIMIT ?`, append(args, limit), limit)
}
