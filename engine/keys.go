package engine

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownKeys walks a parsed YAML file beside the Go type it decodes into
// and reports every key the format does not have, in the author's words:
// the key, the line, the keys allowed at that place and the nearest of
// them. (The YAML library would name a Go type instead, and stop at the
// first.)
func unknownKeys(n *yaml.Node, t reflect.Type, report func(line int, key string, allowed []string)) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// A scalar, or a yaml.Node the loader reads itself (a case's facts),
	// has no keys of the format's.
	if n == nil || t == reflect.TypeOf(scalar{}) || t == reflect.TypeOf(yaml.Node{}) {
		return
	}
	switch t.Kind() {
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for _, c := range n.Content {
				unknownKeys(c, t.Elem(), report)
			}
		}
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		fields := map[string]reflect.Type{}
		var allowed []string
		var add func(t reflect.Type)
		add = func(t reflect.Type) {
			for i := range t.NumField() {
				name, opts, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
				switch {
				case opts == "inline":
					add(t.Field(i).Type)
				case name != "" && name != "-":
					fields[name] = t.Field(i).Type
					allowed = append(allowed, name)
				}
			}
		}
		add(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			ft, ok := fields[k.Value]
			if !ok {
				report(k.Line, k.Value, allowed)
				continue
			}
			unknownKeys(n.Content[i+1], ft, report)
		}
	}
}

// unknownKeyMessage says what is wrong with a key, in Chinese and English.
func unknownKeyMessage(key string, allowed []string) string {
	hint, hintEn := "", ""
	if near := nearest(key, allowed); near != "" {
		hint, hintEn = fmt.Sprintf("；是否想写 %s？", near), fmt.Sprintf("; did you mean %s?", near)
	}
	list := strings.Join(allowed, ", ")
	return fmt.Sprintf("未知的键 %s，此处可写：%s%s / unknown key %s; allowed here: %s%s", key, list, hint, key, list, hintEn)
}

// nearest is the allowed word closest to w, if it is close enough to be
// a slip of the keyboard.
func nearest(w string, allowed []string) string {
	best, bestD := "", len(w)/2+1
	for _, a := range allowed {
		if d := editDistance(w, a); d < bestD || (d == bestD && best == "") {
			if d < bestD {
				best, bestD = a, d
			}
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = slices.Min([]int{prev[j] + 1, cur[j-1] + 1, prev[j-1] + cost})
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
