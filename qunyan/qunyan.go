// Package qunyan keeps the 群雁计划 registry (京技管发〔2025〕26号): filings,
// the tier the engine proposes and the official confirms, and the dynamic
// management that takes members out when an exit condition of 附则3 holds.
package qunyan

import (
	"time"

	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Service runs the registry.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
	Now       func() time.Time
}

// New returns the registry service on the real clock.
func New(db *sqldb.DB, cat *engine.Catalogue) *Service {
	return &Service{DB: db, Catalogue: cat, Now: time.Now}
}
