package returns

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(s string) *time.Time { t := ts(s); return &t }
func bp(b bool) *bool        { return &b }

// The ids of RULES.md and the gateway's own, per platform, in catalogue order.
// A rule that disappears from the tables, or changes platform, fails here.
func wantCatalogue() map[PlatformID][]string {
	gw := []string{"GW-REFUND-CAP", "GW-REFUND-CURRENCY", "GW-TARIFF-NONE", "GW-INPUT"}
	ops := []string{"OPS-ROUTES", "OPS-GRADES", "OPS-REASONS", "OPS-COST", "OPS-RATES"}
	return map[PlatformID][]string{
		XHS: slices.Concat([]string{
			"CN-7D-WINDOW", "CN-7D-INTACT", "CN-7D-EXEMPT-STATUTORY", "CN-7D-EXEMPT-DISCLOSED", "CN-REFUND-7D",
			"CN-FREIGHT", "CN-SELLER-FAULT", "CN-DISCLOSURE", "CN-REFUND-ONLY",
			"XB-DIRECT-CARVEOUT", "XB-TARIFF-REFUND", "XB-FULFILMENT",
			"XHS-7D", "XHS-RESPOND", "XHS-MEDIATION", "XHS-ON-PLATFORM", "XHS-CROSSBORDER-AFTERSALE",
		}, gw, ops),
		Alibaba: slices.Concat([]string{
			"XB-EXPORT-RETURN", "ALIBABA-7D", "ALIBABA-NEGOTIATE", "ALIBABA-RECORDS", "ALIBABA-FREIGHT",
		}, gw, ops),
		AliExpress: slices.Concat([]string{
			"XB-EXPORT-RETURN", "AE-FLOW", "AE-WINDOW", "AE-RESPOND", "AE-COSTS", "AE-ABUSE",
		}, gw, ops),
	}
}

func TestRuleCatalogue(t *testing.T) {
	for p, want := range wantCatalogue() {
		var got []string
		for _, r := range RuleCatalogue(p) {
			got = append(got, r.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("RuleCatalogue(%s) =\n  %v\nwant\n  %v", p, got, want)
		}
	}
	if got := RuleCatalogue("EBAY"); got != nil {
		t.Errorf("RuleCatalogue(unknown) = %v, want nil", got)
	}

	configurable := []string{"CN-FREIGHT", "XHS-RESPOND", "ALIBABA-FREIGHT", "AE-WINDOW", "AE-RESPOND", "AE-COSTS"}
	catalogueOnly := []string{"ALIBABA-RECORDS", "OPS-ROUTES", "OPS-REASONS", "OPS-COST", "OPS-RATES"}
	seen := map[string]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		if r.Explanation == "" || r.Source == "" || len(r.Platforms) == 0 {
			t.Errorf("rule %s lacks explanation, source or platforms: %+v", r.ID, r)
		}
		if strings.Contains(r.Explanation, "\n") {
			t.Errorf("rule %s: explanation is more than one line", r.ID)
		}
		if got, want := r.Configurable, slices.Contains(configurable, r.ID); got != want {
			t.Errorf("rule %s: Configurable = %v, want %v", r.ID, got, want)
		}
		if got, want := r.CatalogueOnly, slices.Contains(catalogueOnly, r.ID); got != want {
			t.Errorf("rule %s: CatalogueOnly = %v, want %v", r.ID, got, want)
		}
		isGW := strings.HasPrefix(r.ID, "GW-")
		if isGW != (r.Source == "gateway invariant") || isGW != (r.Reason != "") {
			t.Errorf("rule %s: a GW- rule has source %q and a reason, no other rule does: %+v", r.ID, "gateway invariant", r)
		}
		if r.Zone != "" {
			if _, err := time.LoadLocation(r.Zone); err != nil {
				t.Errorf("rule %s: zone %q: %v", r.ID, r.Zone, err)
			}
		}
	}
	for _, id := range []string{"CN-7D-WINDOW", "CN-REFUND-7D"} {
		if r, _ := LookupRule(id); r.Zone != "Asia/Shanghai" {
			t.Errorf("%s counts days in %q, want Asia/Shanghai", id, r.Zone)
		}
	}
	for _, id := range []string{"ALIBABA-7D", "AE-WINDOW", "AE-RESPOND"} {
		if r, _ := LookupRule(id); r.Zone != "America/Los_Angeles" {
			t.Errorf("%s counts days in %q, want America/Los_Angeles", id, r.Zone)
		}
	}

	// The catalogue is the caller's copy: editing it changes nothing for the next caller.
	c := RuleCatalogue(XHS)
	c[0].ID, c[0].Platforms[0] = "X", "Y"
	if again := RuleCatalogue(XHS); again[0].ID != RuleCN7DWindow || again[0].Platforms[0] != XHS {
		t.Errorf("editing a returned catalogue changed the next one: %+v", again[0])
	}
	if _, ok := LookupRule("NOPE"); ok {
		t.Error("LookupRule found an unknown id")
	}
}

type cite struct {
	id   string
	eff  Effect
	says string // a part of the explanation, when the id and effect are not enough
}

func allows(id string) cite  { return cite{id, EffectAllows, ""} }
func forbids(id string) cite { return cite{id, EffectForbids, ""} }
func info(id string) cite    { return cite{id, EffectInfo, ""} }

// saying narrows a cite to an explanation that contains text.
func (c cite) saying(text string) cite { c.says = text; return c }

// want is an expected verdict. window is RFC 3339 in UTC or "" for none;
// refundDue -1 is none.
type want struct {
	noReason, ret, agreement, tariff bool
	freight                          Party
	window                           string
	refundDue                        int
	cites                            []cite
	absent                           []string
}

type verdictCase struct {
	name   string
	in     EligibilityInput
	policy *RulePolicy
	want   want
}

// Instants shared by the tables. The XHS buyer signed on 1 March 2026 at 10:00
// China time, so the window ends at 24:00 China time on 8 March.
const (
	signedCN      = "2026-03-01T10:00:00+08:00"
	inWindowCN    = "2026-03-04T12:00:00+08:00"
	afterWindowCN = "2026-03-12T12:00:00+08:00"
	closesCN      = "2026-03-08T16:00:00Z"

	// The Alibaba.com and AliExpress buyer received the goods on 1 March 2026
	// at 10:00 Pacific (PST); US daylight saving starts on 8 March.
	deliveredPT = "2026-03-01T10:00:00-08:00"
	closesAli   = "2026-03-09T07:00:00Z" // 24:00 PDT on day 7
	closesAE    = "2026-03-17T07:00:00Z" // 24:00 PDT on day 15
	inWindowPT  = "2026-03-05T09:00:00-08:00"
	afterAliPT  = "2026-03-12T09:00:00-07:00"
	afterAEPT   = "2026-03-20T09:00:00-07:00"
)

func xhsIn(kind Kind, reason Reason, requested string) EligibilityInput {
	return EligibilityInput{Platform: XHS, Market: MarketDomestic, Kind: kind, Reason: reason,
		Category: CategoryGeneral, DeliveredAt: tp(signedCN), RequestedAt: ts(requested)}
}

func with(in EligibilityInput, f func(*EligibilityInput)) EligibilityInput { f(&in); return in }

func verdictCases() []verdictCase {
	rr, ro, ex := KindReturnAndRefund, KindRefundOnly, KindExchange
	xhsOK := xhsIn(rr, ReasonChangedMind, inWindowCN)
	xhsLate := xhsIn(rr, ReasonChangedMind, afterWindowCN)
	ali := EligibilityInput{Platform: Alibaba, Kind: rr, Reason: ReasonChangedMind, DeliveredAt: tp(deliveredPT), RequestedAt: ts(inWindowPT)}
	ae := EligibilityInput{Platform: AliExpress, Kind: rr, Reason: ReasonSizeFit, DeliveredAt: tp(deliveredPT), RequestedAt: ts(inWindowPT)}
	pol := func(f func(*RulePolicy)) *RulePolicy { p := DefaultRulePolicy(); f(&p); return &p }
	okWant := want{noReason: true, ret: true, freight: PartyBuyer, window: closesCN, refundDue: 7}

	return append([]verdictCase{
		// CN-7D-WINDOW and the XHS frame around it.
		{"xhs in window", xhsOK, nil, want{noReason: true, ret: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
			cites: []cite{info(RuleXHS7D), allows(RuleCN7DWindow), allows(RuleCN7DIntact), info(RuleCNFreight),
				info(RuleCNRefund7D), info(RuleGWTariffNone), info(RuleXHSRespond)},
			absent: []string{RuleXHSMediation, RuleXHSOnPlatform, RuleCNSellerFault, RuleXBTariffRefund}}},
		{"xhs after window", xhsLate, nil, want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
			cites: []cite{forbids(RuleCN7DWindow), info(RuleXHSMediation), info(RuleXHSOnPlatform)}}},
		{"xhs delivery unknown: window treated as not closed", with(xhsLate, func(in *EligibilityInput) { in.DeliveredAt = nil }), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, refundDue: 7, cites: []cite{info(RuleCN7DWindow)}}},
		{"xhs no request time: now decides", with(xhsOK, func(in *EligibilityInput) { in.RequestedAt = time.Time{} }), nil,
			want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7, cites: []cite{forbids(RuleCN7DWindow)}}},

		// CN-7D-INTACT.
		{"xhs packaging opened is still intact", with(xhsOK, func(in *EligibilityInput) { in.Condition.PackagingOpened = bp(true) }), nil,
			with2(okWant, allows(RuleCN7DIntact))},
		{"xhs looked at and intact", with(xhsOK, func(in *EligibilityInput) { in.Condition.TagsIntact = bp(true); in.Condition.Used = bp(false) }), nil,
			with2(okWant, allows(RuleCN7DIntact))},
		{"xhs damaged by buyer", with(xhsOK, func(in *EligibilityInput) {
			in.Condition.PackagingOpened, in.Condition.DamagedByBuyer = bp(true), bp(true)
		}), nil, want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7, cites: []cite{forbids(RuleCN7DIntact)}}},
		{"xhs used", with(xhsOK, func(in *EligibilityInput) { in.Condition.Used = bp(true) }), nil,
			want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7, cites: []cite{forbids(RuleCN7DIntact)}}},
		{"xhs tags removed", with(xhsOK, func(in *EligibilityInput) { in.Condition.TagsIntact = bp(false) }), nil,
			want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7, cites: []cite{forbids(RuleCN7DIntact)}}},

		// CN-7D-EXEMPT-STATUTORY: whatever was disclosed.
		{"xhs custom-made", with(xhsOK, func(in *EligibilityInput) { in.Category = CategoryCustomMade }), nil, statutoryWant()},
		{"xhs perishable", with(xhsOK, func(in *EligibilityInput) { in.Category = CategoryPerishable }), nil, statutoryWant()},
		{"xhs live plant", with(xhsOK, func(in *EligibilityInput) { in.Category = CategoryLivePlantOrAnimal }), nil, statutoryWant()},
		{"xhs digital download", with(xhsOK, func(in *EligibilityInput) { in.Category = CategoryDigitalDownload }), nil, statutoryWant()},
		{"xhs unsealed media", with(xhsOK, func(in *EligibilityInput) { in.Category = CategoryUnsealedMedia }), nil, statutoryWant()},
		{"xhs periodical, exemption also confirmed", with(xhsOK, func(in *EligibilityInput) {
			in.Category, in.ExemptionConfirmedAtCheckout = CategoryPeriodical, true
		}), nil, statutoryWant()},

		// CN-SELLER-FAULT lifts exemptions and the window; CN-FREIGHT moves to the seller.
		{"xhs defective custom-made", with(xhsOK, func(in *EligibilityInput) {
			in.Category, in.Reason = CategoryCustomMade, ReasonQualityDefect
		}), nil, want{ret: true, freight: PartySeller, window: closesCN, refundDue: 7,
			cites: []cite{forbids(RuleCN7DExemptStatutory), allows(RuleCNSellerFault), info(RuleXHSMediation)}}},
		{"xhs wrong item after the window", with(xhsLate, func(in *EligibilityInput) { in.Reason = ReasonWrongItem }), nil,
			want{ret: true, freight: PartySeller, window: closesCN, refundDue: 7,
				cites: []cite{forbids(RuleCN7DWindow), allows(RuleCNSellerFault)}}},

		// CN-7D-EXEMPT-DISCLOSED and CN-DISCLOSURE.
		{"xhs hygiene, exclusion not confirmed", with(xhsOK, func(in *EligibilityInput) { in.Category = CategoryHygiene }), nil,
			with2(okWant, allows(RuleCN7DExemptDisclosed), allows(RuleCNDisclosure))},
		{"xhs hygiene, confirmed, seal unknown", with(xhsOK, func(in *EligibilityInput) {
			in.Category, in.ExemptionConfirmedAtCheckout = CategoryHygiene, true
		}), nil, want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
			cites: []cite{forbids(RuleCN7DExemptDisclosed)}, absent: []string{RuleCNDisclosure}}},
		{"xhs hygiene, confirmed, still sealed", with(xhsOK, func(in *EligibilityInput) {
			in.Category, in.ExemptionConfirmedAtCheckout, in.Condition.PackagingOpened = CategoryHygiene, true, bp(false)
		}), nil, with2(okWant, allows(RuleCN7DExemptDisclosed))},
		{"xhs activation, confirmed, not activated", with(xhsOK, func(in *EligibilityInput) {
			in.Category, in.ExemptionConfirmedAtCheckout, in.Condition.Used = CategoryActivatedValueLoss, true, bp(false)
		}), nil, with2(okWant, allows(RuleCN7DExemptDisclosed))},
		{"xhs near expiry, confirmed", with(xhsOK, func(in *EligibilityInput) {
			in.Category, in.ExemptionConfirmedAtCheckout = CategoryNearExpiry, true
		}), nil, want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7, cites: []cite{forbids(RuleCN7DExemptDisclosed)}}},
		{"xhs general goods cannot be excluded by confirmation", with(xhsOK, func(in *EligibilityInput) { in.ExemptionConfirmedAtCheckout = true }), nil,
			with2(okWant, allows(RuleCN7DExemptDisclosed))},

		// CN-REFUND-ONLY.
		{"xhs refund only, received, no agreement", xhsIn(ro, ReasonChangedMind, inWindowCN), nil,
			want{noReason: true, agreement: true, freight: PartyBuyer, window: closesCN, refundDue: -1,
				cites: []cite{forbids(RuleCNRefundOnly), info(RuleCNRefund7D), info(RuleXHSMediation)}}},
		{"xhs refund only, received, seller agrees", with(xhsIn(ro, ReasonChangedMind, inWindowCN), func(in *EligibilityInput) { in.SellerAgreesToRefundOnly = true }), nil,
			want{noReason: true, ret: true, agreement: true, freight: PartyBuyer, window: closesCN, refundDue: -1, cites: []cite{allows(RuleCNRefundOnly)}}},
		{"xhs refund only, received, defect: still needs agreement", xhsIn(ro, ReasonQualityDefect, inWindowCN), nil,
			want{noReason: true, agreement: true, freight: PartySeller, window: closesCN, refundDue: -1,
				cites: []cite{forbids(RuleCNRefundOnly)}, absent: []string{RuleCNSellerFault}}},
		{"xhs refund only, never delivered", with(xhsIn(ro, ReasonChangedMind, inWindowCN), func(in *EligibilityInput) { in.DeliveredAt = nil }), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, refundDue: -1, cites: []cite{allows(RuleCNRefundOnly)}}},
		{"xhs refund only, lost in transit", xhsIn(ro, ReasonNotReceived, afterWindowCN), nil,
			want{ret: true, freight: PartySeller, window: closesCN, refundDue: -1, cites: []cite{allows(RuleCNRefundOnly)}}},
		{"xhs refund only, 23:59:59 before the 2025 change", refundOnlyAt("2025-04-21T23:59:59+08:00"), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, window: "2025-04-26T16:00:00Z", refundDue: -1, cites: []cite{allows(RuleCNRefundOnly)}}},
		{"xhs refund only, from 2025-04-22 00:00 China time", refundOnlyAt("2025-04-21T09:00:00-07:00"), nil,
			want{noReason: true, agreement: true, freight: PartyBuyer, window: "2025-04-26T16:00:00Z", refundDue: -1, cites: []cite{forbids(RuleCNRefundOnly)}}},

		// CN-FREIGHT, configurable.
		{"xhs free-return promise on the order", with(xhsOK, func(in *EligibilityInput) { in.FreeReturnPromised = true }), nil,
			with3(okWant, PartySeller, info(RuleCNFreight))},
		{"xhs shop promises free returns", xhsOK, pol(func(p *RulePolicy) { p.FreeReturnFreight = true }), with3(okWant, PartySeller, info(RuleCNFreight))},
		{"xhs shop pays no-reason freight", xhsOK, pol(func(p *RulePolicy) { p.Freight.XHS.NoReason = PartySeller }), with3(okWant, PartySeller, info(RuleCNFreight))},
		{"xhs unvalidated policy cannot move fault freight", with(xhsOK, func(in *EligibilityInput) { in.Reason = ReasonMissingParts }),
			pol(func(p *RulePolicy) { p.Freight.XHS.SellerFault = PartyBuyer }),
			want{noReason: true, ret: true, freight: PartySeller, window: closesCN, refundDue: 7, cites: []cite{allows(RuleCNSellerFault)}}},
		{"xhs platform states the payer", with(xhsOK, func(in *EligibilityInput) { in.FreightPaidByOnPlatform = PartyPlatform }), nil,
			with3(okWant, PartyPlatform, info(RuleCNFreight))},

		// Cross-border on XHS.
		{"xhs bonded", with(xhsOK, func(in *EligibilityInput) { in.Market = MarketCrossBorderBonded }), nil,
			want{noReason: true, ret: true, tariff: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
				cites:  []cite{allows(RuleXBTariffRefund), info(RuleXBFulfilment)},
				absent: []string{RuleXBDirectCarveOut, RuleGWTariffNone, RuleXHSCrossBorderAfterSale}}},
		{"xhs direct, carve-out confirmed", with(xhsOK, func(in *EligibilityInput) {
			in.Market, in.CrossBorderCarveOutConfirmed = MarketCrossBorderDirect, true
		}), nil, want{agreement: true, tariff: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
			cites: []cite{forbids(RuleXBDirectCarveOut), info(RuleXBFulfilment)}}},
		{"xhs direct, no carve-out", with(xhsOK, func(in *EligibilityInput) { in.Market = MarketCrossBorderDirect }), nil,
			want{noReason: true, ret: true, tariff: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
				cites: []cite{allows(RuleXBDirectCarveOut)}}},
		{"xhs direct, damaged in transit", with(xhsOK, func(in *EligibilityInput) {
			in.Market, in.Reason = MarketCrossBorderDirect, ReasonDamagedInTransit
		}), nil, want{noReason: true, ret: true, tariff: true, freight: PartySeller, window: closesCN, refundDue: 7,
			cites: []cite{info(RuleXHSCrossBorderAfterSale), allows(RuleCNSellerFault)}}},
		{"xhs bonded exchange", with(xhsOK, func(in *EligibilityInput) { in.Market, in.Kind = MarketCrossBorderBonded, ex }), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, window: closesCN, refundDue: -1,
				cites: []cite{info(RuleXBTariffRefund), info(RuleCNRefund7D)}}},

		// Alibaba.com.
		{"alibaba in window", ali, nil, want{noReason: true, ret: true, freight: PartyBuyer, window: closesAli, refundDue: -1,
			cites:  []cite{allows(RuleAlibaba7D), info(RuleAlibabaNegotiate), info(RuleAlibabaFreight), info(RuleGWTariffNone)},
			absent: []string{RuleCN7DWindow, RuleXBExportReturn, RuleAlibabaRecords}}},
		{"alibaba after window", with(ali, func(in *EligibilityInput) { in.RequestedAt = ts(afterAliPT) }), nil,
			want{agreement: true, freight: PartyBuyer, window: closesAli, refundDue: -1,
				cites: []cite{forbids(RuleAlibaba7D), forbids(RuleAlibabaNegotiate)}}},
		{"alibaba delivery unknown", with(ali, func(in *EligibilityInput) { in.DeliveredAt = nil; in.RequestedAt = ts(afterAliPT) }), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, refundDue: -1, cites: []cite{info(RuleAlibaba7D)}}},
		{"alibaba wrong item after window", with(ali, func(in *EligibilityInput) {
			in.RequestedAt, in.Reason = ts(afterAliPT), ReasonWrongItem
		}), nil, want{ret: true, agreement: true, freight: PartySeller, window: closesAli, refundDue: -1,
			cites: []cite{allows(RuleAlibabaNegotiate), info(RuleAlibabaFreight)}}},
		{"alibaba damaged by buyer", with(ali, func(in *EligibilityInput) { in.Condition.DamagedByBuyer = bp(true) }), nil,
			want{agreement: true, freight: PartyBuyer, window: closesAli, refundDue: -1, cites: []cite{forbids(RuleAlibaba7D)}}},
		{"alibaba refund only, received", with(ali, func(in *EligibilityInput) { in.Kind = ro }), nil,
			want{noReason: true, agreement: true, freight: PartyBuyer, window: closesAli, refundDue: -1, cites: []cite{forbids(RuleAlibabaNegotiate)}}},
		{"alibaba refund only, agreed", with(ali, func(in *EligibilityInput) { in.Kind, in.SellerAgreesToRefundOnly = ro, true }), nil,
			want{noReason: true, ret: true, agreement: true, freight: PartyBuyer, window: closesAli, refundDue: -1, cites: []cite{allows(RuleAlibabaNegotiate)}}},
		{"alibaba refund only, not received", with(ali, func(in *EligibilityInput) { in.Kind, in.Reason = ro, ReasonNotReceived }), nil,
			want{noReason: true, ret: true, freight: PartySeller, window: closesAli, refundDue: -1, cites: []cite{allows(RuleAlibabaNegotiate)}}},
		{"alibaba shop makes the buyer pay for its fault", with(ali, func(in *EligibilityInput) { in.Reason = ReasonQualityDefect }),
			pol(func(p *RulePolicy) { p.Freight.Alibaba.SellerFault = PartyBuyer }),
			want{noReason: true, ret: true, freight: PartyBuyer, window: closesAli, refundDue: -1, cites: []cite{info(RuleAlibabaFreight)}}},
		{"alibaba export", with(ali, func(in *EligibilityInput) { in.Market = MarketCrossBorderDirect }), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, window: closesAli, refundDue: -1,
				cites: []cite{info(RuleXBExportReturn), info(RuleGWTariffNone)}, absent: []string{RuleXBTariffRefund, RuleXBDirectCarveOut}}},

		// AliExpress.
		{"ae in window", ae, nil, want{noReason: true, ret: true, freight: PartyBuyer, window: closesAE, refundDue: 7,
			cites: []cite{allows(RuleAEWindow), info(RuleAEFlow), info(RuleAECosts), info(RuleAERespond).saying("answers within 5 days"),
				info(RuleAERespond).saying("within 7 days of receiving"), info(RuleAEAbuse), info(RuleGWTariffNone)}}},
		{"ae platform says the seller pays", with(ae, func(in *EligibilityInput) { in.FreightPaidByOnPlatform = PartySeller }), nil,
			want{noReason: true, ret: true, freight: PartySeller, window: closesAE, refundDue: 7, cites: []cite{info(RuleAECosts)}}},
		{"ae platform's payer beats the seller's fault", with(ae, func(in *EligibilityInput) {
			in.Reason, in.FreightPaidByOnPlatform = ReasonQualityDefect, PartyPlatform
		}), nil, want{noReason: true, ret: true, freight: PartyPlatform, window: closesAE, refundDue: 7, cites: []cite{info(RuleAECosts)}}},
		{"ae after window", with(ae, func(in *EligibilityInput) { in.RequestedAt = ts(afterAEPT) }), nil,
			want{agreement: true, freight: PartyBuyer, window: closesAE, refundDue: 7,
				cites: []cite{forbids(RuleAEWindow), info(RuleAERespond).saying("answers within 5 days")}, absent: []string{RuleAEAbuse}}},
		{"ae defect after window", with(ae, func(in *EligibilityInput) { in.RequestedAt, in.Reason = ts(afterAEPT), ReasonQualityDefect }), nil,
			want{agreement: true, freight: PartySeller, window: closesAE, refundDue: 7, cites: []cite{forbids(RuleAEWindow)}}},
		{"ae shop window of 30 days", with(ae, func(in *EligibilityInput) { in.RequestedAt = ts(afterAEPT) }),
			pol(func(p *RulePolicy) { p.AliExpress.WindowDays = 30; p.AliExpress.StepInDays = 3 }),
			want{noReason: true, ret: true, freight: PartyBuyer, window: "2026-04-01T07:00:00Z", refundDue: 3,
				cites: []cite{allows(RuleAEWindow).saying("within 30 days"), info(RuleAERespond).saying("within 3 days of receiving")}}},
		{"ae shop answer and shipping periods", ae, pol(func(p *RulePolicy) { p.AliExpress.RespondDays, p.AliExpress.BuyerShipDays = 4, 12 }),
			want{noReason: true, ret: true, freight: PartyBuyer, window: closesAE, refundDue: 7,
				cites: []cite{info(RuleAERespond).saying("answers within 4 days"), info(RuleAERespond).saying("within 12 days of approval")}}},
		{"ae shop window, delivery unknown", with(ae, func(in *EligibilityInput) { in.DeliveredAt = nil }), pol(func(p *RulePolicy) { p.AliExpress.WindowDays = 20 }),
			want{noReason: true, ret: true, freight: PartyBuyer, refundDue: 7, cites: []cite{info(RuleAEWindow).saying("20-day")}}},
		{"ae shop window, closed", with(ae, func(in *EligibilityInput) { in.RequestedAt = ts(afterAEPT) }), pol(func(p *RulePolicy) { p.AliExpress.WindowDays = 10 }),
			want{agreement: true, freight: PartyBuyer, window: "2026-03-12T07:00:00Z", refundDue: 7, cites: []cite{forbids(RuleAEWindow).saying("more than 10 days")}}},
		{"ae damaged by buyer", with(ae, func(in *EligibilityInput) { in.Condition.DamagedByBuyer = bp(true) }), nil,
			want{agreement: true, freight: PartyBuyer, window: closesAE, refundDue: 7, cites: []cite{forbids(RuleAEFlow)}}},
		{"ae refund only, never arrived", with(ae, func(in *EligibilityInput) { in.Kind, in.Reason = ro, ReasonNotReceived }), nil,
			want{noReason: true, ret: true, freight: PartySeller, window: closesAE, refundDue: -1,
				cites: []cite{allows(RuleAEFlow).saying("does not have the goods"), info(RuleAEFlow).saying("no period runs")}}},
		{"ae refund only, seller agrees", with(ae, func(in *EligibilityInput) {
			in.Kind, in.Reason, in.SellerAgreesToRefundOnly = ro, ReasonChangedMind, true
		}), nil,
			want{noReason: true, ret: true, agreement: true, freight: PartyBuyer, window: closesAE, refundDue: -1,
				cites: []cite{allows(RuleAEFlow).saying("agreed")}, absent: []string{RuleAEAbuse}}},
		{"ae defect on goods the buyer damaged", with(ae, func(in *EligibilityInput) { in.Reason, in.Condition.DamagedByBuyer = ReasonQualityDefect, bp(true) }), nil,
			want{ret: true, freight: PartySeller, window: closesAE, refundDue: 7, cites: []cite{info(RuleAEFlow).saying("checks the goods")}}},
		{"ae exchange", with(ae, func(in *EligibilityInput) { in.Kind = ex }), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, window: closesAE, refundDue: -1, cites: []cite{info(RuleAEFlow).saying("refunds nothing")}}},
		{"ae refund only, received, changed mind", with(ae, func(in *EligibilityInput) { in.Kind, in.Reason = ro, ReasonChangedMind }), nil,
			want{noReason: true, agreement: true, freight: PartyBuyer, window: closesAE, refundDue: -1, cites: []cite{forbids(RuleAEFlow)}}},
		{"ae refund only, not as described", with(ae, func(in *EligibilityInput) { in.Kind, in.Reason = ro, ReasonNotAsDescribed }), nil,
			want{noReason: true, ret: true, freight: PartySeller, window: closesAE, refundDue: -1, cites: []cite{allows(RuleAEFlow), info(RuleAEAbuse)}}},
		{"ae export", with(ae, func(in *EligibilityInput) { in.Market = MarketCrossBorderBonded }), nil,
			want{noReason: true, ret: true, freight: PartyBuyer, window: closesAE, refundDue: 7, cites: []cite{info(RuleXBExportReturn)}}},

		// GW-INPUT.
		{"unknown platform", with(xhsOK, func(in *EligibilityInput) { in.Platform = "EBAY" }), nil,
			want{freight: PartyBuyer, refundDue: -1, cites: []cite{forbids(RuleGWInput)}}},
		{"unknown category", with(xhsOK, func(in *EligibilityInput) { in.Category = "FURNITURE" }), nil,
			want{freight: PartyBuyer, refundDue: -1, cites: []cite{forbids(RuleGWInput)}, absent: []string{RuleCN7DWindow}}},
	}, inspectedVerdictCases()...)
}

func statutoryWant() want {
	return want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
		cites: []cite{forbids(RuleCN7DExemptStatutory)}, absent: []string{RuleCNDisclosure}}
}

// with2 is the want w citing more rules.
func with2(w want, cs ...cite) want {
	w.cites = append(slices.Clip(w.cites), cs...)
	return w
}

// with3 is the want w with another freight payer, citing more rules.
func with3(w want, payer Party, cs ...cite) want {
	w.freight = payer
	return with2(w, cs...)
}

func refundOnlyAt(requested string) EligibilityInput {
	in := xhsIn(KindRefundOnly, ReasonChangedMind, requested)
	in.DeliveredAt = tp("2025-04-19T10:00:00+08:00")
	return in
}

// fixedNow is the clock of every test: a week after the last request in the tables.
var fixedNow = ts("2026-04-10T08:00:00Z")

func checkVerdict(t *testing.T, e Eligibility, w want) {
	t.Helper()
	if e.NoReasonReturnAllowed != w.noReason || e.ReturnAllowed != w.ret || e.NeedsSellerAgreement != w.agreement ||
		e.TariffRefundable != w.tariff || e.ReturnFreightPaidBy != w.freight {
		t.Errorf("verdict noReason=%v return=%v agreement=%v tariff=%v freight=%s, want %v %v %v %v %s",
			e.NoReasonReturnAllowed, e.ReturnAllowed, e.NeedsSellerAgreement, e.TariffRefundable, e.ReturnFreightPaidBy,
			w.noReason, w.ret, w.agreement, w.tariff, w.freight)
	}
	switch {
	case w.window == "" && e.WindowClosesAt != nil:
		t.Errorf("WindowClosesAt = %v, want none", e.WindowClosesAt)
	case w.window != "" && (e.WindowClosesAt == nil || !e.WindowClosesAt.Equal(ts(w.window))):
		t.Errorf("WindowClosesAt = %v, want %s", e.WindowClosesAt, w.window)
	case e.WindowClosesAt != nil && e.WindowClosesAt.Location() != time.UTC:
		t.Errorf("WindowClosesAt %v is not in UTC", e.WindowClosesAt)
	}
	switch {
	case w.refundDue < 0 && e.RefundDueDaysAfterReceipt != nil:
		t.Errorf("RefundDueDaysAfterReceipt = %d, want none", *e.RefundDueDaysAfterReceipt)
	case w.refundDue >= 0 && (e.RefundDueDaysAfterReceipt == nil || *e.RefundDueDaysAfterReceipt != w.refundDue):
		t.Errorf("RefundDueDaysAfterReceipt = %v, want %d", e.RefundDueDaysAfterReceipt, w.refundDue)
	}
	for _, c := range w.cites {
		found := false
		for _, a := range e.Rules {
			if a.RuleID == c.id && a.Effect == c.eff && strings.Contains(a.Explanation, c.says) {
				found = true
			}
		}
		if !found {
			t.Errorf("verdict does not cite %s %s %q; it cites %s", c.id, c.eff, c.says, citesOf(e))
		}
	}
	for _, id := range w.absent {
		if _, ok := e.Cites(id); ok {
			t.Errorf("verdict cites %s, want not; it cites %s", id, citesOf(e))
		}
	}
}

func citesOf(e Eligibility) string {
	var b strings.Builder
	for _, a := range e.Rules {
		b.WriteString(a.RuleID + " " + string(a.Effect) + "; ")
	}
	return b.String()
}

func TestEvaluate(t *testing.T) {
	for _, tc := range verdictCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultRulePolicy()
			if tc.policy != nil {
				p = *tc.policy
			}
			checkVerdict(t, Evaluate(tc.in, p, fixedNow), tc.want)
		})
	}
}

// TestEveryRuleIsExercised fails when a rule that decides verdicts is not
// asserted, with its effect, by some table: removing a rule or changing its
// effect then fails that table's row.
func TestEveryRuleIsExercised(t *testing.T) {
	asserted := map[string]bool{}
	for _, tc := range verdictCases() {
		for _, c := range tc.want.cites {
			asserted[c.id] = true
		}
	}
	for _, tc := range checkCases() {
		for _, id := range tc.want {
			asserted[id] = true
		}
	}
	for _, tc := range refundCases() {
		for _, c := range tc.cites {
			asserted[c.id] = true
		}
	}
	for _, r := range Rules() {
		if !r.CatalogueOnly && !asserted[r.ID] {
			t.Errorf("rule %s is not asserted by any verdict, action or refund table", r.ID)
		}
	}
}

// TestWindowBoundaries pins CN-7D-WINDOW to China time: the last second of the
// 7th day is inside, the first of the 8th outside, whatever offset the
// instants are written in.
func TestWindowBoundaries(t *testing.T) {
	cases := []struct {
		signed, requested, closes string
		open                      bool
	}{
		{signedCN, "2026-03-08T00:00:00+08:00", closesCN, true},  // day 7 starts
		{signedCN, "2026-03-08T23:59:59+08:00", closesCN, true},  // day 7 ends
		{signedCN, "2026-03-09T00:00:00+08:00", closesCN, false}, // day 8 starts
		{signedCN, "2026-03-09T23:59:59+08:00", closesCN, false}, // day 8 ends
		{signedCN, "2026-03-08T08:59:59-07:00", closesCN, true},  // 23:59:59 China time, written in -07:00
		{signedCN, "2026-03-08T09:00:00-07:00", closesCN, false}, // 00:00:00 China time, in -07:00
		{signedCN, "2026-03-09T00:59:59+09:00", closesCN, true},  // in +09:00
		{signedCN, "2026-03-09T01:00:00+09:00", closesCN, false},
		{signedCN, "2026-03-08T15:59:59Z", closesCN, true},
		{signedCN, "2026-03-08T16:00:00Z", closesCN, false},
		{"2026-02-28T19:00:00-07:00", "2026-03-08T23:59:59+08:00", closesCN, true}, // the same signing, written in -07:00
		{"2026-03-01T11:00:00+09:00", "2026-03-09T00:00:00+08:00", closesCN, false},
		{"2026-03-01T23:59:59+08:00", "2026-03-08T23:59:59+08:00", closesCN, true},
		// Signed at 00:00 China time on 2 March, which is still 1 March in UTC:
		// the day counts in China time.
		{"2026-03-01T16:00:00Z", "2026-03-09T12:00:00+08:00", "2026-03-09T16:00:00Z", true},
		{"2026-03-01T16:00:00Z", "2026-03-10T00:00:00+08:00", "2026-03-09T16:00:00Z", false},
		{"2026-03-01T15:59:59Z", "2026-03-09T00:00:00+08:00", closesCN, false},
	}
	for _, tc := range cases {
		in := xhsIn(KindReturnAndRefund, ReasonChangedMind, tc.requested)
		in.DeliveredAt = tp(tc.signed)
		e := Evaluate(in, DefaultRulePolicy(), fixedNow)
		if e.NoReasonReturnAllowed != tc.open || e.WindowClosesAt == nil || !e.WindowClosesAt.Equal(ts(tc.closes)) ||
			e.WindowClosesAt.Location() != time.UTC {
			t.Errorf("signed %s, requested %s: open=%v closes=%v, want open=%v closes=%s (UTC)",
				tc.signed, tc.requested, e.NoReasonReturnAllowed, e.WindowClosesAt, tc.open, tc.closes)
		}
	}

	// The Pacific windows count whole days in Pacific time across the
	// daylight-saving change of 8 March 2026.
	pacific := []struct {
		platform  PlatformID
		requested string
		open      bool
	}{
		{Alibaba, "2026-03-08T23:59:59-07:00", true},
		{Alibaba, "2026-03-09T00:00:00-07:00", false},
		{Alibaba, "2026-03-09T15:59:59+09:00", true},
		{Alibaba, "2026-03-09T16:00:00+09:00", false},
		{AliExpress, "2026-03-16T23:59:59-07:00", true},
		{AliExpress, "2026-03-17T00:00:00-07:00", false},
		{AliExpress, "2026-03-17T14:59:59+08:00", true},
		{AliExpress, "2026-03-17T15:00:00+08:00", false},
	}
	for _, tc := range pacific {
		in := EligibilityInput{Platform: tc.platform, Kind: KindReturnAndRefund, Reason: ReasonChangedMind,
			DeliveredAt: tp(deliveredPT), RequestedAt: ts(tc.requested)}
		if e := Evaluate(in, DefaultRulePolicy(), fixedNow); e.NoReasonReturnAllowed != tc.open {
			t.Errorf("%s delivered %s, requested %s: open=%v, want %v", tc.platform, deliveredPT, tc.requested, e.NoReasonReturnAllowed, tc.open)
		}
	}
}

func TestEligibilityInputValidate(t *testing.T) {
	ok := xhsIn(KindReturnAndRefund, ReasonChangedMind, inWindowCN)
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid input: %v", err)
	}
	for field, in := range map[string]EligibilityInput{
		"platform":                with(ok, func(in *EligibilityInput) { in.Platform = "" }),
		"market":                  with(ok, func(in *EligibilityInput) { in.Market = "MOON" }),
		"kind":                    with(ok, func(in *EligibilityInput) { in.Kind = "" }),
		"reason":                  with(ok, func(in *EligibilityInput) { in.Reason = "BORED" }),
		"category":                with(ok, func(in *EligibilityInput) { in.Category = "FURNITURE" }),
		"freightPaidByOnPlatform": with(ok, func(in *EligibilityInput) { in.FreightPaidByOnPlatform = "CARRIER" }),
	} {
		err := in.Validate()
		var e *Error
		if err == nil || ErrorCodeOf(err) != CodeInvalid || !asError(err, &e) || !slices.Equal(e.Field, []string{field}) {
			t.Errorf("%s: Validate() = %v, want INVALID on field %s", field, err, field)
		}
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	if ok {
		*target = e
	}
	return ok
}
