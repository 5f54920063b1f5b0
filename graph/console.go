package graph

import (
	"context"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// shopConsoleFields fills what a console shows of a shop's connection beyond
// its health: how far its sync lags now, and its token's state (so that a
// seller is offered to re-authorize where the platform needs it).
func (r *Resolver) shopConsoleFields(ctx context.Context, p returns.Platform, sc *model.ShopConnection) {
	if sc.Health != nil && sc.Health.LastSyncAt != nil {
		lag := int(max(0, r.deps.Now().Sub(*sc.Health.LastSyncAt).Seconds()))
		sc.SyncLagSeconds = &lag
	}
	sc.Token = &model.ShopToken{State: model.ShopTokenStateStatic}
	if r.deps.Connections == nil {
		return
	}
	org, err := OrgFrom(ctx)
	if err != nil {
		return
	}
	st, ok := r.deps.Connections.Status(org, p.ID(), p.Shop().ID)
	if !ok {
		return
	}
	sc.Token.State = model.ShopTokenStateActive
	if st.State == store.ConnectionNeedsReauthorization {
		sc.Token.State = model.ShopTokenStateNeedsReauthorization
	}
	sc.Token.AccessExpiresAt = timePtr(st.AccessExpiresAt)
	sc.Token.NextRefreshAt = timePtr(st.NextRefresh)
	if st.LastError != "" {
		e := st.LastError
		sc.Token.LastError = &e
	}
}

// caseAmounts answers ReturnCase.amounts: the components of what the buyer
// paid, who bears each, and whether the default refund (refundDue, from
// returns.DefaultRefund) includes it — by the same rules, so the two agree.
func (r *Resolver) caseAmounts(c *returns.Case) []*model.AmountComponent {
	e := r.caseEligibility(c)
	_, _, refundErr := returns.DefaultRefund(c, r.policy(c), returns.RefundBasis{Tariff: c.Tariff})
	refund := refundErr == nil
	rule := func(id string) *string { return &id }
	party := func(seller bool) returns.Party {
		if seller {
			return returns.PartySeller
		}
		return returns.PartyBuyer
	}

	// The goods part as DefaultRefund takes it: the refund requested, else
	// the lines' total.
	goods := c.RequestedRefund
	if goods == nil && len(c.Lines) > 0 {
		total, ok := returns.Money{Currency: c.Lines[0].UnitPrice.Currency}, true
		for _, l := range c.Lines {
			line := returns.Money{Minor: l.UnitPrice.Minor * int64(l.Quantity), Currency: l.UnitPrice.Currency}
			var err error
			if total, err = total.Add(line); err != nil {
				ok = false // mixed currencies: not a sum anyone can use
				break
			}
		}
		if ok {
			goods = &total
		}
	}
	freightRule := returns.RuleCNFreight
	switch c.Platform {
	case returns.Alibaba:
		freightRule = returns.RuleAlibabaFreight
	case returns.AliExpress:
		freightRule = returns.RuleAECosts
	}
	sellerFreight := e.ReturnFreightPaidBy == returns.PartySeller
	return []*model.AmountComponent{
		{Kind: model.AmountComponentKindGoods, Amount: goods, PaidBy: party(c.Kind != returns.KindExchange),
			InRefund: refund && goods != nil, RuleID: rule(returns.RuleGWRefundCap)},
		{Kind: model.AmountComponentKindOutboundFreight, Amount: c.ShippingPaid, PaidBy: returns.PartyBuyer},
		{Kind: model.AmountComponentKindReturnFreight, Amount: c.ReturnFreight, PaidBy: r.returnFreightPaidBy(c),
			InRefund: refund && c.ReturnFreight != nil && sellerFreight && c.Kind != returns.KindRefundOnly, RuleID: rule(freightRule)},
		{Kind: model.AmountComponentKindTariff, Amount: c.Tariff, PaidBy: party(e.TariffRefundable),
			InRefund: refund && c.Tariff != nil && e.TariffRefundable, RuleID: rule(returns.RuleXBTariffRefund)},
	}
}
