// Package land keeps industrial-land planning cases (京技管发〔2025〕20号): who
// may apply, which review path applies, the steps from the holder's plan to
// registration, and the land price due.
//
// A case is a versioned record (kind "land-case", subject the holder's USCC)
// that walks this state machine; every step names the role and department
// that may take it, and the engine decides what the document decides:
//
//	start (enterprise, 第二条; clause 5 gives the path)
//	  │ path 无需编制方案 (第三条（五）): the plan is skipped
//	  ▼
//	plan ──plan (the holder)──▶ review
//	review: consult (规自分局: 多规合一 platform, departments and utilities)
//	        opinion (the department consulted, or 规自分局 recording the
//	                 platform's answer); return (规自分局, back to plan)
//	review ──review (规自分局; every opinion in)──▶ reviewed
//	reviewed ──notice (规自分局; start + working days)──▶ notice
//	notice ──committee (管委会; after the notice ends; 同步审查 with the
//	                    renewal plan, 书面报请 with the written submission,
//	                    otherwise 会议审查)──▶ committee-passed | rejected
//	committee-passed ──approval (规自分局, 审定意见)──▶ approved
//	approved ──contract (开发建设局; clause 6 computes the land price)──▶ contracted
//	contracted ──registration (土储建设中心, or 规自分局 for the 过渡期
//	                           annotation on the planning permit; clause 7
//	                           gives the annotation)──▶ closed
//
// Before the committee passes it, 规自分局 may reject a case under review
// and the holder may withdraw it. A refused attempt changes nothing and is
// written to the audit log; every change is written with its audit entry in
// one transaction.
//
// The trial year of 20号 (第十条) ends on 2026-10-13. An administrator can
// record a revision that extends it (kind "land-trial"); the catalogue is
// not edited: when the engine refuses a case only because the application
// date is after the trial, and a recorded revision covers that date, the
// service evaluates as of the last day of the original trial and says so in
// the trace, citing the revision.
package land

import (
	"time"

	"github.com/etown/duixian/calendar"
	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Service runs land-planning cases.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
	Now       func() time.Time
	// Calendar counts the working days of the public notice; nil means
	// calendar.Default().
	Calendar *calendar.Calendar
}

// New returns the service on the real clock.
func New(db *sqldb.DB, cat *engine.Catalogue) *Service {
	return &Service{DB: db, Catalogue: cat, Now: time.Now, Calendar: calendar.Default()}
}

func (s *Service) calendar() *calendar.Calendar {
	if s.Calendar != nil {
		return s.Calendar
	}
	return calendar.Default()
}

// The document and its clauses.
const (
	Document         = "jjgf-2025-20"
	ClausePath       = "jjgf-2025-20/5" // 审查路径（classification）
	ClausePrice      = "jjgf-2025-20/6" // 应补缴土地价款（due）
	ClauseAnnotation = "jjgf-2025-20/7" // 不动产登记与规划许可注记（classification）
)

// Record kinds.
const (
	KindCase  = "land-case"
	KindTrial = "land-trial"
)

// Review paths: the outcomes of clause 5.
const (
	PathNoPlan  = "无需编制方案"
	PathRenewal = "与城市更新实施方案同步审查"
	PathWritten = "书面报请审查"
	PathFull    = "完整审查程序"
)

// Annotations: the outcomes of clause 7.
const (
	AnnotationFAR        = "增加容积率未补缴地价款部分注记"
	AnnotationTransition = "过渡期政策注记"
	AnnotationNone       = "无需注记"
)

// Departments that act on a case. Planning and Development are the
// departments of clauses 5 and 6 in the catalogue (a test checks it).
// 管委会 decisions are recorded by a reviewer of department 管委会 (the
// committee's office), not by a system administrator: an administrator
// keeps the platform, a committee decision is business of the committee.
const (
	DeptPlanning    = "规自分局"
	DeptDevelopment = "开发建设局"
	DeptCommittee   = "管委会"
	DeptRegistry    = "土储建设中心" // 第七条（一）（二）: 不动产登记
)
