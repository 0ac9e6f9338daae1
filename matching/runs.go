package matching

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
)

// A 免申即享 run over the registry is a job, not a request: StartRun
// records it and queues its plan; the plan cuts the registry into
// partitions of PartitionSize enterprises (ranges of USCCs) and queues one
// job per partition; whichever worker takes a partition matches it and
// stores its offers together with the partition's done mark, in one
// transaction; the partition that completes the run writes its totals.
// The jobs are in the database (package jobs, on River), so a run survives
// a restart and several processes share it. A partition retried after its
// worker died stores nothing twice and counts nothing twice: its earlier
// attempt committed everything or nothing, and a partition already marked
// done is not matched again.

// Queue runs the steps of runs as jobs (package jobs).
type Queue interface {
	// QueuePlan queues the planning of a run (PlanRun).
	QueuePlan(ctx context.Context, spec RunSpec) error
	// QueuePartitions queues the partitions 0 … n-1 of a run
	// (MatchPartition); those queued before are not queued again.
	QueuePartitions(ctx context.Context, run string, n int) error
	// CancelJobs cancels the run's jobs not yet finished; a running one
	// has its context cancelled.
	CancelJobs(ctx context.Context, run string) error
}

// RunStatus is where a run is.
type RunStatus string

const (
	RunQueued    RunStatus = "queued"  // waiting for a worker to plan it
	RunRunning   RunStatus = "running" // partitions queued or being matched
	RunDone      RunStatus = "done"
	RunCancelled RunStatus = "cancelled"
	RunFailed    RunStatus = "failed" // a partition failed on every attempt
)

// Zh names the status in Chinese.
func (s RunStatus) Zh() string {
	switch s {
	case RunQueued:
		return "排队中"
	case RunRunning:
		return "比对中"
	case RunDone:
		return "已完成"
	case RunCancelled:
		return "已取消"
	case RunFailed:
		return "失败"
	}
	return string(s)
}

// Final says whether the run is over.
func (s RunStatus) Final() bool { return s == RunDone || s == RunCancelled || s == RunFailed }

const (
	runKind      = "offer-run"
	partKind     = "offer-run-part" // a partition's done mark with its counts
	partListKind = "offer-run-list" // what a partition found to show: its largest offers, its problems
)

// UnreadableShown is how many unreadable enterprises a run lists.
const UnreadableShown = 50

// RunSpec is what a run was asked: it travels with the plan's job, so
// that the job can record the run if the process that queued it died
// before it did.
type RunSpec struct {
	ID         string        `json:"id"`
	By         duixian.Actor `json:"by"`
	Started    time.Time     `json:"started"`
	EventDate  duixian.Date  `json:"event_date"`
	AsOf       duixian.Date  `json:"as_of"`
	Department string        `json:"department,omitempty"` // a reviewer's run matches their department's clauses only
	Clauses    []string      `json:"clauses,omitempty"`    // empty: every clause that pays
	ClauseN    int           `json:"clause_count"`         // clauses in force on the dates
	// PartitionSize is how many enterprises a partition holds.
	PartitionSize int `json:"partition_size"`
}

// RunTotals is what a run, or one partition of it, found and stored.
type RunTotals struct {
	Totals
	Stored int `json:"stored"` // offers new or refreshed; confirmed and declined ones are kept as they are
}

func (t *RunTotals) addRun(u RunTotals) {
	t.Enterprises += u.Enterprises
	t.Decisions += u.Decisions
	t.Offers += u.Offers
	t.Amount += u.Amount
	t.NearMisses += u.NearMisses
	t.Undecided += u.Undecided
	t.Errors += u.Errors
	t.Elapsed += u.Elapsed
	t.Stored += u.Stored
}

// OfferRun is a run as the store keeps it.
type OfferRun struct {
	RunSpec
	Status   RunStatus `json:"status"`
	Registry int       `json:"registry"` // enterprises in the registry when it was planned
	// Cuts end the partitions: partition k holds the USCCs after
	// Cuts[k-1] (from the first for k = 0) up to Cuts[k] (to the last for
	// the last partition).
	Cuts       []string  `json:"cuts,omitempty"`
	Partitions int       `json:"partitions"` // 0 until planned
	Finished   time.Time `json:"finished,omitzero"`
	EndedBy    string    `json:"ended_by,omitempty"` // who cancelled it
	Failure    string    `json:"failure,omitempty"`
	// Once over, what it found: the totals of the partitions done, the
	// OffersShown largest offers, the first unreadable enterprises and
	// undecided clauses.
	Totals     RunTotals `json:"totals"`
	Offers     []Offer   `json:"offers,omitempty"`
	Unreadable []string  `json:"unreadable,omitempty"`
	Undecided  []string  `json:"undecided,omitempty"`
}

// bounds is the range of USCCs of partition k: after after, up to through
// ("" for no end).
func (r *OfferRun) bounds(k int) (after, through string) {
	if k > 0 {
		after = r.Cuts[k-1]
	}
	if k < len(r.Cuts) {
		through = r.Cuts[k]
	}
	return after, through
}

// Partition is a partition's done mark: who matched it, when, and what it found.
type Partition struct {
	Run    string    `json:"run"`
	Part   int       `json:"part"`
	Worker string    `json:"worker"`
	Done   time.Time `json:"done"`
	RunTotals
}

// partitionList is what a partition found to show.
type partitionList struct {
	Offers     []Offer  `json:"offers,omitempty"`
	Unreadable []string `json:"unreadable,omitempty"`
	Undecided  []string `json:"undecided,omitempty"`
}

// RunProgress is a run with how far it got: the partitions done, by
// which workers, and (until it is over) the totals so far.
type RunProgress struct {
	*OfferRun
	Done    int            `json:"partitions_done"`
	Workers map[string]int `json:"workers,omitempty"` // partitions done by each worker
}

func partID(run string, k int) string { return fmt.Sprintf("%s/%05d", run, k) }

// runSpec checks a run's input as actor asked it and resolves its dates
// and clauses. A reviewer matches only the clauses of the department they
// review for: pushing another department's awards is not theirs to do.
func (s *Service) runSpec(actor duixian.Actor, in RunInput) (RunSpec, error) {
	cat := s.cat()
	now := s.now()
	today := duixian.DateOf(now)
	spec := RunSpec{ID: duixian.NewID("R", now), By: actor, Started: now, EventDate: today, AsOf: today,
		PartitionSize: cmpOr(s.PartitionSize, PageSize)}
	var err error
	if in.EventDate != "" {
		if spec.EventDate, err = duixian.ParseDate(in.EventDate); err != nil {
			return spec, duixian.Errorf(duixian.EINVALID, "event_date", "事项发生日期格式应为 YYYY-MM-DD", "event_date must be YYYY-MM-DD")
		}
	}
	if in.AsOf != "" {
		if spec.AsOf, err = duixian.ParseDate(in.AsOf); err != nil {
			return spec, duixian.Errorf(duixian.EINVALID, "as_of", "判定日期格式应为 YYYY-MM-DD", "as_of must be YYYY-MM-DD")
		}
	}
	spec.Clauses = in.Clauses
	for _, id := range spec.Clauses {
		if _, ok := cat.Clause(id); !ok {
			return spec, duixian.Errorf(duixian.ENOTFOUND, "clauses", "没有条款 %s", "no clause %s", id)
		}
	}
	switch actor.Role {
	case duixian.RoleAdmin:
	case duixian.RoleReviewer:
		spec.Department = actor.Department
		own := s.paidBy(spec.Department)
		for _, id := range spec.Clauses {
			if !slices.Contains(own, id) {
				return spec, duixian.Errorf(duixian.EFORBIDDEN, "clauses", "条款 %s 不由%s审核，不能推送", "clause %s is not reviewed by %s", id, spec.Department)
			}
		}
		if len(spec.Clauses) == 0 {
			if len(own) == 0 {
				return spec, duixian.Errorf(duixian.EINVALID, "department", "%s没有负责审核的奖励条款", "%s reviews no clause that pays", spec.Department)
			}
			spec.Clauses = own
		}
	default:
		return spec, duixian.Forbidden("免申即享比对由科室审核人员或管理员发起", "a 免申即享 run is started by a reviewer or an administrator")
	}
	spec.ClauseN = cat.NewBatch(spec.EventDate, spec.AsOf, false, spec.Clauses...).Clauses()
	return spec, nil
}

func cmpOr(v, otherwise int) int {
	if v > 0 {
		return v
	}
	return otherwise
}

// StartRun starts a 免申即享 run over the registry as actor and returns
// it queued: the workers of the job queue match it.
func (s *Service) StartRun(ctx context.Context, actor duixian.Actor, in RunInput) (*RunProgress, error) {
	spec, err := s.runSpec(actor, in)
	if err != nil {
		return nil, err
	}
	if s.Queue == nil {
		return nil, errors.New("matching: no job queue to run 免申即享 on")
	}
	// The plan's job first: should this process die before the run is
	// recorded, the job records it (PlanRun); the other way round a run
	// could be recorded that no job will ever do.
	if err := s.Queue.QueuePlan(ctx, spec); err != nil {
		return nil, err
	}
	if err := s.recordRun(ctx, spec); err != nil {
		return nil, err
	}
	return s.OfferRun(ctx, actor, spec.ID)
}

// Scheduler is who starts the scheduled runs: every clause that pays,
// dated the day it runs.
var Scheduler = duixian.Actor{User: "system:offer-schedule", Role: duixian.RoleAdmin}

// StartScheduledRun starts the day's run of every clause that pays (a
// periodic job).
func (s *Service) StartScheduledRun(ctx context.Context) (*RunProgress, error) {
	return s.StartRun(ctx, Scheduler, RunInput{})
}

// recordRun records spec's run, queued, with its audit entry, unless it
// is recorded already.
func (s *Service) recordRun(ctx context.Context, spec RunSpec) error {
	doc, err := json.Marshal(OfferRun{RunSpec: spec, Status: RunQueued})
	if err != nil {
		return err
	}
	return s.db().Tx(ctx, func(tx *sqldb.Tx) error {
		added, err := tx.AddRecord(&sqldb.Record{Kind: runKind, ID: spec.ID, Subject: spec.Department, Doc: doc})
		if err != nil || !added {
			return err
		}
		return tx.Audit(duixian.AuditEntry{At: spec.Started.In(duixian.Shanghai).Format(time.RFC3339Nano), Actor: spec.By,
			Action: "start-offer-run", Subject: spec.ID, After: string(RunQueued)})
	})
}

func readRun(tx *sqldb.Tx, id string, lock bool) (*sqldb.Record, *OfferRun, error) {
	rec, err := tx.Record(runKind, id, lock)
	if err != nil {
		return nil, nil, err
	}
	var r OfferRun
	return rec, &r, json.Unmarshal(rec.Doc, &r)
}

func putRun(tx *sqldb.Tx, rec *sqldb.Record, r *OfferRun) error {
	rec.Doc, _ = json.Marshal(r)
	return tx.PutRecord(rec)
}

// PlanRun is the plan's job: it records the run if need be, cuts the
// registry into partitions (once: a retried plan keeps the first cuts, so
// partitions never overlap) and queues them.
func (s *Service) PlanRun(ctx context.Context, spec RunSpec) error {
	if err := s.recordRun(ctx, spec); err != nil {
		return err
	}
	var run *OfferRun
	if err := s.db().Read(ctx, func(tx *sqldb.Tx) (err error) { _, run, err = readRun(tx, spec.ID, false); return }); err != nil {
		return err
	}
	if run.Status == RunQueued {
		var cuts []string
		var registry int
		err := s.db().Read(ctx, func(tx *sqldb.Tx) (err error) {
			if registry, err = tx.EnterpriseCount(); err != nil {
				return err
			}
			cuts, err = tx.EnterpriseCuts(run.PartitionSize)
			return err
		})
		if err != nil {
			return err
		}
		err = s.db().Tx(ctx, func(tx *sqldb.Tx) error {
			rec, r, err := readRun(tx, spec.ID, true)
			if err != nil {
				return err
			}
			if r.Status == RunQueued {
				r.Status, r.Cuts, r.Partitions, r.Registry = RunRunning, cuts, len(cuts)+1, registry
				if err := putRun(tx, rec, r); err != nil {
					return err
				}
			}
			run = r
			return nil
		})
		if err != nil {
			return err
		}
	}
	if run.Status != RunRunning {
		return nil
	}
	return s.Queue.QueuePartitions(ctx, run.ID, run.Partitions)
}

// PartitionOutcome is what MatchPartition did.
type PartitionOutcome int

const (
	PartitionMatched   PartitionOutcome = iota + 1
	PartitionDone                       // already marked done: nothing to do
	PartitionCancelled                  // the run is over: nothing done
)

var (
	errPartitionDone   = errors.New("partition already done")
	errRunNotRunning   = errors.New("run not running")
	errNoSuchPartition = errors.New("no such partition")
)

// MatchPartition is a partition's job: it matches the enterprises of
// partition k of the run, and stores their offers, the partition's done
// mark (naming worker) and what it found in one transaction, under the
// run's lock, so that a cancel is never overtaken and a retried partition
// never stores or counts twice. The partition that completes the run
// writes the run's totals (finishRun); retried, a partition already done
// finishes the run if it is complete.
func (s *Service) MatchPartition(ctx context.Context, id string, k int, worker string) (PartitionOutcome, error) {
	var run *OfferRun
	done := false
	err := s.db().Read(ctx, func(tx *sqldb.Tx) error {
		var err error
		if _, run, err = readRun(tx, id, false); err != nil {
			return err
		}
		_, err = tx.Record(partKind, partID(id, k), false)
		done = err == nil
		if duixian.ErrorCode(err) == duixian.ENOTFOUND {
			err = nil
		}
		return err
	})
	switch {
	case err != nil:
		return 0, err
	case k < 0 || k >= run.Partitions:
		return 0, fmt.Errorf("%w: %s/%d of %d", errNoSuchPartition, id, k, run.Partitions)
	case done:
		return PartitionDone, s.finishRun(ctx, id)
	case run.Status != RunRunning:
		return PartitionCancelled, nil
	}
	page, err := s.decidePartition(ctx, run, k)
	if err != nil {
		return 0, err
	}
	part := Partition{Run: id, Part: k, Worker: worker, Done: s.now()}
	part.Totals.add(page)
	list := partitionList{Offers: shown(largest(slices.Clone(page.Offers), OffersShown)),
		Unreadable: page.Errors[:min(len(page.Errors), UnreadableShown)]}
	for _, u := range page.Undecided[:min(len(page.Undecided), UndecidedShown)] {
		list.Undecided = append(list.Undecided, u.String())
	}
	err = s.db().Tx(ctx, func(tx *sqldb.Tx) error {
		_, r, err := readRun(tx, id, true)
		if err != nil {
			return err
		}
		if r.Status != RunRunning {
			return errRunNotRunning
		}
		if part.Stored, err = storeOffers(tx, r.By, part.Done, page.Offers); err != nil {
			return err
		}
		doc, _ := json.Marshal(part)
		added, err := tx.AddRecord(&sqldb.Record{Kind: partKind, ID: partID(id, k), Subject: id, Doc: doc})
		if err != nil {
			return err
		}
		if !added {
			return errPartitionDone // another attempt was first: keep its offers, not these
		}
		doc, _ = json.Marshal(list)
		_, err = tx.AddRecord(&sqldb.Record{Kind: partListKind, ID: partID(id, k), Subject: id, Doc: doc})
		return err
	})
	switch {
	case errors.Is(err, errRunNotRunning):
		return PartitionCancelled, nil
	case errors.Is(err, errPartitionDone):
		return PartitionDone, s.finishRun(ctx, id)
	case err != nil:
		return 0, err
	}
	return PartitionMatched, s.finishRun(ctx, id)
}

// shown keeps of offers what a run's page shows: the decision without its trace.
func shown(offers []Offer) []Offer {
	out := make([]Offer, len(offers))
	for i, o := range offers {
		o.Decision.Trace = nil
		out[i] = o
	}
	return out
}

// decidePartition decides partition k of run a page at a time.
func (s *Service) decidePartition(ctx context.Context, run *OfferRun, k int) (*Page, error) {
	cat := s.cat()
	b := cat.NewBatch(run.EventDate, run.AsOf, true, run.Clauses...)
	var held map[string][]*duixian.Application
	if err := s.db().Read(ctx, func(tx *sqldb.Tx) (err error) { held, err = ledgerHolders(tx, cat); return }); err != nil {
		return nil, err
	}
	after, through := run.bounds(k)
	out := &Page{}
	for {
		var docs []sqldb.EnterpriseDoc
		if err := s.db().Read(ctx, func(tx *sqldb.Tx) (err error) { docs, err = tx.EnterpriseRange(after, through, PageSize); return }); err != nil {
			return nil, err
		}
		if len(docs) == 0 {
			return out, nil
		}
		p, err := decideFiles(ctx, cat, b, docs, held, run.AsOf)
		if err != nil {
			return nil, err
		}
		out.Offers = append(out.Offers, p.Offers...)
		out.NearMisses = append(out.NearMisses, p.NearMisses...)
		out.Undecided = append(out.Undecided, p.Undecided...)
		out.Errors = append(out.Errors, p.Errors...)
		out.Decisions += p.Decisions
		out.Subjects += p.Subjects
		after = docs[len(docs)-1].USCC
	}
}

// finishRun ends the run once every partition is done.
func (s *Service) finishRun(ctx context.Context, id string) error {
	complete := false
	err := s.db().Read(ctx, func(tx *sqldb.Tx) error {
		_, run, err := readRun(tx, id, false)
		if err != nil || run.Status != RunRunning {
			return err
		}
		done, err := tx.RecordCount(partKind, id)
		complete = done >= run.Partitions
		return err
	})
	if err != nil || !complete {
		return err
	}
	return s.endRun(ctx, id, RunDone, duixian.Actor{}, "")
}

// endRun ends a run that is not over yet with status: under the run's
// lock, which every partition takes to store its offers, so the totals it
// writes are final.
func (s *Service) endRun(ctx context.Context, id string, status RunStatus, by duixian.Actor, failure string) error {
	return s.db().Tx(ctx, func(tx *sqldb.Tx) error {
		rec, run, err := readRun(tx, id, true)
		if err != nil || run.Status.Final() {
			return err
		}
		parts, err := tx.Records(partKind, id)
		if err != nil {
			return err
		}
		if status == RunDone && len(parts) < run.Partitions {
			return nil
		}
		lists, err := tx.Records(partListKind, id)
		if err != nil {
			return err
		}
		run.Totals = RunTotals{}
		for _, p := range parts {
			var part Partition
			if err := json.Unmarshal(p.Doc, &part); err != nil {
				return err
			}
			run.Totals.addRun(part.RunTotals)
		}
		run.Offers, run.Unreadable, run.Undecided = nil, nil, nil
		for _, l := range lists {
			var list partitionList
			if err := json.Unmarshal(l.Doc, &list); err != nil {
				return err
			}
			run.Offers = largest(append(run.Offers, list.Offers...), OffersShown)
			run.Unreadable = append(run.Unreadable, list.Unreadable[:min(len(list.Unreadable), UnreadableShown-len(run.Unreadable))]...)
			run.Undecided = append(run.Undecided, list.Undecided[:min(len(list.Undecided), UndecidedShown-len(run.Undecided))]...)
		}
		before := run.Status
		run.Status, run.Finished, run.EndedBy, run.Failure = status, s.now(), by.User, failure
		if err := putRun(tx, rec, run); err != nil {
			return err
		}
		if status != RunCancelled {
			return nil
		}
		return tx.Audit(duixian.AuditEntry{At: run.Finished.In(duixian.Shanghai).Format(time.RFC3339Nano), Actor: by,
			Action: "cancel-offer-run", Subject: id, Before: string(before), After: string(RunCancelled)})
	})
}

// FailRun ends a run one of whose partitions failed on every attempt.
func (s *Service) FailRun(ctx context.Context, id, reason string) error {
	return s.endRun(ctx, id, RunFailed, duixian.Actor{}, reason)
}

// CancelRun cancels a run that is not over: its partitions not yet done
// are not matched (a partition storing its offers as the cancel comes
// finishes first; the totals count it), and its jobs are cancelled.
func (s *Service) CancelRun(ctx context.Context, actor duixian.Actor, id string) (*RunProgress, error) {
	p, err := s.OfferRun(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if p.Status.Final() {
		return nil, duixian.Errorf(duixian.ECONFLICT, "run", "比对 %s 已结束", "run %s is over", id)
	}
	if err := s.endRun(ctx, id, RunCancelled, actor, ""); err != nil {
		return nil, err
	}
	if s.Queue != nil {
		if err := s.Queue.CancelJobs(ctx, id); err != nil {
			// The run is cancelled: its jobs, when they come, find it so
			// and do nothing.
			return nil, fmt.Errorf("run %s is cancelled, but its jobs were not: %w", id, err)
		}
	}
	return s.OfferRun(ctx, actor, id)
}

// sees says whether actor may see (and cancel) run: an administrator
// every run, a reviewer the runs of their department.
func sees(actor duixian.Actor, run *OfferRun) bool {
	switch actor.Role {
	case duixian.RoleAdmin:
		return true
	case duixian.RoleReviewer:
		return run.Department != "" && run.Department == actor.Department
	}
	return false
}

// OfferRun is the run id with its progress, as actor may see it.
func (s *Service) OfferRun(ctx context.Context, actor duixian.Actor, id string) (*RunProgress, error) {
	var out *RunProgress
	err := s.db().Read(ctx, func(tx *sqldb.Tx) error {
		_, run, err := readRun(tx, id, false)
		if duixian.ErrorCode(err) == duixian.ENOTFOUND || (err == nil && !sees(actor, run)) {
			return duixian.Errorf(duixian.ENOTFOUND, "run", "没有比对 %s", "no run %s", id)
		}
		if err != nil {
			return err
		}
		out, err = progress(tx, run)
		return err
	})
	return out, err
}

// RunsShown is how many runs the list shows.
const RunsShown = 20

// OfferRuns lists the latest runs actor may see, newest first.
func (s *Service) OfferRuns(ctx context.Context, actor duixian.Actor) ([]*RunProgress, error) {
	out := []*RunProgress{}
	err := s.db().Read(ctx, func(tx *sqldb.Tx) error {
		subject := ""
		if actor.Role != duixian.RoleAdmin {
			subject = actor.Department
		}
		recs, err := tx.Records(runKind, subject)
		if err != nil {
			return err
		}
		var runs []*OfferRun
		for _, rec := range recs {
			var r OfferRun
			if err := json.Unmarshal(rec.Doc, &r); err != nil {
				return err
			}
			if sees(actor, &r) {
				runs = append(runs, &r)
			}
		}
		slices.SortFunc(runs, func(a, b *OfferRun) int { return b.Started.Compare(a.Started) })
		for _, r := range runs[:min(len(runs), RunsShown)] {
			p, err := progress(tx, r)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// progress adds to run the partitions done and, until it is over, the
// totals so far.
func progress(tx *sqldb.Tx, run *OfferRun) (*RunProgress, error) {
	p := &RunProgress{OfferRun: run}
	if run.Status == RunQueued {
		return p, nil
	}
	parts, err := tx.Records(partKind, run.ID)
	if err != nil {
		return nil, err
	}
	p.Done, p.Workers = len(parts), map[string]int{}
	var sum RunTotals
	for _, rec := range parts {
		var part Partition
		if err := json.Unmarshal(rec.Doc, &part); err != nil {
			return nil, err
		}
		p.Workers[part.Worker]++
		sum.addRun(part.RunTotals)
	}
	if !run.Status.Final() {
		run.Totals = sum
	}
	return p, nil
}
