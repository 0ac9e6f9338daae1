package main

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// columns writes a row of a terminal table: each cell padded to its
// column's width as a terminal shows it, where a Chinese character takes
// two places (fmt's %-22s counts it as one, and the columns drift); a
// positive width pads on the right (text), a negative one on the left
// (numbers).
func columns(widths []int, cells ...string) string {
	var b strings.Builder
	for i, c := range cells {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := widths[i]
		gap := max(abs(w)-displayWidth(c), 0)
		if w < 0 {
			b.WriteString(strings.Repeat(" ", gap))
		}
		b.WriteString(c)
		if w > 0 && i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", gap))
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// displayWidth is how many places s takes on a terminal.
func displayWidth(s string) int {
	n := 0
	for len(s) > 0 {
		p, size := width.LookupString(s)
		switch p.Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
		if size == 0 {
			_, size = utf8.DecodeRuneInString(s)
		}
		s = s[size:]
	}
	return n
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// table gathers rows and writes them with every column as wide as its
// widest cell as a terminal shows it (text/tabwriter counts a Chinese
// character as one place), two spaces between columns.
type table struct {
	rows  [][]string
	plain map[int]bool // rows written as they are, outside the columns
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// line adds a line between the rows that takes no part in the columns (a
// heading).
func (t *table) line(s string) {
	if t.plain == nil {
		t.plain = map[int]bool{}
	}
	t.plain[len(t.rows)] = true
	t.add(s)
}

func (t *table) write(w io.Writer) error {
	var widths []int
	for n, r := range t.rows {
		if t.plain[n] {
			continue
		}
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c)+1)
		}
	}
	for n, r := range t.rows {
		line := r[0]
		if !t.plain[n] {
			line = columns(widths, r...)
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
