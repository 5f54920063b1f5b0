package returns

import "time"

// RejectGround is a seller's reason for refusing a return.
type RejectGround string

// The grounds a seller may give.
const (
	GroundPackagingOpened RejectGround = "PACKAGING_OPENED"
	GroundUsed            RejectGround = "USED"
	GroundDamagedByBuyer  RejectGround = "DAMAGED_BY_BUYER"
	GroundTagsRemoved     RejectGround = "TAGS_REMOVED"
	GroundOutsideWindow   RejectGround = "OUTSIDE_WINDOW"
	GroundExemptCategory  RejectGround = "EXEMPT_CATEGORY"
	GroundNotAsClaimed    RejectGround = "NOT_AS_CLAIMED" // the seller disputes the fault the buyer claims
	GroundOther           RejectGround = "OTHER"
)

// RejectGrounds lists every ground in a stable order.
func RejectGrounds() []RejectGround {
	return []RejectGround{GroundPackagingOpened, GroundUsed, GroundDamagedByBuyer, GroundTagsRemoved,
		GroundOutsideWindow, GroundExemptCategory, GroundNotAsClaimed, GroundOther}
}

// ActionCheck is a seller action as the rules see it.
type ActionCheck struct {
	Action Action
	// Grounds are the seller's reasons for a rejection.
	Grounds []RejectGround
	// Condition is what the seller observed of the goods; grounds such as
	// USED fill the matching unknown fields.
	Condition ItemCondition
	// ExemptionConfirmedAtCheckout reports that the buyer confirmed the
	// exclusion the seller relies on when paying.
	ExemptionConfirmedAtCheckout bool
	// CrossBorderCarveOutConfirmed reports that a cross-border direct buyer
	// confirmed the 7-day return does not apply.
	//
	// Deprecated: set CheckoutConfirmed.
	CrossBorderCarveOutConfirmed bool
	// CheckoutConfirmed reports that the buyer confirmed at checkout that the
	// no-reason return does not apply; the rules decide what it means.
	CheckoutConfirmed bool
	// Amount is a refund's or an offer's amount; nil means the requested refund.
	Amount *Money
	// Paid is the most a refund may return in total: what the buyer paid for
	// the goods, plus tariff and reimbursed freight (RefundBasis.Total); nil
	// means the lines' total.
	Paid *Money
}

// Violation is a rule that forbids an action.
type Violation struct {
	RuleID  string
	Message string
	// Acknowledgeable reports that the seller may proceed by acknowledging
	// the rule id (a goodwill approval, evidence the gateway cannot see).
	Acknowledgeable bool
}

// Err returns the violation as the gateway's RULE_VIOLATION error.
func (v Violation) Err() *Error {
	return &Error{Code: CodeRuleViolation, Message: v.Message, RuleID: v.RuleID}
}

// Unacknowledged returns the violations that still stop the action: those
// whose rule id the seller did not acknowledge, and every one that cannot be
// acknowledged.
func Unacknowledged(vs []Violation, acknowledged []string) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Acknowledgeable && containsString(acknowledged, v.RuleID) {
			continue
		}
		out = append(out, v)
	}
	return out
}

func containsString(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// CheckAction returns the rules the action would break on the case, empty
// when none. It forbids: refusing a return the buyer is entitled to without
// reason (the window rule); refusing only because the packaging was opened
// (CN-7D-INTACT); relying on an exclusion the buyer did not confirm at
// checkout (CN-7D-EXEMPT-DISCLOSED, CN-DISCLOSURE); refusing a seller-fault
// return on grounds that fault lifts (CN-SELLER-FAULT); refusing a refund for
// goods the buyer never received (CN-REFUND-ONLY); approving a no-reason
// return after the window (the window rule); and refunding more than was paid
// or in another currency (GW-REFUND-CAP, GW-REFUND-CURRENCY, which cannot be
// acknowledged).
func CheckAction(c *Case, req ActionCheck, policy RulePolicy, now time.Time) []Violation {
	switch req.Action {
	case ActionReject:
		return checkReject(c, &req, &policy, now)
	case ActionApprove:
		return checkApprove(c, &policy, now)
	case ActionRefund, ActionOffer:
		return checkRefund(c, &req)
	}
	return nil
}

// windowRule is the rule that grants the no-reason return on the platform.
func windowRule(p PlatformID) string {
	switch p {
	case Alibaba:
		return RuleAlibaba7D
	case AliExpress:
		return RuleAEWindow
	}
	return RuleCN7DWindow
}

func hasOnly(gs []RejectGround, g RejectGround) bool {
	if len(gs) == 0 {
		return false
	}
	for _, x := range gs {
		if x != g {
			return false
		}
	}
	return true
}

func hasGround(gs []RejectGround, g RejectGround) bool {
	for _, x := range gs {
		if x == g {
			return true
		}
	}
	return false
}

// setIfUnknown records what a ground asserts, unless the seller reported the
// opposite explicitly.
func setIfUnknown(p **bool, v bool) {
	if *p == nil {
		*p = &v
	}
}

func checkReject(c *Case, req *ActionCheck, policy *RulePolicy, now time.Time) []Violation {
	in := CaseInput(c)
	// What the seller reports now wins; the inspection on record fills the rest.
	in.Condition = mergeCondition(req.Condition, in.Condition)
	in.ExemptionConfirmedAtCheckout = in.ExemptionConfirmedAtCheckout || req.ExemptionConfirmedAtCheckout
	in.CrossBorderCarveOutConfirmed = req.CrossBorderCarveOutConfirmed
	in.CheckoutConfirmed = in.CheckoutConfirmed || req.CheckoutConfirmed
	for _, g := range req.Grounds {
		switch g {
		case GroundPackagingOpened:
			setIfUnknown(&in.Condition.PackagingOpened, true)
		case GroundUsed:
			setIfUnknown(&in.Condition.Used, true)
		case GroundDamagedByBuyer:
			setIfUnknown(&in.Condition.DamagedByBuyer, true)
		case GroundTagsRemoved:
			setIfUnknown(&in.Condition.TagsIntact, false)
		}
	}
	e := Evaluate(in, *policy, now)
	if _, bad := e.Cites(RuleGWInput); bad {
		return nil // nothing to hold the seller to; the API reports the input
	}

	var vs []Violation
	add := func(id, msg string) {
		for _, v := range vs {
			if v.RuleID == id {
				return
			}
		}
		vs = append(vs, Violation{RuleID: id, Message: msg, Acknowledgeable: true})
	}

	if in.Kind == KindRefundOnly {
		if notReceived := c.DeliveredAt == nil || in.Reason == ReasonNotReceived; c.Platform == XHS && notReceived {
			add(RuleCNRefundOnly, msgRefundOnlyNotReceived)
		}
		return vs
	}

	if in.Inspected == GradeA && (hasGround(req.Grounds, GroundUsed) || hasGround(req.Grounds, GroundDamagedByBuyer) ||
		hasGround(req.Grounds, GroundTagsRemoved)) {
		add(RuleCN7DIntact, msgContradictsGradeA)
	}
	fault := in.Reason.SellerAtFault()
	xhs := c.Platform == XHS
	if xhs && hasOnly(req.Grounds, GroundPackagingOpened) {
		add(RuleCN7DIntact, msgPackagingOnly)
	}
	if xhs && hasGround(req.Grounds, GroundExemptCategory) {
		switch classify(in.Category) {
		case classDisclosed:
			if !in.confirmed() {
				add(RuleCN7DExemptDisclosed, msgExclusionUnconfirmed)
			} else if !exclusionBites(in.Category, &in.Condition) {
				add(RuleCN7DExemptDisclosed, msgExclusionNotTriggered)
			}
		case classGeneral:
			if !(in.Market == MarketCrossBorderDirect && in.confirmed()) {
				add(RuleCNDisclosure, msgNoExclusion)
			}
		}
	}
	if hasGround(req.Grounds, GroundOutsideWindow) && !fault {
		switch {
		case e.WindowClosesAt == nil:
			add(windowRule(c.Platform), msgWindowUnknown)
		case windowWasOpen(&e, &in, now):
			add(windowRule(c.Platform), msgWindowOpen)
		}
	}
	if xhs && fault && e.ReturnAllowed &&
		(hasGround(req.Grounds, GroundOutsideWindow) || hasGround(req.Grounds, GroundExemptCategory) ||
			hasGround(req.Grounds, GroundPackagingOpened)) {
		add(RuleCNSellerFault, msgSellerFaultLifts)
	}
	if e.NoReasonReturnAllowed {
		if e.WindowClosesAt == nil {
			add(windowRule(c.Platform), msgWindowUnknown)
		} else {
			add(windowRule(c.Platform), msgValidNoReason)
		}
	}
	return vs
}

// mergeCondition is a with b's values where a's are unknown.
func mergeCondition(a, b ItemCondition) ItemCondition {
	for _, f := range [...]struct{ dst, src **bool }{
		{&a.PackagingOpened, &b.PackagingOpened}, {&a.TagsIntact, &b.TagsIntact},
		{&a.Used, &b.Used}, {&a.DamagedByBuyer, &b.DamagedByBuyer},
	} {
		if *f.dst == nil {
			*f.dst = *f.src
		}
	}
	return a
}

// windowWasOpen reports whether the request came before the window closed.
func windowWasOpen(e *Eligibility, in *EligibilityInput, now time.Time) bool {
	at := in.RequestedAt
	if at.IsZero() {
		at = now
	}
	return at.Before(*e.WindowClosesAt)
}

func checkApprove(c *Case, policy *RulePolicy, now time.Time) []Violation {
	in := CaseInput(c)
	if in.Kind == KindRefundOnly || in.Reason.SellerAtFault() || c.DeliveredAt == nil {
		return nil
	}
	e := Evaluate(in, *policy, now)
	if e.WindowClosesAt == nil || windowWasOpen(&e, &in, now) {
		return nil
	}
	return []Violation{{RuleID: windowRule(c.Platform), Message: msgApproveAfterWindow, Acknowledgeable: true}}
}

func checkRefund(c *Case, req *ActionCheck) []Violation {
	amount := req.Amount
	if amount == nil {
		amount = c.RequestedRefund
	}
	if amount == nil {
		return nil // the platform refunds what was asked; nothing for the gateway to compare
	}
	paid := req.Paid
	if paid == nil {
		if total, err := linesTotal(c.Lines); err == nil && total != nil {
			paid = total
		}
	}
	if paid == nil {
		if c.RequestedRefund != nil && amount.Currency != c.RequestedRefund.Currency {
			return []Violation{{RuleID: RuleGWRefundCurrency, Message: msgRefundCurrency}}
		}
		return nil
	}
	return CheckRefundAmount(*amount, *paid, c.RefundedAmount)
}

// The messages of violations: they tell the seller what rule stops the
// action and what to do instead.
const (
	msgRefundOnlyNotReceived = "The buyer does not have the goods (not shipped, not signed for, or lost in transit): a refund without return is normal and may not be refused (CN-REFUND-ONLY). Acknowledge if the goods did arrive."
	msgPackagingOnly         = "A return may not be refused only because the packaging was opened: inspection is allowed while the goods can be resold (CN-7D-INTACT)."
	msgExclusionUnconfirmed  = "The buyer did not confirm this exclusion at checkout, so it cannot be relied on (CN-7D-EXEMPT-DISCLOSED, CN-DISCLOSURE)."
	msgExclusionNotTriggered = "The confirmed exclusion applies only once the goods are unsealed or activated, and the seller reports they are not (CN-7D-EXEMPT-DISCLOSED)."
	msgNoExclusion           = "This product is not in a category that may be excluded from the no-reason return, and no exclusion was disclosed and confirmed (CN-DISCLOSURE)."
	msgWindowUnknown         = "The delivery time is not known, so the return window cannot be shown to have closed; acknowledge only if you hold proof of when the buyer received the goods."
	msgWindowOpen            = "The buyer applied before the return window closed, so the request is not outside the window."
	msgSellerFaultLifts      = "The buyer claims the seller's fault, which the window and the exemptions do not limit (CN-SELLER-FAULT); refuse with NOT_AS_CLAIMED if you dispute the fault."
	msgValidNoReason         = "The buyer is entitled to return these goods without reason: in the window, intact and not exempt. Refusing invites escalation and a ruling against the shop."
	msgApproveAfterWindow    = "The buyer applied after the no-reason return window closed and gives no seller-fault reason; acknowledge to approve as a goodwill return."
	msgContradictsGradeA     = "Your own inspection graded the goods A, resellable as new: refusing them as used, damaged or without tags contradicts it (CN-7D-INTACT, OPS-GRADES). Record the inspection again if it was wrong."
	msgRefundCurrency        = "A refund is made in the order's currency (GW-REFUND-CURRENCY)."
)
