package aliexpress_test

import (
	"context"
	"testing"
	"time"

	"golang.org/x/tools/txtar"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// TestTokenGolden decodes /auth/token/create and /auth/token/refresh answers.
func TestTokenGolden(t *testing.T) {
	adapterstest.Golden(t, "testdata/token/*.txtar", *update, func(t *testing.T, ar *txtar.Archive) any {
		return adapterstest.TokenGolden(aliexpress.DecodeTokenResponse(adapterstest.Section(ar, "response.json")))
	})
}

func TestTokenFlow(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	const ttl = 10 * time.Minute
	sim := aliexpresssim.New(aliexpresssim.Options{Seed: 3, Cases: 4, Now: clock.Now, TokenTTL: ttl})
	base, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	ep, err := aliexpress.NewTokenEndpoint(aliexpress.TokenConfig{BaseURL: base, AuthorizeURL: base + aliexpresswire.AuthorizePath,
		AppKey: sim.AppKey(), AppSecret: sim.AppSecret(), Now: clock.Now, Policy: fastPolicy})
	if err != nil {
		t.Fatal(err)
	}
	tokens := adapters.NewRotatingToken("")
	a, err := aliexpress.New(aliexpress.Config{BaseURL: base, AppKey: sim.AppKey(), AppSecret: sim.AppSecret(), Tokens: tokens,
		Shop: returns.Shop{ID: "ae-shop-1"}, Policy: fastPolicy, Now: clock.Now, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	adapterstest.RunTokenFlow(t, adapterstest.TokenFlow{
		Endpoint: ep, Advance: clock.Advance, AccessTTL: ttl,
		Use: func(ctx context.Context, token string) error {
			tokens.Set(token)
			_, err := a.GetCase(ctx, sim.CaseIDs()[0])
			return err
		},
		Refreshes:   func() int64 { _, r, _ := sim.Tokens().Calls(); return r },
		ExpiredCode: "IllegalAccessToken", RefusedCode: "IllegalRefreshToken",
	})
}

// FuzzDecodeTokenResponse: any answer decodes to a usable token or a typed
// error, never a panic.
func FuzzDecodeTokenResponse(f *testing.F) {
	f.Add([]byte(`{"access_token":"a","refresh_token":"r","expire_time":1765152000000,"code":"0"}`))
	f.Add([]byte(`{"type":"ISV","code":"IllegalRefreshToken","message":"m"}`))
	f.Add([]byte(`{"code":0,"expire_time":"-1"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		tok, err := aliexpress.DecodeTokenResponse(body)
		if err == nil && tok.Validate() != nil {
			t.Fatalf("an unusable token was accepted: %v", tok)
		}
	})
}
