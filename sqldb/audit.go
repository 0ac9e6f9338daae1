package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"

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
	return tx.AuditAll([]duixian.AuditEntry{e})
}

// AuditAll appends entries to the chain in the order given, each sealed on
// the one before (it sets their Seq, Prev and Hash), with the head locked
// and moved once: a batch of a registry load is a few statements, not
// three an entry.
func (tx *Tx) AuditAll(es []duixian.AuditEntry) error {
	if len(es) == 0 {
		return nil
	}
	var seq int64
	var prev string
	if err := tx.row(`SELECT seq, hash FROM audit_head WHERE id = 1`+tx.forUpdate(true)).Scan(&seq, &prev); err != nil {
		return err
	}
	const rows = 500 // 4 parameters a row: far below either store's limit
	for start := 0; start < len(es); start += rows {
		part := es[start:min(start+rows, len(es))]
		var q strings.Builder
		args := make([]any, 0, 4*len(part))
		q.WriteString(`INSERT INTO audit (seq, subject, format, doc) VALUES `)
		for i := range part {
			e := &part[i]
			seq++
			e.Seq = seq
			r := audit.Seal(prev, e)
			prev = e.Hash
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			args = append(args, r.Seq, r.Subject, r.Format, r.Doc)
		}
		if _, err := tx.exec(q.String(), args...); err != nil {
			return err
		}
	}
	_, err := tx.exec(`UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, seq, prev)
	return err
}

// AuditLog lists the entries about subject ("" for all), in order.
func (tx *Tx) AuditLog(subject string) ([]duixian.AuditEntry, error) {
	return tx.AuditEntries(AuditFilter{Subject: subject})
}

// AuditFilter selects entries of the audit log: about Subject ("" for
// all), oldest first from after the entry numbered Cursor, or with Newest
// the newest first from before it (0: from the end); at most Limit (0:
// all).
type AuditFilter struct {
	Subject string
	Newest  bool
	Cursor  int64
	Limit   int
}

// AuditEntries lists the entries f selects.
func (tx *Tx) AuditEntries(f AuditFilter) ([]duixian.AuditEntry, error) {
	q, args := `SELECT seq, subject, format, doc FROM audit WHERE 1 = 1`, []any{}
	if f.Subject != "" {
		q += ` AND subject = ?`
		args = append(args, f.Subject)
	}
	switch {
	case f.Newest && f.Cursor > 0:
		q += ` AND seq < ?`
		args = append(args, f.Cursor)
	case !f.Newest && f.Cursor > 0:
		q += ` AND seq > ?`
		args = append(args, f.Cursor)
	}
	if f.Newest {
		q += ` ORDER BY seq DESC`
	} else {
		q += ` ORDER BY seq`
	}
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
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

// AuditCount counts the entries about subject ("" for all: the head's
// number, the entries being numbered without gaps).
func (tx *Tx) AuditCount(subject string) (int64, error) {
	var n int64
	if subject == "" {
		return n, tx.row(`SELECT seq FROM audit_head WHERE id = 1`).Scan(&n)
	}
	return n, tx.row(`SELECT COUNT(*) FROM audit WHERE subject = ?`, subject).Scan(&n)
}

// VerifyAudit walks the whole chain and checks its end against the head.
// It returns how many entries verified and, if the chain is broken, an
// *audit.Break naming the first broken entry.
func (s *DB) VerifyAudit(ctx context.Context) (int64, error) {
	m, _, err := s.VerifyAuditFrom(ctx, audit.Start)
	return m.Seq, err
}

// VerifyAuditFrom checks the chain from a mark an earlier walk reached: the
// entries appended since, their link to it, and the end against the head.
// It returns the mark reached and how many entries it read. When the head
// is behind the mark, or at it with another hash, the entries the mark
// covered were changed or cut: the whole chain is walked again, and the
// break found where it is.
//
// The head and the rows are read in one read-only transaction, at one
// snapshot (REPEATABLE READ on PostgreSQL; on SQLite a deferred BEGIN,
// whose snapshot in WAL mode is taken at the first read), so an entry
// appended meanwhile is not mistaken for one past the head, nor a head
// moved meanwhile for a cut tail; and writers do not wait for the walk.
func (s *DB) VerifyAuditFrom(ctx context.Context, from audit.Mark) (audit.Mark, int64, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return from, 0, err
	}
	defer tx.Rollback()
	var head audit.Head
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&head.Seq, &head.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return audit.Mark{}, 0, duixian.Errorf(duixian.EINTERNAL, "audit_head", "审计日志链头记录缺失，无法确认末尾的记录未被删除", "the audit chain's head row is missing, so it cannot be told whether entries were cut off its end")
	}
	if err != nil {
		return from, 0, err
	}
	if head.Seq < from.Seq || head.Seq == from.Seq && head.Hash != from.Hash || from.Hash == "" {
		from = audit.Start
	}
	rows, err := tx.QueryContext(ctx, (&Tx{dialect: s.dialect}).rebind(`SELECT seq, subject, format, doc FROM audit WHERE seq > ? ORDER BY seq`), from.Seq)
	if err != nil {
		return from, 0, err
	}
	defer rows.Close()
	var read int64
	m, err := audit.VerifyFrom(from, head, func() (audit.Row, bool, error) {
		var r audit.Row
		if !rows.Next() {
			return r, false, rows.Err()
		}
		read++
		return r, true, rows.Scan(&r.Seq, &r.Subject, &r.Format, &r.Doc)
	})
	return m, read, err
}
