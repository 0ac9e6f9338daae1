package password

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/etown/duixian"
)

// The policy 等保2.0 level 3 (GB/T 22239-2019 8.1.4.1 a) asks of passwords:
// complex, and changed without going back to a recent one.
const (
	// MinLength is the fewest characters a password may have.
	MinLength = 12
	// MinClasses of the four classes (lower case, upper case, digits,
	// anything else) a password must draw on.
	MinClasses = 3
	// Remembered is how many of a user's passwords, the current one
	// included, a new password may not repeat.
	Remembered = 5
)

// Acceptable checks a new password against the policy for the user name:
// long enough, of enough classes, not containing the name. What it cannot
// check without the stored hashes (not one of the last Remembered) is
// package account's. The error names the field "password".
func Acceptable(name, pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinLength {
		return duixian.Errorf(duixian.EINVALID, "password", "密码至少%d个字符，现为%d个", "the password needs at least %d characters; it has %d", MinLength, n)
	}
	var lower, upper, digit, other bool
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case unicode.IsControl(r):
			return duixian.Errorf(duixian.EINVALID, "password", "密码不得含控制字符", "the password may not contain control characters")
		default:
			other = true
		}
	}
	classes := 0
	for _, has := range []bool{lower, upper, digit, other} {
		if has {
			classes++
		}
	}
	if classes < MinClasses {
		return duixian.Errorf(duixian.EINVALID, "password",
			"密码须包含小写字母、大写字母、数字、其他字符四类中的至少%d类，现为%d类",
			"the password must use at least %d of four classes (lower case, upper case, digits, other characters); it uses %d",
			MinClasses, classes)
	}
	if containsName(pw, name) {
		return duixian.Errorf(duixian.EINVALID, "password", "密码不得包含用户名", "the password may not contain the user name")
	}
	return nil
}

// containsName reports whether pw contains the name, forwards or backwards,
// in any case. A name of fewer than three characters is not looked for: it
// would forbid half the passwords without making any stronger.
func containsName(pw, name string) bool {
	if utf8.RuneCountInString(name) < 3 {
		return false
	}
	p, n := strings.ToLower(pw), strings.ToLower(name)
	rev := []rune(n)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	return strings.Contains(p, n) || strings.Contains(p, string(rev))
}
