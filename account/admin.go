package account

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
)

// Accounts are changed as cases are (package casework): who may, then one
// transaction that reads the user, checks its state, changes it, ends its
// sessions where the change calls for it, and audits the change with the
// account's state before and after; a refusal is audited too. Passwords
// are hashed, and checked against the user's recent ones, before that
// transaction, which then refuses the change if the password changed
// meanwhile.

// State is an account's state as the audit log records it.
type State string

const (
	StateNew        State = ""
	StateActive     State = "active"
	StateMustChange State = "must-change-password"
	StateLocked     State = "locked"
	StateDisabled   State = "disabled"
	StatePending    State = "pending"
)

const administratorsOnly = "只有系统管理员可以管理账户"

var stateZh = map[State]string{StateActive: "正常", StateMustChange: "待修改密码", StateLocked: "已锁定", StateDisabled: "已停用", StatePending: "待激活"}

// Zh is the state as people read it.
func (st State) Zh() string { return stateZh[st] }

// StateOf is u's state at now: disabled before waiting for activation
// before locked before waiting for a new password.
func StateOf(u *duixian.User, now time.Time) State {
	switch {
	case u == nil || u.PasswordHash == "":
		return StateNew
	case u.Disabled:
		return StateDisabled
	case u.Pending:
		return StatePending
	case now.Before(u.LockedUntil):
		return StateLocked
	case u.MustChangePassword:
		return StateMustChange
	}
	return StateActive
}

var admins = []duixian.Role{duixian.RoleAdmin}

// stepNames are the changes as messages name them.
var stepNames = map[string]string{"user-add": "新建账户", "password-set": "设置密码", "password-reset": "重置密码",
	"password-change": "修改密码", "user-disable": "停用账户", "user-enable": "启用账户", "user-unlock": "解除锁定",
	"second-factor-begin": "绑定验证器", "second-factor-enrol": "确认绑定验证器", "second-factor-reset": "重置双因素认证"}

// change runs one change to the account name, by actor.
func (s *Service) change(ctx context.Context, actor duixian.Actor, action, name string, roles []duixian.Role, from []State,
	check func(u *duixian.User) error, apply func(tx *sqldb.Tx, u *duixian.User) error) (*duixian.User, error) {
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*duixian.User, State]{
		Action: action, Name: stepNames[action], Subject: name, Roles: roles, From: from,
		Load:  func(tx *sqldb.Tx) (*duixian.User, error) { return tx.User(name) },
		State: func(u *duixian.User) State { return StateOf(u, s.Now()) },
		Check: func(_ *sqldb.Tx, u *duixian.User) error {
			if check == nil {
				return nil
			}
			return check(u)
		},
		Apply: apply,
		Save:  func(tx *sqldb.Tx, u *duixian.User) error { return tx.PutUser(u) },
	})
}

// NewUser is what an administrator gives to create an account.
type NewUser struct {
	Name       string
	Display    string
	Role       duixian.Role
	Department string
	Enterprise string // USCC
	Password   string
	// Email and Phone, optional, receive the user's notifications.
	Email, Phone string
}

var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9._@-]{1,63}$`)

// roles an account may have, and whether it must name a department.
var accountRoles = map[duixian.Role]bool{
	duixian.RoleEnterprise: false, duixian.RoleReviewer: true, duixian.RoleCoReviewer: true, duixian.RoleFinance: true,
	duixian.RoleExpert: false, duixian.RoleSupervisor: false, duixian.RoleAdmin: false, duixian.RoleAuthor: false,
}

// Roles are the roles an account may have, in a stable order.
func Roles() []duixian.Role {
	return []duixian.Role{duixian.RoleEnterprise, duixian.RoleReviewer, duixian.RoleCoReviewer, duixian.RoleExpert,
		duixian.RoleFinance, duixian.RoleSupervisor, duixian.RoleAuthor, duixian.RoleAdmin}
}

func (in *NewUser) validate() error {
	in.Name, in.Display = strings.TrimSpace(in.Name), strings.TrimSpace(in.Display)
	in.Department, in.Enterprise = strings.TrimSpace(in.Department), strings.ToUpper(strings.TrimSpace(in.Enterprise))
	if !validName.MatchString(in.Name) {
		return duixian.Errorf(duixian.EINVALID, "name", "用户名须为2至64个小写字母、数字或 . _ @ -，以字母或数字开头",
			"the user name must be 2 to 64 lower-case letters, digits or . _ @ -, starting with a letter or digit")
	}
	needsDept, ok := accountRoles[in.Role]
	if !ok {
		return duixian.Errorf(duixian.EINVALID, "role", "没有角色“%s”；可选：%s", "no role %s; one of: %s", in.Role, roleList())
	}
	switch {
	case needsDept && in.Department == "":
		return duixian.Errorf(duixian.EINVALID, "department", "角色 %s 须填写所属部门", "role %s needs a department", in.Role)
	case in.Role == duixian.RoleEnterprise && in.Department != "":
		return duixian.Errorf(duixian.EINVALID, "department", "企业账户不属于部门", "an enterprise account has no department")
	case in.Role == duixian.RoleEnterprise && in.Enterprise == "":
		return duixian.Errorf(duixian.EINVALID, "enterprise", "企业账户须填写统一社会信用代码", "an enterprise account needs the enterprise's USCC")
	case in.Role != duixian.RoleEnterprise && in.Enterprise != "":
		return duixian.Errorf(duixian.EINVALID, "enterprise", "只有企业账户填写统一社会信用代码", "only an enterprise account has a USCC")
	}
	if in.Enterprise != "" {
		if err := duixian.ValidateUSCC(in.Enterprise); err != nil {
			if e, ok := err.(*duixian.Error); ok {
				e.Field = "enterprise"
			}
			return err
		}
	}
	if in.Display == "" {
		in.Display = in.Name
	}
	if err := validContact(&in.Email, &in.Phone); err != nil {
		return err
	}
	return password.Acceptable(in.Name, in.Password)
}

// validContact checks an account's e-mail address and phone, each
// optional: where its notifications are also sent.
func validContact(email, phone *string) error {
	*email, *phone = strings.TrimSpace(*email), strings.TrimSpace(*phone)
	if *email != "" {
		if a, err := mail.ParseAddress(*email); err != nil || a.Address != *email || len(*email) > 254 {
			return duixian.Errorf(duixian.EINVALID, "email", "电子邮箱“%s”无效", "the e-mail address %q is not valid", *email)
		}
	}
	if *phone != "" && !validPhone.MatchString(*phone) {
		return duixian.Errorf(duixian.EINVALID, "phone", "电话号码应为11位手机号或带区号的固定电话", "the phone must be an 11-digit mobile number or a landline with its area code")
	}
	return nil
}

func roleList() string {
	var names []string
	for _, r := range Roles() {
		names = append(names, string(r))
	}
	return strings.Join(names, ", ")
}

// Add creates an account; only an administrator may. The password must
// keep the policy (password.Acceptable).
func (s *Service) Add(ctx context.Context, actor duixian.Actor, in NewUser) (*duixian.User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash := password.Hash(in.Password)
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*duixian.User, State]{
		Action: "user-add", Name: stepNames["user-add"], Subject: in.Name, Roles: admins,
		Load: func(tx *sqldb.Tx) (*duixian.User, error) {
			_, err := tx.User(in.Name)
			switch duixian.ErrorCode(err) {
			case "":
				return nil, duixian.Conflict("用户名 %s 已被使用", "the user name %s is taken", in.Name)
			case duixian.ENOTFOUND:
				return &duixian.User{Name: in.Name}, nil
			}
			return nil, err
		},
		State: func(u *duixian.User) State { return StateOf(u, s.Now()) },
		Apply: func(_ *sqldb.Tx, u *duixian.User) error {
			now := s.Now()
			*u = duixian.User{Name: in.Name, Display: in.Display, Role: in.Role, Department: in.Department, Enterprise: in.Enterprise,
				Email: in.Email, Phone: in.Phone, PasswordHash: hash, PasswordChanged: now, Created: now}
			return nil
		},
		Save: func(tx *sqldb.Tx, u *duixian.User) error { return tx.PutUser(u) },
	})
}

// SetPassword gives the account name a new password, by an administrator:
// with reset, the user must choose another at their next sign-in (and is
// unlocked, which is what a reset is for). The user's sessions end.
func (s *Service) SetPassword(ctx context.Context, actor duixian.Actor, name, pw string, reset bool) (*duixian.User, error) {
	if actor.Role != duixian.RoleAdmin {
		return nil, s.desk().Refused(ctx, actor, "password-reset", name, duixian.Forbidden(administratorsOnly, "only an administrator may manage accounts"))
	}
	hash, seen, err := s.newPassword(ctx, name, pw)
	if err != nil {
		return nil, err
	}
	action := "password-set"
	if reset {
		action = "password-reset"
	}
	return s.change(ctx, actor, action, name, admins, nil, unchanged(seen), func(tx *sqldb.Tx, u *duixian.User) error {
		setPassword(u, hash, s.Now())
		u.MustChangePassword = reset
		if reset {
			u.FailedLogins, u.LockedUntil = 0, time.Time{}
		}
		_, err := tx.DeleteSessionsOf(u.Name, "")
		return err
	})
}

// ChangePassword is a signed-in user choosing a new password: the current
// one must be given (a wrong one counts as a failed sign-in). The user's
// other sessions end; keep is the token hash of the one they changed it in.
func (s *Service) ChangePassword(ctx context.Context, actor duixian.Actor, keep, current, pw string) (*duixian.User, error) {
	var u *duixian.User
	if err := s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) { u, err = tx.User(actor.User); return }); err != nil {
		return nil, err
	}
	ok, err := password.Check(ctx, u.PasswordHash, current)
	if err != nil {
		return nil, err
	}
	if !ok {
		err := s.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
			cur, err := tx.User(actor.User)
			if err != nil {
				return err
			}
			return s.countFailure(tx, actor, cur, "password-change-failed")
		})
		if err != nil {
			return nil, err
		}
		return nil, duixian.Errorf(duixian.EINVALID, "current_password", "当前密码不正确", "the current password is wrong")
	}
	hash, seen, err := s.newPassword(ctx, actor.User, pw)
	if err != nil {
		return nil, err
	}
	return s.change(ctx, actor, "password-change", actor.User, Roles(), nil, func(u *duixian.User) error {
		if u.Name != actor.User {
			return duixian.Forbidden("只能修改自己的密码", "you may change only your own password")
		}
		return unchanged(seen)(u)
	}, func(tx *sqldb.Tx, u *duixian.User) error {
		setPassword(u, hash, s.Now())
		u.MustChangePassword = false
		_, err := tx.DeleteSessionsOf(u.Name, keep)
		return err
	})
}

// newPassword checks pw for name against the policy and the account's last
// password.Remembered passwords, and hashes it; seen is the password hash
// it was checked against, which must still be the account's when the
// change is written.
func (s *Service) newPassword(ctx context.Context, name, pw string) (hash, seen string, err error) {
	if err := password.Acceptable(name, pw); err != nil {
		return "", "", err
	}
	var u *duixian.User
	if err := s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) { u, err = tx.User(name); return }); err != nil {
		return "", "", err
	}
	for _, old := range append([]string{u.PasswordHash}, u.PasswordHistory...) {
		same, err := password.Check(ctx, old, pw)
		if err != nil {
			return "", "", err
		}
		if same {
			return "", "", duixian.Errorf(duixian.EINVALID, "password", "新密码不得与最近%d次使用过的密码相同",
				"the new password may not be one of the last %d used", password.Remembered)
		}
	}
	return password.Hash(pw), u.PasswordHash, nil
}

// unchanged refuses a change of password decided against a password hash
// that is no longer the account's.
func unchanged(seen string) func(u *duixian.User) error {
	return func(u *duixian.User) error {
		if u.PasswordHash != seen {
			return duixian.Conflict("密码已被他人同时修改，请重试", "the password was changed meanwhile; try again")
		}
		return nil
	}
}

// setPassword makes hash u's password and keeps the one before it among
// the last password.Remembered.
func setPassword(u *duixian.User, hash string, now time.Time) {
	u.PasswordHistory = append([]string{u.PasswordHash}, u.PasswordHistory...)
	u.PasswordHistory = u.PasswordHistory[:min(len(u.PasswordHistory), password.Remembered-1)]
	u.PasswordHash, u.PasswordChanged = hash, now
}

// Disable stops an account from signing in and ends its sessions. An
// administrator cannot disable their own account (the last one could lock
// everyone out).
func (s *Service) Disable(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error) {
	return s.change(ctx, actor, "user-disable", name, admins, nil, func(u *duixian.User) error {
		switch {
		case u.Name == actor.User:
			return duixian.Forbidden("不能停用自己的账户", "you may not disable your own account")
		case u.Disabled:
			return duixian.Conflict("账户已停用", "the account is already disabled")
		}
		return nil
	}, func(tx *sqldb.Tx, u *duixian.User) error {
		u.Disabled = true
		_, err := tx.DeleteSessionsOf(u.Name, "")
		return err
	})
}

// Enable lets a disabled account sign in again.
func (s *Service) Enable(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error) {
	return s.change(ctx, actor, "user-enable", name, admins, []State{StateDisabled}, nil, func(_ *sqldb.Tx, u *duixian.User) error {
		u.Disabled = false
		return nil
	})
}

// Unlock ends a lock after failed sign-ins before its time.
func (s *Service) Unlock(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error) {
	return s.change(ctx, actor, "user-unlock", name, admins, nil, func(u *duixian.User) error {
		if !s.Now().Before(u.LockedUntil) && u.FailedLogins == 0 {
			return duixian.Conflict("账户未被锁定", "the account is not locked")
		}
		return nil
	}, func(_ *sqldb.Tx, u *duixian.User) error {
		u.FailedLogins, u.LockedUntil = 0, time.Time{}
		return nil
	})
}

// Page is one page of the accounts, without their secrets.
type Page struct {
	Users            []Listed
	Page, Pages, All int
}

// Listed is an account as an administrator sees it: no secret, its state,
// whether it has a second factor.
type Listed struct {
	duixian.User
	State        State
	SecondFactor bool
}

// PerPage is how many accounts a page lists.
const PerPage = 50

// List is page n (from 1) of the accounts by name, for an administrator.
func (s *Service) List(ctx context.Context, actor duixian.Actor, n int) (*Page, error) {
	if actor.Role != duixian.RoleAdmin {
		return nil, duixian.Forbidden(administratorsOnly, "only an administrator may manage accounts")
	}
	p := &Page{Page: max(n, 1)}
	var users []duixian.User
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if p.All, err = tx.UserCount(); err != nil {
			return err
		}
		users, err = tx.UserPage((p.Page-1)*PerPage, PerPage)
		return err
	})
	if err != nil {
		return nil, err
	}
	p.Pages = max(1, (p.All+PerPage-1)/PerPage)
	now := s.Now()
	for _, u := range users {
		p.Users = append(p.Users, Listed{User: u.Redacted(), State: StateOf(&u, now), SecondFactor: u.Enrolled()})
	}
	return p, nil
}
