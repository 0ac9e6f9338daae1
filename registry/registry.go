// Package registry is the data side of 免申即享: it brings the departments'
// data on enterprises into the platform's files (一企一档) and takes the lists
// officials print out of it.
//
//   - Import reads a CSV or XLSX sheet of enterprises and their catalogue
//     facts, checks every cell against the catalogue, and applies the whole
//     file in one transaction or nothing of it (docs/import.md is the layout
//     an official fills in).
//   - ExportPublicity, ExportDisbursement and ExportStatistics write the
//     公示名单, the 拨付表 and the statistics per document as XLSX laid out for
//     printing.
//   - Generate makes a deterministic synthetic population of E-Town
//     enterprises for demos and benchmarks, and Write stores it.
package registry

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/govalues/decimal"
)

// Report says what an import did, or, when the file was refused, every
// error in it.
type Report struct {
	Format    string     `json:"format"`
	Rows      int        `json:"rows"`    // data rows read (blank rows are not counted)
	Columns   []string   `json:"columns"` // the fact columns, in file order
	Created   int        `json:"created"`
	Updated   int        `json:"updated"`
	Unchanged int        `json:"unchanged"`
	Errors    []RowError `json:"errors,omitempty"`
}

// RowError is one problem in an import file, where the official sees it in
// Excel: the 1-based row, the column letter and the column's header.
type RowError struct {
	Row    int    `json:"row"`
	Column string `json:"column,omitempty"` // "C"; empty when the row as a whole is at fault
	Header string `json:"header,omitempty"` // the column's header, such as "zones"
	Zh     string `json:"message_zh"`
	En     string `json:"message_en"`
}

// Where names the place in both languages: "第3行C列（zones）" and
// "row 3, column C (zones)".
func (e RowError) Where() (zh, en string) {
	switch {
	case e.Column == "":
		return fmt.Sprintf("第%d行", e.Row), fmt.Sprintf("row %d", e.Row)
	case e.Header == "":
		return fmt.Sprintf("第%d行%s列", e.Row, e.Column), fmt.Sprintf("row %d, column %s", e.Row, e.Column)
	}
	return fmt.Sprintf("第%d行%s列（%s）", e.Row, e.Column, e.Header), fmt.Sprintf("row %d, column %s (%s)", e.Row, e.Column, e.Header)
}

func (e RowError) Error() string {
	zh, en := e.Where()
	return zh + "：" + e.Zh + " / " + en + ": " + e.En
}

// fraudBanFacts are the facts the platform derives from an enterprise's
// bans (a document's 三年内不得申报); nobody imports them.
func fraudBanFacts(cat *engine.Catalogue) map[string]*engine.Document {
	out := map[string]*engine.Document{}
	for _, d := range cat.Documents() {
		if d.FraudBan != nil {
			out[d.FraudBan.Fact] = d
		}
	}
	return out
}

// encodeFact writes a typed fact value the way enterprise files hold it:
// booleans and whole numbers as JSON, decimals as their exact text,
// amounts as yuan with two decimals ("60000.00"), sets as lists, records as
// objects with every field.
func encodeFact(f *engine.Fact, v any) any {
	switch f.Kind {
	case engine.KindDecimal:
		if d, ok := v.(decimal.Decimal); ok {
			return d.Trim(0).String()
		}
	case engine.KindMoney:
		if d, ok := v.(decimal.Decimal); ok {
			if m, err := duixian.MoneyFromDecimal(d); err == nil {
				return m.String()
			}
			return d.String()
		}
	case engine.KindSet:
		if s, ok := v.([]string); ok && s == nil {
			return []string{}
		}
	case engine.KindRecords:
		recs, ok := v.([]duixian.Facts)
		if !ok {
			break
		}
		out := make([]map[string]any, 0, len(recs))
		for _, rec := range recs {
			m := make(map[string]any, len(f.Fields))
			for _, fd := range f.Fields {
				if x, ok := rec[fd.Name]; ok {
					m[fd.Name] = encodeFact(fd, x)
				}
			}
			out = append(out, m)
		}
		return out
	}
	return v
}

// canon is a typed value's identity for "has it changed": 168.50 and 168.5
// are the same area, and a set does not depend on its order.
func canon(v any) string {
	switch t := v.(type) {
	case bool:
		return strconv.FormatBool(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case decimal.Decimal:
		return t.Trim(0).String()
	case string:
		return strconv.Quote(t)
	case []string:
		s := slices.Clone(t)
		sort.Strings(s)
		s = slices.Compact(s)
		return "{" + strings.Join(quoteAll(s), ",") + "}"
	case []duixian.Facts:
		parts := make([]string, len(t))
		for i, rec := range t {
			keys := make([]string, 0, len(rec))
			for k := range rec {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			var b strings.Builder
			for _, k := range keys {
				b.WriteString(k + "=" + canon(rec[k]) + ";")
			}
			parts[i] = b.String()
		}
		return "[" + strings.Join(parts, "|") + "]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func quoteAll(s []string) []string {
	out := make([]string, len(s))
	for i, x := range s {
		out[i] = strconv.Quote(x)
	}
	return out
}

// numberCell is a numeric spreadsheet cell written from its exact decimal text
// (never through float64): amounts in 万元 or 元, exact to the fen.
type numberCell string
