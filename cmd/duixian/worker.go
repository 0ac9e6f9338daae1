package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/jobs"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/notify"
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
	notifyEvery *time.Duration
	smtp        notify.SMTP
	smsLog      *bool
	publicURL   *string
}

func addJobFlags(fl *flag.FlagSet) *jobFlags {
	f := &jobFlags{
		workers:     fl.Int("workers", 2, "jobs of each queue this process works at once; 0: none (other processes work them)"),
		timeout:     fl.Duration("job-timeout", jobs.DefaultJobTimeout, "a job's context is cancelled after this long"),
		rescueAfter: fl.Duration("rescue-after", jobs.DefaultRescueAfter, "a job still running after this long (and its timeout) is taken for stuck, its process dead, and retried"),
		matchDaily:  fl.String("match-daily", "", "HH:MM (Shanghai): start a 免申即享 run of every clause each day then; the same on every process"),
		notifyEvery: fl.Duration("notify-every", jobs.DefaultNotifyEvery, "how often the audit log is read for notifications"),
		smsLog:      fl.Bool("sms-log", false, "send notifications by SMS to users with a phone, written to the log (no SMS provider is built in)"),
		publicURL:   fl.String("public-url", os.Getenv("DUIXIAN_PUBLIC_URL"), "the platform's address as users reach it (https://…), before the links in e-mails; env DUIXIAN_PUBLIC_URL"),
	}
	// E-mail is sent only with --smtp-host; the password is best given by
	// the environment, not on a command line others can read.
	fl.StringVar(&f.smtp.Host, "smtp-host", os.Getenv("DUIXIAN_SMTP_HOST"), "mail server for notifications; none: no e-mail (env DUIXIAN_SMTP_HOST)")
	fl.IntVar(&f.smtp.Port, "smtp-port", envInt("DUIXIAN_SMTP_PORT", 587), "mail server port (env DUIXIAN_SMTP_PORT)")
	fl.StringVar(&f.smtp.From, "smtp-from", os.Getenv("DUIXIAN_SMTP_FROM"), "sender, e.g. \"政策兑现平台 <noreply@example.gov.cn>\" (env DUIXIAN_SMTP_FROM)")
	fl.StringVar(&f.smtp.User, "smtp-user", os.Getenv("DUIXIAN_SMTP_USER"), "mail server user (env DUIXIAN_SMTP_USER)")
	fl.StringVar(&f.smtp.Password, "smtp-password", os.Getenv("DUIXIAN_SMTP_PASSWORD"), "mail server password (env DUIXIAN_SMTP_PASSWORD, preferred)")
	fl.BoolVar(&f.smtp.StartTLS, "smtp-starttls", os.Getenv("DUIXIAN_SMTP_STARTTLS") != "false", "require STARTTLS (env DUIXIAN_SMTP_STARTTLS=false to allow plain, e.g. a relay on localhost)")
	return f
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return v
	}
	return def
}

// notifier is the notification service the flags configure: e-mail with
// --smtp-host, SMS to the log with --sms-log, the inbox always.
func (f *jobFlags) notifier(db *sqldb.DB, cat *engine.Catalogue) (*notify.Service, error) {
	n := notify.New(db, cat)
	n.BaseURL = strings.TrimRight(*f.publicURL, "/")
	if f.smtp.Host != "" {
		if _, err := f.options(); err != nil {
			return nil, err
		}
		m := f.smtp
		n.Mail = &m
	}
	if *f.smsLog {
		n.SMS = notify.LogTexter{}
	}
	return n, nil
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
	if f.notifyEvery != nil {
		if *f.notifyEvery <= 0 {
			return o, flagError("notify-every", "--notify-every 须为正数", "--notify-every must be positive")
		}
		o.NotifyEvery = *f.notifyEvery
	}
	if f.smtp.Host != "" {
		if err := f.smtp.Check(); err != nil {
			return o, flagError("smtp-host", "邮件服务器设置有误："+err.Error(), "the mail server settings are wrong: "+err.Error())
		}
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
	if svc.Notify != nil {
		svc.Notify.Queue = q
	}
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
    [--smtp-host H --smtp-port 587 --smtp-from ADDR --smtp-user U (--smtp-password, env DUIXIAN_SMTP_PASSWORD) --smtp-starttls] [--sms-log] [--public-url URL] [--notify-every 5s]
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
	n, err := jf.notifier(db, cat)
	if err != nil {
		return err
	}
	q, stop, err := startJobs(ctx, db, *dbPath, jobs.Services{Matching: matching.NewService(wf), Qunyan: qunyan.New(db, cat), Notify: n}, jf)
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
