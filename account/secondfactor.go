package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// The second factor is TOTP (RFC 6238): six digits from a shared secret and
// the time, in steps of 30 seconds, as every authenticator app makes them.
// A code is accepted one step either side of now (clocks drift), and only
// in a step later than the last one accepted, so that a code seen over a
// shoulder cannot be used again. Ten recovery codes, each good once, stand
// in for a lost phone; only their SHA-256 is stored (each holds 80 random
// bits, so a fast hash is enough).

// Issuer names the platform in authenticator apps.
const Issuer = "duixian"

const (
	period        = 30
	recoveryCodes = 10
)

// ErrBadCode is the answer to a wrong code.
var ErrBadCode = &duixian.Error{Code: "unauthenticated", Field: "code", Zh: "验证码错误或已使用", En: "the code is wrong or was used already"}

// Enrolment is a second factor being set up: the secret to type into an
// authenticator app, or the otpauth URI (as a QR code) to scan.
type Enrolment struct {
	Secret string
	URI    string
}

func enrolment(name, secret string) (*Enrolment, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, err
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: name, Secret: raw})
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// Enrolling is the enrolment actor has begun and not yet confirmed, or nil.
func (s *Service) Enrolling(ctx context.Context, actor duixian.Actor) (*Enrolment, error) {
	var u *duixian.User
	if err := s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) { u, err = tx.User(actor.User); return }); err != nil {
		return nil, err
	}
	if u.TOTPPending == "" {
		return nil, nil
	}
	return enrolment(u.Name, u.TOTPPending)
}

func own(actor duixian.Actor) func(u *duixian.User) error {
	return func(u *duixian.User) error {
		if u.Name != actor.User {
			return duixian.Forbidden("只能为自己的账户设置双因素认证", "you may set up a second factor only for your own account")
		}
		if u.Enrolled() {
			return duixian.Conflict("已启用双因素认证", "a second factor is set up already")
		}
		return nil
	}
}

// BeginEnrolment gives actor a new secret to enrol; it takes effect once
// ConfirmEnrolment sees a code made from it.
func (s *Service) BeginEnrolment(ctx context.Context, actor duixian.Actor) (*Enrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: actor.User})
	if err != nil {
		return nil, err
	}
	_, err = s.change(ctx, actor, "second-factor-begin", actor.User, Roles(), nil, own(actor), func(_ *sqldb.Tx, u *duixian.User) error {
		u.TOTPPending = key.Secret()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: key.Secret(), URI: key.URL()}, nil
}

// ConfirmEnrolment makes the secret being enrolled actor's second factor,
// given a code it made, and returns ten recovery codes: shown this once,
// stored only hashed.
func (s *Service) ConfirmEnrolment(ctx context.Context, actor duixian.Actor, code string) ([]string, error) {
	codes := make([]string, recoveryCodes)
	hashes := make([]string, recoveryCodes)
	for i := range codes {
		codes[i] = newRecoveryCode()
		hashes[i] = hashRecoveryCode(codes[i])
	}
	check := own(actor)
	_, err := s.change(ctx, actor, "second-factor-enrol", actor.User, Roles(), nil, func(u *duixian.User) error {
		if err := check(u); err != nil {
			return err
		}
		if u.TOTPPending == "" {
			return duixian.Conflict("尚未开始绑定验证器", "no enrolment has been begun")
		}
		return nil
	}, func(_ *sqldb.Tx, u *duixian.User) error {
		step, ok := s.totpStep(u.TOTPPending, 0, code)
		if !ok {
			return duixian.Errorf(duixian.EINVALID, "code", "验证码错误：请输入验证器当前显示的6位数字", "wrong code: enter the six digits the authenticator shows now")
		}
		u.TOTPSecret, u.TOTPPending, u.TOTPStep, u.RecoveryCodes = u.TOTPPending, "", step, hashes
		return nil
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// ResetSecondFactor removes the second factor of the account name, by an
// administrator (a lost phone and lost recovery codes); the user enrols
// again. Their sessions end.
func (s *Service) ResetSecondFactor(ctx context.Context, actor duixian.Actor, name string) (*duixian.User, error) {
	return s.change(ctx, actor, "second-factor-reset", name, admins, nil, func(u *duixian.User) error {
		if !u.Enrolled() && u.TOTPPending == "" {
			return duixian.Conflict("该账户未启用双因素认证", "the account has no second factor")
		}
		return nil
	}, func(tx *sqldb.Tx, u *duixian.User) error {
		u.TOTPSecret, u.TOTPPending, u.TOTPStep, u.RecoveryCodes = "", "", 0, nil
		_, err := tx.DeleteSessionsOf(u.Name, "")
		return err
	})
}

// SecondFactor completes a sign-in waiting for its second factor (the
// session of token): a TOTP code, or one of the recovery codes, used up. A
// wrong code counts as a failed sign-in, and the lock ends the waiting
// session. On success the waiting session ends and a new one, with a new
// token, signs the user in.
func (s *Service) SecondFactor(ctx context.Context, actor duixian.Actor, token, code string) (string, *duixian.Session, *duixian.User, error) {
	hash := HashToken(token)
	var result error
	var newToken string
	var sess *duixian.Session
	var u *duixian.User
	d := s.desk()
	err := s.DB.Tx(context.WithoutCancel(ctx), func(tx *sqldb.Tx) error {
		now := s.Now()
		pending, err := tx.Session(hash)
		if err != nil {
			result = errExpired
			return nil
		}
		if !pending.SecondFactorDue || now.Sub(pending.Created) > SecondFactorWait {
			result = errExpired
			return tx.DeleteSession(hash)
		}
		if u, err = tx.User(pending.User); err != nil {
			return err
		}
		if now.Before(u.LockedUntil) || u.Disabled {
			result = errExpired
			return tx.DeleteSession(hash)
		}
		action := "login"
		if step, ok := s.totpStep(u.TOTPSecret, u.TOTPStep, code); ok {
			u.TOTPStep = step
		} else if i := recoveryIndex(u.RecoveryCodes, code); i >= 0 {
			u.RecoveryCodes = append(u.RecoveryCodes[:i:i], u.RecoveryCodes[i+1:]...)
			action = "login-recovery-code"
		} else {
			result = ErrBadCode
			return s.countFailure(tx, actor, u, "second-factor-failed")
		}
		u.FailedLogins = 0
		if err := tx.PutUser(u); err != nil {
			return err
		}
		if err := tx.DeleteSession(hash); err != nil {
			return err
		}
		newToken = NewToken()
		sess = &duixian.Session{TokenHash: HashToken(newToken), User: u.Name, CSRF: NewToken(), Lang: pending.Lang, Created: now, LastSeen: now,
			IDToken: pending.IDToken}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		return tx.Audit(d.Entry(u.Actor(actor.IP), action, u.Name, "", ""))
	})
	if err == nil {
		err = result
	}
	if err != nil {
		return "", nil, nil, err
	}
	return newToken, sess, u, nil
}

// totpStep reports whether code is secret's code for a step within one of
// now and later than after, and which step.
func (s *Service) totpStep(secret string, after int64, code string) (int64, bool) {
	code = strings.TrimSpace(code)
	if len(code) != 6 || secret == "" {
		return 0, false
	}
	now := s.Now().Unix() / period
	for _, step := range []int64{now, now - 1, now + 1} {
		if step <= after {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*period, 0), totp.ValidateOpts{Period: period, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// Recovery codes are 16 characters of Crockford's base32 alphabet, shown
// in groups of four; case, spaces and dashes do not matter when typed.
const recoveryAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func newRecoveryCode() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%4 == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(recoveryAlphabet[c%32])
	}
	return out.String()
}

func hashRecoveryCode(code string) string {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToUpper(code))
	sum := sha256.Sum256([]byte("duixian.recovery/" + norm))
	return hex.EncodeToString(sum[:])
}

func recoveryIndex(hashes []string, code string) int {
	if len(strings.TrimSpace(code)) < 16 {
		return -1
	}
	h := hashRecoveryCode(code)
	for i, want := range hashes {
		if subtle.ConstantTimeCompare([]byte(h), []byte(want)) == 1 {
			return i
		}
	}
	return -1
}
