package xhswire

import (
	"testing"

	"github.com/returnsgw/returnsgw/adapters"
)

// TestErrorCodes pins the assumed error table (see ErrorCodes): each code
// has a message and the kind a client must treat it as. Change it together
// with the table when the platform's real codes are known.
func TestErrorCodes(t *testing.T) {
	want := map[int]adapters.ErrorKind{
		ErrSystem: adapters.KindUnavailable, ErrServiceBusy: adapters.KindUnavailable,
		ErrSignInvalid: adapters.KindAuth, ErrTimestampExpired: adapters.KindAuth, ErrAppInvalid: adapters.KindAuth,
		ErrTokenInvalid: adapters.KindAuth, ErrNoPermission: adapters.KindAuth,
		ErrAuthCodeInvalid: adapters.KindAuth, ErrRefreshInvalid: adapters.KindAuth,
		ErrAppThrottled: adapters.KindRateLimited, ErrMethodThrottled: adapters.KindRateLimited,
		ErrMethodUnknown: adapters.KindInvalid, ErrParamInvalid: adapters.KindInvalid,
		ErrAfterSaleNotFound: adapters.KindNotFound, ErrStatusNotAllowed: adapters.KindState,
	}
	if len(ErrorCodes) != len(want) {
		t.Errorf("%d codes in the table, %d pinned here", len(ErrorCodes), len(want))
	}
	for code, kind := range want {
		info, ok := ErrorCodes[code]
		if !ok || info.Code != code || info.Kind != kind || info.Msg == "" {
			t.Errorf("code %d: %+v, want kind %s with a message", code, info, kind)
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
