package sqldb

import (
	"strings"

	"github.com/etown/duixian"
)

// The reports' queries (package reports): totals computed by the database
// in a constant number of statements, however many applications there are.
// An application's amounts live in its JSON document, so they are read
// with the dialect's JSON functions rather than by decoding every document
// in Go.

// ReportScope selects the applications a report counts, as an official's
// role lets them see the lists.
type ReportScope struct {
	// Clauses, when not nil, keeps only applications on these clauses (a
	// reviewer's department's); an empty, non-nil list keeps none.
	Clauses []string
	// Opinion, when set, keeps only applications on which this department
	// was asked for an opinion (a co-reviewer's).
	Opinion string
}

// where is the scope as a condition on applications aliased a.
func (tx *Tx) where(s ReportScope) (string, []any) {
	var conds []string
	var args []any
	if s.Clauses != nil {
		if len(s.Clauses) == 0 {
			return "1 = 0", nil
		}
		conds = append(conds, "a.clause IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(s.Clauses)), ", ")+")")
		for _, c := range s.Clauses {
			args = append(args, c)
		}
	}
	if s.Opinion != "" {
		if tx.dialect == Postgres {
			conds = append(conds, `(a.doc::jsonb -> 'opinions') @> jsonb_build_array(jsonb_build_object('department', ?::text))`)
		} else {
			conds = append(conds, `EXISTS (SELECT 1 FROM json_each(a.doc, '$.opinions') o WHERE json_extract(o.value, '$.department') = ?)`)
		}
		args = append(args, s.Opinion)
	}
	if len(conds) == 0 {
		return "1 = 1", nil
	}
	return strings.Join(conds, " AND "), args
}

// jsonInt is the integer at key of a JSON object column, 0 when absent.
func (tx *Tx) jsonInt(col, key string) string {
	if tx.dialect == Postgres {
		return "COALESCE((" + col + "::jsonb ->> '" + key + "')::bigint, 0)"
	}
	return "COALESCE(json_extract(" + col + ", '$." + key + "'), 0)"
}

// jsonText is the string at key of a JSON object column.
func (tx *Tx) jsonText(col, key string) string {
	if tx.dialect == Postgres {
		return "(" + col + "::jsonb ->> '" + key + "')"
	}
	return "json_extract(" + col + ", '$." + key + "')"
}

// jsonSum adds up the integer at key of every element of the array at
// list, 0 when the array is absent.
func (tx *Tx) jsonSum(col, list, key string) string {
	if tx.dialect == Postgres {
		return "(SELECT COALESCE(SUM((p ->> '" + key + "')::bigint), 0) FROM jsonb_array_elements(COALESCE(" + col + "::jsonb -> '" + list + "', '[]'::jsonb)) p)"
	}
	return "(SELECT COALESCE(SUM(json_extract(p.value, '$." + key + "')), 0) FROM json_each(" + col + ", '$." + list + "') p)"
}

// sum is SUM as an integer on both dialects (PostgreSQL's SUM of bigint is
// numeric).
func (tx *Tx) sum(expr string) string {
	if tx.dialect == Postgres {
		return "COALESCE(SUM(" + expr + "), 0)::bigint"
	}
	return "COALESCE(SUM(" + expr + "), 0)"
}

// ReportVersion is the sequence number of the audit chain's last entry.
// Every change of an application or an enterprise is audited in its own
// transaction, so a report computed at one version holds until the next.
func (tx *Tx) ReportVersion() (int64, error) {
	var seq int64
	err := tx.row(`SELECT COALESCE(MAX(seq), 0) FROM audit`).Scan(&seq)
	return seq, err
}

// EnterprisesVersion changes whenever an enterprise's file is added or
// changed: a file's version rises with every write (PutEnterprise), so the
// count and the sum of versions never come back to a value they had. The
// 应享未享 match, which reads only the files, is kept while it holds.
type EnterprisesVersion struct {
	Count, Versions int64
}

// EnterprisesVersion reads the registry's version.
func (tx *Tx) EnterprisesVersion() (EnterprisesVersion, error) {
	var v EnterprisesVersion
	err := tx.row(`SELECT COUNT(*), `+tx.sum("version")+` FROM enterprises`).Scan(&v.Count, &v.Versions)
	return v, err
}

// ApplicationTotal is the applications on one clause in one status.
type ApplicationTotal struct {
	Clause   string
	Status   duixian.Status
	Count    int
	Approved duixian.Money // the approved amounts
	Paid     duixian.Money // the payments made
	Clawback duixian.Money // what revocations booked for clawback
}

// ApplicationTotals counts the applications in scope, drafts included, by
// clause and status, in one statement.
func (tx *Tx) ApplicationTotals(s ReportScope) ([]ApplicationTotal, error) {
	cond, args := tx.where(s)
	q := `SELECT clause, status, COUNT(*), ` + tx.sum("approved") + `, ` + tx.sum("paid") + `, ` + tx.sum("clawback") + `
		FROM (SELECT a.clause, a.status, ` + tx.jsonInt("a.doc", "approved_fen") + ` AS approved, ` +
		tx.jsonSum("a.doc", "payments", "amount_fen") + ` AS paid, ` + tx.jsonInt("a.doc", "clawback_fen") + ` AS clawback
			FROM applications a WHERE ` + cond + `) t
		GROUP BY clause, status ORDER BY clause, status`
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ApplicationTotal
	for rows.Next() {
		var t ApplicationTotal
		var status string
		if err := rows.Scan(&t.Clause, &status, &t.Count, &t.Approved, &t.Paid, &t.Clawback); err != nil {
			return nil, err
		}
		t.Status = duixian.Status(status)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ApprovalTotal is the approved applications (approved, paying or paid)
// whose last approve entry in the audit log was written at At.
type ApprovalTotal struct {
	At       string // RFC 3339; "" when there is none, or nothing was approved
	Count    int
	Approved duixian.Money
}

// ApprovalTotals groups the approved applications in scope by the time of
// their approval, read from the audit log in the same statement: for each
// application with an approved amount, the last entry about it whose
// action is approve.
func (tx *Tx) ApprovalTotals(s ReportScope) ([]ApprovalTotal, error) {
	cond, args := tx.where(s)
	q := `WITH ap AS (
			SELECT a.id, ` + tx.jsonInt("a.doc", "approved_fen") + ` AS approved FROM applications a
			WHERE a.status IN ('approved', 'paying', 'paid') AND ` + cond + `),
		last AS (
			SELECT y.subject, MAX(y.seq) AS seq FROM ap JOIN audit y ON y.subject = ap.id
			WHERE ap.approved > 0 AND ` + tx.jsonText("y.doc", "action") + ` = 'approve'
			GROUP BY y.subject)
		SELECT COALESCE(` + tx.jsonText("x.doc", "at") + `, ''), COUNT(*), ` + tx.sum("ap.approved") + `
		FROM ap LEFT JOIN last ON last.subject = ap.id LEFT JOIN audit x ON x.seq = last.seq
		GROUP BY 1 ORDER BY 1`
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ApprovalTotal
	for rows.Next() {
		var t ApprovalTotal
		if err := rows.Scan(&t.At, &t.Count, &t.Approved); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// AppliedClause is an enterprise and a clause it has applied for.
type AppliedClause struct {
	Enterprise, Clause string
}

// AppliedClauses lists, once each, the enterprise and clause of every
// application in scope that left the draft stage.
func (tx *Tx) AppliedClauses(s ReportScope) ([]AppliedClause, error) {
	cond, args := tx.where(s)
	q := `SELECT DISTINCT a.enterprise, a.clause FROM applications a WHERE a.status <> 'draft' AND ` + cond
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AppliedClause
	for rows.Next() {
		var c AppliedClause
		if err := rows.Scan(&c.Enterprise, &c.Clause); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
