// Package jobs is the platform's job queue: River
// (github.com/riverqueue/river) on the platform's own database, with its
// pgx driver on PostgreSQL and its SQLite driver on SQLite. Long and
// scheduled work runs here, not inside a request: a 免申即享 run (its plan,
// then one job per partition of the registry), the scheduled runs, the
// daily 群雁 re-check. Jobs are rows in the database, so they survive a
// restart, and every process that works the queue on one PostgreSQL takes
// its share: `duixian serve` (unless --workers 0) and `duixian worker`.
//
// A job kind is an args type (its Kind and insert options) and a worker
// that calls a service; the service decides everything, the job only
// carries it (docs/architecture.md says how to add one).
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/notify"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Services are what the jobs call.
type Services struct {
	Matching *matching.Service
	Qunyan   *qunyan.Service
	// Notify derives and sends notifications; nil: no notification jobs
	// are worked here.
	Notify *notify.Service
}

// Options say how this process takes part in the queue.
type Options struct {
	// Workers is how many jobs of each queue this process works at once;
	// 0 makes it insert jobs only, for other processes to work.
	Workers int
	// JobTimeout cancels a job's context after this long (DefaultJobTimeout
	// when 0). River takes a job still running past both its timeout and
	// RescueAfter for stuck, its process dead, and retries it: a job
	// without a timeout would never be rescued, so every job has one.
	JobTimeout time.Duration
	// RescueAfter is how long a job may run before it is taken for stuck
	// (DefaultRescueAfter when 0). It must exceed JobTimeout.
	RescueAfter time.Duration
	// MatchDaily, "HH:MM" in Shanghai, starts a 免申即享 run of every clause
	// that pays each day at that time; empty for none. Give every process
	// the same: the one that leads the queue schedules.
	MatchDaily string
	// NotifyEvery is how often the audit log is read for notifications
	// (DefaultNotifyEvery when 0).
	NotifyEvery time.Duration
	// Logger receives River's warnings (standard error when nil).
	Logger *slog.Logger
}

const (
	// DefaultJobTimeout: a partition of 2,000 enterprises takes seconds.
	DefaultJobTimeout = 5 * time.Minute
	// DefaultRescueAfter: a job whose process died is retried this long
	// after it started (River has no heartbeat; docs/architecture.md).
	DefaultRescueAfter = 10 * time.Minute
	// DefaultNotifyEvery: a notification follows its change within seconds.
	DefaultNotifyEvery = 5 * time.Second
	// RecheckDaily is when the 群雁 members are re-checked (附则3), in Shanghai.
	RecheckDaily = "02:00"
)

// Queue names: a partition uses every core of its process, so it has a
// queue of its own; everything else shares River's default queue.
const (
	queueMatch   = "match"
	queueDefault = river.QueueDefault
)

// client is what the queue uses of River's client, whatever its driver's
// transaction type.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	ID() string
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	InsertMany(ctx context.Context, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	JobCancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// Queue is River's client in this process. It implements matching.Queue.
type Queue struct {
	client  client
	working bool
	close   func()
}

// Open connects River to the store db: on PostgreSQL through a pgx pool
// on dsn (the DSN db was opened with; River's schema is the connection's
// current schema), on SQLite through the store's own connection, the one
// writer SQLite allows (River's SQLite driver asks for one connection).
// River's migrations run here, after the platform's. Start starts the
// workers.
func Open(ctx context.Context, db *sqldb.DB, dsn string, svc Services, opts Options) (*Queue, error) {
	if opts.JobTimeout <= 0 {
		opts.JobTimeout = DefaultJobTimeout
	}
	if opts.RescueAfter <= 0 {
		opts.RescueAfter = DefaultRescueAfter
	}
	if opts.RescueAfter <= opts.JobTimeout {
		return nil, fmt.Errorf("jobs: a job is rescued after %s, before its timeout of %s", opts.RescueAfter, opts.JobTimeout)
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	q := &Queue{working: opts.Workers > 0, close: func() {}}
	workers := river.NewWorkers()
	river.AddWorker(workers, &planWorker{m: svc.Matching})
	river.AddWorker(workers, &partitionWorker{m: svc.Matching, q: q})
	river.AddWorker(workers, &scheduledRunWorker{m: svc.Matching})
	river.AddWorker(workers, &recheckWorker{q: svc.Qunyan})
	if svc.Notify != nil {
		river.AddWorker(workers, &deriveWorker{n: svc.Notify})
		river.AddWorker(workers, &deliverWorker{n: svc.Notify})
	}
	host, _ := os.Hostname()
	cfg := &river.Config{
		// Named for the machine and the process, so that a partition's
		// done mark says where it was matched.
		ID:                   fmt.Sprintf("%s_%d_%s", strings.ReplaceAll(host, ".", "_"), os.Getpid(), time.Now().UTC().Format("20060102T150405")),
		Workers:              workers,
		JobTimeout:           opts.JobTimeout,
		RescueStuckJobsAfter: opts.RescueAfter,
		Logger:               opts.Logger,
		// A run's jobs and their outcome stay a week for whoever looks
		// into one; the run's record in the platform stays for good.
		CompletedJobRetentionPeriod: 7 * 24 * time.Hour,
		CancelledJobRetentionPeriod: 7 * 24 * time.Hour,
		// A stop lets running jobs finish this long, then cancels them:
		// a cancelled partition stores nothing and is retried.
		SoftStopTimeout: 30 * time.Second,
	}
	if q.working {
		cfg.Queues = map[string]river.QueueConfig{
			queueMatch:   {MaxWorkers: opts.Workers},
			queueDefault: {MaxWorkers: opts.Workers},
		}
		periodic, err := periodicJobs(opts, svc.Notify != nil)
		if err != nil {
			return nil, err
		}
		cfg.PeriodicJobs = periodic
	}
	var err error
	switch db.Dialect() {
	case sqldb.Postgres:
		var pool *pgxpool.Pool
		if pool, err = pgxpool.New(ctx, dsn); err != nil {
			return nil, fmt.Errorf("jobs: connect to postgres: %w", err)
		}
		q.close = pool.Close
		if err = pool.QueryRow(ctx, `SELECT current_schema()`).Scan(&cfg.Schema); err == nil {
			q.client, err = openPostgres(ctx, pool, cfg)
		}
	case sqldb.SQLite:
		driver := riversqlite.New(db.SQL())
		if err = migrate(ctx, driver, cfg.Schema); err == nil {
			q.client, err = river.NewClient(driver, cfg)
		}
	default:
		err = errors.New("jobs: unknown store")
	}
	if err != nil {
		q.close()
		return nil, err
	}
	return q, nil
}

// openPostgres migrates River's tables, one process at a time (several
// may start together: a session's advisory lock lets one do it; River's
// migrations each need a transaction of their own), and makes the client.
func openPostgres(ctx context.Context, pool *pgxpool.Pool, cfg *river.Config) (client, error) {
	driver := riverpgxv5.New(pool)
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(424243)`); err != nil {
		return nil, err
	}
	err = migrate(ctx, driver, cfg.Schema)
	if _, uerr := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(424243)`); err == nil {
		err = uerr
	}
	if err != nil {
		return nil, err
	}
	return river.NewClient(driver, cfg)
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], schema string) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Schema: schema})
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("jobs: migrate: %w", err)
	}
	return nil
}

// Start starts working the queue, if this process works it. The workers
// run until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if !q.working {
		return nil
	}
	return q.client.Start(ctx)
}

// Stop stops working the queue: no new job is taken, running ones get
// River's soft-stop time to finish and are then cancelled (and retried
// later, by this process or another). Then it closes River's connections.
func (q *Queue) Stop(ctx context.Context) error {
	var err error
	if q.working {
		err = q.client.Stop(ctx)
	}
	q.close()
	return err
}

// ID names this process in the queue (River's client ID): the worker a
// partition's done mark names.
func (q *Queue) ID() string { return q.client.ID() }

// runTag marks every job of a run, so that the run's jobs can be found.
func runTag(run string) string { return "offer-run-" + run }

// QueuePlan queues the planning of a run.
func (q *Queue) QueuePlan(ctx context.Context, spec matching.RunSpec) error {
	_, err := q.client.Insert(ctx, planArgs{spec}, &river.InsertOpts{Tags: []string{runTag(spec.ID)}})
	return err
}

// QueuePartitions queues the partitions of a run, each once (unique by
// its arguments: a plan retried does not queue them twice).
func (q *Queue) QueuePartitions(ctx context.Context, run string, n int) error {
	const batch = 1000
	for from := 0; from < n; from += batch {
		params := make([]river.InsertManyParams, 0, batch)
		for k := from; k < min(n, from+batch); k++ {
			params = append(params, river.InsertManyParams{Args: partitionArgs{Run: run, Part: k},
				InsertOpts: &river.InsertOpts{Tags: []string{runTag(run)}}})
		}
		if _, err := q.client.InsertMany(ctx, params); err != nil {
			return err
		}
	}
	return nil
}

// CancelJobs cancels every job of the run not yet finished.
func (q *Queue) CancelJobs(ctx context.Context, run string) error {
	params := river.NewJobListParams().TagsAny(runTag(run)).First(1000).
		States(rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled)
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return err
		}
		for _, j := range res.Jobs {
			if _, err := q.client.JobCancel(ctx, j.ID); err != nil && !errors.Is(err, river.ErrNotFound) {
				return err
			}
		}
		if len(res.Jobs) == 0 || res.LastCursor == nil {
			return nil
		}
		params = params.After(res.LastCursor)
	}
}

// QueueDeliveries queues a job for each delivery, once (unique by its
// arguments: a delivery found pending again while its job waits or
// retries is not queued twice). It implements notify.Queue.
func (q *Queue) QueueDeliveries(ctx context.Context, ids []string) error {
	const batch = 1000
	for from := 0; from < len(ids); from += batch {
		params := make([]river.InsertManyParams, 0, batch)
		for _, id := range ids[from:min(len(ids), from+batch)] {
			params = append(params, river.InsertManyParams{Args: deliverArgs{Delivery: id}})
		}
		if _, err := q.client.InsertMany(ctx, params); err != nil {
			return err
		}
	}
	return nil
}

// periodicJobs are the scheduled jobs: the daily 群雁 re-check, the
// daily 免申即享 run when asked for, and the notifier every few seconds.
func periodicJobs(opts Options, notifies bool) ([]*river.PeriodicJob, error) {
	recheck, err := dailyAt(RecheckDaily)
	if err != nil {
		return nil, err
	}
	out := []*river.PeriodicJob{river.NewPeriodicJob(recheck, func() (river.JobArgs, *river.InsertOpts) {
		return recheckArgs{}, nil
	}, &river.PeriodicJobOpts{ID: recheckArgs{}.Kind()})}
	if opts.MatchDaily != "" {
		at, err := dailyAt(opts.MatchDaily)
		if err != nil {
			return nil, err
		}
		out = append(out, river.NewPeriodicJob(at, func() (river.JobArgs, *river.InsertOpts) {
			return scheduledRunArgs{}, nil
		}, &river.PeriodicJobOpts{ID: scheduledRunArgs{}.Kind()}))
	}
	if notifies {
		every := opts.NotifyEvery
		if every <= 0 {
			every = DefaultNotifyEvery
		}
		out = append(out, river.NewPeriodicJob(river.PeriodicInterval(every), func() (river.JobArgs, *river.InsertOpts) {
			return deriveArgs{}, nil
		}, &river.PeriodicJobOpts{ID: deriveArgs{}.Kind(), RunOnStart: true}))
	}
	return out, nil
}

// daily is a schedule of once a day at a time of day in Shanghai.
type daily struct{ hour, minute int }

func dailyAt(hhmm string) (daily, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(hhmm))
	if err != nil {
		return daily{}, fmt.Errorf("jobs: %q is not a time of day HH:MM", hhmm)
	}
	return daily{t.Hour(), t.Minute()}, nil
}

// Next is the first time of day after t.
func (d daily) Next(t time.Time) time.Time {
	t = t.In(duixian.Shanghai)
	next := time.Date(t.Year(), t.Month(), t.Day(), d.hour, d.minute, 0, 0, duixian.Shanghai)
	if !next.After(t) {
		next = time.Date(t.Year(), t.Month(), t.Day()+1, d.hour, d.minute, 0, 0, duixian.Shanghai)
	}
	return next
}
