package sqldb

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/etown/duixian"
)

// The reports' queries (package reports). An application's amounts and
// opinions live in its JSON document, several kilobytes with the engine's
// traces; reading every document costs more than a page view may (100 ms
// for 10,000 on SQLite before any JSON is parsed). So the reports read
// every application's summary once, then only those the audit log names
// as changed since: every change is audited in its own transaction, with
// the application or the enterprise as subject.

// ReportVersion is the sequence number of the audit chain's last entry: it
// moves with every change.
func (tx *Tx) ReportVersion() (int64, error) {
	var seq int64
	err := tx.row(`SELECT COALESCE(MAX(seq), 0) FROM audit`).Scan(&seq)
	return seq, err
}

// ChangedSince lists, once each, the subjects of the audit entries after
// seq: the applications, enterprises and other things changed since.
func (tx *Tx) ChangedSince(seq int64) ([]string, error) {
	// Not DISTINCT: SQLite would then walk the subject index whole rather
	// than the few entries after seq.
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(`SELECT subject FROM audit WHERE seq > ?`), seq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	seen := map[string]bool{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out, rows.Err()
}

// ApplicationCount counts the applications. A report's picture of them
// that holds a different number missed a change the audit log does not
// name, and is read again.
func (tx *Tx) ApplicationCount() (int, error) {
	var n int
	err := tx.row(`SELECT COUNT(*) FROM applications`).Scan(&n)
	return n, err
}

// ApplicationsByStatus counts the applications in each status (the
// queues, for the metrics): one grouped count on the status index.
func (tx *Tx) ApplicationsByStatus() (map[duixian.Status]int, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT status, COUNT(*) FROM applications GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[duixian.Status]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[duixian.Status(st)] = n
	}
	return out, rows.Err()
}

// EnterprisesVersion changes whenever an enterprise's file is added or
// changed: a file's version rises with every write (PutEnterprise), so the
// count and the sum of versions never come back to a value they had.
type EnterprisesVersion struct {
	Count, Versions int64
}

// EnterprisesVersion reads the registry's version.
func (tx *Tx) EnterprisesVersion() (EnterprisesVersion, error) {
	var v EnterprisesVersion
	sum := `COALESCE(SUM(version), 0)`
	if tx.dialect == Postgres {
		sum += `::bigint` // SUM of bigint is numeric
	}
	err := tx.row(`SELECT COUNT(*), `+sum+` FROM enterprises`).Scan(&v.Count, &v.Versions)
	return v, err
}

// ApplicationSummary is what the reports count of an application.
type ApplicationSummary struct {
	ID, Enterprise, Clause string
	Status                 duixian.Status
	Approved               duixian.Money
	Paid                   duixian.Money // the payments made
	Clawback               duixian.Money
	Consulted              []string // the departments asked for an opinion
	// ApprovedAt is, for an application approved, paying or paid, when
	// the last entry of the audit log about it whose action is approve was
	// written (RFC 3339); "" if there is none, and for any other status.
	ApprovedAt string
}

// summaryChunk bounds the ids of one statement.
const summaryChunk = 500

// ApplicationSummaries reads the summaries of the applications named, or
// of every application when ids is nil: one statement for all, or one per
// 500 ids. An id that is not an application is skipped. The time of
// approval comes from the audit log in the same statement: its entries
// about the approved applications (by the subject index, not the whole
// log), the last approve entry per application.
func (tx *Tx) ApplicationSummaries(ids []string) ([]ApplicationSummary, error) {
	if ids == nil {
		return tx.summaries(nil)
	}
	var out []ApplicationSummary
	for start := 0; start < len(ids); start += summaryChunk {
		part, err := tx.summaries(ids[start:min(start+summaryChunk, len(ids))])
		if err != nil {
			return nil, err
		}
		out = append(out, part...)
	}
	return out, nil
}

func (tx *Tx) summaries(ids []string) ([]ApplicationSummary, error) {
	in, args := "", []any{}
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		in = "(" + strings.TrimSuffix(strings.Repeat("?, ", len(ids)), ", ") + ")"
		for _, id := range ids {
			args = append(args, id)
		}
		if tx.dialect == SQLite {
			args = append(args, args...) // once for the approvals, once for the applications
		}
	}
	// The payments and the opinions come out as JSON and are added up
	// here: SQLite parses a document once for several -> in one row, but
	// again for each json_each.
	var q string
	if tx.dialect == Postgres {
		q = `WITH a AS (SELECT id, enterprise, clause, status, doc::jsonb AS j FROM applications` + reportWhere("id", in) + `),
			last AS (SELECT y.subject, MAX(y.seq) AS seq FROM a JOIN audit y ON y.subject = a.id
				WHERE a.status IN ('approved', 'paying', 'paid') AND y.doc::jsonb ->> 'action' = 'approve' GROUP BY y.subject)
			SELECT a.id, a.enterprise, a.clause, a.status, COALESCE((a.j ->> 'approved_fen')::bigint, 0),
				COALESCE((a.j ->> 'clawback_fen')::bigint, 0), COALESCE(a.j -> 'payments', '[]')::text,
				COALESCE(a.j -> 'opinions', '[]')::text, COALESCE(x.doc::jsonb ->> 'at', '')
			FROM a LEFT JOIN last ON last.subject = a.id LEFT JOIN audit x ON x.seq = last.seq`
	} else {
		q = `WITH last AS (SELECT y.subject, MAX(y.seq) AS seq FROM applications a JOIN audit y ON y.subject = a.id
				WHERE a.status IN ('approved', 'paying', 'paid')` + reportAnd("a.id", in) + ` AND y.doc ->> '$.action' = 'approve'
				GROUP BY y.subject)
			SELECT a.id, a.enterprise, a.clause, a.status, COALESCE(a.doc ->> '$.approved_fen', 0),
				COALESCE(a.doc ->> '$.clawback_fen', 0), COALESCE(a.doc -> '$.payments', '[]'),
				COALESCE(a.doc -> '$.opinions', '[]'), COALESCE(x.doc ->> '$.at', '')
			FROM applications a LEFT JOIN last ON last.subject = a.id LEFT JOIN audit x ON x.seq = last.seq` + reportWhere("a.id", in)
	}
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ApplicationSummary
	for rows.Next() {
		var s ApplicationSummary
		var status string
		var payments, opinions []byte
		if err := rows.Scan(&s.ID, &s.Enterprise, &s.Clause, &status, &s.Approved, &s.Clawback, &payments, &opinions, &s.ApprovedAt); err != nil {
			return nil, err
		}
		s.Status = duixian.Status(status)
		var paid []struct {
			Amount duixian.Money `json:"amount_fen"`
		}
		var asked []struct {
			Department string `json:"department"`
		}
		if err := json.Unmarshal(payments, &paid); err != nil {
			return nil, fmt.Errorf("application %s: payments: %w", s.ID, err)
		}
		if err := json.Unmarshal(opinions, &asked); err != nil {
			return nil, fmt.Errorf("application %s: opinions: %w", s.ID, err)
		}
		for _, p := range paid {
			s.Paid += p.Amount
		}
		for _, o := range asked {
			s.Consulted = append(s.Consulted, o.Department)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func reportWhere(col, in string) string {
	if in == "" {
		return ""
	}
	return " WHERE " + col + " IN " + in
}

func reportAnd(col, in string) string {
	if in == "" {
		return ""
	}
	return " AND " + col + " IN " + in
}

// EnterprisesIn reads the files of the enterprises named, one statement per
// 500 names, by USCC; a name that is not an enterprise is skipped.
func (tx *Tx) EnterprisesIn(usccs []string) ([]*duixian.Enterprise, error) {
	var out []*duixian.Enterprise
	for start := 0; start < len(usccs); start += summaryChunk {
		part := usccs[start:min(start+summaryChunk, len(usccs))]
		args := make([]any, len(part))
		for i, u := range part {
			args[i] = u
		}
		q := `SELECT doc FROM enterprises WHERE uscc IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + `)`
		rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var doc string
			var e duixian.Enterprise
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return nil, err
			}
			if err := json.Unmarshal([]byte(doc), &e); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, &e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	slices.SortFunc(out, func(a, b *duixian.Enterprise) int { return strings.Compare(a.USCC, b.USCC) })
	return out, nil
}
