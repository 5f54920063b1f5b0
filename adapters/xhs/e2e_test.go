package xhs

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// e2e is the adapter and the simulator of one shop, on one clock.
type e2e struct {
	simHarness
	t     *testing.T
	clock *adapterstest.Clock
}

func newE2E(t *testing.T) *e2e {
	clock := adapterstest.NewClock(adapterstest.Start)
	return &e2e{simHarness: startSim(t, clock.Now, 0), t: t, clock: clock}
}

func (e *e2e) open(req xhssim.OpenRequest) *returns.Case {
	e.t.Helper()
	id, err := e.sim.Open(e.shop.ShopID, req)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.get(id)
}

func (e *e2e) get(id string) *returns.Case {
	e.t.Helper()
	c, err := e.adapter.GetCase(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *e2e) perform(req returns.ActionRequest) *returns.Case {
	e.t.Helper()
	e.clock.Advance(time.Minute)
	res, err := e.adapter.Perform(context.Background(), req)
	if err != nil {
		e.t.Fatalf("%s: %v", req.Action, err)
	}
	if res.Case == nil {
		e.t.Fatalf("%s: no case read back", req.Action)
	}
	return res.Case
}

func (e *e2e) ship(c *returns.Case, carrier, no string) *returns.Case {
	e.t.Helper()
	e.clock.Advance(time.Hour)
	if err := e.sim.Ship(c.PlatformCaseID, carrier, no); err != nil {
		e.t.Fatal(err)
	}
	return e.get(c.PlatformCaseID)
}

func TestEndToEnd(t *testing.T) {
	ctx := context.Background()

	t.Run("approve a return to the default address, then confirm receipt and refund", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn, SKUID: "65010000000001", Count: 1})
		if c.Status != returns.StatusRequested || c.Deadlines.RespondBy == nil {
			t.Fatalf("a new request is %s with respondBy %v", c.Status, c.Deadlines.RespondBy)
		}
		c = e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c, Message: "请附上订单号"})
		if c.Status != returns.StatusAwaitingBuyerShipment {
			t.Errorf("approved return is %s", c.Status)
		}
		addrs, err := e.adapter.ReturnAddresses(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var def returns.Address
		for _, a := range addrs {
			if a.Default {
				def = a
			}
		}
		if def.ID == "" || c.Raw["returnAddress.fullAddress"] != def.Full {
			t.Errorf("goods go back to %q, want the default address %+v", c.Raw["returnAddress.fullAddress"], def)
		}
		// A second approval uses the cached address book.
		c2 := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeExchange})
		e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c2})
		if n := e.sim.Calls(xhswire.MethodGetAddressRecord); n != 1 {
			t.Errorf("the address book was fetched %d times, want once", n)
		}

		c = e.ship(c, "shunfeng", "SF1400200000001")
		if c.Status != returns.StatusInTransit || c.ReturnShipment == nil || c.ReturnShipment.TrackingNo != "SF1400200000001" {
			t.Fatalf("shipped return: %s, %+v", c.Status, c.ReturnShipment)
		}
		c = e.perform(returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: c})
		if c.Status != returns.StatusRefunded || c.RefundedAmount == nil || *c.RefundedAmount != *c.RequestedRefund {
			t.Errorf("received return is %s, refunded %v of %v", c.Status, c.RefundedAmount, c.RequestedRefund)
		}
	})

	t.Run("reject at review with the other reason and a note", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn, ReasonNameZh: "不想要了"})
		c = e.perform(returns.ActionRequest{Action: returns.ActionReject, Case: c, Note: "商品已拆封使用，影响二次销售"})
		if c.Status != returns.StatusRejected || !strings.Contains(c.Raw["closeReasonZh"], "影响二次销售") {
			t.Errorf("rejected case is %s, close reason %q", c.Status, c.Raw["closeReasonZh"])
		}
		if !strings.HasPrefix(c.Raw["closeReasonZh"], "其他") {
			t.Errorf("close reason %q is not the platform's 其他", c.Raw["closeReasonZh"])
		}
	})

	t.Run("reject at receipt with a listed reason", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn})
		c = e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c})
		c = e.ship(c, "zhongtong", "75300000000001")
		reasons, err := e.adapter.RejectReasons(ctx, c)
		if err != nil || len(reasons) == 0 {
			t.Fatalf("RejectReasons = %v, %v", reasons, err)
		}
		c = e.perform(returns.ActionRequest{Action: returns.ActionReject, Case: c, ReasonID: reasons[0].ID})
		if c.Status != returns.StatusRejected || c.PlatformStatus.Code != "9001" || c.Raw["closeReasonZh"] != reasons[0].Name {
			t.Errorf("rejected at receipt: %s %s %q", c.Status, c.PlatformStatus.Code, c.Raw["closeReasonZh"])
		}
	})

	t.Run("approve a refund-only request", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeRefundAfterShip, ReasonNameZh: "未收到货"})
		if c.Reason != returns.ReasonNotReceived || c.Kind != returns.KindRefundOnly {
			t.Errorf("opened %s %s", c.Kind, c.Reason)
		}
		c = e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c})
		if c.Status != returns.StatusRefunded || *c.RefundedAmount != *c.RequestedRefund {
			t.Errorf("approved refund-only is %s, refunded %v", c.Status, c.RefundedAmount)
		}
	})

	t.Run("ship the replacement of an exchange", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeExchange, ReasonNameZh: "尺码不合适"})
		c = e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c, ReturnAddressID: "19605702"})
		if !strings.Contains(c.Raw["returnAddress.fullAddress"], "文一西路998号") {
			t.Errorf("the chosen address was not used: %q", c.Raw["returnAddress.fullAddress"])
		}
		c = e.ship(c, "yunda", "4300000000001")
		before := e.sim.Calls(xhswire.MethodConfirmReceive)
		c = e.perform(returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: c,
			Shipment: &returns.Shipment{CarrierCode: "shunfeng", TrackingNo: "SF1400299990000"}})
		if c.Status != returns.StatusExchangeShipped || c.Raw["logisticsInfo.exchange.expressNo"] != "SF1400299990000" {
			t.Errorf("exchange is %s with replacement %q", c.Status, c.Raw["logisticsInfo.exchange.expressNo"])
		}
		if e.sim.Calls(xhswire.MethodConfirmReceive) != before || e.sim.Calls(xhswire.MethodReceiveAndShip) != 1 {
			t.Error("the replacement was not shipped with afterSale.receiveAndShip alone")
		}
	})

	t.Run("an action in the wrong status is refused without a call", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn})
		c = e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c})
		audits := e.sim.Calls(xhswire.MethodAuditReturns)
		receipts := e.sim.Calls(xhswire.MethodConfirmReceive)
		for _, act := range []returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionConfirmReceipt, returns.ActionRefund} {
			_, err := e.adapter.Perform(ctx, returns.ActionRequest{Action: act, Case: c, Note: "x"})
			if code := returns.ErrorCodeOf(err); code != returns.CodeInvalidState {
				t.Errorf("%s in status 2 = %v (code %s), want INVALID_STATE", act, err, code)
			}
		}
		if e.sim.Calls(xhswire.MethodAuditReturns) != audits || e.sim.Calls(xhswire.MethodConfirmReceive) != receipts {
			t.Error("the platform was called for an action its status does not allow")
		}
	})

	t.Run("a stale case is refused by the platform as INVALID_STATE", func(t *testing.T) {
		e := newE2E(t)
		stale := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn})
		if err := e.sim.Cancel(stale.PlatformCaseID); err != nil {
			t.Fatal(err)
		}
		_, err := e.adapter.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: stale})
		if code := returns.ErrorCodeOf(err); code != returns.CodeInvalidState {
			t.Errorf("approving a cancelled case = %v (code %s), want INVALID_STATE", err, code)
		}
	})

	t.Run("negotiation history", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn})
		c = e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c, Message: "请用顺丰寄回"})
		entries, err := e.adapter.Negotiation(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Party != returns.PartyBuyer || entries[1].Party != returns.PartySeller ||
			!strings.Contains(entries[1].Text, "请用顺丰寄回") || entries[0].At.After(entries[1].At) {
			t.Errorf("negotiation = %+v", entries)
		}
		if entries[0].At.Location() != time.UTC || entries[0].At.IsZero() {
			t.Errorf("negotiation time %v", entries[0].At)
		}
	})

	t.Run("faults", func(t *testing.T) {
		e := newE2E(t)
		c := e.open(xhssim.OpenRequest{ReturnType: xhswire.ReturnTypeReturn})
		c = e.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: c})
		c = e.ship(c, "jd", "JD0000000001")

		// A 500 on a write is ambiguous and not repeated.
		e.sim.InjectFault(xhswire.MethodConfirmReceive, xhssim.FaultHTTP500, 1)
		_, err := e.adapter.Perform(ctx, returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: c})
		var pe *adapters.PlatformError
		if !errors.As(err, &pe) || !pe.Ambiguous || e.sim.Calls(xhswire.MethodConfirmReceive) != 1 {
			t.Errorf("confirm after a 500 = %v after %d calls, want one ambiguous call", err, e.sim.Calls(xhswire.MethodConfirmReceive))
		}
		// Throttling is retried, even for a write.
		e.sim.InjectFault(xhswire.MethodConfirmReceive, xhssim.FaultThrottle, 1)
		c = e.perform(returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: c})
		if c.Status != returns.StatusRefunded || e.sim.Calls(xhswire.MethodConfirmReceive) != 3 {
			t.Errorf("after throttling: %s after %d calls", c.Status, e.sim.Calls(xhswire.MethodConfirmReceive))
		}
		// A malformed answer to a read is retried.
		e.sim.InjectFault(xhswire.MethodGetAfterSaleInfo, xhssim.FaultMalformed, 1)
		if _, err := e.adapter.GetCase(ctx, c.PlatformCaseID); err != nil {
			t.Errorf("GetCase after one malformed answer: %v", err)
		}
		// An auth failure is not retried and says so.
		e.sim.InjectFault(xhswire.MethodGetAfterSaleInfo, xhssim.FaultAuth, 1)
		before := e.sim.Calls(xhswire.MethodGetAfterSaleInfo)
		_, err = e.adapter.GetCase(ctx, c.PlatformCaseID)
		if !errors.As(err, &pe) || pe.Kind != adapters.KindAuth || e.sim.Calls(xhswire.MethodGetAfterSaleInfo) != before+1 {
			t.Errorf("GetCase with a revoked token = %v", err)
		}
	})
}

// TestSimulatorRefusesWrongCredentials: the simulator's own signature check
// refuses what a wrong secret, app or token signs.
func TestSimulatorRefusesWrongCredentials(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	h := startSim(t, clock.Now, 0)
	url := h.adapter.cfg.BaseURL
	for _, tt := range []struct {
		name string
		edit func(c *Config)
	}{
		{"secret", func(c *Config) { c.AppSecret = "wrong" }},
		{"app", func(c *Config) { c.AppID = "red.other" }},
		{"token", func(c *Config) { c.AccessToken = "revoked" }},
		{"clock", func(c *Config) { c.Now = func() time.Time { return clock.Now().Add(11 * time.Minute) } }},
	} {
		cfg := h.adapter.cfg
		cfg.BaseURL = url
		tt.edit(&cfg)
		a, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = a.GetCase(context.Background(), h.sim.CaseIDs(h.shop.ShopID)[0])
		var pe *adapters.PlatformError
		if !errors.As(err, &pe) || pe.Kind != adapters.KindAuth {
			t.Errorf("wrong %s: %v, want an AUTH error", tt.name, err)
		}
	}
}
