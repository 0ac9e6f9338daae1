package engine_test

import (
	"testing"

	"github.com/etown/duixian/catalogue"
)

// Every gazette document with clauses says how it takes applications (in
// rounds or any day) and decides them (an annual plan or one at a time),
// with the reading in a note: a document that says nothing would be taken
// any day by default, and a reviewer should see that this was read, not
// forgotten. 21号第十二条 and 22号第十条 set rounds and the plan.
func TestEveryDocumentDeclaresItsProcedure(t *testing.T) {
	cat := load(t, catalogue.FS)
	for _, d := range cat.Documents() {
		if !d.Gazette() || len(d.Clauses()) == 0 {
			continue
		}
		if d.Procedure.Note == "" {
			t.Errorf("%s (%s) declares no procedure", d.ID, d.Short)
		}
		want := d.ID == "jjgf-2025-21" || d.ID == "jjgf-2025-22"
		if d.Procedure.Rounds != want || d.Procedure.Plan != want {
			t.Errorf("%s: rounds %t, plan %t; want %t", d.ID, d.Procedure.Rounds, d.Procedure.Plan, want)
		}
		if want && d.Procedure.Cite.String() == "" {
			t.Errorf("%s: the procedure cites no article", d.ID)
		}
	}
	d, _ := cat.Document("jjgf-2025-21")
	if got := d.Procedure.Cite.String(); got != "21号第十二条" {
		t.Errorf("21号's procedure cites %q", got)
	}
}
