package matching

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

// StoredOffer is an offer kept for the enterprise to confirm (意愿确认).
type StoredOffer struct {
	ID          string           `json:"id"`
	Enterprise  string           `json:"enterprise"`
	Name        string           `json:"enterprise_name"`
	Decision    duixian.Decision `json:"decision"`
	Status      string           `json:"status"`          // open, confirmed, declined
	Draft       string           `json:"draft,omitempty"` // the application id reserved by the first confirmation
	Application string           `json:"application,omitempty"`
}

const offerKind = "offer"

func offerID(enterprise, clause string, event duixian.Date) string {
	return enterprise + ":" + clause + ":" + event.String()
}

// Store keeps a run's offers, each with its audit entry in the same
// transaction (who pushed which award to whom, and when), and returns how
// many it wrote. An offer already confirmed or declined is left as it is;
// an open one is refreshed when the decision changed, so running the same
// match twice writes nothing the second time.
func Store(ctx context.Context, db *sqldb.DB, actor duixian.Actor, at time.Time, offers []Offer) (int, error) {
	n := 0
	err := db.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		n, err = storeOffers(tx, actor, at, offers)
		return err
	})
	return n, err
}

// storeOffers is Store inside tx, for a partition of a run whose offers
// and done mark commit together. The offers already on file are read,
// and the new ones written, a few statements for the lot.
func storeOffers(tx *sqldb.Tx, actor duixian.Actor, at time.Time, offers []Offer) (int, error) {
	stamp := at.In(duixian.Shanghai).Format(time.RFC3339Nano)
	ids := make([]string, len(offers))
	for i, o := range offers {
		ids[i] = offerID(o.Enterprise, o.Decision.Clause, o.Decision.EventDate)
	}
	have, err := tx.RecordsIn(offerKind, ids, true)
	if err != nil {
		return 0, err
	}
	var added []*sqldb.Record
	// The audit entries are sealed together at the end (the chain's head
	// moved once, not once an offer), in the order of the offers.
	var entries []duixian.AuditEntry
	for i, o := range offers {
		id := ids[i]
		rec, ok := have[id]
		if !ok {
			rec = &sqldb.Record{Kind: offerKind, ID: id, Subject: o.Enterprise}
		}
		var old StoredOffer
		before := ""
		if len(rec.Doc) > 0 {
			if err := json.Unmarshal(rec.Doc, &old); err != nil {
				return 0, err
			}
			if old.Status != "open" {
				continue
			}
			before = old.Status
		}
		doc, _ := json.Marshal(StoredOffer{ID: id, Enterprise: o.Enterprise, Name: o.Name, Decision: o.Decision, Status: "open", Draft: old.Draft})
		if bytes.Equal(rec.Doc, doc) {
			continue // the same decision again: nothing to write or audit
		}
		rec.Doc = doc
		switch {
		case !ok:
			// Written with the others below; the same offer again in this
			// batch finds it here.
			added = append(added, rec)
			have[id] = rec
		case rec.Version > 0:
			if err := tx.PutRecord(rec); err != nil {
				return 0, err
			}
		}
		entries = append(entries, duixian.AuditEntry{At: stamp, Actor: actor, Action: "offer", Subject: id, Before: before, After: "open"})
	}
	if err := tx.PutNewRecords(added); err != nil {
		return 0, err
	}
	if err := tx.AuditAll(entries); err != nil {
		return 0, err
	}
	return len(entries), nil
}

// Offers lists an enterprise's offers.
func Offers(ctx context.Context, db *sqldb.DB, enterprise string) ([]StoredOffer, error) {
	out := []StoredOffer{}
	err := db.Read(ctx, func(tx *sqldb.Tx) error {
		recs, err := tx.Records(offerKind, enterprise)
		for _, r := range recs {
			var o StoredOffer
			if err := json.Unmarshal(r.Doc, &o); err != nil {
				return err
			}
			out = append(out, o)
		}
		return err
	})
	return out, err
}

// Confirm turns an open offer into an application: a draft with the facts
// the registry holds, declared true by the person confirming, submitted at
// once (the engine decides again, beside the year's approved awards). The
// first confirmation reserves the application's id on the offer, and the
// submission's idempotency key is the offer's: confirmations that race, or
// a retry after a crash, create and submit one application, never two.
func Confirm(ctx context.Context, wf *workflow.Service, actor duixian.Actor, id string) (*duixian.Application, error) {
	enterprise, _, _ := strings.Cut(id, ":")
	if actor.Role != duixian.RoleEnterprise || actor.Enterprise != enterprise {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "offer", "没有该推送事项", "no such offer")
	}
	var offer StoredOffer
	err := wf.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		rec, err := tx.Record(offerKind, id, true)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(rec.Doc, &offer); err != nil {
			return err
		}
		if offer.Status != "open" || offer.Draft != "" {
			return nil
		}
		offer.Draft = duixian.NewID("A", wf.Now())
		rec.Doc, _ = json.Marshal(offer)
		return tx.PutRecord(rec)
	})
	if err != nil {
		return nil, err
	}
	switch offer.Status {
	case "confirmed":
		return wf.Application(ctx, actor, offer.Application)
	case "open":
	default:
		return nil, duixian.Errorf(duixian.ECONFLICT, "offer", "该推送事项已%s", "the offer is %s", offer.Status)
	}
	if _, err := wf.Application(ctx, actor, offer.Draft); duixian.ErrorCode(err) == duixian.ENOTFOUND {
		var facts json.RawMessage
		if err := wf.DB.Tx(ctx, func(tx *sqldb.Tx) error {
			e, err := tx.Enterprise(enterprise, false)
			if err == nil {
				facts = e.Facts
			}
			return err
		}); err != nil {
			return nil, err
		}
		if len(facts) == 0 {
			facts = json.RawMessage(`{}`)
		}
		_, err := wf.CreateDraft(ctx, actor, workflow.DraftInput{ID: offer.Draft, Enterprise: enterprise, Clause: offer.Decision.Clause,
			EventDate: offer.Decision.EventDate, Facts: facts, Declared: true, Offer: id})
		if err != nil {
			// A racing confirmation may have written the same draft first.
			if _, again := wf.Application(ctx, actor, offer.Draft); again != nil {
				return nil, err
			}
		}
	} else if err != nil {
		return nil, err
	}
	a, err := wf.Submit(ctx, actor, offer.Draft, "offer:"+id)
	if err != nil {
		return nil, fmt.Errorf("submitting the confirmed offer %s: %w", id, err)
	}
	err = wf.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		rec, err := tx.Record(offerKind, id, true)
		if err != nil {
			return err
		}
		offer.Status, offer.Application = "confirmed", a.ID
		rec.Doc, _ = json.Marshal(offer)
		return tx.PutRecord(rec)
	})
	return a, err
}

// Decline records that the enterprise does not want an open offer (it may
// still apply online with its own figures). A declined offer is not pushed
// again by later runs.
func Decline(ctx context.Context, db *sqldb.DB, actor duixian.Actor, at time.Time, id string) error {
	enterprise, _, _ := strings.Cut(id, ":")
	if actor.Role != duixian.RoleEnterprise || actor.Enterprise != enterprise {
		return duixian.Errorf(duixian.ENOTFOUND, "offer", "没有该推送事项", "no such offer")
	}
	return db.Tx(ctx, func(tx *sqldb.Tx) error {
		rec, err := tx.Record(offerKind, id, true)
		if err != nil {
			return err
		}
		var offer StoredOffer
		if err := json.Unmarshal(rec.Doc, &offer); err != nil {
			return err
		}
		if offer.Status != "open" {
			return duixian.Errorf(duixian.ECONFLICT, "offer", "该推送事项已%s", "the offer is %s", offer.Status)
		}
		offer.Status = "declined"
		rec.Doc, _ = json.Marshal(offer)
		if err := tx.PutRecord(rec); err != nil {
			return err
		}
		return tx.Audit(duixian.AuditEntry{At: at.In(duixian.Shanghai).Format(time.RFC3339Nano), Actor: actor,
			Action: "decline-offer", Subject: id, Before: "open", After: "declined"})
	})
}
