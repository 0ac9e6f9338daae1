// Package sqldb stores the workflow in a SQL database: applications, the
// award ledger, enterprises, the audit chain, idempotency records and
// attachment bytes. One schema and one set of statements serve SQLite and
// PostgreSQL; packages sqlite and postgres open a connection and hand it here.
//
// Every write happens inside Tx. On SQLite a write transaction starts with
// BEGIN IMMEDIATE, so writers queue instead of failing midway; on PostgreSQL
// the rows a decision depends on are locked (SELECT … FOR UPDATE), and
// appending to the audit chain locks its head, so concurrent transactions —
// from one process or several — see each other's effects in order.
package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/audit"
)

// Dialect is the SQL flavour.
type Dialect int

const (
	SQLite Dialect = iota + 1
	Postgres
)

// DB is an open store.
type DB struct {
	db      *sql.DB
	reader  *sql.DB // Read's pool: see read.go
	dialect Dialect
	// Retryable reports errors after which a transaction is run again
	// (PostgreSQL serialization failures and deadlocks).
	Retryable func(error) bool
}

// Open migrates db to the current schema and returns the store.
func Open(ctx context.Context, db *sql.DB, d Dialect) (*DB, error) {
	s := &DB{db: db, dialect: d, Retryable: func(error) bool { return false }}
	if err := s.migrate(ctx); err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	return s, nil
}

// Rebind writes q's ? placeholders as the dialect wants them (tools and
// tests that write SQL of their own).
func (s *DB) Rebind(q string) string { return (&Tx{dialect: s.dialect}).rebind(q) }

// Dialect is the store's SQL flavour.
func (s *DB) Dialect() Dialect { return s.dialect }

// SQL returns the connection, for tests and tools.
func (s *DB) SQL() *sql.DB { return s.db }

// Close closes the connections.
func (s *DB) Close() error {
	if s.reader != nil {
		s.reader.Close()
	}
	return s.db.Close()
}

// migrations are applied in order, once each; a deployed migration is never
// edited, only followed by a new one.
var migrations = []string{
	`CREATE TABLE enterprises (
		uscc TEXT PRIMARY KEY,
		doc TEXT NOT NULL,
		version INTEGER NOT NULL
	);
	CREATE TABLE applications (
		id TEXT PRIMARY KEY,
		enterprise TEXT NOT NULL,
		clause TEXT NOT NULL,
		year INTEGER NOT NULL,
		status TEXT NOT NULL,
		doc TEXT NOT NULL,
		version INTEGER NOT NULL,
		updated TEXT NOT NULL
	);
	CREATE INDEX applications_enterprise ON applications (enterprise, year);
	CREATE INDEX applications_status ON applications (status, clause);
	CREATE TABLE awards (
		application TEXT PRIMARY KEY,
		enterprise TEXT NOT NULL,
		clause TEXT NOT NULL,
		year INTEGER NOT NULL,
		doc TEXT NOT NULL
	);
	CREATE INDEX awards_enterprise ON awards (enterprise, year);
	CREATE TABLE audit (
		seq BIGINT PRIMARY KEY,
		subject TEXT NOT NULL,
		doc TEXT NOT NULL
	);
	CREATE INDEX audit_subject ON audit (subject);
	CREATE TABLE audit_head (
		id INTEGER PRIMARY KEY,
		seq BIGINT NOT NULL,
		hash TEXT NOT NULL
	);
	INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '` + audit.Genesis + `');
	CREATE TABLE idempotency (
		key TEXT PRIMARY KEY,
		request_hash TEXT NOT NULL,
		response TEXT NOT NULL,
		created TEXT NOT NULL
	);
	CREATE TABLE attachments (
		sha256 TEXT PRIMARY KEY,
		data BYTEA NOT NULL
	);`,
	`CREATE TABLE users (
		name TEXT PRIMARY KEY,
		doc TEXT NOT NULL
	);
	CREATE TABLE sessions (
		token_hash TEXT PRIMARY KEY,
		doc TEXT NOT NULL
	);`,
	`CREATE TABLE records (
		kind TEXT NOT NULL,
		id TEXT NOT NULL,
		subject TEXT NOT NULL,
		doc TEXT NOT NULL,
		version INTEGER NOT NULL,
		PRIMARY KEY (kind, id)
	);
	CREATE INDEX records_subject ON records (kind, subject);`,
	// Audit rows say which hash rule they follow; those written so far keep
	// theirs, format 1 (sqldb/audit.go says why). The table is rebuilt, not
	// given a column with a default, so that an older binary run on a
	// migrated store fails to write rather than append rows of the old format.
	`CREATE TABLE audit_v2 (
		seq BIGINT PRIMARY KEY,
		subject TEXT NOT NULL,
		format INTEGER NOT NULL,
		doc TEXT NOT NULL
	);
	INSERT INTO audit_v2 (seq, subject, format, doc) SELECT seq, subject, 1, doc FROM audit;
	DROP TABLE audit;
	ALTER TABLE audit_v2 RENAME TO audit;
	CREATE INDEX audit_subject ON audit (subject);`,
	// A session names its user in a column, so that a password change, a
	// reset or a disabled account ends the user's sessions at once.
	// Sessions made before have '' and are ended by their lifetime.
	`ALTER TABLE sessions ADD COLUMN owner TEXT NOT NULL DEFAULT '';
	CREATE INDEX sessions_owner ON sessions (owner);`,
	// Lists are ordered, and paged, by the time an application was last
	// changed; migrationCode[6] rewrites the times stored before in one
	// form (Stamp).
	`CREATE INDEX applications_updated ON applications (updated, id)`,
	// Who besides the department takes part in a case — the experts
	// assigned, the departments asked for an opinion — so that their
	// lists are selected, and paged, in the statement;
	// migrationCode[7] fills it for the applications stored before.
	`ALTER TABLE applications ADD COLUMN parties TEXT NOT NULL DEFAULT ''`,
	// Every user's inbox (sqldb/notifications.go), read a page at a time
	// by the audit entry it tells of, with its unread count by index. The
	// notifier reads the audit log after a cursor (package notify), which
	// starts at the head: the entries written before notifications existed
	// are not told again.
	`CREATE TABLE notifications (
		id TEXT PRIMARY KEY,
		recipient TEXT NOT NULL,
		seq BIGINT NOT NULL,
		read_at TEXT NOT NULL DEFAULT '',
		doc TEXT NOT NULL
	);
	CREATE INDEX notifications_recipient ON notifications (recipient, seq);
	CREATE INDEX notifications_unread ON notifications (recipient, read_at);
	INSERT INTO records (kind, id, subject, doc, version)
		SELECT 'notify-cursor', 'audit', '', '{"seq":' || seq || '}', 1 FROM audit_head WHERE id = 1`,
}

// migrationCode is what a migration does beside its SQL, in its
// transaction, where one statement cannot say it the same way on both
// stores; keyed by the migration's number (its index in migrations + 1).
var migrationCode = map[int]func(*Tx) error{
	6: restamp,
	7: fillParties,
}

func (s *DB) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)`); err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Tx) error {
		var done int
		if err := tx.row(`SELECT COUNT(*) FROM schema_migrations`).Scan(&done); err != nil {
			return err
		}
		for v := done; v < len(migrations); v++ {
			for _, stmt := range strings.Split(migrations[v], ";") {
				if strings.TrimSpace(stmt) == "" {
					continue
				}
				if s.dialect == SQLite {
					stmt = strings.ReplaceAll(stmt, "BYTEA", "BLOB")
				}
				if _, err := tx.tx.ExecContext(ctx, stmt); err != nil {
					return fmt.Errorf("migration %d: %w", v+1, err)
				}
			}
			if code := migrationCode[v+1]; code != nil {
				if err := code(tx); err != nil {
					return fmt.Errorf("migration %d: %w", v+1, err)
				}
			}
			if _, err := tx.exec(`INSERT INTO schema_migrations (version) VALUES (?)`, v+1); err != nil {
				return err
			}
		}
		return nil
	})
}

// Tx runs fn in a transaction and commits it, or rolls it back if fn fails.
// A transaction the database aborted to resolve contention is run again.
func (s *DB) Tx(ctx context.Context, fn func(*Tx) error) error {
	var err error
	for attempt := 0; attempt < 10; attempt++ {
		if err = s.tryTx(ctx, fn); err == nil || !s.Retryable(err) {
			return err
		}
		time.Sleep(time.Duration(attempt+1) * 5 * time.Millisecond)
	}
	return err
}

func (s *DB) tryTx(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	tx := &Tx{ctx: ctx, tx: sqlTx, dialect: s.dialect}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	return sqlTx.Commit()
}

// Tx is an open transaction.
type Tx struct {
	ctx      context.Context
	tx       *sql.Tx
	dialect  Dialect
	readOnly bool // a Read: nothing to lock
}

// rebind turns ? placeholders into $1, $2 … for PostgreSQL.
func (tx *Tx) rebind(q string) string {
	if tx.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (tx *Tx) exec(q string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(tx.ctx, tx.rebind(q), args...)
}

func (tx *Tx) row(q string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(tx.ctx, tx.rebind(q), args...)
}

// forUpdate locks the selected rows on PostgreSQL; SQLite's write
// transaction already holds the database, and a Read changes nothing.
func (tx *Tx) forUpdate(lock bool) string {
	if lock && tx.dialect == Postgres && !tx.readOnly {
		return " FOR UPDATE"
	}
	return ""
}

func notFound(what, id string) error {
	return duixian.Errorf(duixian.ENOTFOUND, what, "没有%s %s", "no %s %s", what, id)
}

// Application reads an application; lock holds it until the transaction ends.
func (tx *Tx) Application(id string, lock bool) (*duixian.Application, error) {
	var doc string
	err := tx.row(`SELECT doc FROM applications WHERE id = ?`+tx.forUpdate(lock), id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("application", id)
	}
	if err != nil {
		return nil, err
	}
	var a duixian.Application
	return &a, json.Unmarshal([]byte(doc), &a)
}

// PutApplication inserts a new application (Version 0) or updates one,
// failing if someone else updated it since it was read.
func (tx *Tx) PutApplication(a *duixian.Application) error {
	a.Version++
	doc, err := json.Marshal(a)
	if err != nil {
		return err
	}
	updated, parties := Stamp(a.Updated), partiesOf(a)
	if a.Version == 1 {
		_, err = tx.exec(`INSERT INTO applications (id, enterprise, clause, year, status, doc, version, updated, parties) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.ID, a.Enterprise, a.Clause, a.Year, string(a.Status), string(doc), a.Version, updated, parties)
		return err
	}
	res, err := tx.exec(`UPDATE applications SET status = ?, doc = ?, version = ?, updated = ?, parties = ? WHERE id = ? AND version = ?`,
		string(a.Status), string(doc), a.Version, updated, parties, a.ID, a.Version-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return duixian.Errorf(duixian.ECONFLICT, "application", "申报 %s 已被他人修改，请刷新后重试", "application %s was changed by someone else; reload and retry", a.ID)
	}
	return nil
}

// ApplicationFilter selects applications for a list.
type ApplicationFilter struct {
	Enterprise string
	Status     duixian.Status
	Clauses    []string // any of these clauses; empty for all
	// NoDrafts leaves drafts out: they are their enterprise's alone.
	NoDrafts bool
	// Expert: only those assigned to this expert (a sign-in name).
	Expert string
	// Consulted: only those this department was asked to give an opinion on.
	Consulted string
	// Answered: only those this department gave its opinion on.
	Answered string
	// Awaiting: only those whose opinion was asked of this department and
	// not yet given.
	Awaiting string
	// Search: only those whose id or enterprise's USCC begins with it, or
	// whose enterprise's name or project contains it.
	Search string
	// Year: only those of this year of the award (0 for any).
	Year int
	// Oldest lists the longest unchanged first (a queue worked in the
	// order it came), instead of the newest.
	Oldest bool
	// After continues the list after a cursor (Cursor of the last one
	// read); "" starts at the newest (with Oldest, the oldest).
	After string
	Limit int
}

// Applications lists applications, newest first (the last changed), or
// oldest first, and by id among those changed at once; a page at a time
// with Limit and After.
func (tx *Tx) Applications(f ApplicationFilter) ([]*duixian.Application, error) {
	q := `SELECT doc FROM applications WHERE 1 = 1`
	var args []any
	if f.Enterprise != "" {
		q += ` AND enterprise = ?`
		args = append(args, f.Enterprise)
	}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	if f.NoDrafts {
		q += ` AND status <> 'draft'`
	}
	if f.Expert != "" {
		q += ` AND parties LIKE ? ESCAPE '\'`
		args = append(args, partyPattern(expertParty(f.Expert)))
	}
	if f.Consulted != "" {
		q += ` AND parties LIKE ? ESCAPE '\'`
		args = append(args, partyPattern(consultedParty(f.Consulted)))
	}
	if f.Answered != "" {
		q += ` AND parties LIKE ? ESCAPE '\'`
		args = append(args, partyPattern(answeredParty(f.Answered)))
	}
	if f.Awaiting != "" {
		q += ` AND parties LIKE ? ESCAPE '\' AND parties NOT LIKE ? ESCAPE '\'`
		args = append(args, partyPattern(consultedParty(f.Awaiting)), partyPattern(answeredParty(f.Awaiting)))
	}
	if f.Year != 0 {
		q += ` AND year = ?`
		args = append(args, f.Year)
	}
	if text := strings.TrimSpace(f.Search); text != "" {
		like := likeEscape(text)
		q += ` AND (id LIKE ? ESCAPE '\' OR enterprise LIKE ? ESCAPE '\' OR ` + tx.jsonText("doc", "project") + ` LIKE ? ESCAPE '\'
			OR enterprise IN (SELECT uscc FROM enterprises WHERE ` + tx.jsonText("doc", "name") + ` LIKE ? ESCAPE '\'))`
		upper := strings.ToUpper(like)
		args = append(args, upper+"%", upper+"%", "%"+like+"%", "%"+like+"%")
	}
	if f.After != "" {
		stamp, id, err := uncursor(f.After)
		if err != nil {
			return nil, err
		}
		if f.Oldest {
			q += ` AND (updated > ? OR updated = ? AND id > ?)`
		} else {
			q += ` AND (updated < ? OR updated = ? AND id > ?)`
		}
		args = append(args, stamp, stamp, id)
	}
	if len(f.Clauses) > 0 {
		q += ` AND clause IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(f.Clauses)), ", ") + `)`
		for _, c := range f.Clauses {
			args = append(args, c)
		}
	}
	if f.Oldest {
		q += ` ORDER BY updated, id`
	} else {
		q += ` ORDER BY updated DESC, id`
	}
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*duixian.Application
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		var a duixian.Application
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return nil, err
		}
		out = append(out, &a)
	}
	return out, rows.Err()
}

// jsonText is the text of a key of a JSON document in column col, in the
// store's own JSON operator.
func (tx *Tx) jsonText(col, key string) string {
	if tx.dialect == Postgres {
		return col + "::jsonb ->> '" + key + "'"
	}
	return col + " ->> '$." + key + "'"
}

// Enterprise reads an enterprise's file; lock serialises decisions about it
// (two approvals for one enterprise cannot both pass a cap check).
func (tx *Tx) Enterprise(uscc string, lock bool) (*duixian.Enterprise, error) {
	var doc string
	err := tx.row(`SELECT doc FROM enterprises WHERE uscc = ?`+tx.forUpdate(lock), uscc).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("enterprise", uscc)
	}
	if err != nil {
		return nil, err
	}
	var e duixian.Enterprise
	return &e, json.Unmarshal([]byte(doc), &e)
}

// LockEnterprise takes the enterprise's row lock without reading it.
func (tx *Tx) LockEnterprise(uscc string) error {
	if tx.dialect != Postgres {
		return nil
	}
	var x string
	err := tx.row(`SELECT uscc FROM enterprises WHERE uscc = ? FOR UPDATE`, uscc).Scan(&x)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("enterprise", uscc)
	}
	return err
}

// Enterprises lists every enterprise's file, by USCC.
func (tx *Tx) Enterprises() ([]*duixian.Enterprise, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT doc FROM enterprises ORDER BY uscc`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*duixian.Enterprise
	for rows.Next() {
		var doc string
		var e duixian.Enterprise
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return nil, err
		}
		out = append(out, &e)
	}
	return out, rows.Err()
}

// PutEnterprise inserts or updates an enterprise's file.
func (tx *Tx) PutEnterprise(e *duixian.Enterprise) error {
	e.Version++
	doc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if e.Version == 1 {
		_, err = tx.exec(`INSERT INTO enterprises (uscc, doc, version) VALUES (?, ?, ?)`, e.USCC, string(doc), e.Version)
		return err
	}
	res, err := tx.exec(`UPDATE enterprises SET doc = ?, version = ? WHERE uscc = ? AND version = ?`, string(doc), e.Version, e.USCC, e.Version-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return duixian.Errorf(duixian.ECONFLICT, "enterprise", "企业档案 %s 已被他人修改", "enterprise %s was changed by someone else", e.USCC)
	}
	return nil
}

// AddEnterprises inserts the enterprises not yet on file, at version 1,
// and returns those it inserted, in the order given; one on file is left
// as it is. It says in one statement per few hundred what PutEnterprise
// says one by one, since a registry of a million is loaded this way
// (registry.Write).
func (tx *Tx) AddEnterprises(es []duixian.Enterprise) ([]duixian.Enterprise, error) {
	const rows = 500 // 3 parameters a row: far below either store's limit
	added := make(map[string]bool, len(es))
	for start := 0; start < len(es); start += rows {
		part := es[start:min(start+rows, len(es))]
		var q strings.Builder
		args := make([]any, 0, 3*len(part))
		q.WriteString(tx.insertIgnoring() + ` INTO enterprises (uscc, doc, version) VALUES `)
		for i, e := range part {
			e.Version = 1
			doc, err := json.Marshal(e)
			if err != nil {
				return nil, err
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?)")
			args = append(args, e.USCC, string(doc), e.Version)
		}
		q.WriteString(tx.onConflictNothing(`uscc`) + ` RETURNING uscc`)
		res, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q.String()), args...)
		if err != nil {
			return nil, err
		}
		for res.Next() {
			var uscc string
			if err := res.Scan(&uscc); err != nil {
				res.Close()
				return nil, err
			}
			added[uscc] = true
		}
		if err := res.Close(); err != nil {
			return nil, err
		}
		if err := res.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]duixian.Enterprise, 0, len(added))
	for _, e := range es {
		if added[e.USCC] {
			e.Version = 1
			out = append(out, e)
			delete(added, e.USCC) // a USCC given twice was inserted once
		}
	}
	return out, nil
}

// insertIgnoring and onConflictNothing say "insert, skipping the rows
// whose key is on file". On SQLite, INSERT OR IGNORE: a statement that
// cannot abort halfway keeps no statement journal, and a multi-row INSERT
// ... ON CONFLICT DO NOTHING can (a NOT NULL column), so it copies every
// index page it is about to touch, the USCC index's pages scattered at
// random, before it changes it — most of the cost of a registry load of a
// million (docs/performance.md). OR IGNORE would also skip a row with a
// NULL where NOT NULL is declared; AddEnterprises binds none.
func (tx *Tx) insertIgnoring() string {
	if tx.dialect == SQLite {
		return `INSERT OR IGNORE`
	}
	return `INSERT`
}

func (tx *Tx) onConflictNothing(key string) string {
	if tx.dialect == SQLite {
		return ``
	}
	return ` ON CONFLICT (` + key + `) DO NOTHING`
}

// Awards lists an enterprise's ledger for a year, revoked ones included.
func (tx *Tx) Awards(enterprise string, year int) ([]duixian.Award, error) {
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(`SELECT doc FROM awards WHERE enterprise = ? AND year = ? ORDER BY application`), enterprise, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []duixian.Award
	for rows.Next() {
		var doc string
		var a duixian.Award
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// PutAward writes a ledger line (insert or replace).
func (tx *Tx) PutAward(a duixian.Award) error {
	doc, err := json.Marshal(a)
	if err != nil {
		return err
	}
	res, err := tx.exec(`UPDATE awards SET doc = ? WHERE application = ?`, string(doc), a.Application)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	_, err = tx.exec(`INSERT INTO awards (application, enterprise, clause, year, doc) VALUES (?, ?, ?, ?, ?)`, a.Application, a.Enterprise, a.Clause, a.Year, string(doc))
	return err
}

// Idempotency returns the stored response for key, if any, and the hash of
// the request that produced it.
func (tx *Tx) Idempotency(key string) (requestHash, response string, found bool, err error) {
	err = tx.row(`SELECT request_hash, response FROM idempotency WHERE key = ?`, key).Scan(&requestHash, &response)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", false, nil
	}
	return requestHash, response, err == nil, err
}

// PutIdempotency records the response to a request with key.
func (tx *Tx) PutIdempotency(key, requestHash, response string, at time.Time) error {
	_, err := tx.exec(`INSERT INTO idempotency (key, request_hash, response, created) VALUES (?, ?, ?, ?)`, key, requestHash, response, Stamp(at))
	return err
}

// User reads a user by sign-in name.
func (tx *Tx) User(name string) (*duixian.User, error) {
	var doc string
	err := tx.row(`SELECT doc FROM users WHERE name = ?`+tx.forUpdate(true), name).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", name)
	}
	if err != nil {
		return nil, err
	}
	var u duixian.User
	return &u, json.Unmarshal([]byte(doc), &u)
}

// UsersIn reads the users named, one statement per 500 names, by name; a
// name that is not a user is skipped.
func (tx *Tx) UsersIn(names []string) ([]duixian.User, error) {
	var out []duixian.User
	for start := 0; start < len(names); start += summaryChunk {
		part := names[start:min(start+summaryChunk, len(names))]
		args := make([]any, len(part))
		for i, n := range part {
			args[i] = n
		}
		q := `SELECT doc FROM users WHERE name IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ") + `) ORDER BY name`
		rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var doc string
			var u duixian.User
			if err := rows.Scan(&doc); err != nil {
				rows.Close()
				return nil, err
			}
			if err := json.Unmarshal([]byte(doc), &u); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, u)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutUser inserts or replaces a user.
func (tx *Tx) PutUser(u *duixian.User) error {
	return tx.upsert(`users`, `name`, u.Name, u)
}

// Users lists every user, by name.
func (tx *Tx) Users() ([]duixian.User, error) { return tx.UserPage(0, 0) }

// UserCount is how many users there are.
func (tx *Tx) UserCount() (int, error) {
	var n int
	err := tx.row(`SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// UserPage lists limit users (0: all) by name, after skipping offset.
func (tx *Tx) UserPage(offset, limit int) ([]duixian.User, error) {
	q := `SELECT doc FROM users ORDER BY name`
	if limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(limit) + ` OFFSET ` + strconv.Itoa(max(offset, 0))
	}
	rows, err := tx.tx.QueryContext(tx.ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []duixian.User
	for rows.Next() {
		var doc string
		var u duixian.User
		if err := rows.Scan(&doc); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(doc), &u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// Session reads a session by the hash of its token.
func (tx *Tx) Session(hash string) (*duixian.Session, error) {
	var doc string
	err := tx.row(`SELECT doc FROM sessions WHERE token_hash = ?`, hash).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("session", "")
	}
	if err != nil {
		return nil, err
	}
	var s duixian.Session
	return &s, json.Unmarshal([]byte(doc), &s)
}

// PutSession inserts or replaces a session.
func (tx *Tx) PutSession(s *duixian.Session) error {
	doc, err := json.Marshal(s)
	if err != nil {
		return err
	}
	res, err := tx.exec(`UPDATE sessions SET doc = ?, owner = ? WHERE token_hash = ?`, string(doc), s.User, s.TokenHash)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	_, err = tx.exec(`INSERT INTO sessions (token_hash, owner, doc) VALUES (?, ?, ?)`, s.TokenHash, s.User, string(doc))
	return err
}

// DeleteSessionsOf ends every session of user but the one whose token hash
// is keep ("" to keep none), and says how many it ended.
func (tx *Tx) DeleteSessionsOf(user, keep string) (int, error) {
	res, err := tx.exec(`DELETE FROM sessions WHERE owner = ? AND token_hash <> ?`, user, keep)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeleteSession ends a session.
func (tx *Tx) DeleteSession(hash string) error {
	_, err := tx.exec(`DELETE FROM sessions WHERE token_hash = ?`, hash)
	return err
}

func (tx *Tx) upsert(table, key, id string, v any) error {
	doc, err := json.Marshal(v)
	if err != nil {
		return err
	}
	res, err := tx.exec(`UPDATE `+table+` SET doc = ? WHERE `+key+` = ?`, string(doc), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	_, err = tx.exec(`INSERT INTO `+table+` (`+key+`, doc) VALUES (?, ?)`, id, string(doc))
	return err
}

// Record is a registry entry of some kind that is not an application: a
// 群雁 filing, a land-planning case. Subject is what it is about (an
// enterprise's USCC); Doc is its JSON.
type Record struct {
	Kind    string
	ID      string
	Subject string
	Doc     json.RawMessage
	Version int
}

// Record reads one record; lock holds it until the transaction ends.
func (tx *Tx) Record(kind, id string, lock bool) (*Record, error) {
	r := &Record{Kind: kind, ID: id}
	var doc string
	err := tx.row(`SELECT subject, doc, version FROM records WHERE kind = ? AND id = ?`+tx.forUpdate(lock), kind, id).Scan(&r.Subject, &doc, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(kind, id)
	}
	r.Doc = json.RawMessage(doc)
	return r, err
}

// PutRecord inserts a record (Version 0) or updates it, failing if someone
// else updated it since it was read.
func (tx *Tx) PutRecord(r *Record) error {
	r.Version++
	if r.Version == 1 {
		_, err := tx.exec(`INSERT INTO records (kind, id, subject, doc, version) VALUES (?, ?, ?, ?, ?)`, r.Kind, r.ID, r.Subject, string(r.Doc), r.Version)
		return err
	}
	res, err := tx.exec(`UPDATE records SET subject = ?, doc = ?, version = ? WHERE kind = ? AND id = ? AND version = ?`,
		r.Subject, string(r.Doc), r.Version, r.Kind, r.ID, r.Version-1)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return duixian.Errorf(duixian.ECONFLICT, r.Kind, "%s %s 已被他人修改，请刷新后重试", "%s %s was changed by someone else; reload and retry", r.Kind, r.ID)
	}
	return nil
}

// AddRecord inserts a record unless one of its kind and id exists, and
// says whether it did. Unlike PutRecord it does not fail when another
// transaction inserts the same record first: it waits for that one and
// then finds the record there, so it can mark a piece of work done once.
func (tx *Tx) AddRecord(r *Record) (bool, error) {
	res, err := tx.exec(`INSERT INTO records (kind, id, subject, doc, version) VALUES (?, ?, ?, ?, 1) ON CONFLICT (kind, id) DO NOTHING`,
		r.Kind, r.ID, r.Subject, string(r.Doc))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if n == 1 {
		r.Version = 1
	}
	return n == 1, err
}

// RecordsIn reads the records of kind with the given ids, locked until the
// transaction ends when lock, by id; an id with no record is absent. It is
// Record for many at once: a few statements, not one a record.
func (tx *Tx) RecordsIn(kind string, ids []string, lock bool) (map[string]*Record, error) {
	out := make(map[string]*Record, len(ids))
	const rows = 500 // parameters a statement: far below either store's limit
	for start := 0; start < len(ids); start += rows {
		part := ids[start:min(start+rows, len(ids))]
		args := make([]any, 0, 1+len(part))
		args = append(args, kind)
		for _, id := range part {
			args = append(args, id)
		}
		q := `SELECT id, subject, doc, version FROM records WHERE kind = ? AND id IN (?` + strings.Repeat(", ?", len(part)-1) + `)` + tx.forUpdate(lock)
		res, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
		if err != nil {
			return nil, err
		}
		for res.Next() {
			r := &Record{Kind: kind}
			var doc string
			if err := res.Scan(&r.ID, &r.Subject, &doc, &r.Version); err != nil {
				res.Close()
				return nil, err
			}
			r.Doc = json.RawMessage(doc)
			out[r.ID] = r
		}
		if err := res.Close(); err != nil {
			return nil, err
		}
		if err := res.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// PutNewRecords is PutRecord for many new records (Version 0) at once, in
// multi-row statements: one already there fails the statement, as it
// fails PutRecord.
func (tx *Tx) PutNewRecords(rs []*Record) error {
	const rows = 200 // 5 parameters a row
	for start := 0; start < len(rs); start += rows {
		part := rs[start:min(start+rows, len(rs))]
		var q strings.Builder
		args := make([]any, 0, 5*len(part))
		q.WriteString(`INSERT INTO records (kind, id, subject, doc, version) VALUES `)
		for i, r := range part {
			if r.Version != 0 {
				return fmt.Errorf("sqldb: record %s %s is not new (version %d)", r.Kind, r.ID, r.Version)
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?, 1)")
			args = append(args, r.Kind, r.ID, r.Subject, string(r.Doc))
		}
		if _, err := tx.exec(q.String(), args...); err != nil {
			return err
		}
		for _, r := range part {
			r.Version = 1
		}
	}
	return nil
}

// Records lists the records of a kind, about subject ("" for all), by id.
func (tx *Tx) Records(kind, subject string) ([]*Record, error) {
	q, args := `SELECT id, subject, doc, version FROM records WHERE kind = ? ORDER BY id`, []any{kind}
	if subject != "" {
		q, args = `SELECT id, subject, doc, version FROM records WHERE kind = ? AND subject = ? ORDER BY id`, []any{kind, subject}
	}
	rows, err := tx.tx.QueryContext(tx.ctx, tx.rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Record
	for rows.Next() {
		r := &Record{Kind: kind}
		var doc string
		if err := rows.Scan(&r.ID, &r.Subject, &doc, &r.Version); err != nil {
			return nil, err
		}
		r.Doc = json.RawMessage(doc)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutAttachment stores a file's bytes under their SHA-256 (once).
func (tx *Tx) PutAttachment(sha string, data []byte) error {
	var x string
	err := tx.row(`SELECT sha256 FROM attachments WHERE sha256 = ?`, sha).Scan(&x)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	_, err = tx.exec(`INSERT INTO attachments (sha256, data) VALUES (?, ?)`, sha, data)
	return err
}

// Attachment reads a file's bytes.
func (tx *Tx) Attachment(sha string) ([]byte, error) {
	var data []byte
	err := tx.row(`SELECT data FROM attachments WHERE sha256 = ?`, sha).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("attachment", sha)
	}
	return data, err
}

// RecordCount is how many records of a kind are about subject.
func (tx *Tx) RecordCount(kind, subject string) (int, error) {
	var n int
	err := tx.row(`SELECT COUNT(*) FROM records WHERE kind = ? AND subject = ?`, kind, subject).Scan(&n)
	return n, err
}
