package land

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Row is a case in a list: the holder's name and the steps the reader may
// take on it now.
type Row struct {
	C    *Case
	Name string // the holder's name
	Todo []string
}

// List is the cases actor may see, the latest first, with what actor has
// to do on each: the steps it may take, less withdrawing, rejecting and
// returning, which are always open and no work waiting.
func (s *Service) List(ctx context.Context, actor duixian.Actor) ([]Row, error) {
	list, err := s.Cases(ctx, actor)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	// A holder whose file cannot be read is listed without its name.
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		for _, c := range list {
			if _, ok := names[c.Enterprise]; ok {
				continue
			}
			if e, err := tx.Enterprise(c.Enterprise, false); err == nil {
				names[c.Enterprise] = e.Name
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]Row, 0, len(list))
	for _, c := range list {
		row := Row{C: c, Name: names[c.Enterprise]}
		actions, err := s.Actions(ctx, actor, c)
		if err != nil {
			return nil, err
		}
		for _, r := range actions {
			if r.Action != ActWithdraw && r.Action != ActReject && r.Action != ActReturn {
				row.Todo = append(row.Todo, r.Zh)
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// FactRow is one fact of a case as a person reads it, with the step that
// sets it when the holder does not.
type FactRow struct {
	Label, Value, By string
}

// Detail is a case as its page shows it.
type Detail struct {
	C       *Case
	Name    string // the holder's name
	Actions []Rule // the steps the reader may take now
	Facts   []FactRow
	Applied bool // the holder applied for the transition policy
	// Log is the audit log about the case, for officials who act on it,
	// administrators and supervision; nil for the holder and a department
	// consulted.
	Log []duixian.AuditEntry
}

// shownFacts are the facts a case page shows beyond the holder's.
var shownFacts = []string{"land_transition_approved", "land_plan_approved", "land_market_price", "land_government_revenue"}

// Detail reads case id as actor may see it, with what its page shows.
func (s *Service) Detail(ctx context.Context, actor duixian.Actor, id string) (*Detail, error) {
	c, err := s.Case(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	d := &Detail{C: c}
	if d.Actions, err = s.Actions(ctx, actor, c); err != nil {
		return nil, err
	}
	seesLog := actor.Role != duixian.RoleEnterprise && actor.Role != duixian.RoleCoReviewer
	err = s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		e, err := tx.Enterprise(c.Enterprise, false)
		switch {
		case err == nil:
			d.Name = e.Name
		case duixian.ErrorCode(err) != duixian.ENOTFOUND:
			return err
		}
		if seesLog {
			d.Log, err = tx.AuditLog(c.ID)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(string(c.Facts)))
	dec.UseNumber()
	_ = dec.Decode(&raw)
	d.Applied, _ = raw["land_transition_applied"].(bool)
	for _, name := range append(s.HolderFacts(), shownFacts...) {
		val, ok := raw[name]
		f, known := s.Catalogue.Fact(name)
		if !ok || !known {
			continue
		}
		label := f.Zh
		if name == "zones" {
			label = PlotZones
		}
		d.Facts = append(d.Facts, FactRow{Label: label, Value: ShowFact(f, val), By: OwnedBy(name)})
	}
	return d, nil
}

// PlotZones is how the fact zones reads for a land case: the plot's zones
// (20号第二条（一）), not where the enterprise operates.
const PlotZones = "地块所在范围"

// ShowFact writes a fact's value (as JSON decodes it, numbers kept exact)
// as people read it: amounts in 万元 with the yuan when rounded.
func ShowFact(f *engine.Fact, v any) string {
	switch x := v.(type) {
	case string:
		if f.Kind == engine.KindMoney {
			if d, err := duixian.ParseAmount(x); err == nil {
				if m, err := duixian.MoneyFromDecimal(d); err == nil {
					return ShowMoney(m)
				}
			}
		}
	case json.Number:
		return x.String()
	case []any:
		var parts []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				parts = append(parts, ShowValue(f, s))
			}
		}
		if len(parts) == 0 {
			return "（无）"
		}
		return strings.Join(parts, "、")
	}
	return ShowValue(f, v)
}

// ShowValue writes a fact's default or one of its values: 是/否, an enum's
// label.
func ShowValue(f *engine.Fact, v any) string {
	switch x := v.(type) {
	case bool:
		if x {
			return "是"
		}
		return "否"
	case string:
		for _, e := range f.Values {
			if e.Value == x && e.Zh != "" {
				return e.Zh
			}
		}
		return x
	}
	if st, ok := v.(interface{ String() string }); ok {
		return st.String()
	}
	return ""
}
