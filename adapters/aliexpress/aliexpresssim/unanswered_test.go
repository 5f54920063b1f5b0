package aliexpresssim_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
)

// A write carried out and left unanswered (a timeout, a dropped connection)
// has taken effect: the ledger shows the refund once, and repeating the call
// is refused by the issue's status.
func TestAppliedWritesGoUnanswered(t *testing.T) {
	s, base := newSim(t, aliexpresssim.Options{Seed: 1, Cases: 5})
	for _, fault := range []aliexpresssim.FaultKind{aliexpresssim.FaultAppliedTimeout, aliexpresssim.FaultAppliedDrop} {
		t.Run(string(fault), func(t *testing.T) {
			id, err := s.Open(aliexpresssim.OpenRequest{})
			if err != nil {
				t.Fatal(err)
			}
			d, _ := s.Detail(id)
			agree := map[string]string{"issue_id": id, "buyer_login_id": s.BuyerOf(id), "solution_id": d.BuyerSolutionList[0].ID.String()}
			s.InjectFault(aliexpresswire.MethodSolutionAgree, fault, 1)
			p := url.Values{"app_key": {s.AppKey()}, "access_token": {s.AccessToken()}, "sign_method": {"sha256"},
				"timestamp": {strconv.FormatInt(start.UnixMilli(), 10)}, "method": {aliexpresswire.MethodSolutionAgree},
				"v": {"2.0"}, "format": {"json"}, "simplify": {"false"}}
			for k, v := range agree {
				p.Set(k, v)
			}
			p.Set("sign", sign(s.AppSecret(), p))
			client := &http.Client{Timeout: 100 * time.Millisecond}
			began := time.Now()
			resp, err := client.Post(base+"/sync?method="+aliexpresswire.MethodSolutionAgree, "application/x-www-form-urlencoded", strings.NewReader(p.Encode()))
			if err == nil {
				resp.Body.Close()
				t.Fatalf("answered HTTP %d, want no answer", resp.StatusCode)
			}
			if fault == aliexpresssim.FaultAppliedDrop && time.Since(began) >= client.Timeout {
				t.Errorf("a dropped connection took the client's whole timeout: %v", err)
			}
			if d, _ := s.Detail(id); d.IssueStatus != aliexpresswire.IssueFinish || d.ReverseDetailStatus != aliexpresswire.RDRefundSuccess {
				t.Fatalf("the unanswered write did not take effect: %s/%s", d.IssueStatus, d.ReverseDetailStatus)
			}
			if got := s.Refunds(id); len(got) != 1 || got[0].Currency != "USD" || got[0].Amount == "" {
				t.Fatalf("ledger = %+v, want one refund", got)
			}
			if r := call(t, s, base, aliexpresswire.MethodSolutionAgree, agree, nil); r.err == nil || string(r.err.SubCode) != "isv.issue_status_not_allowed" {
				t.Fatalf("the repeated write answered %+v, want a status refusal", r.err)
			}
			if got := s.Refunds(id); len(got) != 1 {
				t.Fatalf("ledger after the repeat = %+v, want one refund", got)
			}
		})
	}
}
