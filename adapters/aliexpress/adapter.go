// Package aliexpress is the gateway's adapter for AliExpress disputes
// ("issues"): it signs and sends the open platform's dispute and address
// calls, reads their envelopes into typed errors, normalizes issues into
// returns.Case values, walks the issue list for changes, and carries out
// the seller actions that the API offers (agree to the buyer's solution,
// save a counter-proposal). Steps the API cannot take — confirming receipt,
// refunding, escalating — are reported as seller-centre steps.
//
// The wire format lives in aliexpresswire; a simulator of the platform is in aliexpresssim.
package aliexpress

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gocache "github.com/patrickmn/go-cache"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// Compile-time guards: the adapter is a platform and offers addresses,
// negotiation history and seller-centre steps.
var (
	_ returns.Platform          = (*Adapter)(nil)
	_ returns.AddressLister     = (*Adapter)(nil)
	_ returns.BuyerMessenger    = (*Adapter)(nil)
	_ returns.NegotiationSource = (*Adapter)(nil)
	_ returns.SellerCentre      = (*Adapter)(nil)
)

// Config configures one adapter: one AliExpress shop.
type Config struct {
	BaseURL     string // e.g. https://api-sg.aliexpress.com
	AppKey      string
	AppSecret   string
	AccessToken string // the shop's authorization
	// Tokens, when set, replaces AccessToken: it is asked for the token on
	// every request, so a refreshed token is used at once.
	Tokens     adapters.TokenSource
	Shop       returns.Shop // Market defaults to CROSS_BORDER_DIRECT: AliExpress sales ship from abroad
	Policy     adapters.Policy
	HTTPClient *http.Client
	// CategoryOverrides map the shop's AliExpress category ids to
	// return-rules categories, over the shipped table (adapters/categories).
	CategoryOverrides map[string]returns.Category
	// Lookback bounds the first walk of the issue list: issues created (or
	// modified) within it are listed. Default 30 days.
	Lookback time.Duration
	// ChangeLag is how far before a scan's start the next scan's watermark
	// is put, to absorb clock skew and the platform's second-resolution
	// times. Default 2 minutes.
	ChangeLag time.Duration
	// PageSize of issuelist.get calls, at most 50 (the default).
	PageSize int
	// SellerCentreURL is the seller centre's issue page; the issue id is
	// appended as the issueId query parameter.
	SellerCentreURL string
	// AddressTTL is how long the return address list is cached. Default 10 minutes.
	AddressTTL time.Duration
	Now        func() time.Time
	Logger     *slog.Logger
}

// DefaultSellerCentreURL is the seller centre's dispute detail page.
// Uncertain: the page's exact path and parameter name; it is configurable.
const DefaultSellerCentreURL = "https://csp.aliexpress.com/m_apps/dispute-management/detail"

// DefaultPolicy returns the AliExpress retry and rate policy: the shared
// gateway defaults with a request rate well under the open platform's
// per-app limits (its ApiCallLimit bans last seconds).
func DefaultPolicy() adapters.Policy {
	p := adapters.DefaultPolicy
	p.RatePerSecond = 20
	p.Burst = 5
	return p
}

// Adapter talks to one AliExpress shop. It is safe for concurrent use.
type Adapter struct {
	cfg       Config
	client    *adapters.Client
	tokens    adapters.TokenSource // asked for the access token on every request
	log       *slog.Logger
	addresses *gocache.Cache
	// orders caches order facts by order id and categories by product id.
	orders *gocache.Cache

	mu     sync.Mutex
	listed map[string]Listed // issue id → what issuelist.get said about it
}

// New validates the configuration and returns an adapter.
func New(cfg Config) (*Adapter, error) {
	invalid := func(field, format string, args ...any) error {
		return returns.Errorf(returns.CodeInvalid, "aliexpress: "+format, args...).WithField(field)
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, invalid("baseURL", "base URL %q must be an absolute http(s) URL", cfg.BaseURL)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.AppKey == "" {
		return nil, invalid("appKey", "app key is required")
	}
	if cfg.AppSecret == "" {
		return nil, invalid("appSecret", "app secret is required")
	}
	if cfg.AccessToken == "" && cfg.Tokens == nil {
		return nil, invalid("accessToken", "access token is required")
	}
	if cfg.Shop.ID == "" {
		return nil, invalid("shop.id", "shop id is required")
	}
	switch cfg.Shop.Platform {
	case "":
		cfg.Shop.Platform = returns.AliExpress
	case returns.AliExpress:
	default:
		return nil, invalid("shop.platform", "shop %s is on %s, not AliExpress", cfg.Shop.ID, cfg.Shop.Platform)
	}
	switch cfg.Shop.Market {
	case "":
		cfg.Shop.Market = returns.MarketCrossBorderDirect
	case returns.MarketDomestic, returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect:
	default:
		return nil, invalid("shop.market", "unknown market %q", cfg.Shop.Market)
	}
	if cfg.Policy == (adapters.Policy{}) {
		cfg.Policy = DefaultPolicy()
	}
	if cfg.Policy.Retries < 0 || cfg.Policy.AttemptTimeout <= 0 || cfg.Policy.CallTimeout < 0 ||
		cfg.Policy.WaitMin < 0 || cfg.Policy.WaitMax < cfg.Policy.WaitMin || cfg.Policy.RatePerSecond < 0 {
		return nil, invalid("policy", "policy %+v is not usable", cfg.Policy)
	}
	switch {
	case cfg.Lookback == 0:
		cfg.Lookback = 30 * 24 * time.Hour
	case cfg.Lookback < 0:
		return nil, invalid("lookback", "look-back must be positive")
	}
	switch {
	case cfg.ChangeLag == 0:
		cfg.ChangeLag = 2 * time.Minute
	case cfg.ChangeLag < time.Second:
		// The platform's times have second resolution: a smaller lag could
		// put the watermark after a change made in the same second.
		return nil, invalid("changeLag", "change lag must be at least a second")
	}
	switch {
	case cfg.PageSize == 0:
		cfg.PageSize = maxPageSize
	case cfg.PageSize < 0 || cfg.PageSize > maxPageSize:
		return nil, invalid("pageSize", "page size must be between 1 and %d", maxPageSize)
	}
	if cfg.SellerCentreURL == "" {
		cfg.SellerCentreURL = DefaultSellerCentreURL
	}
	if cfg.AddressTTL <= 0 {
		cfg.AddressTTL = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("platform", string(returns.AliExpress), "shop", cfg.Shop.ID)
	return &Adapter{
		cfg:       cfg,
		tokens:    tokenSource(cfg),
		client:    adapters.NewClient(returns.AliExpress, cfg.Policy, cfg.HTTPClient, log),
		log:       log,
		addresses: gocache.New(cfg.AddressTTL, 2*cfg.AddressTTL),
		orders:    gocache.New(orderOpenTTL, 30*time.Minute),
		listed:    map[string]Listed{},
	}, nil
}

// ID names the platform.
func (a *Adapter) ID() returns.PlatformID { return returns.AliExpress }

// Shop is the shop this adapter acts for.
func (a *Adapter) Shop() returns.Shop { return a.cfg.Shop }

// Breaker exposes the circuit breaker for health reporting.
func (a *Adapter) Breaker() *adapters.Breaker { return a.client.Breaker() }

// Instrument reports the adapter's platform calls to m (nil: spans and logs only).
func (a *Adapter) Instrument(m *telemetry.Metrics) { a.client.Instrument(a.cfg.Shop.ID, m) }

// Capabilities lists what the AliExpress API really does: agreeing to the
// buyer's solution (approve), saving a seller solution (offer, and
// reject as a counter-proposal), and asking for the platform's mediation
// with images as evidence (escalate). There is no push for disputes: polling only.
func (a *Adapter) Capabilities() returns.Capabilities {
	return returns.Capabilities{
		Actions: []returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionOffer, returns.ActionEscalate},
		// No API in PLATFORMS.md: the seller does these in the seller centre.
		ManualActions: []returns.Action{returns.ActionConfirmReceipt, returns.ActionRefund},
	}
}

// remember records what the list said about an issue, for later detail calls.
func (a *Adapter) remember(l Listed) {
	if l.IssueID == "" {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	old := a.listed[l.IssueID]
	if l.BuyerLoginID == "" {
		l.BuyerLoginID = old.BuyerLoginID
	}
	a.listed[l.IssueID] = l
}

func (a *Adapter) lookup(id string) (Listed, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, ok := a.listed[id]
	return l, ok && l.BuyerLoginID != ""
}

// GetCase fetches one issue and normalizes it. The detail call needs the
// buyer's login id, which only the issue list gives: the adapter remembers it
// from every list page it reads; for an issue it has not seen it walks the
// list until it finds it (NOT_FOUND when it is not there).
func (a *Adapter) GetCase(ctx context.Context, platformCaseID string) (*returns.Case, error) {
	if !isID(platformCaseID) {
		return nil, returns.Errorf(returns.CodeNotFound, "AliExpress issue ids are numbers; %q is not one", platformCaseID)
	}
	l, err := a.listedFor(ctx, platformCaseID, "")
	if err != nil {
		return nil, err
	}
	d, err := a.issueDetail(ctx, platformCaseID, l.BuyerLoginID)
	if err != nil {
		return nil, err
	}
	c, err := a.normalize(d, l)
	if err != nil {
		return nil, err
	}
	f, err := a.orderFacts(ctx, c.OrderID)
	if err != nil {
		return nil, err
	}
	returns.ApplyOrderFacts(c, f)
	returns.FillDefaultFacts(c)
	return c, nil
}

// How long order facts are cached: a delivered order once and for all, one
// on its way for a few minutes.
const (
	orderSettledTTL = 7 * 24 * time.Hour
	orderOpenTTL    = 5 * time.Minute
	productTTL      = 24 * time.Hour
)

// listedFor returns what the list says about an issue, walking the list if
// the adapter has not seen it. A buyer id already known from the case
// (Case.BuyerID) is used without a walk.
func (a *Adapter) listedFor(ctx context.Context, id, buyer string) (Listed, error) {
	if l, ok := a.lookup(id); ok {
		return l, nil
	}
	if buyer != "" {
		return Listed{IssueID: id, BuyerLoginID: buyer}, nil
	}
	for page := 1; ; page++ {
		resp, err := a.issueList(ctx, page)
		if err != nil {
			return Listed{}, err
		}
		for _, it := range resp.DataList {
			a.remember(listedFrom(it))
		}
		if l, ok := a.lookup(id); ok {
			return l, nil
		}
		if lastPage(resp, page, a.cfg.PageSize) {
			return Listed{}, returns.Errorf(returns.CodeNotFound, "AliExpress has no issue %s for this shop", id)
		}
	}
}

func (a *Adapter) normalize(d *issueDetailWire, l Listed) (*returns.Case, error) {
	c, unknown, err := Normalize(d, l, Env{Shop: a.cfg.Shop})
	if err != nil {
		return nil, err
	}
	for _, u := range unknown {
		a.log.Warn("aliexpress: unknown platform value; documented fallback applied",
			"issue", c.PlatformCaseID, "field", u.Field, "value", u.Value, "fallback", u.Fallback)
	}
	if c.BuyerID != "" {
		l.IssueID, l.BuyerLoginID = c.PlatformCaseID, c.BuyerID
		a.remember(l)
	}
	return c, nil
}

func isID(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// notFoundOrErr turns a platform's not-found answer into the domain's code
// while keeping the cause.
func notFoundOrErr(err error, id string) error {
	var pe *adapters.PlatformError
	if errors.As(err, &pe) && pe.Kind == adapters.KindNotFound {
		return returns.Errorf(returns.CodeNotFound, "AliExpress has no issue %s for this shop", id).WithCause(err)
	}
	return err
}
