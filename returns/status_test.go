package returns

import (
	"fmt"
	"testing"
)

func TestStatusTransitions(t *testing.T) {
	tests := []struct {
		from, to Status
		want     bool
	}{
		{StatusRequested, StatusAwaitingBuyerShipment, true},
		{StatusRequested, StatusRefunded, true}, // refund-only agreed and paid at once
		{StatusRequested, StatusRejected, true},
		{StatusAwaitingBuyerShipment, StatusInTransit, true},
		{StatusInTransit, StatusReceived, true},
		{StatusInTransit, StatusRefunded, true}, // confirming receipt refunds on XHS
		{StatusReceived, StatusExchangeShipped, true},
		{StatusExchangeShipped, StatusCompleted, true},
		{StatusRejected, StatusEscalated, true},
		{StatusRejected, StatusRequested, true}, // the buyer revised the request
		{StatusEscalated, StatusRefunded, true},
		{StatusRequested, StatusRequested, true}, // other fields may change
		{StatusRequested, StatusInTransit, false},
		{StatusAwaitingBuyerShipment, StatusRefunded, false},
		{StatusRefunded, StatusRequested, false},
		{StatusCompleted, StatusRefunded, false},
		{StatusCancelled, StatusRequested, false},
		{StatusClosed, StatusEscalated, false},
		{Status("BOGUS"), StatusRequested, false},
		{Status("BOGUS"), Status("BOGUS"), false},
	}
	for _, tt := range tests {
		if got := tt.from.CanMoveTo(tt.to); got != tt.want {
			t.Errorf("%s → %s allowed = %v, want %v", tt.from, tt.to, got, tt.want)
		}
	}
}

func TestStatusTable(t *testing.T) {
	for _, s := range Statuses {
		if !s.Valid() {
			t.Errorf("%s is listed but has no row in the transition table", s)
		}
		for _, next := range transitions[s] {
			if !next.Valid() {
				t.Errorf("%s → %s: target is not a status", s, next)
			}
		}
	}
	if len(transitions) != len(Statuses) {
		t.Errorf("transition table has %d rows for %d statuses", len(transitions), len(Statuses))
	}
	for _, s := range []Status{StatusCompleted, StatusCancelled, StatusClosed} {
		if !s.Terminal() || s.Open() {
			t.Errorf("%s should be terminal and not open", s)
		}
	}
	for _, s := range []Status{StatusRequested, StatusInTransit, StatusEscalated} {
		if s.Terminal() || !s.Open() {
			t.Errorf("%s should be open", s)
		}
	}
	if StatusRefunded.Open() {
		t.Error("REFUNDED should not count as open")
	}
}

func TestFilterMatch(t *testing.T) {
	c := &Case{Platform: XHS, Status: StatusRequested, Reason: ReasonSizeFit, Market: MarketDomestic,
		Kind: KindReturnAndRefund, ShopID: "s1", OrderID: "P1"}
	if !(&Filter{}).Match(c) || !(*Filter)(nil).Match(c) {
		t.Error("an empty filter must match everything")
	}
	if !(&Filter{Platforms: []PlatformID{AliExpress, XHS}, Statuses: []Status{StatusRequested}}).Match(c) {
		t.Error("alternatives within a field are ORed")
	}
	if (&Filter{Platforms: []PlatformID{XHS}, Reasons: []Reason{ReasonOther}}).Match(c) {
		t.Error("fields are ANDed")
	}
	if (&Filter{OrderID: "P2"}).Match(c) || !(&Filter{OrderID: "P1"}).Match(c) {
		t.Error("order id filter")
	}
}

func TestErrorCodeOf(t *testing.T) {
	e := Errorf(CodeNotFound, "no case")
	if ErrorCodeOf(e) != CodeNotFound || ErrorMessage(e) != "no case" {
		t.Errorf("got %s %q", ErrorCodeOf(e), ErrorMessage(e))
	}
	wrapped := Errorf(CodeInvalid, "bad").WithCause(e)
	if ErrorCodeOf(wrapped) != CodeInvalid {
		t.Error("the outer code wins")
	}
	if ErrorCodeOf(errPlain("boom")) != CodeInternal || ErrorMessage(errPlain("boom")) != "internal error" {
		t.Error("a plain error is internal and its message is hidden")
	}
	if ErrorCodeOf(nil) != "" {
		t.Error("nil has no code")
	}
}

type errPlain string

func (e errPlain) Error() string { return string(e) }

type kindErr PlatformErrorKind

func (e kindErr) Error() string                        { return string(e) }
func (e kindErr) PlatformErrorKind() PlatformErrorKind { return PlatformErrorKind(e) }

func TestPlatformErrorKindOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want PlatformErrorKind
	}{
		{"nil", nil, ""},
		{"not a platform error", errPlain("boom"), ""},
		{"a gateway error", Errorf(CodeInvalid, "bad"), ""},
		{"a platform error", kindErr(PlatformErrMalformed), PlatformErrMalformed},
		{"wrapped", fmt.Errorf("get case: %w", kindErr(PlatformErrAuth)), PlatformErrAuth},
		{"the cause of a gateway error", Errorf(CodePlatformUnavailable, "down").WithCause(kindErr(PlatformErrUnavailable)), PlatformErrUnavailable},
	}
	for _, tt := range tests {
		if got := PlatformErrorKindOf(tt.err); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
