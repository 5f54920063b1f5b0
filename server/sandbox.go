package main

import (
	"errors"
	"log/slog"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/returns"
)

// Sandbox is sandbox mode: the platform simulators running in this process on
// loopback, and adapters that talk to them over real HTTP with real signatures.
type Sandbox struct {
	XHS        *xhssim.Server
	AliExpress *aliexpresssim.Server
	Alibaba    *alibabasim.Server
	// Platforms are the adapters connected to the simulators, one per simulated shop.
	Platforms []returns.Platform
	closers   []func() error
}

// SandboxOptions configure the sandbox.
type SandboxOptions struct {
	Seed  int64
	Cases int // per simulator; 0: each simulator's default
	Now   func() time.Time
	Log   *slog.Logger
}

// The sandbox app's credentials. They only ever meet the in-process simulators.
const (
	sandboxXHSAppID  = "sandbox-xhs-app"
	sandboxXHSSecret = "sandbox-xhs-secret"
	sandboxAEKey     = "sandbox-ae-app"
	sandboxAESecret  = "sandbox-ae-secret"
	sandboxAEToken   = "sandbox-ae-token"
	sandboxAliKey    = "sandbox-alibaba-app"
	sandboxAliSecret = "sandbox-alibaba-secret"
	sandboxAliToken  = "sandbox-alibaba-session"
)

// StartSandbox starts the simulators and connects adapters to them.
func StartSandbox(o SandboxOptions) (*Sandbox, error) {
	sb := &Sandbox{}
	shops := xhssim.DefaultShops()
	sb.XHS = xhssim.New(xhssim.Options{AppID: sandboxXHSAppID, AppSecret: sandboxXHSSecret, Shops: shops, Seed: o.Seed, Now: o.Now, Cases: o.Cases})
	base, err := sb.XHS.Start()
	if err != nil {
		return nil, err
	}
	sb.closers = append(sb.closers, sb.XHS.Close)
	catalog := sb.XHS.Catalog()
	// The XHS adapter refuses a rate above the platform's per-app limit
	// (100/s) but takes 0, no limit: against the local simulator the
	// poller's Concurrency is the bound (see sandboxPolicy).
	policy := sandboxPolicy(xhs.DefaultPolicy)
	policy.RatePerSecond = 0
	for _, s := range shops {
		a, err := xhs.New(xhs.Config{
			BaseURL:     base,
			AppID:       sandboxXHSAppID,
			AppSecret:   sandboxXHSSecret,
			AccessToken: s.AccessToken,
			Shop:        returns.Shop{ID: s.ShopID, Platform: returns.XHS, Name: shopName(s), Market: s.Market},
			Catalog:     func(sku string) returns.Category { return catalog[sku] },
			Policy:      policy,
			SellerID:    s.SellerID,
			// The simulator indexes an update at once; the platform needs up to a minute.
			UpdateLag: -1,
			Now:       o.Now,
			Logger:    o.Log,
		})
		if err != nil {
			sb.Close()
			return nil, err
		}
		sb.Platforms = append(sb.Platforms, a)
	}
	if err := sb.startAliExpress(o); err != nil {
		sb.Close()
		return nil, err
	}
	if err := sb.startAlibaba(o); err != nil {
		sb.Close()
		return nil, err
	}
	return sb, nil
}

func (sb *Sandbox) startAliExpress(o SandboxOptions) error {
	sb.AliExpress = aliexpresssim.New(aliexpresssim.Options{AppKey: sandboxAEKey, AppSecret: sandboxAESecret,
		AccessTokens: []string{sandboxAEToken}, Seed: o.Seed, Now: o.Now, Cases: o.Cases})
	base, err := sb.AliExpress.Start()
	if err != nil {
		return err
	}
	sb.closers = append(sb.closers, sb.AliExpress.Close)
	a, err := aliexpress.New(aliexpress.Config{
		BaseURL: base, AppKey: sandboxAEKey, AppSecret: sandboxAESecret, AccessToken: sandboxAEToken,
		Shop:    returns.Shop{ID: "ae-store", Platform: returns.AliExpress, Name: "Sandbox AliExpress store", Market: returns.MarketCrossBorderDirect},
		Catalog: sb.AliExpress.Catalog(), Now: o.Now, Logger: o.Log, Policy: sandboxPolicy(aliexpress.DefaultPolicy()),
	})
	if err != nil {
		return err
	}
	sb.Platforms = append(sb.Platforms, a)
	return nil
}

func (sb *Sandbox) startAlibaba(o SandboxOptions) error {
	sim, err := alibabasim.New(alibabasim.Options{AppKey: sandboxAliKey, AppSecret: sandboxAliSecret,
		Sessions: []string{sandboxAliToken}, Seed: o.Seed, Now: o.Now, Cases: o.Cases})
	if err != nil {
		return err
	}
	sb.Alibaba = sim
	base, err := sb.Alibaba.Start()
	if err != nil {
		return err
	}
	sb.closers = append(sb.closers, sb.Alibaba.Close)
	a, err := alibaba.New(alibaba.Config{
		BaseURL: base, AppKey: sandboxAliKey, AppSecret: sandboxAliSecret, Session: sandboxAliToken,
		Shop:    returns.Shop{ID: "alibaba-store", Platform: returns.Alibaba, Name: "Sandbox Alibaba.com store", Market: returns.MarketCrossBorderDirect},
		Catalog: sb.Alibaba.Catalog(), Now: o.Now, Logger: o.Log, Policy: sandboxPolicy(alibaba.DefaultPolicy),
		// The simulator indexes a change at once; the real order list needs a minute.
		ListLag: -1,
	})
	if err != nil {
		return err
	}
	sb.Platforms = append(sb.Platforms, a)
	return nil
}

// sandboxRate is the requests per second the adapters allow themselves
// towards a simulator. The simulators are local, and a sandbox of 50,000
// cases per simulator must be ready in minutes: Alibaba.com takes three calls
// per case, so 167 cases/s need 500 requests/s and the list calls besides.
// The real platforms' limits stay in each adapter's DefaultPolicy.
const sandboxRate = 2000

// sandboxPolicy is a platform's production policy with the sandbox's rate.
func sandboxPolicy(p adapters.Policy) adapters.Policy {
	p.RatePerSecond = sandboxRate
	p.Burst = 200
	return p
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
