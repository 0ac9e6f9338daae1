package duixian

import (
	"slices"
	"strings"
	"time"
)

// Round is an application round (申报批次): the 申报指南 a department
// publishes for a document's clauses and a year (21号第十二条（一）, 22号第十条
// （一）: 每年编制扶持项目申报指南……向社会公开发布), with the window in
// which applications are taken (（二）: 应在规定时间内……申报). Under a
// document whose procedure takes applications in rounds, a clause is
// applied for only while a round covering it is open.
type Round struct {
	ID         string `json:"id"`
	Document   string `json:"document"`
	Department string `json:"department"`
	// Clauses are the clauses the round takes; empty: every clause of the
	// document.
	Clauses []string `json:"clauses,omitempty"`
	Year    int      `json:"year"` // the support year (年度) the guide is for
	Title   string   `json:"title"`
	Text    string   `json:"text"` // the guide: directions, conditions, procedure
	// Opens and Closes are the first and last day applications are taken,
	// in Asia/Shanghai.
	Opens  Date `json:"opens"`
	Closes Date `json:"closes"`
	// Budget is the round's funds (0: none set); a plan whose awards exceed
	// it reduces them pro rata (ProRata).
	Budget Money `json:"budget_fen,omitempty"`
	// Offers binds 免申即享 offers to the round: confirmed only while it is
	// open. Without it an offer is confirmed any day.
	Offers bool `json:"offers,omitempty"`

	By        string    `json:"by"`
	Published time.Time `json:"published"`
}

// Covers reports whether the round takes applications for clause.
func (r *Round) Covers(clause string) bool {
	if len(r.Clauses) == 0 {
		return strings.HasPrefix(clause, r.Document+"/")
	}
	return slices.Contains(r.Clauses, clause)
}

// OpenOn reports whether applications are taken on day d.
func (r *Round) OpenOn(d Date) bool { return !d.Before(r.Opens) && !d.After(r.Closes) }
