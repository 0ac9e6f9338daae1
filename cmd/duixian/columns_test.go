package main

import "testing"

// A Chinese character takes two places on a terminal: a header of Chinese
// words and a row of ASCII line up column by column.
func TestColumnsAlignChinese(t *testing.T) {
	widths := []int{22, -10, -14}
	head := columns(widths, "条款", "现行可享", "现行金额(元)")
	row := columns(widths, "jjgf-2025-21/7.1", "12", "1440000.00")
	if head != "条款                     现行可享   现行金额(元)" || row != "jjgf-2025-21/7.1               12     1440000.00" {
		t.Fatalf("\n%q\n%q", head, row)
	}
	if displayWidth(head) != displayWidth(row) || displayWidth(head) != 22+1+10+1+14 {
		t.Fatalf("widths %d and %d", displayWidth(head), displayWidth(row))
	}
}
