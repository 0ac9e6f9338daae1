package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// duixian simulate --json prints the clauses with their figures before
// and after, the totals and every mover; --out writes the workbook; a
// reform that does not check exits 2 with what is wrong.
func TestSimulateCommand(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "d.db")
	var out, errOut bytes.Buffer
	if code := run([]string{"demo-data", "--enterprises", "3000", "--seed", "1", "--db", db}, nil, &out, &errOut); code != 0 {
		t.Fatalf("demo-data: %d %s", code, errOut.String())
	}
	reform := filepath.Join("..", "..", "simulation", "testdata", "double-quarter-hour")
	xlsx := filepath.Join(dir, "r.xlsx")
	out.Reset()
	if code := run([]string{"simulate", "--reform", reform, "--date", "2026-06-30", "--db", db, "--json", "--out", xlsx}, nil, &out, &errOut); code != 0 {
		t.Fatalf("simulate: %d %s", code, errOut.String())
	}
	var rep struct {
		Clauses []struct {
			Clause   string `json:"clause"`
			Baseline struct {
				Eligible int   `json:"eligible"`
				Total    int64 `json:"total_fen"`
			} `json:"baseline"`
			Reform struct {
				Eligible int   `json:"eligible"`
				Total    int64 `json:"total_fen"`
			} `json:"reform"`
		} `json:"clauses"`
		Totals struct {
			Difference int64 `json:"difference_fen"`
		} `json:"totals"`
		Movers []struct {
			Enterprise string `json:"enterprise"`
			Difference int64  `json:"difference_fen"`
		} `json:"movers"`
		MoversTotal int `json:"movers_total"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("%v: %.300s", err, out.String())
	}
	var sum int64
	for _, m := range rep.Movers {
		sum += m.Difference
	}
	found := false
	for _, c := range rep.Clauses {
		if c.Clause == "jjgf-2025-21/7.1" {
			found = true
			if c.Baseline.Eligible == 0 || c.Reform.Eligible != c.Baseline.Eligible || c.Reform.Total != 2*c.Baseline.Total ||
				rep.Totals.Difference != c.Baseline.Total || sum != c.Baseline.Total || len(rep.Movers) != rep.MoversTotal {
				t.Errorf("7.1 %+v, totals %+v, %d movers of %d adding %d", c, rep.Totals, len(rep.Movers), rep.MoversTotal, sum)
			}
		}
	}
	if !found {
		t.Fatal("no 7.1 in the report")
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if sheets := strings.Join(f.GetSheetList(), ","); !strings.Contains(sheets, "条款对比") || !strings.Contains(sheets, "企业变动") {
		t.Errorf("sheets %s", sheets)
	}

	broken := t.TempDir()
	doc, _ := os.ReadFile(filepath.Join(reform, "jjgf-2025-21.yaml"))
	os.WriteFile(filepath.Join(broken, "jjgf-2025-21.yaml"), doc, 0o644)
	errOut.Reset()
	if code := run([]string{"simulate", "--reform", broken, "--db", db}, nil, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "缺少案例文件") {
		t.Errorf("a reform without cases: %d %s", code, errOut.String())
	}
}
