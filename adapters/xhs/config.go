package xhs

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
)

// DefaultPolicy is the call policy for XHS. The platform allows 100 requests
// per second per app (and 200 per method); one app may serve many shops, each
// with its own Adapter, so each stays well below that.
var DefaultPolicy = adapters.Policy{
	Retries:        2,
	WaitMin:        200 * time.Millisecond,
	WaitMax:        2 * time.Second,
	AttemptTimeout: 5 * time.Second,
	CallTimeout:    10 * time.Second,
	RatePerSecond:  20,
	Burst:          5,
	Breaker:        adapters.DefaultBreakerPolicy,
}

// DefaultLookback is how far back the first walk of the change list goes.
const DefaultLookback = 30 * 24 * time.Hour

// DefaultSweepHorizon is how far back the first walk looks for cases still
// open (one listing call per day beyond the look-back).
const DefaultSweepHorizon = 90 * 24 * time.Hour

// DefaultPushWindow is how far a push's timestamp may be from the receiver's
// clock, either way, before it is refused as a possible replay.
const DefaultPushWindow = 5 * time.Minute

// maxRatePerSecond is the platform's per-app limit; one shop's policy may not exceed it.
const maxRatePerSecond = 100

// Config is what an Adapter needs.
type Config struct {
	// BaseURL is the gateway URL, e.g. xhswire.ProductionURL.
	BaseURL string
	// AppID and AppSecret are the app's credentials on the open platform.
	AppID     string
	AppSecret string
	// AccessToken is the merchant's authorization of the app. Tokens, when
	// set, replaces it: the adapter asks it for the token on every request,
	// so that a refreshed token is used at once.
	AccessToken string
	Tokens      adapters.TokenSource
	// Shop is the shop the token belongs to. XHS's after-sale APIs do not say
	// whether a shop is domestic or cross-border, so its market comes from here.
	Shop returns.Shop
	// Policy is the retry, timeout and rate policy; the zero value means DefaultPolicy.
	Policy adapters.Policy
	// HTTPClient is the client to use; nil means a fresh pooled one.
	HTTPClient *http.Client
	// CategoryOverrides map the shop's XHS category ids to return-rules
	// categories, over the shipped table (adapters/categories).
	CategoryOverrides map[string]returns.Category
	// Lookback is how far back the first walk of the change list starts; 0
	// means DefaultLookback.
	Lookback time.Duration
	// SweepHorizon is how far back the first walk lists cases that are still
	// open, beyond the look-back; 0 means DefaultSweepHorizon, negative none.
	SweepHorizon time.Duration
	// SellerID is the platform's id of the shop (sellerId in push messages).
	// It is optional: only a receiver of push messages needs it, to route a
	// message to the shop it names (see Adapter.SellerID).
	SellerID string
	// PushWindow is how far a push's timestamp may be from the clock, either
	// way; 0 means DefaultPushWindow.
	PushWindow time.Duration
	// SellerCentreURL is the seller centre's after-sale detail page, where a
	// step the API cannot do (asking the platform to intervene) is taken;
	// the case id is appended as returnsId. Empty: DefaultSellerCentreURL.
	SellerCentreURL string
	// UpdateLag keeps the incremental walk this far behind now, for updates
	// the platform has not indexed yet; 0 means DefaultUpdateLag, a negative
	// value none (a simulator indexes at once).
	UpdateLag time.Duration
	// Now is the clock, used for request timestamps; nil means time.Now.
	Now func() time.Time
	// Logger receives warnings about values the adapter does not know; nil
	// means slog.Default().
	Logger *slog.Logger
}

// tokenSource is Tokens, or else the static AccessToken.
func (c Config) tokenSource() adapters.TokenSource {
	if c.Tokens != nil {
		return c.Tokens
	}
	return adapters.StaticToken(c.AccessToken)
}

// withDefaults validates c and fills in its defaults.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("BaseURL %q is not an http(s) URL", c.BaseURL))
	}
	if c.AppID == "" {
		errs = append(errs, errors.New("AppID is required"))
	}
	if c.AppSecret == "" {
		errs = append(errs, errors.New("AppSecret is required"))
	}
	if c.Tokens == nil && c.AccessToken == "" {
		errs = append(errs, errors.New("AccessToken or Tokens is required"))
	}
	if c.Shop.ID == "" {
		errs = append(errs, errors.New("Shop.ID is required"))
	}
	if c.Shop.Platform == "" {
		c.Shop.Platform = returns.XHS
	} else if c.Shop.Platform != returns.XHS {
		errs = append(errs, fmt.Errorf("Shop.Platform is %q, not %q", c.Shop.Platform, returns.XHS))
	}
	switch c.Shop.Market {
	case returns.MarketDomestic, returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect:
	default:
		errs = append(errs, fmt.Errorf("Shop.Market %q is not a known market", c.Shop.Market))
	}
	if c.Policy == (adapters.Policy{}) {
		c.Policy = DefaultPolicy
	}
	p := c.Policy
	if p.Retries < 0 || p.Retries > 5 {
		errs = append(errs, fmt.Errorf("Policy.Retries %d is outside 0..5", p.Retries))
	}
	if p.AttemptTimeout <= 0 || p.CallTimeout <= 0 {
		errs = append(errs, errors.New("Policy.AttemptTimeout and Policy.CallTimeout must be positive"))
	}
	if p.WaitMin < 0 || p.WaitMax < p.WaitMin {
		errs = append(errs, errors.New("Policy.WaitMin must be at least 0 and at most Policy.WaitMax"))
	}
	if p.RatePerSecond < 0 || p.RatePerSecond > maxRatePerSecond {
		errs = append(errs, fmt.Errorf("Policy.RatePerSecond %v is outside 0..%d (the platform's per-app limit)", p.RatePerSecond, maxRatePerSecond))
	}
	if c.Lookback == 0 {
		c.Lookback = DefaultLookback
	}
	if c.Lookback < time.Minute {
		errs = append(errs, fmt.Errorf("Lookback %v is shorter than a minute", c.Lookback))
	}
	if c.SweepHorizon == 0 {
		c.SweepHorizon = DefaultSweepHorizon
	}
	if c.PushWindow == 0 {
		c.PushWindow = DefaultPushWindow
	}
	if c.PushWindow < time.Second || c.PushWindow > time.Hour {
		errs = append(errs, fmt.Errorf("PushWindow %v is outside 1s..1h", c.PushWindow))
	}
	switch {
	case c.UpdateLag == 0:
		c.UpdateLag = DefaultUpdateLag
	case c.UpdateLag < 0:
		c.UpdateLag = 0
	}
	if c.SellerCentreURL == "" {
		c.SellerCentreURL = DefaultSellerCentreURL
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("xhs: invalid config: %w", errors.Join(errs...))
	}
	return c, nil
}
