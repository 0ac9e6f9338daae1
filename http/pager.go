package http

import (
	"net/url"
	"strconv"

	"github.com/etown/duixian"
)

// Pager is where a page of a list sits: its first and last item (counted
// from 1) of how many, and the addresses of the pages before and after it
// ("" at either end). The addresses keep the list's filters and order, so
// a view can be bookmarked. A list read by keyset (duixian.Page) knows only
// its next page, and leaves the counts and Prev empty.
type Pager struct {
	From, To, Total int
	Prev, Next      string
}

// pageOf cuts page ?page= (from 1) of size items out of rows, a list that
// is small and held whole (the catalogue's clauses), with the pager's
// addresses: the query qs with another page.
func pageOf[T any](rows []T, qs url.Values, size int) ([]T, Pager, error) {
	n := 1
	if s := qs.Get("page"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 1 {
			return nil, Pager{}, duixian.Errorf(duixian.EINVALID, "page", "页码应为正整数，收到“%s”", "page must be a whole number from 1, got %q", s)
		}
	}
	p := Pager{Total: len(rows)}
	first := (n - 1) * size
	if first >= len(rows) {
		first = max(0, (len(rows)-1)/size*size) // past the end: the last page
		n = first/size + 1
	}
	last := min(first+size, len(rows))
	if len(rows) > 0 {
		p.From, p.To = first+1, last
	}
	at := func(page int) string {
		q := url.Values{}
		for k, v := range qs {
			if k != "page" && len(v) > 0 && v[0] != "" {
				q[k] = v
			}
		}
		if page > 1 {
			q.Set("page", strconv.Itoa(page))
		}
		return "?" + q.Encode()
	}
	if n > 1 {
		p.Prev = at(n - 1)
	}
	if last < len(rows) {
		p.Next = at(n + 1)
	}
	return rows[first:last], p, nil
}

// keysetNext is the address of a keyset list's next page: the query qs
// with the cursor after; "" when there is none.
func keysetNext(qs url.Values, after string) string {
	if after == "" {
		return ""
	}
	q := url.Values{}
	for k, v := range qs {
		if k != "after" && len(v) > 0 && v[0] != "" {
			q[k] = v
		}
	}
	q.Set("after", after)
	return "?" + q.Encode()
}
