package http

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// bookstoreFacts meet every condition of 21号 7.2 but the ban, which the
// bookstore declares false.
const bookstoreFacts = `{"event_date":"2026-11-01","facts":{
	"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,
	"operating_normally":true,"declared_truthful":true,"has_publication_permit":true,
	"bookstore_premises":true,"publications_main_business":true,"operating_since":"2024-06-01",
	"business_area_m2":"500","publication_area_m2":"300","books_on_shelf":3000,
	"publication_varieties":800,"hosted_reading_events":6,"quarter_hour_service":true,
	"public_culture_outstanding":true,"specialized_store":false,"fusion_store":false,
	"annual_costs":"1000000","reading_events":[],"fraud_ban_active":false}}`

// The API calculator reads the same platform facts as the pages and the
// workflow: a bookstore under a 21号 ban sees 21号 refuse it for the ban,
// whatever it types.
func TestAPIMatchAppliesBans(t *testing.T) {
	s, ts, clk := testServer(t)
	c := newClient(t, ts)
	if c.login("bookstore", "duixian-demo") != 200 {
		t.Fatal("login failed")
	}
	reasons := func() map[string]bool {
		t.Helper()
		resp, body := c.post("/api/v1/match", bookstoreFacts)
		if resp.StatusCode != 200 {
			t.Fatalf("match: %d %s", resp.StatusCode, body)
		}
		var ms []engine.Match
		if err := json.Unmarshal([]byte(body), &ms); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Clause == "jjgf-2025-21/7.2" && m.Decision != nil {
				codes := map[string]bool{}
				for _, r := range m.Decision.Reasons {
					codes[r.Code] = true
				}
				return codes
			}
		}
		t.Fatalf("no decision for 21号 7.2 in %s", body)
		return nil
	}
	if r := reasons(); len(r) != 0 {
		t.Fatalf("refused (%v) though the bookstore meets 7.2 and has no ban", r)
	}
	today := duixian.DateOf(clk.now())
	if err := s.DB.Tx(context.Background(), func(tx *sqldb.Tx) error {
		u, err := tx.User("bookstore")
		if err != nil {
			return err
		}
		e, err := tx.Enterprise(u.Enterprise, true)
		if err != nil {
			return err
		}
		e.Bans = append(e.Bans, duixian.Ban{Document: "jjgf-2025-21", From: today, Until: today.AddDays(3 * 365)})
		return tx.PutEnterprise(e)
	}); err != nil {
		t.Fatal(err)
	}
	if r := reasons(); !r["jjgf-2025-21:no-ban"] {
		t.Fatalf("a banned bookstore was not refused for its ban: %v", r)
	}
}
