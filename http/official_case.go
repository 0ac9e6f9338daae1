package http

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/workflow"
)

// OfficialFact is one fact as a person reads it.
type OfficialFact = engine.FactLine

// OfficialDecision is an engine decision with its label.
type OfficialDecision struct {
	Label, Lang string
	D           *duixian.Decision
}

// OfficialOpinion is a co-review opinion.
type OfficialOpinion struct {
	duixian.Opinion
	RequestedAt, GivenAt string
	By                   string // the person who gave it
}

// OfficialObjection is an objection with its dates.
type OfficialObjection struct {
	duixian.Objection
	FiledAt, AnsweredAt string
}

// OfficialPayment is one disbursement.
type OfficialPayment struct {
	duixian.Payment
	At string
	By string // the person who paid
}

// OfficialEvent is one line of the case's history from the audit log.
type OfficialEvent struct {
	At, User, Role, Action, Before, After string
	Denied                                bool
}

// OfficialEvidence is a fact the finance official may record as completion
// evidence before paying a later tranche.
type OfficialEvidence struct {
	Name, Label, Kind, Unit, Current string
}

// OfficialActions are what the signed-in official may do now (the
// workflow's), with what the forms show.
type OfficialActions struct {
	workflow.Actions
	ProposeDefault string
	PublishStart   string
	DisburseKey    string
	DueNow         string
	Evidence       []OfficialEvidence
}

// Any reports whether any action is offered.
func (a OfficialActions) Any() bool {
	return a.RequestOpinions || a.Opinion || a.Preliminary || a.Return || a.Reject || a.AssignExperts || a.Expert || a.Propose ||
		a.Publish || a.Answer || a.Approve || a.Disburse || a.Revoke || a.PlanNote != ""
}

// OfficialCase is the case page.
type OfficialCase struct {
	App        *duixian.Application
	Clause     *engine.ClauseView
	Name       string
	Facts      []OfficialFact
	Submitted  *OfficialDecision
	Latest     *OfficialDecision
	Changes    []workflow.Change
	Reduction  duixian.Money // computed minus proposed
	Opinions   []OfficialOpinion
	ExpertAt   string
	Scores     []OfficialFact
	Publicity  string // state of the window
	Objections []OfficialObjection
	Payments   []OfficialPayment
	Paid       duixian.Money
	Remaining  duixian.Money
	History    []OfficialEvent
	Act        OfficialActions
	Failed     string
	Posted     url.Values
	Created    string
	Updated    string
	Outdated   bool // the catalogue changed since submission
	// Materials are the clause's 申报材料 beside the files supplied.
	Materials []material.Row
}

// Val is what the official typed into the form of action before it failed,
// so a refused form keeps its text.
func (c *OfficialCase) Val(action, name string) string {
	if c.Failed != action || c.Posted == nil {
		return ""
	}
	return c.Posted.Get(name)
}

// Assigned reports whether expert is to be shown ticked on the form that
// assigns experts: as posted when that form failed, else as assigned.
func (c *OfficialCase) Assigned(expert string) bool {
	if c.Failed == "experts" {
		return c.Has("experts", "expert", expert)
	}
	return slices.Contains(c.App.Experts, expert)
}

// Has reports whether a checkbox value was posted with the failed action.
func (c *OfficialCase) Has(action, name, value string) bool {
	return c.Failed == action && c.Posted != nil && slices.Contains(c.Posted[name], value)
}

var offScoreRows = [4]struct{}{}

// ScoreRows numbers the expert form's score rows.
func (c *OfficialCase) ScoreRows() []int { return []int{0, 1, 2, 3} }

// offActionZh names every action the platform writes to the audit log
// (TestEveryAuditActionHasALabel reads the source for them); a land case's
// steps ("land:…") are named by package land's rules (offAction).
var offActionZh = map[string]string{
	// applications (package workflow)
	"create": "创建草稿", "update": "修改申报", "submit": "提交申报", "withdraw": "撤回", "return": "退回补正",
	"request-opinions": "征求会签意见", "opinion": "出具会签意见", "pass-preliminary": "初审通过",
	"assign-experts": "指派评审专家", "expert-review": "专家评审", "propose": "拟定金额", "publish": "发布公示", "object": "提出异议",
	"answer-objection": "答复异议", "approve": "批准", "disburse": "拨付", "reject": "不予通过", "revoke": "撤销并追回",
	"ban": "禁止申报", "department-settings": "修改部门设置",
	// application rounds (package workflow, rounds.go)
	"round-publish": "发布申报指南",
	// annual plans (package workflow, plan.go)
	"plan-compile": "汇总年度扶持资金建议方案", "plan-submit": "提交建议方案审批", "plan-approve": "批准建议方案",
	"plan-return": "退回建议方案", "plan-publish": "建议方案公示", "plan-release": "公示期满无异议，转入拨付",
	"plan-amend":      "异议成立，调整建议方案",
	"upload-material": "上传申报材料", "remove-material": "删除申报材料",
	// 免申即享 (package matching) and the registry (package registry)
	"offer": "推送免申即享", "decline-offer": "企业不需要推送事项", "register-enterprise": "登记企业档案",
	"start-offer-run": "开始免申即享比对", "cancel-offer-run": "取消免申即享比对", "cancelled": "免申即享比对已取消",
	"import": "导入企业数据", "import-enterprise": "导入企业档案",
	// 群雁计划 (package qunyan)
	"qunyan-file": "群雁计划申报", "qunyan-confirm": "群雁计划准入并确定等级", "qunyan-reject": "群雁计划不予纳入",
	"qunyan-facts": "更新群雁计划考核数据", "qunyan-recheck": "群雁计划动态复核", "qunyan-exit": "群雁计划动态退出",
	// accounts and signing in (package account)
	"login": "登录", "logout": "退出", "login-failed": "登录失败", "lock": "账户锁定", "login-locked": "锁定期间登录",
	"login-disabled": "停用账户登录", "login-pending": "待审核账户登录", "login-password": "密码验证通过，待双因素认证",
	"login-recovery-code": "以恢复码登录", "login-sso": "统一身份认证登录", "login-sso-failed": "统一身份认证登录失败",
	"login-sso-refused": "统一身份认证登录被拒绝", "register": "企业注册", "register-sso": "经统一身份认证注册",
	"registration-activate": "激活企业注册", "registration-reject": "驳回企业注册", "staff-add": "添加企业账户",
	"user-add": "新建账户", "user-disable": "停用账户", "user-enable": "启用账户", "user-unlock": "解除锁定",
	"password-set": "设置密码", "password-reset": "重置密码", "password-change": "修改密码", "password-change-failed": "修改密码失败",
	"second-factor-begin": "绑定验证器", "second-factor-enrol": "确认绑定验证器", "second-factor-reset": "重置双因素认证",
	"second-factor-failed": "双因素认证失败",
	// refusals by the route table (http)
	"route": "无权访问", "csrf": "请求校验失败",
	// the forms of this file
	"opinions": "征求会签意见", "preliminary": "初审通过", "answer": "答复异议", "experts": "指派评审专家",
	// a land case's steps outside its rules (package land)
	"land:start": "工业用地申请受理", "land:read": "查看工业用地案件", "land:trial": "延长工业用地试行期",
}

var offRoleZh = map[duixian.Role]string{
	duixian.RoleEnterprise: "企业经办人", duixian.RoleReviewer: "责任单位", duixian.RoleCoReviewer: "会签部门",
	duixian.RoleExpert: "第三方专家", duixian.RoleFinance: "财政拨付", duixian.RoleSupervisor: "监督检查",
	duixian.RoleAdmin: "系统管理员", duixian.RoleAuthor: "政策起草", duixian.RolePublic: "社会公众",
}

func offAction(a string) string {
	if d, ok := strings.CutPrefix(a, "denied:"); ok {
		return "被拒绝：" + offAction(d)
	}
	if zh, ok := offActionZh[a]; ok {
		return zh
	}
	if step, ok := strings.CutPrefix(a, "land:"); ok {
		if r, ok := land.RuleOf(step); ok {
			return "工业用地：" + r.Zh
		}
	}
	return a
}

func offStatusZh(s string) string {
	if zh := duixian.Status(s).Zh(); zh != "" {
		return zh
	}
	switch s { // a 免申即享 offer (package matching)
	case "open":
		return "待企业确认"
	case "declined":
		return "企业不需要"
	}
	return s
}

// caseFailed shows the case again with the error of a refused action. An
// application the official may not see stays an ordinary 404.
func (s *offPages) caseFailed(q *Request, id, action string, err error) error {
	var e *duixian.Error
	if !errors.As(err, &e) {
		return err
	}
	if e.Code == duixian.ENOTFOUND && e.Field == "application" {
		return err
	}
	return s.casePage(q, id, status(e.Code), e, action)
}

func (s *offPages) casePage(q *Request, id string, code int, e *duixian.Error, failed string) error {
	wc, err := s.wf.Case(q.R.Context(), q.Actor(), id)
	if err != nil {
		return err
	}
	a := wc.App
	c := &OfficialCase{App: a, Name: wc.Name, Changes: wc.Changes, Outdated: wc.Outdated,
		Created: offTime(a.Created), Updated: offTime(a.Updated), Paid: a.Paid()}
	if failed != "" {
		c.Failed, c.Posted = failed, q.R.PostForm
	}
	var order []string
	if cl, ok := s.cat.Clause(a.Clause); ok {
		v := cl.View()
		c.Clause = &v
		c.Materials = material.Rows(cl, a)
		for _, f := range cl.Facts() {
			order = append(order, f.Name)
		}
	}
	c.Facts = s.cat.FactLines(a.Facts, order)
	if a.Decision != nil {
		c.Submitted = &OfficialDecision{Label: "提交时判定（冻结）", Lang: q.Lang(), D: a.Decision}
	}
	if a.Review != nil {
		c.Latest = &OfficialDecision{Label: "最新审核判定", Lang: q.Lang(), D: a.Review}
	}
	if a.Review != nil && a.Proposed > 0 && a.Proposed < a.Review.Amount {
		c.Reduction = a.Review.Amount - a.Proposed
	}
	users := []string{}
	for _, o := range a.Opinions {
		users = append(users, o.By)
	}
	for _, p := range a.Payments {
		users = append(users, p.By)
	}
	for _, en := range wc.History {
		users = append(users, en.Actor.User)
	}
	person, err := personNames(q.R.Context(), s.people, users)
	if err != nil {
		return err
	}
	for _, o := range a.Opinions {
		c.Opinions = append(c.Opinions, OfficialOpinion{Opinion: o, RequestedAt: offTime(o.Requested), GivenAt: offTime(o.Given), By: person(o.By)})
	}
	if x := a.Expert; x != nil {
		c.ExpertAt = offTime(x.At)
		names := make([]string, 0, len(x.Scores))
		for n := range x.Scores {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			c.Scores = append(c.Scores, OfficialFact{Label: n, Value: strconv.Itoa(x.Scores[n])})
		}
	}
	today := s.today()
	if p := a.Publicity; p != nil {
		switch {
		case today.Before(p.From):
			c.Publicity = "未开始"
		case today.After(p.Until):
			c.Publicity = "已期满"
		default:
			c.Publicity = "公示中"
		}
	}
	for _, o := range a.Objections {
		c.Objections = append(c.Objections, OfficialObjection{Objection: o, FiledAt: offTime(o.Filed), AnsweredAt: offTime(o.Answered)})
	}
	for _, p := range a.Payments {
		c.Payments = append(c.Payments, OfficialPayment{Payment: p, At: offTime(p.At), By: person(p.By)})
	}
	if a.Approved > 0 {
		c.Remaining = a.Approved - c.Paid
	}
	for _, en := range wc.History {
		denied := strings.HasPrefix(en.Action, "denied:")
		ev := OfficialEvent{At: offAuditTime(en.At), User: person(en.Actor.User), Role: offRoleZh[en.Actor.Role], Action: offAction(en.Action), Denied: denied}
		if !denied {
			after, detail := en.StateAfter()
			ev.Before, ev.After = offStatusZh(en.Before), offStatusZh(after)
			if detail != "" {
				ev.After += " · " + detail
			}
		} else {
			ev.After = en.After
		}
		c.History = append(c.History, ev)
	}
	c.Act = s.forms(wc.Actions, a)
	flash := ""
	if done := q.R.URL.Query().Get("done"); done != "" && e == nil {
		if zh, ok := offActionZh[done]; ok {
			flash = "已办理：" + zh
		}
	}
	title := a.ID
	if c.Clause != nil {
		title = c.Clause.Title + " · " + c.Name
	}
	return s.view(q, code, "case.html", title, c, e, flash)
}

// forms fills what the forms of the workflow's actions show.
func (s *offPages) forms(act workflow.Actions, a *duixian.Application) OfficialActions {
	out := OfficialActions{Actions: act}
	if act.Propose && a.Review != nil {
		out.ProposeDefault = a.Review.Amount.String()
	}
	if act.Publish {
		out.PublishStart = s.today().String()
	}
	if act.Disburse {
		out.DisburseKey = "pay-" + randomToken()[:32]
		if _, known := s.cat.Clause(a.Clause); a.Decision == nil || !a.Decision.Batched || !known {
			out.DueNow = (a.Approved - a.Paid()).Wan()
		}
		var current map[string]json.RawMessage
		_ = json.Unmarshal(a.Facts, &current)
		for _, f := range act.Evidence {
			ev := OfficialEvidence{Name: f.Name, Label: f.Zh, Kind: string(f.Kind), Unit: f.Unit, Current: "（未填）"}
			if raw, ok := current[f.Name]; ok {
				ev.Current = engine.ShowJSON(f, raw)
			}
			out.Evidence = append(out.Evidence, ev)
		}
	}
	return out
}

func offAuditTime(at string) string { return beijing(at, "2006-01-02 15:04:05") }

// evidence reads the completion evidence of the disburse form: the
// fields filled in ("" leaves a fact as it is), as a JSON object of facts.
// Only a clause paid in tranches takes evidence, and only its own facts.
func (s *offPages) evidence(q *Request, id string) (json.RawMessage, error) {
	a, err := s.wf.Application(q.R.Context(), q.Actor(), id)
	if err != nil {
		return nil, err
	}
	cl, ok := s.cat.Clause(a.Clause)
	if !ok || a.Decision == nil || !a.Decision.Batched {
		return nil, nil
	}
	ev := map[string]any{}
	for _, f := range cl.Facts() {
		v := strings.TrimSpace(q.R.PostFormValue("ev_" + f.Name))
		if v == "" {
			continue
		}
		switch f.Kind {
		case engine.KindBool:
			b, err := offChoice(v, f.Name, "“"+f.Zh+"”应为是或否", f.En+" must be yes or no")
			if err != nil {
				return nil, err
			}
			ev[f.Name] = b
		case engine.KindInt:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, &duixian.Error{Code: duixian.EINVALID, Field: f.Name, Zh: "“" + f.Zh + "”应为整数", En: f.En + " must be a whole number"}
			}
			ev[f.Name] = n
		case engine.KindDecimal, engine.KindMoney:
			ev[f.Name] = v
		}
	}
	if len(ev) == 0 {
		return nil, nil
	}
	return json.Marshal(ev)
}
