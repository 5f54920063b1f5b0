package main

import (
	"context"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// sandboxRoute is one of seed 004's three reverse logistics models, as the
// sandbox's default route of every shop.
type sandboxRoute struct {
	kind     returns.RouteKind
	name     string
	cost     map[string]int64 // minor units by currency
	min, max int
	markets  []returns.Market
	minValue map[string]int64 // kept for goods worth this much; nil: any
	second   bool             // sent to the shop's second address, not its default
}

// sandboxRoutes: local low cost 3–5 days, overseas warehouse medium 5–10,
// home country high 15–30 and only for high-value goods (seed 004).
var sandboxRoutes = []sandboxRoute{
	{kind: returns.RouteLocal, name: "Local return address (3PL)", cost: map[string]int64{"CNY": 800, "USD": 300},
		min: 3, max: 5, markets: []returns.Market{returns.MarketDomestic, returns.MarketCrossBorderDirect}},
	{kind: returns.RouteOverseasWarehouse, name: "Overseas warehouse", cost: map[string]int64{"CNY": 2500, "USD": 800},
		min: 5, max: 10, markets: []returns.Market{returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect}, second: true},
	{kind: returns.RouteReturnToOrigin, name: "Return to home country", cost: map[string]int64{"CNY": 12000, "USD": 3000},
		min: 15, max: 30, markets: []returns.Market{returns.MarketCrossBorderDirect},
		minValue: map[string]int64{"CNY": 100000, "USD": 15000}},
}

// sandboxCurrency is the currency a sandbox shop's cases are in.
func sandboxCurrency(p returns.PlatformID) string {
	if p == returns.XHS {
		return "CNY"
	}
	return "USD"
}

// seedSandboxRoutes gives every sandbox shop seed 004's three routes, with
// addresses from the shop's platform address book where it has one (the
// default for the local and home-country routes, another active address for
// the warehouse). A route already there (a shared standalone sandbox) is kept.
func (m *Main) seedSandboxRoutes(ctx context.Context, org returns.OrgID) {
	for _, p := range m.Platforms.All() {
		shop := p.Shop()
		var def, second string
		if al, ok := p.(returns.AddressLister); ok {
			actx, cancel := context.WithTimeout(ctx, 10*time.Second)
			addrs, err := al.ReturnAddresses(actx)
			cancel()
			if err != nil {
				m.Log.Warn("sandbox routes: the shop's return addresses", "platform", shop.Platform, "shop", shop.ID, "err", err)
			}
			for _, a := range addrs {
				switch {
				case a.Default && def == "":
					def = a.ID
				case !a.Default && second == "":
					second = a.ID
				}
			}
		}
		if second == "" {
			second = def
		}
		cur := sandboxCurrency(shop.Platform)
		for _, sr := range sandboxRoutes {
			r := &returns.Route{ID: "sandbox-" + string(shop.Platform) + "-" + shop.ID + "-" + string(sr.kind),
				Platform: shop.Platform, ShopID: shop.ID, Kind: sr.kind, Name: sr.name,
				Cost: returns.Money{Minor: sr.cost[cur], Currency: cur}, TransitDaysMin: sr.min, TransitDaysMax: sr.max,
				Markets: sr.markets, PlatformAddressID: def}
			if sr.second {
				r.PlatformAddressID = second
			}
			if v, ok := sr.minValue[cur]; ok {
				r.MinValue = &returns.Money{Minor: v, Currency: cur}
			}
			if _, err := m.db.CreateRoute(ctx, org, r); err != nil && returns.ErrorCodeOf(err) != returns.CodeConflict {
				m.Log.Warn("sandbox routes: save", "route", r.ID, "err", err)
			}
		}
	}
}
