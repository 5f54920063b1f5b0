package xhswire

import "encoding/json"

// Push messages (消息推送). The platform POSTs a JSON array of messages to the
// one push URL configured for the app, with the app key, a timestamp and a
// signature in the headers, and expects PushReply back. A delivery that is
// not acknowledged is retried once, about five minutes later.

// The headers of a push request. The signature covers the request path, its
// query parameters and the app-key and timestamp headers, not the body (see
// each side's own signing code).
const (
	PushHeaderAppKey    = "app-key"
	PushHeaderTimestamp = "timestamp"
	PushHeaderSign      = "sign"
)

// PushMessage is one element of a push request's body.
type PushMessage struct {
	MsgTag   string `json:"msgTag"`
	SellerID string `json:"sellerId"`
	// Data is a JSON object encoded as a string; for after-sale tags it
	// decodes to PushAfterSaleData.
	Data string `json:"data"`
}

// PushAfterSaleData is the data of an after-sale message.
type PushAfterSaleData struct {
	ReturnsID  string `json:"returnsId"`
	OrderID    string `json:"orderId"`
	ReturnType int    `json:"returnType"`
	// RequestFrom is who started the after-sale (售后发起主体): one of the
	// RequestFrom* values.
	RequestFrom int `json:"requestFrom"`
	// RefundFee is the refund in yuan, without freight.
	RefundFee json.Number `json:"refundFee,omitempty"`
	// UpdateTime is the case's update time in ms.
	UpdateTime int64 `json:"updateTime"`
}

// The values of PushAfterSaleData.RequestFrom.
const (
	RequestFromBuyer    = 1 // 买家申请
	RequestFromSeller   = 2 // 卖家申请
	RequestFromPlatform = 3 // 平台客服发起
	RequestFromSystem   = 4 // 系统修改
)

// PushReply is the receiver's answer; anything but success true (or a
// non-2xx status) makes the platform deliver the push again.
type PushReply struct {
	Success   bool   `json:"success"`
	ErrorCode int    `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

// The after-sale message tags (消息Tag).
const (
	TagAfterSaleCreate         = "msg_after_sale_create"          // 发起售后申请
	TagAfterSaleUpdate         = "msg_after_sale_update"          // 售后信息更新
	TagAfterSaleAuditPass      = "msg_after_sale_audit_pass"      // 同意售后申请
	TagAfterSaleAuditReject    = "msg_after_sale_audit_reject"    // 拒绝售后申请
	TagAfterSaleRejectReceive  = "msg_after_sale_reject_receive"  // 卖家拒绝收货
	TagAfterSaleConfirmReceive = "msg_after_sale_confirm_receive" // 卖家确认收货
	TagAfterSaleExchangeShip   = "msg_after_sale_exchange_ship"   // 换货卖家发货
	TagAfterSaleRefundFinished = "msg_after_sale_refund_finished" // 退款成功
	TagAfterSaleClosed         = "msg_after_sale_closed"          // 售后关闭
	TagAfterSaleTransfer       = "msg_after_sale_transfer"        // 售后类型变更（换货转退款、客服仲裁）
)

// AfterSaleTagPrefix starts every after-sale tag, including any the platform
// adds later.
const AfterSaleTagPrefix = "msg_after_sale_"

// AfterSaleTags lists the known after-sale tags.
var AfterSaleTags = []string{
	TagAfterSaleCreate, TagAfterSaleUpdate, TagAfterSaleAuditPass, TagAfterSaleAuditReject,
	TagAfterSaleRejectReceive, TagAfterSaleConfirmReceive, TagAfterSaleExchangeShip,
	TagAfterSaleRefundFinished, TagAfterSaleClosed, TagAfterSaleTransfer,
}
