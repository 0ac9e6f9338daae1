package registry

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Kind is one kind of enterprise in the synthetic population, with its
// share per mille.
type Kind struct {
	ID     string
	Zh     string
	PerMil int
	fill   func(g *gen)
	name   func(g *gen) string
	// prefix gives the first two characters of the USCC: 91 for a company,
	// 52 for a 民办非企业单位.
	prefix func(g *gen) string
}

// Kinds is the mix of the population, roughly E-Town's: mostly tech SMEs
// and factories, a tail of financial firms, bonded-zone firms, XR firms, a
// handful of bookstores and reading spaces, and ordinary businesses that no
// clause is for.
var Kinds = []Kind{
	{ID: "tech-sme", Zh: "科技型中小企业", PerMil: 300, fill: fillTech, name: techName},
	{ID: "listing-candidate", Zh: "拟上市企业（群雁计划）", PerMil: 40, fill: fillListing, name: listingName},
	{ID: "factory", Zh: "制造业工厂", PerMil: 170, fill: fillFactory, name: factoryName},
	{ID: "construction", Zh: "建筑施工与工程项目", PerMil: 50, fill: fillConstruction, name: constructionName},
	{ID: "logistics", Zh: "物流运输企业", PerMil: 30, fill: fillLogistics, name: logisticsName},
	{ID: "property", Zh: "园区与楼宇业主", PerMil: 20, fill: fillProperty, name: propertyName},
	{ID: "green-consulting", Zh: "节能降碳咨询机构", PerMil: 8, fill: fillConsulting, name: consultingName},
	{ID: "xr", Zh: "XR智能终端企业", PerMil: 35, fill: fillXR, name: xrName},
	{ID: "bonded", Zh: "综保区企业", PerMil: 30, fill: fillBonded, name: bondedName},
	{ID: "bank", Zh: "银行分支机构", PerMil: 10, fill: fillBank, name: bankName},
	{ID: "licensed-financial", Zh: "持牌法人金融机构", PerMil: 4, fill: fillLicensed, name: licensedName},
	{ID: "local-financial", Zh: "地方金融组织（保理、租赁、担保）", PerMil: 8, fill: fillLocalFinancial, name: nil},
	{ID: "fund-manager", Zh: "私募基金管理人", PerMil: 15, fill: fillFundManager, name: fundName},
	{ID: "vc", Zh: "风投创投机构", PerMil: 15, fill: fillVC, name: vcName},
	{ID: "bookstore", Zh: "实体书店", PerMil: 6, fill: fillBookstore, name: bookstoreName},
	{ID: "reading-space", Zh: "公共阅读空间", PerMil: 6, fill: fillReadingSpace, name: readingSpaceName, prefix: readingSpacePrefix},
	{ID: "general", Zh: "商贸服务等其他企业", PerMil: 253, fill: fillGeneral, name: generalName},
}

// Generate makes n synthetic enterprises: valid USCCs, plausible names,
// zones, and for each kind the facts the catalogue's clauses for that kind
// read, filled with plausible values so that a realistic share qualifies
// for something and many just miss a threshold. The same n and seed give
// the same population, and a longer population begins with a shorter one.
func Generate(n int, seed int64) []duixian.Enterprise {
	g := NewGenerator(seed)
	out := make([]duixian.Enterprise, max(n, 0))
	for i := range out {
		out[i] = g.Next()
	}
	return out
}

// Generator draws Generate's population one enterprise at a time, so that
// a registry of millions is written as it is made; it keeps only the names
// and codes drawn so far, which must not repeat.
type Generator struct {
	seed     int64
	i, total int
	// Kept as fixed-size keys, which hold no pointer for the collector to
	// follow: at a million each, maps of strings were a third of the peak
	// memory and much of the garbage collector's work. A name is kept as
	// the first 128 bits of its SHA-256, which two of a few million
	// different names share with a chance below 1e-26.
	usccs map[[18]byte]struct{}
	names map[[16]byte]struct{}
	// scratch is where each enterprise's facts are written (factsJSON).
	scratch []byte
}

// NewGenerator starts the population of seed.
func NewGenerator(seed int64) *Generator {
	total := 0
	for _, k := range Kinds {
		total += k.PerMil
	}
	return &Generator{seed: seed, total: total, usccs: map[[18]byte]struct{}{}, names: map[[16]byte]struct{}{}}
}

// Next draws the next enterprise.
func (gg *Generator) Next() duixian.Enterprise { return gg.next().Enterprise }

type generated struct {
	duixian.Enterprise
	Kind string
}

func generate(n int, seed int64) []generated {
	g := NewGenerator(seed)
	out := make([]generated, max(n, 0))
	for i := range out {
		out[i] = g.next()
	}
	return out
}

func (gg *Generator) next() generated {
	e, _ := gg.draw()
	return e
}

// NextFor draws the next enterprise and checks that cat reads its facts
// as it would read them from the file stored (cat.DecodeJSONFacts): the
// generator follows the built-in catalogue, and a registry another one
// cannot read must be refused, not loaded. It checks the values drawn
// rather than decoding the JSON just made from them, which was half the
// cost of drawing a million.
func (gg *Generator) NextFor(cat *engine.Catalogue) (duixian.Enterprise, error) {
	e, f := gg.draw()
	raw, ok := rawFacts(f)
	var err error
	if ok {
		_, err = cat.DecodeFacts("facts", raw)
	} else {
		_, err = cat.DecodeJSONFacts("facts", e.Facts)
	}
	return e.Enterprise, err
}

// rawFacts is what decoding the JSON of f with UseNumber gives — the
// input cat.DecodeFacts reads — for the kinds of value the generator
// draws; false for any other kind.
func rawFacts(f map[string]any) (map[string]any, bool) {
	out := make(map[string]any, len(f))
	for name, v := range f {
		r, ok := rawValue(v)
		if !ok {
			return nil, false
		}
		out[name] = r
	}
	return out, true
}

func rawValue(v any) (any, bool) {
	switch v := v.(type) {
	case bool, string:
		return v, true
	case int64:
		return json.Number(strconv.FormatInt(v, 10)), true
	case int:
		return json.Number(strconv.Itoa(v)), true
	case duixian.Date:
		return v.String(), true
	case []string:
		l := make([]any, len(v))
		for i, s := range v {
			l[i] = s
		}
		return l, true
	case map[string]any:
		return rawFacts(v)
	case []map[string]any:
		l := make([]any, len(v))
		for i, m := range v {
			r, ok := rawFacts(m)
			if !ok {
				return nil, false
			}
			l[i] = r
		}
		return l, true
	}
	return nil, false
}

// draw makes the next enterprise, with the facts as drawn.
func (gg *Generator) draw() (generated, map[string]any) {
	i := gg.i
	gg.i++
	// Each enterprise has its own stream, so that one enterprise's
	// draws never shift another's.
	g := &gen{r: rand.New(rand.NewPCG(uint64(gg.seed), uint64(i)^0x9e3779b97f4a7c15)), f: map[string]any{}}
	x, k := g.r.IntN(gg.total), Kinds[0]
	for _, kk := range Kinds {
		if x < kk.PerMil {
			k = kk
			break
		}
		x -= kk.PerMil
	}
	k.fill(g)
	var name string
	for try := 0; ; try++ {
		if k.name != nil {
			name = k.name(g)
		} else {
			name = g.localFinancialName
		}
		if try > 50 {
			name = fmt.Sprintf("%s（%d）", name, i+1)
		}
		if _, seen := gg.names[nameKey(name)]; !seen {
			break
		}
	}
	gg.names[nameKey(name)] = struct{}{}
	prefix := "91"
	if k.prefix != nil {
		prefix = k.prefix(g)
	}
	var code string
	for code == "" || gg.seenUSCC(code) {
		code = g.uscc(prefix)
	}
	gg.usccs[[18]byte([]byte(code))] = struct{}{}
	facts, err := factsJSON(&gg.scratch, g.f)
	if err != nil {
		panic(err) // unreachable: the values are strings, numbers, bools and lists
	}
	return generated{Enterprise: duixian.Enterprise{USCC: code, Name: name, Facts: facts}, Kind: k.ID}, g.f
}

func nameKey(name string) [16]byte {
	h := sha256.Sum256([]byte(name))
	return [16]byte(h[:16])
}

// seenUSCC: the codes drawn are 18 characters (gen.uscc).
func (gg *Generator) seenUSCC(code string) bool {
	_, seen := gg.usccs[[18]byte([]byte(code))]
	return seen
}

// gen draws one enterprise's values.
type gen struct {
	r *rand.Rand
	f map[string]any
	// localFinancialName is set with the organisation kind it names.
	localFinancialName string
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// between draws a whole number in [lo, hi].
func (g *gen) between(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	return lo + g.r.Int64N(hi-lo+1)
}

// skewed draws in [lo, hi] with small values more likely (the smaller of
// two uniform draws), as firm sizes are.
func (g *gen) skewed(lo, hi int64) int64 {
	if hi <= lo {
		return lo
	}
	span := hi - lo + 1
	return lo + min(g.r.Int64N(span), g.r.Int64N(span))
}

func (g *gen) pick(vals ...string) string { return vals[g.r.IntN(len(vals))] }

// weighted picks vals[i] with weight w[i].
func (g *gen) weighted(vals []string, w []int) string {
	t := 0
	for _, x := range w {
		t += x
	}
	x := g.r.IntN(t)
	for i, v := range vals {
		if x < w[i] {
			return v
		}
		x -= w[i]
	}
	return vals[len(vals)-1]
}

func (g *gen) set(name string, v any) { g.f[name] = v }

// registryDay is the day the synthetic registry describes: its dates (when
// a store opened, when a firm was listed as abnormal) lie that many months
// before it, so that a match on the demo's date sees the spread intended.
var registryDay = duixian.Date{Year: 2026, Month: time.June, Day: 30}

// since sets a date fact months before registryDay.
func (g *gen) since(name string, months int64) {
	g.f[name] = registryDay.AddMonths(-int(months))
}

func (g *gen) flag(name string, p float64) bool {
	b := g.chance(p)
	g.f[name] = b
	return b
}

// yuan sets an amount in whole yuan, rounded to step, written as money.
func (g *gen) yuan(name string, v, step int64) int64 {
	if step > 1 {
		v = (v + step/2) / step * step
	}
	g.f[name] = fmt.Sprintf("%d.00", v)
	return v
}

// wanRange sets an amount drawn (skewed) between lo and hi 万元, to 100 yuan.
func (g *gen) wanRange(name string, lo, hi int64) int64 {
	return g.yuan(name, g.skewed(lo*10000, hi*10000), 100)
}

// dec sets a decimal from tenths: dec(…, 1685) is "168.5".
func (g *gen) dec(name string, tenths int64) {
	g.f[name] = fmt.Sprintf("%d.%d", tenths/10, tenths%10)
}

const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// uscc makes a code under GB 32100-2015 with the check character computed.
func (g *gen) uscc(prefix string) string {
	div := g.weighted([]string{"110302", "110115", "110108", "110000"}, []int{70, 20, 6, 4})
	body := make([]byte, 0, 9)
	if g.chance(0.65) { // codes issued since 2015: MA + seven characters
		body = append(body, 'M', 'A')
		for len(body) < 9 {
			body = append(body, usccChars[g.r.IntN(len(usccChars))])
		}
	} else { // an older GB 11714 organisation code: eight digits and its check
		for len(body) < 8 {
			body = append(body, byte('0'+g.r.IntN(10)))
		}
		body = append(body, "0123456789X"[g.r.IntN(11)])
	}
	p := prefix + div + string(body)
	c, ok := duixian.USCCCheckChar(p)
	if !ok {
		panic("bad generated USCC prefix " + p)
	}
	return p + string(c)
}

// ---------------------------------------------------------------- shared facts

// zones: most enterprises are in the 225 km² new town, a good share also in
// the 60 km² core area, a few outside E-Town.
func (g *gen) zones(pCore, pOutside float64) {
	switch x := g.r.Float64(); {
	case x < pOutside:
		g.set("zones", []string{})
	case x < pOutside+pCore:
		g.set("zones", []string{"core-60", "yizhuang-225"})
	default:
		g.set("zones", []string{"yizhuang-225"})
	}
}

func (g *gen) common(pCore, pOutside float64) {
	g.zones(pCore, pOutside)
	g.flag("major_penalty_3y", 0.015)
	g.flag("criminal_record_3y", 0.003)
	g.flag("serious_dishonest", 0.005)
	g.flag("operating_normally", 0.97)
}

// titles: 国家高新技术企业, 北京市专精特新 and 国家级小巨人 (a subset of the latter).
func (g *gen) titles(pHighTech, pSpecialized, pGiant float64) {
	t := []string{}
	if g.chance(pHighTech) {
		t = append(t, "high-tech")
	}
	if g.chance(pSpecialized) {
		t = append(t, "beijing-specialized")
		if g.chance(pGiant / pSpecialized) {
			t = append(t, "little-giant")
		}
	}
	g.set("titles", t)
}

// sme: 25号 第二条 科技保险 and 第四条 小微企业融资贴息.
func (g *gen) sme() {
	if g.chance(0.4) { // insured: premiums cluster around the 10万元 floor
		g.wanRange("fin_tech_insurance_premium", 3, 80)
	} else {
		g.set("fin_tech_insurance_premium", "0.00")
	}
	g.flag("fin_small_micro", 0.7)
	if g.chance(0.5) {
		g.wanRange("fin_loan_interest_paid", 1, 120)
	}
	if g.chance(0.1) {
		g.wanRange("fin_first_loan_municipal_subsidy", 1, 20)
	}
}

func fillTech(g *gen) {
	g.common(0.4, 0.06)
	g.titles(0.42, 0.22, 0.05)
	g.sme()
}

func fillGeneral(g *gen) {
	g.common(0.35, 0.08)
	if g.chance(0.05) {
		g.titles(0.6, 0.4, 0.02)
	}
}

// fillListing: a tech SME in or near the 群雁计划 (26号).
func fillListing(g *gen) {
	g.common(0.45, 0.03)
	g.titles(0.75, 0.5, 0.15)
	g.sme()
	g.flag("qunyan_stopped_operating", 0.01)
	g.flag("qunyan_not_cooperating", 0.03)
	if m := pickMonths(g, 0.05, 24); m > 0 {
		g.since("qunyan_abnormal_listed_on", m)
	}
	if m := pickMonths(g, 0.03, 30); m > 0 {
		g.since("qunyan_defaulter_listed_on", m)
	}
	g.flag("qunyan_major_sanction", 0.02)
	member := g.flag("qunyan_member", 0.75)
	if member && g.flag("qunyan_listing_advisers", 0.55) {
		g.wanRange("qunyan_listing_service_fees", 30, 900)
	} else {
		g.set("qunyan_listing_advisers", false)
		g.set("qunyan_listing_service_fees", "0.00")
	}
	g.set("qunyan_listed_exchange", g.weighted([]string{"none", "sse", "szse", "bse", "hkex", "nasdaq"}, []int{88, 3, 3, 3, 2, 1}))
	g.flag("qunyan_joint_stock", 0.7)
	rev1 := g.skewed(3000, 300000) * 10000 // 3000万 to 30亿
	rev2 := rev1 * g.between(60, 110) / 100
	g.yuan("qunyan_revenue_y1", rev1, 10000)
	g.yuan("qunyan_revenue_y2", rev2, 10000)
	g.yuan("qunyan_net_profit_y1", rev1*g.between(-20, 25)/100, 10000)
	g.yuan("qunyan_net_profit_y2", rev2*g.between(-25, 22)/100, 10000)
	g.yuan("qunyan_rd_y1", rev1*g.between(3, 25)/100, 10000)
	g.yuan("qunyan_rd_y2", rev2*g.between(3, 25)/100, 10000)
	g.yuan("qunyan_valuation", g.skewed(3, 200)*100000000, 1)
	g.flag("qunyan_overseas_sponsor", 0.1)
	g.flag("qunyan_well_managed", 0.85)
	g.flag("qunyan_neeq_listed", 0.15)
}

func pickMonths(g *gen, p float64, maxMonths int64) int64 {
	if g.chance(p) {
		return g.between(1, maxMonths)
	}
	return 0
}

// ---------------------------------------------------------------- 29号 green

// greenDoc: 29号's document conditions (safety, environment, 三同时, data
// centres, government-funded projects).
func (g *gen) greenDoc() {
	g.flag("green_major_safety_accident_3y", 0.01)
	g.flag("green_major_environmental_incident_3y", 0.01)
	g.flag("green_three_simultaneous_project", 0.05)
	g.flag("green_data_centre_no_energy_review", 0.005)
	g.flag("green_barred_by_law", 0.005)
	g.flag("green_government_funded", 0.03)
}

// greenProject: the investment and progress facts of an engineering project
// paid in two tranches (29号七（二）4).
func (g *gen) greenProject(loWan, hiWan int64) {
	inv := g.wanRange("green_investment", loWan, hiWan)
	incl := g.yuan("green_investment_incl_tax", inv*113/100, 100)
	started := g.flag("green_project_started", 0.9)
	done := started && g.chance(0.5)
	g.set("green_project_completed", done)
	switch {
	case done:
		g.yuan("green_paid_incl_tax", incl*g.between(80, 100)/100, 100)
	case started:
		g.yuan("green_paid_incl_tax", incl*g.between(20, 70)/100, 100)
	default:
		g.set("green_paid_incl_tax", "0.00")
	}
}

// greenProfile: what the registry knows of a factory's environmental
// standing — titles, ratings, certifications — for the clauses that reward
// them; most factories have none, which is a near miss, not a gap.
func (g *gen) greenProfile() {
	g.set("green_manufacturing_title", g.weighted([]string{"national", "municipal", "none"}, []int{3, 9, 88}))
	g.set("green_enterprise_rating", g.weighted([]string{"dark-green", "light-green", "none"}, []int{4, 10, 86}))
	key := g.flag("green_key_industry", 0.3)
	grades := []string{"A", "B", "C", "D"}
	before := g.weighted(grades, []int{12, 38, 35, 15})
	after := before
	if g.chance(0.25) {
		for i, x := range grades {
			if x == before && i > 0 {
				after = grades[g.r.IntN(i)]
			}
		}
	}
	g.set("green_aq_grade_before", before)
	g.set("green_aq_grade_after", after)
	years := int64(0)
	if after == "A" {
		years = g.between(1, 5)
	}
	g.set("green_aq_consecutive_a_years", years)
	g.set("green_cleaner_production_grade", g.weighted([]string{"grade-1", "grade-2", "grade-3", "none"}, []int{3, 8, 10, 79}))
	g.set("green_vocs_plan_accepted", key && g.chance(0.35))
	g.flag("green_diagnosis_completed", 0.2)
	g.flag("green_carbon_footprint_certified", 0.08)
	g.flag("green_international_green_cert", 0.04)
	g.flag("green_esg_a_or_above", 0.05)
	g.set("green_low_carbon_honour", g.weighted([]string{"advanced-tech-excellent", "leader-pilot", "none"}, []int{3, 3, 94}))
	g.flag("green_energy_target_excellent", 0.1)
	g.set("green_water_leader_level", g.weighted([]string{"national", "municipal", "none"}, []int{1, 4, 95}))
}

func fillFactory(g *gen) {
	g.common(0.35, 0.05)
	g.titles(0.25, 0.15, 0.03)
	g.greenDoc()
	g.greenProfile()
	projects := []func(*gen){boilerProject, pvProject, greenPowerProject, energySavingProject, aiScenarioProject,
		sourceReductionProject, treatmentProject, renewalProject, heatProject, carbonNeutralProject, verificationProject, challengeProject}
	weights := []int{14, 14, 12, 10, 6, 8, 10, 8, 5, 6, 4, 3}
	t := 0
	for _, w := range weights {
		t += w
	}
	// Most factories have no project on file this year, some one, a few two.
	count := map[string]int{"none": 0, "one": 1, "two": 2}[g.weighted([]string{"none", "one", "two"}, []int{40, 45, 15})]
	for range count {
		x := g.r.IntN(t)
		for i, w := range weights {
			if x < w {
				projects[i](g)
				break
			}
			x -= w
		}
	}
}

func boilerProject(g *gen) {
	g.set("green_full_budget_unit", false)
	g.set("green_boiler_grade", g.weighted([]string{"A", "B", "below-b"}, []int{30, 50, 20}))
	g.wanRange("green_boiler_retrofit_investment", 30, 600)
	g.flag("green_metering_only", 0.25)
	g.set("green_metering_sets", g.between(1, 6))
	g.greenProject(30, 800)
}

func pvProject(g *gen) {
	role := g.weighted([]string{"self-investing", "investor", "owner"}, []int{60, 25, 15})
	g.set("green_pv_applicant_role", role)
	g.set("green_pv_owner_budget_funded", role == "owner" && g.chance(0.3))
	g.dec("green_pv_capacity_kw", g.skewed(1000, 60000))
}

func greenPowerProject(g *gen) {
	g.flag("green_beijing_green_power_trade", 0.85)
	g.dec("green_power_purchased_kwh", g.skewed(50, 5000)*100000)
}

func energySavingProject(g *gen) {
	review := g.flag("green_municipal_final_review", 0.7)
	if review && g.chance(0.85) {
		g.wanRange("green_energy_saving_municipal_award", 10, 300)
	} else {
		g.set("green_energy_saving_municipal_award", "0.00")
	}
	g.greenProject(100, 3000)
}

func aiScenarioProject(g *gen) {
	g.flag("green_ai_scenario", 0.6)
	g.greenProject(100, 2000)
}

func sourceReductionProject(g *gen) {
	g.flag("green_source_reduction_project", 0.75)
	g.greenProject(50, 1500)
}

func treatmentProject(g *gen) {
	g.flag("green_emissions_compliant", 0.9)
	g.flag("green_deep_treatment", 0.7)
	g.flag("green_wastewater_characteristic_retrofit", 0.5)
	g.dec("green_effluent_pct_of_standard", g.between(150, 450)) // 15%–45%: the bar is 30%
	if g.chance(0.5) {
		g.wanRange("green_operating_cost", 5, 60)
	}
	g.greenProject(50, 2000)
}

func renewalProject(g *gen) {
	g.set("green_diagnosis_completed", true)
	g.flag("green_diagnosis_renewal", 0.85)
	if g.chance(0.7) {
		g.wanRange("green_renewal_state_support", 20, 500)
	}
	g.greenProject(200, 5000)
}

func heatProject(g *gen) {
	g.flag("green_heat_municipal_subsidised", 0.7)
	g.set("green_heat_technology", g.weighted([]string{"shallow-ground-source", "water-source", "deep-hydrothermal", "reclaimed-water-source",
		"sewage-source", "waste-heat", "green-power-storage", "conventional"}, []int{25, 10, 8, 8, 8, 15, 11, 15}))
	g.greenProject(100, 3000)
}

func carbonNeutralProject(g *gen) {
	g.flag("green_cnas_verified", 0.85)
	g.flag("green_cn_first_certification", 0.8)
	subject := g.weighted([]string{"industrial", "workshop", "non-industrial", "park"}, []int{55, 25, 15, 5})
	g.set("green_cn_subject", subject)
	grid := g.skewed(100, 20000) * 10000
	// Self-generation near the 1:10 (park 1:20) bar, on either side of it.
	self := grid * g.between(6, 16) / 100
	g.dec("green_grid_purchase_kwh", grid*10)
	g.dec("green_self_generation_kwh", self*10)
	g.dec("green_cn_year_consumption_kwh", (grid+self)*10)
	g.flag("green_key_carbon_emitter", 0.4)
	g.flag("green_cn_prior_first_award", 0.2)
}

func verificationProject(g *gen) {
	g.flag("green_tech_verification", 0.8)
	if g.chance(0.75) {
		g.wanRange("green_verification_municipal_support", 50, 500)
	}
}

func challengeProject(g *gen) {
	g.flag("green_challenge_won", 0.4)
	g.wanRange("green_rd_investment", 100, 3000)
}

func fillConstruction(g *gen) {
	g.common(0.4, 0.1)
	g.greenDoc()
	g.flag("green_general_contractor", 0.7)
	g.set("green_safe_site_title", g.weighted([]string{"model-site", "safe-site", "none"}, []int{10, 25, 65}))
	g.flag("green_site_env_penalty", 0.05)
	g.flag("green_site_written_notice", 0.03)
	g.flag("green_site_completed", 0.5)
	g.flag("green_site_electrification_pilot", 0.15)
	if g.flag("green_air_dome_used", 0.15) {
		g.wanRange("green_air_dome_investment", 100, 2000)
		g.greenProject(100, 2500)
	}
	if g.chance(0.3) { // old diesel machinery replaced by electric (29号第21条)
		g.flag("green_machinery_owner", 0.8)
		g.set("green_machine_type", g.weighted([]string{"excavator", "loader", "forklift", "bulldozer", "roller", "other"}, []int{35, 20, 20, 8, 7, 10}))
		g.flag("green_old_machine_diesel", 0.9)
		g.flag("green_old_machine_coded", 0.8)
		g.set("green_old_disposal", g.weighted([]string{"scrapped", "transferred-out", "none"}, []int{80, 12, 8}))
		g.set("green_new_power", g.weighted([]string{"bev", "fcev", "other"}, []int{88, 4, 8}))
		g.flag("green_new_machine_coded", 0.8)
		g.set("green_replaced_count", g.between(1, 6))
		g.set("green_renewed_count", g.between(1, 6))
		if g.chance(0.4) {
			g.wanRange("green_unit_subsidy", 2, 10)
		}
		g.wanRange("green_new_unit_price", 30, 150)
	}
}

func fillLogistics(g *gen) {
	g.common(0.7, 0.03) // the vehicle clauses are for the 60 km² core area
	g.greenDoc()
	// The fleet on file; most firms renewed none of it this year.
	renewing := g.chance(0.45)
	g.flag("green_vehicle_owned", 0.85)
	g.set("green_old_vehicle_fuel", g.weighted([]string{"diesel", "gasoline", "gas", "other"}, []int{70, 18, 9, 3}))
	g.set("green_old_vehicle_kind", g.weighted([]string{"truck", "bus", "special-purpose", "other"}, []int{68, 14, 14, 4}))
	g.set("green_old_vehicle_emission_stage", g.between(3, 6))
	g.wanRange("green_new_unit_price", 20, 80)
	g.set("green_new_power", g.weighted([]string{"bev", "fcev", "other"}, []int{85, 10, 5}))
	g.flag("green_long_term_leased", 0.2)
	if renewing { // fleet renewal (29号第18、20条)
		g.set("green_old_disposal", g.weighted([]string{"scrapped", "transferred-out", "none"}, []int{60, 30, 10}))
		if g.chance(0.55) {
			g.wanRange("green_unit_subsidy", 1, 8)
		}
		g.flag("green_scrapped_within_year_before_deadline", 0.1)
		g.set("green_replaced_count", g.skewed(1, 20))
		g.set("green_renewed_count", g.skewed(1, 20))
		g.flag("green_old_registered_after_issue", 0.03)
	} else {
		g.set("green_old_disposal", "none")
		g.set("green_replaced_count", int64(0))
		g.set("green_renewed_count", int64(0))
	}
	if g.chance(0.7) { // clean freight at the gate (第19条第1项)
		share := g.between(400, 1000)
		g.dec("green_clean_trip_share_pct", share)
		g.dec("green_nev_trip_share_pct", share*g.between(10, 100)/100)
		g.set("green_clean_vehicles", g.skewed(5, 200))
		g.set("green_award_months", g.between(1, 12))
	}
	if g.chance(0.3) {
		g.flag("green_access_networked", 0.8)
		g.set("green_access_control_sets", g.between(1, 8))
	}
}

func fillProperty(g *gen) {
	g.common(0.45, 0.03)
	g.greenDoc()
	kind := g.weighted([]string{"public-retrofit", "green-building", "ultra-low-energy", "none"}, []int{30, 30, 15, 25})
	g.set("green_building_award_kind", kind)
	if kind != "none" && g.chance(0.85) {
		g.wanRange("green_building_municipal_award", 20, 500)
	}
	g.dec("green_building_area_m2", g.skewed(5000, 200000)*10)
	g.wanRange("green_retrofit_investment", 200, 5000)
	g.greenProject(200, 5000)
	if g.chance(0.4) {
		pvProject(g)
	}
	if g.chance(0.3) { // 认建认养 public green land (第40条: more than 0.8 ha)
		g.flag("green_greening_completed", 0.85)
		ha := g.between(30, 300)
		g.f["green_greening_area_ha"] = fmt.Sprintf("%d.%02d", ha/100, ha%100)
		g.set("green_greening_kind", g.weighted([]string{"build", "maintain"}, []int{40, 60}))
	}
}

func fillConsulting(g *gen) {
	g.common(0.4, 0.05)
	g.greenDoc()
	g.flag("green_consulting_unit", 0.9)
	g.set("green_served_units", g.skewed(1, 40))
}

// ---------------------------------------------------------------- 27号 XR, 30号 bonded zone

func fillXR(g *gen) {
	g.common(0.45, 0.04)
	g.titles(0.5, 0.25, 0.05)
	g.sme()
	g.flag("xr_challenge_winner", 0.08)
	g.wanRange("xr_reviewed_amount", 50, 1200)
	g.flag("xr_early_project_selected", 0.1)
	g.flag("xr_early_project_supported_before", 0.03)
	g.flag("xr_shared_platform", 0.05)
	g.wanRange("xr_total_investment", 500, 20000)
	g.flag("xr_startup_or_sme", 0.7)
	if g.chance(0.5) {
		g.wanRange("xr_shared_service_fees", 5, 600)
	} else {
		g.set("xr_shared_service_fees", "0.00")
	}
	if g.flag("xr_mass_production_line", 0.1) {
		g.flag("xr_key_performance_breakthrough", 0.6)
		g.flag("xr_full_chain_delivery", 0.6)
	} else {
		g.set("xr_key_performance_breakthrough", false)
		g.set("xr_full_chain_delivery", false)
	}
	g.flag("xr_integrated_solution", 0.15)
	g.flag("xr_national_excellent_case", 0.05)
	g.flag("xr_excellent_case_awarded_before", 0.02)
	g.flag("xr_experience_store", 0.1)
	g.wanRange("xr_annual_sales", 100, 10000)
	g.flag("xr_purchaser_reviewed", 0.1)
	g.wanRange("xr_purchase_amount", 10, 2000)
	g.flag("xr_vertical_app_excellent", 0.08)
	g.flag("xr_vertical_app_supported_before", 0.02)
}

func fillBonded(g *gen) {
	g.common(0, 0)
	if g.chance(0.95) {
		g.set("zones", []string{"bonded", "yizhuang-225"})
	}
	g.titles(0.35, 0.15, 0.03)
	g.flag("bonded_line_or_equipment", 0.4)
	g.wanRange("bonded_fixed_asset_investment", 500, 30000)
	if g.chance(0.15) {
		g.wanRange("bonded_project_prior_awards", 100, 3000)
	}
	var lines []string
	for _, l := range []struct {
		v string
		p float64
	}{{"manufacturing", 0.5}, {"repair", 0.25}, {"rd", 0.25}, {"other-innovative", 0.15}} {
		if g.chance(l.p) {
			lines = append(lines, l.v)
		}
	}
	if lines == nil {
		lines = []string{}
	}
	g.set("bonded_business_lines", lines)
	out := g.skewed(5000, 500000) * 10000 // 5000万 to 50亿
	g.yuan("bonded_prior_output", out, 10000)
	g.yuan("bonded_output", out*g.between(90, 125)/100, 10000) // the bar is 6% growth
	g.flag("bonded_innovation_award_received", 0.2)
	trade := g.skewed(1000, 300000) * 10000
	g.yuan("bonded_prior_trade", trade, 10000)
	g.yuan("bonded_trade", trade*g.between(85, 130)/100, 10000) // the bar is 10%
	g.flag("bonded_trade_growth_award_received", 0.15)
	g.flag("bonded_tech_service_firm", 0.2)
	g.flag("bonded_tech_award_received", 0.1)
	g.flag("bonded_offshore_incubation", 0.05)
	g.wanRange("bonded_reviewed_amount", 20, 200)
}

// ---------------------------------------------------------------- 25号 finance

func (g *gen) revenues(loWan, hiWan int64) {
	prior := g.skewed(loWan, hiWan) * 10000
	g.yuan("fin_prior_revenue", prior, 10000)
	g.yuan("fin_revenue", prior*g.between(85, 140)/100, 10000) // 15%/18% growth bars
}

func fillBank(g *gen) {
	g.common(0.55, 0.02)
	level := g.weighted([]string{"bank-tier1", "bank-tier2-upgraded", "none"}, []int{25, 15, 60})
	g.set("fin_branch_level", level)
	g.set("fin_is_bank", true)
	g.set("fin_green_finance_banks_ranked", int64(36))
	g.set("fin_green_finance_rank", g.between(1, 36))
	g.set("fin_licensed_legal_entity", false)
	g.set("fin_award_subject_institution", true)
	g.set("fin_subordinate_in_etown", level == "none" && g.chance(0.7))
	g.revenues(2000, 80000)
}

func fillLicensed(g *gen) {
	g.common(0.6, 0)
	sector := g.weighted([]string{"banking", "securities", "insurance", "other"}, []int{30, 25, 30, 15})
	g.set("fin_sector", sector)
	g.set("fin_licensed_legal_entity", true)
	g.set("fin_is_bank", sector == "banking")
	if sector == "banking" {
		g.set("fin_green_finance_banks_ranked", int64(36))
		g.set("fin_green_finance_rank", g.between(1, 36))
	}
	g.set("fin_branch_level", "none")
	g.yuan("fin_paid_in_capital", g.skewed(5, 500)*10000000, 1) // 5000万 to 50亿
	if g.chance(0.3) {
		g.yuan("fin_capital_increase", g.skewed(5, 200)*10000000, 1)
	} else {
		g.set("fin_capital_increase", "0.00")
	}
	g.set("fin_award_subject_institution", true)
	g.set("fin_subordinate_in_etown", false)
	g.revenues(5000, 2000000)
	turnover := g.skewed(50, 5000) * 100000000 // 50亿 to 5000亿: the bar is 500亿
	g.yuan("fin_prior_securities_turnover", turnover, 1)
	g.yuan("fin_securities_turnover", turnover*g.between(80, 130)/100, 10000)
	premium := g.skewed(10, 1000) * 100000000 // the bar is 200亿
	g.yuan("fin_prior_premium_income", premium, 1)
	g.yuan("fin_premium_income", premium*g.between(85, 125)/100, 10000)
}

func fillLocalFinancial(g *gen) {
	g.common(0.5, 0.04)
	kind := g.weighted([]string{"commercial-factoring", "financing-leasing", "financing-guarantee"}, []int{40, 40, 20})
	g.set("fin_local_org_kind", kind)
	brand := g.brand()
	switch kind {
	case "commercial-factoring":
		g.localFinancialName = "北京" + brand + "商业保理有限公司"
	case "financing-leasing":
		g.localFinancialName = brand + "融资租赁（北京）有限公司"
	default:
		g.localFinancialName = "北京" + brand + "融资担保有限公司"
	}
	g.yuan("fin_business_contract_amount", g.skewed(3000, 80000)*10000, 10000) // the bar is 1亿
	g.yuan("fin_financing_provided", g.skewed(2000, 60000)*10000, 10000)
	g.yuan("fin_paid_in_capital", g.skewed(10, 200)*10000000, 1) // the bar is 5亿
	if g.chance(0.2) {
		g.yuan("fin_capital_increase", g.skewed(2, 50)*10000000, 1)
	} else {
		g.set("fin_capital_increase", "0.00")
	}
	g.set("fin_licensed_legal_entity", false)
	g.set("fin_award_subject_institution", true)
	g.set("fin_subordinate_in_etown", false)
	g.revenues(500, 30000)
}

func fillFundManager(g *gen) {
	g.common(0.5, 0.05)
	g.set("fin_fund_manager", true)
	g.yuan("fin_managed_funds_paid_in", g.skewed(2, 200)*10000000, 1) // 2000万 to 20亿: the bar is 1亿
	capital := g.skewed(100, 20000) * 10000
	g.yuan("fin_manager_paid_in_capital", capital, 10000)
	if g.chance(0.25) {
		g.yuan("fin_manager_government_capital", capital*g.between(10, 40)/100, 10000)
	}
	if g.chance(0.2) {
		inc := g.skewed(300, 8000) * 10000 // the bar is 1000万 net of government money
		g.yuan("fin_manager_capital_increase", inc, 10000)
		if g.chance(0.25) {
			g.yuan("fin_manager_increase_government", inc*g.between(10, 40)/100, 10000)
		}
	} else {
		g.set("fin_manager_capital_increase", "0.00")
	}
	g.flag("fin_qflp_pilot_qualified", 0.1)
	if g.flag("fin_qflp_fund_filed", 0.08) {
		g.set("fin_qflp_paid_in_usd", fmt.Sprintf("%d", g.skewed(500, 15000)*10000))
	} else {
		g.set("fin_qflp_paid_in_usd", "0")
	}
	g.set("fin_award_subject_institution", g.chance(0.5))
	g.set("fin_subordinate_in_etown", false)
	g.revenues(200, 20000)
}

func fillVC(g *gen) {
	g.common(0.5, 0.05)
	g.set("fin_vc_institution", true)
	g.flag("fin_startup_investee", 0.8)
	g.flag("fin_first_investment", 0.85)
	inv := g.skewed(200, 5000) * 10000
	g.yuan("fin_investment_amount", inv, 10000)
	if g.chance(0.3) {
		g.yuan("fin_investment_government", inv*g.between(10, 50)/100, 10000)
	}
	g.set("fin_fund_manager", g.chance(0.3))
}

// ---------------------------------------------------------------- 21号, 22号 reading

func fillBookstore(g *gen) {
	g.common(0.8, 0.05)
	g.set("declared_truthful", true)
	g.flag("has_publication_permit", 0.97)
	g.flag("bookstore_premises", 0.96)
	g.flag("publications_main_business", 0.95)
	if g.chance(0.1) { // not yet a year
		g.since("operating_since", g.between(2, 11))
	} else {
		g.since("operating_since", g.between(12, 180))
	}
	area := g.skewed(250, 8000) // tenths of m²
	g.dec("business_area_m2", area)
	share := g.between(51, 92)
	if g.chance(0.08) {
		share = g.between(40, 50) // the publications do not fill half the shop
	}
	g.dec("publication_area_m2", area*share/100)
	books := g.skewed(2000, 30000)
	if g.chance(0.1) {
		books = g.between(1700, 1999) // just short of 2000
	}
	g.set("books_on_shelf", books)
	g.set("publication_varieties", g.skewed(450, 9000))
	g.flag("municipal_bookstore_support", 0.1)
	g.flag("quarter_hour_service", 0.6)
	g.flag("quarter_hour_awarded_before", 0.2)
	g.wanRange("annual_costs", 20, 300)
	g.flag("public_culture_outstanding", 0.15)
	if g.flag("specialized_store", 0.15) || g.chance(0.2) {
		g.dec("specialized_section_m2", g.between(100, 1200))
		g.set("specialized_section_varieties", g.between(100, 900))
	}
	if g.flag("fusion_store", 0.25) || g.chance(0.15) {
		g.dec("fusion_area_m2", g.between(100, 2000))
	}
	events := g.skewed(4, 30)
	if g.chance(0.12) {
		events = g.between(0, 3) // short of the four a year
	}
	g.set("hosted_reading_events", events)
	recs := []map[string]any{}
	for i := int64(0); i < min(events, 24); i++ {
		mode := g.weighted([]string{"offline", "online", "hybrid"}, []int{70, 20, 10})
		rec := map[string]any{
			"name":          "书香亦城·" + g.pick("名家讲坛", "读书沙龙", "亲子共读", "新书分享会", "经典诵读", "科普讲座", "非遗手作与阅读") + fmt.Sprintf("（第%d期）", i+1),
			"minutes":       g.between(30, 150),
			"mode":          mode,
			"activity":      g.weighted([]string{"reading-promotion", "exhibition", "marketing", "low-reading", "internal"}, []int{82, 6, 5, 4, 3}),
			"in_etown":      g.chance(0.95),
			"free_and_open": g.chance(0.92),
		}
		if mode != "online" {
			rec["offline_attendees"] = g.between(6, 80)
		}
		if mode != "offline" {
			rec["online_peak"] = g.between(15, 400)
			rec["online_total"] = g.between(60, 3000)
		}
		recs = append(recs, rec)
	}
	g.set("reading_events", recs)
}

func fillReadingSpace(g *gen) {
	g.common(0.8, 0.05)
	g.set("declared_truthful", true)
	g.flag("space_legal_qualification", 0.95)
	g.flag("space_in_use", 0.95)
	g.flag("space_same_kind_fiscal_support", 0.08)
	g.since("space_opened_on", g.between(3, 96))
	g.flag("space_separate_reading_area", 0.9)
	g.dec("space_reading_area_m2", g.skewed(200, 4000))
	var daily, days int64
	switch x := g.r.Float64(); {
	case x < 0.2: // long hours: the 延时 award needs 9 hours a weekday and 80 a week
		daily, days = g.between(20, 24), 7
	case x < 0.85:
		daily, days = g.between(16, 20), g.between(5, 7)
	default: // short hours: the 运营 award needs 8 a day
		daily, days = g.between(12, 15), g.between(5, 7)
	}
	g.dec("space_daily_open_hours", daily*5)
	g.dec("space_weekly_open_hours", daily*5*days)
	g.dec("space_weekday_open_hours", daily*5+g.between(0, 2)*5)
	g.set("space_publications", g.skewed(800, 8000))
	g.set("space_publication_varieties", g.skewed(420, 3000))
	g.set("space_reading_seats", g.skewed(8, 80))
	g.set("space_hosted_reading_events", g.skewed(2, 48))
	g.flag("space_venue_free_from_government", 0.15)
	g.flag("space_independent", 0.6)
	g.dec("space_service_area_m2", g.skewed(300, 3000))
	g.flag("space_barrier_free_open", 0.7)
	g.flag("space_quarter_hour_service", 0.5)
	g.flag("space_niche_focus", 0.2)
}

func readingSpacePrefix(g *gen) string {
	if g.chance(0.6) {
		return "52" // 民办非企业单位
	}
	return "91"
}

// ---------------------------------------------------------------- names

var (
	brandA = []rune("亦京星博华瑞恒泰达中联宏鼎盛智远嘉睿天云海新东北诚信益康安和元正明通科创优卓凯润")
	brandB = []rune("辰瑞星源拓宇航峰岳川澜翔腾跃晟昊鑫琪玮祺煜昕朗弘毅森林禾丰启泽霖蓝")
)

// brand is a 字号 of two or three characters.
func (g *gen) brand() string {
	s := string(brandA[g.r.IntN(len(brandA))]) + string(brandB[g.r.IntN(len(brandB))])
	if g.chance(0.45) {
		s += string(brandA[g.r.IntN(len(brandA))])
	}
	return s
}

func techName(g *gen) string {
	return "北京" + g.brand() + g.pick("智能", "信息", "生物", "医疗", "软件", "数据", "芯片", "光电", "机器人", "新材料", "网络", "云计算", "智造", "能源") + "科技有限公司"
}

func listingName(g *gen) string {
	return "北京" + g.brand() + g.pick("智能", "生物医药", "半导体", "医疗器械", "信息技术", "新能源", "精密") + g.pick("科技", "技术") + "股份有限公司"
}

func factoryName(g *gen) string {
	return "北京" + g.brand() + g.pick("精密机械", "汽车零部件", "电子制造", "医疗器械", "新能源装备", "包装印刷", "化工材料", "食品", "装备制造", "半导体设备", "涂装", "制药") + "有限公司"
}

func constructionName(g *gen) string {
	return g.pick("北京", "中") + g.brand() + g.pick("建设工程", "建筑工程", "建设集团", "市政工程", "机电安装工程") + "有限公司"
}

func logisticsName(g *gen) string {
	return "北京" + g.brand() + g.pick("物流", "供应链管理", "运输", "冷链物流", "快运") + "有限公司"
}

func propertyName(g *gen) string {
	return "北京" + g.brand() + g.pick("置业", "园区运营管理", "产业园开发", "科技园管理", "物业管理") + "有限公司"
}

func consultingName(g *gen) string {
	return "北京" + g.brand() + g.pick("节能环保咨询", "碳中和技术服务", "低碳科技", "能源管理咨询") + "有限公司"
}

func xrName(g *gen) string {
	return "北京" + g.brand() + g.pick("视界", "虚拟现实", "元境", "光学", "交互", "空间计算", "XR") + "科技有限公司"
}

func bondedName(g *gen) string {
	return "北京" + g.brand() + g.pick("国际贸易", "保税维修", "跨境供应链", "生物医药研发", "集成电路", "航空维修", "检测维修") + "有限公司"
}

func bankName(g *gen) string {
	return g.brand() + "银行股份有限公司北京" + g.pick("经济技术开发区", "亦庄", "荣华路", "科创街", "经海路", "博大路") + g.pick("分行", "支行", "支行")
}

func licensedName(g *gen) string {
	return g.brand() + g.pick("人寿保险", "财产保险", "证券", "消费金融", "金融租赁", "银行", "期货") + "股份有限公司"
}

func fundName(g *gen) string {
	return g.pick("北京", "") + g.brand() + g.pick("私募基金管理", "股权投资基金管理", "资本管理", "投资管理") + "有限公司"
}

func vcName(g *gen) string {
	return "北京" + g.brand() + g.pick("创业投资", "创新投资", "天使投资", "创投") + "有限公司"
}

func bookstoreName(g *gen) string {
	return "北京" + g.brand() + g.pick("书店", "书房文化传播", "图书", "书局", "文化发展") + "有限公司"
}

func readingSpaceName(g *gen) string {
	return "北京经济技术开发区" + g.brand() + g.pick("公共阅读空间", "阅读中心", "城市书房", "社区书屋")
}

func generalName(g *gen) string {
	return "北京" + g.brand() + g.pick("商贸", "餐饮管理", "物业服务", "人力资源", "文化传媒", "广告", "酒店管理", "电子商务", "建材", "汽车服务", "健康管理", "教育咨询") + "有限公司"
}

// ---------------------------------------------------------------- Write

// DemoActor is who Write records in the audit log.
var DemoActor = duixian.Actor{User: "demo-data", Role: duixian.RoleAdmin}

// Write stores enterprises batch at a time (500 when batch < 1), one
// transaction a batch, each enterprise with its own audit entry. An
// enterprise already on file is left as it is. It returns how many were
// written.
func Write(ctx context.Context, db *sqldb.DB, ents []duixian.Enterprise, batch int) (int, error) {
	if batch < 1 {
		batch = 500
	}
	for _, e := range ents {
		if err := duixian.ValidateUSCC(e.USCC); err != nil {
			return 0, err
		}
	}
	written := 0
	for start := 0; start < len(ents); start += batch {
		part := ents[start:min(start+batch, len(ents))]
		n := 0
		err := db.Tx(ctx, func(tx *sqldb.Tx) error {
			var err error
			n, err = writeBatch(tx, part)
			return err
		})
		if err != nil {
			return written, err
		}
		written += n
	}
	return written, nil
}

// Load stores the batches as Write does, all in one transaction made for
// filling an empty registry (sqldb.DB.Load): on a store with enterprises
// it is as correct, but holds the store for the whole load and rebuilds
// its indexes. Nothing is written unless every batch is. It returns how
// many enterprises were written, and how many it was given.
func Load(ctx context.Context, db *sqldb.DB, batches <-chan []duixian.Enterprise) (written, given int, err error) {
	err = db.Load(ctx, func(tx *sqldb.Tx) error {
		for part := range batches {
			n, err := writeBatch(tx, part)
			if err != nil {
				return err
			}
			written, given = written+n, given+len(part)
		}
		return nil
	})
	if err != nil {
		return 0, given, err
	}
	return written, given, nil
}

// writeBatch adds the enterprises of part not yet on file, at version 1,
// each with its audit entry, in the order given.
func writeBatch(tx *sqldb.Tx, part []duixian.Enterprise) (int, error) {
	for _, e := range part {
		if err := duixian.ValidateUSCC(e.USCC); err != nil {
			return 0, err
		}
	}
	now := time.Now()
	at := now.In(duixian.Shanghai).Format(time.RFC3339Nano)
	fresh := make([]duixian.Enterprise, len(part))
	for i, e := range part {
		e.Version, e.Updated = 0, now
		fresh[i] = e
	}
	added, err := tx.AddEnterprises(fresh)
	if err != nil {
		return 0, err
	}
	entries := make([]duixian.AuditEntry, len(added))
	for i, e := range added {
		entries[i] = duixian.AuditEntry{At: at, Actor: DemoActor, Action: "register-enterprise", Subject: e.USCC, After: e.Name}
	}
	return len(added), tx.AuditAll(entries)
}
