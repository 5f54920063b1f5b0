package alibaba

import (
	"strings"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// statusRow is what the gateway knows about one refund record status: the
// lifecycle status it normalizes to, its English label, which seller steps
// the seller centre allows in it (seed 001's flow), and whether the Trade
// Assurance negotiation clock runs in it.
type statusRow struct {
	status       returns.Status
	label        string
	sellerCentre []returns.Action
	// respond: the seller is expected to answer within the negotiation period.
	respond bool
	// negotiating: the case will be escalated to Alibaba.com automatically at
	// the end of the dispute period unless it is settled.
	negotiating bool
}

// refundStatusRow is the table of refund record statuses. A status missing
// here is unknown: it normalizes to REQUESTED (the documented fallback), gets
// no deadlines and allows no seller step, and the adapter logs it.
func refundStatusRow(code string) (statusRow, bool) {
	switch code {
	case alibabawire.RefundWaitSellerConfirm:
		return statusRow{returns.StatusRequested, "Waiting for the seller to respond",
			[]returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionOffer}, true, true}, true
	case alibabawire.RefundWaitBuyerConfirm:
		return statusRow{returns.StatusNegotiating, "Waiting for the buyer to accept the seller's proposal",
			[]returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionEscalate}, false, true}, true
	case alibabawire.RefundSellerRefused:
		return statusRow{returns.StatusRejected, "The seller refused the request",
			[]returns.Action{returns.ActionEscalate}, false, true}, true
	case alibabawire.RefundWaitBuyerReturn:
		return statusRow{returns.StatusAwaitingBuyerShipment, "Waiting for the buyer to return the goods", nil, false, false}, true
	case alibabawire.RefundWaitSellerReceive:
		return statusRow{returns.StatusInTransit, "Returned goods on their way to the seller",
			[]returns.Action{returns.ActionConfirmReceipt}, false, false}, true
	case alibabawire.RefundSellerReceived:
		return statusRow{returns.StatusReceived, "The seller received the returned goods",
			[]returns.Action{returns.ActionRefund, returns.ActionReject}, false, false}, true
	case alibabawire.RefundRefunding:
		return statusRow{returns.StatusRefundPending, "Refund in progress", nil, false, false}, true
	case alibabawire.RefundSuccess:
		return statusRow{returns.StatusRefunded, "Refunded", nil, false, false}, true
	case alibabawire.RefundPlatformMediating:
		return statusRow{returns.StatusEscalated, "Alibaba.com is mediating", nil, false, false}, true
	case alibabawire.RefundSellerAppealing:
		return statusRow{returns.StatusEscalated, "The seller appealed the mediation", nil, false, false}, true
	case alibabawire.RefundBuyerCancelled:
		return statusRow{returns.StatusCancelled, "The buyer withdrew the request", nil, false, false}, true
	case alibabawire.RefundClosed:
		return statusRow{returns.StatusClosed, "Closed without refund", nil, false, false}, true
	}
	return statusRow{}, false
}

// fallbackStatus is where an unknown refund status lands: waiting for the
// seller, which makes a human look at it, with no action offered.
const fallbackStatus = returns.StatusRequested

// The Trade Assurance dispute timeline, from Alibaba.com's help centre
// ("How does Trade Assurance protect my order for product quality?"): after a
// complaint the parties negotiate for 3 days without Alibaba.com; from the 4th
// day either may ask Alibaba.com to decide; on the 7th day the system
// escalates an unsettled complaint to Alibaba.com by itself. Counted from the
// refund record's creation.
const (
	negotiationPeriod  = 3 * 24 * time.Hour
	autoEscalateAfter  = 7 * 24 * time.Hour
	autoEscalateAction = "ESCALATE_TO_ALIBABA"
)

// The no-reason return window (ALIBABA-7D): 7 days from receipt. Counted as
// CN-7D-WINDOW counts (the days start the day after signing; the window ends
// at 24:00 of the 7th day), in US Pacific time, the zone Alibaba.com reports in.
const noReasonDays = 7

// noReasonWindowCloses is the instant the ALIBABA-7D window closes for goods
// signed for at delivered.
func noReasonWindowCloses(delivered time.Time) time.Time {
	d := delivered.In(returns.Pacific)
	end := time.Date(d.Year(), d.Month(), d.Day()+noReasonDays+1, 0, 0, 0, 0, returns.Pacific)
	return end.UTC()
}

// freightPayer is who bears the return freight of a return for the reason.
func freightPayer(rule FreightRule, r returns.Reason) returns.Party {
	atFault := r.SellerAtFault()
	if rule == FreightSeedLiteral {
		atFault = !atFault
	}
	// ALIBABA-FREIGHT: seed 001 contradicts itself, so the default is
	// CN-FREIGHT's reading — the seller pays when the seller is at fault, the
	// buyer otherwise. FreightSeedLiteral inverts it for a shop that wants the
	// seed's words.
	if atFault {
		return returns.PartySeller
	}
	return returns.PartyBuyer
}

// reasonForLabel maps the buyer's reason label to a normalized reason: first
// the exact labels Alibaba.com shows buyers, then keywords (English and
// Chinese, for language=zh_CN answers). ASSUMED labels: the platform publishes
// no list; they follow seed 001's reasons (quality, change of mind,
// logistics) and the Trade Assurance dispute form. An unrecognised label is
// OTHER; the label itself is always kept in Case.PlatformReason.
func reasonForLabel(label string) (returns.Reason, bool) {
	l := strings.ToLower(strings.TrimSpace(label))
	switch l {
	case "product quality issues", "quality issues":
		return returns.ReasonQualityDefect, true
	case "products not as described", "not as described", "incorrect specifications or color differences":
		return returns.ReasonNotAsDescribed, true
	case "wrong products received", "wrong products", "wrong item":
		return returns.ReasonWrongItem, true
	case "damaged during shipping", "products damaged in transit":
		return returns.ReasonDamagedInTransit, true
	case "quantity shortage", "missing parts or accessories":
		return returns.ReasonMissingParts, true
	case "did not receive the goods", "products not received", "package lost in transit":
		return returns.ReasonNotReceived, true
	case "changed my mind", "no longer needed", "ordered by mistake":
		return returns.ReasonChangedMind, true
	case "size does not fit", "wrong size":
		return returns.ReasonSizeFit, true
	case "other", "others":
		return returns.ReasonOther, true
	}
	// Keywords, most specific first: "damaged" before "quality", "not
	// received" before anything mentioning goods.
	for _, k := range []struct {
		words  []string
		reason returns.Reason
	}{
		{[]string{"not receive", "not received", "never arrived", "lost", "未收到", "丢件"}, returns.ReasonNotReceived},
		{[]string{"damage", "broken in transit", "破损"}, returns.ReasonDamagedInTransit},
		{[]string{"wrong", "incorrect item", "错发"}, returns.ReasonWrongItem},
		{[]string{"missing", "shortage", "short of", "少件", "漏发"}, returns.ReasonMissingParts},
		{[]string{"size", "fit", "尺码", "尺寸"}, returns.ReasonSizeFit},
		{[]string{"not as described", "specification", "colour", "color", "描述不符", "色差"}, returns.ReasonNotAsDescribed},
		{[]string{"quality", "defect", "faulty", "broken", "质量"}, returns.ReasonQualityDefect},
		{[]string{"changed my mind", "change of mind", "no longer", "mistake", "不想要", "拍错"}, returns.ReasonChangedMind},
	} {
		for _, w := range k.words {
			if strings.Contains(l, w) {
				return k.reason, true
			}
		}
	}
	return returns.ReasonOther, false
}
