package sqldb

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/etown/duixian"
)

// Cursor is where a list of applications continues after a: its time and
// id, in the order Applications lists them. It is opaque to readers.
func Cursor(a *duixian.Application) string {
	return base64.RawURLEncoding.EncodeToString([]byte(Stamp(a.Updated) + " " + a.ID))
}

func uncursor(c string) (stamp, id string, err error) {
	bad := duixian.Errorf(duixian.EINVALID, "after", "翻页位置“%s”无效，请从第一页重新开始", "the page cursor %q is not valid; start again from the first page", c)
	b, derr := base64.RawURLEncoding.DecodeString(c)
	if derr != nil {
		return "", "", bad
	}
	stamp, id, ok := strings.Cut(string(b), " ")
	if _, perr := time.Parse(stampLayout, stamp); !ok || perr != nil || id == "" {
		return "", "", bad
	}
	return stamp, id, nil
}
