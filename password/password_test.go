package password

import (
	"strings"
	"testing"
)

func TestHashAndCheck(t *testing.T) {
	h := Hash("正确的密码")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("encoding: %s", h)
	}
	if !Check(h, "正确的密码") || Check(h, "错误的密码") || Check(h, "") {
		t.Fatal("check")
	}
	if Hash("x") == Hash("x") {
		t.Fatal("two hashes of one password share a salt")
	}
	for _, bad := range []string{"", "$argon2i$v=19$m=1,t=1,p=1$AA$AA", "$argon2id$v=19$m=x$AA$AA", "$argon2id$v=19$m=1,t=1,p=1$!$AA"} {
		if Check(bad, "x") {
			t.Fatalf("a malformed hash matched: %q", bad)
		}
	}
}
