package workflow

import (
	"context"
	"slices"
	"strconv"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// QueueGroup is one stage of an official's queue, one page of it.
type QueueGroup struct {
	Key, Title, Hint, Kind string
	Apps                   []*duixian.Application
	// List names the list the stage is a page of, and Next the cursor of
	// its next page ("" on the last): Queue(…, List, Next) reads it. Two
	// stages can share a list (公示中 and 待批准 are one list, split by
	// the end of the window).
	List, Next string
}

// Queue is an official's work: the stages their role acts on, each with a
// page of the applications waiting in it, and the enterprises' names.
type Queue struct {
	Scope  string
	Groups []QueueGroup
	Names  map[string]string // by USCC; "" for an enterprise not registered
}

// Total is how many applications the queue's pages hold.
func (q *Queue) Total() int {
	n := 0
	for _, g := range q.Groups {
		n += len(g.Apps)
	}
	return n
}

// QueueQuery is the page of a queue an official asks for: with List (a
// group's List) only that list, from the page after cursor After; every
// stage narrowed to what Search finds, of Clause and Year; with Status only
// that status among the stages of every status (the latest cases, the
// opinions given); the longest waiting first when Oldest.
type QueueQuery struct {
	List, After    string
	Search, Clause string
	Year           int
	Status         duixian.Status
	Oldest         bool
}

// QueuePageSize is how many applications a stage of a queue shows at once.
const QueuePageSize = 50

// clausesOf lists the clauses a department is responsible for.
func (s *Service) clausesOf(dept string) []string {
	var out []string
	for _, cl := range s.Catalogue.Clauses() {
		if cl.Responsible(dept) {
			out = append(out, cl.ID)
		}
	}
	return out
}

// Queue lists the work waiting for actor: a reviewer the stages of the
// department's clauses that are theirs to move on, a co-reviewer the
// opinions asked of its department, an expert the cases assigned to score,
// finance what is to pay, supervision and administrators the latest cases.
// Each stage shows its first page of what the query asks.
func (s *Service) Queue(ctx context.Context, actor duixian.Actor, query QueueQuery) (*Queue, error) {
	v := &Queue{Names: map[string]string{}}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		if err := s.queue(tx, actor, v, query); err != nil {
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

// stage is one list of a queue, and how its page is shown.
type stage struct {
	key, title, hint, kind string
	filter                 sqldb.ApplicationFilter
	// split, when set, divides the page into two stages: those it holds
	// for go under key, the others under other.
	split func(*duixian.Application) bool
	other [4]string // key, title, hint, kind
}

func (s *Service) queue(tx *sqldb.Tx, actor duixian.Actor, v *Queue, query QueueQuery) error {
	stages, scope := s.stages(actor)
	v.Scope = scope
	list := query.List
	found := list == ""
	for _, st := range stages {
		if list != "" && st.key != list {
			continue
		}
		found = true
		p := duixian.PageRequest{Limit: QueuePageSize}
		if list != "" {
			p.After = query.After
		}
		f, some := narrow(st.filter, query)
		page := &duixian.Page[*duixian.Application]{}
		if some {
			var err error
			if page, err = s.pageOf(tx, actor, f, p); err != nil {
				return err
			}
		}
		if st.split == nil {
			v.Groups = append(v.Groups, QueueGroup{Key: st.key, Title: st.title, Hint: st.hint, Kind: st.kind, Apps: page.Items, List: st.key, Next: page.Next})
			continue
		}
		var in, out []*duixian.Application
		for _, a := range page.Items {
			if st.split(a) {
				in = append(in, a)
			} else {
				out = append(out, a)
			}
		}
		v.Groups = append(v.Groups, QueueGroup{Key: st.key, Title: st.title, Hint: st.hint, Kind: st.kind, Apps: in, List: st.key, Next: page.Next},
			QueueGroup{Key: st.other[0], Title: st.other[1], Hint: st.other[2], Kind: st.other[3], Apps: out, List: st.key, Next: page.Next})
	}
	if !found {
		return duixian.Errorf(duixian.EINVALID, "list", "待办中没有“%s”一栏", "the queue has no list %q", list)
	}
	return nil
}

// narrow is a stage's filter narrowed by what the official asks: false
// when nothing can be found (a clause the stage does not hold, a status
// other than the stage's).
func narrow(f sqldb.ApplicationFilter, q QueueQuery) (sqldb.ApplicationFilter, bool) {
	f.Search, f.Year, f.Oldest = q.Search, q.Year, q.Oldest
	if q.Clause != "" {
		if len(f.Clauses) > 0 && !slices.Contains(f.Clauses, q.Clause) {
			return f, false
		}
		f.Clauses = []string{q.Clause}
	}
	if q.Status != "" {
		if f.Status != "" && f.Status != q.Status {
			return f, false
		}
		f.Status = q.Status
	}
	return f, true
}

// stages are actor's lists of work, and what the queue is of.
func (s *Service) stages(actor duixian.Actor) ([]stage, string) {
	byStatus := func(st duixian.Status, clauses []string) sqldb.ApplicationFilter {
		return sqldb.ApplicationFilter{Status: st, Clauses: clauses}
	}
	switch actor.Role {
	case duixian.RoleReviewer:
		clauses := s.clausesOf(actor.Department)
		scope := actor.Department + "负责的条款（" + strconv.Itoa(len(clauses)) + "项）"
		if len(clauses) == 0 {
			return nil, scope
		}
		today := s.today()
		return []stage{
			{key: "submitted", title: "待初审", hint: "审核材料，必要时征求会签意见，初审通过、退回补正或不予通过", kind: "review", filter: byStatus(duixian.StatusSubmitted, clauses)},
			{key: "reviewed", title: "专家评审", hint: "初审已通过：指派第三方专家，待专家评审", kind: "review", filter: byStatus(duixian.StatusReviewed, clauses)},
			{key: "assessed", title: "待拟定金额", hint: "专家评审已完成，按政策计算金额拟定拟支持金额", kind: "review", filter: byStatus(duixian.StatusAssessed, clauses)},
			{key: "proposed", title: "待公示", hint: "金额已拟定：发布公示；21号、22号的项目汇总列入本批次年度扶持资金建议方案，方案批准后统一公示", kind: "review", filter: byStatus(duixian.StatusProposed, clauses)},
			{key: "publicity", title: "公示中", hint: "公示期内受理异议，须逐项答复", kind: "publicity", filter: byStatus(duixian.StatusPublicity, clauses),
				split: func(a *duixian.Application) bool { return a.Publicity == nil || !today.After(a.Publicity.Until) },
				other: [4]string{"ended", "待批准", "公示期满，异议均已答复后批准；建议方案中的项目由方案转入拨付", "publicity"}},
		}, scope
	case duixian.RoleCoReviewer:
		return []stage{
			{key: "opinion", title: "待出具会签意见", hint: "责任单位征求本部门意见的申报", kind: "opinion",
				filter: sqldb.ApplicationFilter{Status: duixian.StatusSubmitted, Awaiting: actor.Department}},
			{key: "given", title: "已出具意见", hint: "按最近更新排序", kind: "opinion", filter: sqldb.ApplicationFilter{Answered: actor.Department}},
		}, actor.Department + "会签"
	case duixian.RoleExpert:
		return []stage{{key: "reviewed", title: "待专家评审", hint: "指派给您的申报：请评分并出具评审意见", kind: "review",
			filter: sqldb.ApplicationFilter{Status: duixian.StatusReviewed, Expert: actor.User}}}, "第三方专家评审"
	case duixian.RoleFinance:
		return []stage{
			{key: "approved", title: "待拨付", hint: "已批准，尚未拨付", kind: "pay", filter: byStatus(duixian.StatusApproved, nil)},
			{key: "paying", title: "分批拨付中", hint: "分批兑现的条款：后续批次的条件满足后拨付", kind: "pay", filter: byStatus(duixian.StatusPaying, nil)},
		}, "财政拨付"
	}
	// supervisor, admin
	return []stage{{key: "recent", title: "最近办理", hint: "按最近更新排序（不含企业草稿）", kind: "recent",
		filter: sqldb.ApplicationFilter{NoDrafts: true}}}, "全部申报"
}
