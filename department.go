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
}
