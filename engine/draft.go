package engine

import (
	"bytes"
	"io"
	"io/fs"
	"slices"
	"strings"
	"time"
)

// Draft is a document as a policy author is writing it, tried beside the
// catalogue in force without publishing anything: its lint errors, or its
// cases and their coverage, and the catalogue it would make, to decide a
// claim under it.
type Draft struct {
	Errors    []LintError // the draft does not load: nothing else is known
	Catalogue *Catalogue  // with the draft, when it loads
	Cases     CaseReport  // the draft's own cases and coverage
}

// TryDraft loads the catalogue's own files with the document id (its YAML,
// and its cases) added or replacing the file of that name.
func (c *Catalogue) TryDraft(id string, document, cases []byte) (*Draft, error) {
	return TryDraft(c.files, id, document, cases)
}

// TryOverlay loads the catalogue's own files with the overlay's added,
// replacing or (nil) removing those of the same name: a reform.
func (c *Catalogue) TryOverlay(overlay map[string][]byte) (*Draft, error) {
	return TryOverlay(c.files, overlay)
}

// TryDraft loads base with the document id (its YAML, and its cases) added
// or replacing the file of that name. The catalogue in force is never
// touched: publishing stays a reviewed change to the catalogue's files.
func TryDraft(base fs.FS, id string, document, cases []byte) (*Draft, error) {
	files := map[string][]byte{id + ".yaml": document}
	// A draft pasted without cases drops the old document's: they were
	// written for its text, not the draft's.
	files[id+".test.yaml"] = nil
	if len(bytes.TrimSpace(cases)) > 0 {
		files[id+".test.yaml"] = cases
	}
	return TryOverlay(base, files)
}

// TryOverlay loads base with the overlay's files added or replacing those
// of the same name (a reform: several documents, their cases, even
// facts.yaml); a nil file removes the file of that name. The draft's
// cases and coverage are those of the overlay's documents.
func TryOverlay(base fs.FS, overlay map[string][]byte) (*Draft, error) {
	files := memFS{}
	names, err := fs.Glob(base, "*.yaml")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if files[n], err = fs.ReadFile(base, n); err != nil {
			return nil, err
		}
	}
	ids := map[string]bool{}
	for n, b := range overlay {
		if b == nil {
			delete(files, n)
		} else {
			files[n] = b
		}
		ids[OverlayDocument(n)] = true
	}
	cat, err := Load(files)
	if le, ok := err.(*LoadError); ok {
		return &Draft{Errors: le.Errors}, nil
	}
	if err != nil {
		return nil, err
	}
	rep := cat.RunCases()
	d := &Draft{Catalogue: cat}
	for _, r := range rep.Results {
		if ids[OverlayDocument(r.File)] {
			d.Cases.Results = append(d.Cases.Results, r)
		}
	}
	for _, c := range rep.Coverage {
		if ids[c.Document] {
			d.Cases.Coverage = append(d.Cases.Coverage, c)
		}
	}
	return d, nil
}

// OverlayDocument is the document a catalogue file is of: "jjgf-2025-21"
// for jjgf-2025-21.yaml and jjgf-2025-21.test.yaml.
func OverlayDocument(file string) string {
	return strings.TrimSuffix(strings.TrimSuffix(file, ".yaml"), ".test")
}

// memFS is a flat directory of files held in memory.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	if name == "." {
		return &memDir{m: m}, nil
	}
	b, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{name: name, r: bytes.NewReader(b), size: int64(len(b))}, nil
}

type memFile struct {
	name string
	r    *bytes.Reader
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size, false}, nil }
func (f *memFile) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *memFile) Close() error               { return nil }

type memDir struct {
	m    memFS
	read bool
}

func (d *memDir) Stat() (fs.FileInfo, error) { return memInfo{".", 0, true}, nil }
func (d *memDir) Read([]byte) (int, error)   { return 0, io.EOF }
func (d *memDir) Close() error               { return nil }

func (d *memDir) ReadDir(n int) ([]fs.DirEntry, error) {
	if d.read {
		return nil, io.EOF
	}
	d.read = true
	var out []fs.DirEntry
	for name, b := range d.m {
		out = append(out, fs.FileInfoToDirEntry(memInfo{name, int64(len(b)), false}))
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

type memInfo struct {
	name string
	size int64
	dir  bool
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return i.dir }
func (i memInfo) Sys() any           { return nil }
func (i memInfo) Mode() fs.FileMode {
	if i.dir {
		return fs.ModeDir | 0o555
	}
	return 0o444
}
