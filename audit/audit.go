// Package audit seals and verifies the audit log's chain with SM3 (GB/T
// 32905-2016), the hash 商用密码应用安全性评估 expects of a government
// system: each entry's hash covers the previous entry's hash and the entry's
// own content, so altering, inserting or deleting any entry breaks the chain
// from that point on.
package audit

import (
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/emmansun/gmsm/sm3"
	"github.com/etown/duixian"
)

// Genesis is the previous hash of the first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Seal sets e.Prev and e.Hash, chaining e after the entry whose hash is prev.
func Seal(prev string, e *duixian.AuditEntry) {
	e.Prev = prev
	e.Hash = hash(*e)
}

func hash(e duixian.AuditEntry) string {
	e.Hash = ""
	// encoding/json writes struct fields in declaration order: canonical.
	b, err := json.Marshal(e)
	if err != nil {
		panic(err) // an AuditEntry always marshals
	}
	sum := sm3.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Break is the first entry at which the chain does not hold.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d: %s", b.Seq, b.Reason)
}

// Verify walks entries in order (next returns false at the end) and returns
// the first broken link, or nil.
func Verify(next func() (duixian.AuditEntry, bool, error)) (int64, error) {
	prev, n := Genesis, int64(0)
	for {
		e, ok, err := next()
		if err != nil {
			return n, err
		}
		if !ok {
			return n, nil
		}
		n++
		switch {
		case e.Seq != n:
			return n, &Break{Seq: n, Reason: fmt.Sprintf("entry %d is missing (found %d)", n, e.Seq)}
		case e.Prev != prev:
			return n, &Break{Seq: e.Seq, Reason: "its link to the previous entry does not match"}
		case hash(e) != e.Hash:
			return n, &Break{Seq: e.Seq, Reason: "its content does not match its hash (the entry was altered)"}
		}
		prev = e.Hash
	}
}
