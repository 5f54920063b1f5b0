package xhs

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// system is the expected system fields at fakeNow; the signs were computed
// independently, e.g.
//
//	python3 -c "import hashlib; print(hashlib.md5(b'afterSale.listAfterSaleInfos?appId=red.sandbox-app&timestamp=1795167000&version=2.05f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f').hexdigest())"
func system(method, sign string) map[string]any {
	return map[string]any{
		"appId": testAppID, "timestamp": "1795167000", "version": "2.0", "method": method,
		"sign": sign, "accessToken": "token-1",
	}
}

func with(m map[string]any, kv ...any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

// TestRequestBodies asserts the exact body of every method: the business
// fields flat beside the system fields, signed.
func TestRequestBodies(t *testing.T) {
	const id = "R730100000000100001"
	n := func(v int64) json.Number { return json.Number(strconv.FormatInt(v, 10)) }
	start := fakeNow.Add(-DefaultLookback).UnixMilli()
	tests := []struct {
		name   string
		method string
		script map[string][]reply
		do     func(a *Adapter) error
		want   map[string]any
	}{
		{
			name: "listAfterSaleInfos", method: xhswire.MethodListAfterSaleInfos,
			script: map[string][]reply{xhswire.MethodListAfterSaleInfos: {okData(`{"afterSaleBasicInfos":[],"totalCount":0}`)}},
			do: func(a *Adapter) error {
				_, err := a.ListChanges(context.Background(), "", fakeNow)
				return err
			},
			want: with(system(xhswire.MethodListAfterSaleInfos, "3c64ce1b1da2caf72e56905359d63d23"),
				"pageNo", n(1), "pageSize", n(100), "timeType", n(1),
				"startTime", n(start), "endTime", n(start+24*3600*1000-1)),
		},
		{
			name: "getAfterSaleInfo", method: xhswire.MethodGetAfterSaleInfo,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 1, 1)}},
			do: func(a *Adapter) error {
				_, err := a.GetCase(context.Background(), id)
				return err
			},
			want: with(system(xhswire.MethodGetAfterSaleInfo, "dc45349e77906f7bd35f8e2d3d1b5446"),
				"returnsId", id, "needNegotiateRecord", false),
		},
		{
			name: "getAfterSaleInfo with negotiation", method: xhswire.MethodGetAfterSaleInfo,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 1, 1)}},
			do: func(a *Adapter) error {
				_, err := a.Negotiation(context.Background(), rawCase(id, 1, 1))
				return err
			},
			want: with(system(xhswire.MethodGetAfterSaleInfo, "dc45349e77906f7bd35f8e2d3d1b5446"),
				"returnsId", id, "needNegotiateRecord", true),
		},
		{
			name: "auditReturns agree and refund", method: xhswire.MethodAuditReturns,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 4, 4)}},
			do: func(a *Adapter) error {
				_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase(id, 1, 4), Message: "ignored"})
				return err
			},
			want: with(system(xhswire.MethodAuditReturns, "07aeffbe57d2fe36ae0f1844df51dfc6"), "returnsId", id, "action", n(1)),
		},
		{
			name: "auditReturns agree to the return", method: xhswire.MethodAuditReturns,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 2, 1)}},
			do: func(a *Adapter) error {
				_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase(id, 1, 1),
					ReturnAddressID: "19605702", Message: "请用顺丰寄回"})
				return err
			},
			want: with(system(xhswire.MethodAuditReturns, "07aeffbe57d2fe36ae0f1844df51dfc6"), "returnsId", id, "action", n(2),
				"message", "请用顺丰寄回", "receiverInfo", map[string]any{"sellerAddressRecordId": n(19605702)}),
		},
		{
			name: "auditReturns reject", method: xhswire.MethodAuditReturns,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 9, 1)}},
			do: func(a *Adapter) error {
				_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionReject, Case: rawCase(id, 1, 1),
					ReasonID: "1002", Note: "吊牌已拆"})
				return err
			},
			want: with(system(xhswire.MethodAuditReturns, "07aeffbe57d2fe36ae0f1844df51dfc6"), "returnsId", id, "action", n(3),
				"reason", n(1002), "description", "吊牌已拆"),
		},
		{
			name: "confirmReceive confirm", method: xhswire.MethodConfirmReceive,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 4, 1)}},
			do: func(a *Adapter) error {
				_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: rawCase(id, 3, 1)})
				return err
			},
			want: with(system(xhswire.MethodConfirmReceive, "dc0b8bb878334f92741348ba30122cde"), "returnsId", id, "action", n(1)),
		},
		{
			name: "confirmReceive reject", method: xhswire.MethodConfirmReceive,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 9001, 1)}},
			do: func(a *Adapter) error {
				_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionReject, Case: rawCase(id, 3, 1),
					ReasonID: "2001", Note: "退回的不是原商品"})
				return err
			},
			want: with(system(xhswire.MethodConfirmReceive, "dc0b8bb878334f92741348ba30122cde"), "returnsId", id, "action", n(2),
				"reason", n(2001), "description", "退回的不是原商品"),
		},
		{
			name: "receiveAndShip", method: xhswire.MethodReceiveAndShip,
			script: map[string][]reply{xhswire.MethodGetAfterSaleInfo: {caseJSON(id, 13, 2)}},
			do: func(a *Adapter) error {
				_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: rawCase(id, 3, 2),
					Shipment: &returns.Shipment{CarrierCode: "shunfeng", TrackingNo: "SF1400211112222"}})
				return err
			},
			want: with(system(xhswire.MethodReceiveAndShip, "896985033a6e43cc435966d05e24dc4e"), "returnsId", id,
				"expressCompanyCode", "shunfeng", "expressNo", "SF1400211112222"),
		},
		{
			name: "rejectReasons", method: xhswire.MethodRejectReasons,
			script: map[string][]reply{xhswire.MethodRejectReasons: {okData(`{"rejectReasons":[{"reasonType":0,"reasonId":1099,"reasonName":"其他"}]}`)}},
			do: func(a *Adapter) error {
				rs, err := a.RejectReasons(context.Background(), rawCase(id, 1, 1))
				if err == nil && !reflect.DeepEqual(rs, []returns.RejectReason{{ID: "1099", Name: "其他"}}) {
					t.Errorf("RejectReasons = %v", rs)
				}
				return err
			},
			want: with(system(xhswire.MethodRejectReasons, "75aa3a77b6862a3e556a47e64c46c9cd"), "returnsId", id, "rejectReasonType", n(1)),
		},
		{
			name: "getAddressRecord", method: xhswire.MethodGetAddressRecord,
			script: map[string][]reply{xhswire.MethodGetAddressRecord: {{200, `{"error_code":0,"success":true,"data":{"sellerAddressRecordList":[
				{"sellerAddressRecordId":19605746,"contactName":"小飞","phone":"10000","fullAddress":"海南省 海口市 美兰区 人民路街道 海甸二东路椰风海岸",
				 "aftersaleDefault":"DEFAULT","active":"ACTIVE"},
				{"sellerAddressRecordId":19605747,"contactName":"旧","aftersaleDefault":"NON_DEFAULT","active":"INACTIVE"}],"total":2}}`}}},
			do: func(a *Adapter) error {
				as, err := a.ReturnAddresses(context.Background())
				want := []returns.Address{{ID: "19605746", Name: "小飞", Phone: "10000", Full: "海南省 海口市 美兰区 人民路街道 海甸二东路椰风海岸", Default: true, Platform: returns.XHS}}
				if err == nil && !reflect.DeepEqual(as, want) {
					t.Errorf("ReturnAddresses = %+v, want %+v", as, want)
				}
				return err
			},
			want: with(system(xhswire.MethodGetAddressRecord, "b0235d7a6e309f3f7333cfe362d42bda"), "pageIndex", n(1), "pageSize", n(100)),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			for m, rs := range tt.script {
				f.on(m, rs...)
			}
			a := newFakeAdapter(t, f, nil)
			if err := tt.do(a); err != nil {
				t.Fatal(err)
			}
			got := f.requests(tt.method)
			if len(got) == 0 {
				t.Fatalf("no %s request", tt.method)
			}
			if !reflect.DeepEqual(got[0], tt.want) {
				gb, _ := json.Marshal(got[0])
				wb, _ := json.Marshal(tt.want)
				t.Errorf("body\n got %s\nwant %s", gb, wb)
			}
		})
	}
}

// TestEnvelopeErrors maps each kind of envelope to its typed error.
func TestEnvelopeErrors(t *testing.T) {
	tests := []struct {
		name     string
		reply    reply
		kind     adapters.ErrorKind
		code     returns.ErrorCode
		platCode string
	}{
		{"auth (old layer)", reply{200, `{"success":false,"error_code":1004,"error_msg":"accessToken无效或已过期"}`}, adapters.KindAuth, returns.CodePlatformUnavailable, "1004"},
		{"sign", reply{200, `{"success":false,"error_code":1001,"error_msg":"签名错误"}`}, adapters.KindAuth, returns.CodePlatformUnavailable, "1001"},
		{"not found (new layer)", reply{200, `{"code":3001,"msg":"售后单不存在","success":false,"data":null}`}, adapters.KindNotFound, returns.CodeNotFound, "3001"},
		{"not found, code as a string", reply{200, `{"success":false,"error_code":"3001","error_msg":"售后单不存在"}`}, adapters.KindNotFound, returns.CodeNotFound, "3001"},
		{"state", reply{200, `{"success":false,"error_code":3002,"error_msg":"当前售后状态不允许该操作"}`}, adapters.KindState, returns.CodeInvalidState, "3002"},
		{"invalid", reply{200, `{"success":false,"error_code":2001,"error_msg":"参数错误"}`}, adapters.KindInvalid, returns.CodePlatformRejected, "2001"},
		{"unknown code", reply{200, `{"success":false,"error_code":424242,"error_msg":"?"}`}, adapters.KindInvalid, returns.CodePlatformRejected, "424242"},
		{"throttled", reply{200, `{"success":false,"error_code":1010,"error_msg":"应用请求过于频繁"}`}, adapters.KindRateLimited, returns.CodePlatformUnavailable, "1010"},
		{"system error", reply{200, `{"success":false,"error_code":-1,"error_msg":"系统错误"}`}, adapters.KindUnavailable, returns.CodePlatformUnavailable, "-1"},
		{"not JSON", reply{200, `<html>oops</html>`}, adapters.KindMalformed, returns.CodePlatformUnavailable, ""},
		{"not an envelope", reply{200, `{"hello":"world"}`}, adapters.KindMalformed, returns.CodePlatformUnavailable, ""},
		{"data of the wrong shape", reply{200, `{"code":0,"success":true,"data":{"afterSaleInfo":"nope"}}`}, adapters.KindMalformed, returns.CodePlatformUnavailable, ""},
		{"HTTP 502 page", reply{502, `<html>bad gateway</html>`}, adapters.KindUnavailable, returns.CodePlatformUnavailable, ""},
		{"HTTP 429 page", reply{429, `slow down`}, adapters.KindRateLimited, returns.CodePlatformUnavailable, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			f.on(xhswire.MethodGetAfterSaleInfo, tt.reply)
			a := newFakeAdapter(t, f, nil)
			_, err := a.GetCase(context.Background(), "R1")
			var pe *adapters.PlatformError
			if !errors.As(err, &pe) {
				t.Fatalf("GetCase = %v, want a *PlatformError", err)
			}
			if pe.Kind != tt.kind || returns.ErrorCodeOf(err) != tt.code || pe.Code != tt.platCode {
				t.Errorf("GetCase = %v: kind %s code %s platform code %q; want %s %s %q", err, pe.Kind, returns.ErrorCodeOf(err), pe.Code, tt.kind, tt.code, tt.platCode)
			}
			if pe.Platform != returns.XHS || pe.Method != xhswire.MethodGetAfterSaleInfo {
				t.Errorf("error names %s %s", pe.Platform, pe.Method)
			}
		})
	}
}

// TestNoCaseIsNotFound: a successful answer without a case is NOT_FOUND.
// TestEveryWireErrorCodeHasAKind keeps the adapter's treatment of the
// platform's error codes in step with the wire's table of them, and pins
// the treatment: a wrong kind retries a refusal or gives up on a throttle.
func TestEveryWireErrorCodeHasAKind(t *testing.T) {
	want := map[int]adapters.ErrorKind{
		xhswire.ErrSystem: adapters.KindUnavailable, xhswire.ErrServiceBusy: adapters.KindUnavailable,
		xhswire.ErrSignInvalid: adapters.KindAuth, xhswire.ErrTimestampExpired: adapters.KindAuth,
		xhswire.ErrAppInvalid: adapters.KindAuth, xhswire.ErrTokenInvalid: adapters.KindAuth,
		xhswire.ErrNoPermission: adapters.KindAuth, xhswire.ErrAuthCodeInvalid: adapters.KindAuth, xhswire.ErrRefreshInvalid: adapters.KindAuth,
		xhswire.ErrAppThrottled: adapters.KindRateLimited, xhswire.ErrMethodThrottled: adapters.KindRateLimited,
		xhswire.ErrMethodUnknown: adapters.KindInvalid, xhswire.ErrParamInvalid: adapters.KindInvalid,
		xhswire.ErrAfterSaleNotFound: adapters.KindNotFound, xhswire.ErrStatusNotAllowed: adapters.KindState,
	}
	for code := range xhswire.ErrorCodes {
		if _, ok := codeKinds[code]; !ok {
			t.Errorf("wire code %d has no kind in the adapter", code)
		}
	}
	for code, kind := range codeKinds {
		if _, ok := xhswire.ErrorCodes[code]; !ok {
			t.Errorf("the adapter classifies code %d, which the wire table does not have", code)
		}
		if want[code] != kind {
			t.Errorf("code %d: kind %s, want %s", code, kind, want[code])
		}
	}
	if len(want) != len(codeKinds) {
		t.Errorf("%d kinds pinned, %d in the adapter", len(want), len(codeKinds))
	}
}

func TestNoCaseIsNotFound(t *testing.T) {
	f := newFake(t)
	f.on(xhswire.MethodGetAfterSaleInfo, okData(`{}`))
	a := newFakeAdapter(t, f, nil)
	if _, err := a.GetCase(context.Background(), "R1"); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Errorf("GetCase = %v, want NOT_FOUND", err)
	}
}

// tickingClock advances a second every time it is read, so that each attempt
// carries a new timestamp.
func tickingClock() func() time.Time {
	var n atomic.Int64
	return func() time.Time { return fakeNow.Add(time.Duration(n.Add(1)-1) * time.Second) }
}

func TestRetries(t *testing.T) {
	const id = "R730100000000100001"
	fail500 := reply{500, `<html>Internal Server Error</html>`}
	throttled := reply{200, `{"success":false,"error_code":1010,"error_msg":"应用请求过于频繁"}`}
	malformed := reply{200, `{"success":true,"data":{"afterSaleInfo":`}
	ok := reply{200, `{"success":true,"error_code":0}`}

	t.Run("a read is retried after a 5xx and signed again", func(t *testing.T) {
		f := newFake(t)
		f.on(xhswire.MethodGetAfterSaleInfo, fail500, caseJSON(id, 1, 1))
		a := newFakeAdapter(t, f, tickingClock())
		if _, err := a.GetCase(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		reqs := f.requests(xhswire.MethodGetAfterSaleInfo)
		if len(reqs) != 2 {
			t.Fatalf("%d requests, want 2", len(reqs))
		}
		if reqs[0]["timestamp"] == reqs[1]["timestamp"] {
			t.Errorf("the retry reused timestamp %v", reqs[0]["timestamp"])
		}
		for _, r := range reqs {
			want := sign(xhswire.MethodGetAfterSaleInfo, testAppID, r["timestamp"].(string), "2.0", testSecret)
			if r["sign"] != want {
				t.Errorf("attempt at %v signed %v, want %s", r["timestamp"], r["sign"], want)
			}
		}
	})
	t.Run("a read is retried after a malformed body", func(t *testing.T) {
		f := newFake(t)
		f.on(xhswire.MethodGetAfterSaleInfo, malformed, caseJSON(id, 1, 1))
		a := newFakeAdapter(t, f, nil)
		if _, err := a.GetCase(context.Background(), id); err != nil {
			t.Fatal(err)
		}
		if n := len(f.requests(xhswire.MethodGetAfterSaleInfo)); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("a write that got a 5xx is not repeated", func(t *testing.T) {
		f := newFake(t)
		f.on(xhswire.MethodConfirmReceive, fail500, ok)
		a := newFakeAdapter(t, f, nil)
		_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: rawCase(id, 3, 1)})
		var pe *adapters.PlatformError
		if !errors.As(err, &pe) || !pe.Ambiguous || returns.ErrorCodeOf(err) != returns.CodePlatformUnavailable {
			t.Errorf("Perform = %v, want an ambiguous PLATFORM_UNAVAILABLE", err)
		}
		if n := len(f.requests(xhswire.MethodConfirmReceive)); n != 1 {
			t.Errorf("the write was sent %d times, want once", n)
		}
		if n := len(f.requests(xhswire.MethodGetAfterSaleInfo)); n != 0 {
			t.Errorf("a failed write was read back %d times", n)
		}
	})
	t.Run("a throttled write is retried", func(t *testing.T) {
		f := newFake(t)
		f.on(xhswire.MethodConfirmReceive, throttled, ok)
		f.on(xhswire.MethodGetAfterSaleInfo, caseJSON(id, 4, 1))
		a := newFakeAdapter(t, f, tickingClock())
		res, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: rawCase(id, 3, 1)})
		if err != nil {
			t.Fatal(err)
		}
		reqs := f.requests(xhswire.MethodConfirmReceive)
		if len(reqs) != 2 || reqs[0]["timestamp"] == reqs[1]["timestamp"] {
			t.Errorf("%d requests (timestamps %v), want 2 signed apart", len(reqs), reqs)
		}
		if res.Case == nil || res.Case.PlatformStatus.Code != "4" {
			t.Errorf("result case %+v, want the case read back", res.Case)
		}
	})
	t.Run("a write whose read-back fails reports the expected status", func(t *testing.T) {
		f := newFake(t)
		f.on(xhswire.MethodGetAfterSaleInfo, reply{200, `{"success":false,"error_code":-1,"error_msg":"系统错误"}`})
		a := newFakeAdapter(t, f, nil)
		res, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase(id, 1, 4)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Case != nil || res.Expected != returns.StatusRefundPending {
			t.Errorf("result %+v, want no case and REFUND_PENDING expected", res)
		}
	})
}
