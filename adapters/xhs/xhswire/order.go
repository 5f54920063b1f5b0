package xhswire

import "encoding/json"

// The order and product methods the gateway reads for the facts behind a
// case (see docs/platforms.md for what is certain and what is assumed).
const (
	MethodGetOrderDetail   = "order.getOrderDetail"
	MethodGetOrderTracking = "order.getOrderTracking"
	MethodGetItemInfo      = "product.getItemInfo"
)

// orderStatus values of order.getOrderDetail.
const (
	OrderAwaitingPayment = 1
	OrderPaid            = 2
	OrderInCustoms       = 3
	OrderAwaitingShip    = 4
	OrderPartlyShipped   = 5
	OrderAwaitingReceipt = 6
	OrderCompleted       = 7
	OrderClosed          = 8
	OrderCancelled       = 9
)

// logisticsMode values of order.getOrderDetail: the order's fulfilment model.
const (
	LogisticsDomestic       = 1 // 普通内贸
	LogisticsBonded         = 2 // 保税 BBC
	LogisticsDirectMail     = 3 // 直邮 BC
	LogisticsPersonalParcel = 4 // 行邮 CC
)

// freeReturn values of product.getItemInfo's itemInfo.
const (
	FreeReturnYes = 1 // supports the 7-day no-reason return
	FreeReturnNo  = 2 // does not
)

// GetOrderDetailRequest is order.getOrderDetail's business field.
type GetOrderDetailRequest struct {
	OrderID string `json:"orderId"`
}

// OrderDetail is order.getOrderDetail's data (the fields the gateway reads).
// Money is in fen, as integers.
type OrderDetail struct {
	OrderID           string           `json:"orderId"`
	OrderType         int              `json:"orderType,omitempty"`
	OrderStatus       int              `json:"orderStatus"`
	CreatedTime       int64            `json:"createdTime,omitempty"`
	PaidTime          int64            `json:"paidTime,omitempty"`
	UpdateTime        int64            `json:"updateTime,omitempty"`
	DeliveryTime      int64            `json:"deliveryTime,omitempty"` // when it was shipped, not signed for
	FinishTime        int64            `json:"finishTime,omitempty"`
	SKUList           []OrderSKU       `json:"skuList"`
	TotalPayAmount    json.Number      `json:"totalPayAmount,omitempty"`
	TotalShippingFree json.Number      `json:"totalShippingFree,omitempty"` // sic: the freight paid
	LogisticsMode     int              `json:"logisticsMode,omitempty"`
	Logistics         string           `json:"logistics,omitempty"`
	CustomsCode       string           `json:"customsCode,omitempty"`
	BoundExtendInfo   *BoundExtendInfo `json:"boundExtendInfo,omitempty"`
	ExpressTrackingNo string           `json:"expressTrackingNo,omitempty"`
	OrderTagList      []string         `json:"orderTagList,omitempty"`
}

// OrderSKU is one aggregated line of an order.
type OrderSKU struct {
	SKUID           string           `json:"skuId"`
	SKUName         string           `json:"skuName,omitempty"`
	SKUQuantity     int              `json:"skuQuantity"`
	SKUDetailList   []OrderSKUDetail `json:"skuDetailList,omitempty"`
	TotalPaidAmount json.Number      `json:"totalPaidAmount,omitempty"`
	TotalTaxAmount  json.Number      `json:"totalTaxAmount,omitempty"`
	ItemID          string           `json:"itemId,omitempty"`
	ItemName        string           `json:"itemName,omitempty"`
}

// OrderSKUDetail is one single product inside a line.
type OrderSKUDetail struct {
	SKUID            string      `json:"skuId"`
	Quantity         int         `json:"quantity"`
	PricePerSku      json.Number `json:"pricePerSku,omitempty"`
	TaxPerSku        json.Number `json:"taxPerSku,omitempty"`
	PaidAmountPerSku json.Number `json:"paidAmountPerSku,omitempty"`
}

// BoundExtendInfo is the bonded (third-party bonded) node of an order.
type BoundExtendInfo struct {
	PayAmount   json.Number `json:"payAmount,omitempty"`
	TaxAmount   json.Number `json:"taxAmount,omitempty"`
	ShippingFee json.Number `json:"shippingFee,omitempty"`
}

// GetOrderTrackingRequest is order.getOrderTracking's business field.
type GetOrderTrackingRequest struct {
	OrderID string `json:"orderId"`
}

// OrderTrackingData is order.getOrderTracking's data.
type OrderTrackingData struct {
	OrderTrackInfos []OrderTrackInfo `json:"orderTrackInfos"`
}

// OrderTrackInfo is one parcel's track.
type OrderTrackInfo struct {
	OrderID            string        `json:"orderId"`
	DeliveryOrderID    string        `json:"deliveryOrderId,omitempty"`
	CurrentStatusDesc  string        `json:"currentStatusDesc,omitempty"`
	ExpressCompanyCode string        `json:"expressCompanyCode,omitempty"`
	ExpressNo          string        `json:"expressNo,omitempty"`
	Records            []TrackRecord `json:"records"`
}

// TrackRecord is one tracking event. eventAt is a string: the adapter reads
// it as ms or as "yyyy-MM-dd HH:mm:ss" China time.
type TrackRecord struct {
	EventAt            string `json:"eventAt"`
	EventDesc          string `json:"eventDesc,omitempty"`
	NodeID             int    `json:"nodeId,omitempty"`
	SubNodeID          int    `json:"subNodeId,omitempty"`
	TrackingStatus     int    `json:"trackingStatus,omitempty"`
	TrackingStatusDesc string `json:"trackingStatusDesc,omitempty"`
}

// TrackingSigned is the tracking status the gateway reads as the buyer's
// signing for the parcel. ASSUMPTION: the published enumeration stops at
// 6020 (in transit); 6050 and the description 已签收 are taken as sign-for
// (docs/platforms.md).
const TrackingSigned = 6050

// SignedDesc is the description of a sign-for record.
const SignedDesc = "已签收"

// TrackTimeLayout is eventAt's text form, in China time.
const TrackTimeLayout = "2006-01-02 15:04:05"

// GetItemInfoRequest is product.getItemInfo's business fields.
type GetItemInfoRequest struct {
	ItemID   string `json:"itemId"`
	PageNo   int    `json:"pageNo,omitempty"`
	PageSize int    `json:"pageSize,omitempty"`
}

// ItemInfoData is product.getItemInfo's data (the fields the gateway reads).
type ItemInfoData struct {
	ItemInfo *ItemInfo `json:"itemInfo"`
	SKUInfos []SKUInfo `json:"skuInfos,omitempty"`
	Total    int       `json:"total,omitempty"`
}

// ItemInfo is the item (SPU).
type ItemInfo struct {
	ID         string `json:"id"`
	Name       string `json:"name,omitempty"`
	CategoryID string `json:"categoryId"`
	FreeReturn int    `json:"freeReturn,omitempty"`
}

// SKUInfo is one SKU of the item.
type SKUInfo struct {
	ID     string `json:"id"`
	ItemID string `json:"itemId"`
	Name   string `json:"name,omitempty"`
	Price  int64  `json:"price,omitempty"`
}
