package land

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Trial is a recorded revision of 20号 that extends its trial (第十条:
// 试行期一年，根据实施情况适时修订). The catalogue keeps the gazette's
// text; the revision is data an administrator records.
type Trial struct {
	ID       string       `json:"id"`
	Document string       `json:"document"` // jjgf-2025-20
	Number   string       `json:"number"`   // the revising document's number
	Title    string       `json:"title,omitempty"`
	Issued   duixian.Date `json:"issued,omitzero"`
	// Until is the new last day of the trial: applications made up to it
	// are decided under 20号.
	Until    duixian.Date `json:"until"`
	Note     string       `json:"note,omitempty"`
	By       string       `json:"by"`
	Recorded time.Time    `json:"recorded"`
}

// TrialInput is what an administrator records.
type TrialInput struct {
	Number string
	Title  string
	Issued duixian.Date
	Until  duixian.Date
	Note   string
}

func (s *Service) document() (*engine.Document, error) {
	d, ok := s.Catalogue.Document(Document)
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "document", "目录中没有%s", "the catalogue has no %s", Document)
	}
	return d, nil
}

// RecordTrial records a revision extending the trial (administrators only).
func (s *Service) RecordTrial(ctx context.Context, actor duixian.Actor, in TrialInput) (*Trial, error) {
	t, err := s.recordTrial(ctx, actor, in)
	return t, s.desk().Refused(ctx, actor, "land:trial", Document, err)
}

func (s *Service) recordTrial(ctx context.Context, actor duixian.Actor, in TrialInput) (*Trial, error) {
	if actor.Role != duixian.RoleAdmin {
		return nil, duixian.Forbidden("只有管理员可以登记试行期修订", "only administrators record a revision of the trial")
	}
	doc, err := s.document()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Number) == "" {
		return nil, duixian.Errorf(duixian.EINVALID, "number", "须写明修订文件的文号", "the revising document's number is required")
	}
	if in.Until.IsZero() {
		return nil, duixian.Errorf(duixian.EINVALID, "until", "须写明延长后的试行期截止日", "the new end of the trial is required")
	}
	if !doc.InForceTo.IsZero() && !in.Until.After(doc.InForceTo) {
		return nil, duixian.Errorf(duixian.EINVALID, "until", "延长后的截止日须晚于原试行期截止日%s", "the new end must be after the trial's end %s", doc.InForceTo)
	}
	now := s.Now()
	t := &Trial{ID: duixian.NewID("T", now), Document: Document, Number: strings.TrimSpace(in.Number), Title: strings.TrimSpace(in.Title),
		Issued: in.Issued, Until: in.Until, Note: strings.TrimSpace(in.Note), By: actor.User, Recorded: now}
	doc2, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	err = s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.PutRecord(&sqldb.Record{Kind: KindTrial, ID: t.ID, Subject: Document, Doc: doc2}); err != nil {
			return err
		}
		return tx.Audit(s.desk().Entry(actor, "land:trial", Document, doc.InForceTo.String(), fmt.Sprintf("%s 试行期延长至 %s", t.Number, t.Until)))
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// Trials lists the recorded revisions, the latest end first.
func (s *Service) Trials(ctx context.Context) ([]*Trial, error) {
	var out []*Trial
	err := s.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		out, err = trials(tx)
		return err
	})
	return out, err
}

func trials(tx *sqldb.Tx) ([]*Trial, error) {
	recs, err := tx.Records(KindTrial, Document)
	if err != nil {
		return nil, err
	}
	out := make([]*Trial, 0, len(recs))
	for _, r := range recs {
		var t Trial
		if err := json.Unmarshal(r.Doc, &t); err != nil {
			return nil, err
		}
		out = append(out, &t)
	}
	slices.SortStableFunc(out, func(a, b *Trial) int {
		switch {
		case a.Until.After(b.Until):
			return -1
		case a.Until.Before(b.Until):
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// evaluate decides clause for a case applied on applied, as of today. If
// the engine refuses because the application is after the trial (code
// expired, 第十条) and a recorded revision extends the trial to cover it,
// the check of the event date moves here: the claim is decided as of the
// last day of the original trial, so that every other rule still applies
// exactly, and the decision states the real date and the revision.
func (s *Service) evaluate(tx *sqldb.Tx, clause string, applied duixian.Date, facts duixian.Facts) (duixian.Decision, *Trial, error) {
	asOf := duixian.DateOf(s.Now())
	d, err := s.Catalogue.Evaluate(duixian.Claim{Clause: clause, EventDate: applied, AsOf: asOf, Facts: facts}, engine.Options{Trace: true})
	if err != nil {
		return d, nil, err
	}
	i := slices.IndexFunc(d.Reasons, func(r duixian.Reason) bool { return r.Is("expired") })
	if i < 0 {
		return d, nil, nil
	}
	expired := d.Reasons[i]
	list, err := trials(tx)
	if err != nil {
		return d, nil, err
	}
	var rev *Trial
	for _, t := range list {
		if !applied.After(t.Until) {
			rev = t // the latest end first: the widest revision covering the date
			break
		}
	}
	if rev == nil {
		return d, nil, nil
	}
	doc, err := s.document()
	if err != nil {
		return d, nil, err
	}
	last := doc.InForceTo
	moved, err := s.Catalogue.Evaluate(duixian.Claim{Clause: clause, EventDate: last, AsOf: asOf, Facts: facts}, engine.Options{Trace: true})
	if err != nil {
		return d, nil, err
	}
	cite := duixian.Cite{Document: KindTrial + "/" + rev.ID, Short: rev.Number}
	note := duixian.Step{Cite: cite, Text: fmt.Sprintf("依据%s，%s试行期（%s）延长至%s：申请日%s在延长后的试行期内，不适用%s“%s”，按原试行期末日%s适用%s各条",
		rev.Number, doc.Number, expired.Cite.String(), rev.Until.Chinese(), applied.Chinese(), expired.Cite.String(), expired.Zh, last.Chinese(), doc.Number)}
	moved.EventDate = applied
	moved.Document.InForceTo = rev.Until
	moved.Trace = append([]duixian.Step{note}, moved.Trace...)
	return moved, rev, nil
}

func refused(d duixian.Decision) error {
	var zh, en []string
	for _, r := range d.Reasons {
		zh = append(zh, r.Zh+"（"+r.Cite.String()+"）")
		en = append(en, r.En)
	}
	return &duixian.Error{Code: duixian.EREFUSED, Zh: "不符合条件：" + strings.Join(zh, "；"), En: "refused: " + strings.Join(en, "; "), Reasons: d.Reasons}
}
