package http

// 上市可行性智能诊断 (京技管发〔2025〕26号第四条): the form and the API.
// The standards and their evaluation are package diagnosis's.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/diagnosis"
	"github.com/etown/duixian/engine"
)

// Diagnoser is the listing diagnosis (package diagnosis).
type Diagnoser interface {
	Sections() []diagnosis.Section
	Article() (number, text string)
	Facts(raw map[string]any) (duixian.Facts, error)
	Diagnose(facts duixian.Facts) (*diagnosis.Diagnosis, error)
}

// diagnosisRoutes are the page and the API of the diagnosis. Both POSTs
// change nothing (Safe): the figures are neither stored nor logged.
func (s *Server) diagnosisRoutes() []Route {
	return diagnosisRoutes(&diagnosis.Service{Catalogue: s.Catalogue, Now: s.now}, s.offRender)
}

func diagnosisRoutes(dx Diagnoser, view viewFunc) []Route {
	return []Route{
		{Method: "GET", Path: "/diagnosis", Roles: signedIn, Summary: "上市可行性智能诊断", handle: func(q *Request) error {
			return diagnosisPage(dx, view, q, nil)
		}},
		{Method: "POST", Path: "/diagnosis", Roles: signedIn, Summary: "上市可行性智能诊断：对标", Safe: true, handle: func(q *Request) error {
			if err := q.R.ParseForm(); err != nil {
				return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
			}
			return diagnosisPage(dx, view, q, q.R.PostForm)
		}},
		{Method: "POST", Path: "/api/v1/diagnosis", Roles: signedIn, API: true, Safe: true,
			Summary: "上市可行性智能诊断：按各板块上市标准逐条对标（26号第四条）/ listing feasibility against every board's standards",
			handle: func(q *Request) error {
				var in struct {
					Facts map[string]any `json:"facts"`
				}
				if err := q.decode(&in); err != nil {
					return err
				}
				facts, err := dx.Facts(in.Facts)
				if err != nil {
					return err
				}
				return answer(q)(dx.Diagnose(facts))
			}},
	}
}

// dxField is one field of the diagnosis form, generated from a fact.
type dxField struct {
	engine.FactView
	Value  string
	Boards string // the boards whose standards read it
	Err    *duixian.Error
}

// DefaultText is the value a field left empty takes, as people read it.
func (f *dxField) DefaultText() string {
	switch d := f.Default.(type) {
	case nil:
		return ""
	case bool:
		if d {
			return "是"
		}
		return "否"
	}
	return fmt.Sprint(f.Default)
}

// dxSection groups the fields a board needs beyond those of the boards
// before it.
type dxSection struct {
	Title  string
	Fields []*dxField
}

type dxView struct {
	Sections []dxSection
	Ran      bool
	Result   *diagnosis.Diagnosis
	Errors   int
	Article  string // 26号第四条, as the catalogue has it
	Document string
	// Grades explain the grade beside each standard.
	Grades []engine.EvidenceGrade
}

// diagnosisPage shows the form, filled with what was typed, and when the
// form was sent, the diagnosis. A figure that cannot be read is named on
// its field; the others still count.
func diagnosisPage(dx Diagnoser, view viewFunc, q *Request, form map[string][]string) error {
	v := &dxView{Grades: engine.Grades}
	v.Document, v.Article = dx.Article()
	code := http.StatusOK
	facts := duixian.Facts{}
	for _, sec := range dx.Sections() {
		out := dxSection{Title: sec.Board + "另需"}
		if sec.First {
			out.Title = sec.Board + "所需信息"
		}
		for _, fact := range sec.Facts {
			f := &dxField{FactView: fact.FactView, Boards: strings.Join(fact.Boards, "、")}
			if vs := form["f."+f.Name]; len(vs) > 0 {
				f.Value = strings.TrimSpace(vs[0])
			}
			out.Fields = append(out.Fields, f)
			if f.Value == "" {
				continue
			}
			raw, ok := dxRaw(f.FactView, f.Value)
			if !ok {
				continue
			}
			one, err := dx.Facts(map[string]any{f.Name: raw})
			if e, isApp := err.(*duixian.Error); isApp {
				f.Err = e
				v.Errors++
				code = status(e.Code)
				continue
			} else if err != nil {
				return err
			}
			facts[f.Name] = one[f.Name]
		}
		v.Sections = append(v.Sections, out)
	}
	if form != nil {
		d, err := dx.Diagnose(facts)
		if err != nil {
			return err
		}
		v.Ran, v.Result = true, d
	}
	return view(q, code, "diagnosis.html", "上市可行性智能诊断", v, nil, "")
}

// dxRaw turns a typed value into the raw shape the catalogue decodes:
// amounts and decimals stay text (never a float), digit-group commas and
// spaces dropped; a whole number goes as a JSON number.
func dxRaw(f engine.FactView, text string) (any, bool) {
	switch f.Type {
	case engine.KindBool:
		switch text {
		case "true":
			return true, true
		case "false":
			return false, true
		}
		return nil, false
	case engine.KindInt:
		return json.Number(dxNumber(text)), true
	case engine.KindMoney, engine.KindDecimal:
		return dxNumber(text), true
	}
	return text, true
}

func dxNumber(text string) string {
	return strings.NewReplacer(",", "", "，", "", " ", "", "\u00a0", "").Replace(strings.TrimSpace(text))
}
