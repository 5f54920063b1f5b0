package returns

import (
	"strings"
	"testing"
	"time"
)

// One checkout event, one fact: whichever field carries it, the engine
// decides what it means by market and category, and no explanation says the
// buyer did not confirm what the buyer confirmed.
func TestCheckoutConfirmationIsOneFact(t *testing.T) {
	delivered := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	requested := delivered.Add(72 * time.Hour)
	base := EligibilityInput{Platform: XHS, Kind: KindReturnAndRefund, Reason: ReasonChangedMind,
		DeliveredAt: &delivered, RequestedAt: requested}
	set := map[string]func(*EligibilityInput){
		"checkoutConfirmed":            func(in *EligibilityInput) { in.CheckoutConfirmed = true },
		"exemptionConfirmedAtCheckout": func(in *EligibilityInput) { in.ExemptionConfirmedAtCheckout = true },
		"crossBorderCarveOutConfirmed": func(in *EligibilityInput) { in.CrossBorderCarveOutConfirmed = true },
	}
	for _, tc := range []struct {
		name     string
		market   Market
		category Category
		rule     string
		effect   Effect
		allowed  bool
	}{
		{"direct general: the carve-out", MarketCrossBorderDirect, CategoryGeneral, RuleXBDirectCarveOut, EffectForbids, false},
		{"domestic hygiene: the disclosed exclusion", MarketDomestic, CategoryHygiene, RuleCN7DExemptDisclosed, EffectForbids, false},
		{"domestic general: nothing to exclude", MarketDomestic, CategoryGeneral, RuleCN7DExemptDisclosed, EffectAllows, true},
		{"bonded general: no carve-out for bonded", MarketCrossBorderBonded, CategoryGeneral, RuleCN7DExemptDisclosed, EffectAllows, true},
	} {
		for field, setter := range set {
			t.Run(tc.name+"/"+field, func(t *testing.T) {
				in := base
				in.Market, in.Category = tc.market, tc.category
				setter(&in)
				e := Evaluate(in, RulePolicy{}, requested)
				if got, ok := e.Cites(tc.rule); !ok || got != tc.effect {
					t.Errorf("%s: %s %v, want %s", tc.rule, got, ok, tc.effect)
				}
				if e.NoReasonReturnAllowed != tc.allowed {
					t.Errorf("noReasonReturnAllowed = %v, want %v", e.NoReasonReturnAllowed, tc.allowed)
				}
				for _, a := range e.Rules {
					if strings.Contains(a.Explanation, "did not confirm") {
						t.Errorf("%s says %q, but the buyer confirmed", a.RuleID, a.Explanation)
					}
				}
				if tc.market == MarketCrossBorderDirect {
					for _, a := range e.Rules {
						if a.Explanation == explGeneralNotExcludable {
							t.Errorf("a direct purchase's confirmation is the carve-out's, yet %s says it excludes nothing", a.RuleID)
						}
					}
				}
			})
		}
	}
}

// A fact the platform did not give is said to be missing, and the verdict
// names the rule it could not decide.
func TestMissingFactsNamedInVerdict(t *testing.T) {
	c := &Case{Platform: XHS, Kind: KindReturnAndRefund, Reason: ReasonChangedMind, Market: MarketCrossBorderBonded,
		CreatedAt: time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC), Lines: []Line{{SKU: "a", Quantity: 1}}}
	ApplyOrderFacts(c, &OrderFacts{Fulfilment: FulfilmentBonded, Lines: map[string]OrderLine{}})
	FillDefaultFacts(c)
	if got := c.MissingFacts(); strings.Join(got, ",") != "deliveredAt,lines.0.category,tariff" {
		t.Fatalf("missing facts = %v", got)
	}
	e := EvaluateCase(c, RulePolicy{}, c.CreatedAt)
	for rule, want := range map[string]string{RuleCN7DWindow: explCNWindowMissing, RuleXBTariffRefund: explTariffAmountMissing} {
		found := false
		for _, a := range e.Rules {
			if a.RuleID == rule {
				found = true
				if a.Explanation != want {
					t.Errorf("%s explains %q, want %q", rule, a.Explanation, want)
				}
			}
		}
		if !found {
			t.Errorf("%s not cited", rule)
		}
	}
}

func TestApplyOrderFacts(t *testing.T) {
	signed := time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC)
	tariff := Money{Minor: 910, Currency: "CNY"}
	c := &Case{Platform: XHS, Market: MarketDomestic, Lines: []Line{{SKU: "s1"}, {SKU: "s2"}}}
	c.FreeReturnPromised = true
	c.SetFact(FactFreeReturnPromised, FactPlatform)
	ApplyOrderFacts(c, &OrderFacts{
		DeliveredAt: &signed, Tariff: &tariff, TariffKnown: true, Fulfilment: FulfilmentDirect,
		FreeReturn: false, FreeReturnKnown: true, CheckoutConfirmed: true, CheckoutKnown: true,
		Lines: map[string]OrderLine{"s1": {Category: CategoryPerishable, CategorySource: FactProductAPI, PlatformCategory: "x"},
			"s2": {Category: CategoryGeneral, CategorySource: FactUnmapped, PlatformCategory: "y"}},
	})
	FillDefaultFacts(c)
	switch {
	case c.DeliveredAt == nil || !c.DeliveredAt.Equal(signed) || c.FactSourceOf(FactDeliveredAt) != FactOrderAPI:
		t.Errorf("deliveredAt %v from %s", c.DeliveredAt, c.FactSourceOf(FactDeliveredAt))
	case c.Market != MarketCrossBorderDirect || c.Fulfilment != FulfilmentDirect || c.FactSourceOf(FactMarket) != FactOrderAPI:
		t.Errorf("market %s fulfilment %s: the order's model wins over the shop's", c.Market, c.Fulfilment)
	case c.Tariff == nil || *c.Tariff != tariff:
		t.Errorf("tariff %v", c.Tariff)
	case !c.FreeReturnPromised || c.FactSourceOf(FactFreeReturnPromised) != FactPlatform:
		t.Error("the after-sale record's own freight insurance was overridden by the order")
	case !c.ExemptionConfirmedAtCheckout || c.FactSourceOf(FactCheckoutConfirmed) != FactOrderAPI:
		t.Error("checkout confirmation not taken from the order")
	case c.Lines[0].Category != CategoryPerishable || c.Lines[0].CategorySource != FactProductAPI:
		t.Errorf("line 0: %s from %s", c.Lines[0].Category, c.Lines[0].CategorySource)
	case c.Lines[1].CategorySource != FactUnmapped || c.FactSourceOf(LineCategoryFact(1)) != FactUnmapped:
		t.Errorf("line 1: %s", c.Lines[1].CategorySource)
	}

	none := &Case{Platform: AliExpress, Market: MarketCrossBorderDirect, Lines: []Line{{SKU: "s"}}}
	ApplyOrderFacts(none, nil)
	FillDefaultFacts(none)
	if none.Fulfilment != FulfilmentDirect || none.FactSourceOf(FactFulfilment) != FactShopConfig {
		t.Errorf("no order: fulfilment %s from %s, want DIRECT from the shop", none.Fulfilment, none.FactSourceOf(FactFulfilment))
	}
	for _, f := range []string{FactDeliveredAt, FactTariff, FactCheckoutConfirmed, LineCategoryFact(0)} {
		if none.FactSourceOf(f) != FactMissing {
			t.Errorf("no order: %s is %s, want MISSING", f, none.FactSourceOf(f))
		}
	}
}
