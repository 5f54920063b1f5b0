package aliexpresssim_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
)

var start = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func newSim(t *testing.T, o aliexpresssim.Options) (*aliexpresssim.Server, string) {
	t.Helper()
	if o.Now == nil {
		o.Now = func() time.Time { return start }
	}
	s := aliexpresssim.New(o)
	u, err := s.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, u
}

// sign is the test's own implementation of the documented algorithm.
func sign(secret string, p url.Values) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + p.Get(k))
	}
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(m.Sum(nil)))
}

type reply struct {
	status int
	env    map[string]json.RawMessage
	err    *aliexpresswire.ErrorResponse
}

// call sends a signed request; edit may change the parameters after signing.
func call(t *testing.T, s *aliexpresssim.Server, base, method string, business map[string]string, edit func(url.Values)) reply {
	t.Helper()
	p := url.Values{"app_key": {s.AppKey()}, "access_token": {s.AccessToken()}, "sign_method": {"sha256"},
		"timestamp": {strconv.FormatInt(start.UnixMilli(), 10)}, "method": {method}, "v": {"2.0"}, "format": {"json"},
		"simplify": {"false"}}
	for k, v := range business {
		p.Set(k, v)
	}
	p.Set("sign", sign(s.AppSecret(), p))
	if edit != nil {
		edit(p)
	}
	resp, err := http.Post(base+"/sync?method="+url.QueryEscape(method), "application/x-www-form-urlencoded", strings.NewReader(p.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	r := reply{status: resp.StatusCode}
	if json.Unmarshal(body, &r.env) == nil {
		if raw, ok := r.env["error_response"]; ok {
			r.err = &aliexpresswire.ErrorResponse{}
			_ = json.Unmarshal(raw, r.err)
		}
	}
	return r
}

func detailParams(s *aliexpresssim.Server, id string) map[string]string {
	return map[string]string{"issue_id": id, "buyer_login_id": s.BuyerOf(id)}
}

func TestAuthenticationErrorsComeWithHTTP200(t *testing.T) {
	s, base := newSim(t, aliexpresssim.Options{Seed: 1, Cases: 5})
	id := s.CaseIDs()[0]
	tests := []struct {
		name string
		edit func(url.Values)
		code string
	}{
		{"Valid", nil, ""},
		{"TamperedParameter", func(p url.Values) { p.Set("issue_id", s.CaseIDs()[1]) }, "IncompleteSignature"},
		{"WrongSecret", func(p url.Values) { p.Set("sign", sign("other", p)) }, "IncompleteSignature"},
		{"StaleTimestamp", func(p url.Values) {
			p.Set("timestamp", strconv.FormatInt(start.Add(-2*time.Hour-time.Second).UnixMilli(), 10))
			p.Set("sign", sign(s.AppSecret(), p))
		}, "InvalidTimestamp"},
		{"TimestampWithinWindow", func(p url.Values) {
			p.Set("timestamp", strconv.FormatInt(start.Add(-2*time.Hour+time.Second).UnixMilli(), 10))
			p.Set("sign", sign(s.AppSecret(), p))
		}, ""},
		{"WrongToken", func(p url.Values) { p.Set("access_token", "stolen"); p.Set("sign", sign(s.AppSecret(), p)) }, "IllegalAccessToken"},
		{"WrongAppKey", func(p url.Values) { p.Set("app_key", "other"); p.Set("sign", sign(s.AppSecret(), p)) }, "InvalidAppKey"},
		{"MD5SignMethod", func(p url.Values) { p.Set("sign_method", "md5"); p.Set("sign", sign(s.AppSecret(), p)) }, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, base, aliexpresswire.MethodIssueDetail, detailParams(s, id), tt.edit)
			if r.status != http.StatusOK {
				t.Errorf("HTTP %d", r.status)
			}
			got := ""
			if r.err != nil {
				got = string(r.err.Code)
				if r.err.RequestID == "" {
					t.Error("error without request_id")
				}
			} else if _, ok := r.env[aliexpresswire.ResponseKey(aliexpresswire.MethodIssueDetail)]; !ok {
				t.Errorf("no success wrapper: %v", r.env)
			}
			if got != tt.code {
				t.Errorf("error code %q, want %q", got, tt.code)
			}
		})
	}
}

func TestParametersAreEnforced(t *testing.T) {
	s, base := newSim(t, aliexpresssim.Options{Seed: 1, Cases: 60})
	id := s.CaseIDs()[0]
	tests := []struct {
		name     string
		method   string
		params   map[string]string
		code     string
		sub      string
		wantPage int
	}{
		{"PageOf50", aliexpresswire.MethodIssueList, map[string]string{"query_dto": `{"current_page":2,"page_size":50}`}, "", "", 10},
		{"PageOf51", aliexpresswire.MethodIssueList, map[string]string{"query_dto": `{"current_page":1,"page_size":51}`}, "InvalidParameter", "", 0},
		{"NoQuery", aliexpresswire.MethodIssueList, nil, "MissingParameter", "", 0},
		{"QueryNotJSON", aliexpresswire.MethodIssueList, map[string]string{"query_dto": `page=1`}, "InvalidParameter", "", 0},
		{"DetailWithoutBuyer", aliexpresswire.MethodIssueDetail, map[string]string{"issue_id": id}, "MissingParameter", "", 0},
		{"DetailOfAnotherBuyer", aliexpresswire.MethodIssueDetail, map[string]string{"issue_id": id, "buyer_login_id": "someone"}, "15", "isv.issue_not_exist", 0},
		{"UnknownIssue", aliexpresswire.MethodIssueDetail, map[string]string{"issue_id": "999", "buyer_login_id": "x"}, "15", "isv.issue_not_exist", 0},
		{"UnknownMethod", "aliexpress.issue.unknown.get", nil, "InvalidApiPath", "", 0},
		{"AddressesWithoutQuery", aliexpresswire.MethodSellerAddresses, nil, "MissingParameter", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := call(t, s, base, tt.method, tt.params, nil)
			var code, sub string
			if r.err != nil {
				code, sub = string(r.err.Code), string(r.err.SubCode)
			}
			if code != tt.code || sub != tt.sub {
				t.Fatalf("error %q/%q, want %q/%q", code, sub, tt.code, tt.sub)
			}
			if tt.wantPage > 0 {
				var resp aliexpresswire.IssueListResponse
				if err := json.Unmarshal(r.env[aliexpresswire.ResponseKey(tt.method)], &resp); err != nil {
					t.Fatal(err)
				}
				if len(resp.DataList) != tt.wantPage || resp.TotalItem != 60 || resp.CurrentPage != 2 {
					t.Errorf("page: %d items of %d, page %d", len(resp.DataList), resp.TotalItem, resp.CurrentPage)
				}
			}
		})
	}
}

func TestActionPreconditions(t *testing.T) {
	s, base := newSim(t, aliexpresssim.Options{Seed: 1, Cases: 5})
	refund, _ := s.Open(aliexpresssim.OpenRequest{})
	ret, _ := s.Open(aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund})
	d, _ := s.Detail(refund)
	refundSol := d.BuyerSolutionList[0].ID.String()
	d, _ = s.Detail(ret)
	retSol := d.BuyerSolutionList[0].ID.String()
	save := func(id, buyerSol, amount, typ string) map[string]string {
		b, _ := json.Marshal(map[string]any{"add_seller_solution": true, "issue_id": json.Number(id), "buyer_login_id": s.BuyerOf(id),
			"buyer_solution_id": json.Number(buyerSol), "refund_amount": amount, "refund_amount_currency": "USD",
			"add_solution_type": typ, "solution_context": "counter"})
		return map[string]string{"param_dto": string(b)}
	}
	agree := func(id, sol, addr string) map[string]string {
		p := map[string]string{"issue_id": id, "buyer_login_id": s.BuyerOf(id), "solution_id": sol}
		if addr != "" {
			p["return_address_id"] = addr
		}
		return p
	}
	steps := []struct {
		name, method string
		params       map[string]string
		code, sub    string
	}{
		{"AgreeReturnWithoutAddress", aliexpresswire.MethodSolutionAgree, agree(ret, retSol, ""), "MissingParameter", ""},
		{"AgreeReturnUnknownAddress", aliexpresswire.MethodSolutionAgree, agree(ret, retSol, "1"), "InvalidParameter", ""},
		{"AgreeWrongSolution", aliexpresswire.MethodSolutionAgree, agree(ret, refundSol, s.DefaultAddressID()), "InvalidParameter", ""},
		{"SaveMoreThanMax", aliexpresswire.MethodSolutionSave, save(refund, refundSol, "1000.00", "refund"), "InvalidParameter", ""},
		{"SaveReturnWithoutAddress", aliexpresswire.MethodSolutionSave, save(refund, refundSol, "1.00", "return_and_refund"), "MissingParameter", ""},
		{"SaveCounter", aliexpresswire.MethodSolutionSave, save(refund, refundSol, "1.00", "refund"), "", ""},
		{"SaveSecondCounter", aliexpresswire.MethodSolutionSave, save(refund, refundSol, "2.00", "refund"), "15", "isv.issue_status_not_allowed"},
		{"AgreeRefund", aliexpresswire.MethodSolutionAgree, agree(refund, refundSol, ""), "", ""},
		{"AgreeAgain", aliexpresswire.MethodSolutionAgree, agree(refund, refundSol, ""), "15", "isv.issue_status_not_allowed"},
		{"SaveAfterFinish", aliexpresswire.MethodSolutionSave, save(refund, refundSol, "1.00", "refund"), "15", "isv.issue_status_not_allowed"},
		{"AgreeReturn", aliexpresswire.MethodSolutionAgree, agree(ret, retSol, s.DefaultAddressID()), "", ""},
		{"SaveWhileAwaitingReturn", aliexpresswire.MethodSolutionSave, save(ret, retSol, "1.00", "refund"), "15", "isv.issue_status_not_allowed"},
	}
	for _, st := range steps {
		r := call(t, s, base, st.method, st.params, nil)
		var code, sub string
		if r.err != nil {
			code, sub = string(r.err.Code), string(r.err.SubCode)
		}
		if code != st.code || sub != st.sub {
			t.Errorf("%s: error %q/%q, want %q/%q", st.name, code, sub, st.code, st.sub)
		}
	}
	d, _ = s.Detail(refund)
	if d.IssueStatus != aliexpresswire.IssueFinish || d.ReverseDetailStatus != aliexpresswire.RDRefundSuccess {
		t.Errorf("agreed refund is %s/%s", d.IssueStatus, d.ReverseDetailStatus)
	}
	d, _ = s.Detail(ret)
	if d.IssueStatus != aliexpresswire.IssueProcessing || d.ReverseDetailStatus != aliexpresswire.RDWaitBuyerReturn || s.ReturnAddressOf(ret) != s.DefaultAddressID() {
		t.Errorf("agreed return is %s/%s to %s", d.IssueStatus, d.ReverseDetailStatus, s.ReturnAddressOf(ret))
	}
}

func TestSeedIsDeterministicAndSpread(t *testing.T) {
	a := aliexpresssim.New(aliexpresssim.Options{Seed: 42, Now: func() time.Time { return start }})
	b := aliexpresssim.New(aliexpresssim.Options{Seed: 42, Now: func() time.Time { return start }})
	c := aliexpresssim.New(aliexpresssim.Options{Seed: 43, Now: func() time.Time { return start }})
	ids := a.CaseIDs()
	if len(ids) != 120 || !reflect.DeepEqual(ids, b.CaseIDs()) {
		t.Fatalf("ids differ between two simulators of one seed (%d)", len(ids))
	}
	same, ambiguous := true, 0
	for _, id := range ids {
		da, _ := a.Detail(id)
		db, _ := b.Detail(id)
		dc, _ := c.Detail(id)
		if !reflect.DeepEqual(da, db) {
			t.Fatalf("issue %s differs between two simulators of one seed", id)
		}
		same = same && reflect.DeepEqual(da, dc)
		created, err := time.ParseInLocation(aliexpresswire.TimeLayout, da.GmtCreate, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		// Within the last 28 days of the clock (wall time read loosely as UTC±8h).
		if created.Before(start.Add(-28*24*time.Hour-8*time.Hour)) || created.After(start) {
			t.Errorf("%s created %s, outside the last 28 days", id, da.GmtCreate)
		}
		for _, p := range da.ProcessDtoList {
			if strings.HasPrefix(p.GmtCreate, "2026-11-01 01:") {
				ambiguous++
			}
		}
	}
	if same {
		t.Error("another seed gave the same issues")
	}
	if ambiguous == 0 {
		t.Error("no seeded time falls in the repeated hour of 1 November")
	}
}

func TestFaultsAndCalls(t *testing.T) {
	s, base := newSim(t, aliexpresssim.Options{Seed: 1, Cases: 5})
	id := s.CaseIDs()[0]
	s.InjectFault(aliexpresswire.MethodIssueDetail, aliexpresssim.FaultThrottle, 2)
	for i, want := range []string{"ApiCallLimit", "ApiCallLimit", "", ""} {
		r := call(t, s, base, aliexpresswire.MethodIssueDetail, detailParams(s, id), nil)
		got := ""
		if r.err != nil {
			got = string(r.err.Code)
		}
		if got != want {
			t.Errorf("detail call %d: %q, want %q", i, got, want)
		}
	}
	s.InjectFault(aliexpresssim.AnyMethod, aliexpresssim.FaultAuth, 1)
	if r := call(t, s, base, aliexpresswire.MethodSellerAddresses, map[string]string{"seller_address_query": "refund"}, nil); r.err == nil || r.err.Code != "IllegalAccessToken" {
		t.Errorf("auth fault on any method: %+v", r.err)
	}
	if n := s.Calls(aliexpresswire.MethodIssueDetail); n != 4 {
		t.Errorf("Calls(detail) = %d, want 4", n)
	}

	s.InjectFault(aliexpresswire.MethodIssueDetail, aliexpresssim.FaultHTTP500, 1)
	if r := call(t, s, base, aliexpresswire.MethodIssueDetail, detailParams(s, id), nil); r.status != http.StatusInternalServerError {
		t.Errorf("HTTP 500 fault gave %d", r.status)
	}
	// A malformed answer comes after the request was carried out.
	open, _ := s.Open(aliexpresssim.OpenRequest{})
	d, _ := s.Detail(open)
	s.InjectFault(aliexpresswire.MethodSolutionAgree, aliexpresssim.FaultMalformed, 1)
	r := call(t, s, base, aliexpresswire.MethodSolutionAgree, map[string]string{"issue_id": open, "buyer_login_id": s.BuyerOf(open),
		"solution_id": d.BuyerSolutionList[0].ID.String()}, nil)
	if r.env != nil {
		t.Errorf("malformed fault gave a readable body")
	}
	if d, _ := s.Detail(open); d.IssueStatus != aliexpresswire.IssueFinish {
		t.Errorf("the request behind a malformed answer was not carried out: %s", d.IssueStatus)
	}

	s.SetDown(true)
	if r := call(t, s, base, aliexpresswire.MethodIssueDetail, detailParams(s, id), nil); r.status != http.StatusServiceUnavailable {
		t.Errorf("down: HTTP %d", r.status)
	}
	s.SetDown(false)

	s.SetLatency(time.Minute)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/sync", strings.NewReader(""))
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("a minute of latency answered within 100 ms")
	}
	s.SetLatency(0)
}

func TestBuyerMoves(t *testing.T) {
	var changed []string
	s := aliexpresssim.New(aliexpresssim.Options{Seed: 1, Cases: 5, Now: func() time.Time { return start },
		OnChange: func(id string) { changed = append(changed, id) }})
	id, err := s.Open(aliexpresssim.OpenRequest{SolutionType: aliexpresswire.SolutionReturnAndRefund, Currency: "EUR", LocalCurrency: "JPY", BearRole: "buyer"})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := s.Detail(id)
	if d.RefundMoneyMaxCurrency != "EUR" || d.RefundMoneyMaxLocalCurrency != "JPY" || strings.Contains(string(d.RefundMoneyMaxLocal), ".") {
		t.Errorf("currencies: %s %s %s", d.RefundMoneyMaxCurrency, d.RefundMoneyMaxLocal, d.RefundMoneyMaxLocalCurrency)
	}
	if err := s.Ship(id, "DHL", "123"); err == nil {
		t.Error("shipped before the seller agreed")
	}
	if err := s.Touch(id); err != nil {
		t.Fatal(err)
	}
	if err := s.Escalate(id); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(id); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(id); err == nil {
		t.Error("cancelled twice")
	}
	if _, err := s.Open(aliexpresssim.OpenRequest{Amount: "9999.00"}); err == nil {
		t.Error("opened for more than the price")
	}
	if err := s.Touch("1"); err != aliexpresssim.ErrNoIssue {
		t.Errorf("Touch(unknown) = %v", err)
	}
	raw, err := s.InjectUnknownStatus(id)
	if err != nil || raw != "processing/"+aliexpresssim.UnknownReverseStatus {
		t.Errorf("InjectUnknownStatus = %q, %v", raw, err)
	}
	if len(changed) != 5 {
		t.Errorf("OnChange called %d times (%v), want 5", len(changed), changed)
	}
	if s.Catalog()("1005002456789012") != "HYGIENE" || s.Catalog()("unknown") != "GENERAL" {
		t.Error("catalog categories")
	}
}
