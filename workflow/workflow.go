// Package workflow turns decisions into cases that officials work and money
// that is paid exactly once: the path of 21号第十二条 and 22号第十条 —
// submission, preliminary review with other departments' opinions, expert
// review, a proposed amount, publicity with objections, approval,
// disbursement in the clause's tranches — and supervision afterwards.
//
// The rules here hold whatever the store: every transition checks who acts
// (an official only on clauses of their own department, enterprise staff
// only for their own enterprise), checks the state, re-evaluates the claim
// against the award ledger where money is at stake, and writes the change
// and its audit entry in one transaction. An attempt that is refused leaves
// the state as it was and is itself written to the audit log.
package workflow

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/sqldb"
)

// Service runs the workflow.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
	Calendar  *calendar.Calendar
	// Now is the clock; tests move it.
	Now func() time.Time
	// Denials counts anonymous visitors' refusals instead of writing each
	// to the audit log (casework.Tally); the server writes its counts.
	Denials *casework.Tally
	// Decided, when set, is told of every decision the engine makes on an
	// application (submission, review steps, approval), eligible or not,
	// for the server's metrics. A transaction run again tells it again.
	Decided func(duixian.Decision)

	audit auditCheck // the last verification of the audit chain (auditlog.go)
}

// New returns a service on the real clock.
func New(db *sqldb.DB, cat *engine.Catalogue, cal *calendar.Calendar) *Service {
	return &Service{DB: db, Catalogue: cat, Calendar: cal, Now: time.Now, Denials: casework.NewTally()}
}

func (s *Service) today() duixian.Date { return duixian.DateOf(s.Now()) }

// transition is one change to one application: who may make it, from which
// states, and what it does. Loading, locking, saving, auditing and logging
// refusals are casework's, the same for every case.
type transition struct {
	action string
	roles  []duixian.Role
	from   []duixian.Status
	// department: the actor must be of the clause's responsible department.
	department bool
	// owner: the actor must act for the application's enterprise.
	owner bool
	// public: anyone may make it, on an application in publicity only;
	// on any other, or a missing one, the answer is the same.
	public bool
	// separate names the step, in Chinese and English, when whoever
	// proposed the amount may not make it (separation of duties).
	separate *[2]string
	apply    func(tx *sqldb.Tx, a *duixian.Application) error
	// once, when set, makes the transition idempotent under a key: the
	// key and the answer are recorded in the transition's own transaction.
	once *casework.Once
	// detail, when set, is written beside the state in the audit entry.
	detail func() string
}

func (s *Service) desk() casework.Desk { return casework.Desk{DB: s.DB, Now: s.Now, Tally: s.Denials} }

// run applies t to application id as one casework transition.
func (s *Service) run(ctx context.Context, actor duixian.Actor, id string, t transition) (*duixian.Application, error) {
	a, err := casework.Run(ctx, s.desk(), actor, casework.Transition[*duixian.Application, duixian.Status]{
		Action: t.action, Subject: id, Roles: t.roles, From: t.from, Once: t.once,
		Load: func(tx *sqldb.Tx) (*duixian.Application, error) {
			a, err := tx.Application(id, true)
			if duixian.ErrorCode(err) == duixian.ENOTFOUND {
				return nil, t.missing(id)
			}
			return a, err
		},
		Check: func(tx *sqldb.Tx, a *duixian.Application) error { return s.allowed(tx, actor, a, t) },
		State: status,
		Apply: t.apply,
		Detail: func(*duixian.Application) string {
			if t.detail == nil {
				return ""
			}
			return t.detail()
		},
		Save: func(tx *sqldb.Tx, a *duixian.Application) error {
			a.Updated = s.Now()
			return tx.PutApplication(a)
		},
	})
	return asSeenBy(actor, a), err
}

func status(a *duixian.Application) duixian.Status { return a.Status }

// noApplication is the one answer to an application that does not exist
// and to one the actor may not see, on every read and every step, so that
// the answer tells nobody whether it exists.
func noApplication(id string) error {
	return duixian.Errorf(duixian.ENOTFOUND, "application", "没有申报 %s", "no application %s", id)
}

// notInPublicity is the one answer to an objection on anything but an
// application in publicity — missing, a draft, approved, paid —, so that
// an objection, which anyone may file, tells nothing of a case that is not
// public.
func notInPublicity(id string) error {
	return duixian.Errorf(duixian.ENOTFOUND, "application", "没有公示中的项目 %s", "no application %s is in publicity", id)
}

// missing is the answer to an application that is not there.
func (t transition) missing(id string) error {
	if t.public {
		return notInPublicity(id)
	}
	return noApplication(id)
}

// allowed checks what the role and the state do not say: that the actor
// may see the application at all (one they may not is answered as
// missing), whose it is, which department's, and that the one who
// proposed the amount does not also approve or pay it.
func (s *Service) allowed(tx *sqldb.Tx, actor duixian.Actor, a *duixian.Application, t transition) error {
	if t.public {
		if a.Status != duixian.StatusPublicity || a.Publicity == nil {
			return casework.Unseen(notInPublicity(a.ID))
		}
		return nil
	}
	if !s.mayRead(actor, a) {
		return casework.Unseen(noApplication(a.ID))
	}
	if t.owner && actor.Enterprise != a.Enterprise {
		return duixian.Forbidden("只能办理本企业的申报", "you may act only for your own enterprise")
	}
	if t.department {
		cl, ok := s.Catalogue.Clause(a.Clause)
		if !ok || !cl.Responsible(actor.Department) {
			return duixian.Forbidden("条款%s由%s负责，%s无权办理", "clause %s belongs to %s, not %s", a.Clause, departmentOf(cl), actor.Department)
		}
	}
	if t.separate != nil {
		return s.separated(tx, actor, a, t.separate[0], t.separate[1])
	}
	return nil
}

func departmentOf(cl *engine.Clause) string {
	if cl == nil {
		return "（未知条款）"
	}
	return cl.Department
}

// DraftInput is what an applicant fills in.
type DraftInput struct {
	// ID is left empty for a new id. A caller that must create one draft
	// however often it is retried (a 免申即享 confirmation) reserves the id
	// first and passes it here.
	ID string
	// Key, when set, is the one-time key of the form the draft comes
	// from: the same form posted again returns the draft the key made.
	Key        string
	Enterprise string
	Clause     string
	EventDate  duixian.Date
	Project    string
	Facts      json.RawMessage
	Declared   bool
	// Materials are files sent with the form; each is checked and
	// recorded as AddMaterial does.
	Materials []MaterialUpload
	// Offer is the 免申即享 offer the draft is confirmed from (package
	// matching): such an application asks for no materials.
	Offer string
}

// CreateDraft records an application as a draft. The facts are checked
// against the clause's schema now, so a mistyped fact is named at once.
//
// With a Key, the draft is created once however often the form is posted,
// and from whichever process: the key is recorded with the draft in its
// own transaction, after the enterprise is locked, so a second request with
// the key waits for the first and gets the same draft back (as created),
// and the key on other content is refused.
func (s *Service) CreateDraft(ctx context.Context, actor duixian.Actor, in DraftInput) (*duixian.Application, error) {
	now := s.Now()
	if in.ID == "" {
		in.ID = duixian.NewID("A", now)
	}
	t := casework.Transition[*duixian.Application, duixian.Status]{Action: "create", Subject: in.ID, For: in.Enterprise,
		Actor: func(actor duixian.Actor) error {
			if actor.Role != duixian.RoleEnterprise || actor.Enterprise != in.Enterprise {
				return duixian.Forbidden("只能为本企业创建申报", "you may apply only for your own enterprise")
			}
			return nil
		},
		Validate: func() error {
			if _, ok := s.Catalogue.Clause(in.Clause); !ok {
				return duixian.Errorf(duixian.ENOTFOUND, "clause", "没有条款 %s", "no clause %s", in.Clause)
			}
			if in.EventDate.IsZero() {
				return duixian.Errorf(duixian.EINVALID, "event_date", "缺少事项发生日期", "event_date is missing")
			}
			_, err := s.Catalogue.DecodeJSONFacts("facts", in.Facts)
			return err
		},
		Load: func(tx *sqldb.Tx) (*duixian.Application, error) {
			if _, err := tx.Enterprise(in.Enterprise, true); err != nil {
				return nil, err
			}
			return &duixian.Application{ID: in.ID, Enterprise: in.Enterprise, Clause: in.Clause, Year: in.EventDate.Year,
				EventDate: in.EventDate, Project: in.Project, Facts: in.Facts, Declared: in.Declared, Offer: in.Offer,
				Created: now, Updated: now}, nil
		},
		State: status,
		Apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if err := s.inRound(tx, a); err != nil {
				return err
			}
			for _, f := range in.Materials {
				if _, err := s.addMaterial(tx, actor, a, f); err != nil {
					return err
				}
			}
			a.Status = duixian.StatusDraft
			return nil
		},
		Save: func(tx *sqldb.Tx, a *duixian.Application) error { return tx.PutApplication(a) },
	}
	if in.Key != "" {
		t.Once = &casework.Once{Key: in.Key, Request: draftRequest(in)}
	}
	return casework.Run(ctx, s.desk(), actor, t)
}

// draftRequest is what a keyed CreateDraft asked for; the id is left out,
// since each post of one form reserves its own.
func draftRequest(in DraftInput) string {
	var b strings.Builder
	fmt.Fprintf(&b, "create:%s:%s:%s:%q:%t:%s:%s", in.Enterprise, in.Clause, in.EventDate, in.Project, in.Declared, in.Facts, in.Offer)
	for _, f := range in.Materials {
		sum := sha256.Sum256(f.Data)
		fmt.Fprintf(&b, ":%q:%q:%x", f.Name, f.Kind, sum)
	}
	return b.String()
}

// Drafted returns, as it is now, the application that actor's CreateDraft
// made under a form's key, or nil when the key made none.
func (s *Service) Drafted(ctx context.Context, actor duixian.Actor, key string) (*duixian.Application, error) {
	var first *duixian.Application
	var found bool
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) (err error) {
		first, found, err = casework.Answer[*duixian.Application](tx, actor, "create", key)
		return err
	})
	if err != nil || !found {
		return nil, err
	}
	return s.Application(ctx, actor, first.ID)
}

// UpdateDraft replaces a draft's or returned application's facts (补正).
func (s *Service) UpdateDraft(ctx context.Context, actor duixian.Actor, id string, facts json.RawMessage, declared bool) (*duixian.Application, error) {
	return s.revise(ctx, actor, id, []duixian.Status{duixian.StatusDraft, duixian.StatusReturned}, nil, facts, declared)
}

// DraftRevision is a draft as its applicant revises it.
type DraftRevision struct {
	EventDate duixian.Date
	Project   string
	Facts     json.RawMessage
	Declared  bool
}

// ReviseDraft replaces a draft's event date, project, facts and
// declaration: the same application, changed (never a new one and the old
// withdrawn, which would put a withdrawal in the applicant's name that they
// did not make). A returned application keeps its event date and project:
// UpdateDraft.
func (s *Service) ReviseDraft(ctx context.Context, actor duixian.Actor, id string, in DraftRevision) (*duixian.Application, error) {
	if in.EventDate.IsZero() {
		return nil, duixian.Errorf(duixian.EINVALID, "event_date", "缺少事项发生日期", "event_date is missing")
	}
	return s.revise(ctx, actor, id, []duixian.Status{duixian.StatusDraft}, &in, in.Facts, in.Declared)
}

// revise is the audited update of a draft: its facts and declaration, and
// with a revision its event date (and so its year) and project.
func (s *Service) revise(ctx context.Context, actor duixian.Actor, id string, from []duixian.Status, in *DraftRevision, facts json.RawMessage, declared bool) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "update", roles: []duixian.Role{duixian.RoleEnterprise}, owner: true,
		from: from,
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if _, err := s.Catalogue.DecodeJSONFacts("facts", facts); err != nil {
				return err
			}
			if in != nil {
				a.EventDate, a.Year, a.Project = in.EventDate, in.EventDate.Year, in.Project
			}
			a.Facts, a.Declared = facts, declared
			return nil
		}})
}

// Submit sends a draft (or a returned application) for review. It takes an
// idempotency key: a replay returns the first answer, and the same key on
// another request is refused. The engine must find the claim eligible
// beside the enterprise's approved awards of the year; its decision is
// frozen with the catalogue version.
func (s *Service) Submit(ctx context.Context, actor duixian.Actor, id, key string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "submit", roles: []duixian.Role{duixian.RoleEnterprise}, owner: true,
		once: &casework.Once{Key: key, Request: "submit:" + id},
		from: []duixian.Status{duixian.StatusDraft, duixian.StatusReturned},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if !a.Declared {
				return duixian.Errorf(duixian.EINVALID, "declared", "提交前须承诺申报材料真实、无弄虚作假",
					"declare that the materials are true before submitting")
			}
			// A returned application was taken in its round; its 补正
			// is answered after the window too.
			if a.Status == duixian.StatusDraft {
				if err := s.inRound(tx, a); err != nil {
					return err
				}
			}
			d, err := s.decide(tx, a)
			if err != nil {
				return err
			}
			if !d.Eligible {
				return refused(d)
			}
			// After the decision: a claim the rules refuse is told so
			// before it is asked for files.
			if cl, ok := s.Catalogue.Clause(a.Clause); ok {
				if err := material.MissingError(material.Missing(cl, a)); err != nil {
					return err
				}
			}
			a.Decision, a.Review, a.CatalogueVersion = &d, &d, s.Catalogue.Version()
			a.Status, a.Reason, a.Requested = duixian.StatusSubmitted, "", nil
			return nil
		}})
}

func refused(d duixian.Decision) error {
	var zh, en []string
	for _, r := range d.Reasons {
		zh = append(zh, r.Zh+"（"+r.Cite.String()+"）")
		en = append(en, r.En)
	}
	return &duixian.Error{Code: duixian.EREFUSED, Zh: "不符合条件：" + strings.Join(zh, "；"), En: "refused: " + strings.Join(en, "; "), Reasons: d.Reasons}
}

// facts merges what the applicant gave with what the platform knows: the
// enterprise's file overrides the applicant on every fact it holds, a
// document's ban fact is true exactly while a ban under it lasts, and the
// ledger answers whether the enterprise already holds or claims a
// once-only award (held: the enterprise's applications; a's own is skipped).
func (s *Service) facts(e *duixian.Enterprise, a *duixian.Application, held []*duixian.Application, asOf duixian.Date) (duixian.Facts, error) {
	facts, err := s.Catalogue.DecodeJSONFacts("facts", a.Facts)
	if err != nil {
		return nil, err
	}
	known, err := s.Catalogue.EnterpriseFacts(e, asOf)
	if err != nil {
		return nil, err
	}
	maps.Copy(facts, known)
	others := slices.DeleteFunc(slices.Clone(held), func(h *duixian.Application) bool { return h.ID == a.ID })
	maps.Copy(facts, s.Catalogue.LedgerFacts(others, a.Project))
	return facts, nil
}

// held reads the enterprise's applications under the clauses the ledger's
// facts report on. The caller holds the enterprise's lock, so an
// application submitted concurrently is either committed and seen here or
// waits for this one.
func (s *Service) held(tx *sqldb.Tx, enterprise string) ([]*duixian.Application, error) {
	clauses := s.Catalogue.LedgerClauses()
	if len(clauses) == 0 {
		return nil, nil
	}
	return tx.Applications(sqldb.ApplicationFilter{Enterprise: enterprise, Clauses: clauses})
}

// decide evaluates a against the enterprise's approved awards of the year
// (held fixed), so caps, exclusions and category limits count them, and
// against every application that holds or claims a once-only award. It
// locks the enterprise, so two decisions about one enterprise happen one
// after the other.
func (s *Service) decide(tx *sqldb.Tx, a *duixian.Application) (duixian.Decision, error) {
	e, err := tx.Enterprise(a.Enterprise, true)
	if err != nil {
		return duixian.Decision{}, err
	}
	apps, err := s.held(tx, a.Enterprise)
	if err != nil {
		return duixian.Decision{}, err
	}
	asOf := s.today()
	set := duixian.ClaimSet{Enterprise: a.Enterprise, Year: a.Year, AsOf: asOf}
	awards, err := tx.Awards(a.Enterprise, a.Year)
	if err != nil {
		return duixian.Decision{}, err
	}
	for _, aw := range awards {
		if aw.Revoked || aw.Application == a.ID {
			continue
		}
		granted, err := tx.Application(aw.Application, false)
		if err != nil {
			return duixian.Decision{}, err
		}
		facts, err := s.facts(e, granted, apps, asOf)
		if err != nil {
			return duixian.Decision{}, err
		}
		set.Claims = append(set.Claims, duixian.Claim{Clause: aw.Clause, EventDate: aw.EventDate, Project: aw.Project,
			Facts: facts, Granted: true, GrantedAmount: aw.Amount})
	}
	pending, err := s.pending(tx, a)
	if err != nil {
		return duixian.Decision{}, err
	}
	for _, p := range pending {
		facts, err := s.facts(e, p, apps, asOf)
		if err != nil {
			return duixian.Decision{}, err
		}
		set.Claims = append(set.Claims, duixian.Claim{Clause: p.Clause, EventDate: p.EventDate, Project: p.Project,
			Facts: facts, Granted: true})
	}
	facts, err := s.facts(e, a, apps, asOf)
	if err != nil {
		return duixian.Decision{}, err
	}
	set.Claims = append(set.Claims, duixian.Claim{Clause: a.Clause, EventDate: a.EventDate, Project: a.Project, Facts: facts})
	y, err := s.Catalogue.EvaluateYear(set, engine.Options{Trace: true})
	if err != nil {
		return duixian.Decision{}, err
	}
	d := y.Decisions[len(y.Decisions)-1]
	if !d.Eligible {
		d.Reasons = append(d.Reasons, s.heldReasons(a, apps)...)
		if yearRuleRefused(d) {
			d.Reasons = append(d.Reasons, pendingReasons(a, pending)...)
		}
	}
	if s.Decided != nil {
		s.Decided(d)
	}
	return d, nil
}

// pending are the enterprise's other claims of a's year still in review
// (submitted … 公示) that a's claim rivals under a rule of the year
// (engine.Rivals): the same award twice, 不可同时申报, 就高不重复, the
// category limit. The first claim holds its place while it is in review, so
// the same award is not paid twice (a second 22号 延时奖励 was accepted while
// the first was in 公示) and a rule of the year is kept from submission on;
// an applicant who prefers the other award withdraws the first. They enter
// the year's decision as granted with no amount, so they take no part of a
// cap: an approval counts against a cap only what was approved, and the cap
// is checked again at approval and payment.
func (s *Service) pending(tx *sqldb.Tx, a *duixian.Application) ([]*duixian.Application, error) {
	all, err := tx.Applications(sqldb.ApplicationFilter{Enterprise: a.Enterprise})
	if err != nil {
		return nil, err
	}
	var out []*duixian.Application
	for _, p := range all {
		if p.ID != a.ID && p.Year == a.Year && p.Status.Open() && p.Status != duixian.StatusDraft &&
			s.Catalogue.Rivals(a.Clause, a.Project, p.Clause, p.Project) {
			out = append(out, p)
		}
	}
	return out, nil
}

// yearRuleRefused reports whether a rule of the year, not the claim's own
// conditions, refused it.
func yearRuleRefused(d duixian.Decision) bool {
	for _, r := range d.Reasons {
		for _, code := range []string{":duplicate", ":exclusive", ":highest-only", ":category-limit", ":same-project"} {
			if strings.HasSuffix(r.Code, code) {
				return true
			}
		}
	}
	return false
}

// pendingReasons names, for a refusal, the applications in review that
// hold their place against a, so the applicant knows which to withdraw.
func pendingReasons(a *duixian.Application, pending []*duixian.Application) []duixian.Reason {
	var out []duixian.Reason
	for _, p := range pending {
		out = append(out, duixian.Reason{Code: a.Clause + ":rival-in-review",
			Zh: fmt.Sprintf("平台记录：本企业同年度的申报 %s（%s，%s）正在办理，与本申报受同一年度规则约束；如需改报，请先撤回该申报", p.ID, p.Clause, p.Status.Zh()),
			En: fmt.Sprintf("the platform's records: application %s (%s, %s) of the same year is in review and bound by the same rule of the year; withdraw it to claim this instead", p.ID, p.Clause, p.Status)})
	}
	return out
}

// heldReasons names, for a refusal, the application that already holds the
// once-only award a claims, so the applicant and the reviewer can find it.
func (s *Service) heldReasons(a *duixian.Application, apps []*duixian.Application) []duixian.Reason {
	others := slices.DeleteFunc(slices.Clone(apps), func(h *duixian.Application) bool { return h.ID == a.ID })
	var out []duixian.Reason
	for _, f := range s.Catalogue.LedgerFactsOf(a.Clause) {
		h := s.Catalogue.Holder(f, others, a.Project)
		if h == nil {
			continue
		}
		cl, _ := s.Catalogue.Clause(a.Clause)
		out = append(out, duixian.Reason{Code: a.Clause + ":once-only-held", Cite: cl.Cite(),
			Zh: fmt.Sprintf("平台奖励台账：本企业的申报 %s（%s）已获得或正在申报该一次性奖励", h.ID, h.Status.Zh()),
			En: fmt.Sprintf("the award ledger shows application %s (%s) already holds or claims this once-only award", h.ID, h.Status)})
	}
	return out
}

var errNoReason = duixian.Errorf(duixian.EINVALID, "reason", "须写明理由，申请人可见", "a reason is required; the applicant sees it")

// Return sends a submitted application back for more material (补正),
// naming, when the reviewer does, which of the clause's materials are
// missing: the applicant sees them named, and the application cannot be
// submitted again until each has a file uploaded after the return.
func (s *Service) Return(ctx context.Context, actor duixian.Actor, id, reason string, missing ...string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "return", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusSubmitted},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if strings.TrimSpace(reason) == "" {
				return errNoReason
			}
			a.Status, a.Reason, a.Requested = duixian.StatusReturned, reason, nil
			if cl, ok := s.Catalogue.Clause(a.Clause); ok && len(missing) > 0 {
				kinds, err := material.Requested(cl, missing)
				if err != nil {
					return err
				}
				a.Requested = &duixian.MaterialRequest{Kinds: kinds, At: s.Now()}
			}
			return nil
		}})
}

// RequestOpinions asks other departments for their opinions (会签): each
// one the platform knows (departmentSet), neither the reviewer's own nor
// one asked already, so that no case waits on a department that does not
// answer.
func (s *Service) RequestOpinions(ctx context.Context, actor duixian.Actor, id string, departments []string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "request-opinions", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusSubmitted},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if len(departments) == 0 {
				return duixian.Errorf(duixian.EINVALID, "departments", "请至少选择一个会签部门", "choose at least one department")
			}
			known, err := s.departmentSet(tx)
			if err != nil {
				return err
			}
			for _, d := range departments {
				asked := slices.ContainsFunc(a.Opinions, func(o duixian.Opinion) bool { return o.Department == d })
				switch {
				case !known[d]:
					return duixian.Errorf(duixian.EINVALID, "departments", "平台没有部门“%s”，无法征求其意见", "the platform has no department %q to ask for an opinion", d)
				case d == actor.Department:
					return duixian.Errorf(duixian.EINVALID, "departments", "不能征求本部门（%s）的会签意见", "%s is your own department", d)
				case asked:
					return duixian.Errorf(duixian.EINVALID, "departments", "已征求过%s的意见", "%s was asked already", d)
				}
				a.Opinions = append(a.Opinions, duixian.Opinion{Department: d, Requested: s.Now()})
			}
			return nil
		}})
}

// GiveOpinion records a co-reviewing department's opinion; only a
// department that was asked may give one, once.
func (s *Service) GiveOpinion(ctx context.Context, actor duixian.Actor, id string, agree bool, text string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "opinion", roles: []duixian.Role{duixian.RoleCoReviewer},
		from: []duixian.Status{duixian.StatusSubmitted},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			for i := range a.Opinions {
				o := &a.Opinions[i]
				if o.Department == actor.Department && o.Given.IsZero() {
					o.Given, o.Agree, o.Text, o.By = s.Now(), agree, text, actor.User
					return nil
				}
			}
			return duixian.Forbidden("未征求%s的意见", "%s was not asked for an opinion", actor.Department)
		}})
}

// PassPreliminary completes the preliminary review (初审): every requested
// opinion is in, and the engine, re-evaluating now, still finds the claim
// eligible.
func (s *Service) PassPreliminary(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "pass-preliminary", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusSubmitted},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			for _, o := range a.Opinions {
				if o.Given.IsZero() {
					return duixian.Conflict("尚待%s会签意见", "waiting for the opinion of %s", o.Department)
				}
			}
			return s.reviewStep(tx, a, duixian.StatusReviewed)
		}})
}

// redecide decides a again, keeps the decision as its review, and refuses
// it when it is no longer eligible.
func (s *Service) redecide(tx *sqldb.Tx, a *duixian.Application) (duixian.Decision, error) {
	d, err := s.decide(tx, a)
	if err != nil {
		return d, err
	}
	a.Review = &d
	if !d.Eligible {
		return d, refused(d)
	}
	return d, nil
}

func (s *Service) reviewStep(tx *sqldb.Tx, a *duixian.Application, next duixian.Status) error {
	if _, err := s.redecide(tx, a); err != nil {
		return err
	}
	a.Status = next
	return nil
}

// AssignExperts names the experts who review an application that passed
// the preliminary review (专家评审); only they see it and score it. Each
// must be an expert's account. Assigning again replaces the names, until
// the review is recorded.
func (s *Service) AssignExperts(ctx context.Context, actor duixian.Actor, id string, experts []string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "assign-experts", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusReviewed},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			var names []string
			for _, e := range experts {
				if e = strings.TrimSpace(e); e != "" && !slices.Contains(names, e) {
					names = append(names, e)
				}
			}
			if len(names) == 0 {
				return duixian.Errorf(duixian.EINVALID, "experts", "请至少指派一名评审专家", "assign at least one expert")
			}
			for _, name := range names {
				u, err := tx.User(name)
				if duixian.ErrorCode(err) == duixian.ENOTFOUND || err == nil && u.Role != duixian.RoleExpert {
					return duixian.Errorf(duixian.EINVALID, "experts", "%s 不是评审专家的账号", "%s is not an expert's account", name)
				}
				if err != nil {
					return err
				}
			}
			a.Experts = names
			return nil
		}})
}

// RecordExpertReview records the third-party panel's scores and opinion; a
// failing review rejects the application with the panel's opinion as reason.
// Only an expert assigned to the application may.
func (s *Service) RecordExpertReview(ctx context.Context, actor duixian.Actor, id string, scores map[string]int, opinion string, pass bool) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "expert-review", roles: []duixian.Role{duixian.RoleExpert},
		from: []duixian.Status{duixian.StatusReviewed},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if strings.TrimSpace(opinion) == "" {
				return errNoReason
			}
			a.Expert = &duixian.ExpertReview{Scores: scores, Opinion: opinion, Pass: pass, By: actor.User, At: s.Now()}
			if !pass {
				a.Status, a.Reason = duixian.StatusRejected, "专家评审未通过："+opinion
				return nil
			}
			a.Status = duixian.StatusAssessed
			return nil
		}})
}

// Propose sets the amount to publish: never above what the engine computes
// now, and a lower amount needs a reason.
func (s *Service) Propose(ctx context.Context, actor duixian.Actor, id string, amount duixian.Money, reduction string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "propose", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusAssessed},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if err := s.reviewStep(tx, a, duixian.StatusProposed); err != nil {
				return err
			}
			switch {
			case amount <= 0:
				return duixian.Errorf(duixian.EINVALID, "amount", "拟定金额须大于零", "the proposed amount must be positive")
			case amount > a.Review.Amount:
				return duixian.Errorf(duixian.EINVALID, "amount", "拟定金额%s超过按政策计算的%s", "the proposed %s exceeds the computed %s",
					amount.Wan(), a.Review.Amount.Wan())
			case amount < a.Review.Amount && strings.TrimSpace(reduction) == "":
				return duixian.Errorf(duixian.EINVALID, "reason", "拟定金额低于计算金额%s，须写明理由", "an amount below the computed %s needs a reason", a.Review.Amount.Wan())
			}
			a.Proposed, a.Reduction, a.ProposedBy = amount, reduction, actor.User
			return nil
		}})
}

// Publish opens publicity (公示) for one application, for a number of
// working days from start. A document whose procedure is the annual plan
// (21号第十二条（四）, 22号第十条（四）) publishes only an approved plan's
// projects, together (PublishPlan); Publish refuses its applications.
func (s *Service) Publish(ctx context.Context, actor duixian.Actor, id string, start duixian.Date, days int) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "publish", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusProposed},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if cl, ok := s.Catalogue.Clause(a.Clause); ok && cl.Document.Procedure.Plan {
				return duixian.Conflict("%s规定年度扶持资金建议方案获得批准后统一公示：请将本项目汇总列入建议方案，方案批准后公示",
					"%s publishes projects only in an approved annual plan: compile the project into the plan, which is published once approved",
					cl.Document.Procedure.Cite)
			}
			w, err := s.publicityWindow(start, days)
			if err != nil {
				return err
			}
			a.Publicity = w
			a.Status = duixian.StatusPublicity
			return nil
		}})
}

// An objection is anyone's (21号第十二条（四）), so what one may hold is
// bounded: every open objection must be answered before approval, and the
// case page shows them all.
const (
	MaxObjectionRunes = 2000
	MaxOpenObjections = 20
)

// ObjectionInput is an objection as its objector files it: the text and
// evidence (21号第十二条（四）: 书面意见和有关证据), and who objects with a way
// to reach them — a name, and a phone number or an e-mail address.
type ObjectionInput struct {
	Text, Evidence     string
	Name, Phone, Email string
}

// maxObjectorName bounds the objector's name.
const maxObjectorName = 50

// validate checks the objection's text and contact, naming the field.
func (in *ObjectionInput) validate() error {
	in.Name, in.Phone, in.Email = strings.TrimSpace(in.Name), strings.TrimSpace(in.Phone), strings.TrimSpace(in.Email)
	if strings.TrimSpace(in.Text) == "" {
		return duixian.Errorf(duixian.EINVALID, "text", "异议须写明意见", "an objection needs its text")
	}
	for _, f := range []struct{ name, value string }{{"text", in.Text}, {"evidence", in.Evidence}} {
		if n := utf8.RuneCountInString(f.value); n > MaxObjectionRunes {
			return duixian.Errorf(duixian.EINVALID, f.name, "异议内容至多%d字，收到%d字；材料较多的请写明要点并说明如何提供",
				"an objection is at most %d characters, got %d; summarise and say how the evidence can be provided", MaxObjectionRunes, n)
		}
	}
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		return duixian.Errorf(duixian.EINVALID, "name", "请填写异议人姓名或单位名称", "give the name of the person or organisation objecting")
	case n > maxObjectorName:
		return duixian.Errorf(duixian.EINVALID, "name", "姓名或单位名称至多%d字", "the name is at most %d characters", maxObjectorName)
	}
	if in.Phone == "" && in.Email == "" {
		return duixian.Errorf(duixian.EINVALID, "contact", "请留下联系电话或电子邮箱，以便答复", "give a phone number or an e-mail address for the answer")
	}
	if in.Phone != "" {
		phone := strings.NewReplacer(" ", "", "-", "").Replace(in.Phone)
		if !phonePattern.MatchString(phone) {
			return duixian.Errorf(duixian.EINVALID, "phone", "电话号码“%s”无效：应为11位手机号或带区号的固定电话", "the phone number %q is not valid: a mobile number of 11 digits, or a landline with its area code", in.Phone)
		}
		in.Phone = phone
	}
	if in.Email != "" {
		addr, err := mail.ParseAddress(in.Email)
		if err != nil || addr.Address != in.Email || len(in.Email) > 254 {
			return duixian.Errorf(duixian.EINVALID, "email", "电子邮箱“%s”无效", "the e-mail address %q is not valid", in.Email)
		}
	}
	return nil
}

// phonePattern: a mainland mobile number, or a landline with its area code.
var phonePattern = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[1-9][0-9]{1,2}[0-9]{7,8})$`)

// Object files an objection during publicity; anyone may. After the window
// it is not accepted (逾期不予受理). The objection filed is returned: its ID
// is the receipt number to give the objector.
func (s *Service) Object(ctx context.Context, actor duixian.Actor, id string, in ObjectionInput) (*duixian.Objection, error) {
	var filed duixian.Objection
	_, err := s.run(ctx, actor, id, transition{action: "object", roles: []duixian.Role{duixian.RolePublic}, public: true,
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			today := s.today()
			if today.Before(a.Publicity.From) || today.After(a.Publicity.Until) {
				return duixian.Conflict("公示期为%s至%s，逾期不予受理", "publicity runs %s to %s; objections outside it are not accepted", a.Publicity.From, a.Publicity.Until)
			}
			if err := in.validate(); err != nil {
				return err
			}
			open := 0
			for _, o := range a.Objections {
				if o.Answered.IsZero() {
					open++
				}
			}
			if open >= MaxOpenObjections {
				return duixian.Conflict("本项目已有%d条异议待答复，请待答复后再提交", "%d objections to this project await an answer; file again once they are answered", open)
			}
			filed = duixian.Objection{ID: duixian.NewID("O", s.Now()), Filed: s.Now(), By: actor.User,
				Name: in.Name, Phone: in.Phone, Email: in.Email, Text: in.Text, Evidence: in.Evidence}
			a.Objections = append(a.Objections, filed)
			return nil
		}})
	if err != nil {
		return nil, err
	}
	return &filed, nil
}

// AnswerObjection answers an objection. An upheld objection rejects the
// application with the answer as reason.
func (s *Service) AnswerObjection(ctx context.Context, actor duixian.Actor, id, objection, answer string, upheld bool) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "answer-objection", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusPublicity},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if strings.TrimSpace(answer) == "" {
				return errNoReason
			}
			for i := range a.Objections {
				o := &a.Objections[i]
				if o.ID == objection && o.Answered.IsZero() {
					o.Answer, o.Upheld, o.Answered = answer, upheld, s.Now()
					if upheld {
						a.Status, a.Reason = duixian.StatusRejected, "公示异议成立："+answer
					}
					if a.Plan != "" {
						return s.planAnswered(tx, actor, a, objection, upheld)
					}
					return nil
				}
			}
			return duixian.Errorf(duixian.ENOTFOUND, "objection", "没有待答复的异议 %s", "no open objection %s", objection)
		}})
}

// Approve approves an application after its publicity ended with every
// objection answered, by another official than the one who proposed the
// amount unless the department turned separation of duties off. The engine re-decides the claim beside the year's
// approved awards inside this transaction, holding the enterprise's lock:
// two approvals can never together exceed a cap.
func (s *Service) Approve(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "approve", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusPublicity}, separate: &[2]string{"批准", "approve"},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if a.Plan != "" {
				return duixian.Conflict("本项目列入年度扶持资金建议方案 %s，方案已批准，公示期满无异议后随方案转入拨付", "the project is in the approved plan %s and goes to payment with it after 公示", a.Plan)
			}
			if !s.today().After(a.Publicity.Until) {
				return duixian.Conflict("公示期至%s，期满后方可批准", "publicity runs until %s; approve after it ends", a.Publicity.Until)
			}
			for _, o := range a.Objections {
				if o.Answered.IsZero() {
					return duixian.Conflict("有尚未答复的异议（%s），不能批准", "an objection (%s) is still open", o.ID)
				}
			}
			return s.grant(tx, a)
		}})
}

// Disbursement is a payment as the treasury records it: the voucher
// number (凭证号), the payee account (of which only the last four digits
// are kept), the day it was paid, and, for a clause paid in tranches, the
// evidence of the facts a later tranche needs.
type Disbursement struct {
	Voucher  string
	Account  string
	PaidOn   duixian.Date
	Evidence json.RawMessage
}

// maxVoucher bounds a voucher number.
const maxVoucher = 64

// check validates the record of the transfer, naming the field, and
// reduces the account to its last four digits.
func (in *Disbursement) check(today duixian.Date) (last4 string, err error) {
	in.Voucher = strings.TrimSpace(in.Voucher)
	switch n := utf8.RuneCountInString(in.Voucher); {
	case n == 0:
		return "", duixian.Errorf(duixian.EINVALID, "voucher", "请填写凭证号", "the voucher number is required")
	case n > maxVoucher:
		return "", duixian.Errorf(duixian.EINVALID, "voucher", "凭证号至多%d个字符", "the voucher number is at most %d characters", maxVoucher)
	}
	digits := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, in.Account)
	if len(digits) < 4 || strings.Trim(digits, "0123456789") != "" {
		return "", duixian.Errorf(duixian.EINVALID, "account", "收款账号应为银行账号的数字（至少4位）", "the payee account must be the bank account's digits (at least 4)")
	}
	switch {
	case in.PaidOn.IsZero():
		return "", duixian.Errorf(duixian.EINVALID, "paid_on", "请填写付款日期", "the payment date is required")
	case in.PaidOn.After(today):
		return "", duixian.Errorf(duixian.EINVALID, "paid_on", "付款日期%s晚于今天", "the payment date %s is after today", in.PaidOn)
	}
	return digits[len(digits)-4:], nil
}

// Disburse pays what is due now: the whole approved amount, or, for a
// clause paid in tranches, the tranches whose conditions hold given the
// evidence recorded (29号: the second half only after completion and 90% of
// the investment paid), recording the voucher number, the payee account's
// last four digits and the day paid. It takes an idempotency key. Whoever
// proposed the amount does not pay it (separation of duties, as for
// Approve).
func (s *Service) Disburse(ctx context.Context, actor duixian.Actor, id, key string, in Disbursement) (*duixian.Application, error) {
	evidence := in.Evidence
	return s.run(ctx, actor, id, transition{action: "disburse", roles: []duixian.Role{duixian.RoleFinance}, separate: &[2]string{"拨付", "pay"},
		once: &casework.Once{Key: key, Request: fmt.Sprintf("disburse:%s:%s:%q:%q:%s", id, evidence, in.Voucher, in.Account, in.PaidOn)},
		from: []duixian.Status{duixian.StatusApproved, duixian.StatusPaying},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			last4, err := in.check(s.today())
			if err != nil {
				return err
			}
			due := a.Approved
			if len(evidence) > 0 {
				merged, err := mergeFacts(a.Facts, evidence)
				if err != nil {
					return err
				}
				if _, err := s.Catalogue.DecodeJSONFacts("evidence", merged); err != nil {
					return err
				}
				a.Facts = merged
			}
			e, err := tx.Enterprise(a.Enterprise, true)
			if err != nil {
				return err
			}
			apps, err := s.held(tx, a.Enterprise)
			if err != nil {
				return err
			}
			if err := s.paidOnce(a, apps); err != nil {
				return err
			}
			if err := s.notBanned(e, a); err != nil {
				return err
			}
			if a.Decision != nil && a.Decision.Batched {
				facts, err := s.facts(e, a, apps, s.today())
				if err != nil {
					return err
				}
				d, err := s.Catalogue.Evaluate(duixian.Claim{Clause: a.Clause, EventDate: a.EventDate, AsOf: s.today(), Project: a.Project, Facts: facts}, engine.Options{Trace: true})
				if err != nil {
					return err
				}
				// What the tranches allow now, in proportion to the approved amount.
				due = min(d.PayableNow, a.Approved)
				if d.Amount > 0 && d.Amount != a.Approved {
					due = d.PayableNow.Share(a.Approved, d.Amount)
				}
			}
			pay := due - a.Paid()
			if pay <= 0 {
				return duixian.Conflict("当前没有可拨付的金额（已拨付%s）", "nothing is payable now (%s paid)", a.Paid().Wan())
			}
			a.Payments = append(a.Payments, duixian.Payment{Tranche: len(a.Payments) + 1, Amount: pay, At: s.Now(), By: actor.User, Key: key,
				Voucher: in.Voucher, Account: last4, PaidOn: in.PaidOn})
			a.Status = duixian.StatusPaying
			if a.Paid() == a.Approved {
				a.Status = duixian.StatusPaid
			}
			return nil
		}})
}

// paidOnce refuses a payment under a once-only clause when money already
// went out under another application for the same award (paying or paid):
// the last guard, for cases that reached approval before the ledger was
// consulted, and for a second payment path nobody foresaw.
func (s *Service) paidOnce(a *duixian.Application, apps []*duixian.Application) error {
	var paid []*duixian.Application
	for _, h := range apps {
		if h.ID != a.ID && (h.Status == duixian.StatusPaying || h.Status == duixian.StatusPaid) {
			paid = append(paid, h)
		}
	}
	for _, f := range s.Catalogue.LedgerFactsOf(a.Clause) {
		if h := s.Catalogue.Holder(f, paid, a.Project); h != nil {
			cl, _ := s.Catalogue.Clause(a.Clause)
			return refused(duixian.Decision{Reasons: []duixian.Reason{{Code: a.Clause + ":once-only-paid", Cite: cl.Cite(),
				Zh: fmt.Sprintf("%s为一次性奖励，已通过申报 %s 拨付，不得重复拨付", cl.Title, h.ID),
				En: fmt.Sprintf("%s is paid once and was already paid under application %s", a.Clause, h.ID)}}})
		}
	}
	return nil
}

// notBanned refuses a payment under a document whose fraud ban the
// enterprise is serving (21号第十四条, 22号第十二条): the catalogue reads the
// ban as stopping every payment under the document still pending, not only
// new applications (the reading is in the article's note).
func (s *Service) notBanned(e *duixian.Enterprise, a *duixian.Application) error {
	cl, ok := s.Catalogue.Clause(a.Clause)
	if !ok || cl.Document.FraudBan == nil {
		return nil
	}
	today := s.today()
	for _, b := range e.Bans {
		if b.Document == cl.Document.ID && b.Active(today) {
			fb := cl.Document.FraudBan
			return refused(duixian.Decision{Reasons: []duixian.Reason{{Code: cl.Document.ID + ":fraud-ban", Cite: fb.Cite,
				Zh: fmt.Sprintf("本企业因申报 %s 被撤销奖励，%s至%s不得获得%s的扶持资金，暂停拨付", b.Application, b.From, b.Until, cl.Document.Number),
				En: fmt.Sprintf("the enterprise is banned under %s from %s to %s after application %s was revoked; payment stopped", cl.Document.Number, b.From, b.Until, b.Application)}}})
		}
	}
	return nil
}

func mergeFacts(base, more json.RawMessage) (json.RawMessage, error) {
	var a, b map[string]json.RawMessage
	if err := json.Unmarshal(base, &a); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(more, &b); err != nil {
		return nil, duixian.Errorf(duixian.EINVALID, "evidence", "佐证事实应为 JSON 对象", "evidence must be a JSON object of facts")
	}
	for k, v := range b {
		a[k] = v
	}
	return json.Marshal(a)
}

// Reject rejects an application before approval; the reason is shown to
// the applicant.
func (s *Service) Reject(ctx context.Context, actor duixian.Actor, id, reason string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "reject", roles: []duixian.Role{duixian.RoleReviewer}, department: true,
		from: []duixian.Status{duixian.StatusSubmitted, duixian.StatusReviewed, duixian.StatusAssessed, duixian.StatusProposed, duixian.StatusPublicity},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if strings.TrimSpace(reason) == "" {
				return errNoReason
			}
			a.Status, a.Reason = duixian.StatusRejected, reason
			return nil
		}})
}

// Withdraw lets the applicant take an application back before approval.
func (s *Service) Withdraw(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "withdraw", roles: []duixian.Role{duixian.RoleEnterprise}, owner: true,
		from: []duixian.Status{duixian.StatusDraft, duixian.StatusSubmitted, duixian.StatusReturned, duixian.StatusReviewed,
			duixian.StatusAssessed, duixian.StatusProposed, duixian.StatusPublicity},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			a.Status = duixian.StatusWithdrawn
			return nil
		}})
}

// Revoke is supervision's answer to false materials (21号第十四条): the award
// is revoked, what was paid is booked for clawback, and, where the
// document says so, the enterprise is banned from its awards for the
// document's term — the engine then refuses new claims citing the article.
func (s *Service) Revoke(ctx context.Context, actor duixian.Actor, id, finding string) (*duixian.Application, error) {
	return s.run(ctx, actor, id, transition{action: "revoke", roles: []duixian.Role{duixian.RoleSupervisor},
		from: []duixian.Status{duixian.StatusApproved, duixian.StatusPaying, duixian.StatusPaid},
		apply: func(tx *sqldb.Tx, a *duixian.Application) error {
			if strings.TrimSpace(finding) == "" {
				return errNoReason
			}
			a.Status, a.Reason, a.Clawback = duixian.StatusRevoked, "撤销："+finding, a.Paid()
			if err := tx.PutAward(duixian.Award{Application: a.ID, Enterprise: a.Enterprise, Clause: a.Clause, Year: a.Year,
				Project: a.Project, EventDate: a.EventDate, Amount: a.Approved, Revoked: true}); err != nil {
				return err
			}
			cl, _ := s.Catalogue.Clause(a.Clause)
			fb := cl.Document.FraudBan
			if fb == nil {
				return nil
			}
			e, err := tx.Enterprise(a.Enterprise, true)
			if err != nil {
				return err
			}
			from := s.today()
			// 三年内 counted as the Civil Code counts a period (第二百零一条,
			// 第二百零二条): from the day after the revocation to the
			// corresponding day three years on, or that month's last day.
			until := from.AddYears(fb.Years)
			e.Bans = append(e.Bans, duixian.Ban{Document: cl.Document.ID, From: from, Until: until, Application: a.ID, Cite: fb.Cite})
			e.Updated = s.Now()
			if err := tx.PutEnterprise(e); err != nil {
				return err
			}
			return tx.Audit(s.desk().Entry(actor, "ban", e.USCC, "", fmt.Sprintf("%s %s—%s", cl.Document.Number, from, until)))
		}})
}

// Application reads an application as actor may see it: enterprise staff
// their own, officials the clauses of their department, finance and
// supervision all.
func (s *Service) Application(ctx context.Context, actor duixian.Actor, id string) (*duixian.Application, error) {
	var a *duixian.Application
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		a, err = tx.Application(id, false)
		return err
	})
	if duixian.ErrorCode(err) == duixian.ENOTFOUND || err == nil && !s.mayRead(actor, a) {
		return nil, noApplication(id)
	}
	if err != nil {
		return nil, err
	}
	return asSeenBy(actor, a), nil
}

// asSeenBy is a as actor reads it. The applicant does not learn who
// objected to it, nor how to reach them; nor who reviews it: the experts
// assigned (a third-party panel is not to be lobbied), the officials who
// gave an opinion or proposed the amount (their department answers for
// them), nor the keys its payments were made under.
func asSeenBy(actor duixian.Actor, a *duixian.Application) *duixian.Application {
	if actor.Role != duixian.RoleEnterprise || a == nil {
		return a
	}
	c := *a
	c.Objections = slices.Clone(a.Objections)
	for i := range c.Objections {
		o := &c.Objections[i]
		o.By, o.Name, o.Phone, o.Email = "", "", "", ""
	}
	c.Experts, c.ProposedBy = nil, ""
	if a.Expert != nil {
		e := *a.Expert
		e.By = ""
		c.Expert = &e
	}
	c.Opinions = slices.Clone(a.Opinions)
	for i := range c.Opinions {
		c.Opinions[i].By = ""
	}
	c.Payments = slices.Clone(a.Payments)
	for i := range c.Payments {
		c.Payments[i].By, c.Payments[i].Key = "", ""
	}
	return &c
}

// mayRead says whether actor may see a: enterprise staff their own;
// officials no draft, which is its enterprise's alone; a reviewer the
// clauses of the department; a co-reviewer what the department was asked
// about; an expert what they were assigned; finance, supervision and
// administrators the rest.
func (s *Service) mayRead(actor duixian.Actor, a *duixian.Application) bool {
	if actor.Role == duixian.RoleEnterprise {
		return actor.Enterprise == a.Enterprise
	}
	if a.Status == duixian.StatusDraft {
		return false
	}
	switch actor.Role {
	case duixian.RoleReviewer:
		cl, ok := s.Catalogue.Clause(a.Clause)
		return ok && cl.Responsible(actor.Department)
	case duixian.RoleExpert:
		return slices.Contains(a.Experts, actor.User)
	case duixian.RoleCoReviewer:
		for _, o := range a.Opinions {
			if o.Department == actor.Department {
				return true
			}
		}
		return false
	case duixian.RoleFinance, duixian.RoleSupervisor, duixian.RoleAdmin:
		return true
	}
	return false
}

// RegisterEnterprise adds or replaces an enterprise's file (administrators:
// data from the registries). The USCC is validated with its check character.
func (s *Service) RegisterEnterprise(ctx context.Context, actor duixian.Actor, e duixian.Enterprise) error {
	if actor.Role != duixian.RoleAdmin {
		return duixian.Forbidden("只有管理员可以登记企业档案", "only administrators register enterprises")
	}
	if err := duixian.ValidateUSCC(e.USCC); err != nil {
		return err
	}
	if strings.TrimSpace(e.Name) == "" {
		return duixian.Errorf(duixian.EINVALID, "name", "缺少企业名称", "the name is missing")
	}
	if len(e.Facts) > 0 {
		if _, err := s.Catalogue.DecodeJSONFacts("facts", e.Facts); err != nil {
			return err
		}
	}
	return s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		old, err := tx.Enterprise(e.USCC, true)
		var nf *duixian.Error
		switch {
		case errors.As(err, &nf) && nf.Code == duixian.ENOTFOUND:
			e.Version = 0
		case err != nil:
			return err
		default:
			e.Version, e.Bans = old.Version, old.Bans
		}
		e.Updated = s.Now()
		if err := tx.PutEnterprise(&e); err != nil {
			return err
		}
		return tx.Audit(s.desk().Entry(actor, "register-enterprise", e.USCC, "", e.Name))
	})
}
