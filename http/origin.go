package http

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies in front of the server (nginx
// terminating TLS): only from their addresses are X-Forwarded-Proto and
// X-Forwarded-For believed. Anyone else can write those headers, so from
// anyone else they are ignored.
type Proxies []netip.Prefix

// ParseProxies reads addresses and CIDR ranges ("127.0.0.1",
// "10.0.0.0/8"), as serve's --trusted-proxy takes them.
func ParseProxies(list []string) (Proxies, error) {
	var p Proxies
	for _, s := range list {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "/") {
			a, err := netip.ParseAddr(s)
			if err != nil {
				return nil, err
			}
			p = append(p, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		pr, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, err
		}
		p = append(p, pr.Masked())
	}
	return p, nil
}

func (p Proxies) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, pr := range p {
		if pr.Contains(a) {
			return true
		}
	}
	return false
}

// origin is where a request comes from: the client's address and whether
// it reached us over TLS. From a trusted proxy, the client is the last
// address in X-Forwarded-For that is not itself a trusted proxy, and TLS is
// what X-Forwarded-Proto says the proxy was spoken to with.
func (p Proxies) origin(r *http.Request) (client string, secure bool) {
	client, secure = peer(r), r.TLS != nil
	if !p.forwarded(r) {
		return client, secure
	}
	if proto, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ","); strings.EqualFold(strings.TrimSpace(proto), "https") {
		secure = true
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // what comes before a malformed hop cannot be traced
		}
		client = h.Unmap().String()
		if !p.trusts(h) {
			break
		}
	}
	return client, secure
}

// forwarded reports whether r comes from a trusted proxy.
func (p Proxies) forwarded(r *http.Request) bool {
	a, err := netip.ParseAddr(peer(r))
	return err == nil && p.trusts(a)
}

// requestID is the id a trusted proxy gave the request (nginx's
// $request_id in X-Request-Id), so that its log and ours name the request
// alike, or else a new one. An id is at most 64 letters, digits and
// dashes: anything else is not put into the log.
func (p Proxies) requestID(r *http.Request) string {
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 && p.forwarded(r) &&
		!strings.ContainsFunc(id, func(c rune) bool {
			return !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z')
		}) {
		return id
	}
	return newRequestID()
}

// peer is the address of the other end of the connection.
func peer(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// requestInfo is what the server knows of a request beyond net/http: its
// id (in the X-Request-Id answer header and the log), its origin, and who
// turned out to be signed in, for the access log.
type requestInfo struct {
	id     string
	client string
	secure bool
	user   string
}

type requestInfoKey struct{}

func withRequestInfo(r *http.Request, info *requestInfo) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
}

// infoOf is the request's info; a request that did not come through
// ServeHTTP (a handler called directly) gets one from its connection alone.
func infoOf(r *http.Request) *requestInfo {
	if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
		return info
	}
	return &requestInfo{client: peer(r), secure: r.TLS != nil}
}

func newRequestID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// hsts asks browsers to use only HTTPS with this site for a year once they
// have reached it over HTTPS. Not includeSubDomains: other hosts of the
// domain are not this server's to decide.
const hsts = "max-age=31536000"

// setCookie sets a cookie, Secure when the request came over TLS (directly
// or through a trusted proxy), so the browser never sends it in clear.
func (q *Request) setCookie(c *http.Cookie) {
	c.Secure = infoOf(q.R).secure
	http.SetCookie(q.W, c)
}
