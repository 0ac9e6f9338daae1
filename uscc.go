package duixian

import (
	"strings"
	"unicode/utf8"
)

// A 统一社会信用代码 (GB 32100-2015) is the one identifier every claimant has,
// so it is checked when it enters the platform: a mistyped code would
// otherwise attach a claim to no enterprise, or to the wrong one.
//
//	position 1      登记管理部门代码 (registration authority)
//	position 2      机构类别代码 (category within that authority)
//	positions 3–8   登记管理机关行政区划码 (GB/T 2260 division code, digits)
//	positions 9–17  主体标识码 (the old GB 11714 organisation code)
//	position 18     校验码 (GB/T 17710 check character, mod 31)
//
// Deliberately not checked: that the division code exists in GB/T 2260 (the
// list changes every year and a code keeps the division it was issued in for
// life), and the GB 11714 check digit inside positions 9–17, which belongs to
// that standard, not to this one.
//
// Third-party sources report a few codes issued in the Fujian pilot before the
// standard (91350100M0001TGQXM among them) whose check character does not
// match; ValidateUSCC rejects those as the standard requires, so such a claimant
// needs a person to look at the case.

// usccChars is the code's character set in value order: a character's value
// is its index. I, O, Z, S and V are left out because they read as 1, 0, 2, 5
// and U.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccValue maps a byte to its value, or -1 if it is not in the character set.
var usccValue = func() (v [256]int8) {
	for i := range v {
		v[i] = -1
	}
	for i := 0; i < len(usccChars); i++ {
		v[usccChars[i]] = int8(i)
	}
	return v
}()

// usccWeights are the standard's weights for positions 1–17, 3^(i-1) mod 31.
// Every weight is non-zero mod the prime 31, which is what makes any
// single-character substitution change the check character.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// usccAuthority is one registration authority and the category codes it may
// use in position 2.
type usccAuthority struct {
	zh, en     string
	categories string
}

// usccAuthorities is GB 32100-2015's table of registration authorities and
// categories. The 2015 text lists 1 机构编制, 5 民政, 9 工商 and Y 其他; the
// others (2, 3, 4, 6, 7, 8, A, N) are the authorities added when codes were
// later assigned to them, as published by the national code centre and
// reproduced widely. Their category lists could not be checked against an
// official copy of the amended table and are taken as reproduced:
//
//	1 机构编制  1 机关, 2 事业单位, 3 中央编办直接管理机构编制的群众团体, 9 其他
//	2 外交      1 外国常驻新闻机构, 9 其他
//	3 司法行政  1 律师执业机构, 2 公证处, 3 基层法律服务所, 4 司法鉴定机构, 5 仲裁委员会, 9 其他
//	4 文化      1 外国在华文化中心, 9 其他
//	5 民政      1 社会团体, 2 民办非企业单位, 3 基金会, 9 其他
//	6 旅游      1 外国旅游部门常驻代表机构, 2 港澳台地区旅游部门常驻内地（大陆）代表机构, 9 其他
//	7 宗教      1 宗教活动场所, 2 宗教院校, 9 其他
//	8 工会      1 基层工会, 9 其他
//	9 工商      1 企业, 2 个体工商户, 3 农民专业合作社
//	A 中央军委改革和编制办公室  1 军队事业单位, 9 其他
//	N 农业      1 组级集体经济组织, 2 村级集体经济组织, 3 乡镇级集体经济组织, 9 其他
//	Y 其他      1 (not divided into categories)
var usccAuthorities = map[byte]usccAuthority{
	'1': {"机构编制", "public sector establishment", "1239"},
	'2': {"外交", "foreign affairs", "19"},
	'3': {"司法行政", "justice administration", "123459"},
	'4': {"文化", "culture", "19"},
	'5': {"民政", "civil affairs", "1239"},
	'6': {"旅游", "tourism", "129"},
	'7': {"宗教", "religious affairs", "129"},
	'8': {"工会", "trade unions", "19"},
	'9': {"工商", "industry and commerce", "123"},
	'A': {"中央军委改革和编制办公室", "CMC reform and establishment office", "19"},
	'N': {"农业", "agriculture", "1239"},
	'Y': {"其他", "other", "1"},
}

// ValidateUSCC checks a 统一社会信用代码 against GB 32100-2015: 18 characters
// from the code's character set (digits and upper-case letters except I, O, Z, S, V),
// a registration-authority code and category code that exist in the standard's
// tables, a 6-digit administrative division code, and the check character computed
// from the first 17 with the standard's weights (3^i mod 31). It returns nil, or a
// *Error with Code EINVALID, Field "uscc", and messages in Chinese and English
// that say what is wrong (length, a character not allowed at position N, a wrong
// check character — giving the expected one).
//
// Surrounding spaces are ignored; lower case is not accepted, because the
// standard writes the code in upper case and a code stored in lower case
// would not match the same enterprise elsewhere.
func ValidateUSCC(code string) error {
	code = strings.TrimSpace(code)
	// Counted in characters, not bytes, so a stray full-width character
	// is reported where a person sees it.
	if n := utf8.RuneCountInString(code); n != 18 {
		return usccError("统一社会信用代码应为18位，实际为%d位", "a unified social credit code has 18 characters, got %d", n)
	}
	pos := 0
	for _, r := range code {
		pos++
		if r < utf8.RuneSelf && usccValue[r] >= 0 {
			continue
		}
		if 'a' <= r && r <= 'z' && usccValue[r-'a'+'A'] >= 0 {
			return usccError("第%d位“%c”应使用大写字母", "character %d %q must be upper case", pos, r)
		}
		return usccError("第%d位“%c”不是统一社会信用代码允许的字符（数字和除I、O、Z、S、V外的大写字母）",
			"character %d %q is not allowed (digits and upper-case letters except I, O, Z, S, V)", pos, r)
	}
	// Every character is now one ASCII byte.
	auth, ok := usccAuthorities[code[0]]
	if !ok {
		return usccError("第1位登记管理部门代码“%c”不存在", "character 1: there is no registration authority %q", rune(code[0]))
	}
	if strings.IndexByte(auth.categories, code[1]) < 0 {
		return usccError("第2位机构类别代码“%[1]c”不属于登记管理部门“%[2]c”（%[3]s），应为%[4]s之一",
			"character 2: category %[1]q does not exist for registration authority %[2]q (%[5]s), expected one of %[6]s",
			rune(code[1]), rune(code[0]), auth.zh, strings.Join(strings.Split(auth.categories, ""), "、"),
			auth.en, strings.Join(strings.Split(auth.categories, ""), ", "))
	}
	for i := 2; i < 8; i++ {
		if c := code[i]; c < '0' || c > '9' {
			return usccError("第%d位“%c”应为数字（第3–8位是登记管理机关行政区划码）",
				"character %d %q must be a digit (characters 3–8 are the administrative division code)", i+1, rune(c))
		}
	}
	if want, _ := USCCCheckChar(code[:17]); code[17] != want {
		return usccError("第18位校验码“%[1]c”不正确，应为“%[2]c”", "character 18: wrong check character %[1]q, expected %[2]q",
			rune(code[17]), rune(want))
	}
	return nil
}

// USCCCheckChar computes the 18th character for the first 17 characters (for
// generating test and demo data); it reports false if prefix is not 17 valid characters.
//
// Only the character set is checked, not the authority, category or division
// code, so that deliberately malformed test data can still carry a correct
// check character.
func USCCCheckChar(prefix string) (byte, bool) {
	if len(prefix) != 17 {
		return 0, false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := usccValue[prefix[i]]
		if v < 0 {
			return 0, false
		}
		sum += int(v) * usccWeights[i]
	}
	// 31 - (sum mod 31), with 31 written as 0.
	return usccChars[(31-sum%31)%31], true
}

func usccError(zh, en string, args ...any) error {
	return Errorf(EINVALID, "uscc", zh, en, args...)
}
