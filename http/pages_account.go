package http

import (
	"bytes"
	"context"
	"encoding/base64"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strconv"

	"github.com/pquerna/otp"

	"github.com/etown/duixian"
	"github.com/etown/duixian/account"
)

// Users is package account's management of accounts: a user's own password
// and second factor, and an administrator's accounts.
type Users interface {
	ChangePassword(ctx context.Context, actor duixian.Actor, keep, current, pw string) (*duixian.User, error)
	Enrolling(ctx context.Context, actor duixian.Actor) (*account.Enrolment, error)
	BeginEnrolment(ctx context.Context, actor duixian.Actor) (*account.Enrolment, error)
	ConfirmEnrolment(ctx context.Context, actor duixian.Actor, code string) ([]string, error)

	List(ctx context.Context, actor duixian.Actor, page int) (*account.Page, error)
	Add(ctx context.Context, actor duixian.Actor, in account.NewUser) (*duixian.User, error)
	SetPassword(ctx context.Context, actor duixian.Actor, name, pw string, reset bool) (*duixian.User, error)
	Disable(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error)
	Enable(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error)
	Unlock(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error)
	ResetSecondFactor(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error)

	Register(ctx context.Context, actor duixian.Actor, in account.RegisterInput) (*duixian.User, error)
	Registrations(ctx context.Context, actor duixian.Actor) ([]account.Listed, error)
	Activate(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error)
	Reject(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error)
	Staff(ctx context.Context, actor duixian.Actor) ([]account.Listed, error)
	AddStaff(ctx context.Context, actor duixian.Actor, in account.NewUser) (*duixian.User, error)
}

// activators may activate enterprises' self-registrations.
var activators = []duixian.Role{duixian.RoleReviewer, duixian.RoleAdmin}

var admins = []duixian.Role{duixian.RoleAdmin}

// renderError renders page with e shown above it, at e's status; any other
// error is returned as it is.
func (s *Server) renderError(q *Request, page, title string, data any, err error) error {
	e, ok := err.(*duixian.Error)
	if !ok {
		return err
	}
	v := viewOf(q, title, data)
	v.Error = e
	var buf bytes.Buffer
	if err := s.pages.t.ExecuteTemplate(&buf, page, v); err != nil {
		return err
	}
	q.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	q.W.WriteHeader(status(e.Code))
	_, err = buf.WriteTo(q.W)
	return err
}

// accountPages are the sign-in's second step, a user's own password and
// second factor, and the administrators' accounts pages.
func (s *Server) accountPages() []Route {
	page := pageRoute
	setup := func(rt Route) Route { rt.Setup = true; return rt }
	secondFactorPage := func(q *Request, code int, data map[string]any, err error) error {
		if err != nil {
			return s.renderError(q, "account_second_factor.html", "双因素认证", data, err)
		}
		return s.pages.render(q, code, "account_second_factor.html", "双因素认证", data)
	}
	adminAct := func(action, summary string, do func(q *Request, name string) (*duixian.User, error)) Route {
		return page("POST", "/admin/users/{name}/"+action, admins, summary, func(q *Request) error {
			name := q.R.PathValue("name")
			if _, err := do(q, name); err != nil {
				return s.usersPage(q, 1, err)
			}
			http.Redirect(q.W, q.R, "/admin/users?done="+url.QueryEscape(action)+"&user="+url.QueryEscape(name), http.StatusSeeOther)
			return nil
		})
	}
	return []Route{
		page("POST", "/login/second-factor", anyone, "双因素认证", func(q *Request) error {
			next := safeNext(q.R.PostFormValue("next"))
			err := s.secondFactor(q, q.R.PostFormValue("code"))
			switch {
			case err == account.ErrBadCode:
				return s.renderError(q, "login_code.html", "双因素认证", map[string]string{"Next": next}, err)
			case err != nil && duixian.ErrorCode(err) == duixian.ENOTFOUND:
				return errSignIn // the sign-in ended (waited too long, or locked): start again
			case err != nil:
				return err
			}
			http.Redirect(q.W, q.R, landing(q.User, next), http.StatusSeeOther)
			return nil
		}),
		setup(page("GET", "/account/password", signedIn, "修改密码", func(q *Request) error {
			return s.pages.render(q, 200, "account_password.html", "修改密码", nil)
		})),
		setup(page("POST", "/account/password", signedIn, "修改密码", func(q *Request) error {
			pw := q.R.PostFormValue("password")
			var err error
			if pw != q.R.PostFormValue("password2") {
				err = duixian.Errorf(duixian.EINVALID, "password2", "两次输入的新密码不一致", "the two new passwords differ")
			} else {
				_, err = s.Users.ChangePassword(q.R.Context(), q.Actor(), q.Session.TokenHash, q.R.PostFormValue("current"), pw)
			}
			if err != nil {
				return s.renderError(q, "account_password.html", "修改密码", nil, err)
			}
			q.User.MustChangePassword = false
			return s.pages.render(q, 200, "account_password.html", "修改密码", map[string]bool{"Changed": true})
		})),
		setup(page("GET", "/account/second-factor", signedIn, "双因素认证", func(q *Request) error {
			data, err := s.secondFactorData(q, nil)
			if err != nil {
				return err
			}
			return secondFactorPage(q, 200, data, nil)
		})),
		setup(page("POST", "/account/second-factor/begin", signedIn, "绑定验证器", func(q *Request) error {
			if _, err := s.Users.BeginEnrolment(q.R.Context(), q.Actor()); err != nil {
				return err
			}
			http.Redirect(q.W, q.R, "/account/second-factor", http.StatusSeeOther)
			return nil
		})),
		setup(page("POST", "/account/second-factor/confirm", signedIn, "确认绑定验证器", func(q *Request) error {
			codes, err := s.Users.ConfirmEnrolment(q.R.Context(), q.Actor(), q.R.PostFormValue("code"))
			if err == nil {
				q.User.TOTPSecret = "enrolled" // for the page and the menu: the store has the secret
			}
			data, derr := s.secondFactorData(q, codes)
			if derr != nil {
				return derr
			}
			return secondFactorPage(q, 200, data, err)
		})),
		page("GET", "/admin/users", admins, "用户管理", func(q *Request) error {
			n, _ := strconv.Atoi(q.R.URL.Query().Get("page"))
			return s.usersPage(q, n, nil)
		}),
		page("POST", "/admin/users", admins, "新建用户", func(q *Request) error {
			in := account.NewUser{Name: q.R.PostFormValue("name"), Display: q.R.PostFormValue("display"),
				Role: duixian.Role(q.R.PostFormValue("role")), Department: q.R.PostFormValue("department"),
				Enterprise: q.R.PostFormValue("enterprise"), Password: q.R.PostFormValue("password")}
			if _, err := s.Users.Add(q.R.Context(), q.Actor(), in); err != nil {
				return s.usersPage(q, 1, err)
			}
			http.Redirect(q.W, q.R, "/admin/users?done=add&user="+url.QueryEscape(in.Name), http.StatusSeeOther)
			return nil
		}),
		adminAct("disable", "停用账户", func(q *Request, name string) (*duixian.User, error) {
			return s.Users.Disable(q.R.Context(), q.Actor(), name)
		}),
		adminAct("enable", "启用账户", func(q *Request, name string) (*duixian.User, error) {
			return s.Users.Enable(q.R.Context(), q.Actor(), name)
		}),
		adminAct("unlock", "解除锁定", func(q *Request, name string) (*duixian.User, error) {
			return s.Users.Unlock(q.R.Context(), q.Actor(), name)
		}),
		adminAct("reset", "重置密码", func(q *Request, name string) (*duixian.User, error) {
			return s.Users.SetPassword(q.R.Context(), q.Actor(), name, q.R.PostFormValue("password"), true)
		}),
		adminAct("reset-second-factor", "重置双因素认证", func(q *Request, name string) (*duixian.User, error) {
			return s.Users.ResetSecondFactor(q.R.Context(), q.Actor(), name)
		}),
		page("GET", "/register", anyone, "企业注册", func(q *Request) error {
			return s.pages.render(q, 200, "register.html", "企业注册", nil)
		}),
		page("POST", "/register", anyone, "企业注册", func(q *Request) error {
			f := q.R.PostFormValue
			in := account.RegisterInput{USCC: f("uscc"), EnterpriseName: f("enterprise_name"), LegalRepresentative: f("legal_representative"),
				Contact: f("contact"), Phone: f("phone"), Email: f("email"), Name: f("name"), Display: f("display"), Password: f("password")}
			var u *duixian.User
			var err error
			if in.Password != f("password2") {
				err = duixian.Errorf(duixian.EINVALID, "password2", "两次输入的密码不一致", "the two passwords differ")
			} else {
				u, err = s.Users.Register(q.R.Context(), q.Actor(), in)
			}
			if err != nil {
				in.Password = ""
				return s.renderError(q, "register.html", "企业注册", map[string]any{"In": in}, err)
			}
			return s.pages.render(q, 200, "register.html", "企业注册", map[string]any{"Done": u})
		}),
		page("GET", "/registrations", activators, "企业注册审核", func(q *Request) error { return s.registrationsPage(q, nil) }),
		page("POST", "/registrations/{name}/activate", activators, "激活企业账户", func(q *Request) error {
			_, err := s.Users.Activate(q.R.Context(), q.Actor(), q.R.PathValue("name"))
			return s.registrationsPage(q, err)
		}),
		page("POST", "/registrations/{name}/reject", activators, "驳回企业注册", func(q *Request) error {
			_, err := s.Users.Reject(q.R.Context(), q.Actor(), q.R.PathValue("name"))
			return s.registrationsPage(q, err)
		}),
		page("GET", "/enterprise/staff", enterprise, "本企业账户", func(q *Request) error { return s.staffPage(q, nil) }),
		page("POST", "/enterprise/staff", enterprise, "添加本企业账户", func(q *Request) error {
			in := account.NewUser{Name: q.R.PostFormValue("name"), Display: q.R.PostFormValue("display"), Password: q.R.PostFormValue("password")}
			_, err := s.Users.AddStaff(q.R.Context(), q.Actor(), in)
			return s.staffPage(q, err)
		}),
	}
}

// registrationsPage lists the registrations waiting, with err (a refused
// activation) above them; after a change it redirects to itself.
func (s *Server) registrationsPage(q *Request, err error) error {
	if q.R.Method == http.MethodPost && err == nil {
		http.Redirect(q.W, q.R, "/registrations?done="+url.QueryEscape(q.R.PathValue("name")), http.StatusSeeOther)
		return nil
	}
	list, lerr := s.Users.Registrations(q.R.Context(), q.Actor())
	if lerr != nil {
		return lerr
	}
	data := map[string]any{"List": list, "Done": q.R.URL.Query().Get("done")}
	if err != nil {
		return s.renderError(q, "registrations.html", "企业注册审核", data, err)
	}
	return s.pages.render(q, 200, "registrations.html", "企业注册审核", data)
}

// staffPage lists the enterprise's accounts for its 管理员, with err (a
// refused addition) above them; after an addition it redirects to itself.
func (s *Server) staffPage(q *Request, err error) error {
	if q.R.Method == http.MethodPost && err == nil {
		http.Redirect(q.W, q.R, "/enterprise/staff?done="+url.QueryEscape(q.R.PostFormValue("name")), http.StatusSeeOther)
		return nil
	}
	list, lerr := s.Users.Staff(q.R.Context(), q.Actor())
	if lerr != nil {
		return lerr
	}
	data := map[string]any{"List": list, "Done": q.R.URL.Query().Get("done")}
	if err != nil {
		return s.renderError(q, "staff.html", "本企业账户", data, err)
	}
	return s.pages.render(q, 200, "staff.html", "本企业账户", data)
}

// secondFactorData is what the second-factor page shows: whether the user
// has one, the enrolment under way with its QR code, or the recovery codes
// just made.
func (s *Server) secondFactorData(q *Request, recovery []string) (map[string]any, error) {
	data := map[string]any{"Enrolled": q.User.Enrolled(), "Required": s.Accounts.SetupDue(q.Session, q.User) == account.ErrMustEnrol, "Recovery": recovery}
	if q.User.Enrolled() {
		return data, nil
	}
	e, err := s.Users.Enrolling(q.R.Context(), q.Actor())
	if err != nil || e == nil {
		return data, err
	}
	data["Enrolment"] = e
	if key, err := otp.NewKeyFromURL(e.URI); err == nil {
		if img, err := key.Image(200, 200); err == nil {
			var buf bytes.Buffer
			if png.Encode(&buf, img) == nil {
				// Made here from a PNG, so safe as a URL.
				data["QR"] = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
			}
		}
	}
	return data, nil
}

// usersPage is page n of the accounts, with err (a refused change) above it.
func (s *Server) usersPage(q *Request, n int, err error) error {
	p, lerr := s.Users.List(q.R.Context(), q.Actor(), n)
	if lerr != nil {
		return lerr
	}
	qs := q.R.URL.Query()
	data := map[string]any{"Page": p, "Roles": account.Roles(), "Done": qs.Get("done"), "Name": qs.Get("user"),
		"Prev": p.Page - 1, "Next": p.Page + 1}
	if err != nil {
		return s.renderError(q, "admin_users.html", "用户管理", data, err)
	}
	return s.pages.render(q, 200, "admin_users.html", "用户管理", data)
}
