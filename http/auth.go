package http

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
)

var errBadLogin = &duixian.Error{Code: "unauthenticated", Zh: "用户名或密码错误", En: "wrong user name or password"}

func errLocked(until time.Time) error {
	at := until.In(duixian.Shanghai).Format("15:04")
	return &duixian.Error{Code: "locked", Zh: fmt.Sprintf("登录失败次数过多，账户已锁定至%s", at),
		En: fmt.Sprintf("too many failed sign-ins; the account is locked until %s", at)}
}

// login checks a password, counts failures, locks the account after
// lockAfter in a row, and on success starts a session (a new token: a
// session fixed before sign-in is never reused).
//
// The password is checked outside any transaction: a check takes about
// 180 ms and waits its turn for a hashing slot (package password), and a
// write transaction held that long would hold every other write behind
// it. So the user is read,
// the password checked, and then a short write transaction reads the user
// again, locked, and counts the failure or starts the session on what it
// finds there: a failure counted meanwhile by another sign-in is not lost,
// and an account locked meanwhile stays locked.
func (s *Server) login(q *Request, name, pw string) error {
	ctx := q.R.Context()
	var u *duixian.User
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		u, err = tx.User(name)
		return err
	})
	if err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND {
		return err
	}
	var ok, checked bool
	switch {
	case u == nil:
		// As long as a wrong password takes, so that the time of the
		// answer does not tell whether the account exists.
		err = password.Decoy(ctx, pw)
	case s.now().Before(u.LockedUntil):
		// Refused without a check; the transaction below logs it.
	default:
		ok, err = password.Check(ctx, u.PasswordHash, pw)
		checked = err == nil
	}
	if err != nil {
		return err // the client went away while the check waited
	}
	// What was checked is counted even if the client goes away now: a
	// failure that vanished with a dropped connection would be a free
	// guess.
	var token string
	var result error
	err = s.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		now := s.now()
		cur, err := tx.User(name)
		switch {
		case duixian.ErrorCode(err) == duixian.ENOTFOUND:
			result = errBadLogin
			return tx.Audit(s.entry(q, "login-failed", name, ""))
		case err != nil:
			return err
		case now.Before(cur.LockedUntil):
			result = errLocked(cur.LockedUntil)
			return tx.Audit(s.entry(q, "login-locked", name, ""))
		case u != nil && !checked:
			// Locked when read, and the lock ran out since: nothing was
			// checked, so nothing is counted; the next attempt is checked.
			result = errLocked(u.LockedUntil)
			return tx.Audit(s.entry(q, "login-locked", name, ""))
		case u == nil || cur.PasswordHash != u.PasswordHash:
			// Created, or its password changed, while the password was
			// checked against something else: refused, not counted (the
			// check said nothing about the password it has now).
			result = errBadLogin
			return tx.Audit(s.entry(q, "login-failed", name, ""))
		case !ok:
			cur.FailedLogins++
			action := "login-failed"
			if cur.FailedLogins >= lockAfter {
				cur.LockedUntil, cur.FailedLogins, action = now.Add(lockFor), 0, "lock"
			}
			result = errBadLogin
			if err := tx.PutUser(cur); err != nil {
				return err
			}
			return tx.Audit(s.entry(q, action, name, ""))
		}
		cur.FailedLogins, cur.LockedUntil = 0, time.Time{}
		if err := tx.PutUser(cur); err != nil {
			return err
		}
		token = randomToken()
		sess := &duixian.Session{TokenHash: hashToken(token), User: cur.Name, CSRF: randomToken(), Created: now, LastSeen: now}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		q.Session, q.User, q.CSRF = sess, cur, sess.CSRF
		return tx.Audit(s.entry(q, "login", name, ""))
	})
	if err != nil {
		return err
	}
	if result != nil {
		return result
	}
	http.SetCookie(q.W, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: q.R.TLS != nil})
	return nil
}

func (s *Server) logout(q *Request) error {
	if q.Session != nil {
		if err := s.DB.Tx(q.R.Context(), func(tx *sqldb.Tx) error {
			if err := tx.DeleteSession(q.Session.TokenHash); err != nil {
				return err
			}
			return tx.Audit(s.entry(q, "logout", q.User.Name, ""))
		}); err != nil {
			return err
		}
	}
	http.SetCookie(q.W, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	return nil
}

func (s *Server) entry(q *Request, action, subject, after string) duixian.AuditEntry {
	return duixian.AuditEntry{At: s.now().In(duixian.Shanghai).Format(time.RFC3339Nano), Actor: q.Actor(),
		Action: action, Subject: subject, After: after}
}
