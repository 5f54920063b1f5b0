package returns

import (
	"slices"
	"strings"
	"testing"
)

func mp(decimal, currency string) *Money { m := MustParseMoney(decimal, currency); return &m }

// caseOf builds a realistic case: an XHS domestic return of one general item,
// signed for on 1 March 2026, requested within the window, unless mod changes it.
func caseOf(mod func(*Case)) *Case {
	c := &Case{
		Platform: XHS, PlatformCaseID: "7001", ShopID: "shop-1", OrderID: "P7001",
		Kind: KindReturnAndRefund, Status: StatusRequested, Reason: ReasonChangedMind, Market: MarketDomestic,
		Lines: []Line{{SKU: "SKU-1", Title: "Linen shirt", Quantity: 1, UnitPrice: MustParseMoney("129.90", "CNY"),
			Category: CategoryGeneral}},
		RequestedRefund: mp("129.90", "CNY"),
		DeliveredAt:     tp(signedCN),
		CreatedAt:       ts(inWindowCN),
		UpdatedAt:       ts(inWindowCN),
	}
	if mod != nil {
		mod(c)
	}
	return c
}

type checkCase struct {
	name string
	c    *Case
	req  ActionCheck
	want []string // violated rule ids, in order
}

func reject(gs ...RejectGround) ActionCheck { return ActionCheck{Action: ActionReject, Grounds: gs} }

func checkCases() []checkCase {
	late := func(c *Case) { c.CreatedAt = ts(afterWindowCN) }
	hygiene := func(c *Case) { c.Lines[0].Category = CategoryHygiene }
	aeCase := func(c *Case) {
		c.Platform, c.DeliveredAt, c.CreatedAt, c.Reason = AliExpress, tp(deliveredPT), ts(inWindowPT), ReasonSizeFit
	}
	aliCase := func(c *Case) { c.Platform, c.DeliveredAt, c.CreatedAt = Alibaba, tp(deliveredPT), ts(inWindowPT) }
	both := func(fs ...func(*Case)) func(*Case) {
		return func(c *Case) {
			for _, f := range fs {
				f(c)
			}
		}
	}
	withCond := func(a ActionCheck, cond ItemCondition) ActionCheck { a.Condition = cond; return a }
	confirmed := func(a ActionCheck) ActionCheck { a.ExemptionConfirmedAtCheckout = true; return a }
	refund := func(amount, paid *Money) ActionCheck {
		return ActionCheck{Action: ActionRefund, Amount: amount, Paid: paid}
	}

	return append([]checkCase{
		// Refusing a valid no-reason return.
		{"xhs refuse valid return", caseOf(nil), reject(GroundOther), []string{RuleCN7DWindow}},
		{"xhs refuse without grounds", caseOf(nil), reject(), []string{RuleCN7DWindow}},
		{"xhs refuse exchange in window", caseOf(func(c *Case) { c.Kind = KindExchange }), reject(GroundOther), []string{RuleCN7DWindow}},
		{"xhs refuse after window", caseOf(late), reject(GroundOther), nil},
		{"xhs refuse, delivery unknown", caseOf(func(c *Case) { c.DeliveredAt = nil }), reject(GroundOther), []string{RuleCN7DWindow}},

		// CN-7D-INTACT.
		{"xhs refuse only for opened packaging", caseOf(nil), reject(GroundPackagingOpened), []string{RuleCN7DIntact, RuleCN7DWindow}},
		{"xhs refuse only for opened packaging, after window", caseOf(late), reject(GroundPackagingOpened), []string{RuleCN7DIntact}},
		{"xhs refuse opened and used", caseOf(nil), reject(GroundPackagingOpened, GroundUsed), nil},
		{"xhs refuse used", caseOf(nil), reject(GroundUsed), nil},
		{"xhs refuse damaged by buyer", caseOf(nil), reject(GroundDamagedByBuyer), nil},
		{"xhs refuse tags removed", caseOf(nil), reject(GroundTagsRemoved), nil},
		{"xhs refuse as damaged while reporting it undamaged", caseOf(nil),
			withCond(reject(GroundDamagedByBuyer), ItemCondition{DamagedByBuyer: bp(false)}), []string{RuleCN7DWindow}},
		{"xhs refuse on observed damage", caseOf(nil), withCond(reject(GroundOther), ItemCondition{DamagedByBuyer: bp(true)}), nil},

		// OUTSIDE_WINDOW.
		{"xhs outside window, but applied in it", caseOf(nil), reject(GroundOutsideWindow), []string{RuleCN7DWindow}},
		{"xhs outside window, rightly", caseOf(late), reject(GroundOutsideWindow), nil},
		{"xhs used, and wrongly outside window", caseOf(nil), reject(GroundUsed, GroundOutsideWindow), []string{RuleCN7DWindow}},
		{"xhs exempt, and outside a window that cannot be shown", caseOf(func(c *Case) {
			c.DeliveredAt, c.Lines[0].Category = nil, CategoryPerishable
		}), reject(GroundExemptCategory, GroundOutsideWindow), []string{RuleCN7DWindow}},
		{"xhs outside window, delivery unknown", caseOf(func(c *Case) { c.DeliveredAt = nil }), reject(GroundOutsideWindow), []string{RuleCN7DWindow}},

		// Exclusions: CN-7D-EXEMPT-DISCLOSED, CN-DISCLOSURE, CN-7D-EXEMPT-STATUTORY.
		{"xhs hygiene exclusion not confirmed", caseOf(hygiene), reject(GroundExemptCategory), []string{RuleCN7DExemptDisclosed, RuleCN7DWindow}},
		{"xhs hygiene exclusion confirmed", caseOf(hygiene), confirmed(reject(GroundExemptCategory)), nil},
		{"xhs hygiene exclusion confirmed, still sealed", caseOf(hygiene),
			confirmed(withCond(reject(GroundExemptCategory), ItemCondition{PackagingOpened: bp(false)})),
			[]string{RuleCN7DExemptDisclosed, RuleCN7DWindow}},
		{"xhs exclusion of general goods", caseOf(nil), reject(GroundExemptCategory), []string{RuleCNDisclosure, RuleCN7DWindow}},
		{"xhs statutory exemption", caseOf(func(c *Case) {
			c.Lines = append(c.Lines, Line{SKU: "SKU-2", Quantity: 1, UnitPrice: MustParseMoney("59", "CNY"), Category: CategoryCustomMade})
		}), reject(GroundExemptCategory), nil},
		{"xhs direct purchase carve-out", caseOf(func(c *Case) { c.Market = MarketCrossBorderDirect }),
			ActionCheck{Action: ActionReject, Grounds: []RejectGround{GroundExemptCategory}, CrossBorderCarveOutConfirmed: true}, nil},

		// CN-SELLER-FAULT.
		{"xhs defective custom-made refused as exempt", caseOf(func(c *Case) {
			c.Reason, c.Lines[0].Category, c.CreatedAt = ReasonQualityDefect, CategoryCustomMade, ts(afterWindowCN)
		}), reject(GroundExemptCategory), []string{RuleCNSellerFault}},
		{"xhs wrong item refused as late", caseOf(func(c *Case) { c.Reason, c.CreatedAt = ReasonWrongItem, ts(afterWindowCN) }),
			reject(GroundOutsideWindow), []string{RuleCNSellerFault}},
		{"xhs fault disputed after window", caseOf(func(c *Case) { c.Reason, c.CreatedAt = ReasonQualityDefect, ts(afterWindowCN) }),
			reject(GroundNotAsClaimed), nil},
		{"xhs fault disputed in window: the no-reason right remains", caseOf(func(c *Case) { c.Reason = ReasonQualityDefect }),
			reject(GroundNotAsClaimed), []string{RuleCN7DWindow}},

		// CN-REFUND-ONLY.
		{"xhs refuse refund for goods never received", caseOf(func(c *Case) { c.Kind, c.DeliveredAt = KindRefundOnly, nil }),
			reject(GroundOther), []string{RuleCNRefundOnly}},
		{"xhs refuse refund-only of received goods", caseOf(func(c *Case) { c.Kind = KindRefundOnly }), reject(GroundOther), nil},

		// Approving after the window.
		{"xhs approve after window", caseOf(late), ActionCheck{Action: ActionApprove}, []string{RuleCN7DWindow}},
		{"xhs approve in window", caseOf(nil), ActionCheck{Action: ActionApprove}, nil},
		{"xhs approve after window for fault", caseOf(both(late, func(c *Case) { c.Reason = ReasonNotAsDescribed })), ActionCheck{Action: ActionApprove}, nil},
		{"xhs approve refund-only after window", caseOf(both(late, func(c *Case) { c.Kind = KindRefundOnly })), ActionCheck{Action: ActionApprove}, nil},
		{"xhs approve, delivery unknown", caseOf(both(late, func(c *Case) { c.DeliveredAt = nil })), ActionCheck{Action: ActionApprove}, nil},

		// The Pacific platforms.
		{"ae approve after window", caseOf(both(aeCase, func(c *Case) { c.CreatedAt = ts(afterAEPT) })), ActionCheck{Action: ActionApprove}, []string{RuleAEWindow}},
		{"ae refuse valid return", caseOf(aeCase), reject(GroundPackagingOpened), []string{RuleAEWindow}},
		{"ae refuse damaged return", caseOf(aeCase), reject(GroundDamagedByBuyer), nil},
		{"alibaba approve after window", caseOf(both(aliCase, func(c *Case) { c.CreatedAt = ts(afterAliPT) })), ActionCheck{Action: ActionApprove}, []string{RuleAlibaba7D}},
		{"alibaba refuse valid return", caseOf(aliCase), reject(GroundOther), []string{RuleAlibaba7D}},

		// Refund amounts: GW-REFUND-CAP and GW-REFUND-CURRENCY.
		{"refund within paid", caseOf(nil), refund(mp("100", "CNY"), mp("129.90", "CNY")), nil},
		{"refund all that was paid", caseOf(nil), refund(mp("129.90", "CNY"), mp("129.90", "CNY")), nil},
		{"refund more than paid", caseOf(nil), refund(mp("129.91", "CNY"), mp("129.90", "CNY")), []string{RuleGWRefundCap}},
		{"refund in another currency", caseOf(nil), refund(mp("18", "USD"), mp("129.90", "CNY")), []string{RuleGWRefundCurrency}},
		{"refund of nothing", caseOf(nil), refund(mp("0", "CNY"), mp("129.90", "CNY")), []string{RuleGWRefundCap}},
		{"refund beyond what earlier refunds left", caseOf(func(c *Case) { c.RefundedAmount = mp("100", "CNY") }),
			refund(mp("30", "CNY"), mp("129.90", "CNY")), []string{RuleGWRefundCap}},
		{"refund the rest after an earlier refund", caseOf(func(c *Case) { c.RefundedAmount = mp("100", "CNY") }),
			refund(mp("29.90", "CNY"), mp("129.90", "CNY")), nil},
		{"refund the requested amount, paid from the lines", caseOf(func(c *Case) { c.RequestedRefund = mp("140", "CNY") }),
			ActionCheck{Action: ActionRefund}, []string{RuleGWRefundCap}},
		{"offer more than the lines", caseOf(nil), ActionCheck{Action: ActionOffer, Amount: mp("200", "CNY")}, []string{RuleGWRefundCap}},
		{"offer in another currency without lines", caseOf(func(c *Case) { c.Lines = nil }),
			ActionCheck{Action: ActionOffer, Amount: mp("20", "USD")}, []string{RuleGWRefundCurrency}},
		{"refund with nothing to compare", caseOf(func(c *Case) { c.Lines, c.RequestedRefund = nil, nil }), ActionCheck{Action: ActionRefund}, nil},

		// Actions the rules do not govern.
		{"escalate", caseOf(late), ActionCheck{Action: ActionEscalate}, nil},
		{"confirm receipt", caseOf(nil), ActionCheck{Action: ActionConfirmReceipt}, nil},
		{"unknown values", caseOf(func(c *Case) { c.Reason = "BORED" }), reject(GroundOther), nil},
	}, inspectedCheckCases()...)
}

func TestCheckAction(t *testing.T) {
	for _, tc := range checkCases() {
		t.Run(tc.name, func(t *testing.T) {
			vs := CheckAction(tc.c, tc.req, DefaultRulePolicy(), fixedNow)
			var got []string
			for _, v := range vs {
				got = append(got, v.RuleID)
				if v.Message == "" {
					t.Errorf("violation %s has no message", v.RuleID)
				}
				if gw := strings.HasPrefix(v.RuleID, "GW-"); v.Acknowledgeable == gw {
					t.Errorf("violation %s: Acknowledgeable = %v; only the GW- refund rules cannot be acknowledged", v.RuleID, v.Acknowledgeable)
				}
				if _, ok := LookupRule(v.RuleID); !ok {
					t.Errorf("violation cites unknown rule %s", v.RuleID)
				}
				if err := v.Err(); err.Code != CodeRuleViolation || err.RuleID != v.RuleID || err.Message != v.Message {
					t.Errorf("Err() = %+v", err)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("violations %v, want %v (%+v)", got, tc.want, vs)
			}
		})
	}
}

func TestCheckActionDoesNotChangeTheCase(t *testing.T) {
	c := caseOf(nil)
	before := *c
	req := reject(GroundUsed, GroundTagsRemoved)
	CheckAction(c, req, DefaultRulePolicy(), fixedNow)
	if c.DeliveredAt != before.DeliveredAt || c.Reason != before.Reason || len(c.Lines) != 1 {
		t.Errorf("case changed: %+v", c)
	}
	if req.Condition.Used != nil {
		t.Error("the caller's condition was changed")
	}
}

func TestUnacknowledged(t *testing.T) {
	vs := []Violation{
		{RuleID: RuleCN7DIntact, Acknowledgeable: true},
		{RuleID: RuleCN7DWindow, Acknowledgeable: true},
		{RuleID: RuleGWRefundCap},
	}
	cases := []struct {
		ack  []string
		want []string
	}{
		{nil, []string{RuleCN7DIntact, RuleCN7DWindow, RuleGWRefundCap}},
		{[]string{RuleCN7DWindow}, []string{RuleCN7DIntact, RuleGWRefundCap}},
		{[]string{RuleCN7DWindow, RuleCN7DIntact}, []string{RuleGWRefundCap}},
		{[]string{RuleCN7DWindow, RuleCN7DIntact, RuleGWRefundCap}, []string{RuleGWRefundCap}},
		{[]string{"cn-7d-window"}, []string{RuleCN7DIntact, RuleCN7DWindow, RuleGWRefundCap}},
	}
	for _, tc := range cases {
		var got []string
		for _, v := range Unacknowledged(vs, tc.ack) {
			got = append(got, v.RuleID)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("Unacknowledged(ack %v) = %v, want %v", tc.ack, got, tc.want)
		}
	}
	if got := Unacknowledged(nil, []string{RuleCN7DWindow}); len(got) != 0 {
		t.Errorf("Unacknowledged(nil) = %v", got)
	}
}

func TestRejectGrounds(t *testing.T) {
	want := []RejectGround{"PACKAGING_OPENED", "USED", "DAMAGED_BY_BUYER", "TAGS_REMOVED", "OUTSIDE_WINDOW",
		"EXEMPT_CATEGORY", "NOT_AS_CLAIMED", "OTHER"}
	if got := RejectGrounds(); !slices.Equal(got, want) {
		t.Errorf("RejectGrounds() = %v", got)
	}
}
