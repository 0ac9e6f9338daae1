// Package sso signs people in through an OpenID Connect provider (single
// sign-on, 统一身份认证): the authorization code flow with PKCE, as a
// relying party built on github.com/zitadel/oidc/v3.
//
// The provider's endpoints and keys are found by discovery from its issuer
// URL. Begin sends the browser to the provider with a fresh state, nonce
// and PKCE challenge; they travel to the callback in a cookie sealed
// (encrypted and authenticated) with a key derived from the client secret,
// so that any instance of the platform can finish a sign-in another began
// and nothing is stored for a visitor who never comes back. Finish checks
// the state against the cookie, exchanges the code with the PKCE verifier
// and the client secret, and checks the ID token: its signature against
// the provider's published keys, its issuer, its audience (this client,
// and no one untrusted), its expiry and its nonce. What account the identity signs in is package
// account's business.
package sso

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"golang.org/x/oauth2"

	"github.com/etown/duixian"
)

// Config is how the platform is registered at the provider.
type Config struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer/.well-known/openid-configuration, which must name the same
	// issuer.
	Issuer       string
	ClientID     string
	ClientSecret string
	// RedirectURL is this platform's callback, …/login/sso/callback
	// (CallbackPath), as registered at the provider.
	RedirectURL string
	// PostLogoutURL is where the provider sends the browser back after
	// signing out there, as registered at it; default: the platform's home
	// page, RedirectURL without login/sso/callback.
	PostLogoutURL string
	// Scopes asked for; default openid, profile and email. A provider may
	// release a USCC claim only under a scope of its own.
	Scopes []string
	// USCCClaim names the claim holding the USCC of the enterprise the
	// person acts for; "" maps no one to an enterprise.
	USCCClaim string
	// OfficialClaim names the claim holding an official's account name
	// here (preferred_username, or email: then email_verified must be
	// true); "" maps no one to an official.
	OfficialClaim string
	// TrustedAudiences may stand in an ID token's audience beside the
	// client id (some providers add a project's id); any other audience is
	// refused, as OpenID Connect Core 3.1.3.7 asks.
	TrustedAudiences []string
	// HTTPClient calls the provider; default: one with a 10-second timeout.
	HTTPClient *http.Client
}

// Default claim names and scopes.
const (
	DefaultUSCCClaim     = "uscc"
	DefaultOfficialClaim = "preferred_username"
)

// DefaultScopes are asked for unless Config.Scopes says otherwise.
var DefaultScopes = []string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail}

// CookieName is the cookie that carries a sign-in from Begin to Finish;
// CookiePath covers both routes; CookieAge is how long a sign-in may take.
// CallbackPath is where the provider sends the browser back.
const (
	CookieName   = "duixian_sso"
	CookiePath   = "/login/sso"
	CookieAge    = 10 * time.Minute
	CallbackPath = "/login/sso/callback"
)

// Unavailable is the code of an error meaning the provider cannot be
// reached or did not describe itself as configured (HTTP 503).
const Unavailable = "unavailable"

var errUnavailable = &duixian.Error{Code: Unavailable, Zh: "统一身份认证服务暂不可用，请稍后再试，或使用用户名和密码登录",
	En: "single sign-on is unavailable at the moment; try again later, or sign in with your user name and password"}

// Provider is the relying party of one provider.
type Provider struct {
	cfg     Config
	cookies *securecookie.SecureCookie

	mu    sync.Mutex
	party rp.RelyingParty // nil until discovery has succeeded
}

// New checks cfg and returns the provider's relying party; it does not
// call the provider yet (Discover does, and the first sign-in if it has
// not), so that the platform starts while the provider is down.
func New(cfg Config) (*Provider, error) {
	bad := func(field, zh, en string) error {
		return &duixian.Error{Code: duixian.EINVALID, Field: field, Zh: zh, En: en}
	}
	for _, u := range []struct{ field, v string }{{"oidc-issuer", cfg.Issuer}, {"oidc-redirect-url", cfg.RedirectURL}, {"oidc-post-logout-url", cfg.PostLogoutURL}} {
		if u.v == "" && u.field == "oidc-post-logout-url" {
			continue
		}
		p, err := url.Parse(u.v)
		if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || p.RawQuery != "" || p.Fragment != "" {
			return nil, bad(u.field, "应为 http(s):// 开头、不带查询参数的完整网址", "must be a full http(s):// URL without a query")
		}
	}
	back, _ := url.Parse(cfg.RedirectURL)
	prefix, ok := strings.CutSuffix(back.Path, CallbackPath)
	if !ok {
		return nil, bad("oidc-redirect-url", "应以 "+CallbackPath+" 结尾（本平台接收统一身份认证回调的地址）",
			"must end in "+CallbackPath+", where the platform takes the provider's answer")
	}
	if cfg.PostLogoutURL == "" {
		// The platform's home page, under whatever path a proxy serves it.
		cfg.PostLogoutURL = back.Scheme + "://" + back.Host + prefix + "/"
	}
	if strings.TrimSpace(cfg.ClientID) == "" {
		return nil, bad("oidc-client-id", "须提供在统一身份认证处登记的客户端标识", "the client id registered at the provider is required")
	}
	// The secret also keys the sign-in cookie: a short one would be
	// guessed offline from a cookie.
	if len(cfg.ClientSecret) < 16 {
		return nil, bad("oidc-client-secret", "客户端密钥至少16个字符（从文件或环境变量读取）", "the client secret must have at least 16 characters (read from a file or the environment)")
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes
	}
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.USCCClaim == "" && cfg.OfficialClaim == "" {
		return nil, bad("oidc-uscc-claim", "企业声明与工作人员声明不能都为空，否则无人可以登录", "the USCC claim and the official claim cannot both be empty: no one could sign in")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	hash, err := hkdf.Key(sha256.New, []byte(cfg.ClientSecret), nil, "duixian sso cookie mac", 32)
	if err != nil {
		return nil, err
	}
	block, err := hkdf.Key(sha256.New, []byte(cfg.ClientSecret), nil, "duixian sso cookie aes", 32)
	if err != nil {
		return nil, err
	}
	sc := securecookie.New(hash, block).MaxAge(int(CookieAge.Seconds())).SetSerializer(securecookie.JSONEncoder{})
	return &Provider{cfg: cfg, cookies: sc}, nil
}

// nonceKey carries the nonce a sign-in expects to the ID token verifier.
type nonceKey struct{}

// Discover reads the provider's configuration, once it has succeeded: its
// endpoints, and where its signing keys are published (which the verifier
// fetches, and fetches again when a token names a key it has not seen).
// The configuration must name the configured issuer.
func (p *Provider) Discover(ctx context.Context) error {
	_, err := p.relyingParty(ctx)
	return err
}

func (p *Provider) relyingParty(ctx context.Context) (rp.RelyingParty, error) {
	p.mu.Lock()
	party := p.party
	p.mu.Unlock()
	if party != nil {
		return party, nil
	}
	// Not under the lock: while the provider does not answer, each
	// sign-in waits for its own try, not for everyone's before it.
	party, err := rp.NewRelyingPartyOIDC(ctx, p.cfg.Issuer, p.cfg.ClientID, p.cfg.ClientSecret, p.cfg.RedirectURL, p.cfg.Scopes,
		rp.WithHTTPClient(p.cfg.HTTPClient),
		rp.WithVerifierOpts(
			// Clocks drift: an ID token issued a little "in the future"
			// by the provider's clock is accepted; an expired one is not.
			rp.WithIssuedAtOffset(30*time.Second),
			rp.WithNonce(func(ctx context.Context) string { n, _ := ctx.Value(nonceKey{}).(string); return n }),
		),
		rp.WithSigningAlgsFromDiscovery(),
	)
	if err != nil {
		return nil, &Failure{Reason: "discovery", Err: errUnavailable, Cause: err}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.party == nil {
		p.party = party
	}
	return p.party, nil
}

// pending is what the cookie carries from Begin to Finish.
type pending struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Next     string `json:"r"`
}

func random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Begin starts a sign-in that comes back to next (a path on this site,
// already checked by the caller): the provider's authorization URL to send
// the browser to, and the value of the cookie (CookieName) that must come
// back with it.
func (p *Provider) Begin(ctx context.Context, next string) (authURL, cookie string, err error) {
	party, err := p.relyingParty(ctx)
	if err != nil {
		return "", "", err
	}
	s := pending{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Next: next}
	if cookie, err = p.cookies.Encode(CookieName, s); err != nil {
		return "", "", err
	}
	authURL = rp.AuthURL(s.State, party,
		rp.WithCodeChallenge(oidc.NewSHACodeChallenge(s.Verifier)),
		rp.AuthURLOpt(rp.WithURLParam("nonce", s.Nonce)))
	return authURL, cookie, nil
}

// A Failure is a sign-in refused on its way back from the provider, or a
// provider that cannot be used. Reason is a fixed word for the audit log;
// Err is what the person is told; Cause is the library's error, for the
// operator's log. Audited says whether it is worth an audit entry: a
// callback without a sign-in this site began (no cookie, or a forged or
// expired one) is not, as anyone can send one any number of times.
type Failure struct {
	Reason  string
	Err     *duixian.Error
	Cause   error
	Audited bool
}

func (f *Failure) Error() string {
	if f.Cause != nil {
		return fmt.Sprintf("sso %s: %v", f.Reason, f.Cause)
	}
	return "sso " + f.Reason
}

// Unwrap gives the person's error, so that the transport shows it.
func (f *Failure) Unwrap() error { return f.Err }

var (
	errNoSignIn = &duixian.Error{Code: "unauthenticated", Zh: "统一身份认证登录已超时，或不是从本平台发起的，请重新登录",
		En: "the single sign-on took too long or was not started here; sign in again"}
	errRefused = &duixian.Error{Code: "unauthenticated", Zh: "统一身份认证登录未通过校验，请重新登录",
		En: "the single sign-on did not pass the platform's checks; sign in again"}
	errProvider = &duixian.Error{Code: "unauthenticated", Zh: "统一身份认证未完成登录（已取消或被拒绝），请重新登录",
		En: "the provider did not complete the sign-in (cancelled or refused); sign in again"}
)

// oauthError is an error code of RFC 6749 4.1.2.1: lower-case words. The
// audit log records it only if it looks like one.
var oauthError = regexp.MustCompile(`^[a-z_]{1,40}$`)

// Finish completes a sign-in on the callback: cookie is the value Begin
// gave (the cookie the browser sent back), query the callback's query. It
// returns who signed in and where to go next. Every refusal is a *Failure.
func (p *Provider) Finish(ctx context.Context, cookie string, query url.Values) (*duixian.SSOIdentity, string, error) {
	var s pending
	if cookie == "" || p.cookies.Decode(CookieName, cookie, &s) != nil || s.State == "" {
		return nil, "", &Failure{Reason: "no-sign-in", Err: errNoSignIn}
	}
	fail := func(reason string, e *duixian.Error, cause error) (*duixian.SSOIdentity, string, error) {
		return nil, "", &Failure{Reason: reason, Err: e, Cause: cause, Audited: true}
	}
	// The state proves that this browser began this sign-in: without it a
	// stranger's code could sign the browser in as the stranger.
	if subtle.ConstantTimeCompare([]byte(query.Get("state")), []byte(s.State)) != 1 {
		return fail("state", errRefused, nil)
	}
	if e := query.Get("error"); e != "" {
		if !oauthError.MatchString(e) {
			e = "other"
		}
		return fail("provider:"+e, errProvider, nil)
	}
	code := query.Get("code")
	if code == "" {
		return fail("no-code", errRefused, nil)
	}
	party, err := p.relyingParty(ctx)
	if err != nil {
		return nil, "", err
	}
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.WithValue(ctx, nonceKey{}, s.Nonce), code, party, rp.WithCodeVerifier(s.Verifier))
	if err != nil {
		return fail(exchangeReason(err), errRefused, err)
	}
	claims := tokens.IDTokenClaims
	// The library checks that the audience holds this client; a token
	// meant for others besides is not for this platform either.
	for _, aud := range claims.Audience {
		if aud != p.cfg.ClientID && !slices.Contains(p.cfg.TrustedAudiences, aud) {
			return fail("id-token-audience", errRefused, fmt.Errorf("untrusted audience %q", aud))
		}
	}
	id := &duixian.SSOIdentity{Issuer: claims.Issuer, Subject: claims.Subject, IDToken: tokens.IDToken}
	// Claims the ID token lacks are asked of the user info endpoint (many
	// providers put only the subject into the ID token), whose answer must
	// be about the same subject.
	var info *oidc.UserInfo
	var infoErr error
	lookup := func(name string) any {
		if v, ok := claims.Claims[name]; ok {
			return v
		}
		if info == nil && infoErr == nil && party.UserinfoEndpoint() != "" {
			info, infoErr = rp.Userinfo[*oidc.UserInfo](ctx, tokens.AccessToken, tokens.TokenType, claims.Subject, party)
		}
		if info == nil {
			return nil
		}
		return info.Claims[name]
	}
	if p.cfg.USCCClaim != "" {
		id.USCC, _ = lookup(p.cfg.USCCClaim).(string)
	}
	if id.USCC == "" && p.cfg.OfficialClaim != "" {
		id.Official, _ = lookup(p.cfg.OfficialClaim).(string)
		if p.cfg.OfficialClaim == "email" && id.Official != "" && !verified(lookup("email_verified")) {
			return fail("email-unverified", &duixian.Error{Code: duixian.EFORBIDDEN, Zh: "统一身份认证未确认该邮箱属于本人，不能据以登录",
				En: "the provider has not verified the email address, so it cannot sign anyone in"}, nil)
		}
	}
	if infoErr != nil {
		return fail("userinfo", errRefused, infoErr)
	}
	return id, s.Next, nil
}

// verified reads email_verified, which some providers send as a string.
func verified(v any) bool {
	switch v := v.(type) {
	case bool:
		return v
	case string:
		return v == "true"
	}
	return false
}

// exchangeReason names what refused the code or the ID token.
func exchangeReason(err error) string {
	for _, c := range []struct {
		err    error
		reason string
	}{
		{oidc.ErrIssuerInvalid, "id-token-issuer"},
		{oidc.ErrAudience, "id-token-audience"},
		{oidc.ErrAzpMissing, "id-token-audience"},
		{oidc.ErrAzpInvalid, "id-token-audience"},
		{oidc.ErrSignatureInvalid, "id-token-signature"},
		{oidc.ErrSignatureMissing, "id-token-signature"},
		{oidc.ErrSignatureMultiple, "id-token-signature"},
		{oidc.ErrSignatureUnsupportedAlg, "id-token-signature"},
		{oidc.ErrSignatureInvalidPayload, "id-token-signature"},
		{oidc.ErrExpired, "id-token-expired"},
		{oidc.ErrIatInFuture, "id-token-issued-at"},
		{oidc.ErrIatMissing, "id-token-issued-at"},
		{oidc.ErrNonceInvalid, "id-token-nonce"},
		{oidc.ErrAtHash, "id-token-at-hash"},
		{oidc.ErrSubjectMissing, "id-token-subject"},
		{rp.ErrMissingIDToken, "id-token-missing"},
	} {
		if errors.Is(err, c.err) {
			return c.reason
		}
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return "code" // the token endpoint refused the code: used, expired, or not this client's
	}
	return "id-token"
}

// LogoutURL is where to send a browser whose session of single sign-on
// (with the ID token idToken) has ended here, to end it at the provider
// too; "" if the provider advertises no end_session_endpoint (or is not
// known yet).
func (p *Provider) LogoutURL(idToken string) string {
	p.mu.Lock()
	party := p.party
	p.mu.Unlock()
	if party == nil || party.GetEndSessionEndpoint() == "" {
		return ""
	}
	u, err := url.Parse(party.GetEndSessionEndpoint())
	if err != nil {
		return ""
	}
	q := u.Query()
	q.Set("client_id", p.cfg.ClientID)
	q.Set("post_logout_redirect_uri", p.cfg.PostLogoutURL)
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
