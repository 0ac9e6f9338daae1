package qunyan

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/sqldb"
)

// FileInput is the record form (附则2（2）“群雁计划”企业备案表).
type FileInput struct {
	Enterprise string          `json:"enterprise"` // USCC
	Facts      json.RawMessage `json:"facts"`      // the figures 附则1 reads (qunyan_ facts …)
}

// File records a filing (备案, 附则2): the enterprise for itself (自荐), or
// a reviewer of any department on its behalf (推荐). The engine proposes the
// tier on the filed figures with the registry's facts merged over them and
// states which condition matched. A new filing replaces a pending one; the
// earlier filings stay in the entry's history.
func (s *Service) File(ctx context.Context, actor duixian.Actor, in FileInput) (*Entry, error) {
	uscc := strings.TrimSpace(in.Enterprise)
	var ent *duixian.Enterprise
	var rec *sqldb.Record
	var f *Filing
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*Entry, string]{Action: "qunyan-file", Subject: uscc,
		Actor: func(actor duixian.Actor) error {
			switch {
			case actor.Role == duixian.RoleEnterprise:
				if actor.Enterprise == "" || actor.Enterprise != uscc {
					return duixian.Forbidden("只能为本企业备案", "you may file only for your own enterprise")
				}
			case actor.Role == duixian.RoleReviewer && actor.Department != "":
			default:
				return duixian.Forbidden("角色%s不能备案：由企业自荐或各部门推荐申报（附则2（1））", "role %s may not file: enterprises file for themselves, departments recommend (附则2（1）)", actor.Role)
			}
			return nil
		},
		Validate: func() error {
			if err := duixian.ValidateUSCC(uscc); err != nil {
				return err
			}
			_, err := s.formFacts(in.Facts)
			return err
		},
		Load: func(tx *sqldb.Tx) (e *Entry, err error) {
			if ent, rec, e, err = lock(tx, uscc); err != nil {
				return nil, err
			}
			if e == nil {
				e = &Entry{Enterprise: uscc}
			}
			f = nil
			return e, nil
		},
		// A filing leaves the entry pending at the tier the engine proposes.
		State: func(e *Entry) string {
			if f != nil && e.Filing == f {
				return "pending:" + f.Proposed
			}
			return tierState(e)
		},
		Apply: func(tx *sqldb.Tx, e *Entry) error {
			e.Name = ent.Name
			d, err := s.classify(ent, in.Facts)
			if err != nil {
				return err
			}
			by := actor
			by.IP = ""
			f = &Filing{ID: duixian.NewID("Q", s.now()), Filed: s.now(), By: by, Facts: in.Facts, Decision: d,
				Proposed: d.Outcome, Matched: matched(d), Status: FilingPending}
			if len(f.Facts) == 0 {
				f.Facts = json.RawMessage(`{}`)
			}
			if actor.Role == duixian.RoleReviewer {
				f.Recommended = actor.Department
			}
			if e.Filing != nil {
				old := *e.Filing
				if old.Status == FilingPending {
					old.Status = FilingSuperseded
				}
				e.History = append(e.History, old)
			}
			e.Filing = f
			return nil
		},
		Save: func(tx *sqldb.Tx, e *Entry) error { return s.save(tx, rec, e) },
	})
}

// decide runs a decision on a pending filing: only a reviewer of 商务金融局
// (附则2（3）“商务金融局对企业申报资料进行核查准入并确定企业等级”).
func (s *Service) decide(ctx context.Context, actor duixian.Actor, action, uscc string, apply func(tx *sqldb.Tx, ent *duixian.Enterprise, e *Entry) error) (*Entry, error) {
	var ent *duixian.Enterprise
	var rec *sqldb.Record
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*Entry, string]{Action: action, Subject: uscc,
		Actor: func(actor duixian.Actor) error {
			if !s.admits(actor) {
				return duixian.Forbidden("群雁计划的核查准入由%s办理，%s%s不能办理", "admission to the 群雁 plan is decided by %s, not by %s %s",
					s.Department(), actor.Department, actor.Role)
			}
			return nil
		},
		Load: func(tx *sqldb.Tx) (e *Entry, err error) {
			if ent, rec, e, err = lock(tx, uscc); err != nil {
				return nil, err
			}
			if e == nil {
				return nil, noEntry(uscc)
			}
			return e, nil
		},
		Check: func(_ *sqldb.Tx, e *Entry) error {
			if e.Filing == nil || e.Filing.Status != FilingPending {
				return duixian.Conflict("企业 %s 没有待核查的备案", "%s has no filing awaiting review", uscc)
			}
			return nil
		},
		State: tierState,
		Apply: func(tx *sqldb.Tx, e *Entry) error {
			if err := apply(tx, ent, e); err != nil {
				return err
			}
			e.Filing.Decided, e.Filing.DecidedBy = s.now(), actor.User
			return nil
		},
		Save: func(tx *sqldb.Tx, e *Entry) error { return s.save(tx, rec, e) },
	})
}

// Confirm admits the enterprise (核查准入并确定企业等级): at the tier the
// engine proposes on today's registry facts, or, with a written reason the
// enterprise sees, at another tier of 附则1. The engine must find the
// enterprise eligible (附则4's common conditions, 附则3's exit conditions);
// admission sets the registry fact qunyan_member, so 26号's awards apply.
func (s *Service) Confirm(ctx context.Context, actor duixian.Actor, uscc, tier, reason string) (*Entry, error) {
	tier, reason = strings.TrimSpace(tier), strings.TrimSpace(reason)
	return s.decide(ctx, actor, "qunyan-confirm", uscc, func(tx *sqldb.Tx, ent *duixian.Enterprise, e *Entry) error {
		f := e.Filing
		d, err := s.classify(ent, f.Facts)
		if err != nil {
			return err
		}
		f.Review = &d
		if !d.Eligible {
			return refused("不能纳入群雁计划：", "cannot admit: ", d.Reasons)
		}
		if tier == "" {
			tier = d.Outcome
		}
		if tier == None {
			return duixian.Errorf(duixian.EINVALID, "tier", "按附则1认定为“%s”：请选择等级并写明理由，或不予纳入", "附则1 gives %s: choose a tier and state why, or reject", None)
		}
		if !s.isTier(tier) {
			return duixian.Errorf(duixian.EINVALID, "tier", "等级应为 %s 之一", "the tier must be one of %s", strings.Join(s.Tiers(), "、"))
		}
		if tier != d.Outcome && reason == "" {
			return duixian.Errorf(duixian.EINVALID, "reason", "按附则1认定为“%s”，确定为“%s”须写明理由，企业可见", "附则1 gives %s; admitting as %s needs a reason the enterprise sees", d.Outcome, tier)
		}
		facts, err := setFact(ent.Facts, MemberFact, true)
		if err != nil {
			return err
		}
		ent.Facts, ent.Updated = facts, s.now()
		if err := tx.PutEnterprise(ent); err != nil {
			return err
		}
		f.Status, f.Tier, f.Reason = FilingConfirmed, tier, reason
		if !e.Member {
			e.Since = s.now()
		}
		e.Member, e.Tier = true, tier
		zh := fmt.Sprintf("贵企业已纳入经开区“群雁计划”，企业等级为%s（26号附则2（3））", tier)
		en := fmt.Sprintf("Your enterprise has been admitted to the E-Town 群雁 plan as %s (26号 附则2(3))", tier)
		if reason != "" {
			zh += "。说明：" + reason
			en += ". Note: " + reason
		}
		_, err = s.notify(tx, e.Enterprise, "qunyan-confirmed", zh, en, nil)
		return err
	})
}

// Reject refuses the filing with a reason the enterprise sees. A member
// whose re-filing is rejected stays a member at its tier.
func (s *Service) Reject(ctx context.Context, actor duixian.Actor, uscc, reason string) (*Entry, error) {
	reason = strings.TrimSpace(reason)
	return s.decide(ctx, actor, "qunyan-reject", uscc, func(tx *sqldb.Tx, _ *duixian.Enterprise, e *Entry) error {
		if reason == "" {
			return duixian.Errorf(duixian.EINVALID, "reason", "须写明理由，企业可见", "a reason is required; the enterprise sees it")
		}
		e.Filing.Status, e.Filing.Reason = FilingRejected, reason
		_, err := s.notify(tx, e.Enterprise, "qunyan-rejected", "贵企业的“群雁计划”备案未予纳入："+reason,
			"Your 群雁 plan filing was not accepted: "+reason, nil)
		return err
	})
}

// lock reads and locks an enterprise and then its entry (nil when it has
// none): the order every change of the registry locks them in.
func lock(tx *sqldb.Tx, uscc string) (*duixian.Enterprise, *sqldb.Record, *Entry, error) {
	ent, err := tx.Enterprise(uscc, true)
	if err != nil {
		return nil, nil, nil, err
	}
	rec, e, err := load(tx, uscc, true)
	return ent, rec, e, err
}
