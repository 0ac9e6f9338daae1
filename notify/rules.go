package notify

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

// rules say, for each audit action that anyone is told of, who is told and
// what: the one place to add a notification. An action not here (and
// every refusal, "denied:…") is passed over. A rule reads what it needs
// in the notifier's transaction; it is called once per entry.
var rules = map[string]rule{
	"offer":         offerFound,
	"return":        toApplicant(returned),
	"reject":        toApplicant(rejected),
	"expert-review": toApplicant(expertsRejected),
	"publish":       toApplicant(published),
	"approve":       toApplicant(approved),
	// A plan's steps are written once for the plan and once for each
	// application they move (workflow.planApplication); only the latter
	// name an application, so the plan's own entry tells no one.
	"plan-publish":     toApplicant(published),
	"plan-submit":      planSubmitted,
	"plan-return":      planReturned,
	"plan-approve":     planApproved,
	"plan-release":     toApplicant(approved),
	"disburse":         toApplicant(disbursed),
	"revoke":           toApplicant(revoked),
	"object":           objectionFiled,
	"answer-objection": objectionAnswered,
	// A land case (20号): its holder is told of each official's step,
	// and 规自分局 of a plan that waits for its review.
	"land:" + land.ActPlan:         landPlanSubmitted,
	"land:" + land.ActReturn:       toHolder,
	"land:" + land.ActReview:       toHolder,
	"land:" + land.ActNotice:       toHolder,
	"land:" + land.ActCommittee:    toHolder,
	"land:" + land.ActApproval:     toHolder,
	"land:" + land.ActContract:     toHolder,
	"land:" + land.ActRegistration: toHolder,
	"land:" + land.ActReject:       toHolder,
	"qunyan-confirm":               qunyanNotice("qunyan-confirmed", "已纳入“群雁计划”"),
	"qunyan-reject":                qunyanNotice("qunyan-rejected", "“群雁计划”备案未予纳入"),
	"qunyan-exit":                  qunyanNotice("qunyan-exit", "已退出“群雁计划”"),
}

// unreadableError is an entry whose case does not say what a rule needs
// (a record that does not decode, a payment the entry counts that the
// application does not hold): no message can be made of it, and trying
// again will not make one, so it is logged and passed over rather than
// holding up every notification after it. Any other error (the store's)
// fails the batch, which is tried again.
type unreadableError struct{ err error }

func (e unreadableError) Error() string { return e.err.Error() }
func (e unreadableError) Unwrap() error { return e.err }

func unreadable(err error) error { return unreadableError{err} }

// rule makes the messages of an audit entry.
type rule func(s *scope, e duixian.AuditEntry) ([]message, error)

// message is one text and who receives it: users (sign-in names; their
// inbox, and their e-mail and phone when they gave them) and addresses of
// people who are not users (an objector's).
type message struct {
	users       []string
	emails      []string
	phones      []string
	title, body string
	link        string
}

// scope is what the rules read: the notifier's transaction, the
// catalogue, and the users, read once per batch.
type scope struct {
	tx     *sqldb.Tx
	cat    *engine.Catalogue
	users  []duixian.User
	byName map[string]int
}

func (s *scope) allUsers() ([]duixian.User, error) {
	if s.byName == nil {
		var err error
		if s.users, err = s.tx.Users(); err != nil {
			return nil, err
		}
		s.byName = make(map[string]int, len(s.users))
		for i, u := range s.users {
			s.byName[u.Name] = i
		}
	}
	return s.users, nil
}

// active: a user who can sign in and read the inbox.
func active(u duixian.User) bool { return !u.Disabled && !u.Pending }

// staff are the enterprise's active accounts.
func (s *scope) staff(uscc string) ([]string, error) {
	all, err := s.allUsers()
	var out []string
	for _, u := range all {
		if u.Role == duixian.RoleEnterprise && u.Enterprise == uscc && active(u) {
			out = append(out, u.Name)
		}
	}
	return out, err
}

// officials are the departments' reviewers: who answer their objections
// and compile their plans.
func (s *scope) officials(departments ...string) ([]string, error) {
	all, err := s.allUsers()
	var out []string
	for _, u := range all {
		if u.Role == duixian.RoleReviewer && slices.Contains(departments, u.Department) && active(u) {
			out = append(out, u.Name)
		}
	}
	return out, err
}

// colleagues are the department's reviewers but who made entry e: they
// know what they did.
func (s *scope) colleagues(department string, e duixian.AuditEntry) ([]string, error) {
	officials, err := s.officials(department)
	return slices.DeleteFunc(officials, func(name string) bool { return name == e.Actor.User }), err
}

// usersNamed are the users of names, in that order.
func (s *scope) usersNamed(names []string) ([]duixian.User, error) {
	all, err := s.allUsers()
	var out []duixian.User
	for _, n := range names {
		if i, ok := s.byName[n]; ok {
			out = append(out, all[i])
		}
	}
	return out, err
}

// nth is which entry of its action on its subject e is (1 for the first):
// the k-th payment, objection or answer, the k-th 群雁 notice.
func (s *scope) nth(e duixian.AuditEntry) (int, error) {
	log, err := s.tx.AuditLog(e.Subject)
	k := 0
	for _, x := range log {
		if x.Action == e.Action && x.Seq <= e.Seq {
			k++
		}
	}
	return k, err
}

// clause names a clause as people cite it: 21号第七条（一）“…”.
func (s *scope) clause(id string) (*engine.Clause, string) {
	cl, ok := s.cat.Clause(id)
	if !ok {
		return nil, id
	}
	if strings.ContainsAny(cl.Title, "“”") {
		return cl, fmt.Sprintf("%s %s", cl.Cite(), cl.Title)
	}
	return cl, fmt.Sprintf("%s“%s”", cl.Cite(), cl.Title)
}

// application is an application and how a message names it.
type application struct {
	*duixian.Application
	clause *engine.Clause
	named  string // 申报 A…（21号第七条（一）“…”）
}

// toApplicant makes a rule of an application's step that its enterprise's
// staff are told of; f returns no title for a step not to be told.
func toApplicant(f func(s *scope, e duixian.AuditEntry, a application) (title, body string, err error)) rule {
	return func(s *scope, e duixian.AuditEntry) ([]message, error) {
		a, ok, err := s.application(e.Subject)
		if err != nil || !ok {
			return nil, err
		}
		title, body, err := f(s, e, a)
		if err != nil || title == "" {
			return nil, err
		}
		staff, err := s.staff(a.Enterprise)
		return []message{{users: staff, title: title, body: body, link: "/my/" + a.ID}}, err
	}
}

func (s *scope) application(id string) (application, bool, error) {
	a, err := s.tx.Application(id, false)
	if duixian.ErrorCode(err) == duixian.ENOTFOUND {
		return application{}, false, nil
	}
	if err != nil {
		return application{}, false, err
	}
	cl, named := s.clause(a.Clause)
	return application{Application: a, clause: cl, named: fmt.Sprintf("申报 %s（%s）", a.ID, named)}, true, nil
}

func (a application) title() string {
	if a.clause != nil {
		return a.clause.Title
	}
	return a.Clause
}

// departments are the departments that decide it: a clause may name
// more than one (29号第13条).
func (a application) departments() []string {
	if a.clause != nil {
		return a.clause.Departments()
	}
	return nil
}

func (a application) department() string {
	if a.clause != nil {
		return a.clause.Department
	}
	return "责任单位"
}

// reason is the reason the application holds for the state entry e left
// it in. The notifier reads the application as it is now, seconds after
// the change as a rule; one that has moved on since (a returned
// application resubmitted) no longer holds it, and the message points to
// the application's history instead of giving a later reason.
func (a application) reason(e duixian.AuditEntry) string {
	if string(a.Status) == e.After && a.Reason != "" {
		return a.Reason
	}
	return "请在申报详情中查看"
}

func returned(_ *scope, e duixian.AuditEntry, a application) (string, string, error) {
	return "申报需补正：" + a.title(),
		fmt.Sprintf("贵企业的%s被%s退回补正。原因：%s。请按要求补正后重新提交。", a.named, a.department(), a.reason(e)), nil
}

func rejected(_ *scope, e duixian.AuditEntry, a application) (string, string, error) {
	return "申报未通过：" + a.title(),
		fmt.Sprintf("贵企业的%s未通过审核。理由：%s。", a.named, a.reason(e)), nil
}

// expertsRejected: an expert review that did not pass rejects the
// application (21号第十二条); one that passed is not told.
func expertsRejected(s *scope, e duixian.AuditEntry, a application) (string, string, error) {
	if e.After != string(duixian.StatusRejected) {
		return "", "", nil
	}
	return rejected(s, e, a)
}

func published(_ *scope, _ duixian.AuditEntry, a application) (string, string, error) {
	if a.Publicity == nil {
		return "", "", unreadable(fmt.Errorf("application %s published without a window", a.ID))
	}
	return "申报进入公示：" + a.title(),
		fmt.Sprintf("贵企业的%s拟奖励%s，已进入公示，公示期为%s至%s。公示期内任何单位和个人可提出异议。", a.named, a.Proposed.Wan(), a.Publicity.From, a.Publicity.Until), nil
}

func approved(_ *scope, _ duixian.AuditEntry, a application) (string, string, error) {
	return "申报已批准：" + a.title(),
		fmt.Sprintf("贵企业的%s已批准，奖励金额%s。资金由财政部门拨付，拨付后另行通知。", a.named, a.Approved.Wan()), nil
}

func disbursed(s *scope, e duixian.AuditEntry, a application) (string, string, error) {
	k, err := s.nth(e)
	if err != nil {
		return "", "", err
	}
	if k < 1 || k > len(a.Payments) {
		return "", "", unreadable(fmt.Errorf("payment %d of application %s is not recorded", k, a.ID))
	}
	p := a.Payments[k-1]
	body := fmt.Sprintf("贵企业的%s第%d笔奖励资金%s已拨付", a.named, p.Tranche, p.Amount.Wan())
	var paid duixian.Money
	for _, q := range a.Payments[:k] {
		paid += q.Amount
	}
	if paid < a.Approved {
		body += fmt.Sprintf("（累计已拨付%s，批准金额%s）。其余部分在条件满足后拨付。", paid.Wan(), a.Approved.Wan())
	} else {
		body += fmt.Sprintf("，批准金额%s已全部拨付。", a.Approved.Wan())
	}
	return "奖励资金已拨付：" + a.title(), body, nil
}

func revoked(_ *scope, e duixian.AuditEntry, a application) (string, string, error) {
	body := fmt.Sprintf("贵企业的%s的奖励已被撤销。%s。", a.named, strings.TrimPrefix(a.reason(e), "撤销："))
	if a.Clawback > 0 {
		body += fmt.Sprintf("已拨付的%s须退回。", a.Clawback.Wan())
	}
	if a.clause != nil && a.clause.Document.FraudBan != nil {
		fb := a.clause.Document.FraudBan
		body += fmt.Sprintf("依据%s，%d年内不得享受%s的扶持资金。", fb.Cite, fb.Years, a.clause.Document.Number)
	}
	return "奖励已撤销：" + a.title(), body, nil
}

// objectionFiled tells the department that answers it.
func objectionFiled(s *scope, e duixian.AuditEntry) ([]message, error) {
	a, ok, err := s.application(e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	k, err := s.nth(e)
	if err != nil {
		return nil, err
	}
	if k < 1 || k > len(a.Objections) {
		return nil, unreadable(fmt.Errorf("objection %d to application %s is not recorded", k, a.ID))
	}
	o := a.Objections[k-1]
	name, err := s.enterpriseName(a.Enterprise)
	if err != nil {
		return nil, err
	}
	officials, err := s.officials(a.departments()...)
	return []message{{users: officials, link: "/cases/" + a.ID, title: "公示异议待答复：" + a.title(),
		body: fmt.Sprintf("%s对%s的%s提出异议（受理号 %s）：%s。请在公示期（至%s）内答复；异议未答复前不能批准。",
			o.Name, name, a.named, o.ID, clip(o.Text, 100), a.Publicity.Until)}}, err
}

// objectionAnswered tells the objector (by the e-mail or phone they left)
// and the applicant.
func objectionAnswered(s *scope, e duixian.AuditEntry) ([]message, error) {
	a, ok, err := s.application(e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	k, err := s.nth(e)
	if err != nil {
		return nil, err
	}
	// The k-th answer is to the k-th objection answered.
	var answered []duixian.Objection
	for _, o := range a.Objections {
		if !o.Answered.IsZero() {
			answered = append(answered, o)
		}
	}
	sort.SliceStable(answered, func(i, j int) bool { return answered[i].Answered.Before(answered[j].Answered) })
	if k < 1 || k > len(answered) {
		return nil, unreadable(fmt.Errorf("answer %d to an objection to application %s is not recorded", k, a.ID))
	}
	o := answered[k-1]
	outcome := "异议不成立，公示继续。"
	if o.Upheld {
		outcome = "异议成立，该申报不予通过。"
	}
	name, err := s.enterpriseName(a.Enterprise)
	if err != nil {
		return nil, err
	}
	staff, err := s.staff(a.Enterprise)
	out := []message{{users: staff, link: "/my/" + a.ID, title: "公示异议已答复：" + a.title(),
		body: fmt.Sprintf("公示期间对贵企业%s的异议（受理号 %s）已由%s答复：%s。%s", a.named, o.ID, a.department(), o.Answer, outcome)}}
	objector := message{link: "/publicity", title: "您提出的公示异议已答复",
		body: fmt.Sprintf("%s：您对%s的%s提出的异议（受理号 %s）已由%s答复：%s。%s", o.Name, name, a.named, o.ID, a.department(), o.Answer, outcome)}
	if o.Email != "" {
		objector.emails = []string{o.Email}
	}
	if o.Phone != "" {
		objector.phones = []string{o.Phone}
	}
	if o.Email != "" || o.Phone != "" {
		out = append(out, objector)
	}
	return out, err
}

func (s *scope) enterpriseName(uscc string) (string, error) {
	ent, err := s.tx.Enterprise(uscc, false)
	if duixian.ErrorCode(err) == duixian.ENOTFOUND {
		return uscc, nil
	}
	if err != nil {
		return "", err
	}
	return ent.Name, nil
}

// offerFound tells the enterprise of a 免申即享 offer (the offer's record
// is package matching's, kind "offer").
func offerFound(s *scope, e duixian.AuditEntry) ([]message, error) {
	// What the message needs of the offer, not its whole decision.
	o, ok, err := record[struct {
		Enterprise string `json:"enterprise"`
		Status     string `json:"status"`
		Decision   struct {
			Clause    string        `json:"clause"`
			AmountFen duixian.Money `json:"amount_fen"`
		} `json:"decision"`
	}](s, "offer", e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	if o.Status != "open" {
		return nil, nil // confirmed or declined before the notifier came to it
	}
	cl, named := s.clause(o.Decision.Clause)
	title := o.Decision.Clause
	if cl != nil {
		title = cl.Title
	}
	amount := o.Decision.AmountFen
	staff, err := s.staff(o.Enterprise)
	return []message{{users: staff, link: "/offers", title: "免申即享：" + title,
		body: fmt.Sprintf("经平台比对，贵企业符合%s的条件，可享受%s，无需另行申报。请登录平台确认意愿，确认后即提交申报。", named, amount.Wan())}}, err
}

// qunyanNotice tells the enterprise what package qunyan's notice of the
// decision says (written in the decision's transaction, topic), the k-th
// such notice for the k-th such entry.
func qunyanNotice(topic, title string) rule {
	return func(s *scope, e duixian.AuditEntry) ([]message, error) {
		recs, err := s.tx.Records(qunyan.KindNotice, e.Subject)
		if err != nil {
			return nil, err
		}
		var notices []qunyan.Notice
		for _, r := range recs {
			var n qunyan.Notice
			if err := json.Unmarshal(r.Doc, &n); err != nil {
				return nil, unreadable(err)
			}
			if n.Topic == topic {
				notices = append(notices, n)
			}
		}
		sort.Slice(notices, func(i, j int) bool { return notices[i].Seq < notices[j].Seq })
		k, err := s.nth(e)
		if err != nil {
			return nil, err
		}
		if k < 1 || k > len(notices) {
			return nil, nil // a decision that wrote no notice
		}
		n := notices[k-1]
		body := n.Zh
		if n.Cite != nil && !strings.Contains(body, n.Cite.String()) {
			body += "（" + n.Cite.String() + "）"
		}
		if !strings.HasSuffix(body, "。") {
			body += "。"
		}
		staff, err := s.staff(e.Subject)
		return []message{{users: staff, link: "/qunyan/filings/" + e.Subject, title: title, body: body}}, err
	}
}

// clip cuts s to n characters.
func clip(s string, n int) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// record reads the record of kind and id as a T; ok is false when there
// is none.
func record[T any](s *scope, kind, id string) (*T, bool, error) {
	rec, err := s.tx.Record(kind, id, false)
	if duixian.ErrorCode(err) == duixian.ENOTFOUND {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	var v T
	if err := json.Unmarshal(rec.Doc, &v); err != nil {
		return nil, false, unreadable(fmt.Errorf("%s %s: %w", kind, id, err))
	}
	return &v, true, nil
}

// plan reads annual plan id.
func (s *scope) plan(id string) (*duixian.Plan, bool, error) {
	return record[duixian.Plan](s, workflow.KindPlan, id)
}

// planSubmitted tells who approves the plan that it waits for them: the
// approvers the department named, or else its other reviewers.
func planSubmitted(s *scope, e duixian.AuditEntry) ([]message, error) {
	p, ok, err := s.plan(e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	d, _, err := s.tx.Department(p.Department)
	if err != nil {
		return nil, err
	}
	var to []string
	if len(d.PlanApprovers) > 0 {
		named, err := s.usersNamed(d.PlanApprovers)
		if err != nil {
			return nil, err
		}
		for _, u := range named {
			if active(u) {
				to = append(to, u.Name)
			}
		}
	} else {
		if to, err = s.colleagues(p.Department, e); err != nil {
			return nil, err
		}
	}
	return []message{{users: to, link: "/plans/" + p.ID, title: "建议方案待审批：" + p.Title,
		body: fmt.Sprintf("%s提交了%s：%d个项目，方案金额%s。请审批，或写明理由退回。", p.Department, p.Title, len(p.Projects), p.Total.WanAbout())}}, nil
}

// planReturned tells the department's reviewers why its plan came back
// (who returned it knows).
func planReturned(s *scope, e duixian.AuditEntry) ([]message, error) {
	p, ok, err := s.plan(e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	k, err := s.nth(e)
	if err != nil {
		return nil, err
	}
	if k < 1 || k > len(p.Returns) {
		return nil, unreadable(fmt.Errorf("return %d of plan %s is not recorded", k, p.ID))
	}
	officials, err := s.colleagues(p.Department, e)
	return []message{{users: officials, link: "/plans/" + p.ID, title: "建议方案已退回：" + p.Title,
		body: fmt.Sprintf("%s被退回修改。理由：%s。请调整后重新汇总、提交审批。", p.Title, p.Returns[k-1].Reason)}}, err
}

// planApproved tells the department's reviewers the plan may be published
// (who approved it knows).
func planApproved(s *scope, e duixian.AuditEntry) ([]message, error) {
	p, ok, err := s.plan(e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	officials, err := s.colleagues(p.Department, e)
	return []message{{users: officials, link: "/plans/" + p.ID, title: "建议方案已批准：" + p.Title,
		body: fmt.Sprintf("%s已获批准（%d个项目，方案金额%s），可以在政府网站统一公示。", p.Title, len(p.Projects), p.Total.WanAbout())}}, err
}

// landCase reads land case id.
func (s *scope) landCase(id string) (*land.Case, bool, error) {
	return record[land.Case](s, land.KindCase, id)
}

// toHolder tells the holder's staff of an official's step on their land
// case, with the note the step left (a return's or a rejection's reason).
func toHolder(s *scope, e duixian.AuditEntry) ([]message, error) {
	c, ok, err := s.landCase(e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	step := strings.TrimPrefix(e.Action, "land:")
	r, _ := land.RuleOf(step)
	body := fmt.Sprintf("贵企业的%s地块规划条件优化申请（案号 %s）：%s。", c.Plot, c.ID, r.Zh)
	// The step's own event, the k-th of its kind on the case.
	k, err := s.nth(e)
	if err != nil {
		return nil, err
	}
	for _, ev := range c.History {
		if ev.Action == step {
			if k--; k == 0 {
				if ev.Note != "" {
					body += "说明：" + clip(ev.Note, 200) + "。"
				}
				break
			}
		}
	}
	staff, err := s.staff(c.Enterprise)
	return []message{{users: staff, link: "/land/cases/" + c.ID, title: "地块办理进展：" + c.Plot + " · " + r.Zh, body: body}}, err
}

// landPlanSubmitted tells 规自分局 that a plan waits for its review
// (20号第四条).
func landPlanSubmitted(s *scope, e duixian.AuditEntry) ([]message, error) {
	c, ok, err := s.landCase(e.Subject)
	if err != nil || !ok {
		return nil, err
	}
	name, err := s.enterpriseName(c.Enterprise)
	if err != nil {
		return nil, err
	}
	officials, err := s.officials(land.DeptPlanning)
	return []message{{users: officials, link: "/land/cases/" + c.ID, title: "地块规划综合实施方案待审核：" + c.Plot,
		body: fmt.Sprintf("%s提交了%s地块的规划综合实施方案（案号 %s），请通过“多规合一”平台征求意见并审核（20号第四条）。", name, c.Plot, c.ID)}}, err
}
