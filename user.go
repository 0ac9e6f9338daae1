package duixian

import "time"

// User is a person who signs in. Enterprise staff act for one enterprise;
// officials belong to one department. Passwords are kept only as argon2id
// hashes. After too many failed sign-ins an account is locked for a while.
type User struct {
	Name       string `json:"name"` // the sign-in name
	Display    string `json:"display"`
	Role       Role   `json:"role"`
	Department string `json:"department,omitempty"`
	Enterprise string `json:"enterprise,omitempty"`
	// Email and Phone, when given, are where the user's notifications are
	// also sent (email over SMTP, SMS), besides the inbox.
	Email        string    `json:"email,omitempty"`
	Phone        string    `json:"phone,omitempty"`
	PasswordHash string    `json:"password_hash"`
	FailedLogins int       `json:"failed_logins"`
	LockedUntil  time.Time `json:"locked_until,omitzero"`

	// Disabled accounts cannot sign in; their sessions end.
	Disabled bool `json:"disabled,omitempty"`
	// MustChangePassword sends the user to the password page until they
	// choose a password of their own (after an administrator's reset).
	MustChangePassword bool `json:"must_change_password,omitempty"`
	// PasswordHistory holds the hashes of the passwords before this one,
	// newest first, so that a change cannot go back to a recent one.
	PasswordHistory []string  `json:"password_history,omitempty"`
	PasswordChanged time.Time `json:"password_changed,omitzero"`
	Created         time.Time `json:"created,omitzero"`

	// The second factor: a TOTP secret (RFC 6238, base32) once enrolment
	// is confirmed, the one being enrolled until then, the last time step
	// a code was accepted in (a code is good once), and the SHA-256 of each
	// unused recovery code.
	TOTPSecret    string   `json:"totp_secret,omitempty"`
	TOTPPending   string   `json:"totp_pending,omitempty"`
	TOTPStep      int64    `json:"totp_step,omitempty"`
	RecoveryCodes []string `json:"recovery_codes,omitempty"`

	// Pending: the account registered itself and waits for an official to
	// activate it; it cannot sign in until then.
	Pending bool `json:"pending,omitempty"`
	// EnterpriseAdmin is the enterprise's 管理员, who adds its other staff.
	EnterpriseAdmin bool `json:"enterprise_admin,omitempty"`
	// Registration is what an enterprise gave when it registered itself.
	Registration *Registration `json:"registration,omitempty"`
}

// Registration is an enterprise's self-registration: who it says it is and
// whom to call about it.
type Registration struct {
	EnterpriseName      string    `json:"enterprise_name"`
	LegalRepresentative string    `json:"legal_representative"`
	Contact             string    `json:"contact"`
	Phone               string    `json:"phone"`
	Submitted           time.Time `json:"submitted"`
	// ActivatedBy is "registry" when the registry's record matched, or
	// the official who activated the account.
	ActivatedBy string `json:"activated_by,omitempty"`
}

// Actor is the user acting, from an address.
func (u *User) Actor(ip string) Actor {
	return Actor{User: u.Name, Role: u.Role, Department: u.Department, Enterprise: u.Enterprise, IP: ip}
}

// Enrolled reports whether the user has a second factor.
func (u *User) Enrolled() bool { return u.TOTPSecret != "" }

// Redacted is the user without anything secret (hashes, the second factor's
// secret and recovery codes): what may be shown to the user or an
// administrator.
func (u User) Redacted() User {
	u.PasswordHash, u.PasswordHistory, u.TOTPSecret, u.TOTPPending, u.RecoveryCodes = "", nil, "", "", nil
	return u
}

// Session is a signed-in (or anonymous) browser. Only the hash of its token
// is stored; CSRF is the token every state-changing request must repeat.
type Session struct {
	TokenHash string    `json:"token_hash"`
	User      string    `json:"user,omitempty"` // "" for an anonymous visitor
	CSRF      string    `json:"csrf"`
	Lang      string    `json:"lang,omitempty"` // zh (default) or en
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	// SecondFactorDue: the password was right, and the user's second factor
	// is still to be given. Such a session signs no one in.
	SecondFactorDue bool `json:"second_factor_due,omitempty"`
	// IDToken is set when the session was signed in through single sign-on:
	// the ID token the provider gave, sent back to it as the hint when the
	// user signs out there. It does not sign anyone in here.
	IDToken string `json:"id_token,omitempty"`
}

// ViaSSO reports whether the session was signed in through single sign-on.
func (s *Session) ViaSSO() bool { return s.IDToken != "" }

// SSOIdentity is whom an OpenID Connect provider signed in, as its ID token
// (signature, issuer, audience, expiry and nonce checked) and its user
// info say: the provider's subject and the claims that name an account
// here. USCC is the enterprise the person acts for; Official names an
// official's account. Either may be empty.
type SSOIdentity struct {
	Issuer, Subject string
	USCC            string
	Official        string
	IDToken         string
}
