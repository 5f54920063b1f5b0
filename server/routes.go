package main

import (
	"context"

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
}

// sandboxRoutes: local low cost 3–5 days, overseas warehouse medium 5–10,
// home country high 15–30 and only for high-value goods (seed 004).
var sandboxRoutes = []sandboxRoute{
	{kind: returns.RouteLocal, name: "Local return address (3PL)", cost: map[string]int64{"CNY": 800, "USD": 300},
		min: 3, max: 5, markets: []returns.Market{returns.MarketDomestic, returns.MarketCrossBorderDirect}},
	{kind: returns.RouteOverseasWarehouse, name: "Overseas warehouse", cost: map[string]int64{"CNY": 2500, "USD": 800},
		min: 5, max: 10, markets: []returns.Market{returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect}},
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

// seedSandboxRoutes gives every sandbox shop seed 004's three routes. They
// name no platform address, so an approval by them goes to the shop's default
// return address (the adapter reads it at the time); a seller points a route
// at another address with returnRouteSave, from platformReturnAddresses. A
// shop that has routes already (a shared standalone sandbox) is left as it is.
func (m *Main) seedSandboxRoutes(ctx context.Context, org returns.OrgID) {
	have, err := m.db.ListRoutes(ctx, org, "", "")
	if err != nil {
		m.Log.Warn("sandbox routes: list", "err", err)
		return
	}
	seeded := map[string]bool{}
	for _, r := range have {
		seeded[string(r.Platform)+"/"+r.ShopID] = true
	}
	for _, p := range m.Platforms.All() {
		shop := p.Shop()
		if seeded[string(shop.Platform)+"/"+shop.ID] {
			continue // a shared standalone sandbox: another replica seeded it, or the seller changed it
		}
		cur := sandboxCurrency(shop.Platform)
		for _, sr := range sandboxRoutes {
			r := &returns.Route{ID: "sandbox-" + string(shop.Platform) + "-" + shop.ID + "-" + string(sr.kind),
				Platform: shop.Platform, ShopID: shop.ID, Kind: sr.kind, Name: sr.name,
				Cost: returns.Money{Minor: sr.cost[cur], Currency: cur}, TransitDaysMin: sr.min, TransitDaysMax: sr.max,
				Markets: sr.markets}
			if v, ok := sr.minValue[cur]; ok {
				r.MinValue = &returns.Money{Minor: v, Currency: cur}
			}
			if _, err := m.db.CreateRoute(ctx, org, r); err != nil && returns.ErrorCodeOf(err) != returns.CodeConflict {
				m.Log.Warn("sandbox routes: save", "route", r.ID, "err", err)
			}
		}
	}
}
