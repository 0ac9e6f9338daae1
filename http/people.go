package http

import (
	"context"
	"slices"
)

// People gives the names people are known by for their sign-in names
// (package account), so that a history reads 王工, not tech.
type People interface {
	DisplayNames(ctx context.Context, names []string) (map[string]string, error)
}

// personNames reads the display names of the sign-in names given, at once,
// and returns what shows a sign-in name: its person's name where the
// platform knows one, else the name itself (a visitor's public@…, a
// system actor). Without a People (a test's fakes) every name shows as it is.
func personNames(ctx context.Context, p People, names []string) (func(string) string, error) {
	known := map[string]string{}
	if p != nil {
		uniq := slices.Compact(slices.Sorted(slices.Values(names)))
		var err error
		if known, err = p.DisplayNames(ctx, uniq); err != nil {
			return nil, err
		}
	}
	return func(name string) string {
		if d, ok := known[name]; ok {
			return d
		}
		return name
	}, nil
}
