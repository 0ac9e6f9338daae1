package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/etown/duixian/matching"
	"github.com/etown/duixian/sqldb"
)

// duixian match --store runs what /offers starts, in this process: the
// offers land in the platform, as many as match counts, each enterprise
// finds its own; run again, nothing new is stored; with --out it is
// refused.
func TestMatchStore(t *testing.T) {
	db := filepath.Join(t.TempDir(), "d.db")
	if code, out, errs := runCmd(t, "", "demo-data", "--enterprises", "600", "--seed", "5", "--db", db); code != 0 {
		t.Fatalf("demo-data: %d %s %s", code, out, errs)
	}
	args := []string{"match", "--date", "2026-06-30", "--as-of", "2026-12-03", "--db", db}
	_, plain, _ := runCmd(t, "", args...)
	offers := regexp.MustCompile(`：(\d+) 项可享`).FindStringSubmatch(plain)
	code, out, errs := runCmd(t, "", append(args, "--store")...)
	stored := regexp.MustCompile(`(\d+) 项可享.*，(\d+) 项存入平台`).FindStringSubmatch(out)
	if code != 0 || offers == nil || stored == nil || stored[1] != offers[1] || stored[2] != offers[1] || offers[1] == "0" {
		t.Fatalf("store: exit %d\n%s\n%s\nmatch: %s", code, out, errs, plain)
	}
	ctx := context.Background()
	store, err := openDB(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	n, _ := strconv.Atoi(offers[1])
	counted, enterprises := 0, 0
	for _, e := range registryCodes(t, store) {
		got, err := matching.Offers(ctx, store, e)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range got {
			if o.Enterprise != e {
				t.Fatalf("%s's list holds %s's offer", e, o.Enterprise)
			}
		}
		counted += len(got)
		if len(got) > 0 {
			enterprises++
		}
	}
	if counted != n || enterprises == 0 {
		t.Fatalf("%d offers stored, %d printed", counted, n)
	}
	if code, out, _ := runCmd(t, "", append(args, "--store")...); code != 0 || !strings.Contains(out, "，0 项存入平台") {
		t.Fatalf("again: exit %d %s", code, out)
	}
	if code, _, errs := runCmd(t, "", append(args, "--store", "--out", "x.csv")...); code != 2 || !strings.Contains(errs, "--store") {
		t.Fatalf("--store with --out: exit %d %s", code, errs)
	}
}

// registryCodes are the USCCs of every enterprise on file.
func registryCodes(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	var out []string
	if err := db.Read(context.Background(), func(tx *sqldb.Tx) error {
		es, err := tx.Enterprises()
		for _, e := range es {
			out = append(out, e.USCC)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}
