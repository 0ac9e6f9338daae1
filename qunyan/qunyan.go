// Package qunyan keeps the 群雁计划 registry (京技管发〔2025〕26号): filings,
// the tier the engine proposes and the official confirms, and the dynamic
// management that takes members out when an exit condition of 附则3 holds.
//
// The rules are the catalogue's. The tier is the outcome of clause
// jjgf-2025-26/supp.1 (附则1) evaluated on the filed figures with the
// enterprise's registry facts merged over them; the exit conditions are the
// document's eligibility conditions of 附则3 (1)–(4), read from the reasons
// of the same evaluation that cite supp.3.x. Nothing here restates a
// threshold or a condition in Go.
//
// Like package workflow, every change is a casework transition: it checks
// who acts (an enterprise only for itself; any department may recommend;
// only the clause's responsible department, 商务金融局, admits or rejects),
// runs in one transaction with its audit entry, and a refused attempt is
// itself written to the audit log.
package qunyan

import (
	"encoding/json"
	"maps"
	"regexp"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Service runs the registry.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
	Now       func() time.Time
}

// New returns the registry service on the real clock.
func New(db *sqldb.DB, cat *engine.Catalogue) *Service {
	return &Service{DB: db, Catalogue: cat, Now: time.Now}
}

// The catalogue entries the registry applies.
const (
	// Document is 京技管发〔2025〕26号.
	Document = "jjgf-2025-26"
	// ClassifyClause classifies an enterprise (附则1) and carries the
	// document's eligibility conditions, 附则3's exit conditions among them.
	ClassifyClause = Document + "/supp.1"
	// exitArticle: reasons citing 附则3 or its items are exit conditions.
	exitArticle = "supp.3"
	// targetArticle states the plan's 2027 targets (总体要求（二）工作目标).
	targetArticle = "req.2"
	// MemberFact is the registry fact that admission sets (附则2（3）) and
	// an exit clears; 26号's awards require it (附则4).
	MemberFact = "qunyan_member"
)

// Record kinds in the store.
const (
	KindEntry  = "qunyan" // one per enterprise, id = USCC
	KindNotice = "notice" // a notification the enterprise sees, subject = USCC
)

// None is the outcome of 附则1 when no tier's condition holds.
const None = "未入选"

// Entry statuses (a summary for lists: a member with a pending re-filing
// is "pending" and Member).
const (
	StatusPending  = "pending"  // a filing awaits 商务金融局
	StatusRejected = "rejected" // the last filing was rejected, not a member
	StatusMember   = "member"   // admitted
	StatusExited   = "exited"   // left the plan under 附则3
)

// Filing statuses.
const (
	FilingPending    = "pending"
	FilingConfirmed  = "confirmed"
	FilingRejected   = "rejected"
	FilingSuperseded = "superseded" // replaced by a later filing before a decision
)

// Entry is the registry's record of one enterprise: its current filing and
// the earlier ones, whether it is a member and at which tier, and its exits.
type Entry struct {
	Enterprise string    `json:"enterprise"`
	Name       string    `json:"enterprise_name"`
	Status     string    `json:"status"`
	Member     bool      `json:"member"`
	Tier       string    `json:"tier,omitempty"` // admitted tier; after an exit, the tier it held
	Since      time.Time `json:"since,omitzero"` // admitted on
	Filing     *Filing   `json:"filing,omitempty"`
	History    []Filing  `json:"history,omitempty"` // earlier filings, oldest first
	Exits      []Exit    `json:"exits,omitempty"`   // oldest first
	Updated    time.Time `json:"updated"`
}

// Filing is one 备案 (附则2): the figures filed, by whom, the engine's
// proposal and the matched condition, and 商务金融局's decision.
type Filing struct {
	ID    string        `json:"id"`
	Filed time.Time     `json:"filed"`
	By    duixian.Actor `json:"by"`
	// Recommended names the department that recommended the enterprise
	// (附则2（1）“各部门推荐申报”); empty for 企业自荐.
	Recommended string          `json:"recommended,omitempty"`
	Facts       json.RawMessage `json:"facts"`
	// Decision is the engine's evaluation of 附则1 at filing; Proposed its
	// outcome and Matched the trace step that states which condition
	// matched (or that none did).
	Decision duixian.Decision `json:"decision"`
	Proposed string           `json:"proposed"`
	Matched  duixian.Step     `json:"matched"`
	Status   string           `json:"status"`
	// Review is the engine's evaluation when 商务金融局 decided, on the
	// registry facts of that day.
	Review    *duixian.Decision `json:"review,omitempty"`
	Tier      string            `json:"tier,omitempty"`   // confirmed tier
	Reason    string            `json:"reason,omitempty"` // another tier's reason, or the rejection's: the enterprise sees it
	Decided   time.Time         `json:"decided,omitzero"`
	DecidedBy string            `json:"decided_by,omitempty"`
}

// Exit records a member leaving the plan under 附则3.
type Exit struct {
	At      time.Time        `json:"at"`
	Tier    string           `json:"tier"`
	Reasons []duixian.Reason `json:"reasons"` // the exit conditions met, each citing its item of 附则3
	Cite    duixian.Cite     `json:"cite"`    // the first of them
	Notice  string           `json:"notice"`  // the notice sent
}

// Notice is a notification to an enterprise (record kind "notice").
type Notice struct {
	ID         string        `json:"id"`
	Seq        int           `json:"seq"` // the enterprise's n-th notice
	Enterprise string        `json:"enterprise"`
	At         time.Time     `json:"at"`
	Topic      string        `json:"topic"` // qunyan-confirmed, qunyan-rejected, qunyan-exit
	Zh         string        `json:"message_zh"`
	En         string        `json:"message_en"`
	Cite       *duixian.Cite `json:"cite,omitempty"`
}

// View is an entry as a reader sees it, with the enterprise's notices.
type View struct {
	*Entry
	Notices []Notice `json:"notices"`
}

func (e *Entry) summarise() {
	switch {
	case e.Filing != nil && e.Filing.Status == FilingPending:
		e.Status = StatusPending
	case e.Member:
		e.Status = StatusMember
	case len(e.Exits) > 0 && (e.Filing == nil || e.Filing.Status != FilingRejected || e.Filing.Decided.Before(e.Exits[len(e.Exits)-1].At)):
		e.Status = StatusExited
	default:
		e.Status = StatusRejected
	}
}

// ---------------------------------------------------------------- helpers

// now is the clock in Asia/Shanghai, so stored times read as local ones.
func (s *Service) now() time.Time { return s.Now().In(duixian.Shanghai) }

func (s *Service) today() duixian.Date { return duixian.DateOf(s.now()) }

func noEntry(uscc string) error {
	return duixian.Errorf(duixian.ENOTFOUND, "enterprise", "没有企业 %s 的群雁计划备案", "no 群雁 filing for %s", uscc)
}

func (s *Service) desk() casework.Desk { return casework.Desk{DB: s.DB, Now: s.Now} }

// clause is 附则1's clause; a catalogue without it cannot run the registry.
func (s *Service) clause() (*engine.Clause, error) {
	cl, ok := s.Catalogue.Clause(ClassifyClause)
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "clause", "目录中没有条款 %s", "the catalogue has no clause %s", ClassifyClause)
	}
	return cl, nil
}

// Department is the department that admits enterprises: the responsible
// department of 附则1's clause (商务金融局, 附则2（3）).
func (s *Service) Department() string {
	if cl, err := s.clause(); err == nil {
		return cl.Department
	}
	return ""
}

// Tiers lists the tiers 附则1 defines, highest first, without 未入选.
func (s *Service) Tiers() []string {
	cl, err := s.clause()
	if err != nil {
		return nil
	}
	var out []string
	seen := map[string]bool{}
	for _, o := range cl.View().Outcomes {
		name, _, _ := strings.Cut(o, "：")
		if name != None && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

func (s *Service) isTier(t string) bool {
	for _, x := range s.Tiers() {
		if x == t {
			return true
		}
	}
	return false
}

// admits reports whether actor decides on filings: a reviewer of the
// responsible department.
func (s *Service) admits(actor duixian.Actor) bool {
	return actor.Role == duixian.RoleReviewer && actor.Department != "" && actor.Department == s.Department()
}

// formFacts checks filed facts: valid catalogue facts, each one the
// classification reads (the record form of 附则2（2）).
func (s *Service) formFacts(raw json.RawMessage) (duixian.Facts, error) {
	if len(strings.TrimSpace(string(raw))) == 0 || string(raw) == "null" {
		raw = json.RawMessage(`{}`)
	}
	facts, err := s.Catalogue.DecodeJSONFacts("facts", raw)
	if err != nil {
		return nil, err
	}
	cl, err := s.clause()
	if err != nil {
		return nil, err
	}
	for name := range facts {
		if !inSchema(cl, name) {
			f, _ := s.Catalogue.Fact(name)
			return nil, duixian.Errorf(duixian.EINVALID, "facts."+name, "事实 %s（%s）不属于群雁计划备案表", "fact %s (%s) is not on the 群雁 record form", name, f.En)
		}
	}
	return facts, nil
}

func inSchema(cl *engine.Clause, name string) bool {
	for _, f := range cl.Facts() {
		if f.Name == name {
			return true
		}
	}
	return false
}

// FormFacts lists the facts of the record form, in the clause's order.
func (s *Service) FormFacts() []*engine.Fact {
	cl, err := s.clause()
	if err != nil {
		return nil
	}
	return cl.Facts()
}

// merged is what the engine decides on: the filed figures, with every fact
// the registry holds about the enterprise overriding them (as at
// submission in package workflow).
func (s *Service) merged(e *duixian.Enterprise, filed json.RawMessage) (duixian.Facts, error) {
	facts, err := s.formFacts(filed)
	if err != nil {
		return nil, err
	}
	known, err := s.Catalogue.EnterpriseFacts(e, s.today())
	if err != nil {
		return nil, err
	}
	maps.Copy(facts, known)
	return facts, nil
}

// classify evaluates 附则1 on the merged facts today.
func (s *Service) classify(e *duixian.Enterprise, filed json.RawMessage) (duixian.Decision, error) {
	facts, err := s.merged(e, filed)
	if err != nil {
		return duixian.Decision{}, err
	}
	today := s.today()
	return s.Catalogue.Evaluate(duixian.Claim{Clause: ClassifyClause, EventDate: today, AsOf: today, Facts: facts}, engine.Options{Trace: true})
}

// matched is the trace step that states the outcome: which condition of
// 附则1 matched, or that none did.
func matched(d duixian.Decision) duixian.Step {
	for _, st := range d.Trace {
		if strings.Contains(st.Text, "认定为"+d.Outcome) {
			return st
		}
	}
	return duixian.Step{}
}

// exitReasons are the reasons of a decision that are exit conditions of 附则3.
func exitReasons(d duixian.Decision) []duixian.Reason {
	var out []duixian.Reason
	for _, r := range d.Reasons {
		if r.Cite.Document == Document && (r.Cite.Article == exitArticle || strings.HasPrefix(r.Cite.Article, exitArticle+".")) {
			out = append(out, r)
		}
	}
	return out
}

func refused(zh, en string, reasons []duixian.Reason) error {
	var z, e []string
	for _, r := range reasons {
		z = append(z, r.Zh+"（"+r.Cite.String()+"）")
		e = append(e, r.En)
	}
	return &duixian.Error{Code: duixian.EREFUSED, Zh: zh + strings.Join(z, "；"), En: en + strings.Join(e, "; "), Reasons: reasons}
}

// setFact writes one fact into an enterprise's registry facts, keeping the
// others as they are.
func setFact(raw json.RawMessage, name string, v any) (json.RawMessage, error) {
	m := map[string]json.RawMessage{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, err
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	m[name] = b
	return json.Marshal(m)
}

// load reads an enterprise's entry; found is false when it has none.
func load(tx *sqldb.Tx, uscc string, lock bool) (*sqldb.Record, *Entry, error) {
	rec, err := tx.Record(KindEntry, uscc, lock)
	if duixian.ErrorCode(err) == duixian.ENOTFOUND {
		return &sqldb.Record{Kind: KindEntry, ID: uscc, Subject: uscc}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var e Entry
	if err := json.Unmarshal(rec.Doc, &e); err != nil {
		return nil, nil, err
	}
	return rec, &e, nil
}

func (s *Service) save(tx *sqldb.Tx, rec *sqldb.Record, e *Entry) error {
	e.summarise()
	e.Updated = s.now()
	doc, err := json.Marshal(e)
	if err != nil {
		return err
	}
	rec.Doc = doc
	return tx.PutRecord(rec)
}

func (s *Service) notify(tx *sqldb.Tx, uscc, topic, zh, en string, cite *duixian.Cite) (string, error) {
	// Seq orders an enterprise's notices when the clock does not (two in
	// one instant, as an admission and an exit in one test).
	prior, err := tx.Records(KindNotice, uscc)
	if err != nil {
		return "", err
	}
	n := Notice{ID: duixian.NewID("N", s.now()), Seq: len(prior) + 1, Enterprise: uscc, At: s.now(), Topic: topic, Zh: zh, En: en, Cite: cite}
	doc, err := json.Marshal(n)
	if err != nil {
		return "", err
	}
	return n.ID, tx.PutRecord(&sqldb.Record{Kind: KindNotice, ID: n.ID, Subject: uscc, Doc: doc})
}

func tierState(e *Entry) string {
	if e == nil {
		return ""
	}
	if e.Member {
		return e.Status + ":" + e.Tier
	}
	return e.Status
}

// Section is a group of the record form's facts.
type Section struct {
	Title string
	Cite  duixian.Cite
	Facts []*engine.Fact
}

// Sections groups the record form by what reads each fact, as the
// catalogue says: the exit conditions of 附则3, the common conditions (附则4
// and the zone), and the figures only 附则1's tiers read.
func (s *Service) Sections() []Section {
	cl, err := s.clause()
	if err != nil {
		return nil
	}
	v := cl.View()
	exit := Section{Title: "动态管理情形（附则3）", Cite: s.cite(exitArticle)}
	common := Section{Title: "共同条件（附则4）", Cite: s.cite("supp.4")}
	figures := Section{Title: "分层标准（附则1）", Cite: s.cite("supp.1")}
	for _, f := range cl.Facts() {
		word := regexp.MustCompile(`\b` + regexp.QuoteMeta(f.Name) + `\b`)
		var into *Section = &figures
		for _, c := range v.Conditions {
			if !word.MatchString(c.Expr) {
				continue
			}
			if c.Cite.Document == Document && (c.Cite.Article == exitArticle || strings.HasPrefix(c.Cite.Article, exitArticle+".")) {
				into = &exit
			} else if into != &exit {
				into = &common
			}
		}
		into.Facts = append(into.Facts, f)
	}
	var out []Section
	for _, sec := range []Section{figures, exit, common} {
		if len(sec.Facts) > 0 {
			out = append(out, sec)
		}
	}
	return out
}
