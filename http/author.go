package http

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
)

var authors = []duixian.Role{duixian.RoleAuthor, duixian.RoleAdmin}

// MaxDraftBytes bounds a pasted document and its cases.
const MaxDraftBytes = 512 << 10

// AuthorView is the authoring page: the draft as typed, and what trying it
// found.
type AuthorView struct {
	ID, Document, Cases            string
	Clause, EventDate, AsOf, Facts string
	Draft                          *engine.Draft
	Decision                       *duixian.Decision
	Tried                          bool
}

// authorRoutes: a policy author pastes a draft document and its cases and
// sees lint, the cases, coverage and a one-claim trace, as often as they
// like. Nothing is saved or published: publishing stays a reviewed change
// to the catalogue's files.
func (s *Server) authorRoutes() []Route {
	return []Route{
		pageRoute("GET", "/author", authors, "政策起草", func(q *Request) error {
			return s.offRender(q, 200, "author.html", "政策起草", &AuthorView{}, nil, "")
		}),
		pageRoute("POST", "/author", authors, "政策起草：试算草稿", func(q *Request) error {
			v := &AuthorView{ID: strings.TrimSpace(q.R.PostFormValue("id")), Document: q.R.PostFormValue("document"),
				Cases: q.R.PostFormValue("cases"), Clause: strings.TrimSpace(q.R.PostFormValue("clause")),
				EventDate: strings.TrimSpace(q.R.PostFormValue("event_date")), AsOf: strings.TrimSpace(q.R.PostFormValue("as_of")),
				Facts: q.R.PostFormValue("facts"), Tried: true}
			if len(v.Document)+len(v.Cases)+len(v.Facts) > MaxDraftBytes {
				return s.offRender(q, 413, "author.html", "政策起草", v,
					duixian.Errorf(duixian.EINVALID, "document", "草稿过大（上限 %d KB）", "the draft is too large (at most %d KB)", MaxDraftBytes>>10), "")
			}
			d, err := s.Catalogue.TryDraft(v.ID, []byte(v.Document), []byte(v.Cases))
			if err != nil {
				return err
			}
			v.Draft = d
			if d.Catalogue != nil && v.Clause != "" {
				dec, err := tryClaim(d.Catalogue, v)
				if err != nil {
					var e *duixian.Error
					if !errors.As(err, &e) {
						return err
					}
					return s.offRender(q, 422, "author.html", "政策起草", v, e, "")
				}
				v.Decision = &dec
			}
			return s.offRender(q, 200, "author.html", "政策起草", v, nil, "")
		}),
	}
}

// tryClaim decides one claim under the draft, with its trace.
func tryClaim(cat *engine.Catalogue, v *AuthorView) (duixian.Decision, error) {
	id := v.Clause
	if !strings.Contains(id, "/") {
		id = v.ID + "/" + id
	}
	ev, err := duixian.ParseDate(v.EventDate)
	if err != nil {
		return duixian.Decision{}, duixian.Errorf(duixian.EINVALID, "event_date", "事项发生日期应为 YYYY-MM-DD", "event_date must be YYYY-MM-DD")
	}
	asOf := ev
	if v.AsOf != "" {
		if asOf, err = duixian.ParseDate(v.AsOf); err != nil {
			return duixian.Decision{}, duixian.Errorf(duixian.EINVALID, "as_of", "判定日期应为 YYYY-MM-DD", "as_of must be YYYY-MM-DD")
		}
	}
	raw := strings.TrimSpace(v.Facts)
	if raw == "" {
		raw = "{}"
	}
	if !json.Valid([]byte(raw)) {
		return duixian.Decision{}, duixian.Errorf(duixian.EINVALID, "facts", "事实应为 JSON 对象", "facts must be a JSON object")
	}
	facts, err := cat.DecodeJSONFacts("facts", []byte(raw))
	if err != nil {
		return duixian.Decision{}, err
	}
	return cat.Evaluate(duixian.Claim{Clause: id, EventDate: ev, AsOf: asOf, Facts: facts}, engine.Options{Trace: true})
}
