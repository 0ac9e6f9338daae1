package duixian

// Department is what the platform keeps about a department besides its
// officials: its settings.
type Department struct {
	Name string `json:"name"`
	// SelfApproval turns separation of duties off for the clauses the
	// department is responsible for: the official who proposed an amount
	// may then also approve it and pay it. It is off unless an
	// administrator turns it on, for a department too small to have two
	// officials who could.
	SelfApproval bool `json:"self_approval,omitempty"`
	// PlanApprovers are the officials' accounts that approve or return
	// the department's annual plans (21号第十二条（四）, 22号第十条（四）:
	// 建议方案获得批准) — the 管委会's, or whom the department names, of
	// any department. None named: another official of the department
	// than the one who compiled or submitted the plan.
	PlanApprovers []string `json:"plan_approvers,omitempty"`
}
