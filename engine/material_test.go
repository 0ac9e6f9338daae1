package engine_test

import (
	"strings"
	"testing"

	"github.com/etown/duixian/catalogue"
)

// A clause lists its document's materials, then its own, each citing the
// article that asks for it; 21号第十一条（五） asks the 一刻钟 award alone for
// its construction contract.
func TestClauseMaterials(t *testing.T) {
	cat := load(t, catalogue.FS)
	quarter, _ := cat.Clause("jjgf-2025-21/7.1")
	events, _ := cat.Clause("jjgf-2025-21/7.4")
	var ids []string
	for _, m := range quarter.Materials() {
		ids = append(ids, m.ID)
		if m.Cite.String() != "21号第十一条" {
			t.Errorf("%s cites %s", m.ID, m.Cite)
		}
	}
	if want := "licences premises-proof store-photos reputation other construction-contract construction-invoices completion-proof construction-finance"; strings.Join(ids, " ") != want {
		t.Errorf("7.1's materials: %v, want %s", ids, want)
	}
	if _, ok := events.Material("construction-contract"); ok {
		t.Error("the 活动组织奖励 asks for the 一刻钟 award's construction contract")
	}
	if m, ok := events.Material("reputation"); !ok || !m.Optional {
		t.Errorf("reputation material: %+v", m)
	}
	space, _ := cat.Clause("jjgf-2025-22/6.1")
	if m, ok := space.Material("venue-title"); !ok || m.Cite.String() != "22号第九条（三）" {
		t.Errorf("22号 venue title: %+v", m)
	}
}
