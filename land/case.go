package land

import (
	"encoding/json"
	"time"

	"github.com/etown/duixian"
)

// State is where a case stands.
type State string

const (
	StatePlan            State = "plan"             // 待编制地块规划综合实施方案
	StateReview          State = "review"           // 规自分局审核中（多规合一征求意见）
	StateReviewed        State = "reviewed"         // 审核通过，待社会公示
	StateNotice          State = "notice"           // 社会公示
	StateCommitteePassed State = "committee-passed" // 管委会审查通过，待出具审定意见
	StateApproved        State = "approved"         // 已出具审定意见，待办理用地手续
	StateContracted      State = "contracted"       // 已签订出让合同或补充协议，待不动产登记
	StateClosed          State = "closed"           // 已登记（注记），办结
	StateRejected        State = "rejected"         // 未通过
	StateWithdrawn       State = "withdrawn"        // 已撤回
)

// Zh names the state for people.
func (s State) Zh() string {
	return map[State]string{
		StatePlan: "待编制地块规划综合实施方案", StateReview: "规自分局审核中", StateReviewed: "审核通过，待社会公示",
		StateNotice: "社会公示", StateCommitteePassed: "管委会审查通过，待出具审定意见",
		StateApproved: "已出具审定意见，待办理用地手续", StateContracted: "已签订合同，待不动产登记",
		StateClosed: "已登记，办结", StateRejected: "未通过", StateWithdrawn: "已撤回",
	}[s]
}

// States are the states in the order a case passes them, then its ends.
var States = []State{StatePlan, StateReview, StateReviewed, StateNotice, StateCommitteePassed, StateApproved,
	StateContracted, StateClosed, StateRejected, StateWithdrawn}

// Final reports whether nothing more happens to the case.
func (s State) Final() bool {
	return s == StateClosed || s == StateRejected || s == StateWithdrawn
}

// Case is one land-use-right holder's application to optimise a plot's
// planning conditions, and everything that happened to it.
type Case struct {
	ID         string `json:"id"`
	Enterprise string `json:"enterprise"` // the holder's USCC
	Plot       string `json:"plot"`       // 地块名称或编号
	// Applied is the day the holder applied to 规自分局 (第二条): the event
	// date of every decision about the case.
	Applied duixian.Date `json:"applied"`
	// Facts are the plot's facts as given at the start, with what later
	// steps establish (land_plan_approved, land_transition_approved, the
	// assessed prices); numbers keep their text.
	Facts json.RawMessage `json:"facts"`
	Path  string          `json:"path"` // clause 5 outcome
	State State           `json:"state"`
	// Start is the engine's decision on clause 5 when the case started;
	// PathReview the one when 规自分局 passed its review, if it corrected
	// the planning facts.
	Start            *duixian.Decision `json:"start"`
	PathReview       *duixian.Decision `json:"path_review,omitempty"`
	Trial            *TrialRef         `json:"trial,omitempty"`
	CatalogueVersion string            `json:"catalogue_version"`

	Plan         *Plan         `json:"plan,omitempty"`
	Opinions     []Opinion     `json:"opinions,omitempty"`
	Review       *Review       `json:"review,omitempty"`
	Notice       *Notice       `json:"notice,omitempty"`
	Committee    *Committee    `json:"committee,omitempty"`
	Approval     *Approval     `json:"approval,omitempty"`
	Contract     *Contract     `json:"contract,omitempty"`
	Registration *Registration `json:"registration,omitempty"`
	Reason       string        `json:"reason,omitempty"` // a return or rejection, shown to the holder
	History      []Event       `json:"history"`

	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	Version int       `json:"version"`
}

// TrialRef says a case was accepted under a recorded extension of the trial.
type TrialRef struct {
	ID     string       `json:"id"`
	Number string       `json:"number"`
	Until  duixian.Date `json:"until"`
}

// Plan is the 地块规划综合实施方案 (第三条), or the record that none is
// needed (第三条（五）).
type Plan struct {
	Skipped bool         `json:"skipped,omitempty"`
	Cite    duixian.Cite `json:"cite,omitzero"`
	Title   string       `json:"title,omitempty"`
	Summary string       `json:"summary,omitempty"`
	By      string       `json:"by,omitempty"`
	At      time.Time    `json:"at"`
	// Revision counts the plans submitted (a returned plan is revised).
	Revision int `json:"revision,omitempty"`
}

// Opinion is the answer of a department or public utility consulted
// through the 多规合一 platform (第四条).
type Opinion struct {
	Party     string    `json:"party"`
	Utility   bool      `json:"utility,omitempty"` // 公用服务企业
	Requested time.Time `json:"requested"`
	Given     time.Time `json:"given,omitzero"`
	Agree     bool      `json:"agree"`
	Text      string    `json:"text,omitempty"`
	By        string    `json:"by,omitempty"`
	// Via is the 多规合一 platform's reference when 规自分局 records an
	// answer given there; empty when the department answered here itself.
	Via string `json:"via,omitempty"`
}

// Review is 规自分局's conclusion of its review.
type Review struct {
	Opinion string    `json:"opinion"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// Notice is the public notice (社会公示): From is the first day, Until the
// last, Days working days under the holiday calendar.
type Notice struct {
	From  duixian.Date `json:"from"`
	Until duixian.Date `json:"until"`
	Days  int          `json:"days"`
	By    string       `json:"by"`
}

// Committee is the 管委会 review (第五条). Mode follows the path: 同步审查
// with the urban-renewal plan, 书面报请 with the written submission, or a
// meeting.
type Committee struct {
	Mode        string       `json:"mode"`
	Cite        duixian.Cite `json:"cite"`
	Approved    bool         `json:"approved"`
	Reference   string       `json:"reference"`              // 会议纪要或书面报请文号
	RenewalPlan string       `json:"renewal_plan,omitempty"` // 城市更新实施方案
	Opinion     string       `json:"opinion,omitempty"`
	// Transition is the committee's decision on the transition policy
	// (第六条（二）), when the holder applied for it.
	Transition *bool     `json:"transition_approved,omitempty"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// Approval is the 审定意见 (第五条).
type Approval struct {
	Number string    `json:"number"`
	Text   string    `json:"text,omitempty"`
	By     string    `json:"by"`
	At     time.Time `json:"at"`
}

// Contract is the grant contract or supplementary agreement (第六条) with
// the land price the engine computed.
type Contract struct {
	Kind   string `json:"kind"` // 出让合同 or 补充协议
	Number string `json:"number"`
	// Price is clause 6's decision. PriceApplies is false when 第六条 has
	// no case for the project (M1→M4 without change of use): the contract
	// then follows the grant contract and no price is computed.
	Price        *duixian.Decision `json:"price"`
	PriceApplies bool              `json:"price_applies"`
	Due          duixian.Money     `json:"due_fen"`
	DueYuan      string            `json:"due"`
	Note         string            `json:"note,omitempty"`
	By           string            `json:"by"`
	At           time.Time         `json:"at"`
}

// Registration is the real-estate registration, or for a project under
// the transition policy the planning permit, with the annotation of
// 第七条 (clause 7).
type Registration struct {
	Number     string            `json:"number"` // 不动产权证书号或建设工程规划许可证号
	Annotation string            `json:"annotation"`
	Text       string            `json:"text"`
	Cite       duixian.Cite      `json:"cite,omitzero"`
	Decision   *duixian.Decision `json:"decision"`
	// Deferred: during the transition period the land procedures and the
	// registration wait (第七条（三）); the annotation is on the permit.
	Deferred bool      `json:"deferred,omitempty"`
	By       string    `json:"by"`
	At       time.Time `json:"at"`
}

// Event is one line of a case's history.
type Event struct {
	Action     string       `json:"action"`
	From       State        `json:"from,omitempty"`
	To         State        `json:"to"`
	By         string       `json:"by"`
	Role       duixian.Role `json:"role"`
	Department string       `json:"department,omitempty"`
	At         time.Time    `json:"at"`
	Note       string       `json:"note,omitempty"`
}

// PendingOpinions lists the parties consulted that have not answered.
func (c *Case) PendingOpinions() []string {
	var out []string
	for _, o := range c.Opinions {
		if o.Given.IsZero() {
			out = append(out, o.Party)
		}
	}
	return out
}
