package simulation

import (
	"cmp"
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/sqldb"
)

// Options are a simulation's dates and what it keeps.
type Options struct {
	// Date is the event date both catalogues decide on (免申即享's); AsOf
	// the day they are asked. The reform must be in force on Date.
	Date, AsOf duixian.Date
	// Keep is how many movers the report keeps, the largest changes
	// first; every one goes to Mover. Zero keeps DefaultKeep.
	Keep int
	// Full decides every clause under the reform too. Without it the
	// clauses of documents the reform leaves alone (same file, nothing
	// superseding or annulling them anew, facts.yaml unchanged) are
	// decided once: their decisions cannot differ.
	Full bool
	// Progress, if set, is called after each page of the registry.
	Progress func(done, total int)
	// Mover, if set, gets every mover as the stream finds it, in USCC
	// order: the report keeps only the largest.
	Mover func(Mover) error
	// MaxEnterprises, if set, refuses a registry larger than this (a
	// simulation run while a page waits).
	MaxEnterprises int
}

// DefaultKeep is how many movers a report keeps unless told.
const DefaultKeep = 200

// Figures are what a catalogue gives a clause or a group: how many are
// eligible (an enterprise under a clause) and the total awarded, in fen.
type Figures struct {
	Eligible int           `json:"eligible"`
	Total    duixian.Money `json:"total_fen"`
}

// Row compares one clause or one group under both catalogues.
type Row struct {
	Key      string  `json:"key"` // the clause id, or the group's label
	Title    string  `json:"title,omitempty"`
	Baseline Figures `json:"baseline"`
	Reform   Figures `json:"reform"`
	// Gainers and Losers count enterprises whose award under the clause
	// (or within the group) rises or falls, including those who become
	// eligible or stop being so.
	Gainers    int           `json:"gainers"`
	Losers     int           `json:"losers"`
	Difference duixian.Money `json:"difference_fen"`
}

func (r *Row) finish() { r.Difference = r.Reform.Total - r.Baseline.Total }

// ClauseRow is a clause's comparison, with last year's applications and
// next year's outlook.
type ClauseRow struct {
	Clause     string `json:"clause"`
	Title      string `json:"title"`
	Document   string `json:"document"` // 21号
	Department string `json:"department"`
	Row
	// Status: unchanged, changed (its document is the reform's), added
	// (only the reform has it), removed (only the law in force).
	Status string `json:"status"`
	// Applications is last year's applications under the clause (past
	// draft, not withdrawn), decided again under both catalogues.
	Applications     int           `json:"applications"`
	AppliedBaseline  duixian.Money `json:"applied_baseline_fen"`
	AppliedReform    duixian.Money `json:"applied_reform_fen"`
	AppliedUndecided int           `json:"applied_undecided,omitempty"`
	Outlook          Outlook       `json:"outlook"`
}

// Outlook is next year's expected spend on a clause at last year's take-up
// (applications ÷ enterprises eligible now under the law in force).
type Outlook struct {
	// TakeUpPermille is the take-up in thousandths, at most 1000. A clause
	// without history (new, or nobody eligible now) takes the take-up of
	// the whole catalogue: Assumed says so.
	TakeUpPermille int           `json:"take_up_permille"`
	Assumed        bool          `json:"assumed,omitempty"`
	Baseline       duixian.Money `json:"baseline_fen"`
	Reform         duixian.Money `json:"reform_fen"`
}

// Mover is an enterprise whose award under a clause changes, and why.
type Mover struct {
	Enterprise string        `json:"enterprise"`
	Name       string        `json:"enterprise_name"`
	Clause     string        `json:"clause"`
	Title      string        `json:"title"`
	Baseline   duixian.Money `json:"baseline_fen"`
	Reform     duixian.Money `json:"reform_fen"`
	Difference duixian.Money `json:"difference_fen"`
	// Kind: gains (eligible only under the reform), loses (only under the
	// law in force), more or less (eligible under both, another amount).
	Kind string `json:"kind"`
	Why  []Why  `json:"why"`
}

// Why is one change that moved an enterprise's decision: a condition it
// now fails or now meets, or the award's rule, cited to the reform's
// article and to the one in force (either absent when that side has no
// such rule).
type Why struct {
	Code    string        `json:"code"`
	Zh      string        `json:"zh"`
	Reform  *duixian.Cite `json:"reform_cite,omitempty"`
	InForce *duixian.Cite `json:"in_force_cite,omitempty"`
	Gap     string        `json:"gap,omitempty"`
}

// Bin is one band of the distribution of awards (an enterprise under a
// clause): how many awards fall in it under each catalogue.
type Bin struct {
	Label    string        `json:"label"`
	From     duixian.Money `json:"from_fen"`
	Baseline int           `json:"baseline"`
	Reform   int           `json:"reform"`
}

// Report is a simulation's result. Every amount is exact, in fen.
type Report struct {
	Date      duixian.Date `json:"date"`
	AsOf      duixian.Date `json:"as_of"`
	Documents []string     `json:"documents"` // the reform's
	Clauses   []ClauseRow  `json:"clauses"`
	// Totals: Eligible counts awards (an enterprise under a clause);
	// Gainers and Losers count enterprises whose total moves.
	Totals      Row   `json:"totals"`
	Enterprises int   `json:"enterprises"`
	Departments []Row `json:"departments"`
	// Industries groups by document: each of the gazette's documents is
	// one industry's policy (the registry records no industry).
	Industries   []Row   `json:"industries"`
	Zones        []Row   `json:"zones"`
	Sizes        []Row   `json:"sizes"`
	Distribution []Bin   `json:"distribution"`
	Movers       []Mover `json:"movers,omitempty"` // the largest changes, at most Keep
	MoversTotal  int     `json:"movers_total"`
	// Outlook sums the clauses' outlooks; LastYear is the year of the
	// applications it is read from.
	LastYear int     `json:"last_year"`
	Outlook  Outlook `json:"outlook"`
	Errors   int     `json:"errors"` // enterprises whose data no clause can read
	// ReformErrors are those the reform's catalogue cannot read (a fact
	// it no longer declares): they count for neither side's figures under
	// the reform, and are listed as losers.
	ReformErrors int `json:"reform_errors"`
}

// Service runs simulations over the platform's registry, against the
// catalogue in force.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
}

// Simulate checks the reform's files (Load) and runs it (Run).
func (s *Service) Simulate(ctx context.Context, files map[string][]byte, o Options) (*Reform, *Report, error) {
	r, err := Load(s.Catalogue, files)
	if err != nil {
		return nil, nil, err
	}
	rep, err := Run(ctx, s.DB, s.Catalogue, r, o)
	return r, rep, err
}

// Run decides the registry under the catalogue in force and under the
// reform in one stream (matching.StreamPasses: memory a page or two,
// whatever the registry's size), then last year's applications under both,
// and reports the comparison.
func Run(ctx context.Context, db *sqldb.DB, base *engine.Catalogue, r *Reform, o Options) (*Report, error) {
	if o.Date.Before(r.InForceFrom) {
		return nil, duixian.Errorf(duixian.EINVALID, "date", "改革方案自%s起施行，仿真日期应不早于该日",
			"the reform is in force from %s; simulate on that day or later", r.InForceFrom)
	}
	if o.AsOf.IsZero() {
		o.AsOf = o.Date
	}
	if o.Keep == 0 {
		o.Keep = DefaultKeep
	}
	if o.MaxEnterprises > 0 {
		n := 0
		if err := db.Read(ctx, func(tx *sqldb.Tx) (err error) { n, err = tx.EnterpriseCount(); return }); err != nil {
			return nil, err
		}
		if n > o.MaxEnterprises {
			return nil, duixian.Errorf(duixian.EINVALID, "registry", "企业库有 %d 家企业，页面仿真上限为 %d 家，请用命令 duixian simulate",
				"the registry holds %d enterprises, more than a page simulates (%d); use duixian simulate", n, o.MaxEnterprises)
		}
	}
	s := newState(base, r, o)
	b := base.NewBatch(o.Date, o.AsOf, false)
	rb := r.Catalogue.NewBatch(o.Date, o.AsOf, false, s.decided()...)
	passes := []matching.Pass{{Catalogue: base, Batch: b, Tag: tag}, {Catalogue: r.Catalogue, Batch: rb}}
	_, err := matching.StreamPasses(ctx, db, passes, o.AsOf, o.Progress, func(ps []*matching.Page) error {
		return s.page(ps[0], ps[1])
	})
	if err != nil {
		return nil, err
	}
	if err := s.applications(ctx, db); err != nil {
		return nil, err
	}
	return s.report(), nil
}

// state is what a simulation sums as pages come.
type state struct {
	base, reform *engine.Catalogue
	r            *Reform
	o            Options
	// same: clauses the reform cannot change, decided once.
	same    map[string]bool
	clauses map[string]*ClauseRow
	groups  [4]map[string]*Row // department, industry, zone, size
	totals  Row
	bins    []Bin
	movers  []Mover
	nmovers int
	ents    int
	errors  int
	rerrors int
	// the condition with a code, in force and in the reform
	condBase, condReform map[string]*engine.Condition
	lastYear             int
}

func newState(base *engine.Catalogue, r *Reform, o Options) *state {
	s := &state{base: base, reform: r.Catalogue, r: r, o: o, same: map[string]bool{}, clauses: map[string]*ClauseRow{},
		condBase: conditions(base), condReform: conditions(r.Catalogue), lastYear: o.Date.Year - 1}
	for i := range s.groups {
		s.groups[i] = map[string]*Row{}
	}
	for _, b := range bands {
		s.bins = append(s.bins, Bin{Label: b.label, From: b.from})
	}
	if !o.Full && r.Files["facts.yaml"] == nil {
		for _, cl := range base.Clauses() {
			if rc, ok := r.Catalogue.Clause(cl.ID); ok && !r.Changed(cl.Document.ID) && !s.touched(cl.Document.ID) && rc.Pays() == cl.Pays() {
				s.same[cl.ID] = true
			}
		}
	}
	for _, cl := range base.Clauses() {
		if cl.Pays() {
			s.clause(cl.ID)
		}
	}
	for _, cl := range r.Catalogue.Clauses() {
		if cl.Pays() {
			s.clause(cl.ID)
		}
	}
	return s
}

// touched reports whether the reform supersedes or annuls the document
// otherwise than the law in force does: its clauses may then decide
// otherwise though its file is the same.
func (s *state) touched(doc string) bool {
	bd, _ := s.base.Document(doc)
	rd, ok := s.reform.Document(doc)
	if !ok {
		return true
	}
	bs, rs := s.base.SupersededBy(bd), s.reform.SupersededBy(rd)
	if len(bs) != len(rs) {
		return true
	}
	for i := range bs {
		if bs[i].By.ID != rs[i].By.ID || bs[i].EventsUntil != rs[i].EventsUntil || s.r.Changed(bs[i].By.ID) {
			return true
		}
	}
	ba, ra := bd.Annulled(), rd.Annulled()
	if (ba == nil) != (ra == nil) {
		return true
	}
	return ba != nil && (ba.By.ID != ra.By.ID || ba.From != ra.From || s.r.Changed(ba.By.ID))
}

// decided lists the clauses the reform's pass decides (nil: every one).
func (s *state) decided() []string {
	if len(s.same) == 0 {
		return nil
	}
	var out []string
	for _, cl := range s.reform.Clauses() {
		if cl.Pays() && !s.same[cl.ID] {
			out = append(out, cl.ID)
		}
	}
	if len(out) == 0 {
		// NewBatch reads no names as every clause: name one that cannot
		// match, so that nothing is decided twice.
		return []string{"\x00none"}
	}
	return out
}

func conditions(c *engine.Catalogue) map[string]*engine.Condition {
	out := map[string]*engine.Condition{}
	for _, cl := range c.Clauses() {
		for _, cond := range cl.Conditions() {
			out[cond.Code()] = cond
		}
	}
	return out
}

// clause is the clause's row, made on first use.
func (s *state) clause(id string) *ClauseRow {
	if r, ok := s.clauses[id]; ok {
		return r
	}
	r := &ClauseRow{Clause: id}
	bc, inBase := s.base.Clause(id)
	rc, inReform := s.reform.Clause(id)
	cl := rc
	switch {
	case !inBase || !bc.Pays():
		r.Status = "added"
	case !inReform || !rc.Pays():
		r.Status, cl = "removed", bc
	case s.r.Changed(bc.Document.ID):
		r.Status = "changed"
	default:
		r.Status = "unchanged"
	}
	r.Key, r.Title, r.Document, r.Department = id, cl.Title, cl.Document.Short, cl.Department
	s.clauses[id] = r
	return r
}

// tag is an enterprise's groups from its facts: zone and size.
func tag(f duixian.Facts) string { return zoneOf(f) + "|" + sizeOf(f) }

func zoneOf(f duixian.Facts) string {
	zs, ok := f["zones"].([]string)
	switch {
	case !ok:
		return "区域未登记"
	case slices.Contains(zs, "core-60"):
		return "60平方公里核心区"
	case slices.Contains(zs, "yizhuang-225"):
		return "225平方公里（核心区外）"
	}
	return "经开区外"
}

func sizeOf(f duixian.Facts) string {
	switch v, ok := f["fin_small_micro"].(bool); {
	case !ok:
		return "规模未登记"
	case v:
		return "小微企业"
	}
	return "非小微企业"
}

type key struct{ uscc, clause string }

// page compares a page of the registry decided under both catalogues.
func (s *state) page(bp, rp *matching.Page) error {
	s.ents += bp.Subjects
	s.errors += len(bp.Errors)
	s.rerrors += len(rp.Errors)
	// Awards under each catalogue; clauses the reform cannot change are
	// the baseline's on both sides.
	award := func(os []matching.Offer, side int) map[key]*duixian.Decision {
		m := make(map[key]*duixian.Decision, len(os))
		for i := range os {
			d := &os[i].Decision
			if side == 1 && s.same[d.Clause] {
				continue
			}
			m[key{os[i].Enterprise, d.Clause}] = d
		}
		return m
	}
	ba, ra := award(bp.Offers, 0), award(rp.Offers, 1)
	names := map[string]string{}
	count := func(o matching.Offer, reform bool) {
		d := &o.Decision
		names[o.Enterprise] = o.Name
		ts := strings.SplitN(bp.Tags[o.Enterprise], "|", 2)
		cl, _ := s.clauseOf(d.Clause)
		groups := [4]string{s.clause(d.Clause).Department, docLabel(cl), ts[0], ts[len(ts)-1]}
		fig := func(r *Row) *Figures {
			if reform {
				return &r.Reform
			}
			return &r.Baseline
		}
		for _, r := range append(s.rows(groups), &s.clause(d.Clause).Row, &s.totals) {
			f := fig(r)
			f.Eligible++
			f.Total += d.Amount
		}
		bin := &s.bins[binOf(d.Amount)]
		if reform {
			bin.Reform++
		} else {
			bin.Baseline++
		}
	}
	for _, o := range bp.Offers {
		count(o, false)
		if s.same[o.Decision.Clause] {
			count(o, true)
		}
	}
	for _, o := range rp.Offers {
		if !s.same[o.Decision.Clause] {
			count(o, true)
		}
	}
	// Movers: awards that differ. Each side's refusals are read only for
	// them.
	var moved []key
	for k, d := range ba {
		if s.same[k.clause] {
			continue
		}
		if r, ok := ra[k]; !ok || r.Amount != d.Amount {
			moved = append(moved, k)
		}
	}
	for k := range ra {
		if _, ok := ba[k]; !ok {
			moved = append(moved, k)
		}
	}
	if len(moved) == 0 {
		return nil
	}
	refused := func(os []matching.Offer) map[key]*duixian.Decision {
		m := map[key]*duixian.Decision{}
		for i := range os {
			m[key{os[i].Enterprise, os[i].Decision.Clause}] = &os[i].Decision
		}
		return m
	}
	bn, rn := refused(bp.NearMisses), refused(rp.NearMisses)
	sort.Slice(moved, func(i, j int) bool {
		return moved[i].uscc < moved[j].uscc || moved[i].uscc == moved[j].uscc && moved[i].clause < moved[j].clause
	})
	byEnterprise := map[string]duixian.Money{}
	for _, k := range moved {
		m := s.mover(k, names[k.uscc], ba[k], ra[k], bn[k], rn[k])
		byEnterprise[k.uscc] += m.Difference
		ts := strings.SplitN(bp.Tags[k.uscc], "|", 2)
		cl, _ := s.clauseOf(k.clause)
		for _, r := range append(s.rows([4]string{s.clause(k.clause).Department, docLabel(cl), ts[0], ts[len(ts)-1]}), &s.clause(k.clause).Row) {
			if m.Difference > 0 {
				r.Gainers++
			} else {
				r.Losers++
			}
		}
		s.nmovers++
		if s.o.Mover != nil {
			if err := s.o.Mover(m); err != nil {
				return err
			}
		}
		s.keep(m)
	}
	for _, d := range byEnterprise {
		switch {
		case d > 0:
			s.totals.Gainers++
		case d < 0:
			s.totals.Losers++
		}
	}
	return nil
}

// clauseOf finds a clause in the reform, else in force.
func (s *state) clauseOf(id string) (*engine.Clause, bool) {
	if cl, ok := s.reform.Clause(id); ok {
		return cl, true
	}
	return s.base.Clause(id)
}

func docLabel(cl *engine.Clause) string {
	if cl == nil {
		return ""
	}
	return cl.Document.Short + " " + cl.Document.Title
}

func (s *state) rows(groups [4]string) []*Row {
	out := make([]*Row, 0, 4)
	for i, g := range groups {
		r, ok := s.groups[i][g]
		if !ok {
			r = &Row{Key: g}
			s.groups[i][g] = r
		}
		out = append(out, r)
	}
	return out
}

// mover says how and why an enterprise's award under a clause moved: b and
// r its awards (nil where it has none), bn and rn its refusals.
func (s *state) mover(k key, name string, b, r, bn, rn *duixian.Decision) Mover {
	m := Mover{Enterprise: k.uscc, Name: name, Clause: k.clause, Title: s.clause(k.clause).Title}
	if b != nil {
		m.Baseline = b.Amount
	}
	if r != nil {
		m.Reform = r.Amount
	}
	m.Difference = m.Reform - m.Baseline
	bc, inBase := s.base.Clause(k.clause)
	rc, inReform := s.reform.Clause(k.clause)
	switch {
	case b != nil && r != nil:
		m.Kind = "less"
		if m.Difference > 0 {
			m.Kind = "more"
		}
		m.Why = []Why{{Code: k.clause + ":award", Zh: "奖励标准变更：由" + m.Baseline.Wan() + "变为" + m.Reform.Wan(),
			Reform: cite(rc.Cite()), InForce: cite(bc.Cite())}}
	case b != nil:
		m.Kind = "loses"
		switch {
		case !inReform || !rc.Pays():
			m.Why = []Why{{Code: k.clause + ":removed", Zh: "改革方案删除了该条款", InForce: cite(bc.Cite())}}
		case rn != nil:
			m.Why = s.reasons(rn.Reasons, true)
		default:
			m.Why = []Why{{Code: k.clause + ":not-applicable", Zh: "改革方案下该条款不再适用于该企业（施行期或区域）", Reform: cite(rc.Cite()), InForce: cite(bc.Cite())}}
		}
	default:
		m.Kind = "gains"
		switch {
		case !inBase || !bc.Pays():
			m.Why = []Why{{Code: k.clause + ":added", Zh: "改革方案新增该条款", Reform: cite(rc.Cite())}}
		case bn != nil:
			m.Why = s.reasons(bn.Reasons, false)
		default:
			m.Why = []Why{{Code: k.clause + ":not-applicable", Zh: "现行政策下该条款不适用于该企业（施行期或区域）", Reform: cite(rc.Cite()), InForce: cite(bc.Cite())}}
		}
	}
	return m
}

// reasons are the refusals of one side as changes: the conditions the
// enterprise fails under the reform (reform) or failed under the law in
// force, each cited to both texts where both have it, with the other
// text's wording when it differs.
func (s *state) reasons(rs []duixian.Reason, reform bool) []Why {
	own, other := s.condBase, s.condReform
	if reform {
		own, other = s.condReform, s.condBase
	}
	out := make([]Why, 0, len(rs))
	for _, x := range rs {
		w := Why{Code: x.Code, Zh: x.Zh, Gap: x.Gap}
		mine, there := cite(x.Cite), (*duixian.Cite)(nil)
		c, ok := other[x.Code]
		if ok {
			there = cite(c.Cite)
		}
		if reform {
			w.Reform, w.InForce = mine, there
		} else {
			w.InForce, w.Reform = mine, there
		}
		if _, isCondition := own[x.Code]; isCondition {
			switch {
			case !ok && reform:
				w.Zh += "（改革方案新增的条件）"
			case !ok:
				w.Zh += "（改革方案删除了该条件）"
			case c.Expr != own[x.Code].Expr && reform:
				w.Zh += "（现行：" + c.Zh + "）"
			case c.Expr != own[x.Code].Expr:
				w.Zh += "（改革方案改为：" + c.Zh + "）"
			}
		}
		out = append(out, w)
	}
	return out
}

// Explain is a mover's reasons on one line, each cited to the reform's
// article and the one in force.
func Explain(ws []Why) string {
	var parts []string
	for _, w := range ws {
		var cites []string
		if w.Reform != nil {
			cites = append(cites, "改革方案"+w.Reform.String())
		}
		if w.InForce != nil {
			cites = append(cites, "现行"+w.InForce.String())
		}
		s := w.Zh
		if w.Gap != "" {
			s += "，" + w.Gap
		}
		parts = append(parts, s+"（"+strings.Join(cites, "；")+"）")
	}
	return strings.Join(parts, "；")
}

func cite(c duixian.Cite) *duixian.Cite { return &c }

// keep holds the largest movers, Keep at most.
func (s *state) keep(m Mover) {
	s.movers = append(s.movers, m)
	if len(s.movers) >= 2*s.o.Keep {
		s.sortMovers()
		s.movers = s.movers[:s.o.Keep]
	}
}

func (s *state) sortMovers() {
	abs := func(m duixian.Money) duixian.Money { return max(m, -m) }
	slices.SortStableFunc(s.movers, func(a, b Mover) int {
		if c := cmp.Compare(abs(b.Difference), abs(a.Difference)); c != 0 {
			return c
		}
		return cmp.Compare(a.Enterprise+a.Clause, b.Enterprise+b.Clause)
	})
}

// report orders what was summed.
func (s *state) report() *Report {
	rep := &Report{Date: s.o.Date, AsOf: s.o.AsOf, Documents: s.r.Documents, Enterprises: s.ents, Errors: s.errors,
		MoversTotal: s.nmovers, LastYear: s.lastYear, Distribution: s.bins, ReformErrors: s.rerrors}
	s.outlook()
	for _, c := range s.clauses {
		c.finish()
		rep.Clauses = append(rep.Clauses, *c)
		rep.Outlook.Baseline += c.Outlook.Baseline
		rep.Outlook.Reform += c.Outlook.Reform
	}
	slices.SortFunc(rep.Clauses, func(a, b ClauseRow) int { return cmp.Compare(a.Clause, b.Clause) })
	s.totals.finish()
	rep.Totals = s.totals
	groups := make([][]Row, 4)
	for i, g := range s.groups {
		for _, r := range g {
			r.finish()
			groups[i] = append(groups[i], *r)
		}
		slices.SortFunc(groups[i], func(a, b Row) int { return cmp.Compare(a.Key, b.Key) })
	}
	rep.Departments, rep.Industries, rep.Zones, rep.Sizes = groups[0], groups[1], groups[2], groups[3]
	s.sortMovers()
	rep.Movers = s.movers[:min(len(s.movers), s.o.Keep)]
	if rep.Movers == nil {
		rep.Movers = []Mover{}
	}
	return rep
}

// Clause finds a clause's row.
func (r *Report) Clause(id string) (ClauseRow, bool) {
	for _, c := range r.Clauses {
		if c.Clause == id {
			return c, true
		}
	}
	return ClauseRow{}, false
}

// bands are the distribution's bands, by the award's lower bound.
var bands = []struct {
	label string
	from  duixian.Money
}{
	{"1万元以下", 0}, {"1–5万元", 1_000_000}, {"5–10万元", 5_000_000}, {"10–50万元", 10_000_000},
	{"50–100万元", 50_000_000}, {"100–500万元", 100_000_000}, {"500万元以上", 500_000_000},
}

func binOf(m duixian.Money) int {
	i := 0
	for j, b := range bands {
		if m >= b.from {
			i = j
		}
	}
	return i
}
