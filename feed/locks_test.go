package feed_test

import (
	"context"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/telemetry"
)

// An event written for a request names it; one written outside a request
// does not, and the caller's detail map is left as it was.
func TestWriteRecordsTheRequestID(t *testing.T) {
	l := newResumeLog(t)
	var locks feed.CaseLocks
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		id, requestID string
	}{{"R1", "req-1"}, {"R2", ""}} {
		c := &returns.Case{Platform: returns.XHS, PlatformCaseID: tc.id, ShopID: "shop", Status: returns.StatusRequested,
			Kind: returns.KindReturnAndRefund, Reason: returns.ReasonSizeFit, Market: returns.MarketDomestic, CreatedAt: at, UpdatedAt: at}
		ctx := context.Background()
		if tc.requestID != "" {
			ctx = telemetry.WithRequestID(ctx, tc.requestID)
		}
		detail := map[string]string{"action": "x"}
		r, err := locks.Write(ctx, l.st, orgA, c, store.Change{Source: returns.SourceMutation, Detail: detail}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Event.Detail["requestId"]; got != tc.requestID {
			t.Errorf("%s: event requestId %q, want %q", tc.id, got, tc.requestID)
		}
		if _, ok := detail["requestId"]; ok {
			t.Errorf("%s: the caller's detail map was modified", tc.id)
		}
	}
}
