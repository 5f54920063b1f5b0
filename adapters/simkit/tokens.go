package simkit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// Token errors; each simulator answers them in its platform's own words.
var (
	ErrTokenUnknown  = errors.New("token unknown or revoked")
	ErrTokenExpired  = errors.New("token expired")
	ErrCodeInvalid   = errors.New("authorization code unknown, used or expired")
	ErrRefreshFailed = errors.New("refresh token unknown, rotated away, revoked or expired")
)

// TokenPair is what a simulator's token methods answer.
type TokenPair struct {
	Subject          string // the shop (seller) that authorized
	Access, Refresh  string
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time
}

type grant struct {
	subject string
	expires time.Time // zero: never
	pair    TokenPair // for a refresh token: the pair it came with
}

// Tokens is a simulator's OAuth state: authorization codes, access tokens and
// refresh tokens, each with an expiry. A refresh rotates the refresh token
// (the old one stops working) and issues a new access token; the old access
// token keeps working until its own expiry. It is safe for concurrent use.
type Tokens struct {
	now        func() time.Time
	accessTTL  time.Duration
	refreshTTL time.Duration
	codeTTL    time.Duration
	// renewWithin, when set, makes a refresh answer the same pair while its
	// access token has more than this left (XHS's rule).
	renewWithin time.Duration

	mu      sync.Mutex
	codes   map[string]grant
	access  map[string]grant
	refresh map[string]grant
	issued  []string // every code and token ever issued, for leak tests

	exchanges, refreshes, refused atomic.Int64
}

// NewTokens makes the registry; accessTTL and refreshTTL are the lifetimes
// of issued tokens, a code lives 10 minutes.
func NewTokens(now func() time.Time, accessTTL, refreshTTL time.Duration) *Tokens {
	if now == nil {
		now = time.Now
	}
	return &Tokens{now: now, accessTTL: accessTTL, refreshTTL: refreshTTL, codeTTL: 10 * time.Minute,
		codes: map[string]grant{}, access: map[string]grant{}, refresh: map[string]grant{}}
}

// RenewOnlyWithin makes a refresh answer the current pair unchanged while
// its access token has more than d left, as XHS does (d = 30 minutes).
func (t *Tokens) RenewOnlyWithin(d time.Duration) {
	t.mu.Lock()
	t.renewWithin = d
	t.mu.Unlock()
}

// TTLs returns the lifetimes of access and refresh tokens.
func (t *Tokens) TTLs() (access, refresh time.Duration) { return t.accessTTL, t.refreshTTL }

// Register accepts a fixed access token for subject that never expires (the
// simulators' preset tokens, which tests and static configs use).
func (t *Tokens) Register(token, subject string) {
	t.mu.Lock()
	t.access[token] = grant{subject: subject}
	t.mu.Unlock()
}

// IssueCode is what the authorization page does once the seller agrees.
func (t *Tokens) IssueCode(subject string) string {
	code := "code-" + random()
	t.mu.Lock()
	t.codes[code] = grant{subject: subject, expires: t.now().Add(t.codeTTL)}
	t.issued = append(t.issued, code)
	t.mu.Unlock()
	return code
}

// Exchange turns a code into a token pair; a code works once.
func (t *Tokens) Exchange(code string) (TokenPair, error) {
	t.exchanges.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.codes[code]
	delete(t.codes, code)
	if !ok || t.now().After(g.expires) {
		t.refused.Add(1)
		return TokenPair{}, ErrCodeInvalid
	}
	return t.issueLocked(g.subject), nil
}

// Refresh rotates a refresh token into a new pair.
func (t *Tokens) Refresh(refreshToken string) (TokenPair, error) {
	t.refreshes.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.refresh[refreshToken]
	if !ok || (!g.expires.IsZero() && !t.now().Before(g.expires)) {
		t.refused.Add(1)
		return TokenPair{}, ErrRefreshFailed
	}
	if t.renewWithin > 0 && g.pair.AccessExpiresAt.Sub(t.now()) > t.renewWithin {
		return g.pair, nil
	}
	delete(t.refresh, refreshToken)
	return t.issueLocked(g.subject), nil
}

func (t *Tokens) issueLocked(subject string) TokenPair {
	now := t.now()
	p := TokenPair{Subject: subject, Access: "access-" + random(), Refresh: "refresh-" + random(),
		AccessExpiresAt: now.Add(t.accessTTL), RefreshExpiresAt: now.Add(t.refreshTTL)}
	t.access[p.Access] = grant{subject: subject, expires: p.AccessExpiresAt}
	t.refresh[p.Refresh] = grant{subject: subject, expires: p.RefreshExpiresAt, pair: p}
	t.issued = append(t.issued, p.Access, p.Refresh)
	return p
}

// Check returns the subject an access token authorizes.
func (t *Tokens) Check(token string) (string, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.access[token]
	switch {
	case !ok || token == "":
		return "", ErrTokenUnknown
	case !g.expires.IsZero() && !t.now().Before(g.expires):
		return "", ErrTokenExpired
	}
	return g.subject, nil
}

// Issued lists every code and token the registry ever issued, so that a
// test can look for them where they must not be (logs, answers, files).
func (t *Tokens) Issued() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]string(nil), t.issued...)
}

// Revoke withdraws every token and code of subject, as a seller who cancels
// the app's authorization does.
func (t *Tokens) Revoke(subject string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, m := range []map[string]grant{t.codes, t.access, t.refresh} {
		for k, g := range m {
			if g.subject == subject {
				delete(m, k)
			}
		}
	}
}

// Calls counts the token calls served: exchanges, refreshes, and how many of
// them were refused. Tests use it to see that a refused refresh is not
// repeated in a loop.
func (t *Tokens) Calls() (exchanges, refreshes, refused int64) {
	return t.exchanges.Load(), t.refreshes.Load(), t.refused.Load()
}

// Authorize serves a platform's authorization page as a seller who agrees at
// once: it redirects (302) to the redirect URI with a fresh code and the
// state. redirectURI must be an absolute http(s) URL; subject is the shop the
// page authorizes ("" refuses with 400).
func (t *Tokens) Authorize(w http.ResponseWriter, r *http.Request, redirectURI, state, subject string) {
	u, err := url.Parse(redirectURI)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || subject == "" {
		http.Error(w, "invalid redirect URI or unknown seller", http.StatusBadRequest)
		return
	}
	q := u.Query()
	q.Set("code", t.IssueCode(subject))
	if state != "" {
		q.Set("state", state)
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func random() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
