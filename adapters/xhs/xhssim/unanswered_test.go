package xhssim

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
)

// A write carried out and left unanswered (a timeout, a dropped connection)
// has taken effect: the ledger shows the refund once, and repeating the call
// is refused by the case's status.
func TestAppliedWritesGoUnanswered(t *testing.T) {
	e := start(t, 1)
	for _, fault := range []FaultKind{FaultAppliedTimeout, FaultAppliedDrop} {
		t.Run(string(fault), func(t *testing.T) {
			id, err := e.srv.Open("xhs-domestic", OpenRequest{ReturnType: xhswire.ReturnTypeRefundAfterShip})
			if err != nil {
				t.Fatal(err)
			}
			e.srv.InjectFault(xhswire.MethodAuditReturns, fault, 1)
			ts := strconv.FormatInt(e.clock.now().Unix(), 10)
			body, _ := json.Marshal(map[string]any{"appId": appID, "timestamp": ts, "version": "2.0",
				"method": xhswire.MethodAuditReturns, "sign": signature(xhswire.MethodAuditReturns, appID, ts, "2.0", secret),
				"accessToken": "sandbox-token-domestic", "returnsId": id, "action": xhswire.AuditAgreeRefund})
			client := &http.Client{Timeout: 100 * time.Millisecond}
			began := time.Now()
			resp, err := client.Post(e.url, "application/json", bytes.NewReader(body))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("answered HTTP %d, want no answer", resp.StatusCode)
			}
			if fault == FaultAppliedDrop && time.Since(began) >= client.Timeout {
				t.Errorf("a dropped connection took the client's whole timeout: %v", err)
			}
			if i := e.info(id); i.Status != xhswire.StatusCompleted || i.RefundStatus != xhswire.RefundSucceeded {
				t.Fatalf("the unanswered write did not take effect: %+v", i)
			}
			if got := e.srv.Refunds(id); len(got) != 1 || got[0].Amount == "" || got[0].Currency != "CNY" {
				t.Fatalf("ledger = %+v, want one refund", got)
			}
			if a := e.call(xhswire.MethodAuditReturns, map[string]any{"returnsId": id, "action": xhswire.AuditAgreeRefund}); a.code() != xhswire.ErrStatusNotAllowed {
				t.Fatalf("the repeated write answered %+v, want a status refusal", a)
			}
			if got := e.srv.Refunds(id); len(got) != 1 {
				t.Fatalf("ledger after the repeat = %+v, want one refund", got)
			}
		})
	}
}
