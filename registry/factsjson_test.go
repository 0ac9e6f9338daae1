package registry

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/etown/duixian"
)

// factsJSON writes what json.Marshal writes: for every enterprise drawn
// (the stored files must not change with it), and for the values it
// leaves to json.Marshal.
func TestFactsJSONIsJSONMarshal(t *testing.T) {
	for _, seed := range []int64{1, 7} {
		g := NewGenerator(seed)
		for i := range 10000 {
			_, f := g.draw()
			want, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			if b, ok := appendObject(nil, f); !ok || !bytes.Equal(b, want) {
				t.Fatalf("seed %d, enterprise %d (written by hand: %v):\n%s\nwant\n%s", seed, i, ok, b, want)
			}
		}
	}
	odd := map[string]any{
		"a<b": "x", "quote": `say "hi"`, "nl": "a\nb", "html": "<b>&", "ls": "a\u2028b",
		"bad": "\xff", "zh": "北京书店", "date": duixian.Date{Year: 2026, Month: 6, Day: 30}, "zero": duixian.Date{},
		"nil": []string(nil), "empty": []string{}, "n": int64(-12), "i": 7, "t": true,
		"float": 1.5, "nested": map[string]any{"z": "1", "a": []map[string]any{{"k": int64(1)}}}, "nomaps": []map[string]any(nil),
	}
	for k, v := range odd {
		m := map[string]any{k: v}
		want, _ := json.Marshal(m)
		got, err := factsJSON(new([]byte), m)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %s, want %s (%v)", k, got, want, err)
		}
	}
	want, _ := json.Marshal(odd)
	if got, _ := factsJSON(new([]byte), odd); !bytes.Equal(got, want) {
		t.Errorf("all at once:\n%s\nwant\n%s", got, want)
	}
}
