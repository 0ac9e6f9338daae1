package workflow

import (
	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// pageOf reads, in tx, the page of applications under f that p asks for,
// as actor may see them: the statement selects what actor may read, and
// the rule itself is checked again on each.
func (s *Service) pageOf(tx *sqldb.Tx, actor duixian.Actor, f sqldb.ApplicationFilter, p duixian.PageRequest) (*duixian.Page[*duixian.Application], error) {
	size, err := duixian.PageSize(p.Limit)
	if err != nil {
		return nil, err
	}
	f.After, f.Limit = p.After, size+1
	list, err := tx.Applications(f)
	if err != nil {
		return nil, err
	}
	page := &duixian.Page[*duixian.Application]{Items: []*duixian.Application{}}
	if len(list) > size {
		list, page.Next = list[:size], sqldb.Cursor(list[size-1])
	}
	for _, a := range list {
		if s.mayRead(actor, a) {
			page.Items = append(page.Items, asSeenBy(actor, a))
		}
	}
	return page, nil
}
