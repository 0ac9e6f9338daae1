package main

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/etown/duixian"
	"github.com/etown/duixian/matching"
)

// An enterprise named like a formula is written as text: a spreadsheet
// opening offers.csv must not run =HYPERLINK(…).
func TestOffersCSVIsInert(t *testing.T) {
	page := &matching.Page{Offers: []matching.Offer{{Enterprise: "91110302MA01ABCD1X", Name: `=HYPERLINK("http://evil.example","点此领取")`,
		Decision: duixian.Decision{Clause: "jjgf-2025-21/7.1", Title: "“一刻钟”建设奖励", Eligible: true, Amount: 120000 * duixian.Yuan}}}}
	var b bytes.Buffer
	s := newCSVSink(&b)
	if err := s.page(page); err != nil {
		t.Fatal(err)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("%v %v", rows, err)
	}
	if got := rows[1][1]; got != `'=HYPERLINK("http://evil.example","点此领取")` {
		t.Errorf("name cell %q", got)
	}
	if got := rows[1][6]; got != "120000.00" {
		t.Errorf("amount cell %q", got)
	}
}

// The progress bar counts in whole numbers: 1,000 of 4,000 done in two
// seconds is about 500 a second with six seconds left.
func TestProgressBar(t *testing.T) {
	var b bytes.Buffer
	p := &progressBar{w: &b, start: time.Now().Add(-2 * time.Second), on: true}
	p.show(1000, 4000)
	out := b.String()
	if !strings.Contains(out, "1000/4000 家企业") || !strings.Contains(out, "预计剩余 6s") ||
		!(strings.Contains(out, "· 500 家/秒") || strings.Contains(out, "· 499 家/秒")) {
		t.Fatalf("%q", out)
	}
	b.Reset()
	(&progressBar{w: &b, start: time.Now(), on: false}).show(1, 2)
	if b.Len() != 0 {
		t.Fatal("a bar shown off a terminal")
	}
}
