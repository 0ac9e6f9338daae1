package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/jobs"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

// jobFlags are the job queue's settings, the same on serve and worker.
type jobFlags struct {
	workers     *int
	timeout     *time.Duration
	rescueAfter *time.Duration
	matchDaily  *string
}

func addJobFlags(fl *flag.FlagSet) *jobFlags {
	return &jobFlags{
		workers:     fl.Int("workers", 2, "jobs of each queue this process works at once; 0: none (other processes work them)"),
		timeout:     fl.Duration("job-timeout", jobs.DefaultJobTimeout, "a job's context is cancelled after this long"),
		rescueAfter: fl.Duration("rescue-after", jobs.DefaultRescueAfter, "a job still running after this long (and its timeout) is taken for stuck, its process dead, and retried"),
		matchDaily:  fl.String("match-daily", "", "HH:MM (Shanghai): start a 免申即享 run of every clause each day then; the same on every process"),
	}
}

// options checks the flags.
func (f *jobFlags) options() (jobs.Options, error) {
	o := jobs.Options{Workers: *f.workers, JobTimeout: *f.timeout, RescueAfter: *f.rescueAfter, MatchDaily: *f.matchDaily}
	if o.Workers < 0 {
		return o, flagError("workers", "--workers 不能为负数", "--workers cannot be negative")
	}
	if o.JobTimeout <= 0 {
		return o, flagError("job-timeout", "--job-timeout 须为正数", "--job-timeout must be positive")
	}
	if o.RescueAfter <= o.JobTimeout {
		return o, flagError("rescue-after", "--rescue-after 须长于 --job-timeout", "--rescue-after must be longer than --job-timeout")
	}
	if o.MatchDaily != "" {
		if _, err := time.Parse("15:04", o.MatchDaily); err != nil {
			return o, flagError("match-daily", "--match-daily 应为 HH:MM", "--match-daily must be HH:MM")
		}
	}
	return o, nil
}

// startJobs opens the job queue on the store db (dsn is what it was
// opened from), makes it the 免申即享 runs' queue and starts its workers.
// stop stops them, letting running jobs finish (River's soft stop), and
// must come before the store closes.
func startJobs(ctx context.Context, db *sqldb.DB, dsn string, svc jobs.Services, f *jobFlags) (q *jobs.Queue, stop func(), err error) {
	opts, err := f.options()
	if err != nil {
		return nil, nil, err
	}
	if q, err = jobs.Open(ctx, db, dsn, svc, opts); err != nil {
		return nil, nil, err
	}
	svc.Matching.Queue = q
	// The workers stop when told (stop), not with ctx: a signal ends the
	// server first, then the jobs, then the store.
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		q.Stop(ctx)
		return nil, nil, err
	}
	return q, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			log.Printf("job queue: %v", err)
		}
	}, nil
}

const workerUsage = `duixian worker [--db duixian.db|postgres://…] [--workers 2] [--job-timeout 5m] [--rescue-after 10m] [--match-daily HH:MM] [--catalogue DIR]
    任务队列工作进程：执行免申即享比对分段、定时任务；同一 PostgreSQL 上可运行多个
    work the job queue (免申即享 partitions, scheduled jobs); several may run on one PostgreSQL`

// runWorker works the job queue until interrupted, without serving.
func runWorker(args []string, out io.Writer) error {
	fl := flag.NewFlagSet("worker", flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	dbPath := fl.String("db", "duixian.db", "SQLite file, or postgres://… for PostgreSQL")
	dir := fl.String("catalogue", "", "catalogue directory")
	jf := addJobFlags(fl)
	if err := fl.Parse(args); err != nil {
		return duixian.Errorf(duixian.EINVALID, "flags", "参数错误：%v\n%s", "bad flags: %v\n%s", err, workerUsage)
	}
	if _, err := jf.options(); err != nil {
		return err
	}
	if *jf.workers == 0 {
		return flagError("workers", "工作进程须有 --workers 1 或更多", "a worker needs --workers 1 or more")
	}
	cat, err := loadCatalogue(*dir)
	if err != nil {
		return err
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	db, err := openDB(ctx, *dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	wf := workflow.New(db, cat, calendar.Default())
	q, stop, err := startJobs(ctx, db, *dbPath, jobs.Services{Matching: matching.NewService(wf), Qunyan: qunyan.New(db, cat)}, jf)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(out, "duixian worker %s: 任务队列工作进程已启动 / working the job queue\n", q.ID())
	<-ctx.Done()
	return nil
}

func flagError(field, zh, en string) error {
	return &duixian.Error{Code: duixian.EINVALID, Field: field, Zh: zh, En: en}
}
