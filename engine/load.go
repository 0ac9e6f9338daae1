package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/expression"
	"github.com/govalues/decimal"
	"go.yaml.in/yaml/v3"
)

// LintError is one problem in a catalogue file, located by file and line.
type LintError struct {
	File string
	Line int
	Msg  string
}

func (e LintError) String() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// LoadError lists every problem found while loading a catalogue. A
// catalogue with any problem does not load at all.
type LoadError struct{ Errors []LintError }

func (e *LoadError) Error() string {
	lines := make([]string, len(e.Errors))
	for i, x := range e.Errors {
		lines[i] = x.String()
	}
	return strings.Join(lines, "\n")
}

// CommonFactsFile declares the facts every document may use (an
// enterprise's zones, titles, penalty records).
const CommonFactsFile = "facts.yaml"

// Load reads and compiles a catalogue from fsys: CommonFactsFile, one
// NAME.yaml per document and NAME.test.yaml case files beside them.
func Load(fsys fs.FS) (*Catalogue, error) {
	l := &loader{fsys: fsys, cat: &Catalogue{docByID: map[string]*Document{}, byID: map[string]*Clause{}, facts: map[string]*Fact{}, nslots: firstFactSlot}}
	l.run()
	l.cat.version, l.cat.files = version(fsys), fsys
	if len(l.errs) > 0 {
		sort.SliceStable(l.errs, func(i, j int) bool {
			if l.errs[i].File != l.errs[j].File {
				return l.errs[i].File < l.errs[j].File
			}
			return l.errs[i].Line < l.errs[j].Line
		})
		return nil, &LoadError{Errors: l.errs}
	}
	return l.cat, nil
}

type loader struct {
	fsys     fs.FS
	cat      *Catalogue
	errs     []LintError
	specs    map[*Document]*fileSpec
	articles map[*Document]map[string]*Article
	envs     map[*Document]*expression.Env
	file     string // the file being compiled, for errors
	// failed holds the documents (by id, from the file name) whose file
	// did not parse: what refers to them is not reported again, so that
	// one mistake gives one error.
	failed map[string]bool
}

func (l *loader) errf(line int, format string, args ...any) {
	l.errs = append(l.errs, LintError{File: l.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) run() {
	names, err := fs.Glob(l.fsys, "*.yaml")
	if err != nil {
		l.errs = append(l.errs, LintError{File: ".", Msg: err.Error()})
		return
	}
	sort.Strings(names)
	l.failed = map[string]bool{}
	l.specs = map[*Document]*fileSpec{}
	l.articles = map[*Document]map[string]*Article{}
	l.envs = map[*Document]*expression.Env{}

	if slices.Contains(names, CommonFactsFile) {
		var spec struct {
			Facts []factSpec `yaml:"facts"`
		}
		l.file = CommonFactsFile
		if l.decode(CommonFactsFile, &spec) {
			for _, fs := range spec.Facts {
				l.addFact(fs, "")
			}
		}
	} else {
		l.errs = append(l.errs, LintError{File: CommonFactsFile, Msg: "missing: the catalogue must declare its shared facts"})
	}
	var caseFiles []string
	for _, name := range names {
		switch {
		case name == CommonFactsFile:
		case strings.HasSuffix(name, ".test.yaml"):
			caseFiles = append(caseFiles, name)
		default:
			l.readDocument(name)
		}
	}
	for _, d := range l.cat.documents {
		l.file = d.File
		l.compileHeader(d, l.specs[d])
	}
	for _, d := range l.cat.documents {
		l.file = d.File
		l.compileRules(d, l.specs[d])
	}
	l.resolveDerivations()
	for _, d := range l.cat.documents {
		l.file = d.File
		for i, a := range d.Articles {
			if a.Status(d) == "uncovered" {
				l.errf(l.specs[d].Articles[i].ID.Line, "article %s (%s) is neither implemented by a clause, cited by a rule, nor marked informational: true", a.ID, a.Label)
			}
		}
	}
	for _, name := range caseFiles {
		l.file = name
		l.readCases(name)
	}
}

// version is a digest of every catalogue file: an application records the
// version its decision used.
func version(fsys fs.FS) string {
	names, _ := fs.Glob(fsys, "*.yaml")
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, _ := fs.ReadFile(fsys, n)
		fmt.Fprintf(h, "%s %d\n", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// decode parses a YAML file strictly: an unknown key is an error, so a
// misspelt key never silently drops a rule.
func (l *loader) decode(name string, v any) bool {
	data, err := fs.ReadFile(l.fsys, name)
	if err != nil {
		l.errf(1, "%v", err)
		return false
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		l.errf(max(lineOf(err.Error()), 1), "%v", err)
		l.failed[strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".test")] = true
		return false
	}
	bad := false
	if len(doc.Content) > 0 {
		unknownKeys(doc.Content[0], reflect.TypeOf(v), func(line int, key string, allowed []string) {
			l.errf(line, "%s", unknownKeyMessage(key, allowed))
			bad = true
		})
	}
	if bad {
		l.failed[strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".test")] = true
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		var te *yaml.TypeError
		if errors.As(err, &te) {
			for _, m := range te.Errors {
				l.errf(max(lineOf(m), 1), "%s", m)
			}
		} else {
			l.errf(max(lineOf(err.Error()), 1), "%v", err)
		}
		l.failed[strings.TrimSuffix(strings.TrimSuffix(name, ".yaml"), ".test")] = true
		return false
	}
	return true
}

var lineRE = regexp.MustCompile(`line (\d+)`)

func lineOf(msg string) int {
	if m := lineRE.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

var (
	factNameRE = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// docIDRE: gazette documents are jjgf-2025-21; documents from
	// elsewhere (an exchange's listing rules) are named likewise, lower case
	// words and numbers joined by hyphens: sse-star-2024.
	docIDRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)+$`)
)

func (l *loader) addFact(s factSpec, doc string) *Fact {
	f := l.compileFact(s, doc)
	if f == nil {
		return nil
	}
	if prev, dup := l.cat.facts[f.Name]; dup {
		where := "the shared facts"
		if prev.Document != "" {
			where = prev.Document
		}
		l.errf(s.Name.Line, "fact %s is already declared in %s; fact names are unique across the catalogue", f.Name, where)
		return nil
	}
	f.number = len(l.cat.facts)
	l.cat.facts[f.Name] = f
	l.assignSlots(f)
	return f
}

// assignSlots gives a fact, or each field of a records fact, its slot.
func (l *loader) assignSlots(f *Fact) {
	if f.Kind == KindRecords {
		for _, fd := range f.Fields {
			fd.slot = l.cat.nslots
			l.cat.nslots++
		}
		return
	}
	f.slot = l.cat.nslots
	l.cat.nslots++
}

// names is the slot layout linked programs read: every fact by name, and
// inside an each node the record's fields, which shadow facts.
func (l *loader) names(record *Fact) map[string]int {
	out := make(map[string]int, len(l.cat.facts)+2)
	out[expression.EventDate], out[expression.AsOf] = slotEventDate, slotAsOf
	for n, f := range l.cat.facts {
		if f.Kind != KindRecords {
			out[n] = f.slot
		}
	}
	if record != nil {
		for _, fd := range record.Fields {
			out[fd.Name] = fd.slot
		}
	}
	return out
}

func (l *loader) compileFact(s factSpec, doc string) *Fact {
	if !factNameRE.MatchString(s.Name.Value) {
		l.errf(s.Name.Line, "fact name %q must be lower_snake_case", s.Name.Value)
		return nil
	}
	f := &Fact{Name: s.Name.Value, Kind: FactKind(s.Type.Value), Unit: s.Unit.Value, Zh: s.Zh.Value, En: s.En.Value, Help: s.Help.Value, Document: doc}
	switch f.Kind {
	case KindBool, KindInt, KindDecimal, KindMoney, KindEnum, KindSet, KindRecords, KindText, KindDate:
	default:
		l.errf(s.Type.Line, "fact %s: type %q is not one of bool, int, decimal, money, enum, set, records, text, date", f.Name, s.Type.Value)
		return nil
	}
	if f.Name == expression.EventDate || f.Name == expression.AsOf {
		l.errf(s.Name.Line, "fact %s: the name is the engine's own (the claim's event date and the decision's as-of date are readable in every expression)", f.Name)
		return nil
	}
	if s.Optional.set() {
		switch {
		case f.Kind != KindDate:
			l.errf(s.Optional.Line, "fact %s: only a date fact can be optional; give other facts a default", f.Name)
		case s.Optional.Value != "true" && s.Optional.Value != "false":
			l.errf(s.Optional.Line, "fact %s: optional is true or false, not %q", f.Name, s.Optional.Value)
		case s.Default.set() && s.Optional.Value == "true":
			l.errf(s.Optional.Line, "fact %s: an optional date has no default", f.Name)
		default:
			f.Optional = s.Optional.Value == "true"
			if f.Optional {
				f.Default = duixian.Date{}
			}
		}
	}
	if f.Zh == "" || f.En == "" {
		l.errf(s.Name.Line, "fact %s needs a Chinese label (zh) and an English one (en)", f.Name)
	}
	if f.Kind == KindMoney && f.Unit == "" {
		f.Unit = "元"
	}
	for _, b := range []struct {
		s   scalar
		dst **decimal.Decimal
	}{{s.Min, &f.Min}, {s.Max, &f.Max}} {
		if !b.s.set() {
			continue
		}
		d, err := l.number(b.s, f.Kind == KindMoney)
		if err != nil {
			l.errf(b.s.Line, "fact %s: %v", f.Name, err)
			continue
		}
		*b.dst = &d
	}
	for _, v := range s.Values {
		f.Values = append(f.Values, EnumValue{Value: v.Value.Value, Zh: v.Zh.Value, En: v.En.Value, Within: v.Within.Value})
	}
	for _, v := range s.Values {
		if v.Within.set() && (f.Name != ZonesFact || !f.allows(v.Within.Value) || v.Within.Value == v.Value.Value) {
			l.errf(v.Within.Line, "fact %s: value %s lies within %q, which is not another region of the shared fact zones", f.Name, v.Value.Value, v.Within.Value)
		}
	}
	if (f.Kind == KindEnum || f.Kind == KindSet) && len(f.Values) == 0 {
		l.errf(s.Type.Line, "fact %s: an %s needs its values", f.Name, f.Kind)
	}
	if f.Kind == KindRecords {
		f.MaxItems = expression.MaxListLen
		if s.MaxItems.set() {
			n, err := strconv.Atoi(s.MaxItems.Value)
			if err != nil || n < 1 || n > expression.MaxListLen {
				l.errf(s.MaxItems.Line, "fact %s: max_items must be 1..%d", f.Name, expression.MaxListLen)
			} else {
				f.MaxItems = n
			}
		}
		if len(s.Fields) == 0 {
			l.errf(s.Type.Line, "fact %s: records need fields", f.Name)
		}
		for _, fs := range s.Fields {
			fd := l.compileFact(fs, doc)
			if fd == nil {
				continue
			}
			if fd.Kind == KindRecords {
				l.errf(fs.Type.Line, "fact %s: a record field cannot itself hold records", f.Name)
				continue
			}
			f.Fields = append(f.Fields, fd)
		}
	}
	if s.Derived != nil {
		f.Derived = l.derivation(f, s.Derived, s.Default.set())
	}
	if s.Default.set() {
		v, err := f.decode("default", rawScalar(s.Default.Value, f.Kind))
		if err != nil {
			l.errf(s.Default.Line, "fact %s: default: %v", f.Name, err)
		} else {
			f.Default = v
		}
	}
	return f
}

func rawScalar(text string, k FactKind) any {
	switch k {
	case KindBool:
		return text == "true"
	case KindInt, KindDecimal, KindMoney:
		return json.Number(text)
	}
	return text
}

// number reads a bound or range edge: a plain decimal, or an amount with
// units (1000万元) where money is expected.
func (l *loader) number(s scalar, money bool) (decimal.Decimal, error) {
	if money || strings.HasSuffix(s.Value, "元") {
		return duixian.ParseAmount(s.Value)
	}
	d, err := decimal.Parse(strings.TrimSpace(s.Value))
	if err != nil {
		return d, fmt.Errorf("%q is not a number", s.Value)
	}
	return d, nil
}

func (l *loader) readDocument(name string) {
	l.file = name
	spec := &fileSpec{}
	if !l.decode(name, spec) {
		return
	}
	h := spec.Document
	d := &Document{ID: h.ID.Value, Number: h.Number.Value, Short: h.Short.Value, Title: h.Title.Value, Issuer: h.Issuer.Value,
		Version: h.Version.Value, Department: h.Department.Value, File: name,
		Record: h.Kind.Value == "record", transcribed: h.Status.Value == "transcribed", Source: h.Source.Value}
	if want := strings.TrimSuffix(name, ".yaml"); d.ID != want {
		l.errf(h.ID.Line, "document id %q must match the file name %q", d.ID, want)
	}
	if !docIDRE.MatchString(d.ID) {
		l.errf(h.ID.Line, "document id %q must look like jjgf-2025-21 (lower-case words and numbers joined by hyphens)", d.ID)
	}
	for _, req := range []scalar{h.Number, h.Short, h.Title, h.Issuer, h.Issued} {
		if !req.set() {
			l.errf(h.ID.Line, "document %s needs number, short, title, issuer and issued", d.ID)
			break
		}
	}
	switch h.Kind.Value {
	case "", "policy", "record":
	default:
		l.errf(h.Kind.Line, "document kind %q is not policy or record", h.Kind.Value)
	}
	switch h.Status.Value {
	case "", "transcribed":
	default:
		l.errf(h.Status.Line, "document status %q is not transcribed", h.Status.Value)
	}
	d.Issued = l.date(h.Issued)
	if d.Version == "" {
		d.Version = d.Issued.String()
	}
	if _, dup := l.cat.docByID[d.ID]; dup {
		l.errf(h.ID.Line, "document %s is declared twice", d.ID)
		return
	}
	l.cat.docByID[d.ID] = d
	l.cat.documents = append(l.cat.documents, d)
	l.specs[d] = spec
	arts := map[string]*Article{}
	l.articles[d] = arts
	for _, as := range spec.Articles {
		a := &Article{ID: as.ID.Value, Label: as.Label.Value, Heading: as.Heading.Value, Section: as.Section.Value,
			Text: strings.TrimSpace(as.Text.Value), Informational: as.Informational, Note: as.Note.Value}
		if a.ID == "" || a.Label == "" || a.Text == "" {
			l.errf(as.ID.Line, "article %q needs id, label and text", a.ID)
		}
		if _, dup := arts[a.ID]; dup {
			l.errf(as.ID.Line, "article %s appears twice", a.ID)
			continue
		}
		a.cite = duixian.Cite{Document: d.ID, Short: d.Short, Article: a.ID, Label: a.Label}
		arts[a.ID] = a
		d.Articles = append(d.Articles, a)
	}
	for _, fs := range spec.Facts {
		l.addFact(fs, d.ID)
	}
}

func (l *loader) date(s scalar) duixian.Date {
	if !s.set() {
		return duixian.Date{}
	}
	d, err := duixian.ParseDate(s.Value)
	if err != nil {
		l.errf(s.Line, "%v", err)
	}
	return d
}

// cite resolves a citation: an article id of the same document ("7.1") or
// of another ("jjgf-2025-25/supp.3"). An empty citation takes def; a
// citation to nothing is an error.
func (l *loader) cite(d *Document, s scalar, def *Article, at ...int) (duixian.Cite, *Article) {
	if !s.set() {
		if def == nil {
			line := s.Line
			if line == 0 && len(at) > 0 {
				line = at[0]
			}
			l.errf(line, "citation missing: every rule must cite the article it implements")
			return duixian.Cite{}, nil
		}
		return def.cite, def
	}
	doc, art := d, s.Value
	if id, a, ok := strings.Cut(s.Value, "/"); ok {
		doc, art = l.cat.docByID[id], a
		if doc == nil {
			l.errf(s.Line, "broken citation %q: no document %s in the catalogue", s.Value, id)
			return duixian.Cite{}, nil
		}
	}
	a, ok := l.articles[doc][art]
	if !ok {
		l.errf(s.Line, "broken citation %q: %s has no article %s", s.Value, doc.ID, art)
		return duixian.Cite{}, nil
	}
	a.cited = true
	return a.cite, a
}

// procedure reads the document's 申报流程: rounds and plan are true or
// false; either true needs the article that says so; the note, the reading
// taken, is required, since a document that sets no procedure is read as
// taking applications any day, one at a time, and a reviewer should see
// that this was decided, not forgotten.
func (l *loader) procedure(d *Document, h documentSpec) {
	p := h.Procedure
	if p == nil {
		return
	}
	flag := func(v scalar) bool {
		switch v.Value {
		case "true":
			return true
		case "", "false":
			return false
		}
		l.errf(v.Line, "procedure: %q is neither true nor false", v.Value)
		return false
	}
	d.Procedure = Procedure{Rounds: flag(p.Rounds), Plan: flag(p.Plan), Subject: strings.TrimSpace(p.Subject.Value), Note: strings.TrimSpace(p.Note.Value)}
	if d.Procedure.Plan && d.Procedure.Subject == "" {
		l.errf(p.Plan.Line, "procedure: a plan needs its subject, for its title (subject: 实体书店)")
	}
	if d.Procedure.Plan && !d.Procedure.Rounds {
		l.errf(p.Plan.Line, "procedure: a plan is compiled per round, so plan: true needs rounds: true")
	}
	if p.Cite.Value != "" {
		d.Procedure.Cite, _ = l.cite(d, p.Cite, nil, p.Cite.Line)
	} else if d.Procedure.Rounds || d.Procedure.Plan {
		l.errf(p.Rounds.Line, "procedure: rounds or a plan needs the article that sets them (cite)")
	}
	if d.Procedure.Note == "" {
		l.errf(p.Rounds.Line, "procedure needs a note: the reading of the document's 申报流程")
	}
}

func (l *loader) compileHeader(d *Document, spec *fileSpec) {
	h := spec.Document
	if h.InForce == nil {
		if !d.Record && !d.transcribed {
			l.errf(h.ID.Line, "document %s needs in_force (from, until, cite)", d.ID)
		}
	} else {
		d.InForceFrom = l.date(h.InForce.From)
		d.InForceTo = l.date(h.InForce.Until)
		d.inForceCite, _ = l.cite(d, h.InForce.Cite, nil, h.InForce.From.Line)
		if d.InForceFrom.IsZero() {
			l.errf(h.InForce.From.Line, "in_force needs from")
		}
		if !d.InForceTo.IsZero() && d.InForceTo.Before(d.InForceFrom) {
			l.errf(h.InForce.Until.Line, "in_force until %s is before from %s", d.InForceTo, d.InForceFrom)
		}
	}
	if h.EventsFrom != nil {
		d.EventsFrom = l.date(h.EventsFrom.Date)
		d.eventsFromCite, _ = l.cite(d, h.EventsFrom.Cite, nil, h.EventsFrom.Date.Line)
	}
	if h.EventsUntil != nil {
		d.EventsUntil = l.date(h.EventsUntil.Date)
		d.eventsUntilCite, _ = l.cite(d, h.EventsUntil.Cite, nil, h.EventsUntil.Date.Line)
		from := d.InForceFrom
		if !d.EventsFrom.IsZero() {
			from = d.EventsFrom
		}
		switch {
		case d.EventsUntil.Before(from):
			l.errf(h.EventsUntil.Date.Line, "events_until %s is before the first event the document pays for (%s): no event could be paid; a past support period needs events_from too", d.EventsUntil, from)
		case !d.InForceTo.IsZero() && d.EventsUntil.After(d.InForceTo):
			l.errf(h.EventsUntil.Date.Line, "events_until %s is after in_force until %s: an event after the document expires is not paid under it", d.EventsUntil, d.InForceTo)
		}
	}
	if h.Zone != nil {
		if _, ok := l.cat.Zone(h.Zone.Zone.Value); !ok {
			l.errf(h.Zone.Zone.Line, "unknown zone %q: the regions are the values of the shared fact zones (%s)", h.Zone.Zone.Value, l.cat.zoneList())
		}
		d.Zone = h.Zone.Zone.Value
		d.zoneCite, _ = l.cite(d, h.Zone.Cite, nil, h.Zone.Zone.Line)
	}
	d.Rounding = duixian.Rounding{Quantum: decimal.MustNew(1, 2)}
	if r := h.Rounding; r != nil {
		unit := map[string]int64{"元": 1, "万元": 10000}[r.Unit.Value]
		places, err := strconv.Atoi(r.Places.Value)
		if unit == 0 || err != nil || places < 0 || places > 4 {
			l.errf(r.Unit.Line, "rounding needs unit 元 or 万元 and places 0..4")
		} else {
			q, _ := decimal.New(unit, places)
			d.Rounding = duixian.Rounding{Quantum: q}
		}
		d.roundingCite, _ = l.cite(d, r.Cite, nil, r.Unit.Line)
	}
	if m := h.MinimumPayout; m != nil {
		v, err := duixian.ParseAmount(m.Amount.Value)
		if err != nil {
			l.errf(m.Amount.Line, "minimum_payout: %v", err)
		}
		d.MinimumPayout = v
		d.minimumCite, _ = l.cite(d, m.Cite, nil, m.Amount.Line)
	}
	if sp := h.SameProject; sp != nil {
		if sp.Rule.Value != "highest-only" {
			l.errf(sp.Rule.Line, "same_project rule %q is not highest-only", sp.Rule.Value)
		}
		c, _ := l.cite(d, sp.Cite, nil, sp.Rule.Line)
		d.sameProject = &c
		d.sameProjectWithin = sp.WithinDocument
	}
	if fb := h.FraudBan; fb != nil {
		years, err := strconv.Atoi(fb.Years.Value)
		f, ok := l.cat.facts[fb.Fact.Value]
		switch {
		case err != nil || years < 1:
			l.errf(fb.Years.Line, "fraud_ban years must be a positive whole number")
		case !ok || f.Kind != KindBool || f.Document != d.ID:
			l.errf(fb.Fact.Line, "fraud_ban fact %q must be a bool fact of this document", fb.Fact.Value)
		default:
			c, _ := l.cite(d, fb.Cite, nil, fb.Years.Line)
			d.FraudBan = &FraudBan{Years: years, Fact: f.Name, Cite: c}
		}
	}
	l.procedure(d, h)
	for _, s := range h.Supersedes {
		old, ok := l.cat.docByID[s.Document.Value]
		if !ok {
			if !l.failed[s.Document.Value] {
				l.errf(s.Document.Line, "supersedes %s: no such document in the catalogue (add a kind: record entry for it)", s.Document.Value)
			}
			continue
		}
		c, _ := l.cite(d, s.Cite, nil, s.Document.Line)
		d.supersedes = append(d.supersedes, supersession{doc: old, eventsUntil: l.date(s.EventsUntil), cite: c})
	}
	for _, a := range h.Annuls {
		old, ok := l.cat.docByID[a.Document.Value]
		if !ok {
			if !l.failed[a.Document.Value] {
				l.errf(a.Document.Line, "annuls %s: no such document in the catalogue (add a kind: record entry for it)", a.Document.Value)
			}
			continue
		}
		c, _ := l.cite(d, a.Cite, nil, a.Document.Line)
		old.annulled = &annulment{by: d, from: l.date(a.From), cite: c}
	}
}

// env declares every fact a document's expressions may read: the shared
// facts and the document's own, except records, which only each nodes read.
func (l *loader) env(d *Document) *expression.Env {
	if e, ok := l.envs[d]; ok {
		return e
	}
	vars := map[string]expression.Type{}
	for _, f := range l.cat.facts {
		if (f.Document == "" || f.Document == d.ID) && f.Kind != KindRecords {
			vars[f.Name] = f.exprType()
		}
	}
	e, err := expression.NewEnv(vars)
	if err != nil {
		l.errf(0, "expression environment: %v", err)
		return nil
	}
	l.envs[d] = e
	return e
}

// compile compiles one expression, reporting problems at its line, and
// links it to the catalogue's slot layout (record is the records fact whose
// fields are in scope, or nil).
func (l *loader) compile(env *expression.Env, s scalar, want expression.Type, what string, record ...*Fact) *expression.Linked {
	if env == nil {
		return nil
	}
	if !s.set() {
		l.errf(s.Line, "%s: expression missing", what)
		return nil
	}
	p, err := env.Compile(s.Value, want)
	if err != nil {
		line := s.Line
		var ce *expression.CompileError
		if errors.As(err, &ce) {
			line += ce.Line - 1
		}
		l.errf(line, "%s: %q: %v", what, s.Value, err)
		return nil
	}
	var rec *Fact
	if len(record) > 0 {
		rec = record[0]
	}
	for _, c := range p.Compared() {
		f := l.cat.facts[c.Fact]
		if rec != nil {
			for _, fd := range rec.Fields {
				if fd.Name == c.Fact {
					f = fd // a record's field shadows a fact
				}
			}
		}
		if f != nil && (f.Kind == KindEnum || f.Kind == KindSet) && !f.allows(c.Value) {
			_, values := f.valueList()
			l.errf(s.Line+c.Line-1, "%s: %q: %s has no value %q (its values: %s)", what, s.Value, c.Fact, c.Value, values)
		}
	}
	return p.Link(l.names(rec))
}

func (l *loader) compileRules(d *Document, spec *fileSpec) {
	env := l.env(d)
	var invariants []*Condition
	for _, is := range spec.Invariants {
		if !is.Cite.set() {
			l.errf(is.ID.Line, "invariant %s: citation missing: cite the article whose text implies it", is.ID.Value)
			continue
		}
		if c := l.condition(d, env, is, nil, d.ID+"/invariant"); c != nil {
			invariants = append(invariants, c)
		}
	}
	defer func() {
		used := map[*Condition]bool{}
		for _, cl := range l.cat.clauses {
			if cl.Document != d {
				continue
			}
			for _, inv := range invariants {
				if readsAll(cl, inv) {
					cl.invariants = append(cl.invariants, inv)
					used[inv] = true
				}
			}
		}
		for _, inv := range invariants {
			if !used[inv] {
				l.errs = append(l.errs, LintError{File: inv.file, Line: inv.line,
					Msg: "invariant " + inv.ID + " applies to no clause: none reads all of " + strings.Join(inv.prg.Program().Vars, ", ")})
			}
		}
		d.invariants = invariants
	}()
	for i, as := range spec.Articles {
		a := l.articles[d][as.ID.Value]
		if a == nil || d.Articles[i] != a {
			continue
		}
		for _, cs := range as.Eligibility {
			if c := l.condition(d, env, cs, a, d.ID); c != nil {
				c.doc = true
				a.cited = true
				d.eligibility = append(d.eligibility, c)
			}
		}
		for _, ms := range as.Materials {
			m := l.material(d, ms)
			if m == nil {
				continue
			}
			if slices.ContainsFunc(d.materials, func(o *Material) bool { return o.ID == m.ID }) {
				l.errf(ms.ID.Line, "material %s repeats in %s", m.ID, d.ID)
				continue
			}
			a.cited = true
			d.materials = append(d.materials, m)
		}
	}
	for _, as := range spec.Articles {
		a := l.articles[d][as.ID.Value]
		if a == nil {
			continue
		}
		for _, cs := range as.Clauses {
			l.clause(d, env, a, cs)
		}
	}
	for _, as := range spec.Articles {
		a := l.articles[d][as.ID.Value]
		if a == nil {
			continue
		}
		for _, ls := range as.Limits {
			l.limit(d, env, a, ls)
		}
	}
	// A limit across the year reads facts no single clause reads (21号第九条:
	// the year's costs); every clause of the document asks for them, so the
	// application form collects them.
	for _, lim := range d.limits {
		for _, f := range lim.totalFacts {
			for _, cl := range l.cat.clauses {
				if cl.Document == d && !slices.Contains(cl.facts, f) {
					cl.facts = append(cl.facts, f)
				}
			}
		}
	}
}

func (l *loader) condition(d *Document, env *expression.Env, s conditionSpec, a *Article, owner string, record ...*Fact) *Condition {
	if !s.ID.set() {
		l.errf(s.When.Line, "condition needs an id (a short code such as min-area)")
	}
	if !s.Zh.set() || !s.En.set() {
		l.errf(s.ID.Line, "condition %s needs a message in Chinese (zh) and English (en)", s.ID.Value)
	}
	c, _ := l.cite(d, s.Cite, a)
	prg := l.compile(env, s.When, expression.Bool, "condition "+s.ID.Value, record...)
	if prg == nil {
		return nil
	}
	cond := newCondition(Condition{ID: s.ID.Value, Zh: s.Zh.Value, En: s.En.Value, Cite: c, Expr: s.When.Value, prg: prg, owner: owner, file: l.file, line: s.ID.Line})
	cond.outcome = s.Outcome.Value
	if s.Gap.set() {
		cond.gap = l.compile(env, s.Gap, expression.Number, "condition "+s.ID.Value+" gap", record...)
		cond.gapLabel = label{unit: s.GapUnit.Value, money: !s.GapUnit.set()}
	}
	return cond
}

// newCondition writes the condition's trace sentences once, at load.
func newCondition(c Condition) *Condition {
	c.pass = "依据" + c.Cite.String() + "，符合：" + c.Zh
	c.fail = "依据" + c.Cite.String() + "，不符合：" + c.Zh
	return &c
}

// zoneCondition checks the document's geographic scope. It says "位于"
// (located in), not "经营": under 20号 the zones are a land plot's.
func (l *loader) zoneCondition(d *Document, env *expression.Env, zone string, c duixian.Cite, owner string) *Condition {
	z, ok := l.cat.Zone(zone)
	if !ok || env == nil {
		return nil
	}
	src := strconv.Quote(zone) + " in zones"
	prg, err := env.Compile(src, expression.Bool)
	if err != nil {
		l.errf(0, "zone condition needs the shared fact zones: %v", err)
		return nil
	}
	return newCondition(Condition{ID: "zone", Zh: "位于" + z.Zh + "内", En: "located in " + orDefault(z.En, z.Value), Cite: c, Expr: src,
		prg: prg.Link(l.names(nil)), doc: owner == d.ID, owner: owner, file: l.file})
}

func (l *loader) clause(d *Document, env *expression.Env, a *Article, s clauseSpec) {
	if !s.ID.set() || !s.Title.set() {
		l.errf(s.ID.Line, "clause needs id and title")
		return
	}
	cl := &Clause{ID: d.ID + "/" + s.ID.Value, Title: s.Title.Value, Category: s.Category.Value, Department: s.Department.Value,
		Zone: d.Zone, Note: s.Note.Value, Due: s.Due, Document: d, Article: a, line: s.ID.Line}
	if _, dup := l.cat.byID[cl.ID]; dup {
		l.errf(s.ID.Line, "clause %s is declared twice", cl.ID)
		return
	}
	cl.Evidence = l.evidence(d, cl, s)
	if cl.Category == "" {
		cl.Category = cl.Title
	}
	if cl.Department == "" {
		cl.Department = d.Department
	}
	exempt := map[string]bool{}
	for _, x := range s.ExemptFrom {
		if !slices.ContainsFunc(d.eligibility, func(c *Condition) bool { return c.ID == x.Value }) {
			l.errf(x.Line, "clause %s is exempt from %q, which is no eligibility condition of %s", cl.ID, x.Value, d.ID)
		}
		exempt[x.Value] = true
	}
	if len(exempt) > 0 && !s.Note.set() {
		l.errf(s.ID.Line, "clause %s is exempt from document conditions: its note must say which text allows it", cl.ID)
	}
	for _, c := range d.eligibility {
		if !exempt[c.ID] {
			cl.conditions = append(cl.conditions, c)
		}
	}
	zoneCite := d.zoneCite
	if s.Zone != nil {
		if _, ok := l.cat.Zone(s.Zone.Zone.Value); !ok {
			l.errf(s.Zone.Zone.Line, "unknown zone %q: the regions are the values of the shared fact zones (%s)", s.Zone.Zone.Value, l.cat.zoneList())
		}
		cl.Zone = s.Zone.Zone.Value
		zoneCite, _ = l.cite(d, s.Zone.Cite, nil, s.Zone.Zone.Line)
	}
	if cl.Zone != "" {
		z, _ := l.cat.Zone(cl.Zone)
		cl.zoneZh = z.Zh
		owner := d.ID
		if s.Zone != nil {
			owner = cl.ID
		}
		if zc := l.zoneCondition(d, env, cl.Zone, zoneCite, owner); zc != nil {
			cl.conditions = append(cl.conditions, zc)
		}
	}
	ids := map[string]bool{}
	for _, cs := range s.Conditions {
		if ids[cs.ID.Value] {
			l.errf(cs.ID.Line, "condition id %s repeats in clause %s", cs.ID.Value, cl.ID)
		}
		ids[cs.ID.Value] = true
		if c := l.condition(d, env, cs, a, cl.ID); c != nil {
			cl.conditions = append(cl.conditions, c)
		}
	}
	if s.Award == nil && s.Classify == nil {
		l.errf(s.ID.Line, "clause %s needs an award or a classify outcome", cl.ID)
	}
	if s.Award != nil {
		cl.award = l.node(d, env, *s.Award, cl.ID+" award", a.cite, nil)
	}
	if s.Classify != nil {
		none := orDefault(s.Classify.None.Value, "none")
		cl.classify = &classification{none: none, refused: orDefault(s.Classify.Refused.Value, none)}
		for _, o := range s.Classify.Outcome {
			c, _ := l.cite(d, o.Cite, a)
			prg := l.compile(env, o.When, expression.Bool, "outcome "+o.Outcome.Value)
			if !o.Outcome.set() || !o.Zh.set() {
				l.errf(o.Outcome.Line, "an outcome needs outcome and zh")
			}
			cl.classify.outcomes = append(cl.classify.outcomes, outcome{outcome: o.Outcome.Value, zh: o.Zh.Value, cite: c, prg: prg})
		}
	}
	if y := s.YearlyCap; y != nil {
		v, err := duixian.ParseAmount(y.Amount.Value)
		if err != nil {
			l.errf(y.Amount.Line, "yearly_cap: %v", err)
		}
		c, _ := l.cite(d, y.Cite, a)
		cl.yearlyCap = &citedAmount{amount: v, cite: c, zh: orDefault(y.Zh.Value, "每年上限")}
	}
	if p := s.Payment; p != nil {
		c, _ := l.cite(d, p.Cite, a)
		cl.payment = &payment{cite: c}
		var sum decimal.Decimal
		for _, t := range p.Tranches {
			share, err := duixian.ParseRate(t.Share.Value)
			if err != nil {
				l.errf(t.Share.Line, "tranche share: %v", err)
			}
			sum, _ = sum.Add(share)
			prg := l.compile(env, t.When, expression.Bool, "tranche")
			cl.payment.tranches = append(cl.payment.tranches, tranche{share: share, text: t.Share.Value, zh: t.Zh.Value, prg: prg})
		}
		if !sum.Equal(decimal.One) {
			l.errf(p.Cite.Line, "payment tranches add up to %s, not 100%%", sum)
		}
	}
	l.materials(d, cl, s.Materials)
	l.collectFacts(cl)
	l.cat.byID[cl.ID] = cl
	l.cat.clauses = append(l.cat.clauses, cl)
	a.Clauses = append(a.Clauses, cl)
}

// evidence reads a clause's grade: every clause of a document outside the
// gazette (one with a source) needs one, with its source; a gazette
// document is its own text and takes none.
func (l *loader) evidence(d *Document, cl *Clause, s clauseSpec) *Evidence {
	e := s.Evidence
	switch {
	case e == nil && d.Source != "":
		l.errf(s.ID.Line, "clause %s of a document from outside the gazette (source:) needs evidence: {grade: A|B|C, source: …}", cl.ID)
		return nil
	case e == nil:
		return nil
	case d.Source == "":
		l.errf(e.Grade.Line, "clause %s: evidence grades a document from outside the gazette; %s has no source:", cl.ID, d.ID)
		return nil
	}
	if !slices.ContainsFunc(Grades, func(g EvidenceGrade) bool { return g.Grade == e.Grade.Value }) {
		l.errf(e.Grade.Line, "clause %s: evidence grade %q is not A, B or C", cl.ID, e.Grade.Value)
	}
	if strings.TrimSpace(e.Source.Value) == "" {
		l.errf(e.Grade.Line, "clause %s: evidence needs a source naming the texts its figures were read in", cl.ID)
	}
	return &Evidence{Grade: e.Grade.Value, Source: strings.TrimSpace(e.Source.Value), ConfirmedIn: e.ConfirmedIn.Value}
}

// readsAll reports whether cl reads every fact inv reads.
func readsAll(cl *Clause, inv *Condition) bool {
	for _, name := range inv.prg.Program().Vars {
		if !slices.ContainsFunc(cl.facts, func(f *Fact) bool { return f.Name == name }) {
			return false
		}
	}
	return true
}

// collectFacts lists every fact the clause's expressions read, in order of
// first use: the schema of the clause's application form.
func (l *loader) collectFacts(cl *Clause) {
	seen := map[string]bool{}
	reads := func(lk *expression.Linked) {
		if lk == nil {
			return
		}
		cl.countsFromEvent = cl.countsFromEvent || lk.Program().ReadsEventDate
		for _, name := range lk.Program().Vars {
			f, ok := l.cat.facts[name]
			if !ok || seen[name] {
				continue // a record field, or known already
			}
			seen[name] = true
			cl.facts = append(cl.facts, f)
		}
	}
	for _, c := range cl.conditions {
		reads(c.prg)
		reads(c.gap)
	}
	var walk func(n *node)
	walk = func(n *node) {
		if n == nil {
			return
		}
		for _, p := range []*expression.Linked{n.when, n.of, n.count, n.on, n.less} {
			reads(p)
		}
		for _, b := range n.bands {
			walk(b.node)
		}
		for _, c := range n.children {
			walk(c)
		}
		for _, c := range n.caps {
			walk(c)
		}
		if n.each != nil {
			if !seen[n.each.fact.Name] {
				seen[n.each.fact.Name] = true
				cl.facts = append(cl.facts, n.each.fact)
			}
			for _, c := range n.each.valid {
				reads(c.prg)
			}
			walk(n.each.award)
		}
	}
	walk(cl.award)
	if cl.classify != nil {
		for _, o := range cl.classify.outcomes {
			reads(o.prg)
		}
	}
	if cl.payment != nil {
		for _, t := range cl.payment.tranches {
			reads(t.prg)
		}
	}
}

var rangeRE = regexp.MustCompile(`^\s*([\[(（［])\s*([^,，]*?)\s*[,，]\s*([^\])）］]*?)\s*([\])）］])\s*$`)

func (l *loader) parseRange(s scalar, money bool) (band, bool) {
	m := rangeRE.FindStringSubmatch(s.Value)
	if m == nil {
		l.errf(s.Line, "range %q: write it as an interval, e.g. \"(100, 200]\" (含 = square bracket)", s.Value)
		return band{}, false
	}
	b := band{loIncl: m[1] == "[" || m[1] == "［", hiIncl: m[4] == "]" || m[4] == "］", text: s.Value}
	edge := func(t string) (*decimal.Decimal, bool) {
		switch strings.TrimSpace(t) {
		case "", "∞", "+∞", "-∞", "inf", "+inf", "-inf":
			return nil, true
		}
		d, err := l.number(scalar{Value: t, Line: s.Line}, money)
		if err != nil {
			l.errf(s.Line, "range %q: %v", s.Value, err)
			return nil, false
		}
		return &d, true
	}
	var ok1, ok2 bool
	b.lo, ok1 = edge(m[2])
	b.hi, ok2 = edge(m[3])
	if b.lo == nil {
		b.loIncl = false
	}
	if b.hi == nil {
		b.hiIncl = false
	}
	if b.lo != nil && b.hi != nil && b.lo.Cmp(*b.hi) >= 0 {
		l.errf(s.Line, "range %q is empty", s.Value)
		return b, false
	}
	return b, ok1 && ok2
}

// checkBands requires tiers to ascend without gap or overlap: where one band
// ends the next begins, and the shared edge belongs to exactly one (含).
func (l *loader) checkBands(line int, bands []band) {
	for i := 1; i < len(bands); i++ {
		p, c := bands[i-1], bands[i]
		switch {
		case p.hi == nil || c.lo == nil:
			l.errf(line, "tiers %s and %s: only the first tier may be open below and only the last open above", p.text, c.text)
		case p.hi.Cmp(*c.lo) < 0:
			l.errf(line, "gap between tiers %s and %s: values between %s and %s fall in no tier", p.text, c.text, p.hi, c.lo)
		case p.hi.Cmp(*c.lo) > 0:
			l.errf(line, "tiers %s and %s overlap", p.text, c.text)
		case p.hiIncl && c.loIncl:
			l.errf(line, "tiers %s and %s overlap: %s belongs to both (含 only one side)", p.text, c.text, p.hi)
		case !p.hiIncl && !c.loIncl:
			l.errf(line, "gap between tiers %s and %s: %s itself falls in no tier (含 one side)", p.text, c.text, p.hi)
		}
	}
}

// labelOf says how a trace shows the value of an expression: a bare fact
// shows with its own label and unit; anything else needs a written label.
func (l *loader) labelOf(p *expression.Linked, zh scalar, what string, record *Fact, moneyDefault bool) label {
	if p == nil {
		return label{}
	}
	name := strings.TrimSpace(p.Source())
	f, ok := l.cat.facts[name]
	if !ok && record != nil {
		for _, fd := range record.Fields {
			if fd.Name == name {
				f, ok = fd, true
			}
		}
	}
	if ok && zh.Value == "" {
		return label{zh: f.Zh, unit: f.Unit, money: f.Kind == KindMoney}
	}
	if zh.Value == "" {
		l.errf(zh.Line, "%s %q is not a single fact: give it a Chinese label (%s_zh)", what, p.Source(), what)
	}
	unit, money := "", moneyDefault
	if ok {
		unit, money = f.Unit, f.Kind == KindMoney
	}
	return label{zh: zh.Value, unit: unit, money: money}
}

func (l *loader) node(d *Document, env *expression.Env, s awardSpec, key string, parent duixian.Cite, record *Fact) *node {
	n := &node{key: key, zh: s.Zh.Value}
	n.cite = parent
	if s.Cite.set() {
		n.cite, _ = l.cite(d, s.Cite, nil)
	}
	line := firstLine(s)
	shapes := 0
	for _, set := range []bool{s.Amount.set(), s.Rate.set(), s.Per.set(), s.UpTo.set(), s.Tiers != nil, len(s.Cases) > 0, len(s.HighestOf) > 0, len(s.SumOf) > 0, s.Each != nil} {
		if set {
			shapes++
		}
	}
	if shapes != 1 {
		l.errf(line, "%s: an award node takes exactly one of amount, rate, per, up_to, tiers, cases, highest_of, sum_of, each (found %d)", key, shapes)
		return n
	}
	if s.When.set() {
		n.when = l.compile(env, s.When, expression.Bool, key+" when", record)
		n.whenZh = orDefault(s.Zh.Value, s.When.Value)
	}
	amount := func(sc scalar) decimal.Decimal {
		v, err := duixian.ParseAmount(sc.Value)
		if err != nil {
			l.errf(sc.Line, "%s: %v", key, err)
		}
		return v
	}
	if s.Ceiling.set() && (!s.Rate.set() || (s.Ceiling.Value != "true" && s.Ceiling.Value != "false")) {
		l.errf(s.Ceiling.Line, "%s: ceiling: true goes with a rate written as the most allowed (不超过30%%)", key)
	}
	switch {
	case s.Amount.set():
		n.kind, n.amount = nodeAmount, amount(s.Amount)
	case s.Rate.set():
		n.kind, n.rateText, n.ceiling = nodeRate, s.Rate.Value, s.Ceiling.Value == "true"
		r, err := duixian.ParseRate(s.Rate.Value)
		if err != nil {
			l.errf(s.Rate.Line, "%s: %v", key, err)
		}
		n.rate = r
		n.of = l.compile(env, s.Of, expression.Number, key+" of", record)
		n.ofLabel = l.labelOf(n.of, s.OfZh, "of", record, true)
	case s.Per.set():
		n.kind, n.amount = nodePer, amount(s.Per)
		n.count = l.compile(env, s.Count, expression.Number, key+" count", record)
		lb := l.labelOf(n.count, s.CountZh, "count", record, false)
		n.countZh, n.countUnit = lb.zh, orDefault(s.CountUnit.Value, lb.unit)
	case s.UpTo.set():
		n.kind, n.amount = nodeUpTo, amount(s.UpTo)
		n.of = l.compile(env, s.Of, expression.Number, key+" of", record)
		n.ofLabel = l.labelOf(n.of, s.OfZh, "of", record, true)
	case s.Tiers != nil:
		n.kind = nodeTiers
		n.on = l.compile(env, s.Tiers.On, expression.Number, key+" tiers on", record)
		n.onLabel = l.labelOf(n.on, s.Tiers.OnZh, "on", record, false)
		if s.Tiers.OnUnit.set() {
			n.onLabel.unit = s.Tiers.OnUnit.Value
		}
		if len(s.Tiers.Bands) == 0 {
			l.errf(s.Tiers.On.Line, "%s: tiers need bands", key)
		}
		for i, bs := range s.Tiers.Bands {
			b, ok := l.parseRange(bs.Range, n.onLabel.money)
			if !ok {
				continue
			}
			b.node = l.node(d, env, bs.awardSpec, fmt.Sprintf("%s.tiers[%d]", key, i), n.cite, record)
			n.bands = append(n.bands, b)
		}
		l.checkBands(s.Tiers.On.Line, n.bands)
	case len(s.Cases) > 0:
		n.kind = nodeCases
		for i, cs := range s.Cases {
			if !cs.When.set() && i < len(s.Cases)-1 {
				l.errf(firstLine(cs), "%s: only the last case may go without when", key)
			}
			n.children = append(n.children, l.node(d, env, cs, fmt.Sprintf("%s.cases[%d]", key, i), n.cite, record))
		}
	case len(s.HighestOf) > 0, len(s.SumOf) > 0:
		n.kind = nodeHighestOf
		kids, name := s.HighestOf, "highest_of"
		if len(s.SumOf) > 0 {
			n.kind, kids, name = nodeSumOf, s.SumOf, "sum_of"
		}
		if len(kids) < 2 {
			l.errf(line, "%s: %s needs at least two parts", key, name)
		}
		for i, cs := range kids {
			n.children = append(n.children, l.node(d, env, cs, fmt.Sprintf("%s.%s[%d]", key, name, i), n.cite, record))
		}
	case s.Each != nil:
		n.kind = nodeEach
		f, ok := l.cat.facts[s.Each.Records.Value]
		if !ok || f.Kind != KindRecords {
			l.errf(s.Each.Records.Line, "%s: each needs a records fact, %q is not one", key, s.Each.Records.Value)
			return n
		}
		fields := map[string]expression.Type{}
		for _, fd := range f.Fields {
			if _, clash := l.cat.facts[fd.Name]; clash {
				l.errf(s.Each.Records.Line, "%s: record field %s has the name of a fact; rename it", key, fd.Name)
			}
			fields[fd.Name] = fd.exprType()
		}
		renv, err := env.Extend(fields)
		if err != nil {
			l.errf(s.Each.Records.Line, "%s: %v", key, err)
			return n
		}
		e := &each{fact: f}
		home := l.articles[l.cat.docByID[n.cite.Document]][n.cite.Article]
		for _, cs := range s.Each.Valid {
			if c := l.condition(d, renv, cs, home, key, f); c != nil {
				e.valid = append(e.valid, c)
			}
		}
		e.award = l.node(d, renv, s.Each.Award, key+".each", n.cite, f)
		n.each = e
	}
	if s.Less.set() {
		n.less = l.compile(env, s.Less, expression.Number, key+" less", record)
		n.lessZh = l.labelOf(n.less, s.LessZh, "less", record, true).zh
	}
	if s.Cap.set() {
		v, err := duixian.ParseAmount(s.Cap.Value)
		switch {
		case err != nil && strings.HasSuffix(strings.TrimSpace(s.Cap.Value), "%"):
			l.errf(s.Cap.Line, "%s: cap %q is a share of something: write it under caps, as caps: [{rate: %s, of: the_fact, zh: …}]", key, s.Cap.Value, strings.TrimSpace(s.Cap.Value))
		case err != nil:
			l.errf(s.Cap.Line, "%s: cap: %v", key, err)
		case !v.IsPos():
			l.errf(s.Cap.Line, "%s: cap must be positive", key)
		}
		if strings.Contains(s.CapZh.Value, "不超过") || strings.Contains(s.CapZh.Value, "不高于") {
			l.errf(s.CapZh.Line, "%s: cap_zh %q names the cap (单个项目最高, 市区两级合计上限) without 不超过: the trace says 超过/未超过 itself", key, s.CapZh.Value)
		}
		n.cap = &citedAmount{amount: v, zh: orDefault(s.CapZh.Value, "上限"), cite: n.cite}
	}
	for i, cs := range s.Caps {
		if !cs.Zh.set() {
			l.errf(firstLine(cs), "%s: each of caps needs zh naming the cap (每平方米10元上限)", key)
		}
		if strings.Contains(cs.Zh.Value, "不超过") || strings.Contains(cs.Zh.Value, "不高于") {
			l.errf(cs.Zh.Line, "%s: caps zh %q names the cap (市区两级合计上限：改造投资总额的50%%) without 不超过: the trace says 超过/未超过 itself", key, cs.Zh.Value)
		}
		n.caps = append(n.caps, l.node(d, env, cs, fmt.Sprintf("%s.caps[%d]", key, i), n.cite, record))
		n.capKeys = append(n.capKeys, fmt.Sprintf("%s caps[%d]", key, i))
	}
	return n
}

func firstLine(s awardSpec) int {
	for _, sc := range []scalar{s.Cite, s.Zh, s.When, s.Amount, s.Rate, s.Per, s.UpTo, s.Cap} {
		if sc.Line > 0 {
			return sc.Line
		}
	}
	if s.Tiers != nil {
		return s.Tiers.On.Line
	}
	if s.Each != nil {
		return s.Each.Records.Line
	}
	return 0
}

func (l *loader) limit(d *Document, env *expression.Env, a *Article, s limitSpec) {
	c, _ := l.cite(d, s.Cite, a)
	a.cited = true
	lim := &Limit{cite: c, doc: d, zh: s.Zh.Value, en: s.En.Value, line: s.Cite.Line}
	if !s.Zh.set() || !s.En.set() {
		l.errf(s.Zh.Line, "a limit needs zh and en stating the rule")
	}
	clauses := func(ids []scalar) []*Clause {
		var out []*Clause
		for _, id := range ids {
			full := id.Value
			if !strings.Contains(full, "/") {
				full = d.ID + "/" + full
			}
			cl, ok := l.cat.byID[full]
			if !ok {
				l.errf(id.Line, "limit names clause %s, which does not exist", full)
				continue
			}
			out = append(out, cl)
		}
		if len(out) < 2 {
			l.errf(s.Zh.Line, "a limit across clauses needs at least two clauses")
		}
		return out
	}
	kinds := 0
	if s.CategoryLimit.set() {
		kinds++
		lim.kind = "category"
		n, err := strconv.Atoi(s.CategoryLimit.Value)
		if err != nil || n < 1 {
			l.errf(s.CategoryLimit.Line, "category_limit must be a positive whole number")
		}
		lim.max = n
	}
	if len(s.Exclusive) > 0 {
		kinds++
		lim.kind, lim.clauses = "exclusive", clauses(s.Exclusive)
	}
	if len(s.HighestOnly) > 0 {
		kinds++
		lim.kind, lim.clauses = "highest-only", clauses(s.HighestOnly)
	}
	if s.TotalCap.set() {
		kinds++
		lim.kind = "total-cap"
		lim.total = l.compile(env, s.TotalCap, expression.Number, "total_cap")
		if lim.total != nil {
			lim.totalZh = l.labelOf(lim.total, s.TotalCapZh, "total_cap", nil, true).zh
			for _, v := range lim.total.Program().Vars {
				lim.totalFacts = append(lim.totalFacts, l.cat.facts[v])
			}
		}
	}
	if kinds != 1 {
		l.errf(s.Zh.Line, "a limit takes exactly one of category_limit, exclusive, highest_only, total_cap")
		return
	}
	lim.key = fmt.Sprintf("%s limit[%d] %s", d.ID, len(d.limits), lim.kind)
	d.limits = append(d.limits, lim)
}
