package duixian

// Lists are read a page at a time, never whole: a page holds at most
// MaxPageSize items, DefaultPageSize when the reader does not say.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Page is one page of a list, and the cursor the next page starts after
// ("" on the last page). As JSON: {"items": […], "next": "…"}.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}

// PageSize checks the number of items a reader asked for: 0 (not asked)
// is DefaultPageSize.
func PageSize(n int) (int, error) {
	switch {
	case n == 0:
		return DefaultPageSize, nil
	case n < 0 || n > MaxPageSize:
		return 0, Errorf(EINVALID, "limit", "每页条数应为1至%d，收到%d", "limit must be 1 to %d, got %d", MaxPageSize, n)
	}
	return n, nil
}

// PageRequest is the page of a list a reader asks for: the items after a
// cursor (a page's Next; "" for the first page), Limit of them (0 for
// DefaultPageSize).
type PageRequest struct {
	After string
	Limit int
}
