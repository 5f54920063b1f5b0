package alibabawire

// Refund record statuses (Refund.RefundStatus). ASSUMED, every one: the
// platform publishes no enumeration. They follow the seller's flow on
// Alibaba.com (seed 001): the buyer applies; the seller agrees, refuses or
// proposes another solution; goods travel back; the seller confirms receipt
// and refunds; without agreement either side asks the platform to mediate,
// and a seller who disagrees with the handling appeals.
const (
	RefundWaitSellerConfirm = "WAIT_SELLER_CONFIRM" // the buyer applied; the seller decides
	RefundWaitBuyerConfirm  = "WAIT_BUYER_CONFIRM"  // the seller proposed another solution
	RefundSellerRefused     = "SELLER_REFUSED"      // the seller refused; the buyer may revise or escalate
	RefundWaitBuyerReturn   = "WAIT_BUYER_RETURN"   // the seller agreed to a return; the buyer ships
	RefundWaitSellerReceive = "WAIT_SELLER_RECEIVE" // the goods travel back
	RefundSellerReceived    = "SELLER_RECEIVED"     // the seller confirmed receipt; a refund is due
	RefundRefunding         = "REFUNDING"           // the refund is being paid out
	RefundSuccess           = "REFUND_SUCCESS"      // money returned
	RefundPlatformMediating = "PLATFORM_MEDIATING"  // Alibaba.com customer service mediates
	RefundSellerAppealing   = "SELLER_APPEALING"    // the seller appealed the mediation
	RefundBuyerCancelled    = "BUYER_CANCELLED"     // the buyer withdrew
	RefundClosed            = "REFUND_CLOSED"       // ended without refund
)

// RefundStatuses lists every refund record status in flow order.
func RefundStatuses() []string {
	return []string{
		RefundWaitSellerConfirm, RefundWaitBuyerConfirm, RefundSellerRefused, RefundWaitBuyerReturn,
		RefundWaitSellerReceive, RefundSellerReceived, RefundRefunding, RefundSuccess,
		RefundPlatformMediating, RefundSellerAppealing, RefundBuyerCancelled, RefundClosed,
	}
}

// Refund types (Refund.RefundType). ASSUMED.
const (
	RefundTypeRefundOnly      = "REFUND_ONLY"
	RefundTypeReturnAndRefund = "RETURN_AND_REFUND"
)

// Payment steps and statuses (FundPay). ADVANCE and UNPAY are documented;
// the others are ASSUMED.
const (
	PayStepAdvance = "ADVANCE"
	PayStepBalance = "BALANCE"

	PayStatusUnpay  = "UNPAY"
	PayStatusPaying = "PAYING"
	PayStatusPaid   = "PAID"
)

// Order statuses (Order.TradeStatus). "trade_success" is documented; the
// others are ASSUMED. The gateway keeps them raw and does not map them.
const (
	TradeWaitBuyerPay     = "wait_buyer_pay"
	TradeWaitSellerSend   = "wait_seller_send"
	TradeWaitBuyerReceive = "wait_buyer_receive"
	TradeSuccess          = "trade_success"
	TradeClose            = "trade_close"
)

// Logistics statuses (Logistics.LogisticStatus and ShippingOrder.Status).
// ASSUMED.
const (
	LogisticsNotShipped = "NOT_SHIPPED"
	LogisticsShipped    = "SHIPPED"
	LogisticsDelivered  = "DELIVERED"

	ParcelInTransit = "IN_TRANSIT"
	ParcelSigned    = "SIGNED"
)
