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
	"fmt"
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
	// LockAfter failed sign-ins in a row lock an account for LockFor.
	LockAfter = 5
	LockFor   = 15 * time.Minute
)

// ErrBadLogin is the answer to a wrong password and to an unknown name
// alike, so that the answer does not tell whether the account exists.
var ErrBadLogin = &duixian.Error{Code: "unauthenticated", Zh: "用户名或密码错误", En: "wrong user name or password"}

// ErrLocked is the answer while an account is locked.
func ErrLocked(until time.Time) error {
	at := until.In(duixian.Shanghai).Format("15:04")
	return &duixian.Error{Code: "locked", Zh: fmt.Sprintf("登录失败次数过多，账户已锁定至%s", at),
		En: fmt.Sprintf("too many failed sign-ins; the account is locked until %s", at)}
}

// Service signs people in and keeps their sessions.
type Service struct {
	DB *sqldb.DB
	// Now is the clock; tests move it.
	Now func() time.Time
}

// New returns a service over db on the clock now.
func New(db *sqldb.DB, now func() time.Time) *Service { return &Service{DB: db, Now: now} }

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
// address); the sign-in is audited as the user it signs in.
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
	case u == nil:
		// As long as a wrong password takes, so that the time of the
		// answer does not tell whether the account exists.
		err = password.Decoy(ctx, pw)
	case s.Now().Before(u.LockedUntil):
		// Refused without a check; the transaction below logs it.
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
			return tx.Audit(d.Entry(actor, "login-failed", name, "", ""))
		case err != nil:
			return err
		case now.Before(cur.LockedUntil):
			result = ErrLocked(cur.LockedUntil)
			return tx.Audit(d.Entry(actor, "login-locked", name, "", ""))
		case u != nil && !checked:
			// Locked when read, and the lock ran out since: nothing was
			// checked, so nothing is counted; the next attempt is checked.
			result = ErrLocked(u.LockedUntil)
			return tx.Audit(d.Entry(actor, "login-locked", name, "", ""))
		case u == nil || cur.PasswordHash != u.PasswordHash:
			// Created, or its password changed, while the password was
			// checked against something else: refused, not counted (the
			// check said nothing about the password it has now).
			result = ErrBadLogin
			return tx.Audit(d.Entry(actor, "login-failed", name, "", ""))
		case !ok:
			cur.FailedLogins++
			action := "login-failed"
			if cur.FailedLogins >= LockAfter {
				cur.LockedUntil, cur.FailedLogins, action = now.Add(LockFor), 0, "lock"
			}
			result = ErrBadLogin
			if err := tx.PutUser(cur); err != nil {
				return err
			}
			return tx.Audit(d.Entry(actor, action, name, "", ""))
		}
		cur.FailedLogins, cur.LockedUntil = 0, time.Time{}
		if err := tx.PutUser(cur); err != nil {
			return err
		}
		token = NewToken()
		sess = &duixian.Session{TokenHash: HashToken(token), User: cur.Name, CSRF: NewToken(), Created: now, LastSeen: now}
		if err := tx.PutSession(sess); err != nil {
			return err
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

// Session finds the session of token and its user; a session idle longer
// than its user's IdleLimit ends here and is not found.
//
// Every request asks, so the lookup is a Read, which waits for no writer.
// A write follows only when there is something to write: ending an idle
// session, or noting a session's use once a minute.
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
	switch idle := now.Sub(sess.LastSeen); {
	case idle > IdleLimit(u.Role):
		if err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error { return tx.DeleteSession(hash) }); err != nil {
			return nil, nil, err
		}
		return nil, nil, duixian.Errorf(duixian.ENOTFOUND, "session", "登录已超时", "the session has expired")
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
