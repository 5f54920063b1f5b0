package xhs

import (
	"context"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// TestTokenGolden decodes oauth.getAccessToken and oauth.refreshToken
// answers as the platform sends them.
func TestTokenGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/token/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		body := adapterstest.Section(ar, "response.json")
		if err := decodeEnvelope(200, nil, body); err != nil {
			return adapterstest.TokenGolden(adapters.Token{}, err)
		}
		return adapterstest.TokenGolden(decodeToken(xhswire.MethodRefreshToken, body))
	})
}

func TestTokenFlow(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	const ttl = 10 * time.Minute
	sim := xhssim.New(xhssim.Options{AppID: "red.app", AppSecret: "s3cret", Seed: 1, Now: clock.Now, Cases: 4, TokenTTL: ttl})
	base, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	authURL := base[:len(base)-len(xhswire.GatewayPath)] + xhswire.AuthorizePath
	ep, err := NewTokenEndpoint(TokenConfig{BaseURL: base, AuthorizeURL: authURL, AppID: "red.app", AppSecret: "s3cret", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	tokens := adapters.NewRotatingToken("")
	a, err := New(Config{BaseURL: base, AppID: "red.app", AppSecret: "s3cret", Tokens: tokens, Now: clock.Now,
		Shop: returns.Shop{ID: "xhs-crossborder", Market: returns.MarketCrossBorderBonded}, Policy: adapters.Policy{
			Retries: 0, AttemptTimeout: 2 * time.Second, CallTimeout: 2 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	adapterstest.RunTokenFlow(t, adapterstest.TokenFlow{
		Endpoint:  ep,
		Advance:   clock.Advance,
		AccessTTL: ttl,
		Use: func(ctx context.Context, token string) error {
			tokens.Set(token) // the adapter asks for the token per request
			_, err := a.GetCase(ctx, sim.CaseIDs("xhs-crossborder")[0])
			return err
		},
		Refreshes:   func() int64 { _, r, _ := sim.Tokens().Calls(); return r },
		ExpiredCode: "1004", RefusedCode: "1008",
	})
}

// FuzzDecodeToken: any answer decodes to a usable token or a typed error,
// never a panic.
func FuzzDecodeToken(f *testing.F) {
	f.Add([]byte(`{"success":true,"data":{"accessToken":"a","accessTokenExpiresAt":1764547200000,"refreshToken":"r","refreshTokenExpiresAt":1765152000}}`))
	f.Add([]byte(`{"success":true,"data":{"accessTokenExpiresAt":"x"}}`))
	f.Add([]byte(`{"data":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := decodeToken(xhswire.MethodGetAccessToken, body)
		if err == nil && tok.Validate() != nil {
			t.Fatalf("an unusable token was accepted: %v", tok)
		}
	})
}
