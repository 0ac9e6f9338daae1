package http

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sso"
)

// SingleSignOn is package sso's relying party: it sends the browser to the
// OpenID Connect provider and checks what comes back. Nil when the server
// has no provider configured.
type SingleSignOn interface {
	// Begin gives the provider's URL to send the browser to and the value
	// of the cookie (sso.CookieName) that must come back with it.
	Begin(ctx context.Context, next string) (authURL, cookie string, err error)
	// Finish checks the callback (its cookie and query) and says who
	// signed in, and where to go next. Refusals are *sso.Failure.
	Finish(ctx context.Context, cookie string, query url.Values) (*duixian.SSOIdentity, string, error)
	// LogoutURL is where to end a session of single sign-on at the
	// provider too, or "".
	LogoutURL(idToken string) string
}

var errNoSSO = duixian.Errorf(duixian.ENOTFOUND, "sso", "本平台未配置统一身份认证", "single sign-on is not configured here")

// ssoRoutes start a sign-in at the provider and take it back.
func (s *Server) ssoRoutes() []Route {
	return []Route{
		pageRoute("GET", "/login/sso", anyone, "统一身份认证登录", func(q *Request) error {
			if s.SSO == nil {
				return errNoSSO
			}
			next := safeNext(q.R.URL.Query().Get("next"))
			authURL, cookie, err := s.SSO.Begin(q.R.Context(), next)
			if err != nil {
				return s.ssoRefused(q, next, err)
			}
			q.setCookie(&http.Cookie{Name: sso.CookieName, Value: cookie, Path: sso.CookiePath, MaxAge: int(sso.CookieAge.Seconds()),
				HttpOnly: true, SameSite: http.SameSiteLaxMode})
			http.Redirect(q.W, q.R, authURL, http.StatusFound)
			return nil
		}),
		// A GET that signs in: the provider sends the browser back here.
		// It needs no CSRF token; the state, checked against the sealed
		// cookie this browser got at the start, does that work.
		pageRoute("GET", sso.CallbackPath, anyone, "统一身份认证登录", func(q *Request) error {
			if s.SSO == nil {
				return errNoSSO
			}
			var cookie string
			if c, err := q.R.Cookie(sso.CookieName); err == nil {
				cookie = c.Value
			}
			// Good once, whatever happens now.
			q.setCookie(&http.Cookie{Name: sso.CookieName, Value: "", Path: sso.CookiePath, MaxAge: -1,
				HttpOnly: true, SameSite: http.SameSiteLaxMode})
			ctx := q.R.Context()
			id, next, err := s.SSO.Finish(ctx, cookie, q.R.URL.Query())
			next = safeNext(next)
			if err != nil {
				var f *sso.Failure
				if errors.As(err, &f) && f.Audited {
					if aerr := s.Accounts.SSOFailed(ctx, q.Actor(), f.Reason); aerr != nil {
						return aerr
					}
				}
				return s.ssoRefused(q, next, err)
			}
			token, sess, u, err := s.Accounts.SignInSSO(ctx, q.Actor(), *id)
			if err != nil {
				return s.ssoRefused(q, next, err)
			}
			s.startSession(q, token, sess, u)
			if q.User == nil { // the platform's second factor is due
				next = "/login?next=" + url.QueryEscape(next)
			}
			http.Redirect(q.W, q.R, landing(q.User, next), http.StatusSeeOther)
			return nil
		}),
	}
}

// ssoRefused shows the sign-in page with why single sign-on did not sign
// in; the operator's log gets the library's reason.
func (s *Server) ssoRefused(q *Request, next string, err error) error {
	var f *sso.Failure
	if errors.As(err, &f) && f.Cause != nil {
		s.Log.Warn("single sign-on refused", "reason", f.Reason, "err", f.Cause)
	}
	var e *duixian.Error
	if !errors.As(err, &e) {
		return err
	}
	return s.renderError(q, "login.html", "登录", s.loginData(next), e)
}

// loginData is what the sign-in page shows besides the form: where to go
// next, and whether to offer single sign-on.
func (s *Server) loginData(next string) map[string]any {
	return map[string]any{"Next": next, "SSO": s.SSO != nil}
}

// afterLogout is where a browser goes once its session has ended: to the
// provider, to end its session there too, if the session was one of single
// sign-on and the provider says where; home otherwise.
func (s *Server) afterLogout(idToken string) string {
	if idToken != "" && s.SSO != nil {
		if u := s.SSO.LogoutURL(idToken); u != "" {
			return u
		}
	}
	return "/"
}
