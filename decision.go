package duixian

import (
	"encoding/json"
	"strings"
)

// Cite points at the article of a document that a condition, formula, cap or
// refusal applies. Every step of a decision carries one.
type Cite struct {
	Document string `json:"document"` // "jjgf-2025-25"
	Short    string `json:"short"`    // "25号"
	Article  string `json:"article"`  // "supp.4"
	Label    string `json:"label"`    // "附则4"
}

// String reads as officials cite: "25号第二条", "25号附则4".
func (c Cite) String() string { return c.Short + c.Label }

// DocumentVersion identifies the text a decision applied: which document, in
// which version, in force from when until when.
type DocumentVersion struct {
	ID          string `json:"id"`
	Number      string `json:"number"`
	Version     string `json:"version"`
	InForceFrom Date   `json:"in_force_from"`
	InForceTo   Date   `json:"in_force_until,omitzero"`
}

// Claim asks what one clause grants for one supported event.
type Claim struct {
	Clause string `json:"clause"` // "jjgf-2025-21/7.1"
	// EventDate is when the supported event happened (the premium was paid,
	// the store opened, the project started). It decides which document
	// version governs the claim.
	EventDate Date `json:"event_date"`
	// AsOf is the date the question is asked; the zero date means today.
	AsOf Date `json:"as_of,omitzero"`
	// Project names the supported project, so that claims on the same
	// project under different clauses are recognised (就高不重复).
	Project string `json:"project,omitempty"`
	Facts   Facts  `json:"facts"`
	// Granted marks a claim already approved: when a year's claims are
	// decided together it stays in every combination at GrantedAmount, so a
	// new claim must fit beside it under the caps and exclusions.
	Granted       bool  `json:"granted,omitempty"`
	GrantedAmount Money `json:"granted_amount_fen,omitempty"`
}

// ClaimSet is everything one enterprise claims for one year, evaluated
// together so that exclusivity, category limits and yearly caps apply.
type ClaimSet struct {
	Enterprise string  `json:"enterprise,omitempty"`
	Year       int     `json:"year"`
	AsOf       Date    `json:"as_of,omitzero"`
	Facts      Facts   `json:"facts"` // shared by every claim; a claim's own facts win
	Claims     []Claim `json:"claims"`
}

// Facts are the inputs of a claim by fact name. Values are typed by the
// catalogue's fact schema: bool, int64, decimal.Decimal (amounts in yuan,
// areas, capacities), string, []string, or []Facts for records such as a
// bookstore's reading events. Use engine.DecodeFacts to read them from JSON.
type Facts map[string]any

// Reason explains why a claim was refused or reduced.
type Reason struct {
	Code string `json:"code"`
	Zh   string `json:"message_zh"`
	En   string `json:"message_en"`
	Cite Cite   `json:"cite"`
	// Gap is by how much the condition is missed, when the catalogue says
	// (差多少): "还差2000.00万元".
	Gap string `json:"gap,omitempty"`
}

// Is reports whether the reason is the named one, whatever clause or
// document it is of: a code is always "<clause or document>:<name>"
// ("jjgf-2025-20:expired", "jjgf-2025-21/7.1:once-only").
func (r Reason) Is(name string) bool {
	return r.Code == name || strings.HasSuffix(r.Code, ":"+name)
}

// Step is one sentence of a decision's trace, in Chinese, citing the article
// it applies: "依据25号第二条，按当年实际保费支出25.00万元的50%计12.50万元".
type Step struct {
	Cite Cite   `json:"cite"`
	Text string `json:"text"`
}

// Decision is the engine's answer to a claim. It is deterministic: the same
// claim against the same catalogue gives the same decision.
type Decision struct {
	Clause    string          `json:"clause"`
	Title     string          `json:"title"`
	Document  DocumentVersion `json:"document"`
	EventDate Date            `json:"event_date"`
	AsOf      Date            `json:"as_of"`
	Eligible  bool            `json:"eligible"`
	Amount    Money           `json:"-"`
	// Batched is set when the clause pays in tranches; PayableNow is then
	// what the tranches whose conditions hold today add up to.
	Batched    bool   `json:"-"`
	PayableNow Money  `json:"-"`
	Outcome    string `json:"outcome,omitempty"` // a non-money outcome, e.g. a 群雁 tier
	// Due says the amount is owed by the applicant (a land price), not
	// awarded to it; a year's total never adds it.
	Due     bool     `json:"due,omitempty"`
	Reasons []Reason `json:"reasons"`
	Trace   []Step   `json:"trace,omitempty"`
}

// MarshalJSON writes amounts twice, as integer fen (for machines) and as yuan
// with two decimals (for people), and payable_now only when paid in batches.
func (d Decision) MarshalJSON() ([]byte, error) {
	type plain Decision
	out := struct {
		plain
		AmountFen     int64   `json:"amount_fen"`
		Amount        string  `json:"amount"`
		PayableNowFen *int64  `json:"payable_now_fen,omitempty"`
		PayableNow    *string `json:"payable_now,omitempty"`
	}{plain: plain(d), AmountFen: int64(d.Amount), Amount: d.Amount.String()}
	if d.Batched {
		fen, s := int64(d.PayableNow), d.PayableNow.String()
		out.PayableNowFen, out.PayableNow = &fen, &s
	}
	if out.Reasons == nil {
		out.Reasons = []Reason{}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads what MarshalJSON writes, so a decision frozen in a
// stored application comes back whole.
func (d *Decision) UnmarshalJSON(b []byte) error {
	type plain Decision
	in := struct {
		*plain
		AmountFen     int64  `json:"amount_fen"`
		PayableNowFen *int64 `json:"payable_now_fen"`
	}{plain: (*plain)(d)}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	d.Amount, d.PayableNow = Money(in.AmountFen), Money(in.AmountFen)
	if in.PayableNowFen != nil {
		d.Batched, d.PayableNow = true, Money(*in.PayableNowFen)
	}
	return nil
}

// YearDecision is the answer to a ClaimSet: one decision per claim, in the
// order given, after exclusivity, category limits and caps across claims.
type YearDecision struct {
	Enterprise string     `json:"enterprise,omitempty"`
	Year       int        `json:"year"`
	AsOf       Date       `json:"as_of"`
	Total      Money      `json:"-"` // awards only; amounts due are not added
	Decisions  []Decision `json:"decisions"`
	Trace      []Step     `json:"trace,omitempty"`
}

// MarshalJSON writes the total as fen and as yuan.
func (y YearDecision) MarshalJSON() ([]byte, error) {
	type plain YearDecision
	return json.Marshal(struct {
		plain
		TotalFen int64  `json:"total_fen"`
		Total    string `json:"total"`
	}{plain(y), int64(y.Total), y.Total.String()})
}
