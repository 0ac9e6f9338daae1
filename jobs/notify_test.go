package jobs

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/notify"
	"github.com/etown/duixian/notify/smtptest"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
	"github.com/etown/duixian/workflow"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// A 免申即享 offer found while the mail server is down: the notifier's
// job writes the inbox row and queues the e-mail, whose job fails and is
// retried with backoff; once the server is up the e-mail is delivered,
// once, to the enterprise's user, with its Chinese subject.
func TestNotificationRetriedUntilDelivered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		srv := smtptest.Start(t)
		srv.Down()
		uscc := "91110302MA01ABCD1"
		if ch, ok := duixian.USCCCheckChar(uscc); ok {
			uscc += string(ch)
		}
		if err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			if err := tx.PutEnterprise(&duixian.Enterprise{USCC: uscc, Name: "亦城书房有限公司"}); err != nil {
				return err
			}
			return tx.PutUser(&duixian.User{Name: "shop.manager", Role: duixian.RoleEnterprise, Enterprise: uscc, Email: "manager@bookstore.example"})
		}); err != nil {
			t.Fatal(err)
		}
		offer := matching.Offer{Enterprise: uscc, Name: "亦城书房有限公司", Decision: duixian.Decision{Clause: "jjgf-2025-21/7.1", EventDate: duixian.DateOf(testNow), AsOf: duixian.DateOf(testNow), Eligible: true, Amount: 120000 * duixian.Yuan}}
		if _, err := matching.Store(ctx, db, admin, testNow, []matching.Offer{offer}); err != nil {
			t.Fatal(err)
		}
		wf := workflow.New(db, testCat, calendar.Default())
		n := notify.New(db, testCat)
		n.Mail = &notify.SMTP{Host: srv.Host, Port: srv.Port, From: "政策兑现平台 <noreply@etown.example>"}
		q, err := Open(ctx, db, dbtest.DSN(t, db), Services{Matching: matching.NewService(wf), Qunyan: qunyan.New(db, testCat), Notify: n},
			Options{Workers: 2, NotifyEvery: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		n.Queue = q
		if err := q.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { q.Stop(context.Background()) })

		// The e-mail's job fails while the server is down.
		failed := waitJob(t, q, "notify_deliver", func(j *rivertype.JobRow) bool { return len(j.Errors) > 0 })
		if failed.State == rivertype.JobStateCompleted {
			t.Fatalf("the delivery completed with the server down: %+v", failed)
		}
		in, err := n.Inbox(ctx, duixian.Actor{User: "shop.manager"}, duixian.PageRequest{}, false)
		if err != nil || len(in.Items) != 1 || !strings.HasPrefix(in.Items[0].Title, "免申即享") {
			t.Fatalf("the inbox before the e-mail: %+v, %v", in, err)
		}
		srv.Up(t)
		wctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		got, err := srv.Wait(wctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		done := waitJob(t, q, "notify_deliver", func(j *rivertype.JobRow) bool { return j.State == rivertype.JobStateCompleted })
		if done.Attempt < 2 {
			t.Fatalf("delivered at attempt %d, after a failure", done.Attempt)
		}
		// The notifier keeps running: nothing is queued or sent again.
		waitJob(t, q, "notify_derive", func(j *rivertype.JobRow) bool {
			return j.State == rivertype.JobStateCompleted && j.CreatedAt.After(*done.FinalizedAt)
		})
		got = srv.Messages()
		if len(got) != 1 || len(got[0].To) != 1 || got[0].To[0] != "manager@bookstore.example" || got[0].Subject != "免申即享：“一刻钟”建设奖励" {
			t.Fatalf("sent %+v, want one e-mail to the manager", got)
		}
		if !strings.Contains(got[0].Body, "12.00万元") || !strings.Contains(got[0].Body, "/offers") {
			t.Fatalf("body %s", got[0].Body)
		}
		if p, _ := n.Deliveries(ctx, notify.Pending); len(p) != 0 {
			t.Fatalf("%d deliveries pending", len(p))
		}
	})
}

// waitJob waits for a job of the kind of which ok holds. The wait is
// bounded only so that a broken queue fails the test instead of hanging it.
func waitJob(t *testing.T, q *Queue, kind string, ok func(*rivertype.JobRow) bool) *rivertype.JobRow {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		res, err := q.client.JobList(context.Background(), river.NewJobListParams().Kinds(kind).First(100))
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range res.Jobs {
			if ok(j) {
				return j
			}
		}
	}
	res, _ := q.client.JobList(context.Background(), river.NewJobListParams().First(100))
	for _, j := range res.Jobs {
		t.Logf("%s %s attempt %d errors %v", j.Kind, j.State, j.Attempt, j.Errors)
	}
	t.Fatal("no such job")
	return nil
}
