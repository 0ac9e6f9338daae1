package qunyan

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// System is the actor of the scheduled re-check: an exit under 附则3 is
// automatic (自动退出), whoever's change revealed it.
var System = duixian.Actor{User: "system:qunyan-recheck"}

// Result is the outcome of re-checking one enterprise (附则3 动态管理).
type Result struct {
	Enterprise string `json:"enterprise"`
	Member     bool   `json:"member"` // a member after the check
	Exited     bool   `json:"exited"` // left the plan in this check
	Tier       string `json:"tier,omitempty"`
	// Outcome is the tier 附则1 gives on today's facts; when it differs from
	// Tier, 商务金融局 may re-tier the member on a new filing.
	Outcome string           `json:"outcome,omitempty"`
	Reasons []duixian.Reason `json:"reasons,omitempty"` // every condition not met today
	Exit    *Exit            `json:"exit,omitempty"`
}

// Recheck re-evaluates a member against the exit conditions of 附则3: the
// catalogue's eligibility conditions not-stopped, cooperating,
// not-listed-unremoved and no-major-sanction, as the engine reports them
// (reasons citing supp.3.x) on 附则1's clause. A member meeting one leaves
// the plan: the exit with its reasons is recorded, qunyan_member becomes
// false in the registry, and the enterprise is sent a notice. Other unmet
// conditions (a zone, a penalty under 附则4) are reported, not exits.
func (s *Service) Recheck(ctx context.Context, uscc string) (*Result, error) {
	var out *Result
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = s.recheck(tx, uscc)
		return err
	})
	return out, err
}

// RecheckBy is Recheck asked for by an official: a reviewer of 商务金融局,
// a supervisor or an administrator.
func (s *Service) RecheckBy(ctx context.Context, actor duixian.Actor, uscc string) (*Result, error) {
	if !s.MayRecheck(actor) {
		return nil, s.desk().Refused(ctx, actor, "qunyan-recheck", uscc,
			duixian.Forbidden("群雁计划的动态管理由%s办理", "the 群雁 plan's dynamic management is %s's", s.Department()))
	}
	return s.Recheck(ctx, uscc)
}

func (s *Service) recheck(tx *sqldb.Tx, uscc string) (*Result, error) {
	// The enterprise first, then its entry: the order File and the
	// decisions lock them in.
	ent, err := tx.Enterprise(uscc, true)
	if err != nil {
		return nil, err
	}
	rec, e, err := load(tx, uscc, true)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, noEntry(uscc)
	}
	res := &Result{Enterprise: uscc, Member: e.Member, Tier: e.Tier}
	if !e.Member {
		return res, nil
	}
	// The figures of the filing that admitted it, under today's registry facts.
	filed := e.admittedFacts()
	d, err := s.classify(ent, filed)
	if err != nil {
		return nil, err
	}
	res.Outcome, res.Reasons = d.Outcome, d.Reasons
	why := exitReasons(d)
	if len(why) == 0 {
		return res, nil
	}
	x := Exit{At: s.now(), Tier: e.Tier, Reasons: why, Cite: why[0].Cite}
	var zh, en, cites []string
	for _, r := range why {
		zh = append(zh, strings.TrimPrefix(r.Zh, "不符合：")+"（"+r.Cite.String()+"）")
		en = append(en, strings.TrimPrefix(r.En, "not met: ")+" ("+r.Cite.Document+" "+r.Cite.Article+")")
		cites = append(cites, r.Cite.String())
	}
	x.Notice, err = s.notify(tx, uscc, "qunyan-exit",
		fmt.Sprintf("经动态管理复核，贵企业不再符合：%s。依据%s，贵企业自动退出经开区“群雁计划”（原等级%s），不再享受26号各项支持", strings.Join(zh, "；"), strings.Join(cites, "、"), e.Tier),
		fmt.Sprintf("Your enterprise has left the E-Town 群雁 plan (tier %s) under 26号 附则3 and no longer receives its support: %s", e.Tier, strings.Join(en, "; ")),
		&x.Cite)
	if err != nil {
		return nil, err
	}
	facts, err := setFact(ent.Facts, MemberFact, false)
	if err != nil {
		return nil, err
	}
	ent.Facts, ent.Updated = facts, s.now()
	if err := tx.PutEnterprise(ent); err != nil {
		return nil, err
	}
	before := tierState(e)
	e.Member = false
	e.Exits = append(e.Exits, x)
	if err := s.save(tx, rec, e); err != nil {
		return nil, err
	}
	res.Member, res.Exited, res.Exit = false, true, &x
	return res, tx.Audit(s.desk().Entry(System, "qunyan-exit", uscc, before, "exited:"+strings.Join(cites, "、")))
}

// admittedFacts are the figures of the last confirmed filing (the current
// one, or the latest confirmed one in the history while a re-filing is
// pending).
func (e *Entry) admittedFacts() json.RawMessage {
	if e.Filing != nil && e.Filing.Status == FilingConfirmed {
		return e.Filing.Facts
	}
	for i := len(e.History) - 1; i >= 0; i-- {
		if e.History[i].Status == FilingConfirmed {
			return e.History[i].Facts
		}
	}
	if e.Filing != nil {
		return e.Filing.Facts
	}
	return json.RawMessage(`{}`)
}

// Summary is what RecheckAll did.
type Summary struct {
	Checked int               `json:"checked"`
	Exited  []*Result         `json:"exited"`
	Failed  map[string]string `json:"failed,omitempty"` // USCC → error
}

// RecheckAll re-checks every member, each in its own transaction (for a
// schedule: `duixian qunyan recheck`). One member's failure does not stop
// the others; it is reported.
func (s *Service) RecheckAll(ctx context.Context) (*Summary, error) {
	var members []string
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records(KindEntry, "")
		for _, r := range recs {
			var e Entry
			if err := json.Unmarshal(r.Doc, &e); err != nil {
				return err
			}
			if e.Member {
				members = append(members, r.ID)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	sum := &Summary{Exited: []*Result{}}
	for _, uscc := range members {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		res, err := s.Recheck(ctx, uscc)
		sum.Checked++
		if err != nil {
			if sum.Failed == nil {
				sum.Failed = map[string]string{}
			}
			sum.Failed[uscc] = err.Error()
			continue
		}
		if res.Exited {
			sum.Exited = append(sum.Exited, res)
		}
	}
	return sum, nil
}

// FactsResult is the enterprise's registry facts after UpdateFacts, and
// the re-check that followed when it is (or was) a member.
type FactsResult struct {
	Enterprise string          `json:"enterprise"`
	Facts      json.RawMessage `json:"facts"`
	Recheck    *Result         `json:"recheck,omitempty"`
}

// UpdateFacts changes an enterprise's registry facts (the exit facts of
// 附则3, the figures, the shared records) and re-checks it in the same
// transaction when it is a member, so a change that meets an exit
// condition takes it out at once. Administrators may set any catalogue
// fact; reviewers of 商务金融局 the facts of 26号. qunyan_member itself is
// set only by admission and exit.
func (s *Service) UpdateFacts(ctx context.Context, actor duixian.Actor, uscc string, facts json.RawMessage) (*FactsResult, error) {
	var out *FactsResult
	err := func() error {
		if actor.Role != duixian.RoleAdmin && !s.admits(actor) {
			return duixian.Forbidden("企业的群雁计划事实由%s或管理员更新", "an enterprise's 群雁 facts are updated by %s or an administrator", s.Department())
		}
		given, err := s.Catalogue.DecodeJSONFacts("facts", facts)
		if err != nil {
			return err
		}
		if len(given) == 0 {
			return duixian.Errorf(duixian.EINVALID, "facts", "没有要更新的事实", "no facts to update")
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(facts, &raw); err != nil {
			return duixian.Errorf(duixian.EINVALID, "facts", "事实应为 JSON 对象", "facts must be a JSON object")
		}
		for name := range raw {
			f, _ := s.Catalogue.Fact(name)
			switch {
			case name == MemberFact:
				return duixian.Errorf(duixian.EINVALID, "facts."+name, "是否纳入群雁计划由核查准入与自动退出决定，不能直接修改", "membership is set by admission and exit, not directly")
			case actor.Role != duixian.RoleAdmin && f.Document != Document:
				return duixian.Forbidden("%s只能更新26号的事实，%s由管理员登记", "%s may update only 26号's facts; %s is the administrators'", actor.Department, name)
			}
		}
		return s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
			ent, err := tx.Enterprise(uscc, true)
			if err != nil {
				return err
			}
			m := map[string]json.RawMessage{}
			if len(ent.Facts) > 0 {
				if err := json.Unmarshal(ent.Facts, &m); err != nil {
					return err
				}
			}
			for k, v := range raw {
				m[k] = v
			}
			doc, err := json.Marshal(m)
			if err != nil {
				return err
			}
			if _, err := s.Catalogue.DecodeJSONFacts("enterprise.facts", doc); err != nil {
				return err
			}
			ent.Facts, ent.Updated = doc, s.now()
			if err := tx.PutEnterprise(ent); err != nil {
				return err
			}
			if err := tx.Audit(s.desk().Entry(actor, "qunyan-facts", uscc, "", string(facts))); err != nil {
				return err
			}
			out = &FactsResult{Enterprise: uscc}
			_, e, err := load(tx, uscc, false)
			if err != nil {
				return err
			}
			if e != nil && e.Member {
				if out.Recheck, err = s.recheck(tx, uscc); err != nil {
					return err
				}
			}
			after, err := tx.Enterprise(uscc, false)
			if err != nil {
				return err
			}
			out.Facts = after.Facts
			return nil
		})
	}()
	return out, s.desk().Refused(ctx, actor, "qunyan-facts", uscc, err)
}
