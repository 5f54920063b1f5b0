package xhswire

import "encoding/json"

// ListAfterSaleInfosRequest is the body of afterSale.listAfterSaleInfos
// (获取售后列表（新）). Either OrderID or TimeType is required; StartTime and
// EndTime are ms and both inclusive.
type ListAfterSaleInfosRequest struct {
	PageNo      int    `json:"pageNo"`
	PageSize    int    `json:"pageSize"`
	OrderID     string `json:"orderId,omitempty"`
	Statuses    []int  `json:"statuses,omitempty"`
	ReturnTypes []int  `json:"returnTypes,omitempty"`
	StartTime   int64  `json:"startTime,omitempty"`
	EndTime     int64  `json:"endTime,omitempty"`
	TimeType    int    `json:"timeType,omitempty"`
}

// ListAfterSaleInfosData is the data of afterSale.listAfterSaleInfos' answer.
type ListAfterSaleInfosData struct {
	AfterSaleBasicInfos []AfterSaleBasicInfo `json:"afterSaleBasicInfos"`
	TotalCount          int                  `json:"totalCount"`
	PageNo              int                  `json:"pageNo"`
	PageSize            int                  `json:"pageSize"`
}

// AfterSaleBasicInfo is one entry of the after-sale list.
type AfterSaleBasicInfo struct {
	ReturnsID                string      `json:"returnsId"`
	ReturnType               int         `json:"returnType"`
	ReasonID                 int64       `json:"reasonId"`
	ReasonNameZh             string      `json:"reasonNameZh"`
	Status                   int         `json:"status"`
	UserID                   string      `json:"userId"`
	OrderID                  string      `json:"orderId"`
	ApplyTime                int64       `json:"applyTime"`
	UpdatedAt                int64       `json:"updatedAt"`
	ExpireTime               int64       `json:"expireTime"`
	Desc                     string      `json:"desc"`
	ReturnsTag               int         `json:"returnsTag"`
	ExpectedRefundAmountYuan json.Number `json:"expectedRefundAmountYuan,omitempty"`
}

// GetAfterSaleInfoRequest is the body of afterSale.getAfterSaleInfo
// (获取售后详情（新）).
type GetAfterSaleInfoRequest struct {
	ReturnsID           string `json:"returnsId"`
	NeedNegotiateRecord bool   `json:"needNegotiateRecord"`
}

// GetAfterSaleInfoData is the data of afterSale.getAfterSaleInfo's answer.
type GetAfterSaleInfoData struct {
	AfterSaleInfo    *AfterSaleInfo    `json:"afterSaleInfo"`
	LogisticsInfo    *LogisticsInfo    `json:"logisticsInfo,omitempty"`
	NegotiateRecords []NegotiateRecord `json:"negotiateRecords,omitempty"`
}

// AfterSaleInfo is one after-sale case in full.
type AfterSaleInfo struct {
	ReturnsID                string         `json:"returnsId"`
	ReturnType               int            `json:"returnType"`
	ReasonID                 int64          `json:"reasonId"`
	ReasonNameZh             string         `json:"reasonNameZh"`
	Status                   int            `json:"status"`
	UserID                   string         `json:"userId"`
	OrderID                  string         `json:"orderId"`
	ApplyTime                int64          `json:"applyTime"`
	UpdatedAt                int64          `json:"updatedAt"`
	ExpireTime               int64          `json:"expireTime"`
	ReturnAddress            *ReturnAddress `json:"returnAddress,omitempty"`
	ProofPhotos              []string       `json:"proofPhotos,omitempty"`
	Desc                     string         `json:"desc"`
	SupportCarriageInsurance bool           `json:"supportCarriageInsurance"`
	OpenAddressID            string         `json:"openAddressId,omitempty"`
	SKUs                     []SKU          `json:"skus"`
	ExchangeSKUs             []SKU          `json:"exchangeSKUs,omitempty"`
	CloseReasonZh            string         `json:"closeReasonZh,omitempty"`
	ReturnsTag               int            `json:"returnsTag"`
	AppliedShipFeeAmountYuan json.Number    `json:"appliedShipFeeAmountYuan,omitempty"`
	AppliedSkusAmountYuan    json.Number    `json:"appliedSkusAmountYuan,omitempty"`
	ExpectedRefundAmountYuan json.Number    `json:"expectedRefundAmountYuan,omitempty"`
	RefundAmountYuan         json.Number    `json:"refundAmountYuan,omitempty"`
	RefundStatus             int            `json:"refundStatus"`
	CargoStatus              int            `json:"cargoStatus"`
	RefundTime               int64          `json:"refundTime,omitempty"`
}

// ReturnAddress is where the goods of a case go back to.
type ReturnAddress struct {
	Province    string `json:"province,omitempty"`
	City        string `json:"city,omitempty"`
	County      string `json:"county,omitempty"`
	Town        string `json:"town,omitempty"`
	Street      string `json:"street,omitempty"`
	Phone       string `json:"phone,omitempty"`
	Name        string `json:"name,omitempty"`
	FullAddress string `json:"fullAddress,omitempty"`
}

// SKU is one product line of a case (or of the replacement of an exchange).
type SKU struct {
	SKUID                  string      `json:"skuId"`
	SKUName                string      `json:"skuName"`
	Image                  string      `json:"image,omitempty"`
	Price                  json.Number `json:"price,omitempty"`
	BoughtCount            int         `json:"boughtCount"`
	AppliedCount           int         `json:"appliedCount"`
	AppliedTotalAmountYuan json.Number `json:"appliedTotalAmountYuan,omitempty"`
	SCSKUCode              string      `json:"scskucode,omitempty"`
	Barcode                string      `json:"barcode,omitempty"`
	Variants               []Variant   `json:"variants,omitempty"`
	SKUERPCode             string      `json:"skuERPCode,omitempty"`
}

// Variant is one specification of a SKU (规格), e.g. colour or size.
type Variant struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// LogisticsInfo is the parcels of a case: the buyer's return, the
// replacement of an exchange, and the original order.
type LogisticsInfo struct {
	AfterSale *Express `json:"afterSale,omitempty"`
	Exchange  *Express `json:"exchange,omitempty"`
	Order     *Express `json:"order,omitempty"`
}

// Express is one parcel.
type Express struct {
	ExpressNo          string `json:"expressNo"`
	ExpressCompanyCode string `json:"expressCompanyCode"`
	ExpressCompanyName string `json:"expressCompanyName"`
	FillExpressNoTime  int64  `json:"fillExpressNoTime,omitempty"`
	ExpressSignTime    int64  `json:"expressSignTime,omitempty"`
}

// NegotiateRecord is one node of a case's negotiation history (售后协商记录).
type NegotiateRecord struct {
	Title            string               `json:"title"`
	OperatorRoleName string               `json:"operatorRoleName"`
	OperatorRole     int                  `json:"operatorRole"`
	Attributes       []NegotiateAttribute `json:"attributes,omitempty"`
	// Time is "yyyy-MM-dd HH:mm:ss" in China time.
	Time string `json:"time"`
}

// NegotiateAttribute is one attribute of a negotiation node, e.g. 【售后类型】 换货.
type NegotiateAttribute struct {
	Type   int      `json:"type"`
	Key    string   `json:"key"`
	Desc   string   `json:"desc"`
	Photos []string `json:"photos,omitempty"`
}

// AuditReturnsRequest is the body of afterSale.auditReturns (售后审核（新）).
type AuditReturnsRequest struct {
	ReturnsID    string        `json:"returnsId"`
	Action       int           `json:"action"`
	Reason       int64         `json:"reason,omitempty"`
	Description  string        `json:"description,omitempty"`
	Message      string        `json:"message,omitempty"`
	ReceiverInfo *ReceiverInfo `json:"receiverInfo,omitempty"`
}

// ReceiverInfo says where the goods of an agreed return go. Only the address
// record id is in use; the platform marks the other fields as retired.
type ReceiverInfo struct {
	SellerAddressRecordID int64 `json:"sellerAddressRecordId"`
}

// ConfirmReceiveRequest is the body of afterSale.confirmReceive (售后确认收货（新）).
type ConfirmReceiveRequest struct {
	ReturnsID   string `json:"returnsId"`
	Action      int    `json:"action"`
	Reason      int64  `json:"reason,omitempty"`
	Description string `json:"description,omitempty"`
}

// ReceiveAndShipRequest is the body of afterSale.receiveAndShip
// (售后换货确认收货并发货).
type ReceiveAndShipRequest struct {
	ReturnsID          string `json:"returnsId"`
	ExpressCompanyCode string `json:"expressCompanyCode"`
	ExpressNo          string `json:"expressNo"`
}

// RejectReasonsRequest is the body of afterSale.rejectReasons (获取售后拒绝原因).
type RejectReasonsRequest struct {
	ReturnsID        string `json:"returnsId"`
	RejectReasonType int    `json:"rejectReasonType"`
}

// RejectReasonsData is the data of afterSale.rejectReasons' answer.
type RejectReasonsData struct {
	RejectReasons []RejectReason `json:"rejectReasons"`
}

// RejectReason is one reason a merchant may give for refusing.
type RejectReason struct {
	ReasonType int    `json:"reasonType"`
	ReasonID   int64  `json:"reasonId"`
	ReasonName string `json:"reasonName"`
}
