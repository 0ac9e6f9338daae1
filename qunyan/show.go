package qunyan

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
	"github.com/govalues/decimal"
)

// Admits reports whether actor decides on filings (商务金融局).
func (s *Service) Admits(actor duixian.Actor) bool { return s.admits(actor) }

// MayRecheck reports whether actor may re-check a member (附则3's dynamic
// management): 商务金融局, administrators and supervision.
func (s *Service) MayRecheck(actor duixian.Actor) bool {
	return s.admits(actor) || actor.Role == duixian.RoleAdmin || actor.Role == duixian.RoleSupervisor
}

// Registered reads an enterprise's registry file: its name and the facts
// government data holds, which the engine uses instead of those filed.
func (s *Service) Registered(ctx context.Context, uscc string) (name string, facts map[string]json.RawMessage, err error) {
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		e, err := tx.Enterprise(uscc, false)
		if err != nil {
			return err
		}
		name = e.Name
		return json.Unmarshal(orEmpty(e.Facts), &facts)
	})
	return name, facts, err
}

// FactRow is a fact of a filing as a reader sees it: as filed, and as the
// registry holds it.
type FactRow struct{ Label, Value, Registry string }

// FiledFacts lists the facts of v's filing beside the registry's, in the
// order of the record form; a fact neither gives is left out.
func (s *Service) FiledFacts(ctx context.Context, v *View) ([]FactRow, error) {
	if v.Filing == nil {
		return nil, nil
	}
	_, registry, err := s.Registered(ctx, v.Enterprise)
	if err != nil {
		return nil, err
	}
	var filed map[string]json.RawMessage
	_ = json.Unmarshal(orEmpty(v.Filing.Facts), &filed)
	var out []FactRow
	for _, f := range s.FormFacts() {
		row := FactRow{Label: f.Zh}
		if raw, ok := filed[f.Name]; ok {
			row.Value = Show(f, raw)
		}
		if raw, ok := registry[f.Name]; ok {
			row.Registry = Show(f, raw)
		}
		if row.Value != "" || row.Registry != "" {
			out = append(out, row)
		}
	}
	return out, nil
}

// Show writes a fact's JSON value as people read it: 是/否, enum labels,
// amounts in 万元, numbers with their unit.
func Show(f *engine.Fact, raw json.RawMessage) string {
	var v any
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return string(raw)
	}
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case []any:
		var parts []string
		for _, e := range x {
			parts = append(parts, enum(f, fmt.Sprint(e)))
		}
		if len(parts) == 0 {
			return "（无）"
		}
		return strings.Join(parts, "、")
	case string:
		if f.Kind == engine.KindMoney {
			return wan(x)
		}
		return enum(f, x)
	case json.Number:
		if f.Kind == engine.KindMoney {
			return wan(string(x))
		}
		return string(x) + f.Unit
	}
	return string(raw)
}

func wan(text string) string {
	d, err := duixian.ParseAmount(text)
	if err != nil {
		return text
	}
	w, err := d.Quo(decimal.MustNew(10000, 0))
	if err != nil {
		return d.String() + "元"
	}
	return w.Trim(2).String() + "万元"
}

func enum(f *engine.Fact, v string) string {
	for _, e := range f.Values {
		if e.Value == v && e.Zh != "" {
			return e.Zh
		}
	}
	return v
}

func orEmpty(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage(`{}`)
	}
	return b
}
