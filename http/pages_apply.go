package http

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/form"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/workflow"
)

// The application form (在线申报).

type entApplyView struct {
	Clause      engine.ClauseView
	Fields      []*form.Field
	EventDate   string
	EventErr    *duixian.Error
	EventFixed  bool
	Project     string
	Key         string
	Draft       string
	DraftStatus string
	Declared    bool
	DeclaredErr *duixian.Error
	Error       *duixian.Error
	FieldErrors []*form.Field
	Reasons     []form.Reason
	Saved       string // the draft the refusal left
	Returned    string // the reviewer's reason for a return (补正)
	Prefilled   bool
	NotInForce  string
	// Round says which round takes the clause now, or when the next
	// opens; Closed is set when none is open (21号第十二条（二）).
	Round  string
	Closed bool
	Locked string // the application can no longer be edited
	// Materials are the clause's 申报材料, beside the draft's files.
	Materials   []material.Row
	MaterialErr *duixian.Error
}

// HasFixed reports whether some facts are filled by the platform.
func (v *entApplyView) HasFixed() bool {
	return slices.ContainsFunc(v.Fields, func(f *form.Field) bool { return f.Fixed != "" })
}

func (h *entPages) entClause(q *Request) (*engine.Clause, error) {
	cl, ok := h.cat.Clause(trimID(q.R.PathValue("doc"), q.R.PathValue("art")))
	if !ok {
		return nil, duixian.Errorf(duixian.ENOTFOUND, "clause", "没有该条款", "no such clause")
	}
	return cl, nil
}

// entApplyForm builds the form of clause cl from values.
func (h *entPages) entApplyForm(q *Request, cl *engine.Clause, vals url.Values, fx *form.Platform) *entApplyView {
	lang := q.Lang()
	v := &entApplyView{Clause: cl.View(), EventDate: strings.TrimSpace(vals.Get("event_date")), Project: strings.TrimSpace(vals.Get("project")),
		Declared: vals.Get("declared") == "yes", Draft: vals.Get("draft")}
	for _, f := range v.Clause.Facts {
		ff := form.NewField(lang, f, vals, false, form.MoreRows(vals, f.Name))
		ff.Action = "/apply/" + cl.ID
		if val, by, ok := fx.Fills(f); ok {
			ff.Fixed, ff.FixedBy = val, by
		} else if f.Name == form.DeclaredFact {
			ff.Fixed, ff.FixedBy, ff.Declares = "以本页底部的申报承诺为准", "申报承诺", true
		}
		v.Fields = append(v.Fields, ff)
	}
	v.Materials = material.Rows(cl, &duixian.Application{})
	today := duixian.DateOf(h.now())
	d := cl.Document
	if d.Record || today.Before(d.InForceFrom) || (!d.InForceTo.IsZero() && today.After(d.InForceTo)) {
		v.NotInForce = fmt.Sprintf("%s当前不在施行期内（%s—%s），提交时将按文件有效期判定。", d.Number, d.InForceFrom, d.InForceTo)
	}
	if h.rounds != nil {
		if w, err := h.rounds.ClauseWindow(q.R.Context(), cl.ID); err == nil && w.Required {
			switch {
			case w.Open != nil:
				v.Round = fmt.Sprintf("本条款按申报指南分批受理（%s）：“%s”申报期至%s。", d.Procedure.Cite, w.Open.Title, w.Open.Closes)
			case w.Next != nil:
				v.Round, v.Closed = fmt.Sprintf("本条款按申报指南分批受理（%s），当前不在申报期内；下一批次“%s”于%s开始受理，%s截止。", d.Procedure.Cite, w.Next.Title, w.Next.Opens, w.Next.Closes), true
			default:
				v.Round, v.Closed = fmt.Sprintf("本条款按申报指南分批受理（%s），当前不在申报期内，尚未发布下一批次的申报指南。", d.Procedure.Cite), true
			}
		}
	}
	return v
}

func (h *entPages) entApplyGet(q *Request) error {
	cl, err := h.entClause(q)
	if err != nil {
		return err
	}
	fx, err := h.platform(q)
	if err != nil {
		return err
	}
	vals := url.Values{}
	var app *duixian.Application
	if id := q.R.URL.Query().Get("draft"); id != "" {
		if app, err = h.cases.Application(q.R.Context(), q.Actor(), id); err != nil {
			return err
		}
		if app.Clause != cl.ID {
			http.Redirect(q.W, q.R, "/apply/"+app.Clause+"?draft="+url.QueryEscape(app.ID), http.StatusSeeOther)
			return nil
		}
		vals = form.ValuesOf(app.Facts, true)
		vals.Set("event_date", app.EventDate.String())
		vals.Set("project", app.Project)
		vals.Set("draft", app.ID)
		if app.Declared {
			vals.Set("declared", "yes")
		}
	} else {
		prev, err := h.previous(q)
		if err != nil {
			return err
		}
		vals = prev
		vals.Set("event_date", duixian.DateOf(h.now()).String())
	}
	v := h.entApplyForm(q, cl, vals, fx)
	v.Key = randomToken()
	if app != nil {
		h.entDescribeDraft(v, app)
	} else {
		v.Prefilled = slices.ContainsFunc(v.Fields, func(f *form.Field) bool { return f.Fixed == "" && form.HasValue(f) })
	}
	return h.render(q, http.StatusOK, "apply.html", v.Clause.Title+" · 在线申报", v)
}

// uploads reads the files sent with the form, each under its material
// (inputs named material:ID).
func uploads(q *Request) ([]workflow.MaterialUpload, error) {
	if q.R.MultipartForm == nil {
		return nil, nil
	}
	var out []workflow.MaterialUpload
	for _, name := range slices.Sorted(maps.Keys(q.R.MultipartForm.File)) {
		kind, ok := strings.CutPrefix(name, "material:")
		if !ok {
			continue
		}
		for _, fh := range q.R.MultipartForm.File[name] {
			if fh.Size == 0 && fh.Filename == "" {
				continue // an input left empty
			}
			f, err := fh.Open()
			if err != nil {
				return nil, bodyError(err)
			}
			data, err := io.ReadAll(io.LimitReader(f, material.MaxFileSize+1))
			f.Close()
			if err != nil {
				return nil, bodyError(err)
			}
			out = append(out, workflow.MaterialUpload{Kind: kind, Name: fh.Filename, Data: data})
		}
	}
	return out, nil
}

// attach uploads files to a draft the form revised, but those it has
// already: the same form posted twice (a double click, a retry) adds each
// file once.
func (h *entPages) attach(q *Request, a *duixian.Application, files []workflow.MaterialUpload) error {
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		if slices.ContainsFunc(a.Materials, func(m duixian.Material) bool { return m.Kind == f.Kind && m.SHA256 == hex.EncodeToString(sum[:]) }) {
			continue
		}
		if _, err := h.materials.AddMaterial(q.R.Context(), q.Actor(), a.ID, f); err != nil {
			return err
		}
	}
	return nil
}

func (h *entPages) entDescribeDraft(v *entApplyView, a *duixian.Application) {
	v.Draft, v.DraftStatus = a.ID, a.Status.Zh()
	if cl, ok := h.cat.Clause(a.Clause); ok {
		v.Materials = material.Rows(cl, a)
	}
	switch a.Status {
	case duixian.StatusReturned:
		v.Returned, v.EventFixed = a.Reason, true
		v.EventDate, v.Project = a.EventDate.String(), a.Project
	case duixian.StatusDraft:
	default:
		v.Locked = "该申报当前状态为“" + a.Status.Zh() + "”，不能再修改。"
	}
}

func (h *entPages) entApplyPost(q *Request) error {
	cl, err := h.entClause(q)
	if err != nil {
		return err
	}
	fx, err := h.platform(q)
	if err != nil {
		return err
	}
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
	}
	vals := q.R.PostForm
	v := h.entApplyForm(q, cl, vals, fx)
	v.Key = vals.Get("key")
	if len(v.Key) < 16 || len(v.Key) > 128 {
		v.Key = randomToken()
	}
	ctx, actor := q.R.Context(), q.Actor()

	// hidden reads the draft this form continues, if any.
	hidden := func() (*duixian.Application, error) {
		if v.Draft == "" {
			return nil, nil
		}
		d, err := h.cases.Application(ctx, actor, v.Draft)
		if err != nil {
			return nil, err
		}
		if d.Clause != cl.ID {
			return nil, duixian.Errorf(duixian.EINVALID, "draft", "草稿不属于该条款", "the draft is for another clause")
		}
		h.entDescribeDraft(v, d)
		return d, nil
	}
	if vals.Get("more") != "" {
		if _, err := hidden(); err != nil {
			return err
		}
		return h.render(q, http.StatusOK, "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	raw, rows := form.Collect(v.Fields)
	if slices.ContainsFunc(v.Fields, func(f *form.Field) bool { return f.Declares }) {
		raw[form.DeclaredFact] = v.Declared
	}
	facts, _ := json.Marshal(raw)
	submit := vals.Get("action") != "save"

	// fail re-renders the form with the error by its input; a new key,
	// because the next attempt is a new request.
	fail := func(err error) error {
		var e *duixian.Error
		if !errors.As(err, &e) {
			return err
		}
		v.Key = randomToken()
		switch {
		case e.Code == duixian.EREFUSED:
			for _, r := range e.Reasons {
				v.Reasons = append(v.Reasons, form.Reason{Text: r.Zh, En: r.En, Cite: r.Cite.String()})
				form.Warn(v.Fields, v.Clause.Conditions, r)
			}
			v.Saved = v.Draft
		case e.Field == "event_date":
			v.EventErr = e
		case e.Field == "declared":
			v.DeclaredErr = e
		case e.Field == "materials" || e.Field == "file" || e.Field == "kind":
			v.MaterialErr, v.Saved = e, v.Draft
		default:
			form.Attach(v.Fields, rows, e)
		}
		if e.Code != duixian.EREFUSED {
			v.Error = e
		}
		for _, f := range v.Fields {
			if f.Err != nil || slices.ContainsFunc(f.Rows, func(r form.Row) bool {
				return r.Err != nil || slices.ContainsFunc(r.Cells, func(c form.Cell) bool { return c.Err != nil })
			}) {
				v.FieldErrors = append(v.FieldErrors, f)
			}
		}
		return h.render(q, status(e.Code), "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	// Every mistyped fact is named at once, beside its input, not one a post.
	if errs := h.cat.FactErrors("facts", raw); len(errs) > 0 {
		for _, e := range errs {
			form.Attach(v.Fields, rows, e)
		}
		if len(errs) == 1 {
			return fail(errs[0])
		}
		return fail(duixian.Errorf(duixian.EINVALID, "facts", "有 %d 项填写有误，请按提示逐项修改", "%d fields need correcting", len(errs)))
	}

	// One form, one application, whichever process serves each post: the
	// draft a form creates is recorded under the form's key in the draft's
	// own transaction (workflow.DraftInput.Key), so a second post of the
	// form finds it, and Submit with the same key replays the first answer.
	draft, err := h.drafts.Drafted(ctx, actor, v.Key)
	if err != nil {
		return err
	}
	keyed := draft != nil
	if keyed {
		v.Draft = draft.ID
		if draft.Status != duixian.StatusDraft && draft.Status != duixian.StatusReturned {
			if _, err := h.drafts.Submit(ctx, actor, draft.ID, v.Key); err != nil {
				return fail(err)
			}
			http.Redirect(q.W, q.R, "/my/"+url.PathEscape(draft.ID)+"?submitted=1", http.StatusSeeOther)
			return nil
		}
		h.entDescribeDraft(v, draft)
	} else if draft, err = hidden(); err != nil {
		return err
	}
	if v.Locked != "" {
		return h.render(q, http.StatusConflict, "apply.html", v.Clause.Title+" · 在线申报", v)
	}

	ev, perr := duixian.ParseDate(v.EventDate)
	if v.EventFixed {
		ev = draft.EventDate
	} else if perr != nil {
		return fail(duixian.Errorf(duixian.EINVALID, "event_date", "请填写事项发生日期，格式为 YYYY-MM-DD", "enter the event date as YYYY-MM-DD"))
	}
	if submit && !v.Declared {
		return fail(duixian.Errorf(duixian.EINVALID, "declared", "提交前须勾选承诺：申报材料真实、无弄虚作假", "tick the declaration that the materials are true before submitting"))
	}

	files, err := uploads(q)
	if err != nil {
		return fail(err)
	}
	var a *duixian.Application
	switch {
	case keyed && draft.Status == duixian.StatusDraft && draft.EventDate == ev && draft.Project == v.Project &&
		bytes.Equal(draft.Facts, facts) && draft.Declared == v.Declared:
		// The form posted again as it was (a double click, a retry):
		// nothing to update, and an update could only race the first
		// post's submission. Submit below replays or makes it.
		a = draft
	case draft != nil && draft.Status == duixian.StatusReturned:
		if a, err = h.drafts.UpdateDraft(ctx, actor, draft.ID, facts, v.Declared); err != nil {
			return fail(err)
		}
	case draft != nil && draft.Status == duixian.StatusDraft:
		// The same draft, revised, even with another event date or
		// project: never a new one and the old withdrawn in the
		// applicant's name.
		if a, err = h.drafts.ReviseDraft(ctx, actor, draft.ID, workflow.DraftRevision{EventDate: ev, Project: v.Project,
			Facts: facts, Declared: v.Declared}); err != nil {
			return fail(err)
		}
	default:
		// The id is reserved here so that a draft handed back under the key
		// (another post of this form made it) is told from one made now.
		// The files go with the draft, under the form's key.
		in := workflow.DraftInput{ID: duixian.NewID("A", h.now()), Enterprise: q.User.Enterprise, Clause: cl.ID,
			EventDate: ev, Project: v.Project, Facts: facts, Declared: v.Declared, Materials: files}
		if !keyed {
			in.Key = v.Key
		}
		if a, err = h.drafts.CreateDraft(ctx, actor, in); err != nil {
			return fail(err)
		}
	}
	v.Draft = a.ID
	if err := h.attach(q, a, files); err != nil {
		h.materialsOf(q, v, a.ID)
		return fail(err)
	}
	if !submit {
		http.Redirect(q.W, q.R, "/my/"+url.PathEscape(a.ID)+"?saved=1", http.StatusSeeOther)
		return nil
	}
	if _, err := h.drafts.Submit(ctx, actor, a.ID, v.Key); err != nil {
		h.materialsOf(q, v, a.ID)
		return fail(err)
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(a.ID)+"?submitted=1", http.StatusSeeOther)
	return nil
}

// materialsOf shows, on a form sent back, the files the draft has now:
// those this post uploaded included.
func (h *entPages) materialsOf(q *Request, v *entApplyView, id string) {
	a, err := h.cases.Application(q.R.Context(), q.Actor(), id)
	if cl, ok := h.cat.Clause(v.Clause.ID); err == nil && ok {
		v.Materials = material.Rows(cl, a)
	}
}
