package account

import (
	"context"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/sqldb"
)

// Single sign-on: package sso checks what the OpenID Connect provider says
// (the ID token's signature, issuer, audience, expiry and nonce); this file
// decides which account that identity signs in, and starts the session.
//
//   - A USCC claim signs in the enterprise's 管理员 account. An enterprise
//     without one gets one, named sso.<uscc>, if the registry holds the
//     code, as a self-registration the registry matches does: active at
//     once, or waiting for an official under RegistryActivates=false. An
//     enterprise the registry does not hold is refused.
//   - Otherwise an official claim names an official's existing account.
//     Officials are never made from single sign-on: an unknown one is
//     refused, and an administrator adds the account.
//
// The session is the usual one (the same idle and absolute limits). The
// second factor is asked after the provider as after a password, unless
// SSOSkipsSecondFactor says the provider checks one itself.

// SSOAccountPrefix begins the name of an enterprise account made by single
// sign-on; the lower-case USCC follows.
const SSOAccountPrefix = "sso."

// ErrLocked answers a sign-in through the provider into an account locked
// after wrong passwords or codes. The provider has proven who it is, so it
// is told, unlike a password guess (ErrBadLogin).
var ErrLocked = &duixian.Error{Code: "unauthenticated", Zh: "账户因连续多次验证失败暂时锁定，请稍后再试或联系管理员解锁",
	En: "the account is locked for a while after repeated failures; try later or ask an administrator to unlock it"}

// An ssoRefusal is a provider's identity the platform does not let in:
// reason is the word the audit log records, subject what it is filed under.
type ssoRefusal struct {
	reason, subject string
	err             *duixian.Error
}

// ssoAccount finds the account id signs in, or the enterprise's it would
// make (made), with the password hash hashed: a password nobody knows.
func (s *Service) ssoAccount(tx *sqldb.Tx, id duixian.SSOIdentity, hashed string) (u *duixian.User, made bool, no *ssoRefusal, err error) {
	uscc := strings.ToUpper(strings.TrimSpace(id.USCC))
	official := strings.ToLower(strings.TrimSpace(id.Official))
	switch {
	case uscc != "":
		return s.ssoEnterprise(tx, uscc, hashed)
	case official == "":
		return nil, false, &ssoRefusal{"no-claim", unknownSubject, duixian.Forbidden(
			"统一身份认证未提供统一社会信用代码或工作人员账号，无法确定登录哪个账户",
			"single sign-on named neither an enterprise's USCC nor an official's account, so no account can be signed in")}, nil
	}
	noOfficial := func(reason, subject string) *ssoRefusal {
		return &ssoRefusal{reason, subject, duixian.Forbidden(
			"统一身份认证账号「%s」在本平台没有工作人员账户；工作人员账户须由系统管理员开通，不会通过统一身份认证自动创建",
			"the single sign-on account %q has no official's account here; an administrator must add it, single sign-on never creates one", official)}
	}
	if !validName.MatchString(official) {
		return nil, false, noOfficial("no-account", unknownSubject), nil
	}
	u, err = tx.User(official)
	switch {
	case duixian.ErrorCode(err) == duixian.ENOTFOUND:
		return nil, false, noOfficial("no-account", official), nil
	case err != nil:
		return nil, false, nil, err
	case u.Role == duixian.RoleEnterprise:
		// Enterprise staff sign in through their USCC claim, never by a
		// name that happens to be theirs.
		return nil, false, noOfficial("not-an-official", official), nil
	}
	return u, false, nil, nil
}

// ssoEnterprise finds, or makes, the 管理员 account of the enterprise uscc.
func (s *Service) ssoEnterprise(tx *sqldb.Tx, uscc, hashed string) (*duixian.User, bool, *ssoRefusal, error) {
	if err := duixian.ValidateUSCC(uscc); err != nil {
		return nil, false, &ssoRefusal{"uscc-invalid", unknownSubject, duixian.Forbidden(
			"统一身份认证提供的统一社会信用代码无效", "the USCC single sign-on gave is not a valid code")}, nil
	}
	staff, err := enterpriseStaff(tx, uscc)
	if err != nil {
		return nil, false, nil, err
	}
	for _, u := range staff { // by name: the first, should a race have made two
		if u.EnterpriseAdmin && !u.Disabled {
			return &u, false, nil, nil
		}
	}
	name := SSOAccountPrefix + strings.ToLower(uscc)
	if u, err := tx.User(name); err == nil {
		return u, false, nil, nil // disabled: refused as such by the caller
	} else if duixian.ErrorCode(err) != duixian.ENOTFOUND {
		return nil, false, nil, err
	}
	e, err := tx.Enterprise(uscc, false)
	switch {
	case duixian.ErrorCode(err) == duixian.ENOTFOUND:
		return nil, false, &ssoRefusal{"not-in-registry", uscc, duixian.Forbidden(
			"统一社会信用代码 %s 不在本平台的企业库中，无法通过统一身份认证开通企业账户；请在「企业注册」页注册",
			"the enterprise %s is not in the platform's registry, so single sign-on cannot open its account; register on the registration page", uscc)}, nil
	case err != nil:
		return nil, false, nil, err
	}
	now := s.Now()
	u := &duixian.User{Name: name, Display: strings.TrimSpace(e.Name), Role: duixian.RoleEnterprise, Enterprise: uscc,
		PasswordHash: hashed, PasswordChanged: now, Created: now, EnterpriseAdmin: true, Pending: !s.RegistryActivates,
		Registration: &duixian.Registration{EnterpriseName: strings.TrimSpace(e.Name), Submitted: now}}
	if !u.Pending {
		u.Registration.ActivatedBy = "registry"
	}
	return u, true, nil, nil
}

// ssoNote is what an SSO entry of the audit log holds after: a reason word
// (a refusal's), the provider's subject, cut, and whether the second factor
// is still due.
func ssoNote(reason, subject string, due bool) string {
	var f []string
	if reason != "" {
		f = append(f, reason)
	}
	if subject != "" {
		f = append(f, "sub="+casework.Cut(subject, 128))
	}
	if due {
		f = append(f, "second-factor-due")
	}
	return strings.Join(f, " ")
}

// SignInSSO signs in the account the provider's identity id names (see
// above), as SignIn does for a password: a new session, with the second
// factor due if the user has one and the provider is not trusted with it;
// on behalf of actor (the public, from an address). Every sign-in and
// every refusal is audited: login-sso, login-sso-refused, and register-sso
// when an enterprise's account is made.
func (s *Service) SignInSSO(ctx context.Context, actor duixian.Actor, id duixian.SSOIdentity) (token string, sess *duixian.Session, u *duixian.User, err error) {
	// An account to be made gets a password nobody knows, hashed here,
	// outside the transaction (a hash takes about 180 ms).
	var hashed string
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		_, made, _, err := s.ssoAccount(tx, id, "")
		if made {
			hashed = password.Hash(NewToken())
		}
		return err
	})
	if err != nil {
		return "", nil, nil, err
	}
	d := s.desk()
	var result error
	err = s.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		now := s.Now()
		cur, made, no, err := s.ssoAccount(tx, id, hashed)
		if err != nil {
			return err
		}
		refuse := func(reason, subject string, e error) error {
			result = e
			return tx.Audit(d.Entry(actor, "login-sso-refused", subject, "", ssoNote(reason, id.Subject, false)))
		}
		if no != nil {
			return refuse(no.reason, no.subject, no.err)
		}
		if made {
			if cur.PasswordHash == "" {
				// Needed only since the read: the enterprise's 管理员 was disabled meanwhile.
				cur.PasswordHash = password.Hash(NewToken())
			}
			if err := tx.PutUser(cur); err != nil {
				return err
			}
			if err := tx.Audit(d.Entry(actor, "register-sso", cur.Name, string(StateNew), string(StateOf(cur, now)))); err != nil {
				return err
			}
		}
		switch {
		case cur.Disabled:
			return refuse("disabled", cur.Name, ErrDisabled)
		case cur.Pending:
			return refuse("pending", cur.Name, ErrPending)
		case now.Before(cur.LockedUntil):
			return refuse("locked", cur.Name, ErrLocked)
		}
		token = NewToken()
		sess = &duixian.Session{TokenHash: HashToken(token), User: cur.Name, CSRF: NewToken(), Created: now, LastSeen: now,
			SecondFactorDue: cur.Enrolled() && !s.SSOSkipsSecondFactor, IDToken: id.IDToken}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		u = cur
		who := cur.Actor(actor.IP)
		if sess.SecondFactorDue {
			who = actor // signed in by nothing until the code is given
		}
		return tx.Audit(d.Entry(who, "login-sso", cur.Name, "", ssoNote("", id.Subject, sess.SecondFactorDue)))
	})
	if err == nil {
		err = result
	}
	if err != nil {
		return "", nil, nil, err
	}
	return token, sess, u, nil
}

// SSOFailed audits a single sign-on that failed before any identity was
// known (the state did not match, the provider refused or the ID token did
// not pass its checks) as login-sso-failed, filed under (unknown). reason is
// package sso's word for it.
func (s *Service) SSOFailed(ctx context.Context, actor duixian.Actor, reason string) error {
	return s.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		return tx.Audit(s.desk().Entry(actor, "login-sso-failed", unknownSubject, "", casework.Cut(reason, 64)))
	})
}
