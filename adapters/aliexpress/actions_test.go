package aliexpress_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// openCase opens a dispute on the simulator and returns it as the adapter sees it.
func openCase(t *testing.T, a *aliexpress.Adapter, sim *aliexpresssim.Server, o aliexpresssim.OpenRequest) *returns.Case {
	t.Helper()
	id, err := sim.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.GetCase(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writes(sim *aliexpresssim.Server) int {
	return sim.Calls(aliexpresswire.MethodSolutionAgree) + sim.Calls(aliexpresswire.MethodSolutionSave)
}

func TestApproveReturnUsesDefaultAddress(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10})
	ctx := context.Background()
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund, ReasonID: 3, LocalCurrency: "BRL"})
	if c.Status != returns.StatusRequested || c.Kind != returns.KindReturnAndRefund || c.ReturnFreightPaidBy != returns.PartySeller {
		t.Fatalf("opened case %s %s %s", c.Status, c.Kind, c.ReturnFreightPaidBy)
	}
	res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: c})
	if err != nil {
		t.Fatal(err)
	}
	if res.Case == nil || res.Case.Status != returns.StatusAwaitingBuyerShipment || res.Expected != returns.StatusAwaitingBuyerShipment {
		t.Fatalf("after approve: %+v", res)
	}
	if got, want := sim.ReturnAddressOf(c.PlatformCaseID), sim.DefaultAddressID(); got != want || want == "" {
		t.Errorf("return address %q, want the default %q", got, want)
	}
	// A second approval uses the cached address list.
	c2 := openCase(t, a, sim, aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund})
	if _, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: c2}); err != nil {
		t.Fatal(err)
	}
	if n := sim.Calls(aliexpresswire.MethodSellerAddresses); n != 1 {
		t.Errorf("address list fetched %d times, want 1 (cached)", n)
	}
	// The buyer ships: the case moves on.
	if err := sim.Ship(c.PlatformCaseID, "Correios", "LB123456789BR"); err != nil {
		t.Fatal(err)
	}
	after, err := a.GetCase(ctx, c.PlatformCaseID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != returns.StatusInTransit || after.ReturnShipment == nil || after.ReturnShipment.TrackingNo != "LB123456789BR" ||
		after.Deadlines.RefundBy == nil {
		t.Errorf("after shipping: %s %+v %+v", after.Status, after.ReturnShipment, after.Deadlines)
	}
	if got := a.SellerCentreActions(after); !slices.Contains(got, returns.ActionConfirmReceipt) {
		t.Errorf("seller-centre actions %v lack confirming receipt", got)
	}
}

func TestApproveRefundOnlyRefunds(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10})
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{Amount: "20.00", Currency: "EUR", LocalCurrency: "PLN"})
	res, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionApprove, Case: c})
	if err != nil {
		t.Fatal(err)
	}
	if res.Case.Status != returns.StatusRefunded || res.Case.RefundedAmount == nil || *res.Case.RefundedAmount != returns.MustParseMoney("20.00", "EUR") {
		t.Errorf("after approving a refund: %s refunded %v", res.Case.Status, res.Case.RefundedAmount)
	}
	if n := sim.Calls(aliexpresswire.MethodSellerAddresses); n != 0 {
		t.Errorf("a refund without return asked for addresses %d times", n)
	}
}

func TestOfferThenChangeOffer(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10})
	ctx := context.Background()
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund})
	ten := returns.MustParseMoney("10.00", "USD")
	res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionOffer, Case: c, Amount: &ten,
		OfferKind: returns.KindRefundOnly, Note: "Keep it, here is 10 USD"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Case.Status != returns.StatusNegotiating {
		t.Fatalf("after an offer: %s", res.Case.Status)
	}
	d, _ := sim.Detail(c.PlatformCaseID)
	if len(d.SellerSolutionList) != 1 || d.SellerSolutionList[0].RefundMoneyPost != "10.00" ||
		d.SellerSolutionList[0].Status != aliexpresswire.SolWaitBuyerAccept || d.SellerSolutionList[0].Content != "Keep it, here is 10 USD" {
		t.Fatalf("seller solutions on the platform: %+v", d.SellerSolutionList)
	}
	// A second offer changes the pending one rather than adding another.
	clock.Advance(time.Minute)
	twelve := returns.MustParseMoney("12.50", "USD")
	res, err = a.Perform(ctx, returns.ActionRequest{Action: returns.ActionOffer, Case: res.Case, Amount: &twelve, Note: "12.50 then"})
	if err != nil {
		t.Fatal(err)
	}
	d, _ = sim.Detail(c.PlatformCaseID)
	if len(d.SellerSolutionList) != 1 || d.SellerSolutionList[0].RefundMoneyPost != "12.50" {
		t.Errorf("after changing the offer: %+v", d.SellerSolutionList)
	}
	// The buyer's proposal can still be accepted.
	if got := a.AllowedActions(res.Case); !slices.Contains(got, returns.ActionApprove) {
		t.Errorf("allowed while negotiating: %v", got)
	}
	entries, err := a.Negotiation(ctx, res.Case)
	if err != nil {
		t.Fatal(err)
	}
	var seller []returns.NegotiationEntry
	for _, e := range entries {
		if e.Party == returns.PartySeller {
			seller = append(seller, e)
		}
	}
	if len(seller) == 0 || seller[0].Amount == nil || *seller[0].Amount != twelve {
		t.Errorf("seller entries %+v", seller)
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].At.Before(entries[i-1].At) {
			t.Errorf("negotiation not chronological at %d", i)
		}
	}
}

func TestRejectIsACounterProposalOfNothing(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10})
	ctx := context.Background()
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{ReasonID: 8})

	_, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionReject, Case: c, Note: "  "})
	var e *returns.Error
	if !errors.As(err, &e) || e.Code != returns.CodeInvalid || !slices.Equal(e.Field, []string{"note"}) {
		t.Fatalf("reject without a note = %v, want INVALID on note", err)
	}
	if n := writes(sim); n != 0 {
		t.Fatalf("an invalid reject reached the platform (%d writes)", n)
	}
	res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionReject, Case: c, Note: "The item was used."})
	if err != nil {
		t.Fatal(err)
	}
	if res.Case.Status != returns.StatusNegotiating {
		t.Errorf("after reject: %s", res.Case.Status)
	}
	d, _ := sim.Detail(c.PlatformCaseID)
	if len(d.SellerSolutionList) != 1 {
		t.Fatalf("seller solutions %+v", d.SellerSolutionList)
	}
	s := d.SellerSolutionList[0]
	if s.RefundMoneyPost != "0.00" || s.SolutionType != aliexpresswire.SolutionRefund || s.Content != "The item was used." {
		t.Errorf("counter-proposal %+v", s)
	}
}

func TestActionsRefusedWithoutCallingThePlatform(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10})
	ctx := context.Background()
	// A return the seller agreed to: the buyer must ship, the seller can do nothing.
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund})
	res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: c, ReturnAddressID: sim.DefaultAddressID()})
	if err != nil {
		t.Fatal(err)
	}
	waiting := res.Case
	before := writes(sim)
	eur := returns.MustParseMoney("5.00", "EUR")
	usd := returns.MustParseMoney("5.00", "USD")
	fresh := openCase(t, a, sim, aliexpresssim.OpenRequest{})
	tests := []struct {
		name  string
		req   returns.ActionRequest
		code  returns.ErrorCode
		field string
	}{
		{"ApproveWhileAwaitingShipment", returns.ActionRequest{Action: returns.ActionApprove, Case: waiting}, returns.CodeInvalidState, ""},
		{"OfferWhileAwaitingShipment", returns.ActionRequest{Action: returns.ActionOffer, Case: waiting, Amount: &usd}, returns.CodeInvalidState, ""},
		{"RejectWhileAwaitingShipment", returns.ActionRequest{Action: returns.ActionReject, Case: waiting, Note: "no"}, returns.CodeInvalidState, ""},
		{"ConfirmReceiptIsSellerCentre", returns.ActionRequest{Action: returns.ActionConfirmReceipt, Case: waiting}, returns.CodeUnsupported, ""},
		{"RefundIsSellerCentre", returns.ActionRequest{Action: returns.ActionRefund, Case: fresh}, returns.CodeUnsupported, ""},
		{"EscalateBeforeACounterProposal", returns.ActionRequest{Action: returns.ActionEscalate, Case: fresh, Note: "unfair"}, returns.CodeInvalidState, ""},
		{"OfferInAnotherCurrency", returns.ActionRequest{Action: returns.ActionOffer, Case: fresh, Amount: &eur}, returns.CodeInvalid, "amount"},
		{"OfferAnExchange", returns.ActionRequest{Action: returns.ActionOffer, Case: fresh, Amount: &usd, OfferKind: returns.KindExchange}, returns.CodeInvalid, "offerKind"},
		{"ApproveWithBadAddress", returns.ActionRequest{Action: returns.ActionApprove, Case: openCase(t, a, sim,
			aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund}), ReturnAddressID: "shop-1"}, returns.CodeInvalid, "returnAddressId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Perform(ctx, tt.req)
			var e *returns.Error
			if !errors.As(err, &e) || e.Code != tt.code {
				t.Fatalf("Perform = %v, want %s", err, tt.code)
			}
			if tt.field != "" && !slices.Equal(e.Field, []string{tt.field}) {
				t.Errorf("field %v, want %s", e.Field, tt.field)
			}
		})
	}
	if n := writes(sim) - before; n != 0 {
		t.Errorf("refused actions made %d platform writes", n)
	}
	// The platform itself also refuses a stale request, typed.
	stale := *fresh
	stale.Raw = map[string]string{}
	for k, v := range fresh.Raw {
		stale.Raw[k] = v
	}
	if err := sim.Cancel(fresh.PlatformCaseID); err != nil {
		t.Fatal(err)
	}
	_, err = a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: &stale})
	if code := returns.ErrorCodeOf(err); code != returns.CodeInvalidState {
		t.Errorf("approving a case the buyer cancelled meanwhile = %v (%s), want INVALID_STATE", err, code)
	}
}

func TestReadBackFailureSetsExpected(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10})
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund})
	sim.InjectFault(aliexpresswire.MethodIssueDetail, aliexpresssim.FaultHTTP500, 10)
	res, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionApprove, Case: c, ReturnAddressID: sim.DefaultAddressID()})
	if err != nil {
		t.Fatalf("the write succeeded; a failed read-back must not fail it: %v", err)
	}
	if res.Case != nil || res.Expected != returns.StatusAwaitingBuyerShipment {
		t.Errorf("result %+v, want no case and AWAITING_BUYER_SHIPMENT expected", res)
	}
	if n := sim.Calls(aliexpresswire.MethodSolutionAgree); n != 1 {
		t.Errorf("agree sent %d times", n)
	}
}

func TestBuyerMovesReachTheAdapter(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	var mu sync.Mutex
	changed := map[string]int{}
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10, OnChange: func(id string) {
		mu.Lock()
		changed[id]++
		mu.Unlock()
	}})
	ctx := context.Background()
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{})
	if err := sim.Escalate(c.PlatformCaseID); err != nil {
		t.Fatal(err)
	}
	got, err := a.GetCase(ctx, c.PlatformCaseID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != returns.StatusEscalated || len(a.AllowedActions(got)) != 0 {
		t.Errorf("after escalation: %s %v", got.Status, a.AllowedActions(got))
	}
	c2 := openCase(t, a, sim, aliexpresssim.OpenRequest{})
	if err := sim.Cancel(c2.PlatformCaseID); err != nil {
		t.Fatal(err)
	}
	if got, _ := a.GetCase(ctx, c2.PlatformCaseID); got.Status != returns.StatusCancelled {
		t.Errorf("after cancel: %s", got.Status)
	}
	mu.Lock()
	defer mu.Unlock()
	if changed[c.PlatformCaseID] != 2 || changed[c2.PlatformCaseID] != 2 {
		t.Errorf("OnChange calls %v, want open and one move each", changed)
	}
}

func TestApproveGivesTheMissingReturnAddress(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 9, Cases: 30})
	ctx := context.Background()
	for _, id := range sim.CaseIDs() {
		c, err := a.GetCase(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Raw["reverse_detail_status"] != aliexpresswire.RDWaitSellerSetAddress {
			continue
		}
		if got := a.AllowedActions(c); !slices.Equal(got, []returns.Action{returns.ActionApprove}) {
			t.Fatalf("allowed while the address is missing: %v", got)
		}
		res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: c, ReturnAddressID: "900100203"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Case.Status != returns.StatusAwaitingBuyerShipment || sim.ReturnAddressOf(id) != "900100203" {
			t.Errorf("after giving the address: %s, address %s", res.Case.Status, sim.ReturnAddressOf(id))
		}
		return
	}
	t.Fatal("no seeded issue waits for the seller's return address")
}

func TestUnknownStatusAllowsNothing(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 10})
	ctx := context.Background()
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{})
	if _, err := sim.InjectUnknownStatus(c.PlatformCaseID); err != nil {
		t.Fatal(err)
	}
	c, err := a.GetCase(ctx, c.PlatformCaseID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != aliexpress.UnknownStatus || len(a.AllowedActions(c)) != 0 || len(a.SellerCentreActions(c)) != 0 {
		t.Errorf("unknown status: %s, actions %v %v", c.Status, a.AllowedActions(c), a.SellerCentreActions(c))
	}
	_, err = a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: c})
	if code := returns.ErrorCodeOf(err); code != returns.CodeInvalidState {
		t.Errorf("approve in an unknown status = %v, want INVALID_STATE", err)
	}
	if n := writes(sim); n != 0 {
		t.Errorf("%d writes in an unknown status", n)
	}
}
