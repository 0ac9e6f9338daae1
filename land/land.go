// Package land keeps industrial-land planning cases (京技管发〔2025〕20号): who
// may apply, which review path applies, the steps from the holder's plan to
// registration, and the land price due.
package land

import (
	"time"

	"github.com/etown/duixian/engine"
	"github.com/etown/duixian/sqldb"
)

// Service runs land-planning cases.
type Service struct {
	DB        *sqldb.DB
	Catalogue *engine.Catalogue
	Now       func() time.Time
}

// New returns the service on the real clock.
func New(db *sqldb.DB, cat *engine.Catalogue) *Service {
	return &Service{DB: db, Catalogue: cat, Now: time.Now}
}
