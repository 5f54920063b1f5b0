package xhs

import (
	"context"
	"time"

	cache "github.com/patrickmn/go-cache"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// How long the address book and the reject reasons are cached: they change
// rarely, and an action would otherwise cost an extra call each time.
const (
	addressTTL = 5 * time.Minute
	reasonsTTL = 2 * time.Minute
)

// Adapter talks to one XHS shop.
type Adapter struct {
	cfg    Config
	client *adapters.Client
	tokens adapters.TokenSource // asked for the access token on every request
	// lookups caches the address book and reject reasons (wall-clock expiry).
	lookups *cache.Cache
	// orders caches order facts by order id and items by item id, so that an
	// order is read once however many cases and changes it has.
	orders *cache.Cache
}

var (
	_ returns.Platform           = (*Adapter)(nil)
	_ returns.RejectReasonLister = (*Adapter)(nil)
	_ returns.AddressLister      = (*Adapter)(nil)
	_ returns.BuyerMessenger     = (*Adapter)(nil)
	_ returns.NegotiationSource  = (*Adapter)(nil)
)

// New returns an adapter for the configured shop, or an error naming every
// invalid option.
func New(cfg Config) (*Adapter, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Adapter{
		cfg:     cfg,
		tokens:  cfg.tokenSource(),
		client:  adapters.NewClient(returns.XHS, cfg.Policy, cfg.HTTPClient, cfg.Logger),
		lookups: cache.New(addressTTL, 10*time.Minute),
		orders:  cache.New(orderOpenTTL, 30*time.Minute),
	}, nil
}

// ID names the platform.
func (a *Adapter) ID() returns.PlatformID { return returns.XHS }

// Shop is the shop this adapter acts for.
func (a *Adapter) Shop() returns.Shop { return a.cfg.Shop }

// Breaker is the adapter's circuit breaker, for health reporting.
func (a *Adapter) Breaker() *adapters.Breaker { return a.client.Breaker() }

// Instrument reports the adapter's platform calls to m (nil: spans and logs only).
func (a *Adapter) Instrument(m *telemetry.Metrics) { a.client.Instrument(a.cfg.Shop.ID, m) }

// GetCase fetches one case with afterSale.getAfterSaleInfo, normalizes it,
// and adds its order's facts (delivery, tariff, fulfilment, categories; see
// orderFacts), each with its source. It returns NOT_FOUND for a case the
// platform does not know.
func (a *Adapter) GetCase(ctx context.Context, platformCaseID string) (*returns.Case, error) {
	data, err := a.getAfterSaleInfo(ctx, platformCaseID, false)
	if err != nil {
		return nil, err
	}
	c, warnings, err := normalize(data, a.cfg.Shop, nil)
	if err != nil {
		return nil, a.malformed(xhswire.MethodGetAfterSaleInfo, err)
	}
	for _, w := range warnings {
		a.cfg.Logger.Warn("xhs: unknown platform value", "shop", a.cfg.Shop.ID, "returnsId", platformCaseID, "detail", w)
	}
	f, err := a.orderFacts(ctx, c.OrderID)
	if err != nil {
		return nil, err
	}
	returns.ApplyOrderFacts(c, f)
	returns.FillDefaultFacts(c)
	return c, nil
}

// getAfterSaleInfo calls afterSale.getAfterSaleInfo (获取售后详情（新）).
func (a *Adapter) getAfterSaleInfo(ctx context.Context, id string, negotiation bool) (*xhswire.GetAfterSaleInfoData, error) {
	if id == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "a case id is required").WithField("platformCaseId")
	}
	var data xhswire.GetAfterSaleInfoData
	err := a.call(ctx, xhswire.MethodGetAfterSaleInfo, xhswire.GetAfterSaleInfoRequest{ReturnsID: id, NeedNegotiateRecord: negotiation}, false, &data)
	if err != nil {
		return nil, err
	}
	if data.AfterSaleInfo == nil || data.AfterSaleInfo.ReturnsID == "" {
		// A successful answer without a case: the platform does not know it.
		return nil, a.notFound(xhswire.MethodGetAfterSaleInfo, id)
	}
	return &data, nil
}

func (a *Adapter) notFound(method, id string) error {
	return &adapters.PlatformError{Platform: returns.XHS, Method: method, Kind: adapters.KindNotFound, Message: "no after-sale " + id}
}
