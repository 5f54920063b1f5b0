// Package alibaba is the gateway's adapter for Alibaba.com (the international
// B2B marketplace, Trade Assurance orders): it reads orders, their refund
// records and their logistics through the platform's TOP-style open API and
// normalizes every refund record into one returns.Case.
//
// Alibaba.com publishes no API to approve, refuse or mediate a refund: the
// seller does that in the web seller centre. The adapter therefore offers no
// API actions (Perform answers UNSUPPORTED_ON_PLATFORM) and reports, through
// returns.SellerCentre, which steps the seller can take there now and where.
//
// A case is one refund record of one order; its id is "<trade_id>-<refund_id>"
// (see CaseID), stable because both parts are the platform's own ids.
package alibaba

import (
	"context"
	"errors"
	"fmt"
	gocache "github.com/patrickmn/go-cache"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// DefaultPolicy is Alibaba.com's retry, timeout and rate policy. The TOP
// router throttles per app and method (error 7, "App Call Limited"); 20
// requests per second stays well under the limits sellers report.
var DefaultPolicy = adapters.Policy{
	Retries:        2,
	WaitMin:        200 * time.Millisecond,
	WaitMax:        1500 * time.Millisecond,
	AttemptTimeout: 5 * time.Second,
	CallTimeout:    12 * time.Second,
	RatePerSecond:  20,
	Burst:          10,
	Breaker:        adapters.DefaultBreakerPolicy,
}

// DefaultLookback is how far back an empty cursor starts walking the change list.
const DefaultLookback = 30 * 24 * time.Hour

// FreightRule chooses who bears return freight (rule ALIBABA-FREIGHT).
type FreightRule string

// The freight rules.
const (
	// FreightCNReading is the default: the seller pays when the seller is at
	// fault (defect, wrong item, not as described, damaged, missing), the
	// buyer otherwise, as CN-FREIGHT reads it.
	FreightCNReading FreightRule = "CN_READING"
	// FreightSeedLiteral follows seed 001's freight paragraph word for word:
	// the seller pays for the buyer's change of mind and the buyer for the
	// seller's wrong or defective item. RULES.md calls it self-contradictory;
	// it is offered only for a shop that really works that way.
	FreightSeedLiteral FreightRule = "SEED_LITERAL"
)

// Config configures one Alibaba.com shop connection.
type Config struct {
	BaseURL   string // the TOP router URL, e.g. https://eco.taobao.com/router/rest
	AppKey    string // the app's key
	AppSecret string // the app's secret, used to sign
	Session   string // the seller's access token (TOP "session")
	// Tokens, when set, replaces Session: it is asked for the token on every
	// request, so a refreshed token is used at once.
	Tokens     adapters.TokenSource
	Shop       returns.Shop // the shop; Platform must be ALIBABA or empty; Market defaults to CROSS_BORDER_DIRECT
	Policy     adapters.Policy
	HTTPClient *http.Client
	// CategoryOverrides map the shop's Alibaba.com category ids to
	// return-rules categories, over the shipped table (adapters/categories).
	CategoryOverrides map[string]returns.Category
	// Freight chooses who bears return freight (zero: FreightCNReading).
	Freight  FreightRule
	Lookback time.Duration // how far back an empty cursor starts (0: DefaultLookback)
	// ListLag is how far behind now the change walk stays, for changes the
	// platform's order list has not indexed yet (0: DefaultListLag; negative: none,
	// for a simulator that indexes at once).
	ListLag time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// Adapter talks to one shop on Alibaba.com.
type Adapter struct {
	cfg    Config
	client *adapters.Client
	log    *slog.Logger
	// products caches each product's category id.
	products *gocache.Cache
	tokens   adapters.TokenSource // asked for the session on every request
}

// productTTL is how long a product's category is trusted.
const productTTL = 24 * time.Hour

var (
	_ returns.Platform     = (*Adapter)(nil)
	_ returns.SellerCentre = (*Adapter)(nil)
)

// New validates the configuration and returns an adapter.
func New(cfg Config) (*Adapter, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, returns.Errorf(returns.CodeInvalid, "alibaba: BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	}
	for _, f := range []struct{ name, v string }{
		{"AppKey", cfg.AppKey}, {"AppSecret", cfg.AppSecret}, {"Session", cfg.Session + tokenSet(cfg)}, {"Shop.ID", cfg.Shop.ID},
	} {
		if strings.TrimSpace(f.v) == "" {
			return nil, returns.Errorf(returns.CodeInvalid, "alibaba: %s is required", f.name)
		}
	}
	switch cfg.Shop.Platform {
	case "":
		cfg.Shop.Platform = returns.Alibaba
	case returns.Alibaba:
	default:
		return nil, returns.Errorf(returns.CodeInvalid, "alibaba: shop %s is on %s", cfg.Shop.ID, cfg.Shop.Platform)
	}
	switch cfg.Shop.Market {
	case "":
		cfg.Shop.Market = returns.MarketCrossBorderDirect
	case returns.MarketDomestic, returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect:
	default:
		return nil, returns.Errorf(returns.CodeInvalid, "alibaba: unknown market %q", cfg.Shop.Market)
	}
	switch cfg.Freight {
	case "":
		cfg.Freight = FreightCNReading
	case FreightCNReading, FreightSeedLiteral:
	default:
		return nil, returns.Errorf(returns.CodeInvalid, "alibaba: unknown freight rule %q", cfg.Freight)
	}
	if cfg.Policy == (adapters.Policy{}) {
		cfg.Policy = DefaultPolicy
	}
	if cfg.Lookback < 0 {
		return nil, returns.Errorf(returns.CodeInvalid, "alibaba: negative Lookback")
	}
	switch {
	case cfg.ListLag == 0:
		cfg.ListLag = DefaultListLag
	case cfg.ListLag < 0:
		cfg.ListLag = 0
	}
	if cfg.Lookback == 0 {
		cfg.Lookback = DefaultLookback
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	log := cfg.Logger.With("platform", string(returns.Alibaba), "shop", cfg.Shop.ID)
	return &Adapter{
		cfg:      cfg,
		tokens:   tokenSource(cfg),
		client:   adapters.NewClient(returns.Alibaba, cfg.Policy, cfg.HTTPClient, log),
		log:      log,
		products: gocache.New(productTTL, time.Hour),
	}, nil
}

// ID names the platform.
func (a *Adapter) ID() returns.PlatformID { return returns.Alibaba }

// Shop is the shop this adapter acts for.
func (a *Adapter) Shop() returns.Shop { return a.cfg.Shop }

// Breaker is the adapter's circuit breaker, for health reporting.
func (a *Adapter) Breaker() *adapters.Breaker { return a.client.Breaker() }

// Instrument reports the adapter's platform calls to m (nil: spans and logs only).
func (a *Adapter) Instrument(m *telemetry.Metrics) { a.client.Instrument(a.cfg.Shop.ID, m) }

// Capabilities reports that Alibaba.com's API carries out no seller action
// and pushes nothing: changes are found by polling the order list.
func (a *Adapter) Capabilities() returns.Capabilities {
	return returns.Capabilities{
		Actions: nil,
		// Everything the seed's flow lets the seller do happens in the seller centre.
		ManualActions: []returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionOffer,
			returns.ActionConfirmReceipt, returns.ActionRefund, returns.ActionEscalate},
		Push: false,
	}
}

// AllowedActions is always empty: every seller step on Alibaba.com happens in
// the seller centre (see SellerCentreActions).
func (a *Adapter) AllowedActions(*returns.Case) []returns.Action { return nil }

// Perform answers UNSUPPORTED_ON_PLATFORM for every action.
//
// This is the seam where a real action API plugs in: when Alibaba.com offers
// one, implement the action here, list it in Capabilities().Actions and remove
// it from the seller-centre table (policy.go); the schema does not change.
func (a *Adapter) Perform(_ context.Context, req returns.ActionRequest) (*returns.ActionResult, error) {
	return nil, returns.Errorf(returns.CodeUnsupported,
		"Alibaba.com offers no API for %s; complete it in the Alibaba.com seller centre", req.Action)
}

// SellerCentreActions reports which seller steps the flow of seed 001 allows
// now in the Alibaba.com seller centre, by the case's platform status. An
// unknown platform status allows none.
func (a *Adapter) SellerCentreActions(c *returns.Case) []returns.Action {
	if c == nil {
		return nil
	}
	row, ok := refundStatusRow(c.PlatformStatus.Code)
	if !ok {
		return nil
	}
	return append([]returns.Action(nil), row.sellerCentre...)
}

// SellerCentreURL is the order's Trade Assurance page in the Alibaba.com
// seller centre, where the refund and dispute panel for every action lives.
func (a *Adapter) SellerCentreURL(c *returns.Case, _ returns.Action) string {
	if c == nil || c.OrderID == "" {
		return ""
	}
	return fmt.Sprintf(SellerCentreOrderURL, url.QueryEscape(c.OrderID))
}

// SellerCentreOrderURL is the pattern of an order's page in the seller
// centre; %s is the trade id. It is the Trade Assurance order detail page
// that buyers and sellers share.
const SellerCentreOrderURL = "https://biz.alibaba.com/ta/detail.htm?orderId=%s"

// caseIDSeparator joins a trade id and a refund id into a case id; both are
// digits on the platform, so the separator cannot occur in either.
const caseIDSeparator = "-"

// CaseID is the gateway's id of a refund record: "<trade_id>-<refund_id>".
func CaseID(tradeID, refundID string) string { return tradeID + caseIDSeparator + refundID }

// SplitCaseID returns the trade id and refund id of a case id.
func SplitCaseID(id string) (tradeID, refundID string, ok bool) {
	i := strings.LastIndex(id, caseIDSeparator)
	if i <= 0 || i == len(id)-1 {
		return "", "", false
	}
	return id[:i], id[i+1:], true
}

// GetCase reads the order (alibaba.seller.order.get), its refund records
// (alibaba.seller.order.fund.get) and its logistics
// (alibaba.seller.order.logistics.get), and normalizes the refund record.
func (a *Adapter) GetCase(ctx context.Context, platformCaseID string) (*returns.Case, error) {
	tradeID, refundID, ok := SplitCaseID(platformCaseID)
	if !ok {
		return nil, returns.Errorf(returns.CodeNotFound, "Alibaba.com has no case %q", platformCaseID)
	}
	// The three reads are independent: ask them at once, so a case costs
	// one round trip to the platform, not three.
	var (
		wg        sync.WaitGroup
		order     *alibabawire.Order
		refunds   []alibabawire.Refund
		logistics *alibabawire.Logistics
		errs      [3]error
	)
	wg.Add(3)
	go func() { defer wg.Done(); order, errs[0] = a.getOrder(ctx, tradeID) }()
	go func() { defer wg.Done(); refunds, errs[1] = a.getRefunds(ctx, tradeID) }()
	go func() { defer wg.Done(); logistics, errs[2] = a.getLogistics(ctx, tradeID) }()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var rec *alibabawire.Refund
	for i := range refunds {
		if refunds[i].RefundID.String() == refundID {
			rec = &refunds[i]
			break
		}
	}
	if rec == nil {
		return nil, returns.Errorf(returns.CodeNotFound, "Alibaba.com order %s has no refund %s", tradeID, refundID)
	}
	c, warnings, err := normalize(normalizeInput{
		Shop:      a.cfg.Shop,
		Order:     order,
		Refund:    rec,
		Logistics: logistics,
		Freight:   a.cfg.Freight,
	})
	if err != nil {
		return nil, &adapters.PlatformError{Platform: returns.Alibaba, Method: alibabawire.MethodFundGet,
			Kind: adapters.KindMalformed, Message: "refund record " + platformCaseID, Err: err}
	}
	for _, w := range warnings {
		a.log.Warn("alibaba: normalizing a refund record fell back", "case", platformCaseID, "detail", w)
	}
	f, warnings, err := a.orderFacts(ctx, c, order)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		a.log.Warn("alibaba: order value", "case", platformCaseID, "detail", w)
	}
	returns.ApplyOrderFacts(c, f)
	returns.FillDefaultFacts(c)
	return c, nil
}

// getOrder calls alibaba.seller.order.get.
func (a *Adapter) getOrder(ctx context.Context, tradeID string) (*alibabawire.Order, error) {
	var resp alibabawire.OrderGetResponse
	err := a.call(ctx, alibabawire.MethodOrderGet, map[string]string{
		alibabawire.ParamTradeID:  tradeID,
		alibabawire.ParamLanguage: alibabawire.LanguageEnglish,
	}, &resp)
	if err != nil {
		return nil, err
	}
	if resp.Value.TradeID == "" {
		// An empty value for a trade id is how some TOP services say "no such order".
		return nil, returns.Errorf(returns.CodeNotFound, "Alibaba.com has no order %s", tradeID)
	}
	return &resp.Value, nil
}

// getRefunds calls alibaba.seller.order.fund.get with data_select=fund_refund.
func (a *Adapter) getRefunds(ctx context.Context, tradeID string) ([]alibabawire.Refund, error) {
	var resp alibabawire.FundGetResponse
	err := a.call(ctx, alibabawire.MethodFundGet, map[string]string{
		alibabawire.ParamTradeID:    tradeID,
		alibabawire.ParamDataSelect: alibabawire.DataSelectFundRefund,
	}, &resp)
	if err != nil {
		return nil, err
	}
	return resp.Value.RefundList.Items, nil
}

// getLogistics calls alibaba.seller.order.logistics.get with
// data_select=logistic_order. An order without logistics is not an error.
func (a *Adapter) getLogistics(ctx context.Context, tradeID string) (*alibabawire.Logistics, error) {
	var resp alibabawire.LogisticsGetResponse
	err := a.call(ctx, alibabawire.MethodLogisticsGet, map[string]string{
		alibabawire.ParamTradeID:    tradeID,
		alibabawire.ParamDataSelect: alibabawire.DataSelectLogisticOrder,
	}, &resp)
	var pe *adapters.PlatformError
	if errors.As(err, &pe) && pe.Kind == adapters.KindNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &resp.Value, nil
}

// ActionRawKeys is empty: the seller-centre steps follow the platform status.
func (a *Adapter) ActionRawKeys() []string { return nil }
