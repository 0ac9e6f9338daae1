package http

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/etown/duixian"
	"github.com/etown/duixian/form"
	"github.com/etown/duixian/progress"
)

// My applications (我的申报).

type entMyRow struct {
	ID, Clause, Title, Document, EventDate, Updated, Status, StatusClass string
	AmountKind                                                           string
	Amount, Paid                                                         form.Amount
	HasAmount, HasPaid, Editable                                         bool
}

type entMyView struct {
	Offers   []entOffer // open 免申即享 offers, to confirm
	Rows     []entMyRow
	Status   string
	Statuses []form.Option
	Flash    string
	Next     string // the address of the next page; "" on the last
}

// entOffer is an award the platform found from government data alone (免申即
// 享): confirming it submits the application with the registry's facts.
type entOffer struct {
	ID       string
	Decision duixian.Decision
	Amount   form.Amount
}

var entStatuses = []duixian.Status{duixian.StatusDraft, duixian.StatusSubmitted, duixian.StatusReturned, duixian.StatusReviewed,
	duixian.StatusAssessed, duixian.StatusProposed, duixian.StatusPublicity, duixian.StatusApproved, duixian.StatusPaying,
	duixian.StatusPaid, duixian.StatusRejected, duixian.StatusWithdrawn, duixian.StatusRevoked}

// entHeadline is the amount that matters most now: approved, else proposed,
// else what the engine computed at submission.
func entHeadline(a *duixian.Application) (string, duixian.Money, bool) {
	switch {
	case a.Approved > 0:
		return "批准", a.Approved, true
	case a.Proposed > 0:
		return "拟定", a.Proposed, true
	case a.Decision != nil && a.Decision.Eligible:
		return "测算", a.Decision.Amount, true
	}
	return "", 0, false
}

func (h *entPages) entMyList(q *Request) error {
	p, err := q.page()
	if err != nil {
		return err
	}
	list, err := h.cases.EnterpriseApplications(q.R.Context(), q.Actor(), duixian.Status(q.R.URL.Query().Get("status")), p)
	if err != nil {
		return err
	}
	v := entMyView{Status: q.R.URL.Query().Get("status")}
	if list.Next != "" {
		v.Next = "/my?" + url.Values{"status": {v.Status}, "after": {list.Next}}.Encode()
	}
	if q.R.URL.Query().Get("declined") != "" {
		v.Flash = "已记录：本企业不需要该推送事项。如需申报，可在政策库中在线申报并如实填写。"
	}
	offers, err := h.offers.Offers(q.R.Context(), q.User.Enterprise)
	if err != nil {
		return err
	}
	for _, o := range offers {
		if o.Status == "open" {
			v.Offers = append(v.Offers, entOffer{ID: o.ID, Decision: o.Decision, Amount: form.AmountOf(o.Decision.Amount)})
		}
	}
	for _, st := range entStatuses {
		v.Statuses = append(v.Statuses, form.Option{Value: string(st), Label: st.Zh(), Selected: string(st) == v.Status})
	}
	for _, a := range list.Items {
		r := entMyRow{ID: a.ID, Clause: a.Clause, Title: a.Clause, EventDate: a.EventDate.String(), Updated: progress.Time(a.Updated),
			Status: a.Status.Zh(), StatusClass: progress.StatusClass(a.Status),
			Editable: a.Status == duixian.StatusDraft || a.Status == duixian.StatusReturned}
		if cl, ok := h.cat.Clause(a.Clause); ok {
			r.Title, r.Document = cl.Title, cl.Document.Number
		}
		var m duixian.Money
		r.AmountKind, m, r.HasAmount = entHeadline(a)
		r.Amount = form.AmountOf(m)
		if p := a.Paid(); p > 0 {
			r.Paid, r.HasPaid = form.AmountOf(p), true
		}
		v.Rows = append(v.Rows, r)
	}
	return h.render(q, http.StatusOK, "my.html", "我的申报", v)
}

func (h *entPages) entMyDetail(q *Request) error {
	return h.entDetail(q, http.StatusOK, nil)
}

func (h *entPages) entDetail(q *Request, code int, failure *duixian.Error) error {
	a, log, err := h.cases.ApplicationHistory(q.R.Context(), q.Actor(), q.R.PathValue("id"))
	if err != nil {
		return err
	}
	// The timeline names the enterprise's own staff: by the names they are
	// known by, not their sign-in names.
	users := make([]string, len(log))
	for i, e := range log {
		users[i] = e.Actor.User
	}
	person, err := personNames(q.R.Context(), h.people, users)
	if err != nil {
		return err
	}
	for i := range log {
		log[i].Actor.User = person(log[i].Actor.User)
	}
	v := progress.Of(h.cat, a, log, q.Lang())
	v.Key = randomToken()
	switch {
	case q.R.URL.Query().Get("submitted") != "":
		v.Flash = "申报已提交，编号 " + a.ID + "。办理进度将在本页更新。"
	case q.R.URL.Query().Get("saved") != "":
		v.Flash = "已保存为草稿，编号 " + a.ID + "。可继续修改后提交。"
	case q.R.URL.Query().Get("withdrawn") != "":
		v.Flash = "申报已撤回。"
	case q.R.URL.Query().Get("material") == "uploaded":
		v.Flash = "材料已上传。"
	case q.R.URL.Query().Get("material") == "removed":
		v.Flash = "材料已删除。"
	}
	if failure != nil {
		v.Error = failure
		for _, r := range failure.Reasons {
			v.Reasons = append(v.Reasons, form.Reason{Text: r.Zh, En: r.En, Cite: r.Cite.String()})
		}
	}
	return h.render(q, code, "application.html", "申报 "+a.ID, v)
}

func (h *entPages) entWithdraw(q *Request) error {
	// As for a missing one: another enterprise is not told it exists.
	if _, err := h.cases.Application(q.R.Context(), q.Actor(), q.R.PathValue("id")); err != nil {
		return err
	}
	if q.R.PostFormValue("confirm") != "yes" {
		return h.entDetail(q, http.StatusBadRequest, duixian.Errorf(duixian.EINVALID, "confirm", "请勾选“确认撤回”后再撤回", "tick the confirmation to withdraw"))
	}
	id := q.R.PathValue("id")
	if _, err := h.drafts.Withdraw(q.R.Context(), q.Actor(), id); err != nil {
		var e *duixian.Error
		if errors.As(err, &e) && e.Code != duixian.ENOTFOUND && e.Code != duixian.EFORBIDDEN {
			return h.entDetail(q, status(e.Code), e)
		}
		return err
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(id)+"?withdrawn=1", http.StatusSeeOther)
	return nil
}

func (h *entPages) entSubmit(q *Request) error {
	if _, err := h.cases.Application(q.R.Context(), q.Actor(), q.R.PathValue("id")); err != nil {
		return err
	}
	id, key := q.R.PathValue("id"), q.R.PostFormValue("key")
	if _, err := h.drafts.Submit(q.R.Context(), q.Actor(), id, key); err != nil {
		var e *duixian.Error
		if errors.As(err, &e) && e.Code != duixian.ENOTFOUND && e.Code != duixian.EFORBIDDEN {
			return h.entDetail(q, status(e.Code), e)
		}
		return err
	}
	http.Redirect(q.W, q.R, "/my/"+url.PathEscape(id)+"?submitted=1", http.StatusSeeOther)
	return nil
}
