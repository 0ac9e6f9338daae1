package duixian_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/etown/duixian"
)

// usccChars is the GB 32100-2015 character set, written out again here so
// the tests do not take the implementation's word for it.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// withCheck completes a 17-character prefix with its check character.
func withCheck(t *testing.T, prefix string) string {
	t.Helper()
	c, ok := duixian.USCCCheckChar(prefix)
	if !ok {
		t.Fatalf("USCCCheckChar(%q) reported false", prefix)
	}
	return prefix + string(c)
}

func TestValidateUSCCAccepts(t *testing.T) {
	codes := []string{
		// Published codes. Only 91110000600037341L (python-stdnum's example)
		// comes from a source that checks them; the rest are as commonly quoted,
		// and a mistyped code would pass the check only once in 31.
		"91110000600037341L",
		"91350100M000100Y43", // a letter in the organisation code
		"914403001922038216", // a digit as check character
		"91440300708461136T",
		"91110108551385082Q",
		"11100000000013127D",     // authority 1, category 1
		"  91110000600037341L\t", // surrounding spaces are not part of the code
	}
	// One code for every authority and category pair in the standard's table.
	for auth, cats := range map[string]string{
		"1": "1239", "2": "19", "3": "123459", "4": "19", "5": "1239", "6": "129",
		"7": "129", "8": "19", "9": "123", "A": "19", "N": "1239", "Y": "1",
	} {
		for _, cat := range cats {
			codes = append(codes, withCheck(t, auth+string(cat)+"110302MA01ABCD2"))
		}
	}
	for _, code := range codes {
		if err := duixian.ValidateUSCC(code); err != nil {
			t.Errorf("ValidateUSCC(%q) = %v; want nil", code, err)
		}
	}
}

func TestValidateUSCCRejects(t *testing.T) {
	for _, tc := range []struct {
		name, code string
		zh, en     string // substrings the messages must contain
	}{
		{"wrong check character", "91110000600037341M", "校验码“M”不正确，应为“L”", "expected 'L'"},
		{"wrong check character, digit expected", "914403001922038217", "应为“6”", "expected '6'"},
		{"17 characters", "9111000060003734L", "实际为17位", "got 17"},
		{"19 characters", "91110000600037341L0", "实际为19位", "got 19"},
		{"empty", "   ", "实际为0位", "got 0"},
		{"length counts characters, not bytes", "9111000060003734１L", "第17位“１”", "character 17 '１' is not allowed"},
		{"I", "91110000I00037341L", "第9位“I”", "character 9 'I' is not allowed"},
		{"O", "911100006O0037341L", "第10位“O”", "character 10 'O' is not allowed"},
		{"Z", "91110000600Z37341L", "第12位“Z”", "character 12 'Z' is not allowed"},
		{"S", "9111000060003734SL", "第17位“S”", "character 17 'S' is not allowed"},
		{"V", "91110000600037341V", "第18位“V”", "character 18 'V' is not allowed"},
		{"full-width digit", "91110000６00037341L", "第9位“６”", "character 9 '６' is not allowed"},
		{"lower case", "91110000600037341l", "第18位“l”应使用大写字母", "character 18 'l' must be upper case"},
		{"lower case in the middle", "91110000m00037341L", "第9位“m”应使用大写字母", "must be upper case"},
		{"lower-case i is still not allowed", "91110000i00037341L", "第9位“i”不是", "is not allowed"},
		{"unknown authority B", withCheck(t, "B1110000600037341"), "登记管理部门代码“B”不存在", "no registration authority 'B'"},
		{"unknown authority 0", withCheck(t, "01110000600037341"), "登记管理部门代码“0”不存在", "no registration authority '0'"},
		{"category not under 工商", withCheck(t, "94110000600037341"), "机构类别代码“4”不属于登记管理部门“9”（工商），应为1、2、3之一", "expected one of 1, 2, 3"},
		{"Y has only category 1", withCheck(t, "Y2110000600037341"), "应为1之一", "authority 'Y' (other)"},
		{"letter in division code", withCheck(t, "9111A000600037341"), "第5位“A”应为数字", "character 5 'A' must be a digit"},
		{"letter at end of division code", withCheck(t, "9111000L600037341"), "第8位“L”应为数字", "character 8 'L' must be a digit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := duixian.ValidateUSCC(tc.code)
			var e *duixian.Error
			if !errors.As(err, &e) {
				t.Fatalf("ValidateUSCC(%q) = %v; want a *duixian.Error", tc.code, err)
			}
			if e.Code != duixian.EINVALID || e.Field != "uscc" {
				t.Errorf("ValidateUSCC(%q): Code %q, Field %q; want %q, \"uscc\"", tc.code, e.Code, e.Field, duixian.EINVALID)
			}
			if !strings.Contains(e.Zh, tc.zh) || !strings.Contains(e.En, tc.en) {
				t.Errorf("ValidateUSCC(%q) = %q / %q; want it to contain %q / %q", tc.code, e.Zh, e.En, tc.zh, tc.en)
			}
			if strings.Contains(e.Zh, "%!") || strings.Contains(e.En, "%!") {
				t.Errorf("ValidateUSCC(%q): formatting error in %q / %q", tc.code, e.Zh, e.En)
			}
		})
	}
}

func TestUSCCCheckChar(t *testing.T) {
	if c, ok := duixian.USCCCheckChar("91110000600037341"); !ok || c != 'L' {
		t.Errorf("USCCCheckChar(91110000600037341) = %q, %v; want 'L', true", c, ok)
	}
	for _, bad := range []string{"", "9111000060003734", "911100006000373411", "9111000060003734l", "9111000060003734I", "9111000060003734-"} {
		if c, ok := duixian.USCCCheckChar(bad); ok {
			t.Errorf("USCCCheckChar(%q) = %q, true; want false", bad, c)
		}
	}
}

// Every weight 3^i mod 31 is non-zero mod the prime 31, so changing one of
// the first 17 characters from value a to b moves the weighted sum by
// w·(b−a) ≢ 0 (mod 31) and the check character must change; changing the
// check character itself breaks the match directly. So every single
// substitution is detected, and so is every swap of two different adjacent
// characters among the first 17 (the sum moves by (a−b)·w·(1−3) ≢ 0). A swap
// involving the check character is not guaranteed to be caught and is not
// asserted.
func TestUSCCDetectsSubstitutionsAndSwaps(t *testing.T) {
	pairs := []string{"11", "12", "13", "19", "21", "31", "35", "41", "51", "52", "53", "59", "61", "71", "81", "91", "92", "93", "A1", "N1", "N3", "Y1"}
	rng := rand.New(rand.NewPCG(32100, 2015))
	seen := map[byte]bool{}
	for range 1000 {
		var b strings.Builder
		b.WriteString(pairs[rng.IntN(len(pairs))])
		for range 6 {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		for range 9 {
			b.WriteByte(usccChars[rng.IntN(len(usccChars))])
		}
		code := withCheck(t, b.String())
		seen[code[17]] = true
		if err := duixian.ValidateUSCC(code); err != nil {
			t.Fatalf("ValidateUSCC(%q) = %v; want nil", code, err)
		}
		for i := range 18 {
			for j := 0; j < len(usccChars); j++ {
				if usccChars[j] == code[i] {
					continue
				}
				bad := code[:i] + string(usccChars[j]) + code[i+1:]
				if i < 17 {
					if c, _ := duixian.USCCCheckChar(bad[:17]); c == code[17] {
						t.Fatalf("%q and %q share check character %q", code, bad, c)
					}
				}
				if duixian.ValidateUSCC(bad) == nil {
					t.Fatalf("ValidateUSCC(%q) accepted a substitution in %q at character %d", bad, code, i+1)
				}
			}
			if i < 16 && code[i] != code[i+1] {
				swapped := code[:i] + string(code[i+1]) + string(code[i]) + code[i+2:]
				if c, _ := duixian.USCCCheckChar(swapped[:17]); c == code[17] {
					t.Fatalf("%q and %q (characters %d and %d swapped) share check character %q", code, swapped, i+1, i+2, c)
				}
			}
		}
	}
	// The check character ranges over the whole set, '0' (a sum divisible by
	// 31) included; missing one in 1,000 draws has odds below 1e-12.
	if len(seen) != len(usccChars) {
		t.Errorf("check characters seen: %d of %d", len(seen), len(usccChars))
	}
}
