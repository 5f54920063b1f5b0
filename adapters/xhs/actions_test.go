package xhs

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
)

func TestAllowedActions(t *testing.T) {
	var (
		approve = returns.ActionApprove
		reject  = returns.ActionReject
		confirm = returns.ActionConfirmReceipt
		refund  = returns.ActionRefund
	)
	tests := []struct {
		status, returnType int
		want               []returns.Action
	}{
		{1, 1, []returns.Action{approve, reject}},
		{1, 2, []returns.Action{approve, reject}},
		{1, 3, []returns.Action{approve, reject, refund}},
		{1, 4, []returns.Action{approve, reject, refund}},
		{1, 5, []returns.Action{approve, refund}}, // refused only by shipping the order
		{1, 6, []returns.Action{approve, reject, refund}},
		{1, 9, nil}, // unknown type
		{2, 1, nil},
		{3, 1, []returns.Action{confirm, reject, refund}},
		{3, 2, []returns.Action{confirm, reject}},
		{3, 4, nil},
		{4, 1, nil}, {5, 1, nil}, {6, 1, nil}, {9, 1, nil}, {9001, 1, nil}, {11, 2, nil},
		{12, 2, nil}, {13, 2, nil}, {14, 1, nil},
		{15, 1, nil}, // unknown status
	}
	a := &Adapter{}
	for _, tt := range tests {
		got := a.AllowedActions(rawCase("R1", tt.status, tt.returnType))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("status %d type %d: %v, want %v", tt.status, tt.returnType, got, tt.want)
		}
		for _, act := range got {
			if !a.Capabilities().Supports(act) {
				t.Errorf("status %d type %d allows %s, which Capabilities lacks", tt.status, tt.returnType, act)
			}
		}
	}
	if got := a.AllowedActions(&returns.Case{PlatformCaseID: "R1"}); got != nil {
		t.Errorf("a case without raw values allows %v", got)
	}
}

// TestPerformRefusesWithoutCalling: what the adapter can tell is wrong never
// reaches the platform.
func TestPerformRefusesWithoutCalling(t *testing.T) {
	const id = "R730100000000100001"
	tests := []struct {
		name  string
		req   returns.ActionRequest
		code  returns.ErrorCode
		field string
	}{
		{"approve in status 3", returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase(id, 3, 1)}, returns.CodeInvalidState, ""},
		{"confirm receipt in status 1", returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: rawCase(id, 1, 1)}, returns.CodeInvalidState, ""},
		{"refund a return at review", returns.ActionRequest{Action: returns.ActionRefund, Case: rawCase(id, 1, 1)}, returns.CodeInvalidState, ""},
		{"reject an unshipped refund-only request", returns.ActionRequest{Action: returns.ActionReject, Case: rawCase(id, 1, 5), Note: "x"}, returns.CodeInvalidState, ""},
		{"anything in an unknown status", returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase(id, 15, 1)}, returns.CodeInvalidState, ""},
		{"anything when completed", returns.ActionRequest{Action: returns.ActionRefund, Case: rawCase(id, 4, 1)}, returns.CodeInvalidState, ""},
		{"an offer", returns.ActionRequest{Action: returns.ActionOffer, Case: rawCase(id, 1, 1)}, returns.CodeUnsupported, ""},
		{"an escalation", returns.ActionRequest{Action: returns.ActionEscalate, Case: rawCase(id, 9, 1)}, returns.CodeUnsupported, ""},
		{"a partial refund", returns.ActionRequest{Action: returns.ActionRefund, Case: rawCase(id, 3, 1), Amount: &returns.Money{Minor: 100, Currency: "CNY"}}, returns.CodeUnsupported, "amount"},
		{"a partial refund-only approval", returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase(id, 1, 4), Amount: &returns.Money{Minor: 12989, Currency: "CNY"}}, returns.CodeUnsupported, "amount"},
		{"reject as other without a note", returns.ActionRequest{Action: returns.ActionReject, Case: rawCase(id, 1, 1), Note: "  "}, returns.CodeInvalid, "note"},
		{"a reason id that is not a number", returns.ActionRequest{Action: returns.ActionReject, Case: rawCase(id, 3, 1), ReasonID: "other"}, returns.CodeInvalid, "reasonId"},
		{"reason id 0", returns.ActionRequest{Action: returns.ActionReject, Case: rawCase(id, 1, 1), ReasonID: "0", Note: "x"}, returns.CodeInvalid, "reasonId"},
		{"a negative reason id", returns.ActionRequest{Action: returns.ActionReject, Case: rawCase(id, 3, 1), ReasonID: "-1099"}, returns.CodeInvalid, "reasonId"},
		{"an address id that is not a number", returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase(id, 1, 1), ReturnAddressID: "home"}, returns.CodeInvalid, "returnAddressId"},
		{"a replacement without tracking", returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: rawCase(id, 3, 2), Shipment: &returns.Shipment{CarrierCode: "shunfeng"}}, returns.CodeInvalid, "shipment"},
		{"a replacement for a return", returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: rawCase(id, 3, 1), Shipment: &returns.Shipment{CarrierCode: "shunfeng", TrackingNo: "SF1"}}, returns.CodeInvalid, "shipment"},
		{"no case", returns.ActionRequest{Action: returns.ActionApprove}, returns.CodeInvalid, "case"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			a := newFakeAdapter(t, f, nil)
			_, err := a.Perform(context.Background(), tt.req)
			if code := returns.ErrorCodeOf(err); code != tt.code {
				t.Fatalf("Perform = %v (code %s), want %s", err, code, tt.code)
			}
			var e *returns.Error
			if tt.field != "" && (!errors.As(err, &e) || strings.Join(e.Field, ".") != tt.field) {
				t.Errorf("error %v does not name field %q", err, tt.field)
			}
			if n := f.count(); n != 0 {
				t.Errorf("%d platform calls, want none", n)
			}
		})
	}
}

// TestPerformFullAmountAccepted: an amount equal to the requested refund is
// not partial.
func TestPerformFullAmountAccepted(t *testing.T) {
	f := newFake(t)
	f.on("afterSale.getAfterSaleInfo", caseJSON("R1", 4, 1))
	a := newFakeAdapter(t, f, nil)
	full := returns.Money{Minor: 12990, Currency: "CNY"}
	if _, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionRefund, Case: rawCase("R1", 3, 1), Amount: &full}); err != nil {
		t.Fatal(err)
	}
}

// TestPlatformRefusalIsTyped: the platform's own state refusal of a write
// is INVALID_STATE, its parameter refusal PLATFORM_REJECTED.
func TestPlatformRefusalIsTyped(t *testing.T) {
	for _, tt := range []struct {
		body string
		code returns.ErrorCode
	}{
		{`{"success":false,"error_code":3002,"error_msg":"当前售后状态不允许该操作"}`, returns.CodeInvalidState},
		{`{"success":false,"error_code":2001,"error_msg":"商家地址库Id无效"}`, returns.CodePlatformRejected},
	} {
		f := newFake(t)
		f.on("afterSale.auditReturns", reply{200, tt.body})
		a := newFakeAdapter(t, f, nil)
		_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionApprove, Case: rawCase("R1", 1, 1), ReturnAddressID: "1"})
		var pe *adapters.PlatformError
		if returns.ErrorCodeOf(err) != tt.code || !errors.As(err, &pe) || pe.Ambiguous {
			t.Errorf("Perform = %v, want %s (not ambiguous)", err, tt.code)
		}
		if n := len(f.requests("afterSale.auditReturns")); n != 1 {
			t.Errorf("a refused write was sent %d times", n)
		}
	}
}

func TestNewValidates(t *testing.T) {
	good := Config{
		BaseURL: "https://ark.xiaohongshu.com/ark/open_api/v3/common_controller", AppID: "a", AppSecret: "s",
		AccessToken: "t", Shop: returns.Shop{ID: "shop", Market: returns.MarketCrossBorderDirect},
	}
	a, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if a.cfg.Policy != DefaultPolicy || a.cfg.Lookback != DefaultLookback || a.Shop().Platform != returns.XHS {
		t.Errorf("defaults not applied: %+v", a.cfg)
	}
	if DefaultPolicy.CallTimeout > 10e9 || DefaultPolicy.RatePerSecond > 50 || DefaultPolicy.Retries != 2 {
		t.Errorf("DefaultPolicy %+v is not well below the platform's limits", DefaultPolicy)
	}
	tests := []struct {
		name string
		edit func(c *Config)
		want string
	}{
		{"no URL", func(c *Config) { c.BaseURL = "" }, "BaseURL"},
		{"not http", func(c *Config) { c.BaseURL = "ftp://x" }, "BaseURL"},
		{"no app id", func(c *Config) { c.AppID = "" }, "AppID"},
		{"no secret", func(c *Config) { c.AppSecret = "" }, "AppSecret"},
		{"no token", func(c *Config) { c.AccessToken = "" }, "AccessToken"},
		{"no shop", func(c *Config) { c.Shop.ID = "" }, "Shop.ID"},
		{"no market", func(c *Config) { c.Shop.Market = "" }, "Shop.Market"},
		{"other platform", func(c *Config) { c.Shop.Platform = returns.AliExpress }, "Shop.Platform"},
		{"too fast", func(c *Config) { c.Policy = DefaultPolicy; c.Policy.RatePerSecond = 500 }, "RatePerSecond"},
		{"no timeout", func(c *Config) { c.Policy = DefaultPolicy; c.Policy.CallTimeout = 0 }, "CallTimeout"},
		{"tiny look-back", func(c *Config) { c.Lookback = 1 }, "Lookback"},
	}
	for _, tt := range tests {
		c := good
		tt.edit(&c)
		if _, err := New(c); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want an error naming %s", tt.name, err, tt.want)
		}
	}
}
