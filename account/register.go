package account

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
)

// An enterprise registers itself: its USCC, its name, its legal
// representative, and a contact. The account made is the enterprise's
// 管理员, who then adds its other staff (AddStaff). It is active at once
// when the registry holds a record of that USCC under that name, and
// otherwise waits until an official (a reviewer, or an administrator)
// activates it. An enterprise has one 管理员: a second registration for an
// enterprise that has one is refused, and its staff are added by the
// 管理员 instead.

// activators may activate a self-registered account.
var activators = []duixian.Role{duixian.RoleReviewer, duixian.RoleAdmin}

// RegisterInput is what an enterprise gives to register.
type RegisterInput struct {
	USCC, EnterpriseName, LegalRepresentative, Contact, Phone string
	Name, Display, Password                                   string
	// Email is where the account's notifications are also sent (optional).
	Email string
}

var validPhone = regexp.MustCompile(`^(\+?86[- ]?)?(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)

func (in *RegisterInput) validate() error {
	for _, f := range []*string{&in.USCC, &in.EnterpriseName, &in.LegalRepresentative, &in.Contact, &in.Phone, &in.Name, &in.Display} {
		*f = strings.TrimSpace(*f)
	}
	in.USCC = strings.ToUpper(in.USCC)
	if err := duixian.ValidateUSCC(in.USCC); err != nil {
		if e, ok := err.(*duixian.Error); ok {
			e.Field = "uscc"
		}
		return err
	}
	for _, f := range []struct{ field, zh, en, v string }{
		{"enterprise_name", "企业名称", "the enterprise's name", in.EnterpriseName},
		{"legal_representative", "法定代表人", "the legal representative", in.LegalRepresentative},
		{"contact", "联系人", "the contact", in.Contact},
	} {
		if f.v == "" || len([]rune(f.v)) > 100 {
			return &duixian.Error{Code: duixian.EINVALID, Field: f.field, Zh: "请填写" + f.zh + "（至多100字）", En: f.en + " is required (at most 100 characters)"}
		}
	}
	if !validPhone.MatchString(in.Phone) {
		return duixian.Errorf(duixian.EINVALID, "phone", "联系电话应为11位手机号或带区号的固定电话", "the phone must be an 11-digit mobile number or a landline with its area code")
	}
	nu := NewUser{Name: in.Name, Display: in.Display, Role: duixian.RoleEnterprise, Enterprise: in.USCC, Password: in.Password, Email: in.Email}
	if err := nu.validate(); err != nil {
		return err
	}
	in.Display, in.Email = nu.Display, nu.Email
	return nil
}

// enterpriseStaff are the accounts of the enterprise uscc.
func enterpriseStaff(tx *sqldb.Tx, uscc string) ([]duixian.User, error) {
	all, err := tx.Users()
	var out []duixian.User
	for _, u := range all {
		if u.Role == duixian.RoleEnterprise && u.Enterprise == uscc {
			out = append(out, u)
		}
	}
	return out, err
}

// Register makes an enterprise's account from its own registration, on
// behalf of actor (the public, from an address).
func (s *Service) Register(ctx context.Context, actor duixian.Actor, in RegisterInput) (*duixian.User, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash := password.Hash(in.Password)
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*duixian.User, State]{
		Action: "register", Name: "企业注册", Subject: in.Name, Roles: []duixian.Role{duixian.RolePublic},
		Load: func(tx *sqldb.Tx) (*duixian.User, error) {
			if _, err := tx.User(in.Name); duixian.ErrorCode(err) != duixian.ENOTFOUND {
				if err == nil {
					err = duixian.Conflict("用户名 %s 已被使用", "the user name %s is taken", in.Name)
				}
				return nil, err
			}
			staff, err := enterpriseStaff(tx, in.USCC)
			if err != nil {
				return nil, err
			}
			for _, u := range staff {
				if u.EnterpriseAdmin && !u.Disabled {
					return nil, duixian.Conflict("该企业已有管理员账户，请由其为您添加账户", "the enterprise has a 管理员 account already; ask them to add yours")
				}
			}
			return &duixian.User{Name: in.Name}, nil
		},
		State: func(u *duixian.User) State { return StateOf(u, s.Now()) },
		Apply: func(tx *sqldb.Tx, u *duixian.User) error {
			now := s.Now()
			*u = duixian.User{Name: in.Name, Display: in.Display, Role: duixian.RoleEnterprise, Enterprise: in.USCC, Email: in.Email,
				PasswordHash: hash, PasswordChanged: now, Created: now, EnterpriseAdmin: true, Pending: true,
				Registration: &duixian.Registration{EnterpriseName: in.EnterpriseName, LegalRepresentative: in.LegalRepresentative,
					Contact: in.Contact, Phone: in.Phone, Submitted: now}}
			if !s.RegistryActivates {
				return nil
			}
			e, err := tx.Enterprise(in.USCC, false)
			switch {
			case err == nil && strings.TrimSpace(e.Name) == in.EnterpriseName:
				u.Pending, u.Registration.ActivatedBy = false, "registry"
			case err != nil && duixian.ErrorCode(err) != duixian.ENOTFOUND:
				return err
			}
			return nil
		},
		Save: func(tx *sqldb.Tx, u *duixian.User) error { return tx.PutUser(u) },
	})
}

// Registrations are the self-registered accounts waiting to be activated,
// for an official who may activate them.
func (s *Service) Registrations(ctx context.Context, actor duixian.Actor) ([]Listed, error) {
	if !slices.Contains(activators, actor.Role) {
		return nil, duixian.Forbidden("只有初审人员或管理员可以审核企业注册", "only a reviewer or an administrator may activate registrations")
	}
	var out []Listed
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		all, err := tx.Users()
		for _, u := range all {
			if u.Pending && !u.Disabled {
				out = append(out, Listed{User: u.Redacted(), State: StatePending})
			}
		}
		return err
	})
	return out, err
}

// Activate lets a self-registered account sign in, by an official who has
// checked the registration (by telephone, against papers).
func (s *Service) Activate(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error) {
	return s.change(ctx, actor, "registration-activate", name, activators, []State{StatePending}, nil, func(_ *sqldb.Tx, u *duixian.User) error {
		u.Pending = false
		if u.Registration != nil {
			u.Registration.ActivatedBy = actor.User
		}
		return nil
	})
}

// Reject refuses a self-registration: the account is disabled.
func (s *Service) Reject(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error) {
	return s.change(ctx, actor, "registration-reject", name, activators, []State{StatePending}, nil, func(_ *sqldb.Tx, u *duixian.User) error {
		u.Pending, u.Disabled = false, true
		return nil
	})
}

// enterpriseAdmin checks that actor is an active 管理员 of their enterprise.
func enterpriseAdmin(tx *sqldb.Tx, actor duixian.Actor) error {
	me, err := tx.User(actor.User)
	if err != nil {
		return err
	}
	if actor.Role != duixian.RoleEnterprise || !me.EnterpriseAdmin || me.Enterprise != actor.Enterprise || me.Pending || me.Disabled {
		return duixian.Forbidden("只有本企业的管理员可以管理本企业账户", "only the enterprise's 管理员 may manage its accounts")
	}
	return nil
}

// Staff are the accounts of actor's enterprise, for its 管理员.
func (s *Service) Staff(ctx context.Context, actor duixian.Actor) ([]Listed, error) {
	var out []Listed
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		if err := enterpriseAdmin(tx, actor); err != nil {
			return err
		}
		staff, err := enterpriseStaff(tx, actor.Enterprise)
		now := s.Now()
		for _, u := range staff {
			out = append(out, Listed{User: u.Redacted(), State: StateOf(&u, now), SecondFactor: u.Enrolled()})
		}
		return err
	})
	return out, err
}

// AddStaff is an enterprise's 管理员 adding an account for its staff: of
// their own enterprise, active at once (the 管理员 vouches for them).
func (s *Service) AddStaff(ctx context.Context, actor duixian.Actor, in NewUser) (*duixian.User, error) {
	in.Role, in.Enterprise, in.Department = duixian.RoleEnterprise, actor.Enterprise, ""
	if err := in.validate(); err != nil {
		return nil, err
	}
	hash := password.Hash(in.Password)
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*duixian.User, State]{
		Action: "staff-add", Name: "添加企业账户", Subject: in.Name, Roles: []duixian.Role{duixian.RoleEnterprise},
		Load: func(tx *sqldb.Tx) (*duixian.User, error) {
			if err := enterpriseAdmin(tx, actor); err != nil {
				return nil, err
			}
			if _, err := tx.User(in.Name); duixian.ErrorCode(err) != duixian.ENOTFOUND {
				if err == nil {
					err = duixian.Conflict("用户名 %s 已被使用", "the user name %s is taken", in.Name)
				}
				return nil, err
			}
			return &duixian.User{Name: in.Name}, nil
		},
		State: func(u *duixian.User) State { return StateOf(u, s.Now()) },
		Apply: func(_ *sqldb.Tx, u *duixian.User) error {
			now := s.Now()
			*u = duixian.User{Name: in.Name, Display: in.Display, Role: duixian.RoleEnterprise, Enterprise: in.Enterprise,
				Email: in.Email, Phone: in.Phone, PasswordHash: hash, PasswordChanged: now, Created: now}
			return nil
		},
		Save: func(tx *sqldb.Tx, u *duixian.User) error { return tx.PutUser(u) },
	})
}
