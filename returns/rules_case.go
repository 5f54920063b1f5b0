package returns

import "time"

// CaseInput builds the eligibility input from what a stored case carries:
// platform, market, kind, reason, delivery, request time, the freight payer
// the platform states, the category of its strictest line, and the goods'
// condition as the seller's inspection found it (InspectedCondition; unknown
// before grading). Facts a case does not carry (a checkout confirmation, the
// seller's agreement) stay false; a caller that knows them sets them before
// calling Evaluate.
func CaseInput(c *Case) EligibilityInput {
	return EligibilityInput{
		Platform:                c.Platform,
		Market:                  c.Market,
		Kind:                    c.Kind,
		Reason:                  c.Reason,
		Category:                strictestCategory(c.Lines),
		DeliveredAt:             c.DeliveredAt,
		RequestedAt:             c.CreatedAt,
		FreightPaidByOnPlatform: statedFreight(c),
		FreeReturnPromised:      c.FreeReturnPromised,
		CheckoutConfirmed:       c.ExemptionConfirmedAtCheckout,
		DeliveryMissing:         c.DeliveredAt == nil && c.FactSourceOf(FactDeliveredAt) == FactMissing,
		TariffMissing:           c.Tariff == nil && c.FactSourceOf(FactTariff) == FactMissing,
		ContractReturnDays:      c.contractReturnDays(),
		Condition:               InspectedCondition(c),
		Inspected:               inspectedGrade(c),
	}
}

func inspectedGrade(c *Case) Grade {
	if c.Inspection == nil {
		return ""
	}
	return c.Inspection.Grade
}

// InspectedCondition is what the seller's inspection (OPS-GRADES) says of the
// goods' condition, for the rules; unknown when there is none:
//   - A, resellable as new: intact, not used, tags on (CN-7D-INTACT);
//   - B, open box or minor flaws: the packaging was opened, which
//     CN-7D-INTACT allows; the flaws are left unknown;
//   - C, damaged: on a return the buyer does not ground in the seller's
//     fault, the goods came back damaged, so they are not intact (CN-7D-INTACT,
//     ALIBABA-7D, AE-FLOW) and the seller may refuse or agree a partial
//     refund. On a seller-fault claim (damaged in transit, defect) the damage
//     is what the buyer reported and says nothing against them.
func InspectedCondition(c *Case) ItemCondition {
	if c.Inspection == nil {
		return ItemCondition{}
	}
	t, f := true, false
	switch c.Inspection.Grade {
	case GradeA:
		return ItemCondition{PackagingOpened: nil, TagsIntact: &t, Used: &f, DamagedByBuyer: &f}
	case GradeB:
		return ItemCondition{PackagingOpened: &t}
	case GradeC:
		if !c.Reason.SellerAtFault() {
			return ItemCondition{DamagedByBuyer: &t}
		}
	}
	return ItemCondition{}
}

// FoundDamaged reports whether the seller's inspection found the goods of a
// return without seller fault damaged: the ground a refusal or a partial
// refund rests on.
func FoundDamaged(c *Case) bool {
	return c.Inspection != nil && c.Inspection.Grade == GradeC && !c.Reason.SellerAtFault() && c.Kind != KindRefundOnly
}

// contractReturnDays is the export return's contract period, 0 for none.
func (c *Case) contractReturnDays() int {
	if c.Export == nil || c.Platform != Alibaba {
		return 0
	}
	return c.Export.ContractReturnDays
}

// statedFreight is the freight payer the platform states; a payer the
// rules filled in (FactRules) is not the platform's word.
func statedFreight(c *Case) Party {
	if c.FactSourceOf(FactFreightPaidBy) == FactRules {
		return ""
	}
	return c.ReturnFreightPaidBy
}

// strictestCategory returns the category that restricts a no-reason return
// most: one line that cannot be returned without reason decides for the case.
// A line without a category counts as GENERAL; an unknown one is passed on so
// that the verdict says so.
func strictestCategory(lines []Line) Category {
	best := CategoryGeneral
	for _, l := range lines {
		switch {
		case l.Category == "":
		case !l.Category.Valid():
			return l.Category
		case classify(l.Category) > classify(best):
			best = l.Category
		}
	}
	return best
}

// EvaluateCase is Evaluate on CaseInput(c).
func EvaluateCase(c *Case, policy RulePolicy, now time.Time) Eligibility {
	return Evaluate(CaseInput(c), policy, now)
}

// CaseTimes are instants of a case's history that the case itself does not
// carry; the event log has them (when the status moved on).
type CaseTimes struct {
	ApprovedAt *time.Time // when the seller accepted the return (AWAITING_BUYER_SHIPMENT)
	ReceivedAt *time.Time // when the seller received the goods back (RECEIVED)
}

// RuleDeadlines returns the case's deadlines: every deadline the platform
// gave stays (a non-nil field of c.Deadlines wins: XHS expireTime,
// AliExpress timeout_trigger_time), and the rules fill the others:
//   - WindowClosesAt: the no-reason return window (CN-7D-WINDOW, ALIBABA-7D, AE-WINDOW);
//   - RespondBy, while the case waits for the seller's decision: XHS-RESPOND's
//     fallback hours, or AE-RESPOND's days after the request;
//   - BuyerShipBy, while the buyer must send the goods: AE-RESPOND's days after approval;
//   - RefundBy, while a refund is due after receipt: 7 days (CN-REFUND-7D) on
//     XHS, the platform's step-in days (AE-RESPOND) on AliExpress.
//
// Alibaba.com states no deadlines of its own. Every instant is returned in
// UTC, and now stands in for a missing request time, as in Evaluate.
func RuleDeadlines(c *Case, at CaseTimes, policy RulePolicy, now time.Time) Deadlines {
	d := c.Deadlines
	requested := c.CreatedAt
	if requested.IsZero() {
		requested = now
	}
	if d.WindowClosesAt == nil && c.DeliveredAt != nil {
		var t time.Time
		switch c.Platform {
		case XHS:
			t = dayEnd(*c.DeliveredAt, 7, Shanghai)
		case Alibaba:
			days := 7
			if n := c.contractReturnDays(); n > 0 {
				days = n // XB-EXPORT-RETURN: the contract's period
			}
			t = dayEnd(*c.DeliveredAt, days, Pacific)
		case AliExpress:
			t = dayEnd(*c.DeliveredAt, policy.aeWindowDays(), Pacific)
		}
		if !t.IsZero() {
			d.WindowClosesAt = &t
		}
	}
	if d.RespondBy == nil && c.Status == StatusRequested {
		switch c.Platform {
		case XHS:
			t := requested.Add(time.Duration(policy.xhsRespondHours()) * time.Hour).UTC()
			d.RespondBy = &t
		case AliExpress:
			t := afterDays(requested, policy.aeRespondDays(), Pacific)
			d.RespondBy = &t
		}
	}
	if d.BuyerShipBy == nil && c.Status == StatusAwaitingBuyerShipment && at.ApprovedAt != nil && c.Platform == AliExpress {
		t := afterDays(*at.ApprovedAt, policy.aeBuyerShipDays(), Pacific)
		d.BuyerShipBy = &t
	}
	if d.RefundBy == nil && at.ReceivedAt != nil && refundAwaited(c) {
		switch c.Platform {
		case XHS:
			// A statutory period: whole days in China time, like the window.
			t := dayEnd(*at.ReceivedAt, 7, Shanghai)
			d.RefundBy = &t
		case AliExpress:
			t := afterDays(*at.ReceivedAt, policy.aeStepInDays(), Pacific)
			d.RefundBy = &t
		}
	}
	for _, f := range [...]**time.Time{&d.RespondBy, &d.BuyerShipBy, &d.RefundBy, &d.WindowClosesAt, &d.AutoActionAt} {
		if *f != nil {
			u := (*f).UTC()
			*f = &u
		}
	}
	return d
}

// refundAwaited reports whether the case waits for a refund of goods that
// came back: a refund after an exchange, or after the money went, is not due.
func refundAwaited(c *Case) bool {
	if c.Kind == KindExchange {
		return false
	}
	switch c.Status {
	case StatusReceived, StatusRefundPending, StatusEscalated:
		return true
	}
	return false
}
