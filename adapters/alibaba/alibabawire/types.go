package alibabawire

// OrderListQuery is the JSON object sent as param_trade_ecology_order_list_query
// to alibaba.seller.order.list.
type OrderListQuery struct {
	Role      string `json:"role"`       // "seller"
	StartPage int    `json:"start_page"` // from 0
	PageSize  int    `json:"page_size"`  // 1..MaxPageSize
	Status    string `json:"status,omitempty"`
	// The date ranges. ASSUMED names and shape: community clients send
	// {"date_str": "yyyy-MM-dd HH:mm:ss"} under these names; the bounds are
	// taken as inclusive and in US Pacific time.
	CreateDateStart   *DateQuery `json:"create_date_start,omitempty"`
	CreateDateEnd     *DateQuery `json:"create_date_end,omitempty"`
	ModifiedDateStart *DateQuery `json:"modified_date_start,omitempty"`
	ModifiedDateEnd   *DateQuery `json:"modified_date_end,omitempty"`
}

// DateQuery is a date bound of the order list query.
type DateQuery struct {
	DateStr string `json:"date_str"`
}

// OrderListResponse is the answer of alibaba.seller.order.list inside
// "alibaba_seller_order_list_response".
type OrderListResponse struct {
	Value     OrderListValue `json:"value"`
	RequestID string         `json:"request_id,omitempty"`
}

// OrderListValue is one page of the seller's orders.
type OrderListValue struct {
	OrderList  List[OrderSummary] `json:"order_list"`
	TotalCount Number             `json:"total_count"` // every order matching the query
}

// OrderSummary is an order as the list shows it: enough to decide whether
// to read it.
type OrderSummary struct {
	TradeID    Text `json:"trade_id"`
	CreateDate Date `json:"create_date"`
	ModifyDate Date `json:"modify_date"`
}

// OrderGetResponse is the answer of alibaba.seller.order.get inside
// "alibaba_seller_order_get_response".
type OrderGetResponse struct {
	Value     Order  `json:"value"`
	RequestID string `json:"request_id,omitempty"`
}

// Order is TradeEcologyOrder, the order detail. Field names as documented
// (apiId 41148) unless marked.
type Order struct {
	TradeID            Text               `json:"trade_id"`
	TradeStatus        string             `json:"trade_status,omitempty"`
	Buyer              Buyer              `json:"buyer"`
	CreateDate         Date               `json:"create_date"`
	ModifyDate         Date               `json:"modify_date"` // ASSUMED present here as in the list
	OrderProducts      List[OrderProduct] `json:"order_products"`
	ProductTotalAmount *Price             `json:"product_total_amount,omitempty"`
	ShipmentFee        *Price             `json:"shipment_fee,omitempty"`
	TotalAmount        *Price             `json:"total_amount,omitempty"`
	Remark             string             `json:"remark,omitempty"`
	ShipmentMethod     string             `json:"shipment_method,omitempty"`
	TradeTerm          string             `json:"trade_term,omitempty"`
	ExportServiceType  string             `json:"export_service_type,omitempty"`
	ShippingAddress    *Address           `json:"shipping_address,omitempty"`
	StatusAction       *StatusAction      `json:"status_action,omitempty"`
	Seller             *SellerParticipant `json:"seller,omitempty"`
}

// Buyer is the order's buyer; the platform masks its ids.
type Buyer struct {
	Country      string `json:"country,omitempty"`
	FullName     string `json:"full_name,omitempty"`
	EAccountID   string `json:"e_account_id,omitempty"`
	ImmutableEID string `json:"immutable_eid,omitempty"` // stable per buyer account
}

// SellerParticipant is the order's seller account.
type SellerParticipant struct {
	FullName string `json:"full_name,omitempty"`
	LoginID  string `json:"login_id,omitempty"`
}

// Address is the shipping address, reduced to what the gateway reads.
type Address struct {
	Country     string `json:"country,omitempty"`
	CountryCode string `json:"country_code,omitempty"`
	City        string `json:"city,omitempty"`
}

// StatusAction is the order's status and the links the seller centre offers.
type StatusAction struct {
	Status string `json:"status,omitempty"`
}

// OrderProduct is TradeEcologyOrderProduct, one product line of the order.
type OrderProduct struct {
	ID            Text               `json:"id"` // the line's id
	ProductID     Text               `json:"product_id"`
	Name          string             `json:"name"`
	Quantity      Text               `json:"quantity"` // a decimal such as "12.0000"
	Unit          string             `json:"unit,omitempty"`
	UnitPrice     Price              `json:"unit_price"` // may carry four decimals
	SKUID         Text               `json:"sku_id,omitempty"`
	SKUCode       string             `json:"sku_code,omitempty"`
	ModelNumber   string             `json:"model_number,omitempty"`
	SKUAttributes List[SKUAttribute] `json:"sku_attributes"`
}

// SKUAttribute is one attribute of a SKU, such as colour.
type SKUAttribute struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// FundGetResponse is the answer of alibaba.seller.order.fund.get inside
// "alibaba_seller_order_fund_get_response".
type FundGetResponse struct {
	Value     Fund   `json:"value"`
	RequestID string `json:"request_id,omitempty"`
}

// Fund is TradeEcologyFund: the order's payments, service fee and, with
// data_select=fund_refund, its refund records.
type Fund struct {
	FundPayList List[FundPay] `json:"fund_pay_list"` // documented
	ServiceFee  *Price        `json:"service_fee,omitempty"`
	// RefundList holds the refund records. ASSUMED: the documentation names
	// fund_refund as "refund information" but does not show its fields; the
	// member name and the record's fields (Refund) are the gateway's model.
	RefundList List[Refund] `json:"refund_list"`
}

// FundPay is one payment step of the order (advance, balance). Documented.
type FundPay struct {
	PayAmount       *Price `json:"pay_amount,omitempty"`
	PayMethod       string `json:"pay_method,omitempty"`
	PayStatus       string `json:"pay_status,omitempty"`
	PayStep         string `json:"pay_step,omitempty"`
	PayTime         *Date  `json:"pay_time,omitempty"`
	ReceiveAmount   *Price `json:"receive_amount,omitempty"`
	ReceiveTime     *Date  `json:"receive_time,omitempty"`
	ShouldPayAmount *Price `json:"should_pay_amount,omitempty"`
}

// Refund is one refund record of an order: a buyer's refund request (with
// or without returning goods) and where it stands. ASSUMED in every field;
// see Fund.RefundList.
type Refund struct {
	RefundID          Text                `json:"refund_id"`
	RefundStatus      string              `json:"refund_status"`
	RefundType        string              `json:"refund_type"`
	RefundReason      string              `json:"refund_reason"`         // the reason's label, as the buyer chose it
	RefundDesc        string              `json:"refund_desc,omitempty"` // the buyer's own words
	ApplyRefundAmount *Price              `json:"apply_refund_amount,omitempty"`
	RefundAmount      *Price              `json:"refund_amount,omitempty"` // what was actually refunded
	CreateDate        Date                `json:"create_date"`
	ModifyDate        Date                `json:"modify_date"`
	RefundDate        *Date               `json:"refund_date,omitempty"`
	ReturnLogistics   *ReturnLogistics    `json:"return_logistics,omitempty"`
	RefundProducts    List[RefundProduct] `json:"refund_products"`
}

// ReturnLogistics is the buyer's parcel back to the seller.
type ReturnLogistics struct {
	Carrier        string `json:"carrier,omitempty"`
	TrackingNumber string `json:"tracking_number,omitempty"`
	ShipDate       *Date  `json:"ship_date,omitempty"`
	ReceiveDate    *Date  `json:"receive_date,omitempty"`
}

// RefundProduct names an order line the refund concerns and how many.
type RefundProduct struct {
	ID       Text `json:"id"` // OrderProduct.ID
	Quantity Text `json:"quantity"`
}

// LogisticsGetResponse is the answer of alibaba.seller.order.logistics.get
// inside "alibaba_seller_order_logistics_get_response".
type LogisticsGetResponse struct {
	Value     Logistics `json:"value"`
	RequestID string    `json:"request_id,omitempty"`
}

// Logistics is the order's outbound shipping. ASSUMED in its fields beyond
// logistic_status and shipping_order_list, which community clients read.
type Logistics struct {
	LogisticStatus    string              `json:"logistic_status,omitempty"`
	ShippingOrderList List[ShippingOrder] `json:"shipping_order_list"`
}

// ShippingOrder is one parcel of the order on its way to the buyer.
type ShippingOrder struct {
	ShippingOrderID Text   `json:"shipping_order_id,omitempty"`
	Carrier         string `json:"carrier,omitempty"`
	TrackingNumber  string `json:"tracking_number,omitempty"`
	Status          string `json:"status,omitempty"`
	SendDate        *Date  `json:"send_date,omitempty"`
	SignDate        *Date  `json:"sign_date,omitempty"` // when the buyer signed for it
}
