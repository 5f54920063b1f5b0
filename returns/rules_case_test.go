package returns

import (
	"testing"
	"time"
)

func TestEvaluateCase(t *testing.T) {
	line := func(cat Category) Line {
		return Line{SKU: string(cat), Quantity: 1, UnitPrice: MustParseMoney("10", "CNY"), Category: cat}
	}
	cases := []struct {
		name string
		c    *Case
		want want
	}{
		{"one general line", caseOf(nil), want{noReason: true, ret: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
			cites: []cite{allows(RuleCN7DWindow)}}},
		{"the strictest line decides", caseOf(func(c *Case) {
			c.Lines = []Line{line(CategoryGeneral), line(CategoryHygiene), line(CategoryPerishable), line("")}
		}), want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
			cites: []cite{forbids(RuleCN7DExemptStatutory)}, absent: []string{RuleCN7DExemptDisclosed}}},
		{"a disclosed-type line beats general", caseOf(func(c *Case) { c.Lines = []Line{line(""), line(CategoryNearExpiry)} }),
			want{noReason: true, ret: true, freight: PartyBuyer, window: closesCN, refundDue: 7,
				cites: []cite{allows(RuleCN7DExemptDisclosed), allows(RuleCNDisclosure)}}},
		{"an unknown category is reported", caseOf(func(c *Case) { c.Lines = []Line{line(CategoryCustomMade), line("SOFA")} }),
			want{freight: PartyBuyer, refundDue: -1, cites: []cite{forbids(RuleGWInput)}}},
		{"no lines", caseOf(func(c *Case) { c.Lines = nil }), want{noReason: true, ret: true, freight: PartyBuyer, window: closesCN, refundDue: 7}},
		{"the platform's freight payer and market", caseOf(func(c *Case) {
			c.ReturnFreightPaidBy, c.Market = PartySeller, MarketCrossBorderBonded
		}), want{noReason: true, ret: true, tariff: true, freight: PartySeller, window: closesCN, refundDue: 7,
			cites: []cite{info(RuleCNFreight), allows(RuleXBTariffRefund)}}},
		{"late request", caseOf(func(c *Case) { c.CreatedAt = ts(afterWindowCN) }),
			want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7, cites: []cite{forbids(RuleCN7DWindow)}}},
		{"no creation time: now", caseOf(func(c *Case) { c.CreatedAt = time.Time{} }),
			want{agreement: true, freight: PartyBuyer, window: closesCN, refundDue: 7, cites: []cite{forbids(RuleCN7DWindow)}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkVerdict(t, EvaluateCase(tc.c, DefaultRulePolicy(), fixedNow), tc.want)
		})
	}
}

func TestRuleDeadlines(t *testing.T) {
	type deadlines struct{ respond, ship, refund, window string }
	ae := func(c *Case) {
		c.Platform, c.DeliveredAt, c.CreatedAt = AliExpress, tp(deliveredPT), ts("2026-03-05T10:00:00-08:00")
	}
	received := CaseTimes{ReceivedAt: tp("2026-03-10T15:00:00+08:00")}
	cases := []struct {
		name   string
		c      *Case
		at     CaseTimes
		policy func(*RulePolicy)
		want   deadlines
	}{
		{"xhs waiting: 48 h fallback and the window", caseOf(nil), CaseTimes{}, nil,
			deadlines{respond: "2026-03-06T04:00:00Z", window: closesCN}},
		{"xhs shop answers within 24 h", caseOf(nil), CaseTimes{}, func(p *RulePolicy) { p.XHSRespondHours = 24 },
			deadlines{respond: "2026-03-05T04:00:00Z", window: closesCN}},
		{"xhs platform's expireTime wins", caseOf(func(c *Case) { c.Deadlines.RespondBy = tp("2026-03-05T20:00:00+08:00") }), CaseTimes{}, nil,
			deadlines{respond: "2026-03-05T12:00:00Z", window: closesCN}},
		{"xhs platform's window wins", caseOf(func(c *Case) { c.Deadlines.WindowClosesAt = tp("2026-03-20T00:00:00Z") }), CaseTimes{}, nil,
			deadlines{respond: "2026-03-06T04:00:00Z", window: "2026-03-20T00:00:00Z"}},
		{"xhs received: refund within 7 days, China time", caseOf(func(c *Case) { c.Status = StatusReceived }), received, nil,
			deadlines{refund: "2026-03-17T16:00:00Z", window: closesCN}},
		{"xhs received, platform's refund deadline wins", caseOf(func(c *Case) {
			c.Status, c.Deadlines.RefundBy = StatusReceived, tp("2026-03-12T00:00:00Z")
		}), received, nil, deadlines{refund: "2026-03-12T00:00:00Z", window: closesCN}},
		{"xhs exchange received: no refund due", caseOf(func(c *Case) { c.Status, c.Kind = StatusReceived, KindExchange }), received, nil,
			deadlines{window: closesCN}},
		{"xhs refunded: nothing more due", caseOf(func(c *Case) { c.Status = StatusRefunded }), received, nil,
			deadlines{window: closesCN}},
		{"xhs delivery unknown: no window", caseOf(func(c *Case) { c.DeliveredAt, c.Status = nil, StatusInTransit }), CaseTimes{}, nil,
			deadlines{}},
		{"ae waiting: 5 days, across daylight saving", caseOf(ae), CaseTimes{}, nil,
			deadlines{respond: "2026-03-10T17:00:00Z", window: closesAE}},
		{"ae platform's timeout wins", caseOf(func(c *Case) { ae(c); c.Deadlines.RespondBy = tp("2026-03-09T00:00:00Z") }), CaseTimes{}, nil,
			deadlines{respond: "2026-03-09T00:00:00Z", window: closesAE}},
		{"ae buyer ships within 10 days of approval", caseOf(func(c *Case) { ae(c); c.Status = StatusAwaitingBuyerShipment }),
			CaseTimes{ApprovedAt: tp("2026-03-06T09:30:00-08:00")}, nil,
			deadlines{ship: "2026-03-16T16:30:00Z", window: closesAE}},
		{"ae approval time unknown", caseOf(func(c *Case) { ae(c); c.Status = StatusAwaitingBuyerShipment }), CaseTimes{}, nil,
			deadlines{window: closesAE}},
		{"ae received: the platform steps in after 7 days", caseOf(func(c *Case) { ae(c); c.Status = StatusReceived }),
			CaseTimes{ReceivedAt: tp("2026-03-12T11:00:00-07:00")}, nil,
			deadlines{refund: "2026-03-19T18:00:00Z", window: closesAE}},
		{"ae shop periods", caseOf(func(c *Case) { ae(c) }), CaseTimes{}, func(p *RulePolicy) {
			p.AliExpress.RespondDays, p.AliExpress.WindowDays = 3, 30
		}, deadlines{respond: "2026-03-08T17:00:00Z", window: "2026-04-01T07:00:00Z"}},
		{"alibaba: the window only", caseOf(func(c *Case) {
			c.Platform, c.DeliveredAt, c.Status = Alibaba, tp(deliveredPT), StatusReceived
		}), received, nil, deadlines{window: closesAli}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultRulePolicy()
			if tc.policy != nil {
				tc.policy(&p)
			}
			before := tc.c.Deadlines
			d := RuleDeadlines(tc.c, tc.at, p, fixedNow)
			check := func(field string, got *time.Time, want string) {
				t.Helper()
				switch {
				case want == "" && got != nil:
					t.Errorf("%s = %v, want none", field, got)
				case want != "" && (got == nil || !got.Equal(ts(want))):
					t.Errorf("%s = %v, want %s", field, got, want)
				case got != nil && got.Location() != time.UTC:
					t.Errorf("%s = %v is not UTC", field, got)
				}
			}
			check("RespondBy", d.RespondBy, tc.want.respond)
			check("BuyerShipBy", d.BuyerShipBy, tc.want.ship)
			check("RefundBy", d.RefundBy, tc.want.refund)
			check("WindowClosesAt", d.WindowClosesAt, tc.want.window)
			if tc.c.Deadlines != before {
				t.Error("RuleDeadlines changed the case's deadlines")
			}
		})
	}
}
