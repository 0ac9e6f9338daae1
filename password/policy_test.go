package password

import (
	"strings"
	"testing"

	"github.com/etown/duixian"
)

// Each rule of the policy refuses what breaks it, with a message naming the
// field in Chinese and English; a password that keeps them all passes.
func TestAcceptable(t *testing.T) {
	for _, tc := range []struct{ name, pw, want string }{
		{"culture", "Short1!", "at least 12 characters"},
		{"culture", "长度够了但是只有汉字一类而已", "it uses 1"},
		{"culture", "alllowercase1", "it uses 2"},
		{"culture", "ALLUPPER-and-lower", ""},
		{"culture", "Culture-2026-x", "user name"},
		{"culture", "x-2026-ERUTLUC", "user name"},
		{"ab", "ab-Secure-2026", ""},
		{"culture", "Tab\there-2026x", "control characters"},
		{"culture", "Wind-Over-Yizhuang-7", ""},
		{"culture", "亦庄Policy2026兑现", ""},
	} {
		err := Acceptable(tc.name, tc.pw)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%q for %q refused: %v", tc.pw, tc.name, err)
			}
			continue
		}
		e, ok := err.(*duixian.Error)
		if !ok || e.Code != duixian.EINVALID || e.Field != "password" || e.Zh == "" || !strings.Contains(e.En, tc.want) {
			t.Errorf("%q for %q: %v, want %q", tc.pw, tc.name, err, tc.want)
		}
	}
}
