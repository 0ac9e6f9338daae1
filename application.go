package duixian

import (
	"encoding/json"
	"time"
)

// Status is where an application stands on the path 21号第十二条 and 22号第十条
// describe, which the platform uses for every computable clause:
//
//	draft → submitted ⇄ returned (补正)
//	submitted → reviewed (初审, with co-review opinions) → assessed (专家评审)
//	→ proposed (拟定金额) → publicity (公示) → approved → paying → paid
//
// Where the document's procedure is the annual plan (21号, 22号), proposed
// projects wait for the round's plan to be approved; the plan takes them
// into publicity together and, after its window, to approved (Plan). Other
// documents publish and approve each application alone.
//
// Before approval an application can be rejected (with a reason the
// applicant sees) or withdrawn by the applicant; after approval, supervision
// can revoke it (撤销), booking a clawback of what was paid.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusSubmitted Status = "submitted"
	StatusReturned  Status = "returned"
	StatusReviewed  Status = "reviewed"
	StatusAssessed  Status = "assessed"
	StatusProposed  Status = "proposed"
	StatusPublicity Status = "publicity"
	StatusApproved  Status = "approved"
	StatusPaying    Status = "paying"
	StatusPaid      Status = "paid"
	StatusRejected  Status = "rejected"
	StatusWithdrawn Status = "withdrawn"
	StatusRevoked   Status = "revoked"
)

// Zh names the status for people.
func (s Status) Zh() string {
	return map[Status]string{
		StatusDraft: "草稿", StatusSubmitted: "已申报，待初审", StatusReturned: "退回补正",
		StatusReviewed: "初审通过，待专家评审", StatusAssessed: "专家评审完成，待拟定金额",
		StatusProposed: "已拟定金额，待公示", StatusPublicity: "公示中", StatusApproved: "已批准，待拨付",
		StatusPaying: "分批拨付中", StatusPaid: "已拨付", StatusRejected: "未通过",
		StatusWithdrawn: "已撤回", StatusRevoked: "已撤销",
	}[s]
}

// Open reports whether the application can still be withdrawn or rejected:
// anything before approval.
func (s Status) Open() bool {
	switch s {
	case StatusDraft, StatusSubmitted, StatusReturned, StatusReviewed, StatusAssessed, StatusProposed, StatusPublicity:
		return true
	}
	return false
}

// Holds reports whether an application in this status holds or claims its
// award: from submission until it is rejected, withdrawn or revoked. A
// once-only award (一次性奖励) counts every such application, so a second
// claim is refused while the first is still in review, not only once paid.
func (s Status) Holds() bool {
	switch s {
	case StatusSubmitted, StatusReturned, StatusReviewed, StatusAssessed, StatusProposed,
		StatusPublicity, StatusApproved, StatusPaying, StatusPaid:
		return true
	}
	return false
}

// Application is a claim on one clause for one period, in the workflow.
type Application struct {
	ID         string `json:"id"`
	Enterprise string `json:"enterprise"` // USCC
	Clause     string `json:"clause"`
	Year       int    `json:"year"`
	EventDate  Date   `json:"event_date"`
	Project    string `json:"project,omitempty"`
	// Round is the round (申报批次) the application was taken in, under a
	// document that takes applications in rounds.
	Round string `json:"round,omitempty"`
	// Plan is the annual plan (年度扶持资金建议方案) the application was
	// published in, under a document whose procedure uses one.
	Plan  string          `json:"plan,omitempty"`
	Facts json.RawMessage `json:"facts"` // as the applicant gave them; numbers keep their text
	// Declared is the applicant's declaration that the materials are true
	// (21号第十四条: 应如实提供申报材料并遵守相关承诺).
	Declared bool `json:"declared"`
	// Materials are the files the applicant supplied (申报材料), each as
	// one of the clause's materials; Requested, the ones a 退回补正 asked for.
	Materials []Material       `json:"materials,omitempty"`
	Requested *MaterialRequest `json:"requested_materials,omitempty"`
	// Offer is the 免申即享 offer the application was confirmed from: the
	// government data it was found in stands in for the materials, and a
	// round binds it only where the round says so.
	Offer  string `json:"offer,omitempty"`
	Status Status `json:"status"`
	// Decision is the engine's decision frozen at submission, with the
	// catalogue version it used; each review step re-evaluates and keeps
	// the latest in Review.
	Decision         *Decision `json:"decision,omitempty"`
	Review           *Decision `json:"review,omitempty"`
	CatalogueVersion string    `json:"catalogue_version,omitempty"`

	Opinions []Opinion `json:"opinions,omitempty"`
	// Experts are the sign-in names of the experts the department
	// assigned to review it; only they see it and score it.
	Experts  []string      `json:"experts,omitempty"`
	Expert   *ExpertReview `json:"expert,omitempty"`
	Proposed Money         `json:"proposed_fen,omitempty"`
	// ProposedBy is who proposed the amount: under separation of duties
	// another official approves it, and another pays it.
	ProposedBy string      `json:"proposed_by,omitempty"`
	Reduction  string      `json:"reduction_reason,omitempty"` // why less than the engine's amount
	Publicity  *Publicity  `json:"publicity,omitempty"`
	Objections []Objection `json:"objections,omitempty"`
	Approved   Money       `json:"approved_fen,omitempty"`
	Payments   []Payment   `json:"payments,omitempty"`
	Reason     string      `json:"reason,omitempty"` // a return, rejection or revocation, shown to the applicant
	Clawback   Money       `json:"clawback_fen,omitempty"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Version int       `json:"version"`
}

// Paid adds up the payments made.
func (a *Application) Paid() Money {
	var m Money
	for _, p := range a.Payments {
		m += p.Amount
	}
	return m
}

// Material is a file the applicant supplied as one of the clause's 申报材料
// (the catalogue lists them, each with its article); its bytes are stored
// once, by SHA-256, in the platform's database.
type Material struct {
	ID       string    `json:"id"`   // "M…", unique on the platform
	Kind     string    `json:"kind"` // the catalogue's material id: "licences"
	Name     string    `json:"name"` // the file's name as uploaded
	Type     string    `json:"type"` // pdf, ofd, jpg or png, as its content shows
	SHA256   string    `json:"sha256"`
	Size     int64     `json:"size"`
	Uploaded time.Time `json:"uploaded"`
	By       string    `json:"by"`
}

// Short is the SHA-256's first 12 hex digits, as a receipt prints it.
func (m Material) Short() string { return m.SHA256[:min(12, len(m.SHA256))] }

// MaterialRequest is what a 退回补正 asked for: the clause's materials by
// id, to be uploaded after At.
type MaterialRequest struct {
	Kinds []string  `json:"kinds"`
	At    time.Time `json:"at"`
}

// Opinion is a co-reviewing department's opinion (会签意见).
type Opinion struct {
	Department string    `json:"department"`
	Requested  time.Time `json:"requested"`
	Given      time.Time `json:"given,omitzero"`
	Agree      bool      `json:"agree"`
	Text       string    `json:"text,omitempty"`
	By         string    `json:"by,omitempty"`
}

// ExpertReview is the third-party panel's review (专家评审).
type ExpertReview struct {
	Scores  map[string]int `json:"scores"`
	Opinion string         `json:"opinion"`
	Pass    bool           `json:"pass"`
	By      string         `json:"by"`
	At      time.Time      `json:"at"`
}

// Publicity is the 公示 window: From is the first day, Until the last, a
// number of working days under the holiday calendar.
type Publicity struct {
	From  Date `json:"from"`
	Until Date `json:"until"`
	Days  int  `json:"days"`
}

// Objection is a challenge filed during publicity (异议). While any is open
// the application cannot be approved. Its ID is the receipt number the
// objector is given, and by which the department finds it.
type Objection struct {
	ID    string    `json:"id"`
	Filed time.Time `json:"filed"`
	By    string    `json:"by"`
	// Who objects and how to reach them: a name, and a phone number or an
	// e-mail address. The department sees them; the applicant does not.
	Name     string    `json:"name,omitempty"`
	Phone    string    `json:"phone,omitempty"`
	Email    string    `json:"email,omitempty"`
	Text     string    `json:"text"`
	Evidence string    `json:"evidence,omitempty"`
	Answer   string    `json:"answer,omitempty"`
	Upheld   bool      `json:"upheld,omitempty"`
	Answered time.Time `json:"answered,omitzero"`
}

// Payment is one disbursement (拨付); Tranche counts from 1. The voucher
// number, the payee account (its last four digits only: the rest is never
// stored) and the day paid are the treasury's record of the transfer.
type Payment struct {
	Tranche int       `json:"tranche"`
	Amount  Money     `json:"amount_fen"`
	At      time.Time `json:"at"`
	By      string    `json:"by"`
	Key     string    `json:"idempotency_key"`
	Voucher string    `json:"voucher,omitempty"`       // 凭证号
	Account string    `json:"account_last4,omitempty"` // 收款账号后四位
	PaidOn  Date      `json:"paid_on,omitzero"`        // 付款日期
}

// MaskedAccount is the payee account as shown: its last four digits.
func (p Payment) MaskedAccount() string {
	if p.Account == "" {
		return ""
	}
	return "**** **** " + p.Account
}

// Award is a line of the ledger: what an approved application granted, for
// the caps and exclusions across an enterprise's applications.
type Award struct {
	Application string `json:"application"`
	Enterprise  string `json:"enterprise"`
	Clause      string `json:"clause"`
	Year        int    `json:"year"`
	Project     string `json:"project,omitempty"`
	EventDate   Date   `json:"event_date"`
	Amount      Money  `json:"amount_fen"`
	Revoked     bool   `json:"revoked,omitempty"`
}
