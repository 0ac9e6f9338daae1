package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/notify"
	"github.com/etown/duixian/qunyan"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The job kinds. Each is its arguments (what River stores as JSON, and
// its kind's name and insert options) and a worker that calls a service.

// planArgs plans a 免申即享 run: matching.PlanRun.
type planArgs struct {
	matching.RunSpec
}

func (planArgs) Kind() string { return "offer_run_plan" }

type planWorker struct {
	river.WorkerDefaults[planArgs]
	m *matching.Service
}

func (w *planWorker) Work(ctx context.Context, job *river.Job[planArgs]) error {
	err := w.m.PlanRun(ctx, job.Args.RunSpec)
	if err != nil && job.Attempt >= job.MaxAttempts {
		return w.m.FailRun(context.WithoutCancel(ctx), job.Args.ID, "planning: "+err.Error())
	}
	return err
}

// partitionArgs matches a partition of a run: matching.MatchPartition.
type partitionArgs struct {
	Run  string `json:"run"`
	Part int    `json:"part"`
}

func (partitionArgs) Kind() string { return "offer_run_partition" }

// InsertOpts: a partition is queued once however often its plan runs; it
// is tried a few times (a retry after a dead worker is one), then the run
// fails, rather than backing off for days.
func (partitionArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueMatch, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type partitionWorker struct {
	river.WorkerDefaults[partitionArgs]
	m *matching.Service
	q *Queue
}

func (w *partitionWorker) Work(ctx context.Context, job *river.Job[partitionArgs]) error {
	out, err := w.m.MatchPartition(ctx, job.Args.Run, job.Args.Part, w.q.ID())
	switch {
	case err != nil && job.Attempt >= job.MaxAttempts:
		reason := fmt.Sprintf("partition %d: %v", job.Args.Part, err)
		if ferr := w.m.FailRun(context.WithoutCancel(ctx), job.Args.Run, reason); ferr != nil {
			return errors.Join(err, ferr)
		}
		return err
	case err != nil:
		return err
	case out == matching.PartitionCancelled:
		return river.JobCancel(fmt.Errorf("run %s is over", job.Args.Run))
	}
	return nil
}

// scheduledRunArgs starts the day's 免申即享 run (Options.MatchDaily).
type scheduledRunArgs struct{}

func (scheduledRunArgs) Kind() string { return "offer_run_scheduled" }

// InsertOpts: one a day, whichever process schedules it.
func (scheduledRunArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 24 * time.Hour}}
}

type scheduledRunWorker struct {
	river.WorkerDefaults[scheduledRunArgs]
	m *matching.Service
}

func (w *scheduledRunWorker) Work(ctx context.Context, _ *river.Job[scheduledRunArgs]) error {
	_, err := w.m.StartScheduledRun(ctx)
	return err
}

// recheckArgs re-checks every 群雁 member against 附则3 (the daily job).
type recheckArgs struct{}

func (recheckArgs) Kind() string { return "qunyan_recheck" }

// InsertOpts: one a day, whichever process schedules it.
func (recheckArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{UniqueOpts: river.UniqueOpts{ByPeriod: 24 * time.Hour}}
}

type recheckWorker struct {
	river.WorkerDefaults[recheckArgs]
	q *qunyan.Service
}

// Work re-checks the members; one that could not be re-checked fails the
// job, which River retries (a re-check changes nothing it need not).
func (w *recheckWorker) Work(ctx context.Context, _ *river.Job[recheckArgs]) error {
	sum, err := w.q.RecheckAll(ctx)
	if err != nil {
		return err
	}
	if len(sum.Failed) > 0 {
		return fmt.Errorf("%d of %d 群雁 members could not be re-checked: %v", len(sum.Failed), sum.Checked, sum.Failed)
	}
	return nil
}

// deriveArgs derives the notifications of the audit entries written since
// the last run: notify.Derive (Options.NotifyEvery).
type deriveArgs struct{}

func (deriveArgs) Kind() string { return "notify_derive" }

// InsertOpts: one waiting or running at a time (a run that finds the
// cursor taken waits for the other anyway); tried a few times, the next
// period's run picks up whatever a failed one left.
func (deriveArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type deriveWorker struct {
	river.WorkerDefaults[deriveArgs]
	n *notify.Service
}

func (w *deriveWorker) Work(ctx context.Context, _ *river.Job[deriveArgs]) error {
	_, err := w.n.Derive(ctx)
	return err
}

// deliverArgs sends one e-mail or SMS: notify.Deliver.
type deliverArgs struct {
	Delivery string `json:"delivery"`
}

func (deliverArgs) Kind() string { return "notify_deliver" }

// InsertOpts: a delivery is queued once however often it is found
// pending; retried with River's backoff (attempt⁴ seconds) for about
// eight days while the mail server is down, then given up.
func (deliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 20, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

type deliverWorker struct {
	river.WorkerDefaults[deliverArgs]
	n *notify.Service
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[deliverArgs]) error {
	err := w.n.Deliver(ctx, job.Args.Delivery)
	if err != nil && job.Attempt >= job.MaxAttempts {
		if ferr := w.n.Fail(context.WithoutCancel(ctx), job.Args.Delivery, err.Error()); ferr != nil {
			return errors.Join(err, ferr)
		}
	}
	return err
}
