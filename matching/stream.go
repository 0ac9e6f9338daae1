package matching

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Page is what a run found for one page of the registry, in USCC order.
type Page struct {
	Offers     []Offer     // eligible
	NearMisses []Offer     // every fact known, some condition failed
	Undecided  []Undecided // clauses that apply but whose decision failed
	Errors     []string    // enterprises whose data no clause can read
	Decisions  int
	Subjects   int // enterprises decided in the page
	// Tags labels the page's enterprises by USCC, when the pass has a Tag.
	Tags map[string]string
}

// Totals sums a streamed run.
type Totals struct {
	Enterprises int           `json:"enterprises"`
	Decisions   int           `json:"decisions"`
	Offers      int           `json:"offers"`
	Amount      duixian.Money `json:"amount_fen"`
	NearMisses  int           `json:"near_misses"`
	Undecided   int           `json:"undecided"`
	Errors      int           `json:"errors"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// PageSize is how many enterprises a stream reads and decides at a time.
const PageSize = 2000

// Stream decides the whole registry page by page: it reads a page of
// enterprises (the next while the workers decide the current one), decides
// it on every core, and hands emit the page's results in USCC order before
// reading on. Memory is a page or two, whatever the registry's size.
// progress, if set, is called after each page with the enterprises done
// and the registry's size. An enterprise whose file does not decode is
// among a page's Errors. An error from emit stops the run.
func Stream(ctx context.Context, db *sqldb.DB, cat *engine.Catalogue, b *engine.Batch, asOf duixian.Date,
	progress func(done, total int), emit func(*Page) error) (Totals, error) {
	ts, err := StreamPasses(ctx, db, []Pass{{Catalogue: cat, Batch: b}}, asOf, progress,
		func(ps []*Page) error { return emit(ps[0]) })
	return ts[0], err
}

// Pass is one catalogue's batch over the registry: the law in force, or a
// reform of it beside (policy simulation decides both in one stream).
type Pass struct {
	Catalogue *engine.Catalogue
	Batch     *engine.Batch
	// Tag, if set, labels each enterprise from its facts (a report's
	// groups: zone, size), into its page's Tags.
	Tag func(duixian.Facts) string
}

// StreamPasses is Stream under several catalogues at once: each enterprise
// is read and decoded once and decided under every pass, each with the
// facts its own catalogue derives; emit gets a page per pass, in pass
// order, for the same enterprises. The totals are per pass.
func StreamPasses(ctx context.Context, db *sqldb.DB, passes []Pass, asOf duixian.Date,
	progress func(done, total int), emit func([]*Page) error) ([]Totals, error) {
	start := time.Now()
	held := make([]map[string][]*duixian.Application, len(passes))
	ts := make([]Totals, len(passes))
	total := 0
	err := db.Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if total, err = tx.EnterpriseCount(); err != nil {
			return err
		}
		for i, p := range passes {
			if held[i], err = ledgerHolders(tx, p.Catalogue); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ts, err
	}
	type loaded struct {
		docs []sqldb.EnterpriseDoc
		err  error
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pages := make(chan loaded, 1)
	go func() {
		defer close(pages)
		after := ""
		for {
			var docs []sqldb.EnterpriseDoc
			err := db.Read(ctx, func(tx *sqldb.Tx) error {
				var err error
				docs, err = tx.EnterprisesAfter(after, PageSize)
				return err
			})
			if err != nil {
				pages <- loaded{err: err}
				return
			}
			if len(docs) == 0 {
				return
			}
			after = docs[len(docs)-1].USCC
			select {
			case pages <- loaded{docs: docs}:
			case <-ctx.Done():
				return
			}
		}
	}()
	// A page is written while the workers decide the next: one writer,
	// so pages go out in order.
	decided := make(chan []*Page, 1)
	emitted := make(chan error, 1)
	go func() {
		var err error
		for p := range decided {
			if err == nil {
				if err = emit(p); err != nil {
					cancel()
				}
			}
		}
		emitted <- err
	}()
	var failed error
	for l := range pages {
		if l.err != nil {
			failed = l.err
			break
		}
		ps, err := decidePasses(ctx, passes, l.docs, held, asOf)
		if err != nil {
			failed = err
			break
		}
		for i, p := range ps {
			ts[i].add(p)
		}
		decided <- ps
		if progress != nil {
			progress(ts[0].Enterprises, total)
		}
	}
	close(decided)
	if err := <-emitted; err != nil {
		return ts, err
	}
	if failed != nil {
		return ts, failed
	}
	for i := range ts {
		ts[i].Elapsed = time.Since(start)
	}
	return ts, ctx.Err()
}

func (t *Totals) add(p *Page) {
	t.Enterprises += p.Subjects
	t.Decisions += p.Decisions
	t.Offers += len(p.Offers)
	for _, o := range p.Offers {
		t.Amount += o.Decision.Amount
	}
	t.NearMisses += len(p.NearMisses)
	t.Undecided += len(p.Undecided)
	t.Errors += len(p.Errors)
}

// decideFiles decides a page of the registry's stored files. Decoding a file
// costs more than deciding it: the workers do both.
func decideFiles(ctx context.Context, cat *engine.Catalogue, b *engine.Batch, docs []sqldb.EnterpriseDoc,
	held map[string][]*duixian.Application, asOf duixian.Date) (*Page, error) {
	ps, err := decidePasses(ctx, []Pass{{Catalogue: cat, Batch: b}}, docs, []map[string][]*duixian.Application{held}, asOf)
	if err != nil {
		return nil, err
	}
	return ps[0], nil
}

// decidePasses decides a page of stored files under each pass: a file is
// decoded once, its facts derived by each pass's catalogue.
func decidePasses(ctx context.Context, passes []Pass, docs []sqldb.EnterpriseDoc,
	held []map[string][]*duixian.Application, asOf duixian.Date) ([]*Page, error) {
	bs := make([]*engine.Batch, len(passes))
	tags := make([]func(duixian.Facts) string, len(passes))
	for i, p := range passes {
		bs[i], tags[i] = p.Batch, p.Tag
	}
	return decide(ctx, len(docs), func(i int, out []Subject) error {
		e, err := docs[i].Decode()
		if err != nil {
			return fmt.Errorf("%s: %w", docs[i].USCC, err)
		}
		for k, p := range passes {
			if out[k], err = subjectOf(p.Catalogue, e, held[k], asOf); err != nil {
				return err
			}
		}
		return nil
	}, bs, tags, nil)
}

// decide matches n subjects, the i-th made by subject(i) (one per batch),
// with each batch on every core and returns a page per batch, its results
// in subject order; a subject that cannot be made is among the errors of
// every page. progress, if set, is called from time to time with how many
// subjects are done.
func decide(ctx context.Context, n int, subject func(i int, out []Subject) error, bs []*engine.Batch,
	tags []func(duixian.Facts) string, progress func(done int)) ([]*Page, error) {
	const chunk = 256
	parts := make([][]Page, (n+chunk-1)/chunk)
	var next, done atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ss := make([]Subject, len(bs))
			for ctx.Err() == nil {
				k := int(next.Add(1)) - 1
				if k >= len(parts) {
					return
				}
				from := k * chunk
				parts[k] = make([]Page, len(bs))
				for i := from; i < min(from+chunk, n); i++ {
					if err := subject(i, ss); err != nil {
						for j := range bs {
							parts[k][j].Errors = append(parts[k][j].Errors, err.Error())
						}
						continue
					}
					for j, b := range bs {
						p := &parts[k][j]
						if j < len(tags) && tags[j] != nil {
							if p.Tags == nil {
								p.Tags = map[string]string{}
							}
							p.Tags[ss[j].USCC] = tags[j](ss[j].Facts)
						}
						matchOne(p, b, ss[j])
					}
				}
				d := done.Add(int64(min(chunk, n-from)))
				if progress != nil {
					progress(int(d))
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]*Page, len(bs))
	for j := range bs {
		o := &Page{Subjects: n}
		for _, ps := range parts {
			p := ps[j]
			o.Offers = append(o.Offers, p.Offers...)
			o.NearMisses = append(o.NearMisses, p.NearMisses...)
			o.Undecided = append(o.Undecided, p.Undecided...)
			o.Errors = append(o.Errors, p.Errors...)
			o.Decisions += p.Decisions
			if p.Tags != nil && o.Tags == nil {
				o.Tags = map[string]string{}
			}
			maps.Copy(o.Tags, p.Tags)
		}
		out[j] = o
	}
	return out, nil
}

// matchOne decides one subject with the batch into p.
func matchOne(p *Page, b *engine.Batch, s Subject) {
	ds, us, err := b.Match(s.Facts)
	if err != nil {
		p.Errors = append(p.Errors, s.USCC+": "+err.Error())
		return
	}
	for _, u := range us {
		p.Undecided = append(p.Undecided, Undecided{Enterprise: s.USCC, Name: s.Name, Undecided: u})
	}
	p.Decisions += len(ds)
	for _, d := range ds {
		o := Offer{Enterprise: s.USCC, Name: s.Name, Decision: d}
		if d.Eligible {
			p.Offers = append(p.Offers, o)
		} else {
			p.NearMisses = append(p.NearMisses, o)
		}
	}
}
