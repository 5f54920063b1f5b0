package xhswire

// Status is an after-sale status (售后状态).
type Status = int

// The after-sale statuses.
const (
	StatusPendingReview       Status = 1    // 待审核
	StatusAwaitingReturn      Status = 2    // 待用户寄回
	StatusAwaitingReceipt     Status = 3    // 待商家收货
	StatusCompleted           Status = 4    // 已完成
	StatusCancelled           Status = 5    // 已取消
	StatusClosed              Status = 6    // 已关闭
	StatusRejected            Status = 9    // 商家审核拒绝
	StatusRejectedAtReceipt   Status = 9001 // 商家收货拒绝
	StatusExchangeToRefund    Status = 11   // 换货转退款 (old API only)
	StatusExchangeAwaitShip   Status = 12   // 换货待商家发货
	StatusExchangeAwaitBuyer  Status = 13   // 换货待用户确认收货
	StatusPlatformIntervening Status = 14   // 平台介入中
)

// StatusLabels are the platform's own names of the statuses, as its
// documents spell them.
var StatusLabels = map[Status]string{
	StatusPendingReview:       "待审核",
	StatusAwaitingReturn:      "待用户寄回",
	StatusAwaitingReceipt:     "待商家收货",
	StatusCompleted:           "已完成",
	StatusCancelled:           "已取消",
	StatusClosed:              "已关闭",
	StatusRejected:            "商家审核拒绝",
	StatusRejectedAtReceipt:   "商家收货拒绝",
	StatusExchangeToRefund:    "换货转退款",
	StatusExchangeAwaitShip:   "换货待商家发货",
	StatusExchangeAwaitBuyer:  "换货待用户确认收货",
	StatusPlatformIntervening: "平台介入中",
}

// ReturnType is what the buyer asked for (售后类型).
type ReturnType = int

// The after-sale types.
const (
	ReturnTypeReturn           ReturnType = 1 // 退货退款
	ReturnTypeExchange         ReturnType = 2 // 换货
	ReturnTypeRefundOnlyOld    ReturnType = 3 // 仅退款 (old)
	ReturnTypeRefundAfterShip  ReturnType = 4 // 已发货仅退款
	ReturnTypeRefundBeforeShip ReturnType = 5 // 未发货仅退款
	ReturnTypePriceProtection  ReturnType = 6 // 保价
)

// RefundStatus is the state of the refund of an after-sale (退款状态).
type RefundStatus = int

// The refund statuses.
const (
	RefundCreated       RefundStatus = 101 // 已创建
	RefundPendingReview RefundStatus = 201 // 待审核
	RefundApproved      RefundStatus = 301 // 审核通过
	RefundNotApproved   RefundStatus = 302 // 审核不通过
	RefundTriggered     RefundStatus = 108 // 触发退款
	RefundInProgress    RefundStatus = 1   // 退款中
	RefundSucceeded     RefundStatus = 2   // 退款成功
	RefundFailed        RefundStatus = 3   // 退款失败
	RefundCancelled     RefundStatus = 401 // 已取消
	RefundAutoClosed    RefundStatus = 402 // 自动关闭
)

// The returnsTag flags (售后自动流程标记); other values are combinations.
const (
	TagPlatformFastRefund = 1 // 命中平台极速退款
	TagMerchantFastRefund = 2 // 命中商家极速退款
	TagAfterSaleAssistant = 3 // 命中售后助手策略
	TagSevenDayAutoReview = 4 // 七天无理由自动审核
)

// The cargo statuses a buyer picks for a refund-only request after shipment.
const (
	CargoNotChosen   = 0 // 未选择
	CargoNotReceived = 1 // 未收到货
	CargoReceived    = 2 // 已收到货
)

// The time types of afterSale.listAfterSaleInfos.
const (
	TimeTypeCreated = 1 // by creation time; a window of at most 24 h
	TimeTypeUpdated = 2 // by update time; a window of at most 30 min
)

// The actions of afterSale.auditReturns.
const (
	AuditAgreeRefund = 1 // 同意直接退款 (not for return or exchange)
	AuditAgreeReturn = 2 // 同意寄回 (not for refund only)
	AuditReject      = 3 // 拒绝
)

// The actions of afterSale.confirmReceive.
const (
	ReceiveConfirm = 1 // 确认收货
	ReceiveReject  = 2 // 拒绝
	ReceiveExtend  = 3 // 延期
)

// The rejectReasonType values of afterSale.rejectReasons (request side).
const (
	RejectAtReview  = 1 // 审核拒绝
	RejectAtReceipt = 2 // 收货拒绝
)

// The reasonType values in afterSale.rejectReasons' answer. The platform
// documents them differently from the request's rejectReasonType (0 and 1
// instead of 1 and 2).
const (
	ReasonTypeReview  = 0 // 拒绝售后
	ReasonTypeReceipt = 1 // 拒绝收货
)

// The values of an address record's flags.
const (
	AddressDefault    = "DEFAULT"
	AddressNonDefault = "NON_DEFAULT"
	AddressActive     = "ACTIVE"
	AddressInactive   = "INACTIVE"
)

// The limits of afterSale.listAfterSaleInfos.
const (
	MaxPageSize        = 100
	MaxPageProduct     = 50000 // pageNo × pageSize
	MaxCreatedWindowMS = 24 * 60 * 60 * 1000
	MaxUpdatedWindowMS = 30 * 60 * 1000
)

// NoExpireTime is the expireTime of a case that does not wait for the merchant.
const NoExpireTime = -1

// NegotiateTimeLayout is the layout of a negotiation record's time, in China time.
const NegotiateTimeLayout = "2006-01-02 15:04:05"
