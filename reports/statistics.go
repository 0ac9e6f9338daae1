package reports

import (
	"context"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Line is one line of the statistics table: the applications under one
// document, drafts included.
type Line struct {
	Number, Title string
	Count         int
	ByStatus      map[duixian.Status]int
	Approved      duixian.Money // approved, paying and paid
	Paid          duixian.Money // paid on approved, paying and paid applications
	Clawback      duixian.Money // booked on revoked applications
}

func (l *Line) add(a *sqldb.ApplicationSummary) {
	l.Count++
	l.ByStatus[a.Status]++
	switch {
	case approvedStatus(a.Status):
		l.Approved += a.Approved
		l.Paid += a.Paid
	case a.Status == duixian.StatusRevoked:
		l.Clawback += a.Clawback
	}
}

// Statistics is the statistics table (政策兑现统计表).
type Statistics struct {
	// Lines: a line per document of the catalogue, in its order, for the
	// gazette's documents with clauses and any other applied under; then,
	// if any, one for applications on clauses the catalogue no longer has.
	Lines []Line
	Total Line
}

// Statistics counts every application on the platform by document and
// status.
func (s *Service) Statistics(ctx context.Context) (*Statistics, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.refresh(ctx)
	if err != nil {
		return nil, err
	}
	byDoc := map[string][]*sqldb.ApplicationSummary{}
	var other []*sqldb.ApplicationSummary
	for _, a := range l.apps {
		if cl, ok := s.Catalogue.Clause(a.Clause); ok {
			byDoc[cl.Document.ID] = append(byDoc[cl.Document.ID], a)
		} else {
			other = append(other, a)
		}
	}
	st := &Statistics{Total: Line{ByStatus: map[duixian.Status]int{}}}
	line := func(number, title string, list []*sqldb.ApplicationSummary) {
		l := Line{Number: number, Title: title, ByStatus: map[duixian.Status]int{}}
		for _, a := range list {
			l.add(a)
			st.Total.add(a)
		}
		st.Lines = append(st.Lines, l)
	}
	for _, d := range s.Catalogue.Documents() {
		list := byDoc[d.ID]
		// The gazette's documents with clauses; a record or a rule book from
		// outside the gazette (an exchange's listing rules) only if applied under.
		if len(list) == 0 && (d.Record || d.Source != "" || !hasClauses(d)) {
			continue
		}
		line(d.Number, d.Title, list)
	}
	if len(other) > 0 {
		line("—", "其他（目录中已无该条款）", other)
	}
	return st, nil
}

func hasClauses(d *engine.Document) bool {
	for _, a := range d.Articles {
		if len(a.Clauses) > 0 {
			return true
		}
	}
	return false
}
