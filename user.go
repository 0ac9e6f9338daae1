package duixian

import "time"

// User is a person who signs in. Enterprise staff act for one enterprise;
// officials belong to one department. Passwords are kept only as argon2id
// hashes. After too many failed sign-ins an account is locked for a while.
type User struct {
	Name         string    `json:"name"` // the sign-in name
	Display      string    `json:"display"`
	Role         Role      `json:"role"`
	Department   string    `json:"department,omitempty"`
	Enterprise   string    `json:"enterprise,omitempty"`
	PasswordHash string    `json:"password_hash"`
	FailedLogins int       `json:"failed_logins"`
	LockedUntil  time.Time `json:"locked_until,omitzero"`
}

// Actor is the user acting, from an address.
func (u *User) Actor(ip string) Actor {
	return Actor{User: u.Name, Role: u.Role, Department: u.Department, Enterprise: u.Enterprise, IP: ip}
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
}
