package alibabasim

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// Alibaba.com's API only reads, so a call left unanswered (a timeout, a
// dropped connection) changes nothing; the next call answers as before.
func TestUnansweredReadsChangeNothing(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Cases: 5})
	c := newClient(t, s)
	trade := strings.Split(s.CaseIDs()[0], "-")[0]
	for _, fault := range []FaultKind{FaultAppliedTimeout, FaultAppliedDrop} {
		t.Run(string(fault), func(t *testing.T) {
			s.InjectFault(alibabawire.MethodOrderGet, fault, 1)
			client := &http.Client{Timeout: 100 * time.Millisecond}
			began := time.Now()
			resp, err := client.PostForm(c.srv.URL+alibabawire.RouterPath, c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": trade}))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("answered HTTP %d, want no answer", resp.StatusCode)
			}
			if fault == FaultAppliedDrop && time.Since(began) >= client.Timeout {
				t.Errorf("a dropped connection took the client's whole timeout: %v", err)
			}
			if st, env := c.post(c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": trade})); st != 200 || env[alibabawire.ResponseKey(alibabawire.MethodOrderGet)] == nil {
				t.Fatalf("after the fault: HTTP %d %v", st, env)
			}
		})
	}
}

// The ledger enters a refund once, when the seller centre pays it: at the
// approval of a refund-only request, or at the refund after a return.
func TestLedgerEntersEachRefundOnce(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Cases: 40})
	only, err := s.Open(OpenRequest{Reason: "Quality issues"})
	if err != nil {
		t.Fatal(err)
	}
	ret, err := s.Open(OpenRequest{ReturnGoods: true, Reason: "Wrong products received"})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		id     string
		action returns.Action
	}{{only, returns.ActionApprove}, {only, returns.ActionRefund}, {ret, returns.ActionApprove}} {
		if err := s.SellerCentre(step.id, step.action); err != nil {
			t.Fatalf("%s %s: %v", step.id, step.action, err)
		}
	}
	if err := s.Ship(ret, "UPS", "1Z1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SellerCentre(ret, returns.ActionConfirmReceipt); err != nil {
		t.Fatal(err)
	}
	if len(s.Refunds(ret)) != 0 {
		t.Fatalf("a return is refunded before the refund: %+v", s.Refunds(ret))
	}
	if err := s.SellerCentre(ret, returns.ActionRefund); err != nil {
		t.Fatal(err)
	}
	if err := s.SellerCentre(ret, returns.ActionRefund); err == nil {
		t.Fatal("a second refund was allowed")
	}
	for _, id := range []string{only, ret} {
		if got := s.Refunds(id); len(got) != 1 || got[0].Amount == "" || got[0].Currency == "" {
			t.Errorf("ledger of %s = %+v, want one refund", id, got)
		}
	}
}
