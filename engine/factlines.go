package engine

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// FactLine is one fact as a person reads it.
type FactLine struct {
	Name, Label, Value, Unit string
	Shared                   bool // an enterprise fact the registry holds
}

// FactLines lists a JSON object of facts as people read them, with the
// catalogue's labels: those named in order first, then the others by name.
func (c *Catalogue) FactLines(raw json.RawMessage, order []string) []FactLine {
	var m map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &m) != nil {
		return nil
	}
	var out []FactLine
	seen := map[string]bool{}
	add := func(name string) {
		v, ok := m[name]
		if !ok || seen[name] {
			return
		}
		seen[name] = true
		f, _ := c.Fact(name)
		row := FactLine{Name: name, Label: name, Value: ShowJSON(f, v)}
		if f != nil {
			row.Label, row.Shared = f.Zh, f.Document == ""
			// A unit the value does not state already ("86万元" is money with its unit).
			if !strings.HasSuffix(row.Value, "元") && !strings.Contains(row.Value, "\n") {
				row.Unit = f.Unit
			}
		}
		out = append(out, row)
	}
	for _, n := range order {
		add(n)
	}
	rest := make([]string, 0, len(m))
	for n := range m {
		rest = append(rest, n)
	}
	sort.Strings(rest)
	for _, n := range rest {
		add(n)
	}
	return out
}

func enumZh(f *Fact, v string) string {
	if f != nil {
		for _, e := range f.Values {
			if e.Value == v && e.Zh != "" {
				return e.Zh
			}
		}
	}
	return v
}

// ShowJSON writes a fact's JSON value as people read it: 是/否, enum and
// zone labels, numbers as written, a record's fields by their labels; f nil
// for a fact the catalogue does not know.
func ShowJSON(f *Fact, raw json.RawMessage) string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	return show(f, v)
}

func show(f *Fact, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case string:
		if f != nil && f.Kind == KindDate {
			return f.Show(x)
		}
		return enumZh(f, x)
	case json.Number:
		return x.String()
	case nil:
		return "—"
	case []any:
		var parts []string
		for _, it := range x {
			if rec, ok := it.(map[string]any); ok {
				parts = append(parts, record(f, rec))
				continue
			}
			parts = append(parts, show(f, it))
		}
		if len(parts) == 0 {
			return "（无）"
		}
		sep := "、"
		if len(x) > 0 {
			if _, ok := x[0].(map[string]any); ok {
				sep = "\n"
			}
		}
		return strings.Join(parts, sep)
	case map[string]any:
		return record(f, x)
	}
	return fmt.Sprint(v)
}

func record(f *Fact, rec map[string]any) string {
	var keys []string
	if f != nil {
		for _, fd := range f.Fields {
			if _, ok := rec[fd.Name]; ok {
				keys = append(keys, fd.Name)
			}
		}
	}
	for k := range rec {
		if !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	var parts []string
	for _, k := range keys {
		var ff *Fact
		label := k
		if f != nil {
			for _, fd := range f.Fields {
				if fd.Name == k {
					ff, label = fd, fd.Zh
				}
			}
		}
		parts = append(parts, label+"："+show(ff, rec[k]))
	}
	return strings.Join(parts, "；")
}
