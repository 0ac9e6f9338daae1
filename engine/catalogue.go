package engine

import (
	"io/fs"
	"sync"

	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
)

// Catalogue is the loaded, compiled set of documents. It is immutable and
// safe for concurrent use.
type Catalogue struct {
	documents []*Document
	docByID   map[string]*Document
	clauses   []*Clause
	byID      map[string]*Clause
	facts     map[string]*Fact // every fact, shared and per document; names are unique
	// ledgerFacts are the facts derived from the award ledger, by name.
	ledgerFacts []*Fact
	cases       []caseFile
	// Every fact and record field has a slot; an evaluation binds a claim's
	// facts into a frame of nslots values that linked programs read.
	nslots  int
	files   fs.FS // what it was loaded from, for trying a draft beside it
	frames  sync.Pool
	version string
	// prepared is every clause with what the applicability rule reads of
	// it, made once on first use (candidates).
	prepare  sync.Once
	prepared []candidate
}

// Version is a digest of the catalogue's files.
func (c *Catalogue) Version() string { return c.version }

func (c *Catalogue) frame() *[]expression.Value {
	if f, ok := c.frames.Get().(*[]expression.Value); ok {
		return f
	}
	f := make([]expression.Value, c.nslots)
	return &f
}

// Document is one gazette document with its lifecycle and its articles.
type Document struct {
	ID, Number, Short, Title, Issuer string
	Issued                           duixian.Date
	Version                          string
	// Record marks an entry that stands for a document outside the gazette
	// (superseded or annulled), kept so that citations and routing work.
	Record      bool
	InForceFrom duixian.Date
	InForceTo   duixian.Date // zero: no end date
	inForceCite duixian.Cite
	// EventsFrom is the first event date the document pays for; it can be
	// earlier than InForceFrom (25号附则4: events of 2025 are honoured).
	EventsFrom     duixian.Date
	eventsFromCite duixian.Cite
	// EventsUntil is the last event date the document pays for, when the
	// text sets one apart from its term: a support period of a past year.
	EventsUntil     duixian.Date
	eventsUntilCite duixian.Cite
	Zone            string
	zoneCite        duixian.Cite
	Department      string
	Rounding        duixian.Rounding
	roundingCite    duixian.Cite
	MinimumPayout   decimal.Decimal
	minimumCite     duixian.Cite
	sameProject     *duixian.Cite // 同一项目就高不重复 across documents
	// sameProjectWithin extends the rule to the document's own clauses.
	sameProjectWithin bool
	// FraudBan, when the document has one, says how a revocation for false
	// materials bans the enterprise from the document's awards.
	FraudBan *FraudBan
	// Procedure is how applications under the document are taken and
	// decided (its 申报流程).
	Procedure   Procedure
	supersedes  []supersession
	annulled    *annulment
	Articles    []*Article
	eligibility []*Condition
	materials   []*Material // asked of every clause of the document
	invariants  []*Condition
	limits      []*Limit
	File        string
	transcribed bool // text only, clauses not yet encoded
	// Source: where a document outside the gazette comes from; its
	// clauses carry their Evidence.
	Source string
}

// FraudBan is a document's ban after false materials: Years long, enforced
// by the eligibility condition on Fact, imposed by Cite.
type FraudBan struct {
	Years int
	Fact  string
	Cite  duixian.Cite
}

// Procedure is a document's 申报流程 as the platform runs it. Rounds: an
// application is taken only inside a round (申报批次) the department
// published with its 申报指南 (21号第十二条（一）（二）: 每年编制申报指南……
// 在规定时间内申报); otherwise any day. Plan: the round's assessed
// applications are gathered into one annual plan (年度扶持资金建议方案),
// approved, then published together and paid after the window
// (第十二条（三）（四）); otherwise each application is published, approved
// and paid on its own. Cite is the article that sets it (zero when the
// text sets none), Note the reading taken; Subject names what a plan
// supports, for its title (实体书店: 「2026年度实体书店扶持资金建议方案」).
type Procedure struct {
	Rounds, Plan bool
	Subject      string
	Cite         duixian.Cite
	Note         string
}

type supersession struct {
	doc         *Document
	eventsUntil duixian.Date
	cite        duixian.Cite
}

type annulment struct {
	by   *Document
	from duixian.Date
	cite duixian.Cite
}

// Clauses are the document's clauses, in the order of its articles.
func (d *Document) Clauses() []*Clause {
	var out []*Clause
	for _, a := range d.Articles {
		out = append(out, a.Clauses...)
	}
	return out
}

// Gazette says whether d is one of the gazette's documents: not a record
// standing for an older document, nor a text from outside the gazette (a
// listing standard).
func (d *Document) Gazette() bool { return !d.Record && d.Source == "" }

// Annulment is how a document was annulled: by which document, from which
// day (events from then on are refused), and the article that says so.
type Annulment struct {
	By   *Document
	From duixian.Date
	Cite duixian.Cite
}

// Annulled is d's annulment; nil while no document annuls it.
func (d *Document) Annulled() *Annulment {
	if d.annulled == nil {
		return nil
	}
	return &Annulment{By: d.annulled.by, From: d.annulled.from, Cite: d.annulled.cite}
}

// Supersession is a document replaced by By for events after EventsUntil
// (those up to it stay under the old one), as Cite says.
type Supersession struct {
	By          *Document
	EventsUntil duixian.Date
	Cite        duixian.Cite
}

// SupersededBy lists the documents of the catalogue that supersede d.
func (c *Catalogue) SupersededBy(d *Document) []Supersession {
	var out []Supersession
	for _, n := range c.Documents() {
		for _, s := range n.supersedes {
			if s.doc == d {
				out = append(out, Supersession{By: n, EventsUntil: s.eventsUntil, Cite: s.cite})
			}
		}
	}
	return out
}

func (d *Document) version() duixian.DocumentVersion {
	return duixian.DocumentVersion{ID: d.ID, Number: d.Number, Version: d.Version, InForceFrom: d.InForceFrom, InForceTo: d.InForceTo}
}

// Article is one article or item of a document with its original text.
type Article struct {
	ID, Label, Heading, Section, Text string
	Informational                     bool
	Note                              string
	Clauses                           []*Clause
	cited                             bool // a condition, limit or lifecycle rule cites it
	cite                              duixian.Cite
}

// Status says how the catalogue covers the article: computable (a clause
// implements it), rule (conditions, limits or lifecycle cite it),
// informational (no rule to encode), or pending (not yet encoded).
func (a *Article) Status(d *Document) string {
	switch {
	case len(a.Clauses) > 0:
		return "computable"
	case a.cited:
		return "rule"
	case a.Informational:
		return "informational"
	case d.transcribed:
		return "pending"
	}
	return "uncovered"
}

// Clause is the computable part of an article: facts → conditions → outcome.
type Clause struct {
	ID         string // "jjgf-2025-21/7.1"
	Title      string
	Category   string
	Department string
	Zone       string
	zoneZh     string // the region's name, from the shared fact zones
	Note       string
	Evidence   *Evidence // a clause of a document outside the gazette
	Due        bool      // the amount is owed by the applicant, not awarded
	Document   *Document
	Article    *Article
	conditions []*Condition // document eligibility, zone, then the clause's own
	award      *node
	classify   *classification
	yearlyCap  *citedAmount
	payment    *payment
	materials  []*Material
	facts      []*Fact // every fact an expression of the clause reads, in order of first use
	// invariants are the document's invariants over facts the clause reads
	// (every one of them): checked before any rule, a claim breaking one
	// describes nothing possible and is refused as bad input.
	invariants []*Condition
	// countsFromEvent is set when a rule reads the claim's event date (25号
	// 第十五条 counts two years from the investment's 划款日): 免申即享,
	// which decides on one day for everyone, cannot know that date.
	countsFromEvent bool
	line            int
}

// CountsFromEvent reports whether a rule of the clause counts time from
// the claim's own event date, which 免申即享 does not know (see NewBatch).
func (cl *Clause) CountsFromEvent() bool { return cl.countsFromEvent }

// Pays reports whether the clause awards money to the applicant: what
// 免申即享 offers and 应享未享 counts. A classification (a 群雁 tier, an
// honour, a land path) and an amount owed (20号第六条's land price) do not.
func (cl *Clause) Pays() bool { return cl.award != nil && !cl.Due }

// Cite is the article the clause implements.
func (cl *Clause) Cite() duixian.Cite { return cl.Article.cite }

// Facts lists the facts the clause reads, the schema of its application form.
func (cl *Clause) Facts() []*Fact { return cl.facts }

// Evidence says how sure the encoding of a clause taken from outside the
// gazette is (an exchange's listing standard): the grade of the best text
// its figures were read in, those texts, and, when they confirm the figures
// of an older version than the document names, that version. A standard is
// graded by its least certain figure.
type Evidence struct {
	Grade       string `json:"grade"` // A, B or C: see Grades
	Source      string `json:"source"`
	ConfirmedIn string `json:"confirmed_in,omitempty"`
}

// EvidenceGrade is one grade and what it means.
type EvidenceGrade struct{ Grade, Zh string }

// Grades are the evidence grades, surest first. A secondary summary (C) is
// a data vendor's code table, news, a law firm's note or another project's.
var Grades = []EvidenceGrade{
	{"A", "交易所或监管机构发布的规则原文"},
	{"B", "规则原文的逐字转载"},
	{"C", "二手摘要"},
}

// Meaning is what the grade says, in Chinese.
func (e Evidence) Meaning() string {
	for _, g := range Grades {
		if g.Grade == e.Grade {
			return g.Zh
		}
	}
	return ""
}

// Sentence is the evidence as a decision's trace states it.
func (e Evidence) Sentence() string {
	s := "核实等级" + e.Grade + "（" + e.Meaning() + "）：" + e.Source
	if e.ConfirmedIn != "" {
		s += "；数值仅在" + e.ConfirmedIn + "中得到确认"
	}
	return s + "。结论仅供参考"
}

// Condition is a test on facts that implements one article.
type Condition struct {
	ID   string
	Zh   string
	En   string
	Cite duixian.Cite
	Expr string
	prg  *expression.Linked
	// pass and fail are the trace sentences of the condition, written once.
	pass, fail string
	gap        *expression.Linked
	gapLabel   label
	outcome    string // a classification's label when this condition fails
	doc        bool   // a document-wide eligibility condition
	owner      string // the clause id, or the document id for eligibility
	file       string
	line       int
}

type citedAmount struct {
	amount decimal.Decimal
	zh     string
	cite   duixian.Cite
}

type classification struct {
	none     string
	refused  string // what a claim failing the conditions is: none unless the catalogue says
	outcomes []outcome
}

type outcome struct {
	outcome string
	zh      string
	cite    duixian.Cite
	prg     *expression.Linked
}

type payment struct {
	cite     duixian.Cite
	tranches []tranche
}

type tranche struct {
	share decimal.Decimal
	text  string
	zh    string
	prg   *expression.Linked
}

// Limit is a rule across the claims of one enterprise in one year.
type Limit struct {
	kind       string // category, exclusive, highest-only, total-cap
	key        string
	max        int
	clauses    []*Clause
	total      *expression.Linked
	totalZh    string
	zh, en     string
	cite       duixian.Cite
	doc        *Document
	line       int
	totalFacts []*Fact
}

// Documents lists the documents in catalogue order.
func (c *Catalogue) Documents() []*Document { return c.documents }

// Document finds a document by id.
func (c *Catalogue) Document(id string) (*Document, bool) {
	d, ok := c.docByID[id]
	return d, ok
}

// Clauses lists every clause.
func (c *Catalogue) Clauses() []*Clause { return c.clauses }

// Clause finds a clause by id.
func (c *Catalogue) Clause(id string) (*Clause, bool) {
	cl, ok := c.byID[id]
	return cl, ok
}

// Fact finds a fact by name.
func (c *Catalogue) Fact(name string) (*Fact, bool) {
	f, ok := c.facts[name]
	return f, ok
}

// VersionOf is the version a decision under d would state.
func VersionOf(d *Document) duixian.DocumentVersion { return d.version() }

// Conditions lists the conditions a claim under the clause must meet: the
// document's eligibility, the zone, then the clause's own.
func (cl *Clause) Conditions() []*Condition { return cl.conditions }

// Code is the code a refusal on the condition carries (Reason.Code): its
// clause or document, a colon, its id.
func (c *Condition) Code() string { return c.key() }
