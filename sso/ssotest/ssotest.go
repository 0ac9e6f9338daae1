// Package ssotest runs a real OpenID Connect provider for tests:
// github.com/zitadel/oidc/v3's example provider (package op, with the
// example's login page and in-memory storage) on an httptest server. A test
// registers the platform as a client, adds users with the claims it wants,
// and can make the provider misbehave as a broken or hostile one would: an
// ID token with other claims (another audience, issuer or nonce, expired)
// signed with its key, or one signed with a key it does not publish; or a
// discovery document under another issuer.
package ssotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person the provider signs in. Claims go into the ID token;
// Userinfo claims only into the user info endpoint's answer (as many
// providers do with profile claims).
type User struct {
	Username, Password string
	Claims, Userinfo   map[string]any
}

// Misbehaviour makes the provider issue ID tokens a relying party must
// refuse. The zero value behaves.
type Misbehaviour struct {
	// Claims changes the claims of the ID token the token endpoint gives,
	// which is then signed again with the provider's published key: a
	// token another audience, issuer, nonce or expiry, validly signed.
	Claims func(claims map[string]any)
	// UnpublishedKey signs ID tokens with a key the provider does not
	// publish, under the published key's id.
	UnpublishedKey bool
}

// Provider is the running provider.
type Provider struct {
	// Issuer is its issuer URL, which is also where it is served.
	Issuer string
	store  *store
}

// Start runs a provider until the test ends.
func Start(t testing.TB) *Provider {
	t.Helper()
	st := &store{people: map[string]User{}, clients: map[string]*storage.Client{}, postLogout: map[string][]string{}}
	st.Storage = storage.NewStorageWithClients(st, st.clients)
	var handler http.Handler
	var ready sync.WaitGroup
	ready.Add(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ready.Wait()
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	handler = st.rewriting(exampleop.SetupServer(srv.URL, st, nil, false))
	ready.Done()
	return &Provider{Issuer: srv.URL, store: st}
}

// AddClient registers a confidential client (the platform) with its
// callback and where it may send the browser after signing out.
func (p *Provider) AddClient(id, secret, redirectURL, postLogoutURL string) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.clients[id] = storage.WebClient(id, secret, redirectURL)
	p.store.postLogout[id] = []string{postLogoutURL}
}

// AddUser adds (or replaces) a person who can sign in.
func (p *Provider) AddUser(u User) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.people[u.Username] = u
}

// Misbehave makes every ID token from now on misbehave as m says.
func (p *Provider) Misbehave(m Misbehaviour) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.mis = m
	if m.UnpublishedKey && p.store.foreign == nil {
		p.store.foreign, _ = rsa.GenerateKey(rand.Reader, 2048)
	}
}

// SignedOut reports whether the provider's session of username has been
// ended by a client (its end_session endpoint).
func (p *Provider) SignedOut(username string) bool {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	return p.store.ended[username]
}

// SignIn walks a browser (c, which must not follow redirects) through the
// provider: from authURL, where the relying party sent it, over the login
// page, to the URL the provider sends it back to with the code and the
// state, which is returned without being followed.
func (p *Provider) SignIn(t testing.TB, c *http.Client, authURL, username, password string) string {
	t.Helper()
	loginPage := p.redirect(t, c, "GET", authURL, nil)
	u, err := url.Parse(loginPage)
	if err != nil {
		t.Fatal(err)
	}
	id := u.Query().Get("authRequestID")
	if id == "" {
		t.Fatalf("the provider did not send the browser to its login page: %s", loginPage)
	}
	done := p.redirect(t, c, "POST", p.Issuer+"/login/username", url.Values{"id": {id}, "username": {username}, "password": {password}})
	return p.redirect(t, c, "GET", done, nil)
}

// redirect makes a request and returns where the answer redirects to,
// made absolute.
func (p *Provider) redirect(t testing.TB, c *http.Client, method, target string, form url.Values) string {
	t.Helper()
	if strings.HasPrefix(target, "/") {
		target = p.Issuer + target
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s: %d, not a redirect: %.300s", method, target, resp.StatusCode, b)
	}
	loc := resp.Header.Get("Location")
	if strings.HasPrefix(loc, "/") {
		loc = p.Issuer + loc
	}
	return loc
}

// Relay serves the provider's discovery document from a server of its own
// and returns that server's URL. With claim, the document names the relay
// as the issuer while every endpoint stays the provider's, so that the
// provider's ID tokens name another issuer than discovery did; without,
// the document names the provider, which is not where it was found.
func (p *Provider) Relay(t testing.TB, claim bool) string {
	t.Helper()
	var self string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != oidc.DiscoveryEndpoint {
			http.NotFound(w, r)
			return
		}
		resp, err := http.Get(p.Issuer + oidc.DiscoveryEndpoint)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var doc map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		if claim {
			doc["issuer"] = self
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(doc)
	}))
	t.Cleanup(srv.Close)
	self = srv.URL
	return self
}

// store is the example's in-memory storage with this package's users,
// clients and misbehaviours.
type store struct {
	*storage.Storage

	mu         sync.Mutex
	people     map[string]User
	clients    map[string]*storage.Client
	postLogout map[string][]string
	mis        Misbehaviour
	foreign    *rsa.PrivateKey
	ended      map[string]bool
}

// The example storage's UserStore: a user's id is their user name.

func (s *store) GetUserByID(id string) *storage.User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.people[id]
	if !ok {
		return nil
	}
	return &storage.User{ID: u.Username, Username: u.Username, Password: u.Password, EmailVerified: true}
}

func (s *store) GetUserByUsername(name string) *storage.User { return s.GetUserByID(name) }

func (s *store) ExampleClientID() string { return storage.ServiceUserID }

func (s *store) person(id string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.people[id]
}

func (s *store) misbehaviour() Misbehaviour {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mis
}

// SetUserinfoFromRequest fills the ID token: the example's claims, then
// the user's.
func (s *store) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := s.Storage.SetUserinfoFromRequest(ctx, info, token, scopes); err != nil {
		return err
	}
	for k, v := range s.person(token.GetSubject()).Claims {
		info.AppendClaims(k, v)
	}
	return nil
}

// SetUserinfoFromToken answers the user info endpoint: the example's
// claims (preferred_username and email among them), then the user's.
func (s *store) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, origin string) error {
	if err := s.Storage.SetUserinfoFromToken(ctx, info, tokenID, subject, origin); err != nil {
		return err
	}
	u := s.person(info.Subject)
	for _, claims := range []map[string]any{u.Claims, u.Userinfo} {
		for k, v := range claims {
			info.AppendClaims(k, v)
		}
	}
	return nil
}

// GetClientByClientID gives the client with its post-logout URL and, when
// misbehaving, its tokens' lifetime.
func (s *store) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return &client{Client: c, postLogout: s.postLogout[id]}, nil
}

// rewriting wraps the provider: when Misbehaviour.Claims is set, the ID
// token in the token endpoint's answer is decoded, changed, and signed
// again with the provider's signing key.
func (s *store) rewriting(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		change := s.misbehaviour().Claims
		if change == nil || !strings.HasSuffix(r.URL.Path, "/oauth/token") {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var answer map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &answer) != nil || answer["id_token"] == nil {
			copyAnswer(w, rec)
			return
		}
		token, err := s.resign(r.Context(), answer["id_token"].(string), change)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		answer["id_token"] = token
		body, _ := json.Marshal(answer)
		rec.Body.Reset()
		rec.Body.Write(body)
		rec.Header().Del("Content-Length")
		copyAnswer(w, rec)
	})
}

func copyAnswer(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// resign decodes the claims of a signed token, changes them and signs them
// again with the provider's key.
func (s *store) resign(ctx context.Context, token string, change func(map[string]any)) (string, error) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return "", err
	}
	var claims map[string]any
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &claims); err != nil {
		return "", err
	}
	change(claims)
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	k, err := s.Storage.SigningKey(ctx)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.SignatureAlgorithm(), Key: jose.JSONWebKey{Key: k.Key(), KeyID: k.ID()}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	signed, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return signed.CompactSerialize()
}

// SigningKey signs with a key of its own under the published key's id
// when misbehaving so.
func (s *store) SigningKey(ctx context.Context) (op.SigningKey, error) {
	k, err := s.Storage.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mis.UnpublishedKey {
		return &signingKey{id: k.ID(), alg: k.SignatureAlgorithm(), key: s.foreign}, nil
	}
	return k, nil
}

// TerminateSession notes whose session a client ended.
func (s *store) TerminateSession(ctx context.Context, userID, clientID string) error {
	s.mu.Lock()
	if s.ended == nil {
		s.ended = map[string]bool{}
	}
	s.ended[userID] = true
	s.mu.Unlock()
	return s.Storage.TerminateSession(ctx, userID, clientID)
}

type client struct {
	op.Client
	postLogout []string
}

func (c *client) PostLogoutRedirectURIs() []string { return c.postLogout }

type signingKey struct {
	id  string
	alg jose.SignatureAlgorithm
	key *rsa.PrivateKey
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Key() any                                    { return k.key }
func (k *signingKey) ID() string                                  { return k.id }
