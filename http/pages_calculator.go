package http

import (
	"net/http"
	"net/url"

	"github.com/etown/duixian"
	"github.com/etown/duixian/form"
)

// The calculator (政策计算器): what the enterprise qualifies for, and for
// what it does not, which condition and by how much (差哪条、差多少).
// Anyone may use it: enterprise staff with the facts the platform holds
// for their enterprise and their earlier answers prefilled; everyone else
// (a visitor, an official) with what they type alone. It saves nothing.

// forEnterprise says whether the calculator may read the signed-in user's
// enterprise: its government data, ledger and earlier applications.
func forEnterprise(q *Request) bool {
	return q.User != nil && q.User.Role == duixian.RoleEnterprise
}

func (h *entPages) entCalcGet(q *Request) error {
	vals := url.Values{}
	prefilled := false
	if q.R.URL.Query().Get("blank") == "" && forEnterprise(q) {
		prev, err := h.previous(q)
		if err != nil {
			return err
		}
		vals, prefilled = prev, len(prev) > 0
	}
	return h.entCalc(q, vals, prefilled)
}

func (h *entPages) entCalcPost(q *Request) error {
	if err := q.R.ParseForm(); err != nil {
		return duixian.Errorf(duixian.EINVALID, "form", "表单无法读取", "the form cannot be read")
	}
	return h.entCalc(q, q.R.PostForm, false)
}

func (h *entPages) entCalc(q *Request, vals url.Values, prefilled bool) error {
	fx := &form.Platform{}
	if forEnterprise(q) {
		var err error
		if fx, err = h.platform(q); err != nil {
			return err
		}
	}
	c := form.NewCalculator(h.cat, fx, vals, q.Lang(), duixian.DateOf(h.now()))
	c.Prefilled, c.Public = prefilled, !forEnterprise(q)
	if vals.Get("more") == "" && (q.R.Method == http.MethodPost || prefilled) {
		if err := c.Run(); err != nil {
			return err
		}
	}
	c.OpenSections(vals.Get("more"))
	code := http.StatusOK
	if c.Error != nil {
		code = status(c.Error.Code)
	}
	return h.render(q, code, "calculator.html", "政策计算器", c)
}
