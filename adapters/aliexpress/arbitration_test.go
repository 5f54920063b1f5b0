package aliexpress_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

var (
	pngBytes  = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR fake png body")
	jpegBytes = []byte("\xff\xd8\xff\xe0\x00\x10JFIF fake jpeg body")
	pdfBytes  = []byte("%PDF-1.4 fake invoice")
)

// countered opens an issue and counter-proposes, so the buyer has the
// seller's proposal before them (wait_for_buyer_response).
func countered(t *testing.T, a *aliexpress.Adapter, sim *aliexpresssim.Server, clock *adapterstest.Clock) *returns.Case {
	t.Helper()
	c := openCase(t, a, sim, aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionRefund})
	clock.Advance(time.Minute)
	ten := returns.MustParseMoney("10.00", "USD")
	res, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionOffer, Case: c, Amount: &ten, Note: "Keep it"})
	if err != nil {
		t.Fatal(err)
	}
	return res.Case
}

func TestEscalateUploadsImagesThenAsksForMediation(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 5})
	ctx := context.Background()
	c := countered(t, a, sim, clock)
	if !a.UploadsEvidence("image/png") || a.UploadsEvidence("application/pdf") || a.UploadsEvidence("image/webp") {
		t.Fatal("UploadsEvidence: images JPEG, PNG and GIF only")
	}
	found := false
	for _, x := range a.AllowedActions(c) {
		found = found || x == returns.ActionEscalate
	}
	if !found {
		t.Fatalf("escalate not allowed while the buyer has the seller's proposal: %v", a.AllowedActions(c))
	}
	clock.Advance(time.Minute)
	res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionEscalate, Case: c, Note: "The buyer returned an empty box.",
		Evidence: []returns.EvidenceFile{
			{ID: "ev_1", Name: "box.png", ContentType: "image/png", Data: pngBytes},
			{ID: "ev_2", Name: "label.jpg", ContentType: "image/jpeg", Data: jpegBytes},
			{ID: "ev_3", Name: "invoice.pdf", ContentType: "application/pdf", Data: pdfBytes},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Case == nil || res.Case.Status != returns.StatusEscalated || res.Expected != returns.StatusEscalated {
		t.Fatalf("after escalating: %+v", res)
	}
	wantReason := aliexpresswire.ArbiReasonNotAsDescribed
	if c.Reason == returns.ReasonNotReceived {
		wantReason = aliexpresswire.ArbiReasonNotReceived
	}
	arb, ok := sim.ArbitrationOf(c.PlatformCaseID)
	if !ok || arb.Content != "The buyer returned an empty box." || arb.Reason != wantReason || len(arb.Images) != 2 ||
		arb.Images[0].Extension != "png" || arb.Images[1].Extension != "jpg" || arb.Images[0].Size != len(pngBytes) {
		t.Fatalf("the platform got %+v", arb)
	}
	if n := sim.Calls(aliexpresswire.MethodIssueImageUpload); n != 2 {
		t.Errorf("%d image uploads, want 2 (the PDF is not an image)", n)
	}
	entries, err := a.Negotiation(ctx, res.Case)
	if err != nil {
		t.Fatal(err)
	}
	last := entries[len(entries)-1]
	if last.Kind != aliexpress.EntryEscalated || last.Party != returns.PartySeller || last.Raw["attachments"] != "2" {
		t.Errorf("last negotiation entry %+v", last)
	}
	// Mediating already: a second request is refused without a call.
	before := sim.Calls(aliexpresswire.MethodSellerSubmitArbi)
	if _, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionEscalate, Case: res.Case, Note: "again"}); returns.ErrorCodeOf(err) != returns.CodeInvalidState {
		t.Errorf("second escalation: %v", err)
	}
	if sim.Calls(aliexpresswire.MethodSellerSubmitArbi) != before {
		t.Error("a refused escalation reached the platform")
	}
}

func TestEscalateRefusedBeforeAnyCall(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 5})
	c := countered(t, a, sim, clock)
	big := make([]byte, aliexpresswire.MaxImageBytes+1)
	copy(big, pngBytes)
	tests := []struct {
		name  string
		req   returns.ActionRequest
		field string
	}{
		{"NoStatement", returns.ActionRequest{Action: returns.ActionEscalate, Case: c, Note: "  "}, "statement"},
		{"ImageTooLarge", returns.ActionRequest{Action: returns.ActionEscalate, Case: c, Note: "see photo",
			Evidence: []returns.EvidenceFile{{ID: "ev_1", Name: "a.jpg", ContentType: "image/jpeg", Data: jpegBytes},
				{ID: "ev_2", Name: "b.png", ContentType: "image/png", Data: big}}}, "evidenceIds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := a.Perform(context.Background(), tt.req)
			var e *returns.Error
			if !errors.As(err, &e) || e.Code != returns.CodeInvalid || len(e.Field) != 1 || e.Field[0] != tt.field {
				t.Fatalf("Perform = %v, want INVALID on %s", err, tt.field)
			}
		})
	}
	if n := sim.Calls(aliexpresswire.MethodIssueImageUpload) + sim.Calls(aliexpresswire.MethodSellerSubmitArbi); n != 0 {
		t.Errorf("refused escalations made %d calls", n)
	}
}

// TestChangedOfferAppearsOnce reproduces the duplicate: a seller's offer,
// changed once, came back twice in the negotiation (the seller solution at
// its creation with the new terms, and the change step from the process
// list). It is one proposal, at its latest version, with its terms.
func TestChangedOfferAppearsOnce(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, aliexpresssim.Options{Seed: 3, Cases: 5})
	ctx := context.Background()
	c := countered(t, a, sim, clock)
	clock.Advance(time.Minute)
	changedAt := clock.Now()
	twelve := returns.MustParseMoney("12.50", "USD")
	res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionOffer, Case: c, Amount: &twelve, Note: "12.50 then"})
	if err != nil {
		t.Fatal(err)
	}
	// The buyer changes their own proposal too.
	clock.Advance(time.Minute)
	if err := sim.Touch(c.PlatformCaseID); err != nil {
		t.Fatal(err)
	}
	entries, err := a.Negotiation(ctx, res.Case)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	var seller, buyer []returns.NegotiationEntry
	for _, e := range entries {
		id := e.Raw[aliexpress.EntryIDKey]
		if id == "" || ids[id] {
			t.Errorf("entry %+v: identity %q missing or repeated", e, id)
		}
		ids[id] = true
		if e.Kind != aliexpress.EntryProposal {
			continue
		}
		switch e.Party {
		case returns.PartySeller:
			seller = append(seller, e)
		case returns.PartyBuyer:
			buyer = append(buyer, e)
		}
	}
	if len(seller) != 1 || seller[0].Amount == nil || *seller[0].Amount != twelve || seller[0].Text != "12.50 then" ||
		!seller[0].At.Equal(changedAt) || seller[0].Raw["revisions"] != "1" {
		t.Errorf("seller proposals %+v, want one of 12.50 at %v", seller, changedAt)
	}
	if len(buyer) != 1 {
		t.Errorf("buyer proposals %+v, want one", buyer)
	}
	for i := 1; i < len(entries); i++ {
		if entries[i].At.Before(entries[i-1].At) {
			t.Errorf("not in time order at %d", i)
		}
	}
}
