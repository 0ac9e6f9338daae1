package sqldb

import (
	"fmt"
	"time"
)

// stampLayout is RFC 3339 in UTC with all nine digits of the fraction.
const stampLayout = "2006-01-02T15:04:05.000000000Z"

// Stamp writes a time as the columns lists are ordered by store it: in UTC,
// the fraction always nine digits wide, so that the order of the text is
// the order of the times on both stores. Times written with their own zone
// and a fraction of varying width ("…10:00:00+08:00" beside
// "…02:00:00.5Z") sorted by the clock of the zone and the digits present,
// not by the instant.
func Stamp(t time.Time) string { return t.UTC().Format(stampLayout) }

// restamp rewrites, as Stamp writes them, the times stored before it was
// used: applications.updated and idempotency.created held RFC 3339 with
// the writer's zone, Shanghai's or UTC.
func restamp(tx *Tx) error {
	for _, c := range []struct{ table, key, col string }{
		{"applications", "id", "updated"},
		{"idempotency", "key", "created"},
	} {
		if err := restampColumn(tx, c.table, c.key, c.col); err != nil {
			return err
		}
	}
	return nil
}

func restampColumn(tx *Tx, table, key, col string) error {
	rows, err := tx.tx.QueryContext(tx.ctx, `SELECT `+key+`, `+col+` FROM `+table)
	if err != nil {
		return err
	}
	type change struct{ key, stamp string }
	var changes []change
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return err
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			rows.Close()
			return fmt.Errorf("%s %s: %s %q is not an RFC 3339 time: %w", table, k, col, v, err)
		}
		if s := Stamp(t); s != v {
			changes = append(changes, change{k, s})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, c := range changes {
		if _, err := tx.exec(`UPDATE `+table+` SET `+col+` = ? WHERE `+key+` = ?`, c.stamp, c.key); err != nil {
			return err
		}
	}
	return nil
}
