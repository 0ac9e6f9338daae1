// Package workflowtest helps tests that run applications through the
// workflow: it opens the application rounds that documents taking
// applications in rounds (21号第十二条, 22号第十条) need before anything is
// applied for.
package workflowtest

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

// OpenRounds stores, for every document that takes applications in
// rounds, one round of all its clauses open from from to until, and
// returns them; a document that has rounds already is left as it is, so a
// test may open a store twice. The rounds are seeded as test data, not
// published through the workflow (PublishRound): a test that counts audit
// entries counts its own. A test whose clock stays between the two days
// applies as it did before rounds.
func OpenRounds(t testing.TB, s *workflow.Service, from, until duixian.Date) []*duixian.Round {
	t.Helper()
	var out []*duixian.Round
	err := s.DB.Tx(context.Background(), func(tx *sqldb.Tx) error {
		out = nil
		for _, d := range s.Catalogue.Documents() {
			if !d.Procedure.Rounds {
				continue
			}
			have, err := tx.Records(workflow.KindRound, d.ID)
			if err != nil {
				return err
			}
			if len(have) > 0 {
				continue
			}
			r := &duixian.Round{ID: "R-" + d.ID, Document: d.ID, Department: d.Department, Year: from.Year,
				Title: from.String() + "至" + until.String() + d.Short + "申报批次", Text: "测试用申报指南",
				Opens: from, Closes: until, By: "rounds.test", Published: time.Date(from.Year, 1, 1, 0, 0, 0, 0, duixian.Shanghai)}
			doc, err := json.Marshal(r)
			if err != nil {
				return err
			}
			if err := tx.PutRecord(&sqldb.Record{Kind: workflow.KindRound, ID: r.ID, Subject: r.Document, Doc: doc}); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("opening rounds: %v", err)
	}
	return out
}

// From and Until make a window wide enough for any test clock.
var (
	From  = duixian.Date{Year: 2020, Month: 1, Day: 1}
	Until = duixian.Date{Year: 2099, Month: 12, Day: 31}
)
