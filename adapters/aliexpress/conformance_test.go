package aliexpress_test

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/returns"
)

// fastPolicy keeps the tests quick: few, short retries and no breaker.
var fastPolicy = adapters.Policy{
	Retries:        2,
	WaitMin:        5 * time.Millisecond,
	WaitMax:        20 * time.Millisecond,
	AttemptTimeout: 2 * time.Second,
	CallTimeout:    4 * time.Second,
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startPair starts a seeded simulator and an adapter talking to it over HTTP.
func startPair(t *testing.T, now func() time.Time, opts aliexpresssim.Options) (*aliexpress.Adapter, *aliexpresssim.Server) {
	t.Helper()
	opts.Now = now
	sim := aliexpresssim.New(opts)
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, err := aliexpress.New(aliexpress.Config{
		BaseURL: url, AppKey: sim.AppKey(), AppSecret: sim.AppSecret(), AccessToken: sim.AccessToken(),
		Shop:   returns.Shop{ID: "ae-shop-1", Name: "AE test shop"},
		Policy: fastPolicy, Now: now, Logger: quietLogger(),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, sim
}

func TestConformance(t *testing.T) {
	adapterstest.Run(t, adapterstest.Harness{
		Platform: returns.AliExpress,
		New: func(t *testing.T, now func() time.Time) (returns.Platform, adapterstest.Sim) {
			a, sim := startPair(t, now, aliexpresssim.Options{Seed: 7})
			return a, sim
		},
		UnknownStatus: aliexpress.UnknownStatus,
	})
}
