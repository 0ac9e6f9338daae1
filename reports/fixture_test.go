package reports_test

import (
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/catalogue"
	"github.com/etown/duixian/engine"
)

// today is the day the fixtures are reported on.
var today = duixian.Date{Year: 2026, Month: 6, Day: 30}

func clock() time.Time { return time.Date(2026, 6, 30, 10, 0, 0, 0, duixian.Shanghai) }

var loaded *engine.Catalogue

func loadCatalogue(tb testing.TB) *engine.Catalogue {
	tb.Helper()
	if loaded == nil {
		cat, err := engine.Load(catalogue.FS)
		if err != nil {
			tb.Fatal(err)
		}
		loaded = cat
	}
	return loaded
}
