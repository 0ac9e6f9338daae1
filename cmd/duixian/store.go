package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/jobs"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

// storeRun is duixian match --store: the run the /offers page starts —
// planned, partitioned by USCC range, each partition's offers stored with
// their audit entries in its own transaction — worked by a job queue in
// this process until it is over, with its progress on a terminal. The
// run is the platform's, not this command's: interrupted, it stays
// queued, and serve or a worker on the same store finishes it.
func storeRun(ctx context.Context, cat *engine.Catalogue, db *sqldb.DB, dsn string, in matching.RunInput, out, errOut io.Writer) error {
	ctx, cancel := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer cancel()
	ms := matching.NewService(workflow.New(db, cat, calendar.Default()))
	_, stop, err := startJobs(ctx, db, dsn, jobs.Services{Matching: ms, Qunyan: qunyan.New(db, cat)}, defaultJobFlags())
	if err != nil {
		return err
	}
	defer stop()
	actor := cliActor()
	run, err := ms.StartRun(ctx, actor, in)
	if err != nil {
		return err
	}
	bar := newProgressBar(errOut)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for run.Status == matching.RunQueued || run.Status == matching.RunRunning {
		select {
		case <-ctx.Done():
			bar.done()
			return duixian.Errorf(duixian.ECONFLICT, "run", "已中断：比对 %s 留在任务队列中，由 duixian serve 或 duixian worker 完成", "interrupted: run %s stays queued for duixian serve or duixian worker to finish", run.ID)
		case <-tick.C:
		}
		if run, err = ms.OfferRun(context.WithoutCancel(ctx), actor, run.ID); err != nil {
			return err
		}
		if run.Partitions > 0 {
			bar.show(run.Registry*run.Done/run.Partitions, run.Registry)
		}
	}
	bar.done()
	t := run.Totals
	if run.Status != matching.RunDone {
		return duixian.Errorf(duixian.ECONFLICT, "run", "比对 %s 未完成（%s）：%s", "run %s did not finish (%s): %s", run.ID, run.Status, run.Failure)
	}
	fmt.Fprintf(out, "比对 %s：%d 家企业，%d 项可享（合计 %s），%d 项存入平台，%d 项差一点，%d 项无法判定，%d 家数据有误；用时 %s（事项发生日 %s，判定日 %s）\n",
		run.ID, t.Enterprises, t.Offers, t.Amount.WanAbout(), t.Stored, t.NearMisses, t.Undecided, t.Errors,
		run.Finished.Sub(run.Started).Round(time.Millisecond), run.EventDate, run.AsOf)
	return nil
}

// defaultJobFlags are the job queue's settings as serve and worker take
// them when no flag is given.
func defaultJobFlags() *jobFlags {
	return addJobFlags(flag.NewFlagSet("jobs", flag.ContinueOnError))
}
