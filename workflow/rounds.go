package workflow

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/etown/duixian"
	"github.com/etown/duixian/casework"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// KindRound is the record kind of a round (申报批次); its subject is the
// document.
const KindRound = "round"

// RoundInput is a 申报指南 as the department publishes it.
type RoundInput struct {
	Document string        `json:"document"`
	Clauses  []string      `json:"clauses,omitempty"` // empty: every clause of the document the department is responsible for
	Year     int           `json:"year"`
	Title    string        `json:"title"`
	Text     string        `json:"text"`
	Opens    duixian.Date  `json:"opens"`
	Closes   duixian.Date  `json:"closes"`
	Budget   duixian.Money `json:"budget_fen,omitempty"`
	// Offers binds 免申即享 offers of the round's clauses to its window.
	Offers bool `json:"offers,omitempty"`
}

// maxGuideRunes bounds a guide's text; a longer guide is linked, not pasted.
const maxGuideRunes = 20000

func (in *RoundInput) validate(cat *engine.Catalogue, today duixian.Date) (*engine.Document, error) {
	d, ok := cat.Document(in.Document)
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "document", "目录中没有文件 %s", "the catalogue has no document %s", in.Document)
	}
	if !d.Procedure.Rounds {
		return nil, duixian.Errorf(duixian.EINVALID, "document", "%s不按批次受理申报（随时受理），无需发布申报指南", "%s takes applications any day, not in rounds", d.Number)
	}
	in.Title, in.Text = strings.TrimSpace(in.Title), strings.TrimSpace(in.Text)
	switch {
	case in.Title == "":
		return nil, duixian.Errorf(duixian.EINVALID, "title", "请填写申报指南的标题", "the guide needs a title")
	case in.Text == "":
		return nil, duixian.Errorf(duixian.EINVALID, "text", "请填写申报指南的内容", "the guide needs its text")
	case utf8.RuneCountInString(in.Text) > maxGuideRunes:
		return nil, duixian.Errorf(duixian.EINVALID, "text", "申报指南至多%d字", "the guide is at most %d characters", maxGuideRunes)
	case in.Year < 2000 || in.Year > 2100:
		return nil, duixian.Errorf(duixian.EINVALID, "year", "年度无效", "the year is not valid")
	case in.Opens.IsZero() || in.Closes.IsZero():
		return nil, duixian.Errorf(duixian.EINVALID, "opens", "请填写申报期的起止日期", "give the first and last day of the window")
	case in.Closes.Before(in.Opens):
		return nil, duixian.Errorf(duixian.EINVALID, "closes", "申报截止日%s早于开始日%s", "the window closes on %s, before it opens on %s", in.Closes, in.Opens)
	case in.Closes.Before(today):
		return nil, duixian.Errorf(duixian.EINVALID, "closes", "申报截止日%s已过", "the window closed on %s, in the past", in.Closes)
	case in.Budget < 0:
		return nil, duixian.Errorf(duixian.EINVALID, "budget", "预算不能为负", "the budget cannot be negative")
	}
	for _, id := range in.Clauses {
		cl, ok := cat.Clause(id)
		if !ok || cl.Document != d {
			return nil, duixian.Errorf(duixian.EINVALID, "clauses", "条款 %s 不属于%s", "clause %s is not of %s", id, d.Number)
		}
	}
	slices.Sort(in.Clauses)
	in.Clauses = slices.Compact(in.Clauses)
	return d, nil
}

// PublishRound publishes a round's 申报指南: a reviewer of the document's
// responsible department, for a document whose procedure takes
// applications in rounds. Two rounds whose windows overlap may not cover
// the same clause, so an application belongs to one round.
func (s *Service) PublishRound(ctx context.Context, actor duixian.Actor, in RoundInput) (*duixian.Round, error) {
	id := duixian.NewID("R", s.Now())
	var doc *engine.Document
	return casework.Run(ctx, s.desk(), actor, casework.Transition[*duixian.Round, string]{Action: "round-publish", Subject: id,
		Roles: []duixian.Role{duixian.RoleReviewer},
		Validate: func() (err error) {
			doc, err = in.validate(s.Catalogue, s.today())
			if err == nil && doc.Department != actor.Department {
				err = duixian.Forbidden("%s的申报指南由%s发布，%s无权发布", "the guide of %s is published by %s, not %s", doc.Number, doc.Department, actor.Department)
			}
			return err
		},
		Load: func(tx *sqldb.Tx) (*duixian.Round, error) {
			return &duixian.Round{ID: id, Document: in.Document, Department: doc.Department, Clauses: in.Clauses, Year: in.Year,
				Title: in.Title, Text: in.Text, Opens: in.Opens, Closes: in.Closes, Budget: in.Budget, Offers: in.Offers}, nil
		},
		State: func(r *duixian.Round) string {
			if r.By == "" {
				return ""
			}
			return "published"
		},
		Apply: func(tx *sqldb.Tx, r *duixian.Round) error {
			rounds, err := roundsOf(tx, r.Document)
			if err != nil {
				return err
			}
			for _, o := range rounds {
				if o.Opens.After(r.Closes) || r.Opens.After(o.Closes) {
					continue
				}
				for _, cl := range doc.Clauses() {
					if o.Covers(cl.ID) && r.Covers(cl.ID) {
						return duixian.Conflict("申报期与批次“%s”（%s至%s）重叠，且都受理条款 %s", "the window overlaps round %q (%s to %s), which also takes clause %s",
							o.Title, o.Opens, o.Closes, cl.ID)
					}
				}
			}
			r.By, r.Published = actor.User, s.Now()
			return nil
		},
		Save: func(tx *sqldb.Tx, r *duixian.Round) error {
			doc, err := json.Marshal(r)
			if err != nil {
				return err
			}
			return tx.PutRecord(&sqldb.Record{Kind: KindRound, ID: r.ID, Subject: r.Document, Doc: doc})
		},
	})
}

func roundsOf(tx *sqldb.Tx, document string) ([]*duixian.Round, error) {
	recs, err := tx.Records(KindRound, document)
	if err != nil {
		return nil, err
	}
	out := make([]*duixian.Round, 0, len(recs))
	for _, rec := range recs {
		var r duixian.Round
		if err := json.Unmarshal(rec.Doc, &r); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	slices.SortFunc(out, func(a, b *duixian.Round) int {
		switch {
		case a.Opens.Before(b.Opens):
			return -1
		case b.Opens.Before(a.Opens):
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Rounds lists the published rounds, anyone may read them (the guides are
// public: 向社会公开发布), of one document or, with "", all, by opening day.
func (s *Service) Rounds(ctx context.Context, document string) ([]*duixian.Round, error) {
	var out []*duixian.Round
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) error {
		docs := []string{document}
		if document == "" {
			docs = nil
			for _, d := range s.Catalogue.Documents() {
				if d.Procedure.Rounds {
					docs = append(docs, d.ID)
				}
			}
		}
		for _, d := range docs {
			rs, err := roundsOf(tx, d)
			if err != nil {
				return err
			}
			out = append(out, rs...)
		}
		return nil
	})
	return out, err
}

// Round reads one round.
func (s *Service) Round(ctx context.Context, id string) (*duixian.Round, error) {
	var r *duixian.Round
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) {
		r, err = roundByID(tx, id)
		return err
	})
	return r, err
}

func roundByID(tx *sqldb.Tx, id string) (*duixian.Round, error) {
	rec, err := tx.Record(KindRound, id, false)
	if duixian.ErrorCode(err) == duixian.ENOTFOUND {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "round", "没有申报批次 %s", "no round %s", id)
	}
	if err != nil {
		return nil, err
	}
	var r duixian.Round
	return &r, json.Unmarshal(rec.Doc, &r)
}

// RoundWindow is what the form shows of a clause's rounds: the open one,
// or the next to open, or neither.
type RoundWindow struct {
	Required bool           // the document takes applications in rounds
	Open     *duixian.Round // the round taking applications today
	Next     *duixian.Round // the next round to open, when none is open
}

// ClauseWindow says whether clause takes applications today and, if not,
// when it next does.
func (s *Service) ClauseWindow(ctx context.Context, clause string) (RoundWindow, error) {
	var w RoundWindow
	err := s.DB.Read(ctx, func(tx *sqldb.Tx) (err error) {
		w, err = s.window(tx, clause, false)
		return err
	})
	return w, err
}

// window finds clause's open round today. A 免申即享 offer (offer) is bound
// only by rounds that say so (Round.Offers); an offer of a clause no such
// round covers is taken any day.
func (s *Service) window(tx *sqldb.Tx, clause string, offer bool) (RoundWindow, error) {
	cl, ok := s.Catalogue.Clause(clause)
	if !ok || !cl.Document.Procedure.Rounds {
		return RoundWindow{}, nil
	}
	rounds, err := roundsOf(tx, cl.Document.ID)
	if err != nil {
		return RoundWindow{}, err
	}
	w := RoundWindow{Required: !offer}
	today := s.today()
	for _, r := range rounds {
		if !r.Covers(clause) || offer && !r.Offers {
			continue
		}
		w.Required = true
		switch {
		case r.OpenOn(today):
			w.Open = r
		case r.Opens.After(today) && w.Next == nil:
			w.Next = r
		}
	}
	return w, nil
}

// inRound refuses an application outside an open round of its clause,
// where the document takes applications in rounds, saying when the next
// opens; it records the round on the application.
func (s *Service) inRound(tx *sqldb.Tx, a *duixian.Application) error {
	w, err := s.window(tx, a.Clause, a.Offer != "")
	if err != nil || !w.Required {
		return err
	}
	if w.Open != nil {
		a.Round = w.Open.ID
		return nil
	}
	cl, _ := s.Catalogue.Clause(a.Clause)
	cite := cl.Document.Procedure.Cite.String()
	if w.Next != nil {
		return duixian.Errorf(duixian.ECONFLICT, "round", "%s按申报指南分批受理（%s），当前不在申报期内；下一批次“%s”于%s开始受理，%s截止",
			"%[1]s takes applications in rounds under its guide (%[2]s) and none is open today; the next, %[3]q, opens on %[4]s and closes on %[5]s",
			cl.Title, cite, w.Next.Title, w.Next.Opens, w.Next.Closes)
	}
	return duixian.Errorf(duixian.ECONFLICT, "round", "%s按申报指南分批受理（%s），当前不在申报期内，尚未发布下一批次的申报指南",
		"%s takes applications in rounds under its guide (%s); none is open today and no next round is published", cl.Title, cite)
}
