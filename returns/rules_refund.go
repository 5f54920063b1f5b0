package returns

// RefundBasis is what the buyer paid that a refund may return; nil fields are
// not known.
type RefundBasis struct {
	Goods         *Money // paid for the goods of the case (nil: the lines' total)
	Tariff        *Money // cross-border tax the buyer paid (XB-TARIFF-REFUND)
	ReturnFreight *Money // return shipping to reimburse (nil: the case's ReturnFreight)
}

// Total is the most a refund may return: goods, tariff and return freight,
// all in one currency. It is nil when nothing is known.
func (b RefundBasis) Total() (*Money, error) {
	var total *Money
	for _, m := range [...]*Money{b.Goods, b.Tariff, b.ReturnFreight} {
		if m == nil {
			continue
		}
		if total == nil {
			t := *m
			total = &t
			continue
		}
		s, err := total.Add(*m)
		if err != nil {
			return nil, err
		}
		total = &s
	}
	return total, nil
}

// linesTotal is the sum of the lines' prices, nil without lines.
func linesTotal(lines []Line) (*Money, error) {
	var total *Money
	for _, l := range lines {
		m, err := l.UnitPrice.Mul(int64(l.Quantity))
		if err != nil {
			return nil, err
		}
		if total == nil {
			total = &m
			continue
		}
		s, err := total.Add(m)
		if err != nil {
			return nil, err
		}
		total = &s
	}
	return total, nil
}

// DefaultRefund is the refund the rules call for when the seller names no
// amount: the goods (the buyer's requested refund, or the lines' total, never
// more than paid for them), plus return freight when the seller bears it
// (CN-FREIGHT, ALIBABA-FREIGHT, AE-COSTS), plus the tariff on XHS
// cross-border orders (XB-TARIFF-REFUND), less what was already refunded
// (GW-REFUND-CAP). Goods the seller's inspection found damaged (grade C, no
// seller fault) add a note that a partial refund is allowed (CN-7D-INTACT,
// ALIBABA-7D, XB-EXPORT-RETURN, AE-FLOW). Everything is in the order's currency; an amount in another
// currency is an INVALID error (GW-REFUND-CURRENCY), as is an exchange, which
// refunds nothing.
func DefaultRefund(c *Case, policy RulePolicy, paid RefundBasis) (Money, []RuleApplication, error) {
	b, err := RefundBreakdown(c, policy, paid)
	if err != nil {
		return Money{}, nil, err
	}
	return b.Total, b.Rules, nil
}

// RefundPartKind names a part of a refund's breakdown.
type RefundPartKind string

// The parts of a refund.
const (
	RefundGoods           RefundPartKind = "GOODS"
	RefundReturnFreight   RefundPartKind = "RETURN_FREIGHT"
	RefundReturnInsurance RefundPartKind = "RETURN_INSURANCE"
	RefundTariff          RefundPartKind = "TARIFF"
	RefundAlreadyRefunded RefundPartKind = "ALREADY_REFUNDED" // deducted
)

// RefundPart is one line of the breakdown: what, how much (never negative:
// ALREADY_REFUNDED is deducted), who bears it, and the rule that puts it there.
type RefundPart struct {
	Kind   RefundPartKind
	Amount Money
	PaidBy Party
	RuleID string
}

// Refund is DefaultRefund's amount with its parts and the rules behind them.
type Refund struct {
	Total Money
	Parts []RefundPart
	Rules []RuleApplication
}

// RefundBreakdown is DefaultRefund with its parts. On an export return
// (Case.Export, XB-EXPORT-RETURN) the return freight and insurance are the
// exporter's: their amounts, once recorded, are refunded with the goods, and
// the freight verdict of ALIBABA-FREIGHT does not apply.
func RefundBreakdown(c *Case, policy RulePolicy, paid RefundBasis) (*Refund, error) {
	total, apps, parts, err := defaultRefund(c, policy, paid)
	if err != nil {
		return nil, err
	}
	return &Refund{Total: total, Parts: parts, Rules: apps}, nil
}

func defaultRefund(c *Case, policy RulePolicy, paid RefundBasis) (Money, []RuleApplication, []RefundPart, error) {
	if c.Kind == KindExchange {
		return Money{}, nil, nil, &Error{Code: CodeInvalid, Message: "an exchange refunds nothing"}
	}
	var apps []RuleApplication
	var parts []RefundPart
	note := func(id string, eff Effect, text string) {
		apps = append(apps, RuleApplication{RuleID: id, Effect: eff, Explanation: text})
	}
	part := func(k RefundPartKind, m Money, by Party, rule string) {
		parts = append(parts, RefundPart{Kind: k, Amount: m, PaidBy: by, RuleID: rule})
	}
	currencyErr := func(what string, m Money, currency string) error {
		return &Error{Code: CodeInvalid, RuleID: RuleGWRefundCurrency,
			Message: what + " is in " + m.Currency + " but the order is in " + currency}
	}

	var goods Money
	lines, err := linesTotal(c.Lines)
	if err != nil {
		return Money{}, nil, nil, &Error{Code: CodeInvalid, RuleID: RuleGWRefundCurrency, Message: "the case's lines mix currencies", Err: err}
	}
	switch {
	case c.RequestedRefund != nil:
		goods = *c.RequestedRefund
		note(RuleGWRefundCap, EffectInfo, "The goods part is the refund the buyer requested.")
	case lines != nil:
		goods = *lines
		note(RuleGWRefundCap, EffectInfo, "The goods part is the total of the case's lines.")
	case paid.Goods != nil:
		goods = *paid.Goods
		note(RuleGWRefundCap, EffectInfo, "The goods part is what the buyer paid for the goods.")
	default:
		return Money{}, nil, nil, &Error{Code: CodeInvalid, Message: "the case states no amount to refund"}
	}
	currency := goods.Currency
	if lines != nil && lines.Currency != currency {
		return Money{}, nil, nil, currencyErr("the lines' total", *lines, currency)
	}
	if paid.Goods != nil {
		if paid.Goods.Currency != currency {
			return Money{}, nil, nil, currencyErr("the amount paid for the goods", *paid.Goods, currency)
		}
		if goods.Minor > paid.Goods.Minor {
			goods = *paid.Goods
			note(RuleGWRefundCap, EffectForbids, "The requested refund is more than was paid for the goods: the goods part is capped at what was paid.")
		}
	}
	total := goods
	part(RefundGoods, goods, PartySeller, RuleGWRefundCap)

	in := CaseInput(c)
	e := Evaluate(in, policy, c.CreatedAt)
	if _, bad := e.Cites(RuleGWInput); bad {
		return Money{}, nil, nil, &Error{Code: CodeInvalid, RuleID: RuleGWInput, Message: "the case's values are not ones the rules know"}
	}
	freightRule := RuleCNFreight
	switch c.Platform {
	case Alibaba:
		freightRule = RuleAlibabaFreight
	case AliExpress:
		freightRule = RuleAECosts
	}
	export := in.ContractReturnDays > 0
	if export && c.Kind != KindRefundOnly {
		// XB-EXPORT-RETURN: the exporter bears the return's freight and its
		// insurance; once recorded (FREIGHT_INSURANCE) they are refunded.
		for _, x := range []struct {
			kind RefundPartKind
			what string
			m    *Money
		}{{RefundReturnFreight, "return freight", c.Export.Freight}, {RefundReturnInsurance, "return insurance", c.Export.Insurance}} {
			if x.m == nil {
				note(RuleXBExportReturn, EffectInfo, "An export return: the exporter bears the "+x.what+", whose amount is not recorded yet: none is added.")
				continue
			}
			if x.m.Currency != currency {
				return Money{}, nil, nil, currencyErr("the "+x.what, *x.m, currency)
			}
			if total, err = total.Add(*x.m); err != nil {
				return Money{}, nil, nil, err
			}
			part(x.kind, *x.m, PartySeller, RuleXBExportReturn)
			note(RuleXBExportReturn, EffectAllows, "An export return: the exporter bears the "+x.what+" of "+x.m.String()+", refunded with the goods.")
		}
	}
	if !export && c.Kind != KindRefundOnly && e.ReturnFreightPaidBy == PartySeller {
		freight := paid.ReturnFreight
		if freight == nil {
			freight = c.ReturnFreight
		}
		if freight == nil {
			note(freightRule, EffectInfo, "The seller bears return freight, but no freight amount is known: none is added.")
		} else {
			if freight.Currency != currency {
				return Money{}, nil, nil, currencyErr("the return freight", *freight, currency)
			}
			if total, err = total.Add(*freight); err != nil {
				return Money{}, nil, nil, err
			}
			part(RefundReturnFreight, *freight, PartySeller, freightRule)
			note(freightRule, EffectAllows, "The seller bears return freight: the buyer's return shipping is refunded too.")
		}
	}
	if e.TariffRefundable {
		if paid.Tariff == nil {
			note(RuleXBTariffRefund, EffectInfo, "The tariff is refundable, but the amount the buyer paid is not known: none is added.")
		} else {
			if paid.Tariff.Currency != currency {
				return Money{}, nil, nil, currencyErr("the tariff", *paid.Tariff, currency)
			}
			if total, err = total.Add(*paid.Tariff); err != nil {
				return Money{}, nil, nil, err
			}
			part(RefundTariff, *paid.Tariff, PartySeller, RuleXBTariffRefund)
			note(RuleXBTariffRefund, EffectAllows, "A cross-border order: the tariff the buyer paid is refunded with the price.")
		}
	}
	if r := c.RefundedAmount; r != nil && r.Minor != 0 {
		if r.Currency != currency {
			return Money{}, nil, nil, currencyErr("the amount already refunded", *r, currency)
		}
		total.Minor -= r.Minor
		if total.Minor < 0 {
			total.Minor = 0
		}
		part(RefundAlreadyRefunded, *r, PartySeller, RuleGWRefundCap)
		note(RuleGWRefundCap, EffectInfo, "What was already refunded is deducted.")
	}
	if FoundDamaged(c) {
		// The rules allow less, but how much less is the seller's call (or
		// the buyer's agreement): the default stays what is otherwise due.
		note(damageRule(c), EffectAllows, "The inspection found the goods damaged (grade C) on a return without seller fault: they are not intact, so a partial refund below this amount, or a refusal, is allowed.")
	}
	return total, apps, parts, nil
}

// damageRule is the rule that makes goods found damaged at inspection a
// ground to refuse or refund in part, on the case's platform.
func damageRule(c *Case) string {
	switch {
	case c.Platform == Alibaba && c.Market.CrossBorder():
		return RuleXBExportReturn
	case c.Platform == Alibaba:
		return RuleAlibaba7D
	case c.Platform == AliExpress:
		return RuleAEFlow
	}
	return RuleCN7DIntact
}

// CheckRefundAmount checks a refund or a partial refund: more than zero, in
// the currency of what was paid, and with what was already refunded (nil:
// nothing) not more than was paid. Neither violation can be acknowledged.
func CheckRefundAmount(amount, paid Money, refunded *Money) []Violation {
	if amount.Currency != paid.Currency {
		return []Violation{{RuleID: RuleGWRefundCurrency,
			Message: "The refund is in " + amount.Currency + " but the buyer paid in " + paid.Currency + " (GW-REFUND-CURRENCY)."}}
	}
	if amount.Minor <= 0 {
		return []Violation{{RuleID: RuleGWRefundCap, Message: "A refund must be more than zero (GW-REFUND-CAP)."}}
	}
	already := int64(0)
	if refunded != nil && refunded.Minor != 0 {
		if refunded.Currency != paid.Currency {
			return []Violation{{RuleID: RuleGWRefundCurrency,
				Message: "Earlier refunds are in " + refunded.Currency + " but the buyer paid in " + paid.Currency + " (GW-REFUND-CURRENCY)."}}
		}
		already = refunded.Minor
	}
	if left := paid.Minor - already; amount.Minor > left {
		remaining := Money{Minor: max(left, 0), Currency: paid.Currency}
		return []Violation{{RuleID: RuleGWRefundCap,
			Message: "The refund of " + amount.String() + " is more than the " + remaining.String() + " still refundable of the " + paid.String() + " paid (GW-REFUND-CAP)."}}
	}
	return nil
}
