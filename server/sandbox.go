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
	// URLs are the simulators' API URLs, as an adapter is configured with.
	URLs    map[returns.PlatformID]string
	closers []func() error
}

// SandboxOptions configure the sandbox.
type SandboxOptions struct {
	Seed  int64
	Cases int // per simulator; 0: each simulator's default
	Now   func() time.Time
	Log   *slog.Logger
	// Policy, when set, adjusts each adapter's client policy (tests: short
	// timeouts, so that a write the platform never answers fails fast).
	Policy func(adapters.Policy) adapters.Policy
	// TokenTTL is the simulators' access token lifetime (0: each platform's).
	TokenTTL time.Duration
	// Tokens, when set, gives each shop's adapter its token source (the shop
	// connections, see oauth.go); nil means the simulators' preset tokens.
	Tokens func(platform returns.PlatformID, shopID string) adapters.TokenSource
}

func (o SandboxOptions) tokens(platform returns.PlatformID, shopID string) adapters.TokenSource {
	if o.Tokens == nil {
		return nil
	}
	return o.Tokens(platform, shopID)
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
	sb := &Sandbox{URLs: map[returns.PlatformID]string{}}
	if err := sb.startSimulators(o); err != nil {
		sb.Close()
		return nil, err
	}
	if err := sb.connect(o); err != nil {
		sb.Close()
		return nil, err
	}
	return sb, nil
}

// startSimulators starts the three simulators on loopback.
func (sb *Sandbox) startSimulators(o SandboxOptions) error {
	sb.XHS = xhssim.New(xhssim.Options{AppID: sandboxXHSAppID, AppSecret: sandboxXHSSecret, Shops: xhssim.DefaultShops(),
		Seed: o.Seed, Now: o.Now, Cases: o.Cases, TokenTTL: o.TokenTTL})
	base, err := sb.XHS.Start()
	if err != nil {
		return err
	}
	sb.closers = append(sb.closers, sb.XHS.Close)
	sb.URLs[returns.XHS] = base

	sb.AliExpress = aliexpresssim.New(aliexpresssim.Options{AppKey: sandboxAEKey, AppSecret: sandboxAESecret,
		AccessTokens: []string{sandboxAEToken}, Seed: o.Seed, Now: o.Now, Cases: o.Cases, TokenTTL: o.TokenTTL})
	if base, err = sb.AliExpress.Start(); err != nil {
		return err
	}
	sb.closers = append(sb.closers, sb.AliExpress.Close)
	sb.URLs[returns.AliExpress] = base

	if sb.Alibaba, err = alibabasim.New(alibabasim.Options{AppKey: sandboxAliKey, AppSecret: sandboxAliSecret,
		Sessions: []string{sandboxAliToken}, Seed: o.Seed, Now: o.Now, Cases: o.Cases, TokenTTL: o.TokenTTL}); err != nil {
		return err
	}
	if base, err = sb.Alibaba.Start(); err != nil {
		return err
	}
	sb.closers = append(sb.closers, sb.Alibaba.Close)
	sb.URLs[returns.Alibaba] = base
	return nil
}

// connect makes one adapter per simulated shop, talking to sb.URLs: the
// simulators of this process or of a standalone sandbox.
func (sb *Sandbox) connect(o SandboxOptions) error {
	shops := xhssim.DefaultShops()
	// The XHS adapter refuses a rate above the platform's per-app limit
	// (100/s) but takes 0, no limit: against the local simulator the
	// poller's Concurrency is the bound (see sandboxPolicy).
	policy := o.policy(xhs.DefaultPolicy)
	policy.RatePerSecond = 0
	for _, s := range shops {
		a, err := xhs.New(xhs.Config{
			BaseURL:     sb.URLs[returns.XHS],
			AppID:       sandboxXHSAppID,
			AppSecret:   sandboxXHSSecret,
			AccessToken: s.AccessToken,
			Tokens:      o.tokens(returns.XHS, s.ShopID),
			Shop:        returns.Shop{ID: s.ShopID, Platform: returns.XHS, Name: shopName(s), Market: s.Market},
			Policy:      policy,
			SellerID:    s.SellerID,
			// The simulator indexes an update at once; the platform needs up to a minute.
			UpdateLag: -1,
			Now:       o.Now,
			Logger:    o.Log,
		})
		if err != nil {
			return err
		}
		sb.Platforms = append(sb.Platforms, a)
	}
	ae, err := aliexpress.New(aliexpress.Config{
		BaseURL: sb.URLs[returns.AliExpress], AppKey: sandboxAEKey, AppSecret: sandboxAESecret, AccessToken: sandboxAEToken,
		Tokens: o.tokens(returns.AliExpress, "ae-store"),
		Shop:   returns.Shop{ID: "ae-store", Platform: returns.AliExpress, Name: "Sandbox AliExpress store", Market: returns.MarketCrossBorderDirect},
		Now:    o.Now, Logger: o.Log, Policy: o.policy(aliexpress.DefaultPolicy()),
	})
	if err != nil {
		return err
	}
	ali, err := alibaba.New(alibaba.Config{
		BaseURL: sb.URLs[returns.Alibaba], AppKey: sandboxAliKey, AppSecret: sandboxAliSecret, Session: sandboxAliToken,
		Tokens: o.tokens(returns.Alibaba, "alibaba-store"),
		Shop:   returns.Shop{ID: "alibaba-store", Platform: returns.Alibaba, Name: "Sandbox Alibaba.com store", Market: returns.MarketCrossBorderDirect},
		Now:    o.Now, Logger: o.Log, Policy: o.policy(alibaba.DefaultPolicy),
		// The simulator indexes a change at once; the real order list needs a minute.
		ListLag: -1,
	})
	if err != nil {
		return err
	}
	sb.Platforms = append(sb.Platforms, ae, ali)
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

func (o SandboxOptions) policy(p adapters.Policy) adapters.Policy {
	p = sandboxPolicy(p)
	if o.Policy != nil {
		p = o.Policy(p)
	}
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
