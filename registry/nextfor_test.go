package registry

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/etown/duixian/engine"
)

// NextFor checks the values drawn where the catalogue used to read the
// JSON made of them: it must read the same facts, for every kind of
// enterprise and value the generator draws (none left to the slower
// JSON path), and refuse what the catalogue refuses.
func TestNextForReadsTheFactsAsStored(t *testing.T) {
	cat := loadCatalogue(t)
	g, same := NewGenerator(5), NewGenerator(5)
	kinds := map[string]bool{}
	for i := range 20000 {
		drawn, f := g.draw()
		kinds[drawn.Kind] = true
		raw, ok := rawFacts(f)
		if !ok {
			t.Fatalf("enterprise %d (%s): a value rawFacts does not know: %v", i, drawn.Kind, f)
		}
		fast, err := cat.DecodeFacts("facts", raw)
		if err != nil {
			t.Fatalf("enterprise %d: %v", i, err)
		}
		slow, err := cat.DecodeJSONFacts("facts", drawn.Facts)
		if err != nil {
			t.Fatalf("enterprise %d: %v", i, err)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Fatalf("enterprise %d: the values drawn read as\n%v\nthe JSON stored as\n%v", i, fast, slow)
		}
		e, err := same.NextFor(cat)
		if err != nil || e.USCC != drawn.USCC || string(e.Facts) != string(drawn.Facts) {
			t.Fatalf("NextFor's enterprise %d: %s, %v; want %s", i, e.USCC, err, drawn.USCC)
		}
	}
	if len(kinds) != len(Kinds) {
		t.Errorf("%d kinds drawn, want all %d", len(kinds), len(Kinds))
	}
	// A catalogue that does not know the facts drawn refuses them.
	narrow, err := engine.Load(fstest.MapFS{"facts.yaml": {Data: []byte(narrowFacts)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewGenerator(5).NextFor(narrow); err == nil || !strings.Contains(err.Error(), "facts.") {
		t.Errorf("a catalogue without the generator's facts: %v", err)
	}
}

const narrowFacts = `facts:
  - name: zones
    type: set
    values:
      - {value: yizhuang-225, zh: 亦庄新城225平方公里范围}
    zh: 所在区域
    en: Zones
`
