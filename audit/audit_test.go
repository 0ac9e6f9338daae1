package audit

import (
	"encoding/hex"
	"errors"
	"fmt"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	"github.com/etown/duixian"
)

// The example of GB/T 32905-2016 appendix A.1: the chain rests on this hash.
func TestSM3StandardVector(t *testing.T) {
	sum := sm3.Sum([]byte("abc"))
	const want = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("SM3(abc) = %s, want %s", got, want)
	}
}

func chain(n int) []duixian.AuditEntry {
	entries := make([]duixian.AuditEntry, n)
	prev := Genesis
	for i := range entries {
		e := duixian.AuditEntry{
			Seq: int64(i + 1), At: "2026-03-0" + fmt.Sprint(i+1) + "T09:00:00+08:00",
			Action: "submit", Subject: fmt.Sprintf("app-%d", i+1), After: "submitted",
		}
		Seal(prev, &e)
		prev = e.Hash
		entries[i] = e
	}
	return entries
}

func walk(entries []duixian.AuditEntry) (int64, error) {
	i := 0
	return Verify(func() (duixian.AuditEntry, bool, error) {
		if i == len(entries) {
			return duixian.AuditEntry{}, false, nil
		}
		i++
		return entries[i-1], true, nil
	})
}

func TestVerify(t *testing.T) {
	if n, err := walk(chain(5)); err != nil || n != 5 {
		t.Fatalf("intact chain: %d, %v", n, err)
	}
	cases := []struct {
		name   string
		change func([]duixian.AuditEntry) []duixian.AuditEntry
		seq    int64
	}{
		{"altered content", func(es []duixian.AuditEntry) []duixian.AuditEntry {
			es[2].After = "approved"
			return es
		}, 3},
		{"altered and rehashed", func(es []duixian.AuditEntry) []duixian.AuditEntry {
			es[1].After = "approved"
			Seal(es[1].Prev, &es[1]) // the forger recomputes this hash; the next link no longer matches
			return es
		}, 3},
		{"deleted entry", func(es []duixian.AuditEntry) []duixian.AuditEntry {
			return append(es[:1], es[2:]...)
		}, 2},
		{"swapped entries", func(es []duixian.AuditEntry) []duixian.AuditEntry {
			es[3], es[4] = es[4], es[3]
			return es
		}, 4},
	}
	for _, c := range cases {
		_, err := walk(c.change(chain(5)))
		var b *Break
		if !errors.As(err, &b) || b.Seq != c.seq {
			t.Errorf("%s: got %v, want a break at entry %d", c.name, err, c.seq)
		}
	}
}
