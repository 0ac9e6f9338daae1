package http

import (
	"fmt"
	"net/http"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
)

// dummyHash is checked against when the user does not exist, so that a
// missing account takes as long as a wrong password.
var dummyHash = password.Hash("no such user")

var errBadLogin = &duixian.Error{Code: "unauthenticated", Zh: "用户名或密码错误", En: "wrong user name or password"}

// login checks a password, counts failures, locks the account after
// lockAfter in a row, and on success starts a session (a new token: a
// session fixed before sign-in is never reused).
func (s *Server) login(q *Request, name, pw string) error {
	var token string
	var result error
	err := s.DB.Tx(q.R.Context(), func(tx *sqldb.Tx) error {
		u, err := tx.User(name)
		if err != nil {
			password.Check(dummyHash, pw)
			result = errBadLogin
			return tx.Audit(s.entry(q, "login-failed", name, ""))
		}
		now := s.now()
		if now.Before(u.LockedUntil) {
			result = &duixian.Error{Code: "locked", Zh: fmt.Sprintf("登录失败次数过多，账户已锁定至%s", u.LockedUntil.In(duixian.Shanghai).Format("15:04")),
				En: fmt.Sprintf("too many failed sign-ins; the account is locked until %s", u.LockedUntil.In(duixian.Shanghai).Format("15:04"))}
			return tx.Audit(s.entry(q, "login-locked", name, ""))
		}
		if !password.Check(u.PasswordHash, pw) {
			u.FailedLogins++
			action := "login-failed"
			if u.FailedLogins >= lockAfter {
				u.LockedUntil, u.FailedLogins, action = now.Add(lockFor), 0, "lock"
			}
			result = errBadLogin
			if err := tx.PutUser(u); err != nil {
				return err
			}
			return tx.Audit(s.entry(q, action, name, ""))
		}
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		token = randomToken()
		sess := &duixian.Session{TokenHash: hashToken(token), User: u.Name, CSRF: randomToken(), Created: now, LastSeen: now}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		q.Session, q.User, q.CSRF = sess, u, sess.CSRF
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
