package engine

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// This file is the catalogue format as a policy author writes it; see
// docs/catalogue.md. Every scalar keeps its line so that a mistake is
// reported as file:line.

// scalar is a YAML scalar with its position.
type scalar struct {
	Value string
	Line  int
	Col   int
}

func (s *scalar) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: expected a single value, found a %s", n.Line, kindName(n.Kind))
	}
	*s = scalar{Value: n.Value, Line: n.Line, Col: n.Column}
	return nil
}

func (s scalar) set() bool { return s.Value != "" }

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

type fileSpec struct {
	Document documentSpec `yaml:"document"`
	Facts    []factSpec   `yaml:"facts"`
	// Invariants are what facts must satisfy together to describe anything
	// possible (a part is at most its whole); see Clause.invariants.
	Invariants []conditionSpec `yaml:"invariants"`
	Articles   []articleSpec   `yaml:"articles"`
}

type citedDate struct {
	Date scalar `yaml:"date"`
	Cite scalar `yaml:"cite"`
}

type documentSpec struct {
	ID      scalar `yaml:"id"`
	Number  scalar `yaml:"number"`
	Short   scalar `yaml:"short"`
	Title   scalar `yaml:"title"`
	Issuer  scalar `yaml:"issuer"`
	Issued  scalar `yaml:"issued"`
	Version scalar `yaml:"version"`
	// Source names the texts a document outside the gazette is taken from
	// (an exchange's listing rules, with their version); each of its clauses
	// then says how sure it is (evidence).
	Source scalar `yaml:"source"`
	// Kind is "policy" (the default) or "record" for an entry that stands
	// for a document outside the gazette (a superseded or annulled one).
	Kind scalar `yaml:"kind"`
	// Status "transcribed" marks a document whose text is in the catalogue
	// but whose clauses are not encoded yet; coverage reports it as pending.
	Status  scalar `yaml:"status"`
	InForce *struct {
		From  scalar `yaml:"from"`
		Until scalar `yaml:"until"`
		Cite  scalar `yaml:"cite"`
	} `yaml:"in_force"`
	EventsFrom *citedDate `yaml:"events_from"`
	// EventsUntil ends the window of events the document pays for; it may
	// come before the document is issued (a guide of 2021 paying for 2020).
	EventsUntil *citedDate `yaml:"events_until"`
	Zone        *struct {
		Zone scalar `yaml:"zone"`
		Cite scalar `yaml:"cite"`
	} `yaml:"zone"`
	Department scalar `yaml:"department"`
	Rounding   *struct {
		Unit   scalar `yaml:"unit"`
		Places scalar `yaml:"places"`
		Cite   scalar `yaml:"cite"`
	} `yaml:"rounding"`
	MinimumPayout *struct {
		Amount scalar `yaml:"amount"`
		Cite   scalar `yaml:"cite"`
	} `yaml:"minimum_payout"`
	SameProject *struct {
		Rule scalar `yaml:"rule"` // highest-only
		Cite scalar `yaml:"cite"`
		// WithinDocument extends the rule to two clauses of this document;
		// otherwise it binds only across documents (其他政策).
		WithinDocument bool `yaml:"within_document"`
	} `yaml:"same_project"`
	// FraudBan is the document's ban after a finding of false materials
	// (三年内不得再次申报, 21号第十四条): how long, the article, and the fact
	// of the document that the registry sets while the ban lasts.
	FraudBan *struct {
		Years scalar `yaml:"years"`
		Fact  scalar `yaml:"fact"`
		Cite  scalar `yaml:"cite"`
	} `yaml:"fraud_ban"`
	Supersedes []struct {
		Document    scalar `yaml:"document"`
		EventsUntil scalar `yaml:"events_until"`
		Cite        scalar `yaml:"cite"`
	} `yaml:"supersedes"`
	Annuls []struct {
		Document scalar `yaml:"document"`
		From     scalar `yaml:"from"`
		Cite     scalar `yaml:"cite"`
	} `yaml:"annuls"`
	// Procedure is how the document takes and decides applications: in
	// rounds under an annual 申报指南 or any day, and as one annual plan
	// (年度扶持资金建议方案) approved before 公示 or one application at a
	// time. Every gazette document with clauses declares it, with the
	// reading taken in its note.
	Procedure *struct {
		Rounds scalar `yaml:"rounds"`
		Plan   scalar `yaml:"plan"`
		// Subject names what the plan supports, for its title:
		// 「2026年度实体书店扶持资金建议方案」.
		Subject scalar `yaml:"subject"`
		Cite    scalar `yaml:"cite"`
		Note    scalar `yaml:"note"`
	} `yaml:"procedure"`
}

type factSpec struct {
	Name     scalar       `yaml:"name"`
	Type     scalar       `yaml:"type"`
	Unit     scalar       `yaml:"unit"`
	Min      scalar       `yaml:"min"`
	Max      scalar       `yaml:"max"`
	Default  scalar       `yaml:"default"`
	Optional scalar       `yaml:"optional"`
	Values   []valueSpec  `yaml:"values"`
	Fields   []factSpec   `yaml:"fields"`
	MaxItems scalar       `yaml:"max_items"`
	Zh       scalar       `yaml:"zh"`
	En       scalar       `yaml:"en"`
	Help     scalar       `yaml:"help"`
	Derived  *derivedSpec `yaml:"derived"`
}

// derivedSpec declares that the platform, not the applicant, answers a
// fact (see Derivation).
type derivedSpec struct {
	From   scalar `yaml:"from"`
	Clause scalar `yaml:"clause"`
	Per    scalar `yaml:"per"`
}

type valueSpec struct {
	Value scalar `yaml:"value"`
	Zh    scalar `yaml:"zh"`
	// En and Within describe a value of the shared fact zones: a region,
	// its English name and the region it lies in.
	En     scalar `yaml:"en"`
	Within scalar `yaml:"within"`
}

type articleSpec struct {
	ID            scalar          `yaml:"id"`
	Label         scalar          `yaml:"label"`
	Heading       scalar          `yaml:"heading"`
	Section       scalar          `yaml:"section"`
	Text          scalar          `yaml:"text"`
	Informational bool            `yaml:"informational"`
	Note          scalar          `yaml:"note"`
	Eligibility   []conditionSpec `yaml:"eligibility"`
	// Materials written on an article are asked of every clause of the
	// document, as eligibility is (see Material).
	Materials []materialSpec `yaml:"materials"`
	Clauses   []clauseSpec   `yaml:"clauses"`
	Limits    []limitSpec    `yaml:"limits"`
}

type conditionSpec struct {
	ID   scalar `yaml:"id"`
	When scalar `yaml:"when"`
	Zh   scalar `yaml:"zh"`
	En   scalar `yaml:"en"`
	Cite scalar `yaml:"cite"`
	// Gap says by how much a failed condition is missed (差多少): an
	// expression of the shortfall, shown when the condition fails and the
	// gap is positive; GapUnit is its unit (money without one).
	Gap     scalar `yaml:"gap"`
	GapUnit scalar `yaml:"gap_unit"`
	// Outcome labels a classification that fails this condition, in place
	// of the clause's none: 26号附则3's exit conditions make a member 退出,
	// not 未入选.
	Outcome scalar `yaml:"outcome"`
}

type clauseSpec struct {
	ID         scalar `yaml:"id"`
	Title      scalar `yaml:"title"`
	Category   scalar `yaml:"category"`
	Department scalar `yaml:"department"`
	Zone       *struct {
		Zone scalar `yaml:"zone"`
		Cite scalar `yaml:"cite"`
	} `yaml:"zone"`
	Note scalar `yaml:"note"`
	// Evidence grades a clause of a document outside the gazette: the
	// authority of the text its figures were read in (see Evidence).
	Evidence *evidenceSpec `yaml:"evidence"`
	// Due marks an amount the applicant pays (a land price, 20号第六条)
	// rather than an award it receives.
	Due bool `yaml:"due"`
	// ExemptFrom names document-wide eligibility conditions this clause
	// does not need (本措施另有规定的除外); the clause's note says why.
	ExemptFrom []scalar        `yaml:"exempt_from"`
	Conditions []conditionSpec `yaml:"conditions"`
	Award      *awardSpec      `yaml:"award"`
	Classify   *classifySpec   `yaml:"classify"`
	YearlyCap  *struct {
		Amount scalar `yaml:"amount"`
		Cite   scalar `yaml:"cite"`
		Zh     scalar `yaml:"zh"`
	} `yaml:"yearly_cap"`
	Payment *paymentSpec `yaml:"payment"`
	// Materials are what an application under this clause alone supplies.
	Materials []materialSpec `yaml:"materials"`
}

// materialSpec is one 申报材料 as the article naming it lists it.
type materialSpec struct {
	ID       scalar `yaml:"id"`
	Zh       scalar `yaml:"zh"`
	En       scalar `yaml:"en"`
	Cite     scalar `yaml:"cite"`
	Optional bool   `yaml:"optional"`
	Note     scalar `yaml:"note"`
}

type evidenceSpec struct {
	Grade       scalar `yaml:"grade"`
	Source      scalar `yaml:"source"`
	ConfirmedIn scalar `yaml:"confirmed_in"`
}

// awardSpec is one node of an award formula. Exactly one of the shapes
// (amount, rate, per, up_to, tiers, cases, highest_of, sum_of, each) is set;
// when, less, cap and caps may decorate any of them.
type awardSpec struct {
	Cite scalar `yaml:"cite"`
	Zh   scalar `yaml:"zh"`
	When scalar `yaml:"when"`

	Amount scalar `yaml:"amount"`

	Rate scalar `yaml:"rate"`
	// Ceiling marks the rate as the most the text allows (不超过30%): the
	// department fixes the rate of a round within it (Options.Rates).
	Ceiling scalar `yaml:"ceiling"`
	Of      scalar `yaml:"of"`
	OfZh    scalar `yaml:"of_zh"`

	Per       scalar `yaml:"per"`
	Count     scalar `yaml:"count"`
	CountZh   scalar `yaml:"count_zh"`
	CountUnit scalar `yaml:"count_unit"`

	UpTo scalar `yaml:"up_to"`

	Tiers     *tiersSpec  `yaml:"tiers"`
	Cases     []awardSpec `yaml:"cases"`
	HighestOf []awardSpec `yaml:"highest_of"`
	SumOf     []awardSpec `yaml:"sum_of"`
	Each      *eachSpec   `yaml:"each"`

	Less   scalar      `yaml:"less"`
	LessZh scalar      `yaml:"less_zh"`
	Cap    scalar      `yaml:"cap"`
	CapZh  scalar      `yaml:"cap_zh"`
	Caps   []awardSpec `yaml:"caps"`
}

type tiersSpec struct {
	On     scalar     `yaml:"on"`
	OnZh   scalar     `yaml:"on_zh"`
	OnUnit scalar     `yaml:"on_unit"`
	Bands  []bandSpec `yaml:"bands"`
}

type bandSpec struct {
	Range     scalar `yaml:"range"`
	awardSpec `yaml:",inline"`
}

type eachSpec struct {
	Records scalar          `yaml:"records"`
	Valid   []conditionSpec `yaml:"valid"`
	Award   awardSpec       `yaml:"award"`
}

type classifySpec struct {
	None scalar `yaml:"none"`
	// Refused labels a claim that fails the clause's conditions; without
	// it, such a claim is none. 20号's none is a review path, which a
	// refused application must not be given.
	Refused scalar `yaml:"refused"`
	Outcome []struct {
		Outcome scalar `yaml:"outcome"`
		When    scalar `yaml:"when"`
		Zh      scalar `yaml:"zh"`
		Cite    scalar `yaml:"cite"`
	} `yaml:"outcomes"`
}

type paymentSpec struct {
	Cite     scalar `yaml:"cite"`
	Tranches []struct {
		Share scalar `yaml:"share"`
		When  scalar `yaml:"when"`
		Zh    scalar `yaml:"zh"`
	} `yaml:"tranches"`
}

type limitSpec struct {
	CategoryLimit scalar   `yaml:"category_limit"`
	Exclusive     []scalar `yaml:"exclusive"`
	HighestOnly   []scalar `yaml:"highest_only"`
	TotalCap      scalar   `yaml:"total_cap"`
	TotalCapZh    scalar   `yaml:"total_cap_zh"`
	Zh            scalar   `yaml:"zh"`
	En            scalar   `yaml:"en"`
	Cite          scalar   `yaml:"cite"`
}

// caseFileSpec is a file of cases beside a document: NAME.test.yaml.
type caseFileSpec struct {
	// AsOf is the as-of date of every case that gives none; without it a
	// case is judged on its event date.
	AsOf     scalar     `yaml:"as_of"`
	Defaults yaml.Node  `yaml:"defaults"`
	Cases    []caseSpec `yaml:"cases"`
}

type caseSpec struct {
	Name      scalar      `yaml:"name"`
	Clause    scalar      `yaml:"clause"`
	EventDate scalar      `yaml:"event_date"`
	AsOf      scalar      `yaml:"as_of"`
	Project   scalar      `yaml:"project"`
	Facts     yaml.Node   `yaml:"facts"`
	Year      scalar      `yaml:"year"`
	Claims    []caseSpec  `yaml:"claims"`
	Expect    *expectSpec `yaml:"expect"`
}

type expectSpec struct {
	Eligible      *bool        `yaml:"eligible"`
	Amount        scalar       `yaml:"amount"`
	PayableNow    scalar       `yaml:"payable_now"`
	Outcome       scalar       `yaml:"outcome"`
	Reasons       []scalar     `yaml:"reasons"`
	TraceContains []scalar     `yaml:"trace_contains"`
	Total         scalar       `yaml:"total"`
	Decisions     []expectSpec `yaml:"decisions"`
	Error         scalar       `yaml:"error"`
}
