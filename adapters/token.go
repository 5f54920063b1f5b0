package adapters

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// TokenSource gives an adapter the shop's access token for each request, so
// that a token refreshed in the background is used by the next request.
type TokenSource interface {
	AccessToken() string
}

// StaticToken is a token that never changes (a config file's, a test's).
type StaticToken string

// AccessToken returns the token.
func (t StaticToken) AccessToken() string { return string(t) }

// Token is a platform's answer to an authorization-code exchange or a
// refresh: the token pair, their expiries and who authorized.
//
// Its String and GoString never show the tokens, so a Token that reaches a
// log line or an error by mistake leaks nothing.
type Token struct {
	AccessToken      string
	RefreshToken     string
	AccessExpiresAt  time.Time
	RefreshExpiresAt time.Time // zero when the platform does not say
	SellerID         string    // the platform's id of the authorizing seller
	SellerName       string
}

func (t Token) String() string {
	return fmt.Sprintf("Token{seller %s, access until %s, refresh until %s}", t.SellerID,
		t.AccessExpiresAt.UTC().Format(time.RFC3339), t.RefreshExpiresAt.UTC().Format(time.RFC3339))
}

// GoString is String: %#v must not show the tokens either.
func (t Token) GoString() string { return t.String() }

// Validate checks that a platform's answer is usable.
func (t Token) Validate() error {
	switch {
	case t.AccessToken == "":
		return errors.New("no access token in the answer")
	case t.RefreshToken == "":
		return errors.New("no refresh token in the answer")
	case t.AccessExpiresAt.IsZero():
		return errors.New("no access token expiry in the answer")
	}
	return nil
}

// TokenEndpoint is a platform's OAuth token API for one app: it turns the
// code from the authorization redirect into a token pair and refreshes a
// pair before it expires.
type TokenEndpoint interface {
	// AuthorizeURL is the page a seller opens to authorize the app; the
	// platform redirects to redirectURI with a code and the state.
	AuthorizeURL(redirectURI, state string) string
	Exchange(ctx context.Context, code string) (Token, error)
	Refresh(ctx context.Context, refreshToken string) (Token, error)
}

// PermanentTokenError reports whether a failed exchange or refresh will fail
// again however often it is repeated: the platform refused the code or the
// refresh token (expired, revoked, rotated away) or the app's credentials.
// Only an unreachable or throttling platform, or an unreadable answer, is
// worth retrying.
func PermanentTokenError(err error) bool {
	var pe *PlatformError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Kind {
	case KindAuth, KindInvalid, KindNotFound, KindState:
		return true
	}
	return false
}

// RotatingToken is a TokenSource whose token is replaced when it is refreshed.
type RotatingToken struct {
	mu    sync.RWMutex
	token string
}

// NewRotatingToken starts with token.
func NewRotatingToken(token string) *RotatingToken { return &RotatingToken{token: token} }

// AccessToken returns the current token.
func (r *RotatingToken) AccessToken() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.token
}

// Set replaces the token; the next request uses it.
func (r *RotatingToken) Set(token string) {
	r.mu.Lock()
	r.token = token
	r.mu.Unlock()
}

// CheckTokenApp validates what every platform's token endpoint needs: a base
// URL to call and the app's id and secret. The error names the platform.
func CheckTokenApp(platform returns.PlatformID, baseURL, appID, appSecret string) error {
	if u, err := url.Parse(baseURL); baseURL == "" || err != nil || u.Host == "" {
		return fmt.Errorf("%s: token endpoint: BaseURL %q is not an http(s) URL", strings.ToLower(string(platform)), baseURL)
	}
	if appID == "" || appSecret == "" {
		return fmt.Errorf("%s: token endpoint: the app's id and secret are required", strings.ToLower(string(platform)))
	}
	return nil
}
