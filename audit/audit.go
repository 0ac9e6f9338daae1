// Package audit seals and verifies the audit log's chain with SM3 (GB/T
// 32905-2016), the hash 商用密码应用安全性评估 expects of a government
// system: each entry's hash covers the previous entry's hash and the entry's
// own content, so altering, inserting or deleting any entry breaks the chain
// from that point on, and the stored head (the last entry's number and hash)
// shows when entries were cut off the end.
//
// # The stored row
//
// An entry is stored as one row of four columns: seq (its number, from 1),
// subject (what it is about, copied out of the entry so that a case's
// history can be selected by index), format (the version of the rule its
// hash follows) and doc (the entry as JSON: the keys seq, at, actor {user,
// role, department, enterprise, ip}, action, subject, before, after, prev,
// hash). The JSON shape is fixed here, not by the Go type
// duixian.AuditEntry, so a field added to that type changes no stored row
// and no hash.
//
// # Format 2, written since migration 4
//
// The hash is SM3, written as 64 lowercase hex digits, over 13 items in
// this order, each a 4-byte big-endian byte length followed by that many
// bytes of UTF-8:
//
//	 1  the tag "duixian.audit/2"
//	 2  seq, in decimal ASCII without leading zeros
//	 3  at, the time (RFC 3339, Asia/Shanghai)
//	 4  actor user
//	 5  actor role
//	 6  actor department (empty for enterprise staff)
//	 7  actor enterprise (empty for officials)
//	 8  actor ip
//	 9  action
//	10  subject
//	11  before
//	12  after
//	13  prev, the previous entry's hash (64 zeros before the first entry)
//
// The lengths make the encoding unambiguous (before "ab", after "c" is not
// before "a", after "bc"), and the tag makes a format-2 hash differ from the
// hash any other format gives the same fields. The encoding depends on
// neither Go field order nor JSON key order, so any language can recompute
// it; docs/audit.md does it with printf and openssl.
//
// # Format 1, the rows written before migration 4
//
// The hash is SM3 over the doc column exactly as it is stored, with the
// value of its last key "hash" emptied: the bytes encoding/json wrote for
// the AuditEntry of that time. Such rows are verified by that rule and keep
// their hashes; none is written any more. Verifying them over the stored
// bytes, rather than over a re-encoding of the decoded entry, also holds
// for the refusal messages of that time that were cut inside a character:
// encoding/json wrote the broken byte as \ufffd, which does not survive a
// decode and re-encode.
//
// # The chain
//
// Rows are numbered 1, 2, … without gaps; each row's prev is the hash of
// the row before; the subject column equals the entry's subject; a row's
// format is never lower than the format of the row before (format 2
// chains on from the last format-1 hash); and the last row's seq and hash
// equal the stored head's.
package audit

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/etown/duixian"
)

// Genesis is the previous hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// The formats of the hash rule. A new rule gets a new number and a new
// case in Verify; the rows of the old rules keep verifying by their own.
const (
	// JSONFormat is the rule before migration 4: SM3 over the doc as
	// encoding/json wrote it. Verified, never written.
	JSONFormat = 1
	// FieldFormat is SM3 over the length-prefixed fields in documented order.
	FieldFormat = 2
	// Format is what Seal writes.
	Format = FieldFormat
)

// fieldTag is item 1 of the format-2 encoding.
const fieldTag = "duixian.audit/2"

// Row is an entry as the audit table stores it.
type Row struct {
	Seq     int64
	Subject string
	Format  int
	Doc     string
}

// Head is the stored end of the chain: the last entry's seq and hash.
type Head struct {
	Seq  int64
	Hash string
}

// doc is the JSON of the doc column, for both formats: the keys, their
// order and their omitempty are those encoding/json gave the AuditEntry of
// format 1, frozen here so that the Go type may grow.
type doc struct {
	Seq   int64  `json:"seq"`
	At    string `json:"at"`
	Actor struct {
		User       string `json:"user"`
		Role       string `json:"role"`
		Department string `json:"department,omitempty"`
		Enterprise string `json:"enterprise,omitempty"`
		IP         string `json:"ip,omitempty"`
	} `json:"actor"`
	Action  string `json:"action"`
	Subject string `json:"subject"`
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
	Prev    string `json:"prev"`
	Hash    string `json:"hash"`
}

func docOf(e duixian.AuditEntry) doc {
	var d doc
	d.Seq, d.At, d.Action, d.Subject, d.Before, d.After, d.Prev, d.Hash = e.Seq, e.At, e.Action, e.Subject, e.Before, e.After, e.Prev, e.Hash
	d.Actor.User, d.Actor.Role, d.Actor.Department, d.Actor.Enterprise, d.Actor.IP = e.Actor.User, string(e.Actor.Role), e.Actor.Department, e.Actor.Enterprise, e.Actor.IP
	return d
}

func (d doc) entry() duixian.AuditEntry {
	return duixian.AuditEntry{Seq: d.Seq, At: d.At, Action: d.Action, Subject: d.Subject, Before: d.Before, After: d.After, Prev: d.Prev, Hash: d.Hash,
		Actor: duixian.Actor{User: d.Actor.User, Role: duixian.Role(d.Actor.Role), Department: d.Actor.Department, Enterprise: d.Actor.Enterprise, IP: d.Actor.IP}}
}

// Encode is the format-2 encoding of e, the bytes its hash is taken over
// (e.Hash is not part of it).
func Encode(e duixian.AuditEntry) []byte {
	items := [...]string{fieldTag, strconv.FormatInt(e.Seq, 10), e.At,
		e.Actor.User, string(e.Actor.Role), e.Actor.Department, e.Actor.Enterprise, e.Actor.IP,
		e.Action, e.Subject, e.Before, e.After, e.Prev}
	n := 0
	for _, s := range items {
		n += 4 + len(s)
	}
	b := make([]byte, 0, n)
	for _, s := range items {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	return b
}

func sum(b []byte) string {
	h := sm3.Sum(b)
	return hex.EncodeToString(h[:])
}

// Seal chains e after the entry whose hash is prev in the current format:
// it sets e.Prev and e.Hash and returns the row to store. Text that is not
// valid UTF-8 (a message cut inside a character) is first repaired with
// U+FFFD, because JSON carries only UTF-8: what is hashed is what is stored.
func Seal(prev string, e *duixian.AuditEntry) Row {
	for _, s := range []*string{&e.At, &e.Actor.User, (*string)(&e.Actor.Role), &e.Actor.Department, &e.Actor.Enterprise, &e.Actor.IP,
		&e.Action, &e.Subject, &e.Before, &e.After} {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
	}
	e.Prev = prev
	e.Hash = sum(Encode(*e))
	b, err := json.Marshal(docOf(*e))
	if err != nil {
		panic(err) // strings and an integer always marshal
	}
	return Row{Seq: e.Seq, Subject: e.Subject, Format: Format, Doc: string(b)}
}

// Decode reads the entry a row holds, for listing; it checks nothing
// (Verify does).
func Decode(r Row) (duixian.AuditEntry, error) {
	var d doc
	if err := json.Unmarshal([]byte(r.Doc), &d); err != nil {
		return duixian.AuditEntry{}, fmt.Errorf("audit entry %d: %w", r.Seq, err)
	}
	return d.entry(), nil
}

// Break is the first entry at which the chain does not hold, and why.
type Break struct {
	Seq int64
	Zh  string
	En  string
}

func (b *Break) Error() string {
	return fmt.Sprintf("审计日志链在第 %d 条断开：%s / audit chain broken at entry %d: %s", b.Seq, b.Zh, b.Seq, b.En)
}

func broken(seq int64, zh, en string, args ...any) *Break {
	return &Break{Seq: seq, Zh: fmt.Sprintf(zh, args...), En: fmt.Sprintf(en, args...)}
}

// strict decodes a doc refusing keys it does not know: every key of a
// stored doc must be one the hash covers, or it could be added unseen.
func strict(s string) (doc, error) {
	var d doc
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return d, err
	}
	if dec.More() {
		return d, fmt.Errorf("text after the document")
	}
	return d, nil
}

// jsonHash applies format 1: the doc ends with "hash":"<64 hex>"}, and that
// hash is SM3 over the doc with the value removed.
func jsonHash(s string) (stored, computed string, ok bool) {
	const key, end = `"hash":"`, `"}`
	cut := len(s) - len(end) - 64
	if cut < len(key) || !strings.HasSuffix(s, end) || s[cut-len(key):cut] != key {
		return "", "", false
	}
	stored = s[cut : cut+64]
	if _, err := hex.DecodeString(stored); err != nil || strings.ToLower(stored) != stored {
		return "", "", false
	}
	return stored, sum([]byte(s[:cut] + end)), true
}

// Verify walks the rows in order (next returns false at the end) and
// checks each one and the chain's end against head. It returns how many
// entries verified before the first break, and the break (a *Break), or
// a nil error when the whole chain holds.
func Verify(head Head, next func() (Row, bool, error)) (int64, error) {
	m, err := VerifyFrom(Start, head, next)
	return m.Seq, err
}

// Mark is a point of the chain up to which it verified: the last entry's
// number, hash and format. Start is the chain's beginning.
type Mark struct {
	Seq    int64
	Hash   string
	Format int
}

// Start is the mark before the first entry.
var Start = Mark{Hash: Genesis, Format: JSONFormat}

// VerifyFrom checks the chain from a mark a walk reached before: next
// returns the rows after it, in order, and the last must end at head. It
// returns the mark the walk reached — the last entry verified before the
// first break — and the break (a *Break), or a nil error. Walking on from a
// mark checks every entry appended since, and their link to the entries
// already verified; those it does not read again.
func VerifyFrom(from Mark, head Head, next func() (Row, bool, error)) (Mark, error) {
	m := from
	for {
		r, ok, err := next()
		if err != nil {
			return m, err
		}
		if !ok {
			break
		}
		seq := m.Seq + 1
		switch {
		case r.Seq > seq:
			return m, broken(seq, "该条缺失（下一条是第 %d 条）", "the entry is missing (the next is entry %d)", r.Seq)
		case r.Seq < seq:
			return m, broken(seq, "其前有一条编号为 %d 的记录（编号从 1 起）", "a row numbered %d comes before it (numbers start at 1)", r.Seq)
		}
		hash, b := check(r, m.Hash, m.Format)
		if b != nil {
			return m, b
		}
		m = Mark{Seq: seq, Hash: hash, Format: r.Format}
	}
	switch {
	case m.Seq < head.Seq:
		return m, broken(m.Seq+1, "日志止于第 %d 条，链头记录却是第 %d 条：末尾的记录被删除", "the log ends at entry %d but its head records entry %d: the last entries were deleted", m.Seq, head.Seq)
	case m.Seq > head.Seq:
		return Mark{Seq: head.Seq}, broken(head.Seq+1, "链头记录止于第 %d 条，此后的记录未经链头确认", "the head records entry %d as the last, so this entry was not appended through it", head.Seq)
	case m.Hash != head.Hash:
		if m.Seq == 0 {
			return Mark{}, broken(1, "日志为空，链头哈希却不是初始值", "the log is empty but the head's hash is not the genesis hash")
		}
		return Mark{Seq: m.Seq - 1}, broken(m.Seq, "其哈希与链头记录的不符：末条被替换，或链头被改动", "its hash differs from the head's: the last entry was replaced, or the head edited")
	}
	return m, nil
}

// check verifies one row, given the hash and format of the row before,
// and returns its hash.
func check(r Row, prev string, format int) (string, *Break) {
	if r.Format != JSONFormat && r.Format != FieldFormat {
		return "", broken(r.Seq, "格式 %d 未知", "its format %d is unknown", r.Format)
	}
	if r.Format < format {
		return "", broken(r.Seq, "格式 %d 的记录排在格式 %d 的记录之后，而旧格式已不再写入", "a format-%d entry follows a format-%d one, and the older format is no longer written", r.Format, format)
	}
	d, err := strict(r.Doc)
	if err != nil {
		return "", broken(r.Seq, "doc 列无法按记录格式解读（%v）", "its doc column does not decode as an entry (%v)", err)
	}
	var computed string
	if r.Format == JSONFormat {
		stored, c, ok := jsonHash(r.Doc)
		if !ok || stored != d.Hash {
			return "", broken(r.Seq, "doc 列不以格式 1 的哈希结尾", "its doc column does not end with a format-1 hash")
		}
		computed = c
	} else {
		computed = sum(Encode(d.entry()))
	}
	switch {
	case d.Seq != r.Seq:
		return "", broken(r.Seq, "doc 列写的是第 %d 条", "its doc column holds entry %d", d.Seq)
	case d.Subject != r.Subject:
		return "", broken(r.Seq, "subject 列 %q 与记录中的主题 %q 不符（该列被改动）", "its subject column %q differs from the entry's subject %q (the column was edited)", r.Subject, d.Subject)
	case d.Prev != prev:
		return "", broken(r.Seq, "与上一条的链接不符", "its link to the previous entry does not match")
	case computed != d.Hash:
		return "", broken(r.Seq, "内容与哈希不符（该条被改动）", "its content does not match its hash (the entry was altered)")
	}
	return d.Hash, nil
}
