package xhs

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

const (
	testAppID  = "red.sandbox-app"
	testSecret = "5f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f"
)

// testPolicy keeps failing tests fast: one retry, short waits, no breaker.
var testPolicy = adapters.Policy{
	Retries:        1,
	WaitMin:        10 * time.Millisecond,
	WaitMax:        50 * time.Millisecond,
	AttemptTimeout: 2 * time.Second,
	CallTimeout:    3 * time.Second,
}

// simHarness is a simulator and an adapter for one of its shops.
type simHarness struct {
	sim     *xhssim.Server
	adapter *Adapter
	shop    xhssim.Shop
}

// startSim starts a seeded simulator with the default shops and an adapter
// for the shop at index shop; both stop with the test.
func startSim(t *testing.T, now func() time.Time, shop int) simHarness {
	t.Helper()
	shops := xhssim.DefaultShops()
	sim := xhssim.New(xhssim.Options{AppID: testAppID, AppSecret: testSecret, Shops: shops, Seed: 20261120, Now: now})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, err := New(Config{
		BaseURL:     url,
		AppID:       testAppID,
		AppSecret:   testSecret,
		AccessToken: shops[shop].AccessToken,
		Shop:        returns.Shop{ID: shops[shop].ShopID, Name: "test shop", Market: shops[shop].Market},
		Policy:      testPolicy,
		Now:         now,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	return simHarness{sim: sim, adapter: a, shop: shops[shop]}
}

// conformanceSim shows the suite only the adapter's shop.
type conformanceSim struct {
	*xhssim.Server
	shopID string
}

func (s conformanceSim) CaseIDs() []string { return s.Server.CaseIDs(s.shopID) }

func (s conformanceSim) FactCalls() int {
	return s.Server.Calls(xhswire.MethodGetOrderDetail) + s.Server.Calls(xhswire.MethodGetOrderTracking) + s.Server.Calls(xhswire.MethodGetItemInfo)
}

func TestConformance(t *testing.T) {
	for i, name := range []string{"domestic", "crossborder"} {
		t.Run(name, func(t *testing.T) {
			adapterstest.Run(t, adapterstest.Harness{
				Platform: returns.XHS,
				New: func(t *testing.T, now func() time.Time) (returns.Platform, adapterstest.Sim) {
					h := startSim(t, now, i)
					return h.adapter, conformanceSim{Server: h.sim, shopID: h.shop.ShopID}
				},
				UnknownStatus: UnknownStatus,
			})
		})
	}
}
