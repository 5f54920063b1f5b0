package xhswire

import "testing"

// TestErrorCodes pins the assumed error table (see ErrorCodes): each code
// has its platform message. How the adapter treats each is pinned in
// adapters/xhs (TestEveryWireErrorCodeHasAKind).
func TestErrorCodes(t *testing.T) {
	codes := []int{ErrSystem, ErrSignInvalid, ErrTimestampExpired, ErrAppInvalid, ErrTokenInvalid, ErrNoPermission,
		ErrMethodUnknown, ErrAuthCodeInvalid, ErrRefreshInvalid, ErrAppThrottled, ErrMethodThrottled, ErrParamInvalid, ErrAfterSaleNotFound,
		ErrStatusNotAllowed, ErrServiceBusy}
	if len(ErrorCodes) != len(codes) {
		t.Errorf("%d codes in the table, %d pinned here", len(ErrorCodes), len(codes))
	}
	for _, code := range codes {
		info, ok := ErrorCodes[code]
		if !ok || info.Code != code || info.Msg == "" {
			t.Errorf("code %d: %+v, want it with a message", code, info)
		}
	}
	if _, ok := ErrorCodes[0]; ok {
		t.Error("0 is success, not an error")
	}
}

func TestStatusLabels(t *testing.T) {
	for _, s := range []Status{StatusPendingReview, StatusAwaitingReturn, StatusAwaitingReceipt, StatusCompleted,
		StatusCancelled, StatusClosed, StatusRejected, StatusRejectedAtReceipt, StatusExchangeToRefund,
		StatusExchangeAwaitShip, StatusExchangeAwaitBuyer, StatusPlatformIntervening} {
		if StatusLabels[s] == "" {
			t.Errorf("status %d has no label", s)
		}
	}
}
