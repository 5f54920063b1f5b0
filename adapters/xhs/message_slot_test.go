package xhs

import (
	"strconv"
	"testing"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

// afterSale.auditReturns takes `message` only when agreeing to have the goods
// sent back, so that is the only slot for a buyer message template.
func TestBuyerMessageSlot(t *testing.T) {
	kase := func(status xhswire.Status, typ xhswire.ReturnType) *returns.Case {
		return &returns.Case{PlatformStatus: returns.PlatformStatus{Code: strconv.Itoa(int(status))},
			Raw: map[string]string{"returnType": strconv.Itoa(int(typ))}}
	}
	a := &Adapter{}
	tests := []struct {
		name   string
		action returns.Action
		c      *returns.Case
		want   returns.MessageSlot
	}{
		{"agree to a return", returns.ActionApprove, kase(xhswire.StatusPendingReview, xhswire.ReturnTypeReturn), returns.SlotMessage},
		{"agree to an exchange", returns.ActionApprove, kase(xhswire.StatusPendingReview, xhswire.ReturnTypeExchange), returns.SlotMessage},
		{"agree to a refund only", returns.ActionApprove, kase(xhswire.StatusPendingReview, xhswire.ReturnTypeRefundOnlyOld), returns.SlotNone},
		{"refuse", returns.ActionReject, kase(xhswire.StatusPendingReview, xhswire.ReturnTypeReturn), returns.SlotNone},
		{"approve after review", returns.ActionApprove, kase(xhswire.StatusAwaitingReturn, xhswire.ReturnTypeReturn), returns.SlotNone},
		{"unknown state", returns.ActionApprove, &returns.Case{}, returns.SlotNone},
	}
	for _, tc := range tests {
		if got := a.BuyerMessageSlot(tc.action, tc.c); got != tc.want {
			t.Errorf("%s: slot %q, want %q", tc.name, got, tc.want)
		}
	}
}
