package engine

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/etown/duixian"
)

// DecodeClaimSet reads a claim set from JSON:
//
//	{"year": 2026, "as_of": "2027-03-01", "enterprise": "9111…",
//	 "facts": {…shared facts…},
//	 "claims": [{"clause": "jjgf-2025-21/7.1", "event_date": "2026-05-01",
//	             "project": "store-1", "facts": {…}}]}
//
// Numbers keep their exact text; every fact is checked against its schema.
func (c *Catalogue) DecodeClaimSet(data []byte) (duixian.ClaimSet, error) {
	var raw struct {
		Enterprise string           `json:"enterprise"`
		Year       int              `json:"year"`
		AsOf       string           `json:"as_of"`
		Facts      map[string]any   `json:"facts"`
		Claims     []map[string]any `json:"claims"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return duixian.ClaimSet{}, duixian.Errorf(duixian.EINVALID, "claims", "不是有效的申报集合 JSON：%v", "not a valid claim set: %v", err)
	}
	set := duixian.ClaimSet{Enterprise: raw.Enterprise, Year: raw.Year}
	var err error
	if raw.AsOf != "" {
		if set.AsOf, err = duixian.ParseDate(raw.AsOf); err != nil {
			return set, duixian.Errorf(duixian.EINVALID, "as_of", "判定日期格式应为 YYYY-MM-DD", "as_of must be YYYY-MM-DD")
		}
	}
	if set.Year == 0 {
		return set, duixian.Errorf(duixian.EINVALID, "year", "缺少申报年度", "year is missing")
	}
	if set.Facts, err = c.DecodeFacts("facts", raw.Facts); err != nil {
		return set, err
	}
	for i, rc := range raw.Claims {
		claim, err := c.decodeClaim(fmt.Sprintf("claims[%d]", i), rc)
		if err != nil {
			return set, err
		}
		if claim.EventDate.IsZero() {
			return set, duixian.Errorf(duixian.EINVALID, fmt.Sprintf("claims[%d].event_date", i), "缺少事项发生日（YYYY-MM-DD）", "event_date is missing (YYYY-MM-DD)")
		}
		set.Claims = append(set.Claims, claim)
	}
	return set, nil
}

// DecodeClaim reads one claim from JSON: {"clause", "event_date", "as_of",
// "project", "facts"}.
func (c *Catalogue) DecodeClaim(data []byte) (duixian.Claim, error) {
	var raw map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return duixian.Claim{}, duixian.Errorf(duixian.EINVALID, "claim", "不是有效的申报 JSON：%v", "not a valid claim: %v", err)
	}
	return c.decodeClaim("", raw)
}

func (c *Catalogue) decodeClaim(at string, raw map[string]any) (duixian.Claim, error) {
	field := func(name string) string {
		if at == "" {
			return name
		}
		return at + "." + name
	}
	var claim duixian.Claim
	str := func(name string) (string, error) {
		v, ok := raw[name]
		if !ok {
			return "", nil
		}
		s, ok := v.(string)
		if !ok {
			return "", duixian.Errorf(duixian.EINVALID, field(name), "应为文字", "must be a string")
		}
		return s, nil
	}
	for k := range raw {
		switch k {
		case "clause", "event_date", "as_of", "project", "facts":
		default:
			return claim, duixian.Errorf(duixian.EINVALID, field(k), "未知字段 %s", "unknown field %s", k)
		}
	}
	var err error
	if claim.Clause, err = str("clause"); err != nil {
		return claim, err
	}
	if _, ok := c.byID[claim.Clause]; !ok {
		return claim, duixian.Errorf(duixian.ENOTFOUND, field("clause"), "没有条款 %q", "no clause %q", claim.Clause)
	}
	if claim.Project, err = str("project"); err != nil {
		return claim, err
	}
	for _, d := range []struct {
		name string
		dst  *duixian.Date
	}{{"event_date", &claim.EventDate}, {"as_of", &claim.AsOf}} {
		s, err := str(d.name)
		if err != nil {
			return claim, err
		}
		if s == "" {
			continue
		}
		if *d.dst, err = duixian.ParseDate(s); err != nil {
			return claim, duixian.Errorf(duixian.EINVALID, field(d.name), "日期格式应为 YYYY-MM-DD，收到 %q", "must be a date YYYY-MM-DD, got %q", s)
		}
	}
	facts, _ := raw["facts"].(map[string]any)
	if raw["facts"] != nil && facts == nil {
		return claim, duixian.Errorf(duixian.EINVALID, field("facts"), "应为键值对象", "must be an object")
	}
	claim.Facts, err = c.DecodeFacts(field("facts"), facts)
	return claim, err
}
