package simulation

import "github.com/etown/duixian/engine"

// ArticleChange is one article the reform words otherwise: its text in
// force and in the reform, cut into what both share and what changed.
type ArticleChange struct {
	Document string // 21号
	Label    string // 第七条（一）
	// Status: changed, added (only the reform has it), removed.
	Status  string
	InForce []Segment
	Reform  []Segment
}

// Segment is a run of an article's text, changed or shared by both.
type Segment struct {
	Text    string
	Changed bool
}

// Changes lists, for each document of the reform, the articles whose text
// differs from the law in force, in the reform's order (then those it
// removes).
func (r *Reform) Changes(base *engine.Catalogue) []ArticleChange {
	var out []ArticleChange
	for _, id := range r.Documents {
		rd, ok := r.Catalogue.Document(id)
		if !ok {
			continue
		}
		old := map[string]*engine.Article{}
		var order []*engine.Article
		if bd, ok := base.Document(id); ok {
			for _, a := range bd.Articles {
				old[a.ID] = a
				order = append(order, a)
			}
		}
		seen := map[string]bool{}
		for _, a := range rd.Articles {
			seen[a.ID] = true
			b, ok := old[a.ID]
			switch {
			case !ok:
				out = append(out, ArticleChange{Document: rd.Short, Label: a.Label, Status: "added", Reform: []Segment{{a.Text, true}}})
			case b.Text != a.Text:
				before, after := diff([]rune(b.Text), []rune(a.Text))
				out = append(out, ArticleChange{Document: rd.Short, Label: a.Label, Status: "changed", InForce: before, Reform: after})
			}
		}
		for _, a := range order {
			if !seen[a.ID] {
				out = append(out, ArticleChange{Document: rd.Short, Label: a.Label, Status: "removed", InForce: []Segment{{a.Text, true}}})
			}
		}
	}
	return out
}

// maxDiffCells bounds the table of the longest common subsequence: past
// it, the middle of the two texts (after what they share at both ends) is
// shown changed whole.
const maxDiffCells = 4 << 20

// diff cuts a and b into segments, those outside their longest common
// subsequence of characters marked changed.
func diff(a, b []rune) ([]Segment, []Segment) {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	s := 0
	for s < len(a)-p && s < len(b)-p && a[len(a)-1-s] == b[len(b)-1-s] {
		s++
	}
	ma, mb := a[p:len(a)-s], b[p:len(b)-s]
	var ka, kb []bool // kept (shared) characters of the middles
	if len(ma)*len(mb) <= maxDiffCells {
		ka, kb = lcs(ma, mb)
	} else {
		ka, kb = make([]bool, len(ma)), make([]bool, len(mb))
	}
	return segments(a, p, s, ka), segments(b, p, s, kb)
}

// lcs marks the characters of a and b in a longest common subsequence.
func lcs(a, b []rune) ([]bool, []bool) {
	n, m := len(a), len(b)
	t := make([]int32, (n+1)*(m+1))
	at := func(i, j int) *int32 { return &t[i*(m+1)+j] }
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				*at(i, j) = *at(i+1, j+1) + 1
			} else {
				*at(i, j) = max(*at(i+1, j), *at(i, j+1))
			}
		}
	}
	ka, kb := make([]bool, n), make([]bool, m)
	for i, j := 0, 0; i < n && j < m; {
		switch {
		case a[i] == b[j]:
			ka[i], kb[j] = true, true
			i++
			j++
		case *at(i+1, j) >= *at(i, j+1):
			i++
		default:
			j++
		}
	}
	return ka, kb
}

// segments is text cut into runs: p shared characters, the middle marked
// by kept, s shared characters.
func segments(text []rune, p, s int, kept []bool) []Segment {
	var out []Segment
	add := func(r rune, changed bool) {
		if n := len(out); n > 0 && out[n-1].Changed == changed {
			out[n-1].Text += string(r)
			return
		}
		out = append(out, Segment{string(r), changed})
	}
	for i, r := range text {
		switch {
		case i < p || i >= len(text)-s:
			add(r, false)
		default:
			add(r, !kept[i-p])
		}
	}
	return out
}
