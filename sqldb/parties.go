package sqldb

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/etown/duixian"
)

// The parties column lists who besides the responsible department takes
// part in an application, each between "|": "|expert:zhang|consulted:
// 营商环境建设局|answered:营商环境建设局|". An expert's and a co-reviewing department's lists select
// on it in the statement, so that they are paged like any other.

func expertParty(user string) string    { return "expert:" + user }
func consultedParty(dept string) string { return "consulted:" + dept }
func answeredParty(dept string) string  { return "answered:" + dept }

func partiesOf(a *duixian.Application) string {
	var b strings.Builder
	add := func(p string) {
		if !strings.Contains(b.String(), "|"+p+"|") {
			if b.Len() == 0 {
				b.WriteString("|")
			}
			b.WriteString(p + "|")
		}
	}
	for _, e := range a.Experts {
		add(expertParty(e))
	}
	for _, o := range a.Opinions {
		add(consultedParty(o.Department))
		if !o.Given.IsZero() {
			add(answeredParty(o.Department))
		}
	}
	return b.String()
}

// partyPattern is the LIKE pattern of one party, its own % and _ escaped.
func partyPattern(p string) string {
	return "%|" + likeEscape(p) + "|%"
}

// likeEscape escapes LIKE's wildcards (and its escape) in s, so that s
// matches only itself in a pattern written with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// fillParties writes the parties of the applications stored before the
// column was.
func fillParties(tx *Tx) error {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT id, doc FROM applications`)
	if err != nil {
		return err
	}
	type change struct{ id, parties string }
	var changes []change
	for rows.Next() {
		var id, doc string
		if err := rows.Scan(&id, &doc); err != nil {
			rows.Close()
			return err
		}
		var a duixian.Application
		if err := json.Unmarshal([]byte(doc), &a); err != nil {
			rows.Close()
			return fmt.Errorf("application %s: %w", id, err)
		}
		if p := partiesOf(&a); p != "" {
			changes = append(changes, change{id, p})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range changes {
		if _, err := tx.exec(`UPDATE applications SET parties = ? WHERE id = ?`, c.parties, c.id); err != nil {
			return err
		}
	}
	return nil
}
