package main

import (
	"errors"
	"log/slog"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/returns"
)

// Sandbox is sandbox mode: the platform simulators running in this process on
// loopback, and adapters that talk to them over real HTTP with real signatures.
type Sandbox struct {
	XHS *xhssim.Server
	// Platforms are the adapters connected to the simulators, one per simulated shop.
	Platforms []returns.Platform
	closers   []func() error
}

// SandboxOptions configure the sandbox.
type SandboxOptions struct {
	Seed int64
	Now  func() time.Time
	Log  *slog.Logger
}

// The sandbox app's credentials. They only ever meet the in-process simulators.
const (
	sandboxXHSAppID  = "sandbox-xhs-app"
	sandboxXHSSecret = "sandbox-xhs-secret"
)

// StartSandbox starts the simulators and connects adapters to them.
func StartSandbox(o SandboxOptions) (*Sandbox, error) {
	sb := &Sandbox{}
	shops := xhssim.DefaultShops()
	sb.XHS = xhssim.New(xhssim.Options{AppID: sandboxXHSAppID, AppSecret: sandboxXHSSecret, Shops: shops, Seed: o.Seed, Now: o.Now})
	base, err := sb.XHS.Start()
	if err != nil {
		return nil, err
	}
	sb.closers = append(sb.closers, sb.XHS.Close)
	catalog := sb.XHS.Catalog()
	// The platform's real limit is 100 requests/s per app; the sandbox's
	// shops share it instead of keeping production's safety margin, so a
	// first sync of the seeded cases takes seconds.
	policy := xhs.DefaultPolicy
	policy.RatePerSecond = 100 / float64(len(shops))
	policy.Burst = 20
	for _, s := range shops {
		a, err := xhs.New(xhs.Config{
			BaseURL:     base,
			AppID:       sandboxXHSAppID,
			AppSecret:   sandboxXHSSecret,
			AccessToken: s.AccessToken,
			Shop:        returns.Shop{ID: s.ShopID, Platform: returns.XHS, Name: shopName(s), Market: s.Market},
			Catalog:     func(sku string) returns.Category { return catalog[sku] },
			Policy:      policy,
			Now:         o.Now,
			Logger:      o.Log,
		})
		if err != nil {
			sb.Close()
			return nil, err
		}
		sb.Platforms = append(sb.Platforms, a)
	}
	return sb, nil
}

func shopName(s xhssim.Shop) string {
	if s.Market == returns.MarketDomestic {
		return "Sandbox XHS shop (domestic)"
	}
	return "Sandbox XHS shop (cross-border)"
}

// Close stops the simulators.
func (sb *Sandbox) Close() error {
	var errs []error
	for i := len(sb.closers) - 1; i >= 0; i-- {
		errs = append(errs, sb.closers[i]())
	}
	sb.closers = nil
	return errors.Join(errs...)
}
