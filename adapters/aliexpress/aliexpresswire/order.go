package aliexpresswire

// The order and product methods the gateway reads for the facts behind an
// issue. Names and fields follow the TOP SDK classes of the seller order
// detail (AeopTpSingleOrderInfo / TpOpenOrderDTO); what is uncertain is
// listed in docs/platforms.md.
const (
	// MethodFindOrderByID is the seller's order detail. ASSUMPTION: the new
	// platform also offers aliexpress.solution.order.info.get with the same
	// param1; the legacy name is kept because it answers on both gateways.
	MethodFindOrderByID = "aliexpress.trade.new.redefining.findorderbyid"
	// MethodProductInfo is the seller's product detail (category_id).
	MethodProductInfo = "aliexpress.solution.product.info.get"

	ParamParam1    = "param1"
	ParamProductID = "product_id"
)

// OrderDetailQuery is param1 of MethodFindOrderByID, JSON-encoded.
type OrderDetailQuery struct {
	OrderID Long `json:"order_id"`
	// ExtInfoBitFlag asks for optional blocks; 11111 is every block.
	ExtInfoBitFlag int `json:"ext_info_bit_flag,omitempty"`
}

// FindOrderResponse is MethodFindOrderByID's answer inside its envelope.
type FindOrderResponse struct {
	Target    *OrderTarget `json:"target"`
	RequestID string       `json:"request_id,omitempty"`
}

// Money is an amount object of the order methods.
type Money struct {
	Amount       Decimal `json:"amount"`
	CurrencyCode string  `json:"currency_code"`
}

// OrderTarget is the order (the fields the gateway reads). Times are US
// Pacific text, as in the issue methods.
type OrderTarget struct {
	ID              Long          `json:"id"`
	GmtCreate       string        `json:"gmt_create,omitempty"`
	GmtPaySuccess   string        `json:"gmt_pay_success,omitempty"`
	GmtTradeEnd     string        `json:"gmt_trade_end,omitempty"`
	OrderStatus     string        `json:"order_status"`
	LogisticsStatus string        `json:"logistics_status,omitempty"`
	OrderAmount     *Money        `json:"order_amount,omitempty"`
	LogisticsAmount *Money        `json:"logistics_amount,omitempty"` // the freight the buyer paid
	TaxAmount       *Money        `json:"tax_amount,omitempty"`       // ASSUMPTION: import VAT collected on the order
	ChildOrderList  []ChildOrder  `json:"child_order_list"`
	LogisticInfo    []LogisticDTO `json:"logistic_info_list,omitempty"`
}

// ChildOrder is one line of the order.
type ChildOrder struct {
	ID           Long   `json:"id,omitempty"`
	ProductID    Long   `json:"product_id"`
	ProductName  string `json:"product_name,omitempty"`
	ProductCount int    `json:"product_count"`
	ProductPrice *Money `json:"product_price,omitempty"`
	InitOrderAmt *Money `json:"init_order_amt,omitempty"` // what the line cost, all units
}

// LogisticDTO is one parcel of the order.
type LogisticDTO struct {
	LogisticsNo          string `json:"logistics_no,omitempty"`
	LogisticsServiceName string `json:"logistics_service,omitempty"`
	GmtSend              string `json:"gmt_send,omitempty"`
	// GmtReceived is when the buyer received the parcel. ASSUMPTION: the
	// published DTO names it gmt_received; docs/platforms.md marks it.
	GmtReceived   string `json:"gmt_received,omitempty"`
	ReceiveStatus string `json:"receive_status,omitempty"`
}

// Order statuses the gateway reads.
const (
	OrderFinish                = "FINISH"
	OrderWaitBuyerAcceptGoods  = "WAIT_BUYER_ACCEPT_GOODS"
	OrderWaitSellerSendGoods   = "WAIT_SELLER_SEND_GOODS"
	OrderInIssue               = "IN_ISSUE"
	ReceiveStatusReceived      = "received"
	ReceiveStatusNotReceived   = "not_received"
	LogisticsBuyerAcceptGoods  = "BUYER_ACCEPT_GOODS"
	LogisticsSellerSendGoods   = "SELLER_SEND_GOODS"
	LogisticsNoLogistics       = "NO_LOGISTICS"
	LogisticsSellerSendPartial = "SELLER_SEND_PART_GOODS"
)

// ProductInfoResponse is MethodProductInfo's answer.
type ProductInfoResponse struct {
	Result *ProductInfo `json:"result"`
}

// ProductInfo is a product (the fields the gateway reads).
type ProductInfo struct {
	ProductID  Long   `json:"product_id"`
	Subject    string `json:"subject,omitempty"`
	CategoryID Long   `json:"category_id"`
}
