package engine_test

import (
	"slices"
	"testing"

	"github.com/etown/duixian/catalogue"
)

// The policy library's 责任单位 filter lists every department with a clause,
// each once, in the order the catalogue first names them, so the filter
// does not change order from one load of the page to the next.
func TestLibraryDepartmentsInCatalogueOrder(t *testing.T) {
	cat := load(t, catalogue.FS)
	var want []string
	for _, cl := range cat.Clauses() {
		if d := cl.View().Department; d != "" && !slices.Contains(want, d) {
			want = append(want, d)
		}
	}
	if len(want) < 3 {
		t.Fatalf("the catalogue names %d departments; the test needs several", len(want))
	}
	for i := range 20 {
		_, got := cat.Library("", "", "", "")
		if !slices.Equal(got, want) {
			t.Fatalf("call %d: departments %v, want %v", i, got, want)
		}
	}
	// A search narrows the rows, never the filter.
	if _, got := cat.Library("不存在的条款", "", "", ""); !slices.Equal(got, want) {
		t.Errorf("with a search matching nothing: departments %v, want %v", got, want)
	}
}
