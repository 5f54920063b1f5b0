package aliexpress_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

func TestNewValidatesConfig(t *testing.T) {
	good := aliexpress.Config{BaseURL: "https://api-sg.aliexpress.com", AppKey: "k", AppSecret: "s", AccessToken: "t",
		Shop: returns.Shop{ID: "ae-1"}}
	tests := []struct {
		name  string
		edit  func(*aliexpress.Config)
		field string
	}{
		{"RelativeURL", func(c *aliexpress.Config) { c.BaseURL = "api-sg.aliexpress.com" }, "baseURL"},
		{"NoAppKey", func(c *aliexpress.Config) { c.AppKey = "" }, "appKey"},
		{"NoSecret", func(c *aliexpress.Config) { c.AppSecret = "" }, "appSecret"},
		{"NoToken", func(c *aliexpress.Config) { c.AccessToken = "" }, "accessToken"},
		{"NoShop", func(c *aliexpress.Config) { c.Shop.ID = "" }, "shop.id"},
		{"OtherPlatform", func(c *aliexpress.Config) { c.Shop.Platform = returns.XHS }, "shop.platform"},
		{"UnknownMarket", func(c *aliexpress.Config) { c.Shop.Market = "MOON" }, "shop.market"},
		{"PageTooBig", func(c *aliexpress.Config) { c.PageSize = 51 }, "pageSize"},
		{"NegativeLookback", func(c *aliexpress.Config) { c.Lookback = -time.Hour }, "lookback"},
		{"LagBelowASecond", func(c *aliexpress.Config) { c.ChangeLag = time.Millisecond }, "changeLag"},
		{"UnusablePolicy", func(c *aliexpress.Config) { c.Policy = adapters.Policy{Retries: 1} }, "policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			_, err := aliexpress.New(cfg)
			var e *returns.Error
			if !errors.As(err, &e) || e.Code != returns.CodeInvalid || !slices.Equal(e.Field, []string{tt.field}) {
				t.Errorf("New = %v, want INVALID on %s", err, tt.field)
			}
		})
	}
	a, err := aliexpress.New(good)
	if err != nil {
		t.Fatal(err)
	}
	if s := a.Shop(); s.Platform != returns.AliExpress || s.Market != returns.MarketCrossBorderDirect {
		t.Errorf("defaults: shop %+v, want AliExpress and CROSS_BORDER_DIRECT", s)
	}
	if p := aliexpress.DefaultPolicy(); p.Retries < 1 || p.CallTimeout > 30*time.Second || p.RatePerSecond <= 0 {
		t.Errorf("default policy %+v", p)
	}
	caps := a.Capabilities()
	if caps.Push || !slices.Equal(caps.Actions, []returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionOffer, returns.ActionEscalate}) {
		t.Errorf("capabilities %+v", caps)
	}
	c := &returns.Case{PlatformCaseID: "6345753109519425"}
	if got := a.SellerCentreURL(c, returns.ActionConfirmReceipt); got != aliexpress.DefaultSellerCentreURL+"?issueId=6345753109519425" {
		t.Errorf("seller centre URL %s", got)
	}
}

func TestGetCaseUsesTheBuyerSeenInTheList(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 11})
	ctx := context.Background()
	for cursor := ""; ; {
		b, err := a.ListChanges(ctx, cursor, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		cursor = b.Cursor
		if b.CaughtUp {
			break
		}
	}
	pages := sim.Calls(aliexpresswire.MethodIssueList)
	if pages != 3 {
		t.Errorf("120 issues listed in %d pages, want 3 of 50", pages)
	}
	for _, id := range sim.CaseIDs()[:20] {
		c, err := a.GetCase(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.BuyerID != sim.BuyerOf(id) {
			t.Errorf("%s: buyer %q, want %q", id, c.BuyerID, sim.BuyerOf(id))
		}
	}
	if n := sim.Calls(aliexpresswire.MethodIssueList); n != pages {
		t.Errorf("GetCase walked the list again (%d more calls) although the buyers were known", n-pages)
	}
	// A fresh adapter finds an issue it never listed by walking the list.
	fresh, err := aliexpress.New(aliexpress.Config{BaseURL: "http://127.0.0.1:1", AppKey: "k", AppSecret: "s", AccessToken: "t",
		Shop: returns.Shop{ID: "ae-1"}, Policy: fastPolicy})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fresh.GetCase(ctx, "not-a-number"); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Errorf("GetCase(non-numeric id) = %v, want NOT_FOUND without a call", err)
	}
}

func TestSimulatedIssuesCoverTheLifecycle(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 5})
	ctx := context.Background()
	statuses := map[returns.Status]int{}
	currencies := map[string]bool{}
	freight := map[returns.Party]bool{}
	for _, id := range sim.CaseIDs() {
		c, err := a.GetCase(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		statuses[c.Status]++
		currencies[c.Raw["refund_money_max_local_currency"]] = true
		currencies[c.RequestedRefund.Currency] = true
		freight[c.ReturnFreightPaidBy] = true
		if !c.UpdatedAt.Before(clock.Now()) || c.CreatedAt.Before(clock.Now().Add(-28*24*time.Hour-time.Hour)) {
			t.Errorf("%s: created %v updated %v outside the last 28 days", id, c.CreatedAt, c.UpdatedAt)
		}
	}
	for _, s := range []returns.Status{returns.StatusRequested, returns.StatusNegotiating, returns.StatusAwaitingBuyerShipment,
		returns.StatusInTransit, returns.StatusReceived, returns.StatusRefundPending, returns.StatusRefunded,
		returns.StatusEscalated, returns.StatusCancelled, returns.StatusClosed} {
		if statuses[s] == 0 {
			t.Errorf("no seeded issue is %s: %v", s, statuses)
		}
	}
	if len(currencies) < 4 {
		t.Errorf("currencies %v", currencies)
	}
	for _, p := range []returns.Party{returns.PartyBuyer, returns.PartySeller, returns.PartyPlatform} {
		if !freight[p] {
			t.Errorf("no issue where the %s bears return freight", p)
		}
	}
}
