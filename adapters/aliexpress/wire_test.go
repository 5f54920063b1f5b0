package aliexpress_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresswire"
	"github.com/returnsgw/returnsgw/returns"
)

// fakePlatform records every request and answers from a script per method.
type fakePlatform struct {
	t  *testing.T
	mu sync.Mutex
	// reqs are the requests received, in order.
	reqs []recorded
	// answers are queued raw bodies (and statuses) per method; when a queue
	// is empty the method's default answer is used.
	answers  map[string][]answer
	defaults map[string]any
}

type recorded struct {
	path, query, contentType string
	form                     map[string]string
}

type answer struct {
	status int
	body   string
}

func newFake(t *testing.T) (*fakePlatform, *httptest.Server) {
	f := &fakePlatform{t: t, answers: map[string][]answer{}, defaults: map[string]any{
		// An order without detail: the case's order facts are then missing.
		aliexpresswire.MethodFindOrderByID: aliexpresswire.FindOrderResponse{},
	}}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fakePlatform) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		f.t.Errorf("unreadable form: %v", err)
	}
	rec := recorded{path: r.URL.Path, query: r.URL.RawQuery, contentType: r.Header.Get("Content-Type"), form: map[string]string{}}
	for k, v := range r.PostForm {
		if len(v) != 1 {
			f.t.Errorf("parameter %s sent %d times", k, len(v))
		}
		rec.form[k] = v[0]
	}
	method := rec.form["method"]
	f.mu.Lock()
	f.reqs = append(f.reqs, rec)
	var a *answer
	if q := f.answers[method]; len(q) > 0 {
		a, f.answers[method] = &q[0], q[1:]
	}
	def := f.defaults[method]
	f.mu.Unlock()
	if a != nil {
		w.WriteHeader(a.status)
		_, _ = w.Write([]byte(a.body))
		return
	}
	if def == nil {
		f.t.Errorf("unexpected call of %q", method)
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	body, err := aliexpresswire.EncodeSuccess(method, def)
	if err != nil {
		f.t.Fatal(err)
	}
	_, _ = w.Write(body)
}

func (f *fakePlatform) queue(method string, status int, body string) {
	f.mu.Lock()
	f.answers[method] = append(f.answers[method], answer{status, body})
	f.mu.Unlock()
}

func (f *fakePlatform) calls(method string) []recorded {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []recorded
	for _, r := range f.reqs {
		if r.form["method"] == method {
			out = append(out, r)
		}
	}
	return out
}

const (
	testIssue  = "6345753109519425"
	testBuyer  = "br517204883kzae"
	testSecret = "fake-secret"
)

func fakeDetail(rds string) *aliexpresswire.IssueDetail {
	return &aliexpresswire.IssueDetail{
		ID: testIssue, OrderID: "8194715118461470", ParentOrderID: "8194715118451470", BuyerLoginID: testBuyer,
		GmtCreate: "2026-11-16 10:20:56", IssueStatus: aliexpresswire.IssueProcessing, IssueReason: "Quality problems",
		ReverseDetailStatus: rds, TimeoutType: aliexpresswire.TimeoutWaitSolution, TimeoutTriggerTime: "2026-11-21 10:20:56",
		RefundMoneyMax: "66.65", RefundMoneyMaxCurrency: "USD", RefundMoneyMaxLocal: "361.91", RefundMoneyMaxLocalCurrency: "BRL",
		ProductID: "1005003600816013", ProductName: "Cage", ProductPrice: "66.65", ProductPriceCurrency: "USD",
		BuyerSolutionList: aliexpresswire.SolutionList{{ID: "6010915445171470", IssueID: testIssue, SolutionOwner: "buyer",
			SolutionType: aliexpresswire.SolutionReturnAndRefund, Status: aliexpresswire.SolWaitSellerAccept, IsDefault: true,
			RefundMoney: "361.91", RefundMoneyCurrency: "BRL", RefundMoneyPost: "66.65", RefundMoneyPostCurrency: "USD",
			LogisticsFeeBearRole: "seller", GmtCreate: "2026-11-16 10:20:56", GmtModified: "2026-11-16 10:20:56"}},
	}
}

func fakeList() aliexpresswire.IssueListResponse {
	return aliexpresswire.IssueListResponse{CurrentPage: 1, PageSize: 50, TotalItem: 1, DataList: aliexpresswire.IssueList{{
		BuyerLoginID: testBuyer, GmtCreate: "2026-11-16 10:20:56", GmtModified: "2026-11-16 10:21:30", IssueID: testIssue,
		IssueStatus: aliexpresswire.IssueProcessing, OrderID: "8194715118461470", ParentOrderID: "8194715118451470",
		ReasonEnglish: "Quality problems", ReasonChinese: "质量问题"}}}
}

// tickingClock advances a millisecond-aligned second on every reading, so
// that every attempt is signed with a different timestamp.
type tickingClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *tickingClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

func newFakeAdapter(t *testing.T, srv *httptest.Server, now func() time.Time) *aliexpress.Adapter {
	t.Helper()
	a, err := aliexpress.New(aliexpress.Config{BaseURL: srv.URL, AppKey: "fake-key", AppSecret: testSecret,
		AccessToken: "fake-token", Shop: returns.Shop{ID: "ae-1"}, Policy: fastPolicy, Now: now, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// checkSystem asserts the gateway, the system parameters and the signature
// of a request, and returns its business parameters.
func checkSystem(t *testing.T, r recorded, method string, at time.Time) map[string]string {
	t.Helper()
	if r.path != "/sync" || r.query != "method="+url.QueryEscape(method) {
		t.Errorf("%s sent to %s?%s", method, r.path, r.query)
	}
	if r.contentType != "application/x-www-form-urlencoded;charset=utf-8" {
		t.Errorf("content type %q", r.contentType)
	}
	want := map[string]string{"app_key": "fake-key", "access_token": "fake-token", "sign_method": "sha256",
		"method": method, "v": "2.0", "format": "json", "simplify": "false"}
	if !at.IsZero() {
		want["timestamp"] = strconv.FormatInt(at.UnixMilli(), 10)
	}
	business := map[string]string{}
	for k, v := range r.form {
		w, sys := want[k]
		switch {
		case k == "sign" || (k == "timestamp" && at.IsZero()):
		case sys && v != w:
			t.Errorf("%s: %s = %q, want %q", method, k, v, w)
		case !sys:
			business[k] = v
		}
	}
	for k := range want {
		if _, ok := r.form[k]; !ok {
			t.Errorf("%s: system parameter %s missing", method, k)
		}
	}
	if got, want := r.form["sign"], aliexpress.Sign(testSecret, "", r.form); got != want {
		t.Errorf("%s: sign %s, want %s", method, got, want)
	}
	return business
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || v != w {
			return false
		}
	}
	return true
}

func TestRequestsCarryExactParametersAndSignature(t *testing.T) {
	f, srv := newFake(t)
	f.defaults[aliexpresswire.MethodIssueList] = fakeList()
	f.defaults[aliexpresswire.MethodIssueDetail] = aliexpresswire.IssueDetailResponse{ResultObject: fakeDetail(aliexpresswire.RDWaitSellerResponse)}
	f.defaults[aliexpresswire.MethodSolutionAgree] = aliexpresswire.ResultResponse{ResultObject: true}
	f.defaults[aliexpresswire.MethodSolutionSave] = aliexpresswire.ResultResponse{ResultObject: true}
	f.defaults[aliexpresswire.MethodSellerAddresses] = aliexpresswire.SellerAddressesResponse{ResultSuccess: true,
		RefundSellerAddressList: aliexpresswire.RefundAddressList{{AddressID: "900100201", Name: "A", IsDefault: "0"},
			{AddressID: "900100202", Name: "B", IsDefault: "1", StreetAddress: "Lagerstrasse 12", City: "Berlin", Country: "DE"}}}
	fixed := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	a := newFakeAdapter(t, srv, func() time.Time { return fixed })
	ctx := context.Background()

	if _, err := a.ListChanges(ctx, "", fixed); err != nil {
		t.Fatal(err)
	}
	c, err := a.GetCase(ctx, testIssue)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: c}); err != nil {
		t.Fatal(err)
	}
	half := returns.MustParseMoney("30.00", "USD")
	if _, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionOffer, Case: c, Amount: &half, Note: "Half back, keep it"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionReject, Case: c, Note: "Used and worn"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		method string
		n      int // which call of the method
		want   map[string]string
	}{
		{aliexpresswire.MethodIssueList, 0, map[string]string{"query_dto": `{"current_page":1,"page_size":50}`}},
		{aliexpresswire.MethodIssueDetail, 0, map[string]string{"issue_id": testIssue, "buyer_login_id": testBuyer}},
		{aliexpresswire.MethodSellerAddresses, 0, map[string]string{"seller_address_query": "refund"}},
		{aliexpresswire.MethodSolutionAgree, 0, map[string]string{"issue_id": testIssue, "solution_id": "6010915445171470",
			"buyer_login_id": testBuyer, "return_address_id": "900100202"}},
		{aliexpresswire.MethodSolutionSave, 0, map[string]string{"param_dto": `{"add_seller_solution":true,` +
			`"add_solution_type":"refund","buyer_login_id":"br517204883kzae","buyer_solution_id":6010915445171470,` +
			`"issue_id":6345753109519425,"refund_amount":"30.00","refund_amount_currency":"USD","solution_context":"Half back, keep it"}`}},
		{aliexpresswire.MethodSolutionSave, 1, map[string]string{"param_dto": `{"add_seller_solution":true,` +
			`"add_solution_type":"refund","buyer_login_id":"br517204883kzae","buyer_solution_id":6010915445171470,` +
			`"issue_id":6345753109519425,"refund_amount":"0.00","refund_amount_currency":"USD","solution_context":"Used and worn"}`}},
	}
	for _, tt := range tests {
		calls := f.calls(tt.method)
		if len(calls) <= tt.n {
			t.Errorf("%s called %d times", tt.method, len(calls))
			continue
		}
		got := checkSystem(t, calls[tt.n], tt.method, fixed)
		if !equalMaps(got, tt.want) {
			t.Errorf("%s #%d business parameters\n got %v\nwant %v", tt.method, tt.n, got, tt.want)
		}
	}
}

func TestReadIsRetriedAndSignedAfresh(t *testing.T) {
	f, srv := newFake(t)
	f.defaults[aliexpresswire.MethodIssueDetail] = aliexpresswire.IssueDetailResponse{ResultObject: fakeDetail(aliexpresswire.RDWaitSellerResponse)}
	f.queue(aliexpresswire.MethodIssueDetail, http.StatusInternalServerError, "<html>oops</html>")
	f.queue(aliexpresswire.MethodIssueDetail, http.StatusOK, `{"not":"an envelope"}`)
	clock := &tickingClock{t: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)}
	a := newFakeAdapter(t, srv, clock.Now)
	c := &returns.Case{PlatformCaseID: testIssue, BuyerID: testBuyer}
	if _, err := a.Negotiation(context.Background(), c); err != nil {
		t.Fatalf("a read that failed twice and then succeeded: %v", err)
	}
	calls := f.calls(aliexpresswire.MethodIssueDetail)
	if len(calls) != 3 {
		t.Fatalf("detail called %d times, want 3 (two failures retried)", len(calls))
	}
	stamps := map[string]bool{}
	for _, r := range calls {
		checkSystem(t, r, aliexpresswire.MethodIssueDetail, time.Time{})
		stamps[r.form["timestamp"]] = true
	}
	if len(stamps) != 3 {
		t.Errorf("retries reused a timestamp: %v", stamps)
	}
}

// caseOf normalizes a fake detail into the case the gateway would hold.
func caseOf(t *testing.T, d *aliexpresswire.IssueDetail) *returns.Case {
	t.Helper()
	c, _, err := aliexpress.Normalize(d, aliexpress.Listed{}, aliexpress.Env{Shop: returns.Shop{ID: "ae-1"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWriteIsNeverRepeatedAfterAmbiguousFailure(t *testing.T) {
	for _, tt := range []struct {
		name   string
		status int
		body   string
	}{
		{"HTTP500", http.StatusInternalServerError, "<html>500</html>"},
		{"TruncatedAnswer", http.StatusOK, `{"aliexpress_issue_solution_agree_response":{"result_obj`},
		{"SystemError", http.StatusOK, `{"error_response":{"code":"isp.system-error","msg":"System error","request_id":"x"}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.queue(aliexpresswire.MethodSolutionAgree, tt.status, tt.body)
			a := newFakeAdapter(t, srv, time.Now)
			c := caseOf(t, fakeDetail(aliexpresswire.RDWaitSellerResponse))
			_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionApprove, Case: c, ReturnAddressID: "900100202"})
			if code := returns.ErrorCodeOf(err); code != returns.CodePlatformUnavailable {
				t.Fatalf("Perform = %v (%s), want PLATFORM_UNAVAILABLE", err, code)
			}
			var pe *adapters.PlatformError
			if !errors.As(err, &pe) || !pe.Ambiguous {
				t.Errorf("the failure is not marked ambiguous: %#v", err)
			}
			if n := len(f.calls(aliexpresswire.MethodSolutionAgree)); n != 1 {
				t.Errorf("solution.agree sent %d times, want exactly 1", n)
			}
			if n := len(f.calls(aliexpresswire.MethodIssueDetail)); n != 0 {
				t.Errorf("the case was read back %d times after a failed write", n)
			}
		})
	}
}

func TestThrottlingIsRetriedForReadsAndWrites(t *testing.T) {
	const throttled = `{"error_response":{"code":"ApiCallLimit","msg":"The request has failed due to api call limit",` +
		`"sub_msg":"This ban will last 1 more seconds","request_id":"x"}}`
	f, srv := newFake(t)
	f.defaults[aliexpresswire.MethodIssueList] = fakeList()
	f.defaults[aliexpresswire.MethodIssueDetail] = aliexpresswire.IssueDetailResponse{ResultObject: fakeDetail(aliexpresswire.RDWaitSellerResponse)}
	f.defaults[aliexpresswire.MethodSolutionAgree] = aliexpresswire.ResultResponse{ResultObject: true}
	f.queue(aliexpresswire.MethodIssueList, http.StatusOK, throttled)
	f.queue(aliexpresswire.MethodSolutionAgree, http.StatusOK, throttled)
	a := newFakeAdapter(t, srv, time.Now)
	ctx := context.Background()
	if _, err := a.ListChanges(ctx, "", time.Now()); err != nil {
		t.Fatalf("throttled read not retried: %v", err)
	}
	if n := len(f.calls(aliexpresswire.MethodIssueList)); n != 2 {
		t.Errorf("issuelist.get sent %d times, want 2", n)
	}
	c := caseOf(t, fakeDetail(aliexpresswire.RDWaitSellerResponse))
	res, err := a.Perform(ctx, returns.ActionRequest{Action: returns.ActionApprove, Case: c, ReturnAddressID: "900100202"})
	if err != nil {
		t.Fatalf("throttled write not retried: %v", err)
	}
	if n := len(f.calls(aliexpresswire.MethodSolutionAgree)); n != 2 {
		t.Errorf("solution.agree sent %d times, want 2 (the throttled attempt was not processed)", n)
	}
	if res.Case == nil || res.Expected != returns.StatusAwaitingBuyerShipment {
		t.Errorf("result %+v", res)
	}
}

func TestPlatformErrorsAreTyped(t *testing.T) {
	tests := []struct {
		name string
		body string
		kind adapters.ErrorKind
		code returns.ErrorCode
	}{
		{"BadSignature", `{"error_response":{"code":"IncompleteSignature","msg":"The request signature does not conform to platform standards","request_id":"1"}}`,
			adapters.KindAuth, returns.CodePlatformUnavailable},
		{"ExpiredToken", `{"error_response":{"code":"IllegalAccessToken","msg":"The specified access token is invalid or expired","request_id":"1"}}`,
			adapters.KindAuth, returns.CodePlatformUnavailable},
		{"LegacyInvalidSession", `{"error_response":{"code":27,"msg":"Invalid session","request_id":"1"}}`,
			adapters.KindAuth, returns.CodePlatformUnavailable},
		{"Throttled", `{"error_response":{"code":"ApiCallLimit","msg":"api call limit","request_id":"1"}}`,
			adapters.KindRateLimited, returns.CodePlatformUnavailable},
		{"MissingParameter", `{"error_response":{"code":"MissingParameter","msg":"The input parameter issue_id is not supplied","request_id":"1"}}`,
			adapters.KindInvalid, returns.CodePlatformRejected},
		{"IssueNotFound", `{"error_response":{"code":"15","msg":"Remote service error","sub_code":"isv.issue_not_exist","sub_msg":"The issue does not exist","request_id":"1"}}`,
			adapters.KindNotFound, returns.CodeNotFound},
		{"StatusNotAllowed", `{"error_response":{"code":15,"msg":"Remote service error","sub_code":"isv.issue_status_not_allowed","sub_msg":"The issue status does not allow this operation","request_id":"1"}}`,
			adapters.KindState, returns.CodeInvalidState},
		{"SystemError", `{"error_response":{"code":"isp.system-error","msg":"System error","request_id":"1"}}`,
			adapters.KindUnavailable, returns.CodePlatformUnavailable},
		{"ErrorWithHTTP400", `{"error_response":{"code":"InvalidParameter","msg":"page_size","request_id":"1"}}`,
			adapters.KindInvalid, returns.CodePlatformRejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := newFake(t)
			status := http.StatusOK
			if tt.name == "ErrorWithHTTP400" {
				status = http.StatusBadRequest
			}
			for i := 0; i < 5; i++ {
				f.queue(aliexpresswire.MethodIssueDetail, status, tt.body)
			}
			a := newFakeAdapter(t, srv, time.Now)
			_, err := a.Negotiation(context.Background(), &returns.Case{PlatformCaseID: testIssue, BuyerID: testBuyer})
			var pe *adapters.PlatformError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *adapters.PlatformError", err)
			}
			if pe.Kind != tt.kind {
				t.Errorf("kind %s, want %s (%v)", pe.Kind, tt.kind, err)
			}
			if code := returns.ErrorCodeOf(err); code != tt.code {
				t.Errorf("code %s, want %s", code, tt.code)
			}
			if pe.Code == "" || pe.Message == "" {
				t.Errorf("the platform's code and message were not kept: %+v", pe)
			}
		})
	}
}

func TestEnvelopeResultFalseIsARefusal(t *testing.T) {
	f, srv := newFake(t)
	f.defaults[aliexpresswire.MethodSolutionSave] = aliexpresswire.ResultResponse{ResultObject: false}
	a := newFakeAdapter(t, srv, time.Now)
	c := caseOf(t, fakeDetail(aliexpresswire.RDWaitSellerResponse))
	_, err := a.Perform(context.Background(), returns.ActionRequest{Action: returns.ActionReject, Case: c, Note: "no"})
	if code := returns.ErrorCodeOf(err); code != returns.CodePlatformRejected {
		t.Errorf("result_object false = %v (%s), want PLATFORM_REJECTED", err, code)
	}
}
