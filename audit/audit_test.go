package audit

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
	"github.com/etown/duixian"
	"pgregory.net/rapid"
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

// row stores e as Seal would, whatever e holds now (so a test can alter an
// entry after sealing it).
func row(e duixian.AuditEntry) Row {
	b, err := json.Marshal(docOf(e))
	if err != nil {
		panic(err)
	}
	return Row{Seq: e.Seq, Subject: e.Subject, Format: Format, Doc: string(b)}
}

func headOf(entries []duixian.AuditEntry) Head {
	if len(entries) == 0 {
		return Head{0, Genesis}
	}
	last := entries[len(entries)-1]
	return Head{last.Seq, last.Hash}
}

func verifyRows(head Head, rows []Row) (int64, error) {
	i := 0
	return Verify(head, func() (Row, bool, error) {
		if i == len(rows) {
			return Row{}, false, nil
		}
		i++
		return rows[i-1], true, nil
	})
}

// walk verifies entries against the head of the untouched chain they were
// taken from, as the database's head row would be.
func walk(entries []duixian.AuditEntry) (int64, error) {
	rows := make([]Row, len(entries))
	for i, e := range entries {
		rows[i] = row(e)
	}
	return verifyRows(headOf(chain(5)), rows)
}

func breakAt(t *testing.T, what string, err error, seq int64, words ...string) {
	t.Helper()
	var b *Break
	if !errors.As(err, &b) || b.Seq != seq {
		t.Errorf("%s: got %v, want a break at entry %d", what, err, seq)
		return
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: %q does not say %q", what, err, w)
		}
	}
	if b.Zh == "" || b.En == "" || !strings.Contains(err.Error(), fmt.Sprintf("第 %d 条", seq)) || !strings.Contains(err.Error(), fmt.Sprintf("entry %d", seq)) {
		t.Errorf("%s: %q is not in Chinese and English", what, err)
	}
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

// golden is the entry of the vector in docs/audit.md.
var golden = duixian.AuditEntry{Seq: 7, At: "2026-03-02T09:30:00+08:00",
	Actor:  duixian.Actor{User: "culture", Role: duixian.RoleReviewer, Department: "宣传文化部", IP: "10.1.2.3"},
	Action: "return", Subject: "A202603020A1B2C3D4E", Before: "submitted", After: "returned"}

const (
	goldenPrev = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
	// SM3 of the bytes below, computed by `openssl dgst -sm3` (docs/audit.md),
	// not by this package.
	goldenHash = "e696ed83f325885569f87b24b6e59770208bdf4a25eb029c96a57728f28b1af4"
)

// The documented encoding, byte for byte, and its hash: the hash depends on
// these bytes only — not on the Go type's fields, their order, or JSON.
func TestGoldenVector(t *testing.T) {
	want := "\x00\x00\x00\x0f" + "duixian.audit/2" +
		"\x00\x00\x00\x01" + "7" +
		"\x00\x00\x00\x19" + "2026-03-02T09:30:00+08:00" +
		"\x00\x00\x00\x07" + "culture" +
		"\x00\x00\x00\x08" + "reviewer" +
		"\x00\x00\x00\x0f" + "宣传文化部" +
		"\x00\x00\x00\x00" + "" +
		"\x00\x00\x00\x08" + "10.1.2.3" +
		"\x00\x00\x00\x06" + "return" +
		"\x00\x00\x00\x13" + "A202603020A1B2C3D4E" +
		"\x00\x00\x00\x09" + "submitted" +
		"\x00\x00\x00\x08" + "returned" +
		"\x00\x00\x00\x40" + goldenPrev
	e := golden
	e.Prev = goldenPrev
	if got := string(Encode(e)); got != want {
		t.Fatalf("encoding:\n got %q\nwant %q", got, want)
	}
	r := Seal(goldenPrev, &e)
	if e.Hash != goldenHash {
		t.Fatalf("hash %s, want %s", e.Hash, goldenHash)
	}
	// The stored row: its doc has the keys of format 1, in their order.
	wantDoc := `{"seq":7,"at":"2026-03-02T09:30:00+08:00","actor":{"user":"culture","role":"reviewer","department":"宣传文化部","ip":"10.1.2.3"},` +
		`"action":"return","subject":"A202603020A1B2C3D4E","before":"submitted","after":"returned","prev":"` + goldenPrev + `","hash":"` + goldenHash + `"}`
	if r != (Row{Seq: 7, Subject: "A202603020A1B2C3D4E", Format: 2, Doc: wantDoc}) {
		t.Fatalf("row %+v", r)
	}
}

// goldenRow is the golden entry stored as entry 1 of a chain (prev 64
// zeros), once with the doc in the order Seal writes and once with every
// key in another order and other spacing: the columns and keys may come in
// any order, the hash is that of the documented encoding.
func goldenRow() (Row, Head) {
	e := golden
	e.Seq = 1
	r := Seal(Genesis, &e)
	return r, Head{1, e.Hash}
}

func TestKeyOrderDoesNotMatter(t *testing.T) {
	r, head := goldenRow()
	if n, err := verifyRows(head, []Row{r}); err != nil || n != 1 {
		t.Fatalf("golden row: %d, %v", n, err)
	}
	shuffled := r
	shuffled.Doc = `{ "hash": "` + head.Hash + `", "prev": "` + Genesis + `", "after": "returned", "before": "submitted",
		"subject": "A202603020A1B2C3D4E", "action": "return",
		"actor": {"ip": "10.1.2.3", "department": "宣传文化部", "role": "reviewer", "user": "culture"},
		"at": "2026-03-02T09:30:00+08:00", "seq": 1 }`
	if n, err := verifyRows(head, []Row{shuffled}); err != nil || n != 1 {
		t.Fatalf("the same entry with its keys in another order: %d, %v", n, err)
	}
	a, _ := Decode(r)
	b, _ := Decode(shuffled)
	if a != b || a.Actor.Department != "宣传文化部" || a.Hash != head.Hash {
		t.Fatalf("decoded %+v and %+v", a, b)
	}
}

// format2Fields are the fields of duixian.AuditEntry and duixian.Actor
// that format 2 records, and Hash, which it records beside them.
var format2Fields = map[string]bool{
	"AuditEntry.Seq": true, "AuditEntry.At": true, "AuditEntry.Actor": true, "AuditEntry.Action": true, "AuditEntry.Subject": true,
	"AuditEntry.Before": true, "AuditEntry.After": true, "AuditEntry.Prev": true, "AuditEntry.Hash": true,
	"Actor.User": true, "Actor.Role": true, "Actor.Department": true, "Actor.Enterprise": true, "Actor.IP": true,
}

// A field added to the Go types changes no stored row and no hash, so
// every entry already written still verifies (TestGoldenVector and
// TestLegacyRows hold literal rows). But the new field would not be
// recorded: this test fails to make its author give it a format.
func TestNewFieldNeedsAFormat(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[duixian.AuditEntry](), reflect.TypeFor[duixian.Actor]()} {
		for i := range typ.NumField() {
			if name := typ.Name() + "." + typ.Field(i).Name; !format2Fields[name] {
				t.Errorf("duixian.%s is not recorded by audit format %d: give it a new format (package audit, docs/audit.md)", name, Format)
			}
		}
	}
}

// A stored doc may hold only keys its format's hash covers: a key added
// beside them would be stored and unseen by the chain.
func TestKeyOutsideTheFormatRefused(t *testing.T) {
	r, head := goldenRow()
	for _, extra := range []string{`"reason":"x",`, `"actor":{"session":"s","user":"culture","role":"reviewer"},`} {
		forged := r
		forged.Doc = "{" + extra + r.Doc[1:]
		if _, err := verifyRows(head, []Row{forged}); err == nil {
			t.Errorf("a doc with %s verified", extra)
		} else {
			breakAt(t, extra, err, 1, "doc", "does not decode")
		}
	}
}

func TestLengthsSeparateFields(t *testing.T) {
	a, b := golden, golden
	a.Before, a.After = "ab", "c"
	b.Before, b.After = "a", "bc"
	c, d := golden, golden
	c.Actor.Department, c.Actor.Enterprise = "x", ""
	d.Actor.Department, d.Actor.Enterprise = "", "x"
	Seal(Genesis, &a)
	Seal(Genesis, &b)
	Seal(Genesis, &c)
	Seal(Genesis, &d)
	if a.Hash == b.Hash || c.Hash == d.Hash {
		t.Fatal("text moved from one field to the next keeps the hash")
	}
}

func TestTailTruncation(t *testing.T) {
	es := chain(5)
	head := headOf(es)
	rows := make([]Row, len(es))
	for i, e := range es {
		rows[i] = row(e)
	}
	n, err := verifyRows(head, rows[:4])
	breakAt(t, "last entry deleted", err, 5, "deleted", "ends at entry 4", "head records entry 5")
	if n != 4 {
		t.Errorf("last entry deleted: %d entries verified, want 4", n)
	}
	_, err = verifyRows(head, rows[:2])
	breakAt(t, "last three deleted", err, 3, "deleted")
	_, err = verifyRows(head, nil)
	breakAt(t, "every entry deleted", err, 1, "deleted")

	// The last entry replaced by a well-formed one: its hash is not the head's.
	e := es[4]
	e.After = "approved"
	Seal(e.Prev, &e)
	_, err = verifyRows(head, append(rows[:4:4], row(e)))
	breakAt(t, "last entry replaced", err, 5, "head")

	// An entry appended without the head.
	e = duixian.AuditEntry{Seq: 6, Action: "approve", Subject: "app-5"}
	Seal(es[4].Hash, &e)
	_, err = verifyRows(head, append(rows[:5:5], row(e)))
	breakAt(t, "entry beyond the head", err, 6, "head records entry 5")

	if _, err := verifyRows(Head{0, Genesis}, nil); err != nil {
		t.Errorf("empty log: %v", err)
	}
	_, err = verifyRows(Head{0, es[0].Hash}, nil)
	breakAt(t, "empty log, head moved", err, 1)
}

func TestSubjectColumnEdited(t *testing.T) {
	es := chain(5)
	rows := make([]Row, len(es))
	for i, e := range es {
		rows[i] = row(e)
	}
	rows[2].Subject = "app-1"
	_, err := verifyRows(headOf(es), rows)
	breakAt(t, "subject column", err, 3, "subject", `"app-1"`, `"app-3"`, "edited")
}

func TestRowAndDocMustAgree(t *testing.T) {
	es := chain(3)
	head := headOf(es)
	fresh := func() []Row {
		rows := make([]Row, len(es))
		for i, e := range es {
			rows[i] = row(e)
		}
		return rows
	}
	rows := fresh()
	rows[1].Format = 3
	_, err := verifyRows(head, rows)
	breakAt(t, "unknown format", err, 2, "format 3")

	rows = fresh()
	rows[1].Format = JSONFormat // a format-2 entry presented as format 1
	_, err = verifyRows(head, rows)
	breakAt(t, "format column lowered", err, 2)

	rows = fresh()
	rows[1].Doc = rows[0].Doc // entry 1's doc under seq 2
	_, err = verifyRows(head, rows)
	breakAt(t, "doc of another entry", err, 2, "holds entry 1")

	rows = fresh()
	rows[1].Doc = "not json"
	_, err = verifyRows(head, rows)
	breakAt(t, "doc not JSON", err, 2, "does not decode")
}

// legacyRows were written by the code before the format column (commit
// 09744a9, json.Marshal of that AuditEntry): entry 3 is a refusal message
// cut inside a character, as workflow.logDenied cut them at byte 500.
var legacyRows = []Row{
	{1, "91110302MA01HJKL2X", 1, "{\"seq\":1,\"at\":\"2026-03-02T09:00:00+08:00\",\"actor\":{\"user\":\"admin\",\"role\":\"admin\",\"ip\":\"10.1.2.3\"},\"action\":\"register-enterprise\",\"subject\":\"91110302MA01HJKL2X\",\"after\":\"亦城书房文化传播有限公司 \\u003cA\\u0026B\\u003e\",\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"hash\":\"fc7ba386f71ff32af2c77344e78db07e6b47aa025b6d50170910ddf1ae034163\"}"},
	{2, "A202603020A1B2C3D4E", 1, "{\"seq\":2,\"at\":\"2026-03-02T09:10:00+08:00\",\"actor\":{\"user\":\"staff@bookstore\",\"role\":\"enterprise\",\"enterprise\":\"91110302MA01HJKL2X\"},\"action\":\"submit\",\"subject\":\"A202603020A1B2C3D4E\",\"before\":\"draft\",\"after\":\"submitted\",\"prev\":\"fc7ba386f71ff32af2c77344e78db07e6b47aa025b6d50170910ddf1ae034163\",\"hash\":\"d6693cf6479cf3c8713c287cadd62b0b758eae387e30258ced6a8e08bfc7d564\"}"},
	{3, "A202603020A1B2C3D4E", 1, "{\"seq\":3,\"at\":\"2026-03-02T09:20:00+08:00\",\"actor\":{\"user\":\"li.finance\",\"role\":\"finance\",\"department\":\"财政国资局\"},\"action\":\"denied:disburse\",\"subject\":\"A202603020A1B2C3D4E\",\"after\":\"依据京技管发〔2025〕21号第七条，申报未\\ufffd\\ufffd\",\"prev\":\"d6693cf6479cf3c8713c287cadd62b0b758eae387e30258ced6a8e08bfc7d564\",\"hash\":\"3ed1d6fe77f985e35e74ca1468ad9dd95a9bd2e9cf0f5596bc012612c3d46618\"}"},
}

const legacyHead = "3ed1d6fe77f985e35e74ca1468ad9dd95a9bd2e9cf0f5596bc012612c3d46618"

func TestLegacyRows(t *testing.T) {
	if n, err := verifyRows(Head{3, legacyHead}, legacyRows); err != nil || n != 3 {
		t.Fatalf("legacy chain: %d, %v", n, err)
	}
	// Re-encoding entry 3 does not give back the bytes that were hashed
	// (\ufffd written for a broken byte decodes to U+FFFD, which encodes
	// as itself): why format 1 is verified over the stored bytes.
	var d doc
	json.Unmarshal([]byte(legacyRows[2].Doc), &d)
	if b, _ := json.Marshal(d); string(b) == legacyRows[2].Doc {
		t.Fatal("entry 3 re-encodes to its stored bytes; it no longer tests the cut character")
	}

	// New entries chain on from the last legacy hash, in format 2.
	rows := append([]Row(nil), legacyRows...)
	prev := legacyHead
	for seq := int64(4); seq <= 5; seq++ {
		e := duixian.AuditEntry{Seq: seq, At: "2026-03-03T10:00:00+08:00", Actor: duixian.Actor{User: "treasury", Role: duixian.RoleFinance, Department: "财政国资局"},
			Action: "disburse", Subject: "A202603020A1B2C3D4E", Before: "approved", After: "paid"}
		r := Seal(prev, &e)
		if r.Format != FieldFormat || e.Prev != prev {
			t.Fatalf("entry %d: format %d, prev %s", seq, r.Format, e.Prev)
		}
		rows, prev = append(rows, r), e.Hash
	}
	head := Head{5, prev}
	if n, err := verifyRows(head, rows); err != nil || n != 5 {
		t.Fatalf("legacy then format 2: %d, %v", n, err)
	}

	tampered := func(i int, f func(*Row)) []Row {
		rs := append([]Row(nil), rows...)
		f(&rs[i])
		return rs
	}
	_, err := verifyRows(head, tampered(1, func(r *Row) { r.Doc = strings.Replace(r.Doc, `"after":"submitted"`, `"after":"approved"`, 1) }))
	breakAt(t, "legacy entry altered", err, 2, "altered")
	_, err = verifyRows(head, tampered(1, func(r *Row) { r.Subject = "91110302MA01HJKL2X" }))
	breakAt(t, "legacy subject column", err, 2, "subject")
	_, err = verifyRows(head, tampered(1, func(r *Row) { r.Format = FieldFormat }))
	breakAt(t, "legacy entry under format 2", err, 2)
	_, err = verifyRows(head, tampered(3, func(r *Row) { r.Format = JSONFormat }))
	breakAt(t, "format-2 entry under format 1", err, 4)
	_, err = verifyRows(head, rows[:4])
	breakAt(t, "tail cut after the migration", err, 5, "deleted")

	// A legacy row after a format-2 one is written by no version of the code.
	e := duixian.AuditEntry{Seq: 1, Action: "x", Subject: "s"}
	r1 := Seal(Genesis, &e)
	shifted := []Row{r1}
	for _, r := range legacyRows {
		r.Seq++
		shifted = append(shifted, r)
	}
	_, err = verifyRows(Head{4, legacyHead}, shifted)
	breakAt(t, "format 1 after format 2", err, 2, "format-1 entry follows a format-2 one")
}

// Text cut inside a character is repaired before sealing, so the entry
// verifies as stored and reads back as sealed.
func TestSealRepairsBrokenText(t *testing.T) {
	msg := "申报未通过"
	e := duixian.AuditEntry{Seq: 1, Action: "denied:approve", Subject: "A1", After: msg[:4]}
	r := Seal(Genesis, &e)
	if !utf8.ValidString(e.After) || e.After != "申\uFFFD" {
		t.Fatalf("after %q", e.After)
	}
	if _, err := verifyRows(Head{1, e.Hash}, []Row{r}); err != nil {
		t.Fatal(err)
	}
	if got, _ := Decode(r); got != e {
		t.Fatalf("decoded %+v, sealed %+v", got, e)
	}
}

// Any entry, in any text, reads back as sealed and verifies; changing any
// one of its fields breaks it.
func TestSealRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := rapid.String()
		e := duixian.AuditEntry{Seq: 1, At: text.Draw(t, "at"), Action: text.Draw(t, "action"), Subject: text.Draw(t, "subject"),
			Before: text.Draw(t, "before"), After: text.Draw(t, "after"),
			Actor: duixian.Actor{User: text.Draw(t, "user"), Role: duixian.Role(text.Draw(t, "role")), Department: text.Draw(t, "department"),
				Enterprise: text.Draw(t, "enterprise"), IP: text.Draw(t, "ip")}}
		r := Seal(Genesis, &e)
		if _, err := verifyRows(Head{1, e.Hash}, []Row{r}); err != nil {
			t.Fatal(err)
		}
		if got, err := Decode(r); err != nil || got != e {
			t.Fatalf("decoded %+v, %v; sealed %+v", got, err, e)
		}
		changed := e
		field := rapid.SampledFrom([]*string{&changed.At, &changed.Action, &changed.Subject, &changed.Before, &changed.After,
			&changed.Actor.User, (*string)(&changed.Actor.Role), &changed.Actor.Department, &changed.Actor.Enterprise, &changed.Actor.IP}).Draw(t, "field")
		*field += "x"
		forged := row(changed)
		forged.Subject = r.Subject
		if _, err := verifyRows(Head{1, e.Hash}, []Row{forged}); err == nil {
			t.Fatalf("changed %+v verified", changed)
		}
	})
}
