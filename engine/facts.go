package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
	"go.yaml.in/yaml/v3"
)

// FactKind is the type of a fact as a policy author declares it.
type FactKind string

const (
	KindBool    FactKind = "bool"
	KindInt     FactKind = "int"
	KindDecimal FactKind = "decimal" // areas, capacities, percentages
	KindMoney   FactKind = "money"   // yuan, exact to the fen
	KindEnum    FactKind = "enum"    // one of Values
	KindSet     FactKind = "set"     // several of Values
	KindRecords FactKind = "records" // a list of records with Fields
	KindText    FactKind = "text"    // free text, such as an event's name
	// KindDate is a civil date in Shanghai, written YYYY-MM-DD. An optional
	// date fact may be left out (not on the list, never paid): its value is
	// then the zero date, which conditions test with known().
	KindDate FactKind = "date"
)

// Fact is one input a clause needs, with its type, unit, bounds and the
// Chinese label and help an applicant sees.
type Fact struct {
	Name     string
	Kind     FactKind
	Unit     string
	Min, Max *decimal.Decimal
	Values   []EnumValue
	Fields   []*Fact
	MaxItems int
	Default  any
	// Optional, for a date fact, lets the applicant leave it out; Default
	// is then the zero date.
	Optional bool
	Zh, En   string
	Help     string
	Document string // "" for facts shared by the whole catalogue
	// Derived, when set, says the platform answers this fact from its own
	// records; whatever the applicant types for it is overridden.
	Derived *Derivation
	slot    int
	// number is the fact's place among the catalogue's facts, where a
	// Bound keeps its value (a records fact has no slot of its own).
	number int
}

// EnumValue is one allowed value of an enum or set fact.
type EnumValue struct {
	Value  string
	Zh     string
	En     string `json:",omitempty"`
	Within string `json:",omitempty"` // of a region: the region it lies in
}

func (f *Fact) exprType() expression.Type {
	switch f.Kind {
	case KindBool:
		return expression.Bool
	case KindInt:
		return expression.Int
	case KindDecimal, KindMoney:
		return expression.Decimal
	case KindEnum, KindText:
		return expression.String
	case KindSet:
		return expression.StringList
	case KindDate:
		return expression.Date
	}
	return 0
}

func (f *Fact) allows(v string) bool {
	return slices.ContainsFunc(f.Values, func(e EnumValue) bool { return e.Value == v })
}

func (f *Fact) valueZh(v string) string {
	for _, e := range f.Values {
		if e.Value == v && e.Zh != "" {
			return e.Zh
		}
	}
	return v
}

// factError reports bad input for a fact, naming it in both languages.
func (f *Fact) factError(field, zh, en string, args ...any) error {
	return f.bilingualError(field, fmt.Sprintf(zh, args...), fmt.Sprintf(en, args...))
}

// bilingualError is factError of messages already written, in which the
// Chinese and the English name different things.
func (f *Fact) bilingualError(field, zh, en string) error {
	return &duixian.Error{Code: duixian.EINVALID, Field: field,
		// The Chinese names the fact by its label alone, set off by a colon
		// (a label may end in a noun such as 缺失): the field says which
		// fact, and people read it beside the input.
		Zh: f.Zh + "：" + zh,
		En: fmt.Sprintf("fact %s (%s) ", f.Name, f.En) + en}
}

// decode converts one raw input value (from JSON with UseNumber, or from
// YAML) into the fact's Go type, checking its type, allowed values and
// bounds. field names the place in the input, such as "facts.area_m2".
func (f *Fact) decode(field string, raw any) (any, error) {
	switch f.Kind {
	case KindBool:
		if b, ok := raw.(bool); ok {
			return b, nil
		}
		return nil, f.factError(field, "应为是/否（true 或 false），收到 %v", "must be true or false, got %v", raw)
	case KindInt:
		n, ok := raw.(json.Number)
		v, err := strconv.ParseInt(string(n), 10, 64)
		if d, perr := duixian.ParseNumber(string(n)); ok && err != nil && perr == nil && d.IsInt() { // 1e3
			if whole, _, fits := d.Int64(0); fits {
				v, err = whole, nil
			}
		}
		if !ok || err != nil {
			return nil, f.factError(field, "应为整数，收到 %v", "must be a whole number, got %v", raw)
		}
		if err := f.checkBounds(field, decimal.MustNew(v, 0)); err != nil {
			return nil, err
		}
		return v, nil
	case KindDecimal, KindMoney:
		var text string
		switch t := raw.(type) {
		case json.Number:
			text = string(t)
		case string:
			text = t
		default:
			return nil, f.factError(field, "应为数值，收到 %v", "must be a number, got %v", raw)
		}
		var d decimal.Decimal
		var err error
		if f.Kind == KindMoney {
			d, err = duixian.ParseAmount(text)
		} else {
			d, err = duixian.ParseNumber(text)
		}
		if err != nil {
			return nil, f.factError(field, "应为数值，收到 %v", "must be a number, got %v", raw)
		}
		if f.Kind == KindMoney && d.Trim(2).Scale() > 2 {
			return nil, f.factError(field, "是金额，最多两位小数（分），收到 %s", "is an amount with at most two decimals (fen), got %s", d)
		}
		if err := f.checkBounds(field, d); err != nil {
			return nil, err
		}
		return d, nil
	case KindText:
		s, ok := raw.(string)
		if !ok {
			return nil, f.factError(field, "应为文字，收到 %v", "must be text, got %v", raw)
		}
		return s, nil
	case KindDate:
		s, ok := raw.(string)
		if ok && strings.TrimSpace(s) == "" && f.Optional {
			return duixian.Date{}, nil
		}
		d, err := duixian.ParseDate(strings.TrimSpace(s))
		if !ok || err != nil {
			return nil, f.factError(field, "应为日期（YYYY-MM-DD），收到 %v", "must be a date YYYY-MM-DD, got %v", raw)
		}
		return d, nil
	case KindEnum:
		s, ok := raw.(string)
		if !ok || !f.allows(s) {
			zh, en := f.valueList()
			return nil, f.bilingualError(field, fmt.Sprintf("应为 %s 之一，收到 %v", zh, raw), fmt.Sprintf("must be one of %s, got %v", en, raw))
		}
		return s, nil
	case KindSet:
		list, ok := raw.([]any)
		if !ok {
			return nil, f.factError(field, "应为列表，收到 %v", "must be a list, got %v", raw)
		}
		if len(list) > expression.MaxListLen {
			return nil, f.factError(field, "最多 %d 项", "takes at most %d items", expression.MaxListLen)
		}
		out := make([]string, 0, len(list))
		for i, e := range list {
			s, ok := e.(string)
			if !ok || !f.allows(s) {
				zh, en := f.valueList()
				return nil, f.bilingualError(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("的取值应为 %s 之一，收到 %v", zh, e), fmt.Sprintf("takes values among %s, got %v", en, e))
			}
			out = append(out, s)
		}
		return out, nil
	case KindRecords:
		list, ok := raw.([]any)
		if !ok {
			return nil, f.factError(field, "应为记录列表，收到 %v", "must be a list of records, got %v", raw)
		}
		if len(list) > f.MaxItems {
			return nil, f.factError(field, "最多 %d 条记录", "takes at most %d records", f.MaxItems)
		}
		out := make([]duixian.Facts, 0, len(list))
		for i, e := range list {
			at := fmt.Sprintf("%s[%d]", field, i)
			m, ok := e.(map[string]any)
			if !ok {
				return nil, f.factError(at, "第 %d 条记录应为键值对象", "record %d must be an object", i+1)
			}
			rec, err := decodeFields(at, f.Fields, m)
			if err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		return out, nil
	}
	return nil, fmt.Errorf("fact %s has no kind", f.Name)
}

// valueList names the allowed values for an error: in Chinese by their
// labels, the code beside each for an API caller; in English by code.
func (f *Fact) valueList() (zh, en string) {
	z, e := make([]string, len(f.Values)), make([]string, len(f.Values))
	for i, v := range f.Values {
		z[i], e[i] = v.Value, v.Value
		if v.Zh != "" {
			z[i] = v.Zh + "（" + v.Value + "）"
		}
	}
	return strings.Join(z, "、"), strings.Join(e, ", ")
}

func (f *Fact) outOfBounds(d decimal.Decimal) bool {
	return (f.Min != nil && d.Cmp(*f.Min) < 0) || (f.Max != nil && d.Cmp(*f.Max) > 0)
}

func (f *Fact) checkBounds(field string, d decimal.Decimal) error {
	if f.Min != nil && d.Cmp(*f.Min) < 0 {
		return f.factError(field, "不得小于 %s，收到 %s", "must be at least %s, got %s", f.Min, d)
	}
	if f.Max != nil && d.Cmp(*f.Max) > 0 {
		return f.factError(field, "不得大于 %s，收到 %s", "must be at most %s, got %s", f.Max, d)
	}
	return nil
}

// decodeFields decodes a record: every declared field must be present
// (or have a default) and no undeclared field may appear.
func decodeFields(field string, fields []*Fact, m map[string]any) (duixian.Facts, error) {
	out := make(duixian.Facts, len(fields))
	for _, fd := range fields {
		raw, ok := m[fd.Name]
		if !ok {
			if fd.Default != nil {
				out[fd.Name] = fd.Default
				continue
			}
			return nil, fd.factError(field+"."+fd.Name, "缺失", "is missing")
		}
		v, err := fd.decode(field+"."+fd.Name, raw)
		if err != nil {
			return nil, err
		}
		out[fd.Name] = v
	}
	for k := range m {
		if !slices.ContainsFunc(fields, func(f *Fact) bool { return f.Name == k }) {
			return nil, duixian.Errorf(duixian.EINVALID, field+"."+k, "未知字段 %s", "unknown field %s", k)
		}
	}
	return out, nil
}

// DecodeFacts reads facts from raw input — JSON decoded with UseNumber, so
// that numbers keep their exact text — into typed values. An unknown fact
// name is an error: a misspelt fact must not silently vanish.
func (c *Catalogue) DecodeFacts(field string, raw map[string]any) (duixian.Facts, error) {
	out := make(duixian.Facts, len(raw))
	for name, v := range raw {
		f, ok := c.facts[name]
		if !ok {
			return nil, duixian.Errorf(duixian.EINVALID, field+"."+name, "未知事实 %s", "unknown fact %s", name)
		}
		d, err := f.decode(field+"."+name, v)
		if err != nil {
			return nil, err
		}
		out[name] = d
	}
	return out, nil
}

// FactErrors is the error of every fact of raw that does not decode, by
// fact name, so that a form can name all its mistakes at once where
// DecodeFacts stops at the first.
func (c *Catalogue) FactErrors(field string, raw map[string]any) []*duixian.Error {
	var out []*duixian.Error
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if _, err := c.DecodeFacts(field, map[string]any{name: raw[name]}); err != nil {
			var e *duixian.Error
			if !errors.As(err, &e) {
				e = duixian.Errorf(duixian.EINVALID, field+"."+name, "%v", "%v", err)
			}
			out = append(out, e)
		}
	}
	return out
}

// DecodeJSONFacts decodes a JSON object of facts.
func (c *Catalogue) DecodeJSONFacts(field string, data []byte) (duixian.Facts, error) {
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, duixian.Errorf(duixian.EINVALID, field, "不是有效的 JSON 对象：%v", "not a valid JSON object: %v", err)
	}
	return c.DecodeFacts(field, raw)
}

// rawFromYAML turns a YAML node into the same raw shape JSON gives, keeping
// numbers as their text so that 25000.10 stays exact.
func rawFromYAML(n *yaml.Node) (any, error) {
	switch n.Kind {
	case 0:
		return nil, nil
	case yaml.DocumentNode:
		return rawFromYAML(n.Content[0])
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!int", "!!float":
			return json.Number(n.Value), nil
		case "!!bool":
			return n.Value == "true", nil
		case "!!null":
			return nil, nil
		}
		return n.Value, nil
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := rawFromYAML(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			v, err := rawFromYAML(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[n.Content[i].Value] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("line %d: unsupported YAML value", n.Line)
}

// bind checks a claim's facts against the clause's schema and puts them in
// their slots.
func (cl *Clause) bind(facts duixian.Facts, vals []expression.Value) error {
	return bindFacts(cl.facts, facts, vals)
}

func bindFacts(schema []*Fact, facts duixian.Facts, vals []expression.Value) error {
	for _, f := range schema {
		v, ok := facts[f.Name]
		if err := f.bind(v, ok, vals); err != nil {
			return err
		}
	}
	return nil
}

// bind checks the value a claim gives the fact (given false: none, so its
// default) and puts it in its slot. Both ways of finding the value, by
// name (Evaluate) and by slot (Bound), come here, so they check alike.
func (f *Fact) bind(v any, given bool, vals []expression.Value) error {
	if !given {
		if f.Default == nil {
			return f.factError("facts."+f.Name, "缺失", "is missing")
		}
		v = f.Default
	}
	if f.Kind == KindRecords {
		if _, ok := v.([]duixian.Facts); !ok {
			return f.factError("facts."+f.Name, "应为记录列表", "must be a list of records")
		}
		return nil
	}
	return f.bindValue(v, vals)
}

// bindValue checks one fact's value and puts it in its slot.
func (f *Fact) bindValue(v any, vals []expression.Value) error {
	if err := vals[f.slot].Set(f.exprType(), v); err != nil {
		return f.factError("facts."+f.Name, "类型不符：%v", "has the wrong type: %v", err)
	}
	if d, ok := v.(decimal.Decimal); ok && f.outOfBounds(d) { // the field's name is built only for the error
		return f.checkBounds("facts."+f.Name, d)
	}
	return nil
}

// BanFacts gives each document's ban fact (its fraud_ban.fact) its value on
// asOf: true exactly while one of bans under that document lasts. The
// workflow writes a ban when it revokes an award for fraud; nobody declares
// one.
func (c *Catalogue) BanFacts(bans []duixian.Ban, asOf duixian.Date) duixian.Facts {
	facts := duixian.Facts{}
	for _, d := range c.Documents() {
		if d.FraudBan == nil {
			continue
		}
		active := false
		for _, b := range bans {
			active = active || (b.Document == d.ID && b.Active(asOf))
		}
		facts[d.FraudBan.Fact] = active
	}
	return facts
}

// EnterpriseFacts is what the platform, not the applicant, knows of e on
// asOf: every fact its 一企一档 file holds, the default of each fact
// derived from the registry that the file does not hold (not admitted to
// the 群雁计划 is not a member), and its ban facts. These
// override whatever the applicant declares, so a decision never rests on a
// typed figure the government already holds.
func (c *Catalogue) EnterpriseFacts(e *duixian.Enterprise, asOf duixian.Date) (duixian.Facts, error) {
	facts := duixian.Facts{}
	if len(e.Facts) > 0 {
		known, err := c.DecodeJSONFacts("enterprise.facts", e.Facts)
		if err != nil {
			return nil, err
		}
		facts = known
	}
	for _, f := range c.facts {
		if _, held := facts[f.Name]; !held && f.Derived != nil && f.Derived.From == "registry" {
			facts[f.Name] = f.Default
		}
	}
	maps.Copy(facts, c.BanFacts(e.Bans, asOf))
	return facts, nil
}

// ZonesFact is the shared fact that lists the regions an enterprise is
// in. Its values are the regions the catalogue knows: E-Town's three
// (60 km², 225 km², the bonded zone) and any other a document names, each
// with the region it lies in. An enterprise lists every region it is in,
// so a scope test is plain membership and needs no geography.
const ZonesFact = "zones"

// Zone finds a region among the values of the shared fact zones.
func (c *Catalogue) Zone(id string) (EnumValue, bool) {
	for _, z := range c.Zones() {
		if z.Value == id {
			return z, true
		}
	}
	return EnumValue{}, false
}

// Zones lists the regions the catalogue knows.
func (c *Catalogue) Zones() []EnumValue {
	if f, ok := c.facts[ZonesFact]; ok {
		return f.Values
	}
	return nil
}

func (c *Catalogue) zoneList() string {
	var ids []string
	for _, z := range c.Zones() {
		ids = append(ids, z.Value)
	}
	return strings.Join(ids, ", ")
}
