package reports

import (
	"encoding/json"
	"strconv"

	"github.com/etown/duixian"
)

// Point is one bar or slice of a chart.
type Point struct {
	Key   string      `json:"key,omitempty"`
	Name  string      `json:"name"`
	Value json.Number `json:"value"` // 万元 exact (Money.WanNumber), or a count
	Count int         `json:"count"`
}

// Chart is the data of the dashboard's charts, as the page's script reads it.
type Chart struct {
	Lang        string            `json:"lang"`
	Labels      map[string]string `json:"labels"`
	Documents   []Point           `json:"documents"`
	Departments []Point           `json:"departments"`
	Months      []Point           `json:"months"`
	Stages      []Point           `json:"stages"`
	Unclaimed   []Point           `json:"unclaimed"`
}

// Chart is d's charts in language lang, amounts in 万元; label gives a
// Chinese label in that language.
func (d *Dashboard) Chart(lang string, label func(zh string) string) Chart {
	wan := func(m duixian.Money) json.Number { return json.Number(m.WanNumber()) }
	count := func(n int) json.Number { return json.Number(strconv.Itoa(n)) }
	ch := Chart{Lang: lang, Labels: map[string]string{}}
	for _, k := range []string{"批准金额（万元）", "件数", "申报件数", "应享未享条款数"} {
		ch.Labels[k] = label(k)
	}
	for _, st := range d.ByDocument {
		ch.Documents = append(ch.Documents, Point{Name: st.Key, Value: wan(st.Amount), Count: st.Count})
	}
	for _, st := range d.ByDepartment {
		ch.Departments = append(ch.Departments, Point{Name: st.Label, Value: wan(st.Amount), Count: st.Count})
	}
	for _, st := range d.ByMonth {
		ch.Months = append(ch.Months, Point{Name: st.Label, Value: wan(st.Amount), Count: st.Count})
	}
	for _, st := range d.ByStage {
		ch.Stages = append(ch.Stages, Point{Key: st.Key, Name: label(st.Label), Value: count(st.Count), Count: st.Count})
	}
	for _, un := range d.Unclaimed {
		ch.Unclaimed = append(ch.Unclaimed, Point{Name: un.Name, Value: count(len(un.Clauses)), Count: len(un.Clauses)})
	}
	return ch
}
