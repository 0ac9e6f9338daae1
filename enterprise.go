package duixian

import (
	"encoding/json"
	"time"
)

// Enterprise is the platform's file on one enterprise (一企一档): its
// identity, the shared facts government data gives about it (zones, titles,
// penalty and dishonest-list records, as catalogue facts), and its bans.
// Those facts override what an applicant types: an enterprise cannot claim
// to be in the 60 km² area if the registry says otherwise.
type Enterprise struct {
	USCC    string          `json:"uscc"`
	Name    string          `json:"name"`
	Facts   json.RawMessage `json:"facts,omitempty"`
	Bans    []Ban           `json:"bans,omitempty"`
	Updated time.Time       `json:"updated"`
	Version int             `json:"version"`
}

// Ban bars an enterprise from one document's awards after false materials
// were found (21号第十四条: 三年内不得再次申报扶持项目).
type Ban struct {
	Document    string `json:"document"`
	From        Date   `json:"from"`
	Until       Date   `json:"until"` // last day of the ban
	Application string `json:"application"`
	Cite        Cite   `json:"cite"`
}

// Active reports whether the ban covers day d.
func (b Ban) Active(d Date) bool { return !d.Before(b.From) && !d.After(b.Until) }
