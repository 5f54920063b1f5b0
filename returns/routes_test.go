package returns

import (
	"testing"
	"time"
)

func TestChooseRoute(t *testing.T) {
	cny := func(yuan int64) Money { return Money{Minor: yuan * 100, Currency: "CNY"} }
	ptr := func(m Money) *Money { return &m }
	all := []Market{MarketDomestic, MarketCrossBorderBonded, MarketCrossBorderDirect}
	route := func(id string, kind RouteKind, cost Money, maxDays int, markets []Market, minValue *Money) Route {
		return Route{ID: id, Platform: XHS, ShopID: "shop-1", Kind: kind, Name: id, Cost: cost,
			TransitDaysMin: 1, TransitDaysMax: maxDays, Markets: markets, MinValue: minValue}
	}
	// Seed 004's three models, with return to origin kept for goods worth 1000 CNY or more.
	local := route("local", RouteLocal, cny(8), 5, all, nil)
	warehouse := route("warehouse", RouteOverseasWarehouse, cny(25), 10, []Market{MarketCrossBorderBonded, MarketCrossBorderDirect}, nil)
	origin := route("origin", RouteReturnToOrigin, cny(120), 30, []Market{MarketCrossBorderDirect}, ptr(cny(1000)))
	seed := []Route{origin, warehouse, local}
	otherShop := local
	otherShop.ID, otherShop.ShopID = "other-shop", "shop-2"
	otherPlatform := local
	otherPlatform.ID, otherPlatform.Platform = "other-platform", AliExpress
	usd := route("usd", RouteLocal, Money{Minor: 100, Currency: "USD"}, 2, all, nil)
	fastDear := route("fast-dear", RouteOverseasWarehouse, cny(8), 3, all, nil)
	twin := route("a-twin", RouteLocal, cny(8), 5, all, nil)

	tests := []struct {
		name   string
		routes []Route
		market Market
		value  *Money
		lines  []Line
		want   string // "" for none
	}{
		{"no routes", nil, MarketDomestic, ptr(cny(100)), nil, ""},
		{"only other shops and platforms", []Route{otherShop, otherPlatform}, MarketDomestic, ptr(cny(100)), nil, ""},
		{"market not served", []Route{warehouse, origin}, MarketDomestic, ptr(cny(5000)), nil, ""},
		{"domestic: the local route", seed, MarketDomestic, ptr(cny(100)), nil, "local"},
		{"bonded: the cheapest of those serving it", seed, MarketCrossBorderBonded, ptr(cny(100)), nil, "local"},
		{"bonded without local: the warehouse", []Route{origin, warehouse}, MarketCrossBorderBonded, ptr(cny(100)), nil, "warehouse"},
		{"direct, low value: origin is reserved for valuable goods", seed, MarketCrossBorderDirect, ptr(cny(999)), nil, "local"},
		{"direct, high value: return to origin", seed, MarketCrossBorderDirect, ptr(cny(1000)), nil, "origin"},
		{"high value in another currency does not qualify", seed, MarketCrossBorderDirect, ptr(Money{Minor: 500000, Currency: "USD"}), nil, "local"},
		{"unknown value: the cheapest, origin not qualifying", seed, MarketCrossBorderDirect, nil, nil, "local"},
		{"the return costs more than the goods: still the cheapest", []Route{warehouse, origin}, MarketCrossBorderDirect, ptr(cny(10)), nil, "warehouse"},
		{"affordable beats cheaper in another currency", []Route{usd, warehouse}, MarketCrossBorderDirect, ptr(cny(30)), nil, "warehouse"},
		{"none affordable: the case's currency first", []Route{usd, warehouse}, MarketCrossBorderDirect, ptr(cny(3)), nil, "warehouse"},
		{"same cost: the faster", []Route{local, fastDear}, MarketDomestic, ptr(cny(100)), nil, "fast-dear"},
		{"same cost and speed: the lower id", []Route{local, twin}, MarketDomestic, ptr(cny(100)), nil, "a-twin"},
		{"value from the lines when no refund is asked", seed, MarketCrossBorderDirect, nil,
			[]Line{{Quantity: 2, UnitPrice: cny(600)}}, "origin"},
		{"lines in two currencies: unknown value", seed, MarketCrossBorderDirect, nil,
			[]Line{{Quantity: 2, UnitPrice: cny(600)}, {Quantity: 1, UnitPrice: Money{Minor: 1, Currency: "USD"}}}, "local"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{Platform: XHS, ShopID: "shop-1", Market: tc.market, RequestedRefund: tc.value, Lines: tc.lines}
			got := ChooseRoute(tc.routes, c)
			gotID := ""
			if got != nil {
				gotID = got.ID
			}
			if gotID != tc.want {
				t.Errorf("chose %q, want %q", gotID, tc.want)
			}
		})
	}
}

func TestExpectedArrival(t *testing.T) {
	approved := time.Date(2026, 12, 4, 16, 30, 0, 0, time.UTC)
	r := &Route{TransitDaysMin: 3, TransitDaysMax: 5}
	if got, want := ExpectedArrival(approved, r), time.Date(2026, 12, 9, 16, 30, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("expected arrival %v, want %v", got, want)
	}
}

func TestRouteValidate(t *testing.T) {
	ok := Route{Platform: XHS, ShopID: "s", Kind: RouteLocal, Name: "n", Cost: Money{Currency: "CNY"},
		TransitDaysMin: 0, TransitDaysMax: 1, Markets: []Market{MarketDomestic}}
	if e := ok.Validate(); e != nil {
		t.Fatalf("valid route refused: %v", e)
	}
	for name, f := range map[string]func(r *Route){
		"platform":  func(r *Route) { r.Platform = "EBAY" },
		"shop":      func(r *Route) { r.ShopID = "" },
		"name":      func(r *Route) { r.Name = " " },
		"long name": func(r *Route) { r.Name = string(make([]byte, MaxRouteName+1)) },
		"cost":      func(r *Route) { r.Cost.Minor = -1 },
		"currency":  func(r *Route) { r.Cost.Currency = "" },
		"max 0":     func(r *Route) { r.TransitDaysMax = 0 },
		"max huge":  func(r *Route) { r.TransitDaysMax = MaxRouteTransitDay + 1 },
		"twice":     func(r *Route) { r.Markets = []Market{MarketDomestic, MarketDomestic} },
		"empty mkt": func(r *Route) { r.Markets = []Market{""} },
		"address":   func(r *Route) { r.PlatformAddressID = "1\n2" },
		"min value": func(r *Route) { r.MinValue = &Money{Minor: -1, Currency: "CNY"} },
	} {
		r := ok
		r.Markets = append([]Market(nil), ok.Markets...)
		f(&r)
		if e := r.Validate(); e == nil || e.Code != CodeInvalid {
			t.Errorf("%s: %v, want INVALID", name, e)
		}
	}
}

// BenchmarkChooseRoute: a shop at the route cap.
func BenchmarkChooseRoute(b *testing.B) {
	var rs []Route
	for i := range MaxRoutesPerShop {
		rs = append(rs, Route{ID: string(rune('a' + i%26)), Platform: XHS, ShopID: "s", Kind: RouteLocal,
			Cost: Money{Minor: int64(1000 - i), Currency: "CNY"}, TransitDaysMax: 1 + i%30,
			Markets: []Market{MarketDomestic, MarketCrossBorderDirect}})
	}
	c := &Case{Platform: XHS, ShopID: "s", Market: MarketDomestic, RequestedRefund: &Money{Minor: 900, Currency: "CNY"}}
	b.ReportAllocs()
	for b.Loop() {
		if ChooseRoute(rs, c) == nil {
			b.Fatal("no route")
		}
	}
}
