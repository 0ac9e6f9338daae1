package http

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (RFC 9106's second recommended option, 64 MiB).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of password.
func HashPassword(password string) string {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic(err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user does not exist, so that a
// missing account takes as long as a wrong password.
var dummyHash = HashPassword("no such user")

var errBadLogin = &duixian.Error{Code: "unauthenticated", Zh: "用户名或密码错误", En: "wrong user name or password"}

// login checks a password, counts failures, locks the account after
// lockAfter in a row, and on success starts a session (a new token: a
// session fixed before sign-in is never reused).
func (s *Server) login(q *Request, name, password string) error {
	var token string
	var result error
	err := s.DB.Tx(q.R.Context(), func(tx *sqldb.Tx) error {
		u, err := tx.User(name)
		if err != nil {
			checkPassword(dummyHash, password)
			result = errBadLogin
			return tx.Audit(s.entry(q, "login-failed", name, ""))
		}
		now := s.now()
		if now.Before(u.LockedUntil) {
			result = &duixian.Error{Code: "locked", Zh: fmt.Sprintf("登录失败次数过多，账户已锁定至%s", u.LockedUntil.In(duixian.Shanghai).Format("15:04")),
				En: fmt.Sprintf("too many failed sign-ins; the account is locked until %s", u.LockedUntil.In(duixian.Shanghai).Format("15:04"))}
			return tx.Audit(s.entry(q, "login-locked", name, ""))
		}
		if !checkPassword(u.PasswordHash, password) {
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

// PutUser creates or replaces a user with a password (administration and
// demo data).
func PutUser(tx *sqldb.Tx, u duixian.User, password string) error {
	u.PasswordHash = HashPassword(password)
	return tx.PutUser(&u)
}
