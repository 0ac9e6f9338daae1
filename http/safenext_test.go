package http

import "testing"

// After sign-in, next must stay on this site: a backslash, a tab or a
// scheme would let a crafted link send the user elsewhere.
func TestSafeNext(t *testing.T) {
	for next, want := range map[string]string{
		"/my":                       "/my",
		"/apply/jjgf-2025-21/7.1?x": "/apply/jjgf-2025-21/7.1?x",
		"//evil.example":            "/",
		"/\\evil.example":           "/",
		"/\t/evil.example":          "/",
		"/\n/evil.example":          "/",
		"https://evil.example":      "/",
		"evil.example":              "/",
		"/%5Cevil.example":          "/%5Cevil.example", // stays a path on this site
	} {
		if got := safeNext(next); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", next, got, want)
		}
	}
}

// Signed-in pages and API answers are never cached; static assets may be.
func TestCacheControl(t *testing.T) {
	_, ts := entServer(t)
	b := entSignIn(t, ts, "bookstore")
	for path, want := range map[string]string{"/my": "no-store", "/api/v1/applications": "no-store", "/": "no-store", "/static/site.css": ""} {
		resp, _ := b.get(path)
		if got := resp.Header.Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control %q, want %q", path, got, want)
		}
	}
}
