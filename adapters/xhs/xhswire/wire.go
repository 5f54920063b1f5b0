// Package xhswire is the Xiaohongshu (XHS) open platform's wire format for the
// after-sale methods: the request and response bodies, the envelope, the
// method names and the platform's numeric codes. It is shared by the adapter
// and the simulator, and holds no behaviour: signing, validation and
// normalization are each side's own code, so that a bug in one of them cannot
// pass both.
//
// Field names and types follow the platform's OpenAPI descriptions of each
// method. Amounts (yuan with decimals) are json.Number so that they are never
// decoded through a float.
package xhswire

import "encoding/json"

// Version is the API version every call sends.
const Version = "2.0"

// The gateway URLs of the platform.
const (
	ProductionURL = "https://ark.xiaohongshu.com/ark/open_api/v3/common_controller"
	TestURL       = "http://ark.sit.xiaohongshu.com/ark/open_api/v3/common_controller"
	// GatewayPath is the path of the single URL every method is posted to.
	GatewayPath = "/ark/open_api/v3/common_controller"
)

// The methods the gateway uses.
const (
	MethodListAfterSaleInfos = "afterSale.listAfterSaleInfos"
	MethodGetAfterSaleInfo   = "afterSale.getAfterSaleInfo"
	MethodAuditReturns       = "afterSale.auditReturns"
	MethodConfirmReceive     = "afterSale.confirmReceive"
	MethodReceiveAndShip     = "afterSale.receiveAndShip"
	MethodRejectReasons      = "afterSale.rejectReasons"
	MethodGetAddressRecord   = "common.getAddressRecord"
)

// System is the system fields of every request body. They sit beside the
// business fields in one flat JSON object.
type System struct {
	AppID string `json:"appId"`
	// Timestamp is unix seconds. It is sent as a JSON string, as the
	// platform's own SDKs do; the platform is assumed to accept a number too.
	Timestamp   string `json:"timestamp"`
	Version     string `json:"version"`
	Method      string `json:"method"`
	Sign        string `json:"sign"`
	AccessToken string `json:"accessToken"`
}

// Envelope is the body of every response. Older methods answer with
// success/error_code/error_msg, newer method specs describe code/msg: both
// layers are declared, and a reader takes whichever is present.
type Envelope struct {
	Success   *bool           `json:"success"`
	ErrorCode json.RawMessage `json:"error_code,omitempty"`
	ErrorMsg  string          `json:"error_msg,omitempty"`
	Code      json.RawMessage `json:"code,omitempty"`
	Msg       string          `json:"msg,omitempty"`
	Data      json.RawMessage `json:"data,omitempty"`
}
