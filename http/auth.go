package http

import (
	"context"
	"crypto/subtle"
	"net/http"
	"slices"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
)

// Accounts signs people in and keeps their sessions (package account).
type Accounts interface {
	SignIn(ctx context.Context, actor duixian.Actor, name, password string) (token string, sess *duixian.Session, u *duixian.User, err error)
	// Session finds the session of a token; an ended one is not found.
	Session(ctx context.Context, token string) (*duixian.Session, *duixian.User, error)
	SignOut(ctx context.Context, actor duixian.Actor, sess *duixian.Session) error
	// SecondFactor completes a sign-in that waits for its second factor
	// (the session of token) with a code, and starts a new session.
	SecondFactor(ctx context.Context, actor duixian.Actor, token, code string) (string, *duixian.Session, *duixian.User, error)
	// SetupDue is what a signed-in user must do before anything else
	// (change a reset password, enrol a second factor), or nil.
	SetupDue(sess *duixian.Session, u *duixian.User) error
	// SignInSSO signs in the account an OpenID Connect provider's
	// identity names, as SignIn does for a password.
	SignInSSO(ctx context.Context, actor duixian.Actor, id duixian.SSOIdentity) (token string, sess *duixian.Session, u *duixian.User, err error)
	// SSOFailed audits a single sign-on refused before anyone was known.
	SSOFailed(ctx context.Context, actor duixian.Actor, reason string) error
}

// Refusals writes the route table's refusals to the audit log (casework.Desk).
type Refusals interface {
	Refused(ctx context.Context, actor duixian.Actor, action, subject string, err error) error
}

const (
	sessionCookie = "duixian_session"
	csrfCookie    = "duixian_csrf"
)

// login signs q in and gives it the session's cookie. A user with a second
// factor is not signed in yet: the session waits for the code
// (secondFactor), and q.User stays nil.
func (s *Server) login(q *Request, name, pw string) error {
	token, sess, u, err := s.Accounts.SignIn(q.R.Context(), q.Actor(), name, pw)
	if err != nil {
		return err
	}
	s.startSession(q, token, sess, u)
	return nil
}

// secondFactor completes a sign-in waiting for its second factor.
func (s *Server) secondFactor(q *Request, code string) error {
	c, err := q.R.Cookie(sessionCookie)
	if err != nil || q.Session == nil || !q.Session.SecondFactorDue {
		return errSignIn
	}
	token, sess, u, err := s.Accounts.SecondFactor(q.R.Context(), q.Actor(), c.Value, code)
	if err != nil {
		return err
	}
	s.startSession(q, token, sess, u)
	return nil
}

// landing is where a sign-in goes: where the visitor was going (next), or,
// when that was only the home page, an official's 待办 and an author's
// drafting page, since the public home page is not their work.
func landing(u *duixian.User, next string) string {
	if u == nil || next != "/" {
		return next
	}
	switch {
	case slices.Contains(officials, u.Role):
		return "/queue"
	case u.Role == duixian.RoleAuthor:
		return "/author"
	}
	return next
}

func (s *Server) startSession(q *Request, token string, sess *duixian.Session, u *duixian.User) {
	q.Session, q.User, q.CSRF = sess, u, sess.CSRF
	if sess.SecondFactorDue {
		q.User = nil
	}
	q.setCookie(&http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (s *Server) logout(q *Request) error {
	if q.Session != nil {
		if err := s.Accounts.SignOut(q.R.Context(), q.Actor(), q.Session); err != nil {
			return err
		}
	}
	q.setCookie(&http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true})
	return nil
}

// authenticate finds the session and its user. Every visitor also gets a
// CSRF token: the session's when signed in, a double-submit cookie
// otherwise.
func (s *Server) authenticate(q *Request) error {
	if c, err := q.R.Cookie(sessionCookie); err == nil && c.Value != "" {
		sess, u, err := s.Accounts.Session(q.R.Context(), c.Value)
		switch {
		case err == nil:
			q.Session, q.User, q.CSRF = sess, u, sess.CSRF
			if sess.SecondFactorDue {
				q.User = nil // signed in by nothing until the code is given
			}
		case duixian.ErrorCode(err) != duixian.ENOTFOUND:
			return err
		}
	}
	if q.Session == nil {
		if c, err := q.R.Cookie(csrfCookie); err == nil && len(c.Value) == 64 {
			q.CSRF = c.Value
		} else {
			q.CSRF = account.NewToken()
			q.setCookie(&http.Cookie{Name: csrfCookie, Value: q.CSRF, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		}
	}
	return nil
}

var errSignIn = &duixian.Error{Code: "unauthenticated", Zh: "请先登录", En: "please sign in"}

// authorize applies the route table: the route's roles, and a CSRF token on
// every request that changes something.
func (s *Server) authorize(q *Request) error {
	rt := q.route
	if !slices.Contains(rt.Roles, duixian.RolePublic) {
		if q.User == nil {
			return errSignIn
		}
		if !slices.Contains(rt.Roles, q.User.Role) {
			return s.refuse(q, "route", duixian.Errorf(duixian.EFORBIDDEN, "route", "无权访问", "you may not use this"))
		}
	}
	if q.User != nil && !rt.Setup {
		if err := s.Accounts.SetupDue(q.Session, q.User); err != nil {
			return err
		}
	}
	if q.R.Method != http.MethodGet && q.R.Method != http.MethodHead && !rt.Safe {
		sent := q.R.Header.Get("X-CSRF-Token")
		if sent == "" {
			sent = q.R.PostFormValue("csrf")
		}
		if subtle.ConstantTimeCompare([]byte(sent), []byte(q.CSRF)) != 1 {
			return s.refuse(q, "csrf", duixian.Errorf(duixian.EFORBIDDEN, "csrf", "请求校验失败，请刷新页面后重试", "the request's CSRF token is missing or wrong; reload and retry"))
		}
	}
	return nil
}

// refuse writes a refusal by the route table to the audit log, filed under
// the route (its method and pattern: never the path sent, which is the
// sender's to make as long as they like), and returns it (or, if it could
// not be written, an error naming both).
func (s *Server) refuse(q *Request, action string, err error) error {
	return s.Refusals.Refused(q.R.Context(), q.Actor(), action, q.route.Method+" "+q.route.Path, err)
}
