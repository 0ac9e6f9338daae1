package http

import (
	"bytes"
	"context"
	"encoding/json"
	"html/template"
	"io"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/registry"
	"github.com/etown/duixian/simulation"
)

// Simulator runs a reform against the registry (package simulation).
type Simulator interface {
	Simulate(ctx context.Context, files map[string][]byte, o simulation.Options) (*simulation.Reform, *simulation.Report, error)
}

// simulators: the policy authors, the departments that own the policies
// (their reviewers: 商务金融局's finance-bureau in the demo), the finance
// office that funds them, and the administrator.
var simulators = []duixian.Role{duixian.RoleAuthor, duixian.RoleReviewer, duixian.RoleFinance, duixian.RoleAdmin}

// MaxSimulatedEnterprises bounds the registry a page simulates: it runs
// while the page waits (a few seconds for 20,000 enterprises), not as a
// job; a larger registry is simulated by `duixian simulate`.
const MaxSimulatedEnterprises = 20000

// SimulateView is the 政策仿真 page: the reform as given (its files, to
// export the report again), and what running it found.
type SimulateView struct {
	Files               []SimFile
	ID, Document, Cases string // a draft pasted as on the authoring page
	Date, AsOf          string
	Reform              *simulation.Reform
	Report              *simulation.Report
	Changes             []simulation.ArticleChange
	Changed             []simulation.ClauseRow // the clauses that move, or the reform's
	ChartData           template.HTML
	MaxEnterprises      int
	Groups              []SimGroup
	KindZh              map[string]string
}

// SimGroup is one grouping of the report, with its chart.
type SimGroup struct {
	Title, Note, ChartID string
	Rows                 []simulation.Row
}

// SimFile is one file of a reform.
type SimFile struct{ Name, Text string }

// simulateRoutes: pick a reform (upload its files, or bring the draft
// from the authoring page), see what it would cost beside the law in
// force, export the report. Nothing is saved.
func (s *Server) simulateRoutes() []Route {
	upload := int64(simulation.MaxReformBytes + 1<<20)
	return []Route{
		pageRoute("GET", "/simulate", simulators, "政策仿真", func(q *Request) error {
			return s.offRender(q, 200, "simulate.html", "政策仿真", s.simulateView(), nil, "")
		}),
		{Method: "POST", Path: "/simulate", Roles: simulators, Summary: "政策仿真：运行", Upload: upload, handle: func(q *Request) error {
			v, rep, err := s.runSimulation(q)
			if err != nil {
				return s.simulateError(q, v, err)
			}
			if err := s.simulateCharts(q, v, rep); err != nil {
				return err
			}
			return s.offRender(q, 200, "simulate.html", "政策仿真", v, nil, "")
		}},
		{Method: "POST", Path: "/simulate/report.xlsx", Roles: simulators, Summary: "政策仿真：导出报告", Upload: upload, handle: func(q *Request) error {
			v, rep, err := s.runSimulation(q)
			if err != nil {
				return s.simulateError(q, v, err)
			}
			var b bytes.Buffer
			if err := registry.ExportSimulation(rep, &b); err != nil {
				return err
			}
			h := q.W.Header()
			h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
			h.Set("Content-Disposition", `attachment; filename="simulation.xlsx"; filename*=UTF-8''%E6%94%BF%E7%AD%96%E4%BB%BF%E7%9C%9F.xlsx`)
			h.Set("Cache-Control", "no-store")
			_, err = b.WriteTo(q.W)
			return err
		}},
	}
}

func (s *Server) simulateView() *SimulateView {
	return &SimulateView{MaxEnterprises: MaxSimulatedEnterprises, KindZh: moverKindZh}
}

var moverKindZh = map[string]string{"gains": "新增享受", "loses": "不再享受", "more": "金额增加", "less": "金额减少"}

// simulateError shows a reform that does not check, or a date or size
// refused, on the page with what was given.
func (s *Server) simulateError(q *Request, v *SimulateView, err error) error {
	e, ok := err.(*duixian.Error)
	if !ok {
		return err
	}
	return s.offRender(q, status(e.Code), "simulate.html", "政策仿真", v, e, "")
}

// runSimulation reads the reform from the form: uploaded files, files
// carried back by the page (f:NAME), and a draft pasted as on the
// authoring page; then runs it.
func (s *Server) runSimulation(q *Request) (*SimulateView, *simulation.Report, error) {
	r := q.R
	v := s.simulateView()
	v.ID, v.Document, v.Cases = strings.TrimSpace(r.PostFormValue("id")), r.PostFormValue("document"), r.PostFormValue("cases")
	v.Date, v.AsOf = strings.TrimSpace(r.PostFormValue("date")), strings.TrimSpace(r.PostFormValue("as_of"))
	files := map[string][]byte{}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["files"] {
			f, err := fh.Open()
			if err != nil {
				return v, nil, err
			}
			b, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				return v, nil, err
			}
			files[filepath.Base(fh.Filename)] = b
		}
	}
	for k, vs := range r.PostForm {
		if name, ok := strings.CutPrefix(k, "f:"); ok && len(vs) > 0 {
			files[name] = []byte(vs[0])
		}
	}
	if strings.TrimSpace(v.Document) != "" {
		if v.ID == "" {
			return v, nil, duixian.Errorf(duixian.EINVALID, "id", "请填写草稿的文件编号", "give the draft's document id")
		}
		files[v.ID+".yaml"] = []byte(v.Document)
		if strings.TrimSpace(v.Cases) != "" {
			files[v.ID+".test.yaml"] = []byte(v.Cases)
		}
	}
	for name, b := range files {
		v.Files = append(v.Files, SimFile{Name: name, Text: string(b)})
	}
	sort.Slice(v.Files, func(i, j int) bool { return v.Files[i].Name < v.Files[j].Name })
	if len(files) == 0 {
		return v, nil, duixian.Errorf(duixian.EINVALID, "files", "请上传改革方案文件，或从政策起草页带入草稿", "upload the reform's files, or bring a draft from the authoring page")
	}
	o := simulation.Options{MaxEnterprises: MaxSimulatedEnterprises, Keep: 100}
	var err error
	if v.Date != "" {
		if o.Date, err = duixian.ParseDate(v.Date); err != nil {
			return v, nil, duixian.Errorf(duixian.EINVALID, "date", "仿真日期应为 YYYY-MM-DD", "date must be YYYY-MM-DD")
		}
	}
	if v.AsOf != "" {
		if o.AsOf, err = duixian.ParseDate(v.AsOf); err != nil {
			return v, nil, duixian.Errorf(duixian.EINVALID, "as_of", "判定日期应为 YYYY-MM-DD", "as_of must be YYYY-MM-DD")
		}
	}
	if o.Date.IsZero() {
		o.Date = duixian.DateOf(s.Now())
	}
	reform, rep, err := s.Simulator.Simulate(r.Context(), files, o)
	if err != nil {
		return v, nil, err
	}
	v.Reform, v.Report, v.Changes = reform, rep, reform.Changes(s.Catalogue)
	v.Date, v.AsOf = rep.Date.String(), rep.AsOf.String()
	v.Groups = []SimGroup{{"按产业（文件）", "企业库未登记行业，以所属产业政策文件计", "chart-industries", rep.Industries},
		{"按区域", "", "chart-zones", rep.Zones}, {"按企业规模", "", "chart-sizes", rep.Sizes}, {"按部门", "", "", rep.Departments}}
	for _, c := range rep.Clauses {
		if c.Status != "unchanged" || c.Difference != 0 || c.Gainers+c.Losers > 0 {
			v.Changed = append(v.Changed, c)
		}
	}
	return v, rep, nil
}

// simulateCharts writes the charts' data as the dashboard's are written
// (a JSON script read by /static/dashboard.js): amounts in 万元 for the
// bars only; the tables beside them are exact.
func (s *Server) simulateCharts(q *Request, v *SimulateView, rep *simulation.Report) error {
	type point struct {
		Name     string      `json:"name"`
		Baseline json.Number `json:"baseline"`
		Reform   json.Number `json:"reform"`
	}
	type chart struct {
		ID     string  `json:"id"`
		Money  bool    `json:"money"`
		Points []point `json:"points"`
	}
	lang := q.Lang()
	rows := func(id string, rs []simulation.Row) chart {
		c := chart{ID: id, Money: true}
		for _, r := range rs {
			c.Points = append(c.Points, point{r.Key, json.Number(r.Baseline.Total.WanNumber()), json.Number(r.Reform.Total.WanNumber())})
		}
		return c
	}
	clauses := chart{ID: "chart-clauses", Money: true}
	for _, c := range v.Changed {
		clauses.Points = append(clauses.Points, point{c.Document + " " + c.Title, json.Number(c.Baseline.Total.WanNumber()), json.Number(c.Reform.Total.WanNumber())})
	}
	dist := chart{ID: "chart-distribution"}
	for _, b := range rep.Distribution {
		dist.Points = append(dist.Points, point{b.Label, json.Number(strconv.Itoa(b.Baseline)), json.Number(strconv.Itoa(b.Reform))})
	}
	data := map[string]any{"lang": lang,
		"labels":  map[string]string{"现行": translate(lang, "现行政策"), "改革": translate(lang, "改革方案"), "万元": translate(lang, "万元"), "项": translate(lang, "项")},
		"compare": []chart{clauses, rows("chart-industries", rep.Industries), rows("chart-zones", rep.Zones), rows("chart-sizes", rep.Sizes), dist}}
	var out bytes.Buffer
	if err := s.pages.t.ExecuteTemplate(&out, "dashboard-data", struct{ Chart any }{data}); err != nil {
		return err
	}
	v.ChartData = template.HTML(out.String())
	return nil
}
