package casework_test

import (
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/sqldb/dbtest"
)

// Anonymous visitors' refusals are counted, not written each: of 3,000 in
// a minute, the first of each kind is written as it comes and the rest as
// one count when the minute is over (at the next refusal or a flush);
// nothing is lost, and signed-in users' refusals are still written each.
func TestTallyBoundsAnonymousRefusals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var mu sync.Mutex
		now := at
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		d := casework.Desk{DB: db, Now: clock, Tally: casework.NewTally()}
		refusal := duixian.Errorf(duixian.EFORBIDDEN, "csrf", "请求校验失败", "the CSRF token is missing")
		var wg sync.WaitGroup
		for w := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 300 {
					anon := duixian.Actor{User: fmt.Sprintf("public@10.0.%d.%d", w, i), Role: duixian.RolePublic, IP: fmt.Sprintf("10.0.%d.%d", w, i)}
					subject := []string{"POST /login", "POST /api/v1/publicity/{id}/objections"}[i%2]
					if err := d.Refused(ctx, anon, "csrf", subject, refusal); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
						t.Errorf("the refusal came back as %v", err)
						return
					}
				}
			}()
		}
		wg.Wait()
		log := auditLog(t, db)
		if len(log) != 2 {
			t.Fatalf("3,000 refusals of two kinds wrote %d rows, want the 2 firsts: %+v", len(log), log)
		}
		// A signed-in user's refusal is written as it comes.
		if err := d.Refused(ctx, owner, "csrf", "POST /login", refusal); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatal(err)
		}
		if n := len(auditLog(t, db)); n != 3 {
			t.Fatalf("a signed-in refusal: %d rows", n)
		}
		// The next minute's first refusal writes the last minute's counts.
		mu.Lock()
		now = now.Add(time.Minute)
		mu.Unlock()
		if err := d.Refused(ctx, duixian.Actor{User: "public@10.9.9.9", Role: duixian.RolePublic, IP: "10.9.9.9"}, "csrf", "POST /login", refusal); duixian.ErrorCode(err) != duixian.EFORBIDDEN {
			t.Fatal(err)
		}
		// A flush writes the minute under way; a second has nothing to write.
		d.Refused(ctx, duixian.Actor{User: "public@10.9.9.8", Role: duixian.RolePublic, IP: "10.9.9.8"}, "csrf", "POST /login", refusal)
		if err := d.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if err := d.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		log = auditLog(t, db)
		count := regexp.MustCompile(`^另有(\d+)次`)
		total, counts := 0, 0
		for _, e := range log {
			if e.Actor.Role != duixian.RolePublic {
				continue
			}
			if m := count.FindStringSubmatch(e.After); m != nil {
				n, _ := strconv.Atoi(m[1])
				total += n
				counts++
			} else {
				total++
			}
			if len(e.After) > 600 || e.Action != "denied:csrf" {
				t.Errorf("row %d: %s %.100s (%d bytes)", e.Seq, e.Action, e.After, len(e.After))
			}
		}
		if total != 3002 || counts != 3 || len(log) != 7 {
			t.Fatalf("%d rows (%d counts) account for %d anonymous refusals, want 7 (3) for 3002", len(log), counts, total)
		}
		if _, err := db.VerifyAudit(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func auditLog(t *testing.T, db *sqldb.DB) []duixian.AuditEntry {
	t.Helper()
	var log []duixian.AuditEntry
	if err := db.Read(ctx, func(tx *sqldb.Tx) (err error) { log, err = tx.AuditLog(""); return }); err != nil {
		t.Fatal(err)
	}
	return log
}
