package sqldb

import (
	"context"
	"database/sql"
	"errors"

	"github.com/etown/duixian"
	"github.com/etown/duixian/audit"
)

// The audit chain is stored in two tables: audit (seq, subject, format,
// doc), one row per entry in the format of package audit, and audit_head
// (one row: the last entry's seq and hash), which appends lock and which
// Verify checks the chain's end against.
//
// Migration 4 rebuilt the audit table with the format column, and with it
// came the hash rule of format 2. It rewrote no hash: the entries written
// before it are format 1, keep their hashes and are verified by the rule
// they were sealed with; the first format-2 entry chains on from the last
// format-1 hash. Sealing the old rows again under the new rule was the
// other way, and the worse one: it would compute fresh, valid hashes over
// whatever the table held on the day of the upgrade, so a row altered or
// deleted before it would be laundered, and a head hash copied out earlier
// (a printout, a report) would no longer match the chain it was taken
// from. Keeping format 1 costs one small function in package audit, kept
// for good.

// Audit appends an entry to the chain, in this transaction: the state
// change and its record commit together or not at all.
func (tx *Tx) Audit(e duixian.AuditEntry) error {
	var seq int64
	var prev string
	if err := tx.row(`SELECT seq, hash FROM audit_head WHERE id = 1`+tx.forUpdate(true)).Scan(&seq, &prev); err != nil {
		return err
	}
	e.Seq = seq + 1
	r := audit.Seal(prev, &e)
	if _, err := tx.exec(`INSERT INTO audit (seq, subject, format, doc) VALUES (?, ?, ?, ?)`, r.Seq, r.Subject, r.Format, r.Doc); err != nil {
		return err
	}
	_, err := tx.exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, e.Seq, e.Hash)
	return err
}

// AuditLog lists the entries about subject ("" for all), in order.
func (tx *Tx) AuditLog(subject string) ([]duixian.AuditEntry, error) {
	q, args := `SELECT seq, subject, format, doc FROM audit ORDER BY seq`, []any{}
	if subject != "" {
		q, args = `SELECT seq, subject, format, doc FROM audit WHERE subject = ? ORDER BY seq`, []any{subject}
	}
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []duixian.AuditEntry
	for rows.Next() {
		var r audit.Row
		if err := rows.Scan(&r.Seq, &r.Subject, &r.Format, &r.Doc); err != nil {
			return nil, err
		}
		e, err := audit.Decode(r)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// VerifyAudit walks the whole chain and checks its end against the head.
// It returns how many entries verified and, if the chain is broken, an
// *audit.Break naming the first broken entry.
//
// The head and the rows are read in one read-only transaction, at one
// snapshot (REPEATABLE READ on PostgreSQL; on SQLite a deferred BEGIN,
// whose snapshot in WAL mode is taken at the first read), so an entry
// appended meanwhile is not mistaken for one past the head, nor a head
// moved meanwhile for a cut tail; and writers do not wait for the walk.
func (s *DB) VerifyAudit(ctx context.Context) (int64, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	var head audit.Head
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, duixian.Errorf(duixian.EINTERNAL, "audit_head", "审计日志链头记录缺失，无法确认末尾的记录未被删除", "the audit chain's head row is missing, so it cannot be told whether entries were cut off its end")
	}
	if err != nil {
		return 0, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, subject, format, doc FROM audit ORDER BY seq`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	return audit.Verify(head, func() (audit.Row, bool, error) {
		var r audit.Row
		if !rows.Next() {
			return r, false, rows.Err()
		}
		return r, true, rows.Scan(&r.Seq, &r.Subject, &r.Format, &r.Doc)
	})
}
