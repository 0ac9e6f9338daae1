package workflow

import (
	"context"
	"strconv"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// QueueGroup is one stage of an official's queue.
type QueueGroup struct {
	Key, Title, Hint, Kind string
	Apps                   []*duixian.Application
}

// Queue is an official's work: the stages their role acts on, each with the
// applications waiting in it, and the enterprises' names.
type Queue struct {
	Scope  string
	Groups []QueueGroup
	Names  map[string]string // by USCC; "" for an enterprise not registered
}

// Total is how many applications the queue holds.
func (q *Queue) Total() int {
	n := 0
	for _, g := range q.Groups {
		n += len(g.Apps)
	}
	return n
}

// clausesOf lists the clauses a department is responsible for.
func (s *Service) clausesOf(dept string) []string {
	var out []string
	for _, cl := range s.Catalogue.Clauses() {
		if cl.Department == dept {
			out = append(out, cl.ID)
		}
	}
	return out
}

// Queue lists the work waiting for actor: a reviewer the stages of the
// department's clauses that are theirs to move on, a co-reviewer the
// opinions asked of its department, an expert the cases to score, finance
// what is to pay, supervision and administrators the latest cases.
func (s *Service) Queue(ctx context.Context, actor duixian.Actor) (*Queue, error) {
	v := &Queue{Names: map[string]string{}}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		if err := s.queue(tx, actor, v); err != nil {
			return err
		}
		for _, g := range v.Groups {
			if err := names(tx, g.Apps, v.Names); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// readable keeps of list what actor may read (the statement selected by
// a party's name; this is the rule itself).
func (s *Service) readable(actor duixian.Actor, list []*duixian.Application) []*duixian.Application {
	out := list[:0:0]
	for _, a := range list {
		if s.mayRead(actor, a) {
			out = append(out, a)
		}
	}
	return out
}

// names reads the names of the applicants of list into m.
func names(tx *sqldb.Tx, list []*duixian.Application, m map[string]string) error {
	for _, a := range list {
		if _, ok := m[a.Enterprise]; ok {
			continue
		}
		e, err := tx.Enterprise(a.Enterprise, false)
		switch {
		case err == nil:
			m[a.Enterprise] = e.Name
		case duixian.ErrorCode(err) == duixian.ENOTFOUND:
			m[a.Enterprise] = ""
		default:
			return err
		}
	}
	return nil
}

func (s *Service) queue(tx *sqldb.Tx, actor duixian.Actor, v *Queue) error {
	add := func(key, title, hint, kind string, list []*duixian.Application) {
		v.Groups = append(v.Groups, QueueGroup{Key: key, Title: title, Hint: hint, Kind: kind, Apps: list})
	}
	byStatus := func(st duixian.Status, clauses []string) ([]*duixian.Application, error) {
		return tx.Applications(sqldb.ApplicationFilter{Status: st, Clauses: clauses})
	}
	switch actor.Role {
	case duixian.RoleReviewer:
		clauses := s.clausesOf(actor.Department)
		v.Scope = actor.Department + "负责的条款（" + strconv.Itoa(len(clauses)) + "项）"
		if len(clauses) == 0 {
			return nil
		}
		for _, g := range []struct {
			st                     duixian.Status
			key, title, hint, kind string
		}{
			{duixian.StatusSubmitted, "submitted", "待初审", "审核材料，必要时征求会签意见，初审通过、退回补正或不予通过", "review"},
			{duixian.StatusReviewed, "reviewed", "专家评审", "初审已通过：指派第三方专家，待专家评审", "review"},
			{duixian.StatusAssessed, "assessed", "待拟定金额", "专家评审已完成，按政策计算金额拟定拟支持金额", "review"},
			{duixian.StatusProposed, "proposed", "待公示", "金额已拟定，发布公示", "review"},
		} {
			list, err := byStatus(g.st, clauses)
			if err != nil {
				return err
			}
			add(g.key, g.title, g.hint, g.kind, list)
		}
		list, err := byStatus(duixian.StatusPublicity, clauses)
		if err != nil {
			return err
		}
		today := s.today()
		var running, ended []*duixian.Application
		for _, a := range list {
			if a.Publicity != nil && today.After(a.Publicity.Until) {
				ended = append(ended, a)
			} else {
				running = append(running, a)
			}
		}
		add("publicity", "公示中", "公示期内受理异议，须逐项答复", "publicity", running)
		add("ended", "待批准", "公示期满，异议均已答复后批准", "publicity", ended)
	case duixian.RoleCoReviewer:
		v.Scope = actor.Department + "会签"
		list, err := tx.Applications(sqldb.ApplicationFilter{Status: duixian.StatusSubmitted, Consulted: actor.Department})
		if err != nil {
			return err
		}
		var waiting []*duixian.Application
		for _, a := range s.readable(actor, list) {
			for _, o := range a.Opinions {
				if o.Department == actor.Department && o.Given.IsZero() {
					waiting = append(waiting, a)
					break
				}
			}
		}
		add("opinion", "待出具会签意见", "责任单位征求本部门意见的申报", "opinion", waiting)
		given, err := tx.Applications(sqldb.ApplicationFilter{Answered: actor.Department, Limit: 30})
		if err != nil {
			return err
		}
		add("given", "已出具意见", "最近30件", "opinion", s.readable(actor, given))
	case duixian.RoleExpert:
		v.Scope = "第三方专家评审"
		list, err := tx.Applications(sqldb.ApplicationFilter{Status: duixian.StatusReviewed, Expert: actor.User})
		if err != nil {
			return err
		}
		add("reviewed", "待专家评审", "指派给您的申报：请评分并出具评审意见", "review", s.readable(actor, list))
	case duixian.RoleFinance:
		v.Scope = "财政拨付"
		approved, err := byStatus(duixian.StatusApproved, nil)
		if err != nil {
			return err
		}
		add("approved", "待拨付", "已批准，尚未拨付", "pay", approved)
		paying, err := byStatus(duixian.StatusPaying, nil)
		if err != nil {
			return err
		}
		add("paying", "分批拨付中", "分批兑现的条款：后续批次的条件满足后拨付", "pay", paying)
	default: // supervisor, admin
		v.Scope = "全部申报"
		all, err := tx.Applications(sqldb.ApplicationFilter{Limit: 200})
		if err != nil {
			return err
		}
		var recent []*duixian.Application
		for _, a := range all {
			if a.Status != duixian.StatusDraft && len(recent) < 100 {
				recent = append(recent, a)
			}
		}
		add("recent", "最近办理", "按最近更新排序，最多100件（不含企业草稿）", "recent", recent)
	}
	return nil
}
