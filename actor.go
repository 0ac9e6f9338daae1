package duixian

import "strings"

// Role is what a user may do. An official acts only on clauses of their own
// department; enterprise staff act only for their own enterprise.
type Role string

const (
	RoleEnterprise Role = "enterprise" // 企业经办人
	RoleReviewer   Role = "reviewer"   // 责任单位初审
	RoleCoReviewer Role = "coreviewer" // 会签部门
	RoleExpert     Role = "expert"     // 第三方专家
	RoleFinance    Role = "finance"    // 财政拨付
	RoleSupervisor Role = "supervisor" // 监督检查
	RoleAdmin      Role = "admin"
	RoleAuthor     Role = "author" // 政策起草：tries a draft document beside the catalogue; publishes nothing
	RolePublic     Role = "public" // anyone, e.g. filing an objection during 公示
)

// Actor is who does something, from where: every audit entry names one.
type Actor struct {
	User       string `json:"user"`
	Role       Role   `json:"role"`
	Department string `json:"department,omitempty"` // officials
	Enterprise string `json:"enterprise,omitempty"` // enterprise staff: the USCC they act for
	IP         string `json:"ip,omitempty"`
}

// WithDetail is an audit entry's after: the state, and beside it, when
// there is one, what the change did that the state does not say (an
// upload's file and hash).
func WithDetail(state, detail string) string {
	if detail == "" {
		return state
	}
	return state + detailSeparator + detail
}

const detailSeparator = " / "

// StateAfter splits the entry's after into the state and the detail
// WithDetail wrote beside it.
func (e AuditEntry) StateAfter() (state, detail string) {
	state, detail, _ = strings.Cut(e.After, detailSeparator)
	return state, detail
}

// AuditEntry records one state change: who, when, from where, what before
// and after. Entries are chained: Hash is SM3 over the previous entry's hash
// and this entry's content, so a change to any entry breaks every link after it.
// The content hashed is a documented encoding of the fields (package audit,
// docs/audit.md), not this type's JSON: a field added here is recorded only
// once a new audit format names it.
type AuditEntry struct {
	Seq     int64  `json:"seq"`
	At      string `json:"at"` // RFC 3339 in Asia/Shanghai
	Actor   Actor  `json:"actor"`
	Action  string `json:"action"`  // submit, approve, disburse, denied:approve …
	Subject string `json:"subject"` // an application id, an enterprise USCC
	Before  string `json:"before,omitempty"`
	After   string `json:"after,omitempty"`
	Prev    string `json:"prev"`
	Hash    string `json:"hash"`
}
