// Package alibabawire is the wire format of the Alibaba.com (ICBU) open
// platform's order APIs as the gateway uses them: the TOP-style request
// parameters, the success and error envelopes, the response structures and
// the platform's enumerations.
//
// The adapter (adapters/alibaba) and the simulator (alibabasim) share these
// types; each signs, verifies and parses dates with its own code so that one
// is an oracle for the other.
//
// Where a fact comes from the platform's published documentation it says so
// (alibaba.seller.order.get is apiId 41148, alibaba.seller.order.fund.get is
// apiId 41074 on the open platform's documentation centre). Everything else is
// marked ASSUMED where it is declared: the public documentation does not show
// it, so it lives in exactly one place here and is covered by a test whose
// name states the assumption.
package alibabawire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The API methods the gateway calls, by their TOP names.
const (
	MethodOrderList     = "alibaba.seller.order.list"
	MethodOrderGet      = "alibaba.seller.order.get"
	MethodFundGet       = "alibaba.seller.order.fund.get"
	MethodLogisticsGet  = "alibaba.seller.order.logistics.get"
	RouterPath          = "/router/rest" // the TOP router's path, as in https://gw.api.taobao.com/router/rest
	ContentTypeForm     = "application/x-www-form-urlencoded;charset=utf-8"
	ContentTypeResponse = "application/json;charset=UTF-8"
)

// The system parameters of every TOP call.
const (
	ParamMethod     = "method"
	ParamAppKey     = "app_key"
	ParamSession    = "session"
	ParamTimestamp  = "timestamp"
	ParamVersion    = "v"
	ParamFormat     = "format"
	ParamSignMethod = "sign_method"
	ParamSign       = "sign"

	Version       = "2.0"
	FormatJSON    = "json"
	SignMethodMD5 = "md5"

	// TimestampLayout is the request timestamp's layout; it is read in GMT+8
	// (see TimestampZone).
	TimestampLayout = "2006-01-02 15:04:05"
	// TimestampSkew is how far a request's timestamp may be from the router's
	// clock. ASSUMED: ten minutes, the TOP router's commonly reported limit.
	TimestampSkew = 10 * time.Minute
)

// TimestampZone is the zone of the request timestamp: China time, a fixed
// GMT+8 without daylight saving.
func TimestampZone() *time.Location { return time.FixedZone("GMT+8", 8*60*60) }

// The business parameters of the order methods.
const (
	ParamOrderListQuery = "param_trade_ecology_order_list_query" // a JSON object sent as a string
	ParamTradeID        = "e_trade_id"
	ParamDataSelect     = "data_select"
	ParamLanguage       = "language"

	// Documented data_select values of alibaba.seller.order.fund.get; without
	// data_select the method answers fund_serviceFee and fund_fundPay only.
	DataSelectServiceFee = "fund_serviceFee"
	DataSelectFundPay    = "fund_fundPay"
	DataSelectFundRefund = "fund_refund"
	// DataSelectLogisticOrder asks alibaba.seller.order.logistics.get for the
	// order's parcels.
	DataSelectLogisticOrder = "logistic_order"

	LanguageEnglish = "en_US"
	LanguageChinese = "zh_CN"

	RoleSeller = "seller"

	// MaxPageSize is the largest page_size the order list accepts.
	// ASSUMED: 50, as community clients of the method cap it.
	MaxPageSize = 50

	// DateQueryLayout is the layout of a date_str in the order list query.
	// ASSUMED: read in US Pacific time, like every date the platform returns.
	DateQueryLayout = "2006-01-02 15:04:05"

	// FormatDateLayout is the layout of DateVo.format_date. Documented as the
	// Java pattern "MMM. d, yyyy, HH:mm:ss z." formatted in PDT or PST.
	FormatDateLayout = "Jan. 2, 2006, 15:04:05 MST."
)

// ResponseKey is the name of the member that wraps a method's successful
// answer, e.g. "alibaba_seller_order_get_response". TOP drops the "taobao."
// prefix: taobao.top.auth.token.create answers top_auth_token_create_response.
func ResponseKey(method string) string {
	return strings.ReplaceAll(strings.TrimPrefix(method, "taobao."), ".", "_") + "_response"
}

// ErrorKey is the name of the member that carries an error.
const ErrorKey = "error_response"

// ErrorResponse is TOP's error envelope, sent with HTTP 200 as often as not.
type ErrorResponse struct {
	Code      Text   `json:"code"`
	Msg       string `json:"msg,omitempty"`
	SubCode   string `json:"sub_code,omitempty"`
	SubMsg    string `json:"sub_msg,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// TOP's platform error codes (the router's public table).
const (
	CodeAppCallLimited                = "7"
	CodeServiceUnavailable            = "10"
	CodeInsufficientISVPermissions    = "11"
	CodeInsufficientUserPermissions   = "12"
	CodeRemoteServiceError            = "15"
	CodeMissingMethod                 = "21"
	CodeInvalidMethod                 = "22"
	CodeInvalidFormat                 = "23"
	CodeMissingSignature              = "24"
	CodeInvalidSignature              = "25"
	CodeMissingSession                = "26"
	CodeInvalidSession                = "27"
	CodeMissingAppKey                 = "28"
	CodeInvalidAppKey                 = "29"
	CodeMissingTimestamp              = "30"
	CodeInvalidTimestamp              = "31"
	CodeMissingVersion                = "32"
	CodeInvalidVersion                = "33"
	CodeMissingRequiredArguments      = "40"
	CodeInvalidArguments              = "41"
	CodeInsufficientSessionPermission = "42"
	CodeParameterError                = "43"
	CodeBusinessError                 = "50"
)

// Sub-codes. The "isv." family is a refusal of the request by the business
// service, "isp." a failure of the platform, "accesscontrol." throttling.
const (
	// SubCodeTradeNotExist answers a trade id the seller does not have.
	// ASSUMED: the exact sub-code is not published; the adapter treats any
	// sub-code containing "not-exist" or "not-found" as not found.
	SubCodeTradeNotExist    = "isv.trade-not-exist"
	SubCodeInvalidParameter = "isv.invalid-parameter"
	SubCodeMissingParameter = "isv.missing-parameter"
	SubCodeAppAPILimited    = "accesscontrol.limited-by-app-api-access-count"
	SubCodeServiceError     = "isp.unknown-error"
)

// Text is a scalar that TOP renders as a JSON string or a JSON number
// (amounts, quantities, ids, timestamps). It keeps the literal exactly, so
// no amount or 18-digit id ever passes through a float.
type Text string

// UnmarshalJSON accepts a string, a number or null.
func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		*t = ""
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
		return nil
	case b[0] == '-' || (b[0] >= '0' && b[0] <= '9'):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*t = Text(n.String())
		return nil
	}
	return fmt.Errorf("alibabawire: %s is not a string or a number", b)
}

// String returns the literal.
func (t Text) String() string { return string(t) }

// Int64 reads the literal as an integer.
func (t Text) Int64() (int64, error) {
	return strconv.ParseInt(strings.TrimSpace(string(t)), 10, 64)
}

// Number is a scalar TOP renders as a JSON number (timestamps, counts). It
// decodes from a number or a string without passing through a float, and
// encodes as a number when it is one.
type Number string

// UnmarshalJSON accepts a number, a string or null.
func (n *Number) UnmarshalJSON(b []byte) error { return (*Text)(n).UnmarshalJSON(b) }

// MarshalJSON writes the literal as a JSON number, or as a string when it is
// not a plain integer.
func (n Number) MarshalJSON() ([]byte, error) {
	if _, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return []byte(n), nil
	}
	return json.Marshal(string(n))
}

// String returns the literal.
func (n Number) String() string { return string(n) }

// Int64 reads the literal as an integer.
func (n Number) Int64() (int64, error) { return Text(n).Int64() }

// List is a list as TOP renders it in JSON: a plain array, or (in the
// rendering the documentation shows) an object whose one member, named after
// the element type, holds the array:
// "order_products": {"trade_ecology_order_product": [...]}. Both decode;
// Wrapper, when set, makes it encode in the wrapped form.
type List[T any] struct {
	Items   []T
	Wrapper string
}

// Wrap returns a list that encodes wrapped under the element name.
func Wrap[T any](wrapper string, items ...T) List[T] { return List[T]{Items: items, Wrapper: wrapper} }

// UnmarshalJSON accepts an array, a wrapping object or null.
func (l *List[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	l.Items, l.Wrapper = nil, ""
	if len(b) == 0 || bytes.Equal(b, []byte("null")) {
		return nil
	}
	switch b[0] {
	case '[':
		return json.Unmarshal(b, &l.Items)
	case '{':
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		if len(m) == 0 {
			return nil
		}
		if len(m) > 1 {
			return errors.New("alibabawire: a wrapped list has more than one member")
		}
		for k, v := range m {
			l.Wrapper = k
			return json.Unmarshal(v, &l.Items)
		}
	}
	return fmt.Errorf("alibabawire: %.20s... is not a list", b)
}

// MarshalJSON writes the wrapped form when Wrapper is set, else an array.
func (l List[T]) MarshalJSON() ([]byte, error) {
	items := l.Items
	if items == nil {
		items = []T{}
	}
	if l.Wrapper == "" {
		return json.Marshal(items)
	}
	return json.Marshal(map[string][]T{l.Wrapper: items})
}

// Date is TOP's DateVo: an instant as epoch milliseconds and the same
// instant formatted in US Pacific time (PDT or PST). Documented.
type Date struct {
	// Timestamp is epoch milliseconds. ASSUMED: milliseconds (a Java
	// Date's getTime); the documentation's example value is unitless.
	Timestamp  Number `json:"timestamp,omitempty"`
	FormatDate string `json:"format_date,omitempty"`
}

// IsZero reports whether the date carries neither representation.
func (d *Date) IsZero() bool { return d == nil || (d.Timestamp == "" && d.FormatDate == "") }

// Price is an amount as a decimal string with its ISO currency. Documented.
type Price struct {
	Amount   Text   `json:"amount"`
	Currency string `json:"currency"`
}
