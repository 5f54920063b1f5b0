package alibaba_test

import (
	"context"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

func TestTokenFlow(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	const ttl = 10 * time.Minute
	sim, err := alibabasim.New(alibabasim.Options{Seed: 3, Cases: 4, Now: clock.Now, TokenTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	router, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	base := router[:len(router)-len(alibabawire.RouterPath)]
	ep, err := alibaba.NewTokenEndpoint(alibaba.TokenConfig{BaseURL: router, AuthorizeURL: base + alibabawire.AuthorizePath,
		AppKey: sim.AppKey(), AppSecret: sim.AppSecret(), Now: clock.Now, Policy: fastPolicy})
	if err != nil {
		t.Fatal(err)
	}
	tokens := adapters.NewRotatingToken("")
	a, err := alibaba.New(alibaba.Config{BaseURL: router, AppKey: sim.AppKey(), AppSecret: sim.AppSecret(), Tokens: tokens,
		Shop: returns.Shop{ID: "alibaba-shop"}, Policy: fastPolicy, Now: clock.Now, ListLag: -1})
	if err != nil {
		t.Fatal(err)
	}
	adapterstest.RunTokenFlow(t, adapterstest.TokenFlow{
		Endpoint: ep, Advance: clock.Advance, AccessTTL: ttl,
		Use: func(ctx context.Context, token string) error {
			tokens.Set(token)
			_, err := a.ListChanges(ctx, "", clock.Now())
			return err
		},
		Refreshes:   func() int64 { _, r, _ := sim.Tokens().Calls(); return r },
		ExpiredCode: "27/session-expired", RefusedCode: "15/isv.refresh-token-invalid",
	})
}
