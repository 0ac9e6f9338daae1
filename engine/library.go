package engine

import "strings"

// Library searches the policy library: the views of the clauses whose
// title, article or document number contains text, of document doc, of
// department dept and for zone, each when not empty; and every department
// that has a clause, for the search form.
func (c *Catalogue) Library(text, doc, dept, zone string) (rows []ClauseView, departments []string) {
	depts := map[string]bool{}
	for _, cl := range c.Clauses() {
		v := cl.View()
		depts[v.Department] = true
		if (doc != "" && v.Document.ID != doc) || (dept != "" && v.Department != dept) || (zone != "" && v.Zone != zone) {
			continue
		}
		if text != "" && !strings.Contains(v.Title+v.Article.Text+v.Document.Number, text) {
			continue
		}
		rows = append(rows, v)
	}
	for d := range depts {
		departments = append(departments, d)
	}
	return rows, departments
}
