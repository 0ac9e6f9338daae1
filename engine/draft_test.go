package engine_test

import (
	"os"
	"strings"
	"testing"

	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
)

// A draft is tried beside the catalogue in force: a sound one loads with its
// cases run and its coverage, a slip is reported at its line, and the
// catalogue in force is never touched.
func TestTryDraft(t *testing.T) {
	doc, _ := os.ReadFile("testdata/shapes/sjsw-2021-1.yaml")
	cases, _ := os.ReadFile("testdata/shapes/sjsw-2021-1.test.yaml")
	// The shipped catalogue knows no region sample-city: the draft names a
	// region of the catalogue's instead.
	docText := strings.Replace(string(doc), "zone: {zone: sample-city", "zone: {zone: yizhuang-225", 1)
	casesText := strings.ReplaceAll(string(cases), "[sample-city]", "[yizhuang-225]")
	casesText = strings.Replace(casesText, "facts: {zones: [core-60, yizhuang-225], ", "facts: {zones: [bonded], ", 1)
	d, err := engine.TryDraft(catalogue.FS, "sjsw-2021-1", []byte(docText), []byte(casesText))
	if err != nil || len(d.Errors) > 0 {
		t.Fatalf("%v %v", d.Errors, err)
	}
	if len(d.Cases.Results) != 6 || d.Cases.Failed() != 0 || len(d.Cases.Coverage) != 2 || d.Cases.Coverage[1].Clause != "sjsw-2021-1/2" {
		t.Fatalf("cases %+v", d.Cases)
	}
	if _, ok := d.Catalogue.Clause("sjsw-2021-1/2"); !ok {
		t.Fatal("the draft's clause is not in its catalogue")
	}
	shipped, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := shipped.Clause("sjsw-2021-1/2"); ok {
		t.Fatal("trying a draft published it")
	}

	d, err = engine.TryDraft(catalogue.FS, "sjsw-2021-1", []byte(strings.Replace(docText, "events_until:", "events_untl:", 1)), nil)
	if err != nil || len(d.Errors) != 1 || d.Errors[0].File != "sjsw-2021-1.yaml" || d.Errors[0].Line != 15 ||
		!strings.Contains(d.Errors[0].Msg, "是否想写 events_until") {
		t.Fatalf("a slip: %v %v", d.Errors, err)
	}
}
