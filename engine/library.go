package engine

import (
	"slices"
	"strings"
)

// Library searches the policy library: the views of the clauses whose
// title, article or document number contains text, of document doc, of
// department dept and for zone, each when not empty; and every department
// that has a clause, for the search form, in the order the catalogue first
// names them (document by document), the same on every call.
func (c *Catalogue) Library(text, doc, dept, zone string) (rows []ClauseView, departments []string) {
	for _, cl := range c.Clauses() {
		v := cl.View()
		if v.Department != "" && !slices.Contains(departments, v.Department) {
			departments = append(departments, v.Department)
		}
		if (doc != "" && v.Document.ID != doc) || (dept != "" && v.Department != dept) || (zone != "" && v.Zone != zone) {
			continue
		}
		if text != "" && !strings.Contains(v.Title+v.Article.Text+v.Document.Number, text) {
			continue
		}
		rows = append(rows, v)
	}
	return rows, departments
}
