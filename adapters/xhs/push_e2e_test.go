package xhs

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// pushed is what the receiver made of one delivery.
type pushed struct {
	changes []returns.PushedChange
	err     error
	status  int
}

// pushReceiver is a webhook route as the gateway's would be: it hands each
// request to ReadPush and answers with PushReply.
type pushReceiver struct {
	srv     *httptest.Server
	adapter atomic.Pointer[Adapter]
	clock   func() time.Time

	mu  sync.Mutex
	got []pushed
}

func newPushReceiver(t *testing.T, clock func() time.Time) *pushReceiver {
	r := &pushReceiver{clock: clock}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		a := r.adapter.Load()
		changes, err := a.ReadPush(returns.PushRequest{Path: req.URL.Path, Query: req.URL.Query(), Header: req.Header, Body: b}, r.clock())
		status, ct, body := a.PushReply(err)
		w.Header().Set("Content-Type", ct)
		w.WriteHeader(status)
		_, _ = w.Write(body)
		r.mu.Lock()
		r.got = append(r.got, pushed{changes, err, status})
		r.mu.Unlock()
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// take returns what was received since the last take.
func (r *pushReceiver) take() []pushed {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// pushHarness is a simulator that pushes to a receiver backed by an adapter
// of the domestic shop, all on one clock.
type pushHarness struct {
	t       *testing.T
	clock   *adapterstest.Clock
	sim     *xhssim.Server
	adapter *Adapter
	recv    *pushReceiver
	shop    xhssim.Shop
}

func newPushHarness(t *testing.T, simAppID, simSecret string, simSkew time.Duration) *pushHarness {
	clock := adapterstest.NewClock(adapterstest.Start)
	recv := newPushReceiver(t, clock.Now)
	shop := xhssim.DefaultShops()[0]
	sim := xhssim.New(xhssim.Options{
		AppID: simAppID, AppSecret: simSecret, Seed: 20261120,
		Now:     func() time.Time { return clock.Now().Add(simSkew) },
		PushURL: recv.srv.URL + "/webhooks/xhs?shop=" + shop.ShopID, PushRetryDelay: time.Millisecond,
	})
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, err := New(Config{
		BaseURL: url, AppID: testAppID, AppSecret: testSecret, AccessToken: shop.AccessToken,
		Shop:     returns.Shop{ID: shop.ShopID, Name: "test shop", Market: shop.Market},
		SellerID: shop.SellerID, Policy: testPolicy, Now: clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	recv.adapter.Store(a)
	return &pushHarness{t: t, clock: clock, sim: sim, adapter: a, recv: recv, shop: shop}
}

// expect waits for the pushes of the last change and checks that exactly one
// arrived, accepted, naming the case as the platform now has it with the tags.
func (h *pushHarness) expect(id string, tags ...string) {
	h.t.Helper()
	h.sim.WaitPushes()
	got := h.recv.take()
	if len(got) != 1 {
		h.t.Fatalf("case %s: %d pushes, want 1: %+v", id, len(got), got)
	}
	p := got[0]
	if p.err != nil || p.status != http.StatusOK {
		h.t.Fatalf("case %s: push refused: %d %v", id, p.status, p.err)
	}
	c, err := h.adapter.GetCase(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	var gotTags []string
	for _, ch := range p.changes {
		gotTags = append(gotTags, ch.Tag)
		if ch.Ref.PlatformCaseID != id || ch.SellerID != h.adapter.SellerID() || !ch.Ref.UpdatedAt.Equal(c.UpdatedAt) {
			h.t.Errorf("case %s: change %+v; the case was updated at %v", id, ch, c.UpdatedAt)
		}
	}
	if !reflect.DeepEqual(gotTags, tags) {
		h.t.Errorf("case %s: tags %v, want %v", id, gotTags, tags)
	}
}

func (h *pushHarness) open(rt int) *returns.Case {
	h.t.Helper()
	h.clock.Advance(time.Minute)
	id, err := h.sim.Open(h.shop.ShopID, xhssim.OpenRequest{ReturnType: rt})
	if err != nil {
		h.t.Fatal(err)
	}
	h.expect(id, xhswire.TagAfterSaleCreate)
	c, err := h.adapter.GetCase(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *pushHarness) perform(req returns.ActionRequest, tags ...string) *returns.Case {
	h.t.Helper()
	h.clock.Advance(time.Minute)
	res, err := h.adapter.Perform(context.Background(), req)
	if err != nil {
		h.t.Fatalf("%s: %v", req.Action, err)
	}
	h.expect(req.Case.PlatformCaseID, tags...)
	return res.Case
}

func (h *pushHarness) buyer(id string, fn func(string) error, tags ...string) {
	h.t.Helper()
	h.clock.Advance(time.Minute)
	if err := fn(id); err != nil {
		h.t.Fatal(err)
	}
	h.expect(id, tags...)
}

// TestPushRoundTrip: every kind of change, made through the simulator's API
// (by the adapter) or its buyer controls, reaches a receiver as a push that
// the adapter verifies and reads.
func TestPushRoundTrip(t *testing.T) {
	h := newPushHarness(t, testAppID, testSecret, 0)
	ship := func(id string) error { return h.sim.Ship(id, "shunfeng", "SF1400200000001") }

	ret := h.open(xhswire.ReturnTypeReturn)
	ret = h.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: ret}, xhswire.TagAfterSaleAuditPass)
	h.buyer(ret.PlatformCaseID, ship, xhswire.TagAfterSaleUpdate)
	ret, _ = h.adapter.GetCase(context.Background(), ret.PlatformCaseID)
	h.perform(returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: ret},
		xhswire.TagAfterSaleConfirmReceive, xhswire.TagAfterSaleRefundFinished)

	refund := h.open(xhswire.ReturnTypeRefundAfterShip)
	h.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: refund},
		xhswire.TagAfterSaleAuditPass, xhswire.TagAfterSaleRefundFinished)

	rejected := h.open(xhswire.ReturnTypeReturn)
	h.perform(returns.ActionRequest{Action: returns.ActionReject, Case: rejected, Note: "商品已拆封使用"}, xhswire.TagAfterSaleAuditReject)
	h.buyer(rejected.PlatformCaseID, h.sim.Escalate, xhswire.TagAfterSaleTransfer)

	cancelled := h.open(xhswire.ReturnTypeReturn)
	h.buyer(cancelled.PlatformCaseID, h.sim.Cancel, xhswire.TagAfterSaleClosed)
	h.buyer(cancelled.PlatformCaseID, h.sim.Touch, xhswire.TagAfterSaleUpdate)

	refused := h.open(xhswire.ReturnTypeReturn)
	h.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: refused}, xhswire.TagAfterSaleAuditPass)
	h.buyer(refused.PlatformCaseID, ship, xhswire.TagAfterSaleUpdate)
	refused, _ = h.adapter.GetCase(context.Background(), refused.PlatformCaseID)
	reasons, err := h.adapter.RejectReasons(context.Background(), refused)
	if err != nil || len(reasons) == 0 {
		t.Fatalf("RejectReasons = %v, %v", reasons, err)
	}
	h.perform(returns.ActionRequest{Action: returns.ActionReject, Case: refused, ReasonID: reasons[0].ID}, xhswire.TagAfterSaleRejectReceive)

	exch := h.open(xhswire.ReturnTypeExchange)
	h.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: exch}, xhswire.TagAfterSaleAuditPass)
	h.buyer(exch.PlatformCaseID, ship, xhswire.TagAfterSaleUpdate)
	exch, _ = h.adapter.GetCase(context.Background(), exch.PlatformCaseID)
	h.perform(returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: exch,
		Shipment: &returns.Shipment{CarrierCode: "shunfeng", TrackingNo: "SF1400299990000"}},
		xhswire.TagAfterSaleConfirmReceive, xhswire.TagAfterSaleExchangeShip)

	exch2 := h.open(xhswire.ReturnTypeExchange)
	h.perform(returns.ActionRequest{Action: returns.ActionApprove, Case: exch2}, xhswire.TagAfterSaleAuditPass)
	h.buyer(exch2.PlatformCaseID, ship, xhswire.TagAfterSaleUpdate)
	exch2, _ = h.adapter.GetCase(context.Background(), exch2.PlatformCaseID)
	h.perform(returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: exch2}, xhswire.TagAfterSaleConfirmReceive)

	sent, failed := h.sim.Pushes()
	if failed != 0 || sent == 0 {
		t.Errorf("Pushes = %d sent, %d failed", sent, failed)
	}

	// A push lost on its way is delivered by the retry.
	h.sim.DropPushes(1)
	h.buyer(exch2.PlatformCaseID, h.sim.Touch, xhswire.TagAfterSaleUpdate)
	if s, f := h.sim.Pushes(); s != sent+1 || f != 1 {
		t.Errorf("after a dropped attempt: Pushes = %d, %d; want %d, 1", s, f, sent+1)
	}
}

// TestPushRoundTripRefused: pushes the adapter cannot verify are refused as
// UNAUTHORIZED; the simulator retries once, then drops them.
func TestPushRoundTripRefused(t *testing.T) {
	tests := []struct {
		name           string
		appID, secret  string
		skew           time.Duration
		wantRefusedAll bool
	}{
		{"signed with another secret", testAppID, "f13a2266d1e2c32a553cb7a42ea63c48", 0, true},
		{"from another app", "red.gLvsVoksierVz0uF", testSecret, 0, true},
		{"a clock six minutes behind", testAppID, testSecret, -6 * time.Minute, true},
		{"a clock six minutes ahead", testAppID, testSecret, 6 * time.Minute, true},
		{"a clock four minutes behind", testAppID, testSecret, -4 * time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newPushHarness(t, tt.appID, tt.secret, tt.skew)
			if _, err := h.sim.Open(h.shop.ShopID, xhssim.OpenRequest{}); err != nil {
				t.Fatal(err)
			}
			h.sim.WaitPushes()
			got := h.recv.take()
			sent, failed := h.sim.Pushes()
			if !tt.wantRefusedAll {
				if len(got) != 1 || got[0].err != nil || sent != 1 || failed != 0 {
					t.Errorf("got %+v; Pushes = %d, %d", got, sent, failed)
				}
				return
			}
			if len(got) != 2 || sent != 0 || failed != 2 {
				t.Fatalf("got %d deliveries, Pushes = %d, %d; want 2 refused, then dropped", len(got), sent, failed)
			}
			for _, p := range got {
				if returns.ErrorCodeOf(p.err) != returns.CodeUnauthorized || p.status != http.StatusUnauthorized || p.changes != nil {
					t.Errorf("delivery %+v, want UNAUTHORIZED", p)
				}
			}
		})
	}
}
