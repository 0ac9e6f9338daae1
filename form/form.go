// Package form is the application form of a clause, generated from its
// facts: the fields a person fills, the posted values read back into the
// facts the engine decodes (with each error put beside the input it names,
// in both languages), the values shown for people, and the facts the
// platform fills instead of the applicant. The calculator's form is the
// same form with every fact optional.
package form

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

// Field is one fact of a form. Scalars are posted as f.<name>, sets as
// repeated f.<name>, records as r.<name>.<row>.<field> with the row count
// in n.<name>.
type Field struct {
	engine.FactView
	Label, Alt string // in the page language, and the other
	Input      string
	Value      string
	Options    []Option
	Cols       []Field // a record's fields
	Rows       []Row
	RowCount   int
	Fixed      string // a read-only value: not sent
	FixedBy    string // where it comes from
	Required   bool
	Calc       bool // calculator: every fact is optional
	Err        *duixian.Error
	Warn       string // a condition this fact fails, after a refusal
	Declares   bool   // declared_truthful: set by the declaration
	Count      int    // clauses that read it (calculator)
	Action     string // the form's address, for "add rows" to come back here
	DefaultZh  string // what is assumed when left empty
	Lang       string
}

// Option is one choice of an enum or a set.
type Option struct {
	Value, Label string
	Selected     bool
}

// Row is one record of a list of records.
type Row struct {
	Index int
	No    int // Index + 1, as people count
	Cells []Cell
	Err   *duixian.Error
}

// Cell is one field of a record.
type Cell struct {
	Field
}

// DeclaredFact is set by the declaration the applicant ticks at the
// bottom of the form, never typed.
const DeclaredFact = "declared_truthful"

// NewField builds the form field of fact f from posted (or prefilled) values.
func NewField(lang string, f engine.FactView, form url.Values, calc bool, extraRows int) *Field {
	ff := &Field{FactView: f, Label: Label(lang, f), Input: "f." + f.Name, Calc: calc, Lang: lang,
		Required: !calc && f.Default == nil && !f.Optional && f.Type != engine.KindSet && f.Type != engine.KindRecords}
	ff.Alt = f.En
	if lang == "en" {
		ff.Alt = f.Zh
	}
	if f.Default != nil {
		ff.DefaultZh = f.Show(f.Default)
	}
	switch f.Type {
	case engine.KindEnum:
		ff.Value = form.Get(ff.Input)
		for _, v := range f.Values {
			ff.Options = append(ff.Options, Option{Value: v.Value, Label: or(v.Zh, v.Value), Selected: v.Value == ff.Value})
		}
	case engine.KindSet:
		chosen := form[ff.Input]
		for _, v := range f.Values {
			ff.Options = append(ff.Options, Option{Value: v.Value, Label: or(v.Zh, v.Value), Selected: slices.Contains(chosen, v.Value)})
		}
		if calc {
			ff.Options = append(ff.Options, Option{Value: "-", Label: "以上均无", Selected: slices.Contains(chosen, "-")})
		}
	case engine.KindRecords:
		for _, c := range f.Fields {
			col := NewField(lang, c, nil, calc, 0)
			col.Required = false
			ff.Cols = append(ff.Cols, *col)
		}
		n, _ := strconv.Atoi(form.Get("n." + f.Name))
		if n < 0 {
			n = 0
		}
		n += extraRows
		least := 2
		if !calc {
			least = 3
		}
		n = min(max(n, least), 500)
		ff.RowCount = n
		for i := 0; i < n; i++ {
			row := Row{Index: i, No: i + 1}
			for _, c := range f.Fields {
				cell := NewField(lang, c, url.Values{}, calc, 0)
				cell.Input = fmt.Sprintf("r.%s.%d.%s", f.Name, i, c.Name)
				cell.Value = form.Get(cell.Input)
				cell.Required = false
				for k := range cell.Options {
					cell.Options[k].Selected = cell.Options[k].Value == cell.Value
				}
				row.Cells = append(row.Cells, Cell{*cell})
			}
			ff.Rows = append(ff.Rows, row)
		}
	default:
		ff.Value = form.Get(ff.Input)
	}
	return ff
}

func or(zh, v string) string {
	if zh != "" {
		return zh
	}
	return v
}

var (
	fullWidth  = strings.NewReplacer("０", "0", "１", "1", "２", "2", "３", "3", "４", "4", "５", "5", "６", "6", "７", "7", "８", "8", "９", "9", "．", ".", "－", "-", "，", ",")
	thousands  = regexp.MustCompile(`^(-?\d{1,3}(?:,\d{3})+)(\.\d+)?(\D*)$`)
	plainInt   = regexp.MustCompile(`^-?\d+$`)
	ErrorField = regexp.MustCompile(`^facts\.([A-Za-z0-9_]+)(?:\[(\d+)\])?(?:\.([A-Za-z0-9_]+))?`)
)

// numberText tidies a number as people type it (full-width digits, 1,900)
// without ever converting it: the engine reads the text exactly.
func numberText(s string) string {
	t := strings.TrimSpace(fullWidth.Replace(s))
	if m := thousands.FindStringSubmatch(t); m != nil {
		t = strings.ReplaceAll(m[1], ",", "") + m[2] + m[3]
	}
	return t
}

// rawValue turns the text of one input into what the fact decoder reads. A
// text it cannot read is passed on as typed, so the decoder names the fact.
func rawValue(kind engine.FactKind, text string) (any, bool) {
	t := strings.TrimSpace(text)
	if t == "" {
		return nil, false
	}
	switch kind {
	case engine.KindBool:
		switch t {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return t, true
	case engine.KindInt:
		n := numberText(t)
		if plainInt.MatchString(n) {
			if v, err := strconv.ParseInt(n, 10, 64); err == nil {
				return json.Number(strconv.FormatInt(v, 10)), true
			}
		}
		return t, true
	case engine.KindDecimal, engine.KindMoney:
		return numberText(t), true
	}
	return t, true
}

// RowRef maps the records sent back to the rows of the form (empty rows
// are skipped, so record 2 may be row 5).
type RowRef map[string][]int

// Collect builds the raw facts of a form's fields. In the calculator an
// empty field is an unknown fact; in an application a set or a list of
// records left empty is an empty set or list.
func Collect(fields []*Field) (map[string]any, RowRef) {
	raw := map[string]any{}
	rows := RowRef{}
	for _, ff := range fields {
		if ff.Fixed != "" {
			continue
		}
		switch ff.Type {
		case engine.KindSet:
			list := []any{}
			chosen := false
			for _, o := range ff.Options {
				if o.Selected {
					chosen = true
					if o.Value != "-" {
						list = append(list, o.Value)
					}
				}
			}
			if chosen || !ff.Calc {
				raw[ff.Name] = list
			}
		case engine.KindRecords:
			list := []any{}
			for _, r := range ff.Rows {
				rec := map[string]any{}
				for _, c := range r.Cells {
					if v, ok := rawValue(c.Type, c.Value); ok {
						rec[c.Name] = v
					}
				}
				if len(rec) == 0 {
					continue
				}
				rows[ff.Name] = append(rows[ff.Name], r.Index)
				list = append(list, rec)
			}
			if len(list) > 0 || !ff.Calc {
				raw[ff.Name] = list
			}
		default:
			if v, ok := rawValue(ff.Type, ff.Value); ok {
				raw[ff.Name] = v
			}
		}
	}
	return raw, rows
}

// Attach puts an error next to the input it names ("facts.x",
// "facts.events[2].minutes"); it reports whether it found one.
func Attach(fields []*Field, rows RowRef, e *duixian.Error) bool {
	m := ErrorField.FindStringSubmatch(e.Field)
	if m == nil {
		return false
	}
	for _, ff := range fields {
		if ff.Name != m[1] {
			continue
		}
		if ff.Type == engine.KindRecords && m[2] != "" {
			i, _ := strconv.Atoi(m[2])
			if refs := rows[ff.Name]; i < len(refs) {
				row := &ff.Rows[refs[i]]
				for k := range row.Cells {
					if row.Cells[k].Name == m[3] {
						row.Cells[k].Err = e
						return true
					}
				}
				row.Err = e
				return true
			}
		}
		ff.Err = e
		return true
	}
	return false
}

// ValuesOf turns stored facts (JSON as the applicant gave them) into form
// values, so a draft or an earlier application fills the form.
func ValuesOf(facts json.RawMessage, records bool) url.Values {
	out := url.Values{}
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(facts))
	dec.UseNumber()
	if len(facts) == 0 || dec.Decode(&raw) != nil {
		return out
	}
	for name, v := range raw {
		switch x := v.(type) {
		case bool:
			out.Set("f."+name, strconv.FormatBool(x))
		case json.Number:
			out.Set("f."+name, string(x))
		case string:
			out.Set("f."+name, x)
		case []any:
			if len(x) > 0 {
				if _, isRec := x[0].(map[string]any); isRec {
					if !records {
						continue
					}
					for i, r := range x {
						rec, _ := r.(map[string]any)
						for k, fv := range rec {
							key := fmt.Sprintf("r.%s.%d.%s", name, i, k)
							switch y := fv.(type) {
							case bool:
								out.Set(key, strconv.FormatBool(y))
							case json.Number:
								out.Set(key, string(y))
							case string:
								out.Set(key, y)
							}
						}
					}
					out.Set("n."+name, strconv.Itoa(len(x)))
					continue
				}
			}
			for _, e := range x {
				if s, ok := e.(string); ok {
					out.Add("f."+name, s)
				}
			}
			if len(x) == 0 {
				out.Add("f."+name, "-")
			}
		}
	}
	return out
}

// MoreRows is the record fact whose "add rows" button was pressed.
func MoreRows(form url.Values, name string) int {
	if form.Get("more") == name {
		return 5
	}
	return 0
}

// Platform are the facts an enterprise does not type (engine's
// EnterpriseFacts and LedgerFacts); Banned and Ledger, subsets of Known,
// say which of them the platform derives from revocations and from its
// award ledger rather than reads from the registry.
type Platform struct {
	Known, Banned, Ledger duixian.Facts
}

// Fills says whether f is filled by the platform, with what and from
// where. The registry holds shared facts (zones, titles, records); whatever
// it holds overrides the applicant at submission, so it is never asked.
func (p *Platform) Fills(f engine.FactView) (value, by string, ok bool) {
	if active, ban := p.Banned[f.Name]; ban {
		return f.Show(active), "由平台根据撤销记录确定", true
	}
	if v, ok := p.Ledger[f.Name]; ok {
		return f.Show(v), "由平台根据奖励台账确定", true
	}
	if v, held := p.Known[f.Name]; held {
		return f.Show(v), "由政府数据提供", true
	}
	return "", "", false
}

// Previous merges the facts of an enterprise's earlier applications, given
// the newest first, into form values; the newest wins, and records are
// left out (events are per year).
func Previous(list []*duixian.Application) url.Values {
	out := url.Values{}
	for i := len(list) - 1; i >= 0; i-- { // oldest first, so the newest wins
		for k, v := range ValuesOf(list[i].Facts, false) {
			out[k] = v
		}
	}
	return out
}

// Label is a fact's name in the page language.
func Label(lang string, f engine.FactView) string {
	if lang == "en" && f.En != "" {
		return f.En
	}
	return f.Zh
}

// HasValue reports whether something was entered in ff.
func HasValue(ff *Field) bool {
	if strings.TrimSpace(ff.Value) != "" {
		return true
	}
	for _, o := range ff.Options {
		if o.Selected {
			return true
		}
	}
	for _, r := range ff.Rows {
		for _, c := range r.Cells {
			if strings.TrimSpace(c.Value) != "" {
				return true
			}
		}
	}
	return false
}

// Warn marks the fields of the facts a failed condition reads with the
// reason, so the applicant sees beside each input what is missed and by
// how much.
func Warn(fields []*Field, conds []engine.ConditionView, r duixian.Reason) {
	for _, c := range conds {
		if c.ID != r.Code {
			continue
		}
		for _, id := range identifier.FindAllString(c.Expr, -1) {
			for _, f := range fields {
				if f.Name == id && f.Fixed == "" && !strings.Contains(f.Warn, r.Zh) {
					f.Warn = strings.TrimSpace(f.Warn + " " + r.Zh)
				}
			}
		}
	}
}
