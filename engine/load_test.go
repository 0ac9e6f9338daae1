package engine_test

import (
	"testing"

	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
)

func TestShippedCatalogueLoads(t *testing.T) {
	cat, err := engine.Load(catalogue.FS)
	if err != nil {
		t.Fatal(err)
	}
	if len(cat.Clauses()) == 0 {
		t.Fatal("no clauses")
	}
}
