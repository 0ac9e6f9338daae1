// Package simulation is 政策仿真: what a change to a policy would cost
// before it is published. A reform is a catalogue overlay (the documents a
// 征求意见稿 or a draft revision changes or adds, with their cases); the
// registry is decided under the catalogue in force and under the reform in
// one stream, and the report says, per clause, department, zone and size,
// who is eligible before and after, who gains and who loses and why (the
// conditions that changed their decision, cited to both texts), what it
// costs to the fen, and what next year may cost at last year's take-up.
package simulation

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

// MaxReformBytes bounds the files of one reform.
const MaxReformBytes = 4 << 20

// Reform is a catalogue overlay loaded beside the catalogue in force: its
// files (documents that replace those of the same id or are new, their
// case files, facts.yaml if it declares new facts), the catalogue they make
// and the reform's own cases, every one of which passes.
type Reform struct {
	Files     map[string][]byte
	Documents []string // the ids of the documents it changes or adds, sorted
	Catalogue *engine.Catalogue
	Cases     engine.CaseReport
	// InForceFrom is the latest day one of its documents comes into force
	// (a reform may be dated in the future): the earliest day it can be
	// simulated on.
	InForceFrom duixian.Date
}

// ReadDir reads a reform's directory: its *.yaml files, nothing else.
func ReadDir(dir string) (map[string][]byte, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, duixian.Errorf(duixian.EINVALID, "reform", "目录 %s 中没有 .yaml 文件", "no .yaml file in %s", dir)
	}
	files := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, err
		}
		files[filepath.Base(n)] = b
	}
	return files, nil
}

// Load checks a reform as the catalogue checks any document, beside the
// catalogue in force: it must load (lint: unknown facts, type errors,
// broken citations are refused), bring cases for every document it
// changes, and pass them. The catalogue in force is never touched.
func Load(base *engine.Catalogue, files map[string][]byte) (*Reform, error) {
	size := 0
	for n, b := range files {
		size += len(b)
		if filepath.Base(n) != n || !strings.HasSuffix(n, ".yaml") {
			return nil, duixian.Errorf(duixian.EINVALID, "reform", "文件名 %s 应为目录中的 .yaml 文件", "file %s must be a .yaml file of the directory", n)
		}
	}
	if len(files) == 0 {
		return nil, duixian.Errorf(duixian.EINVALID, "reform", "改革方案没有文件", "the reform has no file")
	}
	if size > MaxReformBytes {
		return nil, duixian.Errorf(duixian.EINVALID, "reform", "改革方案过大（上限 %d KB）", "the reform is too large (at most %d KB)", MaxReformBytes>>10)
	}
	d, err := base.TryOverlay(files)
	if err != nil {
		return nil, err
	}
	if len(d.Errors) > 0 {
		var lines []string
		for _, e := range d.Errors {
			lines = append(lines, e.String())
		}
		return nil, duixian.Errorf(duixian.EINVALID, "reform", "改革方案未通过检查：%s", "the reform does not lint: %s",
			strings.Join(lines, "；"))
	}
	r := &Reform{Files: files, Catalogue: d.Catalogue, Cases: d.Cases}
	seen := map[string]bool{}
	for n := range files {
		id := engine.OverlayDocument(n)
		if id == "facts" || seen[id] {
			continue
		}
		seen[id] = true
		doc, ok := d.Catalogue.Document(id)
		if !ok {
			return nil, duixian.Errorf(duixian.EINVALID, "reform", "案例文件 %s 没有对应的文件", "case file %s has no document", n)
		}
		if _, ok := files[id+".test.yaml"]; !ok && doc.Gazette() {
			return nil, duixian.Errorf(duixian.EINVALID, "reform", "改革文件 %s 缺少案例文件 %s.test.yaml", "reform document %s has no cases %s.test.yaml", id, id)
		}
		r.Documents = append(r.Documents, id)
		if doc.InForceFrom.After(r.InForceFrom) {
			r.InForceFrom = doc.InForceFrom
		}
	}
	sort.Strings(r.Documents)
	if n := d.Cases.Failed(); n > 0 {
		var lines []string
		for _, c := range d.Cases.Results {
			if !c.Passed() {
				lines = append(lines, fmt.Sprintf("%s:%d %s：%s", c.File, c.Line, c.Name, strings.Join(c.Failures, "；")))
			}
		}
		return nil, duixian.Errorf(duixian.EINVALID, "reform", "改革方案有 %d 个案例未通过：%s", "%d of the reform's cases fail: %s",
			n, strings.Join(lines, "；"))
	}
	return r, nil
}

// Changed reports whether the reform changes or adds the document.
func (r *Reform) Changed(doc string) bool {
	i := sort.SearchStrings(r.Documents, doc)
	return i < len(r.Documents) && r.Documents[i] == doc
}
