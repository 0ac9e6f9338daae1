// Package demo fills an empty database with a small E-Town a newcomer can
// explore: enterprises with valid 统一社会信用代码, one user for every role,
// and applications at each stage of the workflow. Everything goes through
// the workflow itself, on a clock walked through past days, so the history
// and the audit log are real.
package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/land"
	"github.com/etown/duixian/material"
	"github.com/etown/duixian/password"
	"github.com/etown/duixian/qunyan"
	"github.com/etown/duixian/sqldb"
	"github.com/etown/duixian/workflow"
)

// Password is every demo user's password: demo data is for trying the
// platform, never for production.
const Password = "duixian-demo"

// Credential is a demo user to sign in as.
type Credential struct {
	User, Display string
	Role          duixian.Role
}

// Enterprises of the demo, by 17-character prefix: the check character is
// computed, so every code validates under GB 32100-2015.
var enterprises = []struct {
	prefix, name, facts string
}{
	{"91110302MA01ABCD1", "亦城书房文化传播有限公司", `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false}`},
	{"91110302MA01HJKL2", "北京亦庄星河科技有限公司", `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,"titles":["high-tech","beijing-specialized"]}`},
	{"52110302MA01PQRT3", "亦庄社区公共阅读空间", `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,"operating_normally":true,"declared_truthful":true}`},
	// The 免申即享 bookstore: the departments' data on it is complete, so
	// matching finds its 21号 awards without its applying.
	{"92110302MA01NHK51", "南海子书店（个体工商户）", `{"zones":["core-60","yizhuang-225"],"major_penalty_3y":false,"criminal_record_3y":false,"serious_dishonest":false,
"operating_normally":true,"declared_truthful":true,"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,
"operating_since":"2024-06-01","business_area_m2":"200","publication_area_m2":"120","books_on_shelf":3000,"publication_varieties":800,
"hosted_reading_events":6,"quarter_hour_service":true,"public_culture_outstanding":false,"specialized_store":true,"annual_costs":"50万元"}`},
}

func uscc(prefix string) string {
	c, ok := duixian.USCCCheckChar(prefix)
	if !ok {
		panic("bad demo prefix " + prefix)
	}
	return prefix + string(c)
}

// Seed fills the database if it has no users yet and returns who can sign
// in; on a database that has users it does nothing.
func Seed(ctx context.Context, svc *workflow.Service) ([]Credential, error) {
	var users []duixian.User
	if err := svc.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		var err error
		users, err = tx.Users()
		return err
	}); err != nil || len(users) > 0 {
		return nil, err
	}
	admin := duixian.Actor{User: "admin", Role: duixian.RoleAdmin}
	for _, e := range enterprises {
		if err := svc.RegisterEnterprise(ctx, admin, duixian.Enterprise{USCC: uscc(e.prefix), Name: e.name, Facts: json.RawMessage(e.facts)}); err != nil {
			return nil, fmt.Errorf("enterprise %s: %w", e.name, err)
		}
	}
	people := []duixian.User{
		{Name: "admin", Display: "系统管理员", Role: duixian.RoleAdmin},
		// Notifications go to the inbox, and by e-mail to whoever gave an
		// address once the platform is given a mail server (--smtp-host).
		{Name: "bookstore", Display: "亦城书房·经办人", Role: duixian.RoleEnterprise, Enterprise: uscc(enterprises[0].prefix), Email: "bookstore@example.com"},
		{Name: "tech", Display: "星河科技·经办人", Role: duixian.RoleEnterprise, Enterprise: uscc(enterprises[1].prefix)},
		{Name: "space", Display: "阅读空间·经办人", Role: duixian.RoleEnterprise, Enterprise: uscc(enterprises[2].prefix)},
		{Name: "culture", Display: "宣传文化部·初审", Role: duixian.RoleReviewer, Department: "宣传文化部", Email: "culture@example.com"},
		{Name: "finance-bureau", Display: "商务金融局·初审", Role: duixian.RoleReviewer, Department: "商务金融局"},
		{Name: "business-env", Display: "营商环境建设局·会签", Role: duixian.RoleCoReviewer, Department: "营商环境建设局"},
		{Name: "expert", Display: "第三方评审专家", Role: duixian.RoleExpert},
		{Name: "treasury", Display: "财政国资局·拨付", Role: duixian.RoleFinance, Department: "财政国资局"},
		{Name: "supervisor", Display: "监督检查", Role: duixian.RoleSupervisor},
		// The departments of industrial-land planning cases (京技管发〔2025〕20号,
		// package land): each takes the steps its rule names.
		{Name: "planning-bureau", Display: "规自分局·审查", Role: duixian.RoleReviewer, Department: land.DeptPlanning},
		{Name: "development-bureau", Display: "开发建设局·经办", Role: duixian.RoleReviewer, Department: land.DeptDevelopment},
		{Name: "committee", Display: "管委会办公室·审查", Role: duixian.RoleReviewer, Department: land.DeptCommittee},
		{Name: "land-registry", Display: "土储建设中心·登记", Role: duixian.RoleReviewer, Department: land.DeptRegistry},
		{Name: "nanhaizi", Display: "南海子书店·经办人", Role: duixian.RoleEnterprise, Enterprise: uscc(enterprises[3].prefix)},
		// Separation of duties: the reviewer who proposes an amount does
		// not approve it; in each department another official does.
		{Name: "culture-head", Display: "宣传文化部·审批", Role: duixian.RoleReviewer, Department: "宣传文化部"},
		{Name: "finance-head", Display: "商务金融局·审批", Role: duixian.RoleReviewer, Department: "商务金融局"},
		// A policy author tries the next document beside the catalogue.
		{Name: "author", Display: "政策起草·示例", Role: duixian.RoleAuthor},
	}
	var creds []Credential
	if err := svc.DB.Tx(ctx, func(tx *sqldb.Tx) error {
		for _, u := range people {
			u.PasswordHash = password.Hash(Password)
			if err := tx.PutUser(&u); err != nil {
				return err
			}
			creds = append(creds, Credential{User: u.Name, Display: u.Display, Role: u.Role})
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := applications(ctx, svc, people); err != nil {
		return creds, err
	}
	if err := landCase(ctx, svc, byName(people, "admin"), byName(people, "tech")); err != nil {
		return creds, err
	}
	return creds, qunyanFiling(ctx, svc, people[filer])
}

// landCase records a revision extending 20号's trial (第十条: 试行期一年,
// it ended on 2026-10-13) and, under it, the tech company's case for an
// industrial plot in 亦庄新城 with its plan handed to 规自分局, who takes the
// next step: the demo shows a 20号 case although the trial year is over.
// Both are dated in November 2026 on a clock of their own, so the demo
// seeds on any day.
func landCase(ctx context.Context, svc *workflow.Service, admin, holder duixian.User) error {
	ls := land.New(svc.DB, svc.Catalogue)
	at := time.Date(2026, 11, 2, 10, 0, 0, 0, duixian.Shanghai)
	ls.Now = func() time.Time { return at }
	rev, err := ls.RecordTrial(ctx, admin.Actor("127.0.0.1"), land.TrialInput{Number: "京技管发〔2026〕16号（演示）",
		Title: "关于延长《亦庄新城工业用地提质增效实施意见（试行）》试行期的通知（演示数据）", Issued: duixian.DateOf(at), Until: duixian.Date{Year: 2027, Month: time.October, Day: 13},
		Note: "演示：试行期届满后依第十条修订延长，期内受理的申请仍按20号办理"})
	if err != nil {
		return fmt.Errorf("20号 trial: %w", err)
	}
	facts := `{"zones":["yizhuang-225"],"land_sold":true,"land_current_use":"M1","land_plan_consistent":true,"land_volume_transfer":true,
"land_change_of_use":false,"land_urban_renewal":false,"land_industry_supported":true,"land_industry_approved":true,
"land_far_current":"1.0","land_far_planned":"1.6","land_block_baseline_far":"2.0"}`
	c, err := ls.Start(ctx, holder.Actor("127.0.0.1"), land.StartInput{Plot: "YZ-0821 星河科技二期工业地块（演示）", Facts: json.RawMessage(facts)})
	if err != nil {
		return fmt.Errorf("20号 case: %w", err)
	}
	if c.Trial == nil || c.Trial.ID != rev.ID {
		return fmt.Errorf("20号 case %s is not under the recorded revision %s", c.ID, rev.ID)
	}
	at = at.Add(3 * 24 * time.Hour)
	if _, err := ls.SubmitPlan(ctx, holder.Actor("127.0.0.1"), c.ID, land.PlanInput{Title: "YZ-0821地块规划综合实施方案",
		Summary: "工业用地（M1）不变，容积率由1.0提高至1.6，新增研发中试厂房"}); err != nil {
		return fmt.Errorf("20号 plan: %w", err)
	}
	return nil
}

// filer is the demo user whose enterprise files for the 群雁 plan: the
// bookstore. The tech company is left without a filing, so that it can file
// for itself in a first visit (and the tests that walk that path keep it).
const filer = 1

// qunyanFiling files a 群雁计划 record (京技管发〔2025〕26号附则2) through the
// registry service, on the workflow's clock, that awaits 商务金融局's
// review: a well-managed enterprise quoted on 新三板 (附则1 雏雁).
func qunyanFiling(ctx context.Context, svc *workflow.Service, u duixian.User) error {
	qy := qunyan.New(svc.DB, svc.Catalogue)
	qy.Now = func() time.Time { return svc.Now() }
	facts := `{"qunyan_stopped_operating":false,"qunyan_not_cooperating":false,"qunyan_major_sanction":false,"qunyan_listed_exchange":"none","qunyan_joint_stock":true,
"qunyan_net_profit_y1":"860万元","qunyan_net_profit_y2":"540万元","qunyan_revenue_y1":"1.2亿元","qunyan_revenue_y2":"9600万元",
"qunyan_rd_y1":"1100万元","qunyan_rd_y2":"900万元","qunyan_valuation":"0","qunyan_overseas_sponsor":false,
"qunyan_well_managed":true,"qunyan_neeq_listed":true}`
	if _, err := qy.File(ctx, u.Actor("127.0.0.1"), qunyan.FileInput{Enterprise: u.Enterprise, Facts: json.RawMessage(facts)}); err != nil {
		return fmt.Errorf("群雁 filing: %w", err)
	}
	return nil
}

// applications walks demo applications to each stage. The clock is moved
// through 2026 and put back.
func applications(ctx context.Context, svc *workflow.Service, p []duixian.User) error {
	real := svc.Now
	defer func() { svc.Now = real }()
	at := func(day string) {
		t, _ := time.ParseInLocation("2006-01-02 15:04", day+" 10:00", duixian.Shanghai)
		svc.Now = func() time.Time { return t }
	}
	as := func(u duixian.User) duixian.Actor { return u.Actor("127.0.0.1") }
	bookstore, tech, space, culture, finBureau, coReview, expert, treasury := p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8]
	cultureHead, finHead := byName(p, "culture-head"), byName(p, "finance-head")
	bookFacts := `{"has_publication_permit":true,"bookstore_premises":true,"publications_main_business":true,"operating_since":"2024-04-01",
"operating_normally":true,"declared_truthful":true,"business_area_m2":"260","publication_area_m2":"168.5","books_on_shelf":5200,
"publication_varieties":1900,"hosted_reading_events":12,"quarter_hour_service":true,"annual_costs":"86万元"}`
	var err error
	step := func(f func() (*duixian.Application, error)) *duixian.Application {
		if err != nil {
			return nil
		}
		var a *duixian.Application
		a, err = f()
		return a
	}
	// 0. 宣传文化部 publishes the year's 申报指南 of 21号 and 22号 (21号第十二条
	// （一）, 22号第十条（一）), open through the year: applications under
	// them are taken only inside these rounds.
	today := duixian.DateOf(real())
	at("2026-01-05")
	closes := date("2026-12-31")
	if later := today.AddDays(60); closes.Before(later) {
		closes = later
	}
	rounds := map[string]string{}
	for _, g := range guides {
		r, err := svc.PublishRound(ctx, as(culture), workflow.RoundInput{Document: g.doc, Year: 2026, Title: g.title, Text: g.text,
			Opens: date("2026-01-05"), Closes: closes, Budget: g.budget})
		if err != nil {
			return fmt.Errorf("round of %s: %w", g.doc, err)
		}
		rounds[g.doc] = r.ID
	}
	// publishInPlan gathers the round's assessed projects into its annual
	// plan, which 宣传文化部 submits, its head approves, and 宣传文化部
	// publishes from start (21号第十二条（三）（四）, 22号第十条（三）（四）):
	// these documents publish no project alone.
	publishInPlan := func(doc string, start duixian.Date) string {
		if err != nil {
			return ""
		}
		var p *duixian.Plan
		if p, err = svc.CompilePlan(ctx, as(culture), rounds[doc]); err != nil {
			return ""
		}
		if _, err = svc.SubmitPlan(ctx, as(culture), p.ID); err != nil {
			return ""
		}
		if _, err = svc.ApprovePlan(ctx, as(cultureHead), p.ID); err != nil {
			return ""
		}
		_, err = svc.PublishPlan(ctx, as(culture), p.ID, start, 5)
		return p.ID
	}
	// 1. A bookstore's 一刻钟 award, paid in May.
	at("2026-05-06")
	a := step(func() (*duixian.Application, error) {
		return svc.CreateDraft(ctx, as(bookstore), workflow.DraftInput{Enterprise: bookstore.Enterprise, Clause: "jjgf-2025-21/7.1", Materials: specimens(svc, "jjgf-2025-21/7.1"),
			EventDate: date("2026-04-30"), Facts: json.RawMessage(bookFacts), Declared: true})
	})
	if err != nil {
		return err
	}
	id := a.ID
	step(func() (*duixian.Application, error) { return svc.Submit(ctx, as(bookstore), id, "demo-1") })
	step(func() (*duixian.Application, error) {
		return svc.RequestOpinions(ctx, as(culture), id, []string{"营商环境建设局"})
	})
	step(func() (*duixian.Application, error) {
		return svc.GiveOpinion(ctx, as(coReview), id, true, "经营正常，无异议")
	})
	step(func() (*duixian.Application, error) { return svc.PassPreliminary(ctx, as(culture), id) })
	step(func() (*duixian.Application, error) {
		return svc.AssignExperts(ctx, as(culture), id, []string{expert.Name})
	})
	step(func() (*duixian.Application, error) {
		return svc.RecordExpertReview(ctx, as(expert), id, map[string]int{"经营能力": 26, "服务水平": 27, "社会效益": 28}, "实地踏勘属实，空间环境良好，建议支持", true)
	})
	step(func() (*duixian.Application, error) {
		return svc.Propose(ctx, as(culture), id, 120000*duixian.Yuan, "")
	})
	plan := publishInPlan("jjgf-2025-21", date("2026-05-07"))
	at("2026-05-15")
	if err == nil {
		_, err = svc.ReleasePlan(ctx, as(culture), plan)
	}
	at("2026-05-20")
	step(func() (*duixian.Application, error) {
		return svc.Disburse(ctx, as(treasury), id, "demo-pay-1", workflow.Disbursement{Voucher: "JZ-2026-05-0137", Account: "0200 0045 1900 8837 261", PaidOn: date("2026-05-20")})
	})
	// 2. A tech company's 科技保险 subsidy, approved, awaiting payment.
	at("2026-06-01")
	b := step(func() (*duixian.Application, error) {
		return svc.CreateDraft(ctx, as(tech), workflow.DraftInput{Enterprise: tech.Enterprise, Clause: "jjgf-2025-25/2", Materials: specimens(svc, "jjgf-2025-25/2"),
			EventDate: date("2026-05-31"), Facts: json.RawMessage(`{"fin_tech_insurance_premium":"31.26万元"}`), Declared: true})
	})
	if b != nil {
		id = b.ID
		step(func() (*duixian.Application, error) { return svc.Submit(ctx, as(tech), id, "demo-2") })
		step(func() (*duixian.Application, error) { return svc.PassPreliminary(ctx, as(finBureau), id) })
		step(func() (*duixian.Application, error) {
			return svc.AssignExperts(ctx, as(finBureau), id, []string{expert.Name})
		})
		step(func() (*duixian.Application, error) {
			return svc.RecordExpertReview(ctx, as(expert), id, map[string]int{"总分": 85}, "保单与发票齐全，建议支持", true)
		})
		step(func() (*duixian.Application, error) {
			return svc.Propose(ctx, as(finBureau), id, 156300*duixian.Yuan, "")
		})
		step(func() (*duixian.Application, error) {
			return svc.Publish(ctx, as(finBureau), id, date("2026-06-02"), 5)
		})
		at("2026-06-10")
		step(func() (*duixian.Application, error) { return svc.Approve(ctx, as(finHead), id) })
	}
	spaceFacts := `{"space_legal_qualification":true,"space_in_use":true,"space_opened_on":"2023-12-01","space_separate_reading_area":true,
"space_reading_area_m2":"140","space_daily_open_hours":"10","space_weekly_open_hours":"84","space_publications":3600,
"space_publication_varieties":1400,"space_reading_seats":36,"space_hosted_reading_events":28,"space_weekday_open_hours":"10"}`
	// 3. Three weeks ago: the reading space's 运营奖励, in 2026's first
	// plan of 22号, whose 公示 has ended without objection — the plan waits
	// for 宣传文化部 to send it to payment, so the demo can be clicked
	// through to 转入拨付 and 拨付.
	at(today.AddDays(-30).String())
	e := step(func() (*duixian.Application, error) {
		return svc.CreateDraft(ctx, as(space), workflow.DraftInput{Enterprise: space.Enterprise, Clause: "jjgf-2025-22/6.1", Materials: specimens(svc, "jjgf-2025-22/6.1"),
			EventDate: today.AddDays(-31), Facts: json.RawMessage(`{"space_venue_free_from_government":false,"space_independent":true,"space_service_area_m2":"150","space_barrier_free_open":true,"space_quarter_hour_service":true,"space_niche_focus":true,` + spaceFacts[1:]), Declared: true})
	})
	if e != nil {
		id = e.ID
		step(func() (*duixian.Application, error) { return svc.Submit(ctx, as(space), id, "demo-5") })
		step(func() (*duixian.Application, error) { return svc.PassPreliminary(ctx, as(culture), id) })
		step(func() (*duixian.Application, error) {
			return svc.AssignExperts(ctx, as(culture), id, []string{expert.Name})
		})
		step(func() (*duixian.Application, error) {
			return svc.RecordExpertReview(ctx, as(expert), id, map[string]int{"总分": 86}, "场地与活动记录齐全", true)
		})
		step(func() (*duixian.Application, error) { return svc.Propose(ctx, as(culture), id, 50000*duixian.Yuan, "") })
		publishInPlan("jjgf-2025-22", today.AddDays(-21))
	}
	// 4. Today: a reading space's 延时奖励 in publicity, in 22号's second
	// plan of the year (第2批), and a bookstore's 活动组织 claim awaiting
	// preliminary review.
	svc.Now = real
	c := step(func() (*duixian.Application, error) {
		return svc.CreateDraft(ctx, as(space), workflow.DraftInput{Enterprise: space.Enterprise, Clause: "jjgf-2025-22/6.2", Materials: specimens(svc, "jjgf-2025-22/6.2"),
			EventDate: date(fmt.Sprintf("%d-10-31", today.Year)), Facts: json.RawMessage(spaceFacts), Declared: true})
	})
	if c != nil {
		id = c.ID
		step(func() (*duixian.Application, error) { return svc.Submit(ctx, as(space), id, "demo-3") })
		step(func() (*duixian.Application, error) { return svc.PassPreliminary(ctx, as(culture), id) })
		step(func() (*duixian.Application, error) {
			return svc.AssignExperts(ctx, as(culture), id, []string{expert.Name})
		})
		step(func() (*duixian.Application, error) {
			return svc.RecordExpertReview(ctx, as(expert), id, map[string]int{"总分": 88}, "开放时间记录完整", true)
		})
		step(func() (*duixian.Application, error) { return svc.Propose(ctx, as(culture), id, 50000*duixian.Yuan, "") })
		publishInPlan("jjgf-2025-22", today)
	}
	d := step(func() (*duixian.Application, error) {
		return svc.CreateDraft(ctx, as(bookstore), workflow.DraftInput{Enterprise: bookstore.Enterprise, Clause: "jjgf-2025-21/7.3.2", Materials: specimens(svc, "jjgf-2025-21/7.3.2"),
			EventDate: date(fmt.Sprintf("%d-09-30", today.Year)), Facts: json.RawMessage(`{"fusion_store":true,` + bookFacts[1:]), Declared: true})
	})
	if d != nil {
		id = d.ID
		step(func() (*duixian.Application, error) { return svc.Submit(ctx, as(bookstore), id, "demo-4") })
	}
	// 5. The reading space's 活动组织奖励 of last year, returned by 宣传文化部
	// naming the photos of the space (退回补正), waiting for the space to
	// upload them again and resubmit.
	r := step(func() (*duixian.Application, error) {
		return svc.CreateDraft(ctx, as(space), workflow.DraftInput{Enterprise: space.Enterprise, Clause: "jjgf-2025-22/6.3", Materials: specimens(svc, "jjgf-2025-22/6.3"),
			EventDate: date(fmt.Sprintf("%d-12-20", today.Year-1)), Facts: json.RawMessage(spaceFacts), Declared: true})
	})
	if r != nil {
		id = r.ID
		step(func() (*duixian.Application, error) { return svc.Submit(ctx, as(space), id, "demo-6") })
		step(func() (*duixian.Application, error) {
			return svc.Return(ctx, as(culture), id, "实景图片未见阅读区与座位，请重新上传", "space-photos")
		})
	}
	return err
}

// guides are the demo's 申报指南 of 2026.
var guides = []struct {
	doc, title, text string
	budget           duixian.Money
}{
	{"jjgf-2025-21", "2026年度实体书店扶持项目申报指南",
		"一、扶持方向：“一刻钟”建设、公共文化服务、特色发展、活动组织（京技管发〔2025〕21号第七条）。\n二、申报条件：见21号第五条、第六条。\n三、申报材料：见21号第十一条，通过政策兑现平台在线填报《北京经济技术开发区实体书店扶持项目申报书》并上传材料。\n四、评审与公示：宣传文化部初审，第三方专家组复核，汇总研提年度扶持资金建议方案，经批准后在北京经济技术开发区政府网站公示。",
		3000000 * duixian.Yuan},
	{"jjgf-2025-22", "2026年度公共阅读空间扶持项目申报指南",
		"一、扶持方向：运营奖励、延时奖励、活动组织奖励、特色服务奖励（京技管发〔2025〕22号第六条）。\n二、申报条件：见22号第四条、第五条。\n三、申报材料：见22号第九条。\n四、评审与公示：宣传文化部初审，第三方专家组复核，汇总研提年度扶持资金建议方案，经批准后公示。",
		1000000 * duixian.Yuan},
}

// specimens are a small PDF for each material the clause requires.
func specimens(svc *workflow.Service, clause string) []workflow.MaterialUpload {
	cl, ok := svc.Catalogue.Clause(clause)
	if !ok {
		return nil
	}
	return material.Specimens(cl)
}

func byName(users []duixian.User, name string) duixian.User {
	for _, u := range users {
		if u.Name == name {
			return u
		}
	}
	panic("no demo user " + name)
}

func date(s string) duixian.Date {
	d, err := duixian.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}
