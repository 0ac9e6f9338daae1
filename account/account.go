// Package account signs people in and keeps their sessions: passwords
// checked (package password), failed sign-ins counted and accounts locked,
// sessions looked up, kept alive while in use, ended when idle or signed
// out. Every sign-in, failure, lock and sign-out is audited. Cookies, CSRF
// and headers are the transport's (package http).
package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
)

const (
	// Idle timeouts: officials are signed out after 15 minutes without a
	// request, enterprise staff after 30.
	OfficialIdle   = 15 * time.Minute
	EnterpriseIdle = 30 * time.Minute
	// MaxAge is the default absolute lifetime of a session: however busy,
	// it ends this long after sign-in (Service.MaxAge).
	MaxAge = 12 * time.Hour
	// SecondFactorWait is how long a sign-in waits for its second factor.
	SecondFactorWait = 5 * time.Minute
	// LockAfter failed sign-ins in a row lock an account for LockFor.
	LockAfter = 5
	LockFor   = 15 * time.Minute
)

// ErrBadLogin is the one answer to an unknown name, a wrong password and a
// locked account alike, so that the answer does not tell whether the
// account exists or is locked; the lock is kept all the same.
var ErrBadLogin = &duixian.Error{Code: "unauthenticated", Zh: "用户名或密码错误；连续多次失败后账户将暂时锁定",
	En: "wrong user name or password; after repeated failures the account is locked for a while"}

// ErrDisabled is the answer to the right password of a disabled account:
// only someone who knows the password learns it.
var ErrDisabled = duixian.Forbidden("账户已停用，请联系管理员", "the account is disabled; ask an administrator")

// ErrPending is the answer to the right password of a self-registered
// account not yet activated.
var ErrPending = duixian.Forbidden("账户尚待审核激活", "the account waits to be activated by an official")

// unknownSubject is what a failed sign-in under a name that has no account
// is audited under, instead of the name: people type their password into
// the name field, and the audit chain keeps what it is given for good.
// Parentheses cannot appear in a user name (see validName).
const unknownSubject = "(unknown)"

// Service signs people in and keeps their sessions.
type Service struct {
	DB *sqldb.DB
	// Now is the clock; tests move it.
	Now func() time.Time
	// MaxAge is a session's absolute lifetime.
	MaxAge time.Duration
	// SecondFactorRoles must have a second factor: a user of these roles
	// without one is sent to enrol before anything else (SetupDue). Whoever
	// has enrolled gives the factor at every sign-in, whatever this says.
	SecondFactorRoles []duixian.Role
	// RegistryActivates: an enterprise's self-registration whose USCC and
	// name match the registry is active at once; false, every one waits for
	// an official. An enterprise's account made by single sign-on follows it.
	RegistryActivates bool
	// SSOSkipsSecondFactor: a sign-in through single sign-on gives no
	// second factor here, nor must its user enrol one, because the
	// provider checks one itself. False (the default): the second factor is
	// asked after the provider as after a password.
	SSOSkipsSecondFactor bool
}

// New returns a service over db on the clock now, with sessions of MaxAge,
// no role required to have a second factor, and registrations the registry
// matches active at once.
func New(db *sqldb.DB, now func() time.Time) *Service {
	return &Service{DB: db, Now: now, MaxAge: MaxAge, RegistryActivates: true}
}

func (s *Service) desk() casework.Desk { return casework.Desk{DB: s.DB, Now: s.Now} }

// NewToken is a random 256-bit token, hex: a session's, or a CSRF token.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// HashToken is what is stored of a session's token.
func HashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// IdleLimit is how long a session of role r may go without a request.
func IdleLimit(r duixian.Role) time.Duration {
	if r == duixian.RoleEnterprise {
		return EnterpriseIdle
	}
	return OfficialIdle
}

// SignIn checks a password, counts failures, locks the account after
// LockAfter in a row, and on success starts a session and returns its
// token (a new one: a session fixed before sign-in is never reused) with
// the session and its user. actor is who asks (the public from an
// address); the sign-in is audited as the user it signs in. A user with a
// second factor gets a session that signs no one in
// (SecondFactorDue) until SecondFactor is given a code.
//
// An unknown name, a wrong password and a locked account are all answered
// ErrBadLogin, at the cost of a password check each.
//
// The password is checked outside any transaction: a check takes about
// 180 ms and waits its turn for a hashing slot (package password), and a
// write transaction held that long would hold every other write behind
// it. So the user is read, the password checked, and then a short write
// transaction reads the user again, locked, and counts the failure or
// starts the session on what it finds there: a failure counted meanwhile by
// another sign-in is not lost, and an account locked meanwhile stays locked.
func (s *Service) SignIn(ctx context.Context, actor duixian.Actor, name, pw string) (token string, sess *duixian.Session, u *duixian.User, err error) {
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		u, err = tx.User(name)
		return err
	})
	if err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND {
		return "", nil, nil, err
	}
	var ok, checked bool
	switch {
	case u == nil || s.Now().Before(u.LockedUntil):
		// As long as a wrong password takes, so that the time of the
		// answer does not tell whether the account exists or is locked.
		// A locked account's password is not checked: the lock would be
		// no lock if a guess during it could succeed.
		err = password.Decoy(ctx, pw)
	default:
		ok, err = password.Check(ctx, u.PasswordHash, pw)
		checked = err == nil
	}
	if err != nil {
		return "", nil, nil, err // the client went away while the check waited
	}
	// What was checked is counted even if the client goes away now: a
	// failure that vanished with a dropped connection would be a free
	// guess.
	d := s.desk()
	var result error
	var cur *duixian.User
	err = s.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		now := s.Now()
		var err error
		cur, err = tx.User(name)
		switch {
		case duixian.ErrorCode(err) == duixian.ENOTFOUND:
			result = ErrBadLogin
			return tx.Audit(d.Entry(actor, "login-failed", unknownSubject, "", ""))
		case err != nil:
			return err
		case now.Before(cur.LockedUntil), u != nil && !checked:
			// Locked now, or locked when read and the lock ran out since:
			// nothing was checked, so nothing is counted.
			result = ErrBadLogin
			return tx.Audit(d.Entry(actor, "login-locked", name, "", ""))
		case u == nil || cur.PasswordHash != u.PasswordHash:
			// Created, or its password changed, while the password was
			// checked against something else: refused, not counted (the
			// check said nothing about the password it has now).
			result = ErrBadLogin
			return tx.Audit(d.Entry(actor, "login-failed", name, "", ""))
		case !ok:
			result = ErrBadLogin
			return s.countFailure(tx, actor, cur, "login-failed")
		case cur.Disabled:
			result = ErrDisabled
			return tx.Audit(d.Entry(actor, "login-disabled", name, "", ""))
		case cur.Pending:
			result = ErrPending
			return tx.Audit(d.Entry(actor, "login-pending", name, "", ""))
		}
		cur.FailedLogins, cur.LockedUntil = 0, time.Time{}
		if err := tx.PutUser(cur); err != nil {
			return err
		}
		token = NewToken()
		sess = &duixian.Session{TokenHash: HashToken(token), User: cur.Name, CSRF: NewToken(), Created: now, LastSeen: now,
			SecondFactorDue: cur.Enrolled()}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		if sess.SecondFactorDue {
			return tx.Audit(d.Entry(actor, "login-password", name, "", "second-factor-due"))
		}
		return tx.Audit(d.Entry(cur.Actor(actor.IP), "login", name, "", ""))
	})
	if err == nil {
		err = result
	}
	if err != nil {
		return "", nil, nil, err
	}
	return token, sess, cur, nil
}

// countFailure counts a failed password or code against u, locks it after
// LockAfter in a row (ending every session it has, a sign-in waiting for its
// second factor included), and audits it as action, or as "lock".
func (s *Service) countFailure(tx *sqldb.Tx, actor duixian.Actor, u *duixian.User, action string) error {
	u.FailedLogins++
	if u.FailedLogins >= LockAfter {
		u.LockedUntil, u.FailedLogins, action = s.Now().Add(LockFor), 0, "lock"
		if _, err := tx.DeleteSessionsOf(u.Name, ""); err != nil {
			return err
		}
	}
	if err := tx.PutUser(u); err != nil {
		return err
	}
	return tx.Audit(s.desk().Entry(actor, action, u.Name, "", ""))
}

var errExpired = duixian.Errorf(duixian.ENOTFOUND, "session", "登录已超时，请重新登录", "the session has expired; sign in again")

// Session finds the session of token and its user. A session ends here and
// is not found when it has been idle longer than its user's IdleLimit, is
// older than MaxAge however busy, has waited for its second factor longer
// than SecondFactorWait, or belongs to a disabled account.
//
// Every request asks, so the lookup is a Read, which waits for no writer.
// A write follows only when there is something to write: ending a session,
// or noting a session's use once a minute.
func (s *Service) Session(ctx context.Context, token string) (*duixian.Session, *duixian.User, error) {
	hash := HashToken(token)
	var sess *duixian.Session
	var u *duixian.User
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if sess, err = tx.Session(hash); err != nil {
			return err
		}
		u, err = tx.User(sess.User)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	now := s.Now()
	idle := now.Sub(sess.LastSeen)
	switch {
	case idle > IdleLimit(u.Role), now.Sub(sess.Created) > s.MaxAge, u.Disabled, u.Pending,
		sess.SecondFactorDue && now.Sub(sess.Created) > SecondFactorWait:
		if err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error { return tx.DeleteSession(hash) }); err != nil {
			return nil, nil, err
		}
		return nil, nil, errExpired
	case idle > time.Minute:
		// Read again in the write: a session ended (signed out) since the
		// read must stay ended, not be written back.
		err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
			cur, err := tx.Session(hash)
			if err != nil {
				return err
			}
			cur.LastSeen = now
			sess = cur
			return tx.PutSession(cur)
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return sess, u, nil
}

// SignOut ends sess, audited as actor.
func (s *Service) SignOut(ctx context.Context, actor duixian.Actor, sess *duixian.Session) error {
	return s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.DeleteSession(sess.TokenHash); err != nil {
			return err
		}
		return tx.Audit(s.desk().Entry(actor, "logout", sess.User, "", ""))
	})
}

// What a signed-in user must do before anything else: the transport sends
// them to the page that does it (routes marked as part of setting up an
// account stay open).
var (
	ErrMustChangePassword = &duixian.Error{Code: "must_change_password", Zh: "密码已被管理员重置，请先设置新密码",
		En: "your password was reset by an administrator; choose a new one first"}
	ErrMustEnrol = &duixian.Error{Code: "must_enrol_second_factor", Zh: "您的角色须启用双因素认证，请先绑定验证器",
		En: "your role requires a second factor; set up an authenticator first"}
)

// SetupDue is what u, signed in by sess, must do before anything else, or
// nil: change a password an administrator reset, or enrol a second factor
// their role requires. A session of single sign-on is not sent to change a
// password it did not use (the reset stays due for the next password
// sign-in), nor to enrol when the provider is trusted with the second
// factor (SSOSkipsSecondFactor).
func (s *Service) SetupDue(sess *duixian.Session, u *duixian.User) error {
	sso := sess != nil && sess.ViaSSO()
	switch {
	case u.MustChangePassword && !sso:
		return ErrMustChangePassword
	case !u.Enrolled() && slices.Contains(s.SecondFactorRoles, u.Role) && !(sso && s.SSOSkipsSecondFactor):
		return ErrMustEnrol
	}
	return nil
}

// DisplayNames maps the sign-in names given to the names people know them
// by, for histories that would otherwise show "tech" for 王工; a name with
// no user, or a user with no display name, is left out (shown as it is).
func (s *Service) DisplayNames(ctx context.Context, names []string) (map[string]string, error) {
	out := map[string]string{}
	if len(names) == 0 {
		return out, nil
	}
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		users, err := tx.UsersIn(names)
		for _, u := range users {
			if u.Display != "" {
				out[u.Name] = u.Display
			}
		}
		return err
	})
	return out, err
}
