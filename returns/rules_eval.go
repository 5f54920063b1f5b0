package returns

import (
	"strconv"
	"time"
)

// maxApplications is the most rule applications one verdict cites (an XHS
// cross-border verdict of inspected goods, with every note); the tests hold
// the evaluators to it.
const maxApplications = 16

// refundOnlyCutoffUnix is 2025-04-22 00:00 China time, from when a refund
// without return of received goods needs the seller's agreement (CN-REFUND-ONLY).
const refundOnlyCutoffUnix = 1745251200

// The stores a verdict's slice and pointers refer to, one allocation per
// verdict in the smallest size that fits: the engine runs for every case of
// every list query, and the garbage collector scans what it allocates.
type (
	verdictStore6 struct {
		apps      [6]RuleApplication
		window    time.Time
		refundDue int
	}
	verdictStore8 struct {
		apps      [8]RuleApplication
		window    time.Time
		refundDue int
	}
	verdictStore11 struct {
		apps      [11]RuleApplication
		window    time.Time
		refundDue int
	}
	verdictStoreMax struct {
		apps      [maxApplications]RuleApplication
		window    time.Time
		refundDue int
	}
)

// Evaluate computes the verdict for a return request: pure, with now used only
// when the input has no request time. Days are counted in the zone each rule
// names (China time for Chinese law, US Pacific time for Alibaba.com and
// AliExpress). A policy's zero fields mean the defaults.
func Evaluate(in EligibilityInput, policy RulePolicy, now time.Time) Eligibility {
	x := evaluation{in: in, p: policy, requested: in.RequestedAt}
	x.run(now)
	x.finish()
	return x.e
}

// evaluation is the state of one Evaluate call, kept on the stack: the rule
// applications collect in buf and move to the heap once, at the end.
type evaluation struct {
	e          Eligibility // the verdict being built; Rules and the pointers are set by finish
	in         EligibilityInput
	p          RulePolicy
	requested  time.Time
	fault      bool // the stated reason is the seller's fault
	refundOnly bool // the buyer wants money without sending goods back
	received   bool // the buyer has the goods

	buf       [maxApplications + 5]RuleApplication // room past the maximum: a miscount costs an allocation, not a panic
	n         int
	closes    time.Time // the window's end, when hasWindow
	hasWindow bool
	refundDue int
	hasDue    bool
}

func (x *evaluation) run(now time.Time) {
	in := &x.in
	if msg := invalidInput(in); msg != "" {
		// Nothing is allowed on input the engine does not understand; the
		// freight field cannot be empty, and BUYER is what holds when no
		// agreement or fault moves it.
		x.e.ReturnFreightPaidBy = PartyBuyer
		x.add(RuleGWInput, EffectForbids, msg, AllVerdictFields)
		return
	}
	if x.requested.IsZero() {
		x.requested = now
	}
	x.fault = in.Reason.SellerAtFault()
	x.refundOnly = in.Kind == KindRefundOnly
	// A buyer who says the goods never arrived has not received them even if
	// a carrier reported delivery: that is the lost-in-transit case.
	x.received = in.DeliveredAt != nil && in.Reason != ReasonNotReceived
	switch in.Platform {
	case XHS:
		x.xhs()
	case Alibaba:
		x.alibaba()
	case AliExpress:
		x.aliExpress()
	}
	if in.Inspected != "" {
		x.add(RuleOPSGrades, EffectInfo, gradeText(in.Inspected, x.fault), 0)
	}
}

// gradeText explains what the seller's grading means for the verdict.
func gradeText(g Grade, fault bool) string {
	switch {
	case g == GradeA:
		return explGradeA
	case g == GradeB:
		return explGradeB
	case fault:
		return explGradeCFault
	}
	return explGradeC
}

func (x *evaluation) add(id string, eff Effect, explanation string, f VerdictField) {
	x.buf[x.n] = RuleApplication{RuleID: id, Effect: eff, Explanation: explanation, Explains: f}
	x.n++
}

// finish moves the applications, the window and the refund period into one
// allocation of the smallest store that holds them.
func (x *evaluation) finish() {
	n := x.n
	var apps []RuleApplication
	var window *time.Time
	var due *int
	switch {
	case n <= 6:
		s := new(verdictStore6)
		apps, window, due = s.apps[:n:n], &s.window, &s.refundDue
	case n <= 8:
		s := new(verdictStore8)
		apps, window, due = s.apps[:n:n], &s.window, &s.refundDue
	case n <= 11:
		s := new(verdictStore11)
		apps, window, due = s.apps[:n:n], &s.window, &s.refundDue
	case n <= maxApplications:
		s := new(verdictStoreMax)
		apps, window, due = s.apps[:n:n], &s.window, &s.refundDue
	default:
		apps, window, due = make([]RuleApplication, n), new(time.Time), new(int)
	}
	copy(apps, x.buf[:n])
	x.e.Rules = apps
	if x.hasWindow {
		*window = x.closes
		x.e.WindowClosesAt = window
	}
	if x.hasDue {
		*due = x.refundDue
		x.e.RefundDueDaysAfterReceipt = due
	}
}

// noReasonFields are the fields the no-reason rules decide: always the
// no-reason verdict, and the request itself when the buyer blames nobody and
// the goods are to come back.
func (x *evaluation) noReasonFields() VerdictField {
	if !x.refundOnly && !x.fault {
		return FieldNoReasonReturn | FieldReturn | FieldSellerAgreement
	}
	return FieldNoReasonReturn
}

type windowState uint8

const (
	windowUnknown windowState = iota // no delivery time: the window has not been shown to have started
	windowOpen
	windowClosed
)

// window records WindowClosesAt for a window of whole days after delivery and
// reports whether the request came inside it.
//
// Without a delivery time the window cannot be established. The engine then
// treats it as not closed: the days start only when the buyer signs, and it is
// for the seller, who holds the delivery record, to show that they ran out. A
// refusal on that basis needs the seller's acknowledgement (see CheckAction).
func (x *evaluation) window(days int, loc *time.Location) windowState {
	if x.in.DeliveredAt == nil {
		return windowUnknown
	}
	x.closes, x.hasWindow = dayEnd(*x.in.DeliveredAt, days, loc), true
	if x.requested.Before(x.closes) {
		return windowOpen
	}
	return windowClosed
}

// dayEnd counts n whole days the way Chinese law counts a period (General
// Provisions of the Civil Code, arts. 201 and 203): the first day is the day
// after t, and the period ends at 24:00 on the n-th day, in loc. The result is
// in UTC.
func dayEnd(t time.Time, n int, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d+n+1, 0, 0, 0, 0, loc).UTC()
}

// afterDays is a platform timer: the same wall-clock time n calendar days
// after t in loc (so a period that spans a daylight-saving change keeps its
// local time). The result is in UTC.
func afterDays(t time.Time, n int, loc *time.Location) time.Time {
	return t.In(loc).AddDate(0, 0, n).UTC()
}

type condition uint8

const (
	conditionUnknown     condition = iota // nobody has looked: presumed intact
	conditionIntact                       // looked at and intact, packaging closed or not reported
	conditionOpened                       // packaging opened, nothing else wrong reported
	conditionDamaged                      // damaged by the buyer
	conditionUsed                         // used beyond inspection and reasonable testing
	conditionTagsRemoved                  // tags not intact
)

func (c condition) intact() bool { return c <= conditionOpened }

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

func conditionOf(c *ItemCondition) condition {
	switch {
	case isTrue(c.DamagedByBuyer):
		return conditionDamaged
	case isTrue(c.Used):
		return conditionUsed
	case isFalse(c.TagsIntact):
		return conditionTagsRemoved
	case isTrue(c.PackagingOpened):
		return conditionOpened
	case c.DamagedByBuyer == nil && c.Used == nil && c.TagsIntact == nil:
		return conditionUnknown
	}
	return conditionIntact
}

type categoryClass uint8

const (
	classGeneral   categoryClass = iota
	classDisclosed               // excluded only when confirmed at checkout
	classStatutory               // excluded whatever was disclosed
)

func classify(c Category) categoryClass {
	switch c {
	case CategoryCustomMade, CategoryPerishable, CategoryLivePlantOrAnimal, CategoryDigitalDownload,
		CategoryUnsealedMedia, CategoryPeriodical:
		return classStatutory
	case CategoryHygiene, CategoryActivatedValueLoss, CategoryNearExpiry:
		return classDisclosed
	}
	return classGeneral
}

// exclusionBites reports whether a confirmed exclusion of a disclosed-type
// category applies to the goods as they are: hygiene goods only once unsealed,
// goods that lose value only once activated or tried. Unknown counts as
// unsealed or tried, since a buyer rarely returns such goods untouched and the
// exclusion was confirmed.
func exclusionBites(c Category, cond *ItemCondition) bool {
	switch c {
	case CategoryHygiene:
		return !isFalse(cond.PackagingOpened)
	case CategoryActivatedValueLoss:
		return !isFalse(cond.Used)
	}
	return true
}

func (x *evaluation) xhs() {
	in, e := &x.in, &x.e
	nr := x.noReasonFields()
	x.add(RuleXHS7D, EffectInfo, explXHS7D, 0)

	ok := true
	switch x.window(7, Shanghai) {
	case windowUnknown:
		x.add(RuleCN7DWindow, EffectInfo, textIf(in.DeliveryMissing, explCNWindowMissing, explCNWindowUnknown), nr|FieldWindow)
	case windowOpen:
		x.add(RuleCN7DWindow, EffectAllows, explCNWindowOpen, nr|FieldWindow)
	case windowClosed:
		ok = false
		x.add(RuleCN7DWindow, EffectForbids, explCNWindowClosed, nr|FieldWindow)
	}

	cond := conditionOf(&in.Condition)
	if !cond.intact() {
		ok = false
		x.add(RuleCN7DIntact, EffectForbids, conditionText(cond), nr)
	} else {
		x.add(RuleCN7DIntact, EffectAllows, conditionText(cond), nr)
	}

	confirmed := in.confirmed()
	switch classify(in.Category) {
	case classStatutory:
		ok = false
		x.add(RuleCN7DExemptStatutory, EffectForbids, statutoryText(in.Category), nr)
	case classDisclosed:
		switch {
		case !confirmed:
			x.add(RuleCN7DExemptDisclosed, EffectAllows, explDisclosedUnconfirmed, nr)
			x.add(RuleCNDisclosure, EffectAllows, explDisclosureMissing, nr)
		case exclusionBites(in.Category, &in.Condition):
			ok = false
			x.add(RuleCN7DExemptDisclosed, EffectForbids, explDisclosedConfirmed, nr)
		default:
			x.add(RuleCN7DExemptDisclosed, EffectAllows, explDisclosedNotTriggered, nr)
		}
	default:
		// On a cross-border direct purchase the confirmation is the
		// carve-out's, decided below: saying here that it excludes nothing
		// would contradict it.
		if confirmed && in.Market != MarketCrossBorderDirect {
			x.add(RuleCN7DExemptDisclosed, EffectAllows, explGeneralNotExcludable, nr)
		}
	}

	if in.Market == MarketCrossBorderDirect {
		if confirmed {
			ok = false
			x.add(RuleXBDirectCarveOut, EffectForbids, explCarveOutConfirmed, nr)
		} else {
			x.add(RuleXBDirectCarveOut, EffectAllows, explCarveOutNone, nr)
		}
	}
	e.NoReasonReturnAllowed = ok

	entitled := ok
	switch {
	case x.refundOnly:
		const f = FieldReturn | FieldSellerAgreement
		switch {
		case !x.received:
			entitled = true
			x.add(RuleCNRefundOnly, EffectAllows, explRefundOnlyNotReceived, f)
		case x.requested.Unix() < refundOnlyCutoffUnix:
			entitled = true
			x.add(RuleCNRefundOnly, EffectAllows, explRefundOnlyBeforeCutoff, f)
		case in.SellerAgreesToRefundOnly:
			entitled = false
			x.add(RuleCNRefundOnly, EffectAllows, explRefundOnlyAgreed, f)
		default:
			entitled = false
			x.add(RuleCNRefundOnly, EffectForbids, explRefundOnlyNeedsAgreement, f)
		}
	case x.fault:
		entitled = true
		x.add(RuleCNSellerFault, EffectAllows, explSellerFault, FieldReturn|FieldSellerAgreement)
	}
	e.NeedsSellerAgreement = !entitled
	e.ReturnAllowed = entitled || (x.refundOnly && in.SellerAgreesToRefundOnly)

	x.freight(RuleCNFreight, x.p.freightFor(XHS))

	switch {
	case in.Kind == KindExchange:
		x.add(RuleCNRefund7D, EffectInfo, explRefundDueExchange, FieldRefundDue)
	case x.refundOnly:
		x.add(RuleCNRefund7D, EffectInfo, explRefundDueRefundOnly, FieldRefundDue)
	default:
		x.refundDue, x.hasDue = 7, true
		x.add(RuleCNRefund7D, EffectInfo, explRefundDue7, FieldRefundDue)
	}

	if in.Market.CrossBorder() {
		if in.Kind == KindExchange {
			x.add(RuleXBTariffRefund, EffectInfo, explTariffExchange, FieldTariff)
		} else {
			e.TariffRefundable = true
			x.add(RuleXBTariffRefund, EffectAllows, textIf(in.TariffMissing, explTariffAmountMissing, explTariffRefunded), FieldTariff)
		}
		if in.Market == MarketCrossBorderBonded {
			x.add(RuleXBFulfilment, EffectInfo, explFulfilmentBonded, 0)
		} else {
			x.add(RuleXBFulfilment, EffectInfo, explFulfilmentDirect, 0)
		}
		if x.fault {
			x.add(RuleXHSCrossBorderAfterSale, EffectInfo, explXHSCrossBorderAfterSale, 0)
		}
	} else {
		x.add(RuleGWTariffNone, EffectInfo, explTariffDomestic, FieldTariff)
	}

	x.add(RuleXHSRespond, EffectInfo, explXHSRespond, 0)
	if !entitled || x.fault {
		// The seller may refuse or dispute here, so the buyer may escalate.
		x.add(RuleXHSMediation, EffectInfo, explXHSMediation, 0)
		x.add(RuleXHSOnPlatform, EffectInfo, explXHSOnPlatform, 0)
	}
}

func (x *evaluation) alibaba() {
	in, e := &x.in, &x.e
	// ALIBABA-7D admits a return within the 7 days whatever the reason.
	nr := FieldNoReasonReturn
	if !x.refundOnly {
		nr |= FieldReturn | FieldSellerAgreement
	}

	ok := true
	contract := in.ContractReturnDays > 0
	switch {
	case contract:
		// An export return: the sales contract's period replaces the 7 days
		// (XB-EXPORT-RETURN).
		days := in.ContractReturnDays
		switch x.window(days, Pacific) {
		case windowUnknown:
			x.add(RuleXBExportReturn, EffectInfo, explExportWindowUnknownA+strconv.Itoa(days)+explExportWindowUnknownB, nr|FieldWindow)
		case windowOpen:
			x.add(RuleXBExportReturn, EffectAllows, explExportWindowOpenA+strconv.Itoa(days)+explExportWindowOpenB, nr|FieldWindow)
		case windowClosed:
			ok = false
			x.add(RuleXBExportReturn, EffectForbids, explExportWindowClosedA+strconv.Itoa(days)+explExportWindowClosedB, nr|FieldWindow)
		}
	default:
		switch x.window(7, Pacific) {
		case windowUnknown:
			x.add(RuleAlibaba7D, EffectInfo, textIf(in.DeliveryMissing, explAlibabaWindowMissing, explAlibabaWindowUnknown), nr|FieldWindow)
		case windowOpen:
			x.add(RuleAlibaba7D, EffectAllows, explAlibabaWindowOpen, nr|FieldWindow)
		case windowClosed:
			ok = false
			x.add(RuleAlibaba7D, EffectForbids, explAlibabaWindowClosed, nr|FieldWindow)
		}
	}
	if cond := conditionOf(&in.Condition); !cond.intact() {
		ok = false
		x.add(RuleAlibaba7D, EffectForbids, explAlibabaNotAsDelivered, nr)
	}
	e.NoReasonReturnAllowed = ok

	// ALIBABA-NEGOTIATE also explains the refund timing: Alibaba.com states
	// no refund period, the negotiated agreement sets it.
	const decided = FieldReturn | FieldSellerAgreement | FieldRefundDue
	switch {
	case x.refundOnly && !x.received:
		e.ReturnAllowed = true
		x.add(RuleAlibabaNegotiate, EffectAllows, explAlibabaRefundNotReceived, decided)
	case x.refundOnly:
		e.NeedsSellerAgreement = true
		e.ReturnAllowed = in.SellerAgreesToRefundOnly
		if in.SellerAgreesToRefundOnly {
			x.add(RuleAlibabaNegotiate, EffectAllows, explAlibabaRefundAgreed, decided)
		} else {
			x.add(RuleAlibabaNegotiate, EffectForbids, explAlibabaRefundNeedsAgreement, decided)
		}
	case ok:
		e.ReturnAllowed = true
		x.add(RuleAlibabaNegotiate, EffectInfo, explAlibabaNegotiateTiming, FieldRefundDue)
	case x.fault:
		e.ReturnAllowed = true
		e.NeedsSellerAgreement = true
		x.add(RuleAlibabaNegotiate, EffectAllows, explAlibabaFaultNegotiated, decided)
	default:
		e.NeedsSellerAgreement = true
		x.add(RuleAlibabaNegotiate, EffectForbids, explAlibabaOutsideNegotiated, decided)
	}

	if contract {
		// Seed 002: the exporter bears every cost of the return, freight
		// and insurance included, whatever the reason.
		e.ReturnFreightPaidBy = PartySeller
		x.add(RuleXBExportReturn, EffectAllows, explExportFreight, FieldFreight)
	} else {
		x.freight(RuleAlibabaFreight, x.p.freightFor(Alibaba))
	}
	x.add(RuleGWTariffNone, EffectInfo, explTariffAlibaba, FieldTariff)
	switch {
	case (in.Market.CrossBorder() || contract) && in.Inspected == GradeC && !x.fault:
		// The contract's quality standard: no obvious damage.
		x.add(RuleXBExportReturn, EffectForbids, explExportReturnDamaged, FieldReturn)
	case in.Market.CrossBorder() && !contract:
		x.add(RuleXBExportReturn, EffectInfo, explExportReturn, 0)
	}
}

func (x *evaluation) aliExpress() {
	in, e, p := &x.in, &x.e, &x.p
	windowDays := p.aeWindowDays()

	// The return period limits every application, whatever the reason.
	wf := FieldNoReasonReturn | FieldWindow | FieldReturn | FieldSellerAgreement
	ws := x.window(windowDays, Pacific)
	switch ws {
	case windowUnknown:
		text := daysText(windowDays, defaultAEWindowDays, explAEWindowUnknown, explAEWindowUnknownA, explAEWindowUnknownB)
		x.add(RuleAEWindow, EffectInfo, textIf(in.DeliveryMissing, explAEWindowMissing, text), wf)
	case windowOpen:
		x.add(RuleAEWindow, EffectAllows, daysText(windowDays, defaultAEWindowDays, explAEWindowOpen, explAEWindowOpenA, explAEWindowOpenB), wf)
	case windowClosed:
		x.add(RuleAEWindow, EffectForbids, daysText(windowDays, defaultAEWindowDays, explAEWindowClosed, explAEWindowClosedA, explAEWindowClosedB), wf)
	}
	inWindow := ws != windowClosed
	intact := conditionOf(&in.Condition).intact()
	e.NoReasonReturnAllowed = inWindow && intact

	var entitled bool
	const decided = FieldReturn | FieldSellerAgreement
	switch {
	case x.refundOnly && !x.received:
		entitled = inWindow
		x.add(RuleAEFlow, EffectAllows, explAERefundNotReceived, decided)
	case x.refundOnly && x.fault:
		entitled = inWindow
		x.add(RuleAEFlow, EffectAllows, explAERefundFault, decided)
	case x.refundOnly:
		if in.SellerAgreesToRefundOnly {
			x.add(RuleAEFlow, EffectAllows, explAERefundAgreed, decided)
		} else {
			x.add(RuleAEFlow, EffectForbids, explAERefundNeedsAgreement, decided)
		}
	case !intact && !x.fault:
		x.add(RuleAEFlow, EffectForbids, explAENotAsDelivered, FieldNoReasonReturn|decided)
	default:
		entitled = inWindow
		if !intact {
			x.add(RuleAEFlow, EffectInfo, explAENotAsDelivered, FieldNoReasonReturn)
		} else {
			x.add(RuleAEFlow, EffectInfo, explAEFlow, 0)
		}
	}
	e.NeedsSellerAgreement = !entitled
	e.ReturnAllowed = entitled || (x.refundOnly && in.SellerAgreesToRefundOnly)

	x.freight(RuleAECosts, p.freightFor(AliExpress))

	respond := explAERespond
	if p.aeRespondDays() != defaultAERespondDays || p.aeBuyerShipDays() != defaultAEBuyerShipDays {
		respond = "The seller answers within " + strconv.Itoa(p.aeRespondDays()) +
			" days or the buyer's proposal is carried out; the buyer ships a return within " +
			strconv.Itoa(p.aeBuyerShipDays()) + " days of approval (reported periods, shop policy)."
	}
	if entitled {
		x.add(RuleAERespond, EffectInfo, respond, FieldSellerAgreement)
	} else {
		x.add(RuleAERespond, EffectInfo, respond, 0)
	}
	switch {
	case in.Kind == KindExchange:
		x.add(RuleAEFlow, EffectInfo, explAERefundDueExchange, FieldRefundDue)
	case x.refundOnly:
		x.add(RuleAEFlow, EffectInfo, explAERefundDueRefundOnly, FieldRefundDue)
	default:
		x.refundDue, x.hasDue = p.aeStepInDays(), true
		x.add(RuleAERespond, EffectInfo, daysText(x.refundDue, defaultAEStepInDays, explAEStepIn, explAEStepInA, explAEStepInB), FieldRefundDue)
	}
	if entitled {
		x.add(RuleAEAbuse, EffectInfo, explAEAbuse, 0)
	}
	x.add(RuleGWTariffNone, EffectInfo, explTariffAliExpress, FieldTariff)
	if in.Market.CrossBorder() {
		x.add(RuleXBExportReturn, EffectInfo, explExportReturn, 0)
	}
}

// freight decides who pays return freight: what the platform states on the
// case wins, then the seller's fault, then a free-return promise, then the
// shop's default for a return without fault.
func (x *evaluation) freight(ruleID string, f FreightPolicy) {
	var payer Party
	var text string
	switch {
	case x.in.FreightPaidByOnPlatform != "":
		payer = x.in.FreightPaidByOnPlatform
		switch payer {
		case PartyBuyer:
			text = explFreightStatedBuyer
		case PartySeller:
			text = explFreightStatedSeller
		default:
			text = explFreightStatedPlatform
		}
	case x.fault:
		payer = f.SellerFault
		if payer == PartySeller {
			text = explFreightFaultSeller
		} else {
			text = explFreightFaultBuyer
		}
	case x.in.FreeReturnPromised:
		payer, text = PartySeller, explFreightFreeReturnOrder
	case x.p.FreeReturnFreight:
		payer, text = PartySeller, explFreightFreeReturnShop
	default:
		payer = f.NoReason
		if payer == PartyBuyer {
			text = explFreightNoReasonBuyer
		} else {
			text = explFreightNoReasonSeller
		}
	}
	if ruleID == RuleAlibabaFreight {
		text = alibabaFreightText(text)
	}
	x.e.ReturnFreightPaidBy = payer
	x.add(ruleID, EffectInfo, text, FieldFreight)
}

// alibabaFreightText adds, to a freight decision the platform did not state,
// where Alibaba.com's default comes from (ALIBABA-FREIGHT: the seed
// contradicts itself). The sums are constants, so nothing is built per call.
func alibabaFreightText(t string) string {
	switch t {
	case explFreightFaultSeller:
		return explFreightFaultSeller + explAlibabaFreightDefault
	case explFreightFaultBuyer:
		return explFreightFaultBuyer + explAlibabaFreightDefault
	case explFreightFreeReturnOrder:
		return explFreightFreeReturnOrder + explAlibabaFreightDefault
	case explFreightFreeReturnShop:
		return explFreightFreeReturnShop + explAlibabaFreightDefault
	case explFreightNoReasonBuyer:
		return explFreightNoReasonBuyer + explAlibabaFreightDefault
	case explFreightNoReasonSeller:
		return explFreightNoReasonSeller + explAlibabaFreightDefault
	}
	return t
}

// textIf returns a when cond holds, else b.
func textIf(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// daysText returns def when n is the default period, and otherwise builds
// the text around n; only a shop with its own periods pays for the string.
func daysText(n, defN int, def, before, after string) string {
	if n == defN {
		return def
	}
	return before + strconv.Itoa(n) + after
}

// invalidInput names the first value the engine does not know, or "".
func invalidInput(in *EligibilityInput) string {
	switch {
	case !in.Platform.Valid():
		return explInvalidPlatform
	case !validMarket(in.Market):
		return explInvalidMarket
	case !validKind(in.Kind):
		return explInvalidKind
	case !validReason(in.Reason):
		return explInvalidReason
	case in.Category != "" && !in.Category.Valid():
		return explInvalidCategory
	case !validStatedParty(in.FreightPaidByOnPlatform):
		return explInvalidParty
	case in.ContractReturnDays < 0 || in.ContractReturnDays > MaxContractReturnDays:
		return explInvalidContractDays
	case in.ContractReturnDays > 0 && in.Platform != Alibaba:
		return explInvalidContractPlatform
	}
	return ""
}

func validMarket(m Market) bool { return m == "" || m == MarketDomestic || m.CrossBorder() }

func validKind(k Kind) bool {
	return k == KindRefundOnly || k == KindReturnAndRefund || k == KindExchange
}

func validReason(r Reason) bool {
	switch r {
	case ReasonSizeFit, ReasonNotAsDescribed, ReasonQualityDefect, ReasonDamagedInTransit, ReasonWrongItem,
		ReasonMissingParts, ReasonNotReceived, ReasonChangedMind, ReasonOther:
		return true
	}
	return false
}

func validStatedParty(p Party) bool {
	return p == "" || p == PartyBuyer || p == PartySeller || p == PartyPlatform
}

// Validate reports the first input value the engine does not know as an
// INVALID *Error naming the field; Evaluate on such input allows nothing.
func (in EligibilityInput) Validate() error {
	field := ""
	switch {
	case !in.Platform.Valid():
		field = "platform"
	case !validMarket(in.Market):
		field = "market"
	case !validKind(in.Kind):
		field = "kind"
	case !validReason(in.Reason):
		field = "reason"
	case in.Category != "" && !in.Category.Valid():
		field = "category"
	case !validStatedParty(in.FreightPaidByOnPlatform):
		field = "freightPaidByOnPlatform"
	default:
		return nil
	}
	return (&Error{Code: CodeInvalid, Message: invalidInput(&in), RuleID: RuleGWInput}).WithField(field)
}
