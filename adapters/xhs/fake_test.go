package xhs

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// fakeNow is the fixed clock of the wire tests: unix 1795167000.
var fakeNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// reply is one scripted answer of the fake platform.
type reply struct {
	status int
	body   string
}

// fakePlatform records every request body and answers from a script per
// method (the last reply repeats), or with a success without data.
type fakePlatform struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	bodies  []map[string]any
	methods []string
	script  map[string][]reply
}

func newFake(t *testing.T) *fakePlatform {
	f := &fakePlatform{t: t, script: map[string][]reply{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakePlatform) on(method string, rs ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script[method] = rs
}

func (f *fakePlatform) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil {
		f.t.Errorf("request body is not a JSON object: %s", b)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json;charset=utf-8" || r.Method != http.MethodPost {
		f.t.Errorf("request %s with Content-Type %q", r.Method, ct)
	}
	method, _ := body["method"].(string)
	f.mu.Lock()
	f.bodies = append(f.bodies, body)
	f.methods = append(f.methods, method)
	rs := f.script[method]
	rp := reply{200, `{"success":true,"error_code":0}`}
	if len(rs) > 0 {
		rp = rs[0]
		if len(rs) > 1 {
			f.script[method] = rs[1:]
		}
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(rp.status)
	_, _ = io.WriteString(w, rp.body)
}

// count is how many requests reached the fake.
func (f *fakePlatform) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.bodies)
}

// requests returns the bodies of the requests that named method.
func (f *fakePlatform) requests(method string) []map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []map[string]any
	for i, m := range f.methods {
		if m == method {
			out = append(out, f.bodies[i])
		}
	}
	return out
}

// newFakeAdapter is an adapter for the fake platform with a fixed clock
// unless now is given.
func newFakeAdapter(t *testing.T, f *fakePlatform, now func() time.Time) *Adapter {
	t.Helper()
	if now == nil {
		now = func() time.Time { return fakeNow }
	}
	a, err := New(Config{
		BaseURL: f.srv.URL + "/ark/open_api/v3/common_controller", AppID: testAppID, AppSecret: testSecret,
		AccessToken: "token-1", Shop: returns.Shop{ID: "shop-1", Market: returns.MarketDomestic},
		Policy: testPolicy, Now: now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		SweepHorizon: -1, // the request tests expect the backfill first
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// okData is a successful envelope of the newer layer around data.
func okData(data string) reply {
	return reply{200, `{"code":0,"msg":"成功","success":true,"data":` + data + `}`}
}

// caseJSON is a getAfterSaleInfo answer for a case in the status and type.
func caseJSON(id string, status, returnType int) reply {
	return okData(`{"afterSaleInfo":{"returnsId":"` + id + `","returnType":` + strconv.Itoa(returnType) + `,"reasonId":101,
		"reasonNameZh":"七天无理由退换货","status":` + strconv.Itoa(status) + `,"userId":"5f3c2a9b8e7d6c5b4a392817",
		"orderId":"P790200000000013425","applyTime":1795145400000,"updatedAt":1795145400000,"expireTime":-1,
		"skus":[{"skuId":"65010000000001","skuName":"纯棉宽松短袖T恤","price":129.9,"boughtCount":1,"appliedCount":1}],
		"expectedRefundAmountYuan":129.9,"refundAmountYuan":0,"refundStatus":201,"cargoStatus":0}}`)
}

// rawCase is a case as the gateway knows it, enough for Perform.
func rawCase(id string, status, returnType int) *returns.Case {
	return &returns.Case{
		Platform: returns.XHS, PlatformCaseID: id,
		PlatformStatus:  returns.PlatformStatus{Code: strconv.Itoa(status)},
		RequestedRefund: &returns.Money{Minor: 12990, Currency: "CNY"},
		Raw:             map[string]string{"status": strconv.Itoa(status), "returnType": strconv.Itoa(returnType)},
	}
}
