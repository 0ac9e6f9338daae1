package qunyan

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// mayRead: an enterprise its own entry; 商务金融局, supervisors and
// administrators every entry; a reviewer of another department the
// entries of enterprises it recommended.
func (s *Service) mayRead(actor duixian.Actor, e *Entry) bool {
	switch actor.Role {
	case duixian.RoleEnterprise:
		return actor.Enterprise != "" && actor.Enterprise == e.Enterprise
	case duixian.RoleSupervisor, duixian.RoleAdmin:
		return true
	case duixian.RoleReviewer:
		if s.admits(actor) {
			return true
		}
		if actor.Department == "" {
			return false
		}
		if e.Filing != nil && e.Filing.Recommended == actor.Department {
			return true
		}
		for _, f := range e.History {
			if f.Recommended == actor.Department {
				return true
			}
		}
	}
	return false
}

// Entry reads an enterprise's entry with its notices, as actor may see it;
// one it may not see is reported missing, as a missing one.
func (s *Service) Entry(ctx context.Context, actor duixian.Actor, uscc string) (*View, error) {
	var v *View
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		_, e, err := load(tx, uscc, false)
		if err != nil {
			return err
		}
		if e == nil || !s.mayRead(actor, e) {
			return noEntry(uscc)
		}
		v = &View{Entry: e}
		v.Notices, err = notices(tx, uscc)
		return err
	})
	return v, err
}

// Notices lists an enterprise's notices, newest first: the enterprise its
// own, officials who may read its entry.
func (s *Service) Notices(ctx context.Context, actor duixian.Actor, uscc string) ([]Notice, error) {
	if actor.Role == duixian.RoleEnterprise && actor.Enterprise == uscc {
		var out []Notice
		err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
			var err error
			out, err = notices(tx, uscc)
			return err
		})
		return out, err
	}
	v, err := s.Entry(ctx, actor, uscc)
	if err != nil {
		return nil, err
	}
	return v.Notices, nil
}

func notices(tx *sqldb.Tx, uscc string) ([]Notice, error) {
	recs, err := tx.Records(KindNotice, uscc)
	if err != nil {
		return nil, err
	}
	out := []Notice{}
	for _, r := range recs {
		var n Notice
		if err := json.Unmarshal(r.Doc, &n); err != nil {
			return nil, err
		}
		if strings.HasPrefix(n.Topic, "qunyan") {
			out = append(out, n)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].At.Equal(out[j].At) {
			return out[i].At.After(out[j].At)
		}
		return out[i].Seq > out[j].Seq
	})
	return out, nil
}

// Entries lists the entries actor may see, pending filings first, then by
// the latest change; status ("pending", "member" …) filters, "" for all.
func (s *Service) Entries(ctx context.Context, actor duixian.Actor, status string) ([]*Entry, error) {
	all, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	out := []*Entry{}
	for _, e := range all {
		if s.mayRead(actor, e) && (status == "" || e.Status == status || (status == StatusMember && e.Member)) {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		pi, pj := out[i].Status == StatusPending, out[j].Status == StatusPending
		if pi != pj {
			return pi
		}
		return out[i].Updated.After(out[j].Updated)
	})
	return out, nil
}

func (s *Service) all(ctx context.Context) ([]*Entry, error) {
	var out []*Entry
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records(KindEntry, "")
		if err != nil {
			return err
		}
		for _, r := range recs {
			var e Entry
			if err := json.Unmarshal(r.Doc, &e); err != nil {
				return err
			}
			out = append(out, &e)
		}
		return nil
	})
	return out, err
}

// Member is one line of the member list.
type Member struct {
	Enterprise string `json:"enterprise"`
	Name       string `json:"enterprise_name"`
	Tier       string `json:"tier"`
	Since      string `json:"since"`
	Pending    bool   `json:"refiling_pending,omitempty"`
}

// Members lists the plan's members by tier (as Tiers orders them), then
// name. Officials may read it; enterprises may not.
func (s *Service) Members(ctx context.Context, actor duixian.Actor) ([]Member, error) {
	if actor.Role == duixian.RoleEnterprise || actor.Role == duixian.RolePublic || actor.Role == "" {
		return nil, duixian.Forbidden("成员名单仅供工作人员查看", "the member list is for officials")
	}
	all, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	rank := map[string]int{}
	for i, t := range s.Tiers() {
		rank[t] = i
	}
	out := []Member{}
	for _, e := range all {
		if e.Member {
			out = append(out, Member{Enterprise: e.Enterprise, Name: e.Name, Tier: e.Tier,
				Since: duixian.DateOf(e.Since).String(), Pending: e.Status == StatusPending})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if rank[out[i].Tier] != rank[out[j].Tier] {
			return rank[out[i].Tier] < rank[out[j].Tier]
		}
		return out[i].Name < out[j].Name
	})
	return out, nil
}

// targets are the plan's goals for the end of 2027 (总体要求（二）工作目标:
// 新增头雁企业10家左右、培育鸿雁企业100家左右、储备雏雁企业1000家左右).
// They are the management committee's goals, not conditions, so the
// catalogue does not encode them as rules.
var targets = map[string]int{"头雁": 10, "鸿雁": 100, "雏雁": 1000}

// TierCount is the members of one tier against the 2027 target.
type TierCount struct {
	Tier    string `json:"tier"`
	Members int    `json:"members"`
	Target  int    `json:"target"` // “左右”: about
	// Percent is Members as a share of Target, in whole percent.
	Percent int `json:"percent"`
}

// Counts is the registry's state against the plan's targets.
type Counts struct {
	AsOf    duixian.Date `json:"as_of"`
	Tiers   []TierCount  `json:"tiers"`
	Members int          `json:"members"`
	Pending int          `json:"pending"` // filings awaiting 商务金融局
	Exited  int          `json:"exited"`  // enterprises that left under 附则3 and are not members now
	Target  duixian.Cite `json:"target_cite"`
	By      string       `json:"target_by"` // 2027-12-31
}

// Counts counts members per tier against the 2027 targets.
func (s *Service) Counts(ctx context.Context) (*Counts, error) {
	all, err := s.all(ctx)
	if err != nil {
		return nil, err
	}
	c := &Counts{AsOf: s.today(), By: "2027-12-31", Target: s.cite(targetArticle)}
	per := map[string]int{}
	for _, e := range all {
		if e.Member {
			per[e.Tier]++
			c.Members++
		} else if len(e.Exits) > 0 {
			c.Exited++
		}
		if e.Status == StatusPending {
			c.Pending++
		}
	}
	for _, t := range s.Tiers() {
		tc := TierCount{Tier: t, Members: per[t], Target: targets[t]}
		if tc.Target > 0 {
			tc.Percent = tc.Members * 100 / tc.Target
		}
		c.Tiers = append(c.Tiers, tc)
	}
	return c, nil
}

// cite names an article of 26号 as decisions do.
func (s *Service) cite(article string) duixian.Cite {
	c := duixian.Cite{Document: Document, Article: article}
	if d, ok := s.Catalogue.Document(Document); ok {
		c.Short = d.Short
		for _, a := range d.Articles {
			if a.ID == article {
				c.Label = a.Label
			}
		}
	}
	return c
}
