package returns

import (
	"testing"
)

type refundCase struct {
	name    string
	c       *Case
	paid    RefundBasis
	policy  *RulePolicy
	want    string // the amount, "" when an error is expected
	errRule string // the rule id an error carries, if any
	cites   []cite
}

func refundCases() []refundCase {
	crossBorderDefect := func(c *Case) {
		c.Market, c.Reason, c.ReturnFreight = MarketCrossBorderBonded, ReasonQualityDefect, mp("12", "CNY")
	}
	ae := func(c *Case) {
		c.Platform, c.DeliveredAt, c.CreatedAt = AliExpress, tp(deliveredPT), ts(inWindowPT)
		c.Lines[0].UnitPrice, c.RequestedRefund, c.ReturnFreight = MustParseMoney("18.50", "USD"), mp("18.50", "USD"), mp("6.20", "USD")
	}
	shopPays := DefaultRulePolicy()
	shopPays.FreeReturnFreight = true
	return append([]refundCase{
		{name: "xhs change of mind: the goods only", c: caseOf(func(c *Case) { c.ReturnFreight = mp("12", "CNY") }),
			want: "129.90 CNY", cites: []cite{info(RuleGWRefundCap)}},
		{name: "xhs shop promises free returns: freight too", c: caseOf(func(c *Case) { c.ReturnFreight = mp("12", "CNY") }),
			policy: &shopPays, want: "141.90 CNY", cites: []cite{allows(RuleCNFreight)}},
		{name: "xhs cross-border defect: goods, freight and tariff", c: caseOf(crossBorderDefect),
			paid: RefundBasis{Goods: mp("129.90", "CNY"), Tariff: mp("11.69", "CNY")},
			want: "153.59 CNY", cites: []cite{allows(RuleCNFreight), allows(RuleXBTariffRefund)}},
		{name: "xhs cross-border, tariff amount unknown", c: caseOf(crossBorderDefect),
			want: "141.90 CNY", cites: []cite{info(RuleXBTariffRefund)}},
		{name: "xhs seller pays freight, amount unknown", c: caseOf(func(c *Case) { c.Reason = ReasonWrongItem }),
			want: "129.90 CNY", cites: []cite{info(RuleCNFreight)}},
		{name: "xhs freight from the basis", c: caseOf(func(c *Case) { c.Reason = ReasonWrongItem }),
			paid: RefundBasis{ReturnFreight: mp("8", "CNY")}, want: "137.90 CNY", cites: []cite{allows(RuleCNFreight)}},
		{name: "xhs refund only: no freight", c: caseOf(func(c *Case) { c.Kind, c.Reason, c.ReturnFreight = KindRefundOnly, ReasonWrongItem, mp("12", "CNY") }),
			want: "129.90 CNY"},
		{name: "requested more than paid: capped", c: caseOf(func(c *Case) { c.RequestedRefund = mp("150", "CNY") }),
			paid: RefundBasis{Goods: mp("129.90", "CNY")}, want: "129.90 CNY", cites: []cite{forbids(RuleGWRefundCap)}},
		{name: "no requested refund: the lines", c: caseOf(func(c *Case) {
			c.RequestedRefund = nil
			c.Lines[0].Quantity = 2
		}), want: "259.80 CNY", cites: []cite{info(RuleGWRefundCap)}},
		{name: "no lines and no request: what was paid", c: caseOf(func(c *Case) { c.RequestedRefund, c.Lines = nil, nil }),
			paid: RefundBasis{Goods: mp("99", "CNY")}, want: "99.00 CNY"},
		{name: "earlier refund deducted", c: caseOf(func(c *Case) { c.RefundedAmount = mp("29.90", "CNY") }),
			want: "100.00 CNY", cites: []cite{info(RuleGWRefundCap)}},
		{name: "ae platform pays the freight", c: caseOf(func(c *Case) { ae(c); c.ReturnFreightPaidBy = PartyPlatform }),
			want: "18.50 USD", cites: []cite{info(RuleGWRefundCap)}},
		{name: "ae platform says the seller pays", c: caseOf(func(c *Case) { ae(c); c.ReturnFreightPaidBy = PartySeller }),
			want: "24.70 USD", cites: []cite{allows(RuleAECosts)}},
		{name: "alibaba wrong item: seller pays by default", c: caseOf(func(c *Case) {
			c.Platform, c.Reason, c.ReturnFreight = Alibaba, ReasonWrongItem, mp("30", "CNY")
		}), want: "159.90 CNY", cites: []cite{allows(RuleAlibabaFreight)}},

		{name: "exchange refunds nothing", c: caseOf(func(c *Case) { c.Kind = KindExchange }), want: ""},
		{name: "nothing to refund", c: caseOf(func(c *Case) { c.RequestedRefund, c.Lines = nil, nil }), want: ""},
		{name: "tariff in another currency", c: caseOf(crossBorderDefect), paid: RefundBasis{Tariff: mp("1.60", "USD")},
			errRule: RuleGWRefundCurrency},
		{name: "freight in another currency", c: caseOf(func(c *Case) { c.Reason, c.ReturnFreight = ReasonWrongItem, mp("2", "USD") }),
			errRule: RuleGWRefundCurrency},
		{name: "lines in another currency", c: caseOf(func(c *Case) { c.Lines[0].UnitPrice = MustParseMoney("18", "USD") }),
			errRule: RuleGWRefundCurrency},
		{name: "lines mixing currencies", c: caseOf(func(c *Case) {
			c.Lines = append(c.Lines, Line{SKU: "X", Quantity: 1, UnitPrice: MustParseMoney("1", "USD")})
		}), errRule: RuleGWRefundCurrency},
		{name: "paid in another currency", c: caseOf(nil), paid: RefundBasis{Goods: mp("18", "USD")}, errRule: RuleGWRefundCurrency},
		{name: "earlier refund in another currency", c: caseOf(func(c *Case) { c.RefundedAmount = mp("1", "USD") }),
			errRule: RuleGWRefundCurrency},
		{name: "values the rules do not know", c: caseOf(func(c *Case) { c.Kind = "SWAP" }), errRule: RuleGWInput},
	}, inspectedRefundCases()...)
}

func TestDefaultRefund(t *testing.T) {
	for _, tc := range refundCases() {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultRulePolicy()
			if tc.policy != nil {
				p = *tc.policy
			}
			got, apps, err := DefaultRefund(tc.c, p, tc.paid)
			if tc.want == "" {
				if err == nil || ErrorCodeOf(err) != CodeInvalid {
					t.Fatalf("DefaultRefund = %v, %v; want an INVALID error", got, err)
				}
				if e, ok := err.(*Error); tc.errRule != "" && (!ok || e.RuleID != tc.errRule) {
					t.Errorf("error %v does not carry rule %s", err, tc.errRule)
				}
				return
			}
			if err != nil {
				t.Fatalf("DefaultRefund: %v", err)
			}
			if got.String() != tc.want {
				t.Errorf("DefaultRefund = %s, want %s", got, tc.want)
			}
			for _, c := range tc.cites {
				found := false
				for _, a := range apps {
					found = found || (a.RuleID == c.id && a.Effect == c.eff)
				}
				if !found {
					t.Errorf("applications %+v do not cite %s %s", apps, c.id, c.eff)
				}
			}
			for _, a := range apps {
				if a.Explanation == "" {
					t.Errorf("application %s without explanation", a.RuleID)
				}
			}
		})
	}
}

func TestRefundBasisTotal(t *testing.T) {
	b := RefundBasis{Goods: mp("129.90", "CNY"), Tariff: mp("11.69", "CNY"), ReturnFreight: mp("12", "CNY")}
	if got, err := b.Total(); err != nil || got.String() != "153.59 CNY" {
		t.Errorf("Total = %v, %v", got, err)
	}
	if got, err := (RefundBasis{}).Total(); err != nil || got != nil {
		t.Errorf("empty Total = %v, %v", got, err)
	}
	if _, err := (RefundBasis{Goods: mp("1", "CNY"), Tariff: mp("1", "USD")}).Total(); err == nil {
		t.Error("mixed currencies added up")
	}
}
