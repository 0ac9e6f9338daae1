package registry

import (
	"encoding/json"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/etown/duixian"
)

// factsJSON writes the facts drawn as json.Marshal writes them, byte for
// byte, for the kinds of value the generator draws: encoding/json finds
// each value's encoder by reflection and sorts each map's keys through
// reflect.Value, a sixth of the CPU of drawing a million. Anything else
// (a string that needs escaping, another type) is left to json.Marshal.
// It writes into scratch and returns a copy of its own size: the files of
// a few batches are held at a time, and a buffer's spare room would be
// held with them.
func factsJSON(scratch *[]byte, f map[string]any) ([]byte, error) {
	b, ok := appendObject((*scratch)[:0], f)
	*scratch = b
	if ok {
		return slices.Clone(b), nil
	}
	return json.Marshal(f)
}

func appendObject(b []byte, m map[string]any) ([]byte, bool) {
	if m == nil {
		return append(b, "null"...), true
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendString(b, k); !ok {
			return b, false
		}
		b = append(b, ':')
		if b, ok = appendValue(b, m[k]); !ok {
			return b, false
		}
	}
	return append(b, '}'), true
}

func appendValue(b []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case bool:
		return strconv.AppendBool(b, v), true
	case int64:
		return strconv.AppendInt(b, v, 10), true
	case int:
		return strconv.AppendInt(b, int64(v), 10), true
	case string:
		return appendString(b, v)
	case duixian.Date: // its MarshalText, as a string
		return appendString(b, v.String())
	case []string:
		return appendList(b, v, appendString)
	case map[string]any:
		return appendObject(b, v)
	case []map[string]any:
		return appendList(b, v, appendObject)
	}
	return b, false
}

// appendString quotes s when encoding/json would write it unchanged
// between the quotes: valid UTF-8 without control characters, without
// the characters it escapes (", \, and <, > and & for HTML), and without
// U+2028 and U+2029.
func appendString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return b, false
		}
	}
	if !utf8.ValidString(s) {
		return b, false
	}
	for _, r := range s {
		if r == '\u2028' || r == '\u2029' {
			return b, false
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}

// appendList writes a list as json.Marshal does (null for a nil one),
// each element by one; false when one cannot be written.
func appendList[T any](b []byte, v []T, one func([]byte, T) ([]byte, bool)) ([]byte, bool) {
	if v == nil {
		return append(b, "null"...), true
	}
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = one(b, x); !ok {
			return b, false
		}
	}
	return append(b, ']'), true
}
