package adapterstest

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
)

// TokenGolden is the golden form of a token answer: the token with its
// expiries in UTC, or the error's kind and code and whether it is permanent.
func TokenGolden(tok adapters.Token, err error) any {
	if err != nil {
		var pe *adapters.PlatformError
		if !errors.As(err, &pe) {
			return map[string]any{"error": err.Error()}
		}
		return map[string]any{"errorKind": pe.Kind, "code": pe.Code, "message": pe.Message,
			"permanent": adapters.PermanentTokenError(err)}
	}
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return map[string]string{"accessToken": tok.AccessToken, "refreshToken": tok.RefreshToken,
		"accessExpiresAt": ts(tok.AccessExpiresAt), "refreshExpiresAt": ts(tok.RefreshExpiresAt),
		"sellerId": tok.SellerID, "sellerName": tok.SellerName}
}

// TokenFlow is what the token suite needs of one adapter and simulator pair.
type TokenFlow struct {
	Endpoint adapters.TokenEndpoint
	// Clock moves the simulator's (and the endpoint's) clock forward.
	Advance func(d time.Duration)
	// AccessTTL is the simulator's access token lifetime.
	AccessTTL time.Duration
	// Use makes one ordinary API call with the access token and returns its error.
	Use func(ctx context.Context, accessToken string) error
	// Calls counts the simulator's refresh calls.
	Refreshes func() int64
	// ExpiredCode and RefusedCode are the platform's error codes for an
	// expired access token and a rotated-away refresh token, as the adapter
	// reports them (PlatformError.Code).
	ExpiredCode, RefusedCode string
}

// Authorize follows the simulator's authorization page over real HTTP,
// without following the redirect, and returns the code and state the
// redirect carries.
func Authorize(t *testing.T, authorizeURL string) (code, state string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authorizeURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorization page answered %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

// RunTokenFlow checks one platform's token flow end to end: authorize,
// exchange (once only), use, expire, refresh (rotating the refresh token),
// and the refusal of a rotated-away refresh token as permanent.
func RunTokenFlow(t *testing.T, f TokenFlow) {
	ctx := context.Background()
	code, state := Authorize(t, f.Endpoint.AuthorizeURL("http://127.0.0.1:1/oauth/callback/x", "st-1"))
	if code == "" || state != "st-1" {
		t.Fatalf("redirect carried code %q state %q", code, state)
	}
	tok, err := f.Endpoint.Exchange(ctx, code)
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	if err := tok.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Endpoint.Exchange(ctx, code); !adapters.PermanentTokenError(err) {
		t.Errorf("second exchange of one code: %v, want a permanent refusal", err)
	}
	if err := f.Use(ctx, tok.AccessToken); err != nil {
		t.Fatalf("a fresh token is refused: %v", err)
	}
	f.Advance(f.AccessTTL + time.Second)
	var pe *adapters.PlatformError
	if err := f.Use(ctx, tok.AccessToken); !errors.As(err, &pe) || pe.Kind != adapters.KindAuth || pe.Code != f.ExpiredCode {
		t.Fatalf("an expired token: %v, want an AUTH error %s", err, f.ExpiredCode)
	}
	next, err := f.Endpoint.Refresh(ctx, tok.RefreshToken)
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if next.RefreshToken == tok.RefreshToken || next.AccessToken == tok.AccessToken {
		t.Error("refresh did not rotate the tokens")
	}
	if err := f.Use(ctx, next.AccessToken); err != nil {
		t.Fatalf("the refreshed token is refused: %v", err)
	}
	before := f.Refreshes()
	_, err = f.Endpoint.Refresh(ctx, tok.RefreshToken)
	if !adapters.PermanentTokenError(err) || !errors.As(err, &pe) || pe.Code != f.RefusedCode {
		t.Fatalf("a rotated-away refresh token: %v, want a permanent refusal %s", err, f.RefusedCode)
	}
	if n := f.Refreshes() - before; n != 1 {
		t.Errorf("a refused refresh reached the platform %d times, want 1 (no retry of a refusal)", n)
	}
	if s := tok.String() + next.GoString(); containsAny(s, tok.AccessToken, tok.RefreshToken, next.AccessToken, next.RefreshToken) {
		t.Errorf("Token's String shows a token: %s", s)
	}
	if containsAny(err.Error(), tok.RefreshToken) {
		t.Errorf("the refusal shows the refresh token: %v", err)
	}
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if sub != "" && strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
