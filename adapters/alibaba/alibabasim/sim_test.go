package alibabasim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

var start = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

func fixed(t time.Time) func() time.Time { return func() time.Time { return t } }

func newSim(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixed(start)
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSeedIsDeterministicAndCoversTheFlow(t *testing.T) {
	a, b := newSim(t, Options{Seed: 9}), newSim(t, Options{Seed: 9})
	if strings.Join(a.CaseIDs(), ",") != strings.Join(b.CaseIDs(), ",") {
		t.Fatal("the same seed gave different cases")
	}
	if c := newSim(t, Options{Seed: 10}); strings.Join(a.CaseIDs(), ",") == strings.Join(c.CaseIDs(), ",") {
		t.Error("another seed gave the same cases")
	}
	ids := a.CaseIDs()
	if len(ids) < 100 {
		t.Fatalf("%d cases, want at least 100", len(ids))
	}
	statuses, currencies := map[string]int{}, map[string]int{}
	seen := map[string]bool{}
	nearDST, quiet := 0, 0
	dst := dstTransitions(start.Add(-28*24*time.Hour), start)
	if len(dst) != 1 || !dst[0].Equal(time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("DST transitions %v, want 2026-11-01 09:00 UTC", dst)
	}
	for _, o := range a.orders {
		if len(o.lines) < 1 || len(o.lines) > 3 {
			t.Errorf("order %s has %d lines", o.tradeID, len(o.lines))
		}
		if o.modified.After(start.Add(-5 * time.Minute)) {
			t.Errorf("order %s modified %v, in the quiet minutes before the clock", o.tradeID, o.modified)
		}
		if len(o.refunds) == 0 {
			quiet++
		}
		currencies[o.currency]++
		for _, r := range o.refunds {
			id := caseID(o, r)
			if seen[id] {
				t.Errorf("case %s twice", id)
			}
			seen[id] = true
			statuses[r.status]++
			if r.created.Before(start.Add(-28*24*time.Hour)) || r.modified.Before(r.created) {
				t.Errorf("case %s: created %v modified %v", id, r.created, r.modified)
			}
			if d := r.created.Sub(dst[0]); d > -time.Hour && d < time.Hour {
				nearDST++
			}
			for _, p := range o.parcels {
				if p.signed != nil {
					if d := p.signed.Sub(dst[0]); d > -time.Hour && d < time.Hour {
						nearDST++
					}
				}
			}
		}
	}
	if len(seen) != len(ids) {
		t.Errorf("%d records on orders, %d case ids", len(seen), len(ids))
	}
	for _, st := range alibabawire.RefundStatuses() {
		if statuses[st] == 0 {
			t.Errorf("no case in status %s", st)
		}
	}
	if currencies["USD"] == 0 || len(currencies) < 3 {
		t.Errorf("currencies %v: want USD and at least two others", currencies)
	}
	if nearDST < 3 {
		t.Errorf("%d timestamps within an hour of the DST change, want some", nearDST)
	}
	if quiet == 0 {
		t.Error("every order has a refund; the list should show others too")
	}
}

// client signs requests with the simulator's own signer; the signature's
// correctness against an independent vector is the adapter's test.
type client struct {
	t   *testing.T
	srv *httptest.Server
	s   *Server
}

func newClient(t *testing.T, s *Server) *client {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return &client{t: t, srv: srv, s: s}
}

func (c *client) form(method string, biz map[string]string) url.Values {
	f := url.Values{}
	f.Set("method", method)
	f.Set("app_key", c.s.AppKey())
	f.Set("session", c.s.Session())
	f.Set("timestamp", c.s.now().In(time.FixedZone("GMT+8", 8*3600)).Format(alibabawire.TimestampLayout))
	f.Set("v", "2.0")
	f.Set("format", "json")
	f.Set("sign_method", "md5")
	for k, v := range biz {
		f.Set(k, v)
	}
	f.Set("sign", expectedSign(f, c.s.AppSecret()))
	return f
}

func (c *client) post(f url.Values) (int, map[string]json.RawMessage) {
	c.t.Helper()
	resp, err := http.PostForm(c.srv.URL+alibabawire.RouterPath, f)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var env map[string]json.RawMessage
	if err := json.Unmarshal(b, &env); err != nil {
		c.t.Fatalf("body %s: %v", b, err)
	}
	return resp.StatusCode, env
}

func errCode(env map[string]json.RawMessage) (string, string) {
	raw, ok := env[alibabawire.ErrorKey]
	if !ok {
		return "", ""
	}
	var e alibabawire.ErrorResponse
	_ = json.Unmarshal(raw, &e)
	return e.Code.String(), e.SubCode
}

func TestRouterRefusesWhatTOPRefuses(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Cases: 10})
	c := newClient(t, s)
	trade := strings.Split(s.CaseIDs()[0], "-")[0]
	listQuery := func(q string) map[string]string { return map[string]string{alibabawire.ParamOrderListQuery: q} }
	resign := func(f url.Values) url.Values {
		f.Del("sign")
		f.Set("sign", expectedSign(f, s.AppSecret()))
		return f
	}
	tests := []struct {
		name     string
		form     func() url.Values
		code     string
		subCode  string
		response string // the success envelope expected when code is ""
	}{
		{"missing method", func() url.Values { f := c.form("", nil); f.Del("method"); return f }, "21", "", ""},
		{"unknown method", func() url.Values { return c.form("alibaba.seller.order.cancel", nil) }, "22", "", ""},
		{"wrong app key", func() url.Values {
			f := c.form(alibabawire.MethodOrderGet, nil)
			f.Set("app_key", "x")
			return resign(f)
		}, "29", "", ""},
		{"stale timestamp", func() url.Values {
			f := c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": trade})
			f.Set("timestamp", start.Add(-11*time.Minute).In(time.FixedZone("", 8*3600)).Format(alibabawire.TimestampLayout))
			return resign(f)
		}, "31", "", ""},
		{"timestamp in UTC instead of GMT+8", func() url.Values {
			f := c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": trade})
			f.Set("timestamp", start.Format(alibabawire.TimestampLayout))
			return resign(f)
		}, "31", "", ""},
		{"missing session", func() url.Values { f := c.form(alibabawire.MethodOrderGet, nil); f.Del("session"); return resign(f) }, "26", "", ""},
		{"wrong signature", func() url.Values {
			f := c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": trade})
			f.Set("e_trade_id", trade+"0") // changed after signing
			return f
		}, "25", "", ""},
		{"unknown session", func() url.Values {
			f := c.form(alibabawire.MethodOrderGet, nil)
			f.Set("session", "old")
			return resign(f)
		}, "27", "", ""},
		{"order.get without e_trade_id", func() url.Values { return c.form(alibabawire.MethodOrderGet, nil) }, "40", alibabawire.SubCodeMissingParameter, ""},
		{"order.get unknown trade (ASSUMED isv.trade-not-exist)", func() url.Values {
			return c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": "1"})
		}, "15", alibabawire.SubCodeTradeNotExist, ""},
		{"order.get", func() url.Values {
			return c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": trade, "language": "en_US"})
		}, "", "", "alibaba_seller_order_get_response"},
		{"order.list without its query", func() url.Values { return c.form(alibabawire.MethodOrderList, nil) }, "40", alibabawire.SubCodeMissingParameter, ""},
		{"order.list without start_page", func() url.Values {
			return c.form(alibabawire.MethodOrderList, listQuery(`{"role":"seller","page_size":10}`))
		}, "40", alibabawire.SubCodeMissingParameter, ""},
		{"order.list as buyer", func() url.Values {
			return c.form(alibabawire.MethodOrderList, listQuery(`{"role":"buyer","start_page":0,"page_size":10}`))
		}, "41", alibabawire.SubCodeInvalidParameter, ""},
		{"order.list page_size above the ASSUMED maximum of 50", func() url.Values {
			return c.form(alibabawire.MethodOrderList, listQuery(`{"role":"seller","start_page":0,"page_size":51}`))
		}, "41", alibabawire.SubCodeInvalidParameter, ""},
		{"order.list bad date_str", func() url.Values {
			return c.form(alibabawire.MethodOrderList, listQuery(`{"role":"seller","start_page":0,"page_size":50,"modified_date_start":{"date_str":"11/01/2026"}}`))
		}, "41", alibabawire.SubCodeInvalidParameter, ""},
		{"order.list page_size 50", func() url.Values {
			return c.form(alibabawire.MethodOrderList, listQuery(`{"role":"seller","start_page":0,"page_size":50}`))
		}, "", "", "alibaba_seller_order_list_response"},
		{"fund.get unknown data_select", func() url.Values {
			return c.form(alibabawire.MethodFundGet, map[string]string{"e_trade_id": trade, "data_select": "fund_everything"})
		}, "41", alibabawire.SubCodeInvalidParameter, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, env := c.post(tt.form())
			if status != http.StatusOK {
				t.Errorf("HTTP %d; TOP answers errors with 200", status)
			}
			code, sub := errCode(env)
			if code != tt.code || (tt.subCode != "" && sub != tt.subCode) {
				t.Errorf("error %s/%s, want %s/%s (%v)", code, sub, tt.code, tt.subCode, env)
			}
			if tt.code == "" {
				if _, ok := env[tt.response]; !ok {
					t.Errorf("no %s in %v", tt.response, env)
				}
			}
		})
	}
}

// ASSUMED: refund records come only with data_select=fund_refund; the
// documented default (fund_serviceFee,fund_fundPay) has none.
func TestRefundRecordsNeedDataSelectFundRefund(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Cases: 10})
	c := newClient(t, s)
	trade := strings.Split(s.CaseIDs()[0], "-")[0]
	read := func(sel string) alibabawire.Fund {
		biz := map[string]string{"e_trade_id": trade}
		if sel != "" {
			biz["data_select"] = sel
		}
		_, env := c.post(c.form(alibabawire.MethodFundGet, biz))
		var r alibabawire.FundGetResponse
		if err := json.Unmarshal(env[alibabawire.ResponseKey(alibabawire.MethodFundGet)], &r); err != nil {
			t.Fatal(err)
		}
		return r.Value
	}
	if f := read(""); len(f.RefundList.Items) != 0 || len(f.FundPayList.Items) == 0 {
		t.Errorf("default data_select: %d refunds, %d payments", len(f.RefundList.Items), len(f.FundPayList.Items))
	}
	if f := read("fund_refund"); len(f.RefundList.Items) == 0 || len(f.FundPayList.Items) != 0 {
		t.Errorf("fund_refund: %d refunds, %d payments", len(f.RefundList.Items), len(f.FundPayList.Items))
	}
}

// ASSUMED: the list's date_str bounds are US Pacific wall-clock seconds,
// inclusive. The order modified at 01:10 PST on 1 November (09:10 UTC) is
// after a bound of 01:30 — which Go, like the platform is assumed to, reads
// as the first 01:30 (PDT, 08:30 UTC).
func TestOrderListBoundsArePacificWallClock(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Cases: 10})
	var o *order
	for _, x := range s.orders {
		o = x
		break
	}
	o.modified = time.Date(2026, 11, 1, 9, 10, 0, 0, time.UTC)
	c := newClient(t, s)
	count := func(from, to string) int {
		q := `{"role":"seller","start_page":0,"page_size":50,"modified_date_start":{"date_str":"` + from + `"},"modified_date_end":{"date_str":"` + to + `"}}`
		_, env := c.post(c.form(alibabawire.MethodOrderList, map[string]string{alibabawire.ParamOrderListQuery: q}))
		var r alibabawire.OrderListResponse
		if err := json.Unmarshal(env[alibabawire.ResponseKey(alibabawire.MethodOrderList)], &r); err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range r.Value.OrderList.Items {
			if it.TradeID.String() == o.tradeID {
				n++
			}
		}
		return n
	}
	if count("2026-11-01 01:30:00", "2026-11-01 02:00:00") != 1 {
		t.Error("01:10 PST is not within 01:30 (PDT) .. 02:00 (PST)")
	}
	if count("2026-11-01 01:10:01", "2026-11-01 01:20:00") != 0 {
		t.Error("listed outside the bounds")
	}
	if count("2026-10-31 18:10:00", "2026-11-01 01:10:00") != 0 {
		t.Error("01:10 as an end bound is the first 01:10 (PDT), before the order's 01:10 PST")
	}
}

func TestBuyerAndSellerCentreFlow(t *testing.T) {
	now := start
	var mu sync.Mutex
	var changes []string
	s := newSim(t, Options{Seed: 1, Cases: 10, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }, OnChange: func(id string) {
		mu.Lock()
		changes = append(changes, id)
		mu.Unlock()
	}})
	advance := func() { mu.Lock(); now = now.Add(time.Hour); mu.Unlock() }
	id, err := s.Open(OpenRequest{ReturnGoods: true, Reason: "Wrong products received"})
	if err != nil {
		t.Fatal(err)
	}
	status := func() string {
		s.mu.Lock()
		defer s.mu.Unlock()
		_, r := s.find(id)
		return r.status
	}
	steps := []struct {
		name string
		do   func() error
		want string
		fail bool
	}{
		{"buyer ships before approval", func() error { return s.Ship(id, "", "") }, alibabawire.RefundWaitSellerConfirm, true},
		{"seller confirms receipt too early", func() error { return s.SellerCentre(id, returns.ActionConfirmReceipt) }, alibabawire.RefundWaitSellerConfirm, true},
		{"seller approves", func() error { return s.SellerCentre(id, returns.ActionApprove) }, alibabawire.RefundWaitBuyerReturn, false},
		{"buyer ships", func() error { return s.Ship(id, "UPS", "1Z1") }, alibabawire.RefundWaitSellerReceive, false},
		{"seller confirms receipt", func() error { return s.SellerCentre(id, returns.ActionConfirmReceipt) }, alibabawire.RefundSellerReceived, false},
		{"buyer cannot cancel now", func() error { return s.Cancel(id) }, alibabawire.RefundSellerReceived, true},
		{"seller refunds", func() error { return s.SellerCentre(id, returns.ActionRefund) }, alibabawire.RefundSuccess, false},
		{"buyer touches", func() error { return s.Touch(id) }, alibabawire.RefundSuccess, false},
	}
	okSteps := 0
	for _, st := range steps {
		advance()
		err := st.do()
		if (err != nil) != st.fail {
			t.Fatalf("%s: error %v, want failure %v", st.name, err, st.fail)
		}
		if st.fail && returns.ErrorCodeOf(err) != returns.CodeInvalidState {
			t.Errorf("%s: code %s, want INVALID_STATE", st.name, returns.ErrorCodeOf(err))
		}
		if got := status(); got != st.want {
			t.Fatalf("%s: status %s, want %s", st.name, got, st.want)
		}
		if !st.fail {
			okSteps++
			s.mu.Lock()
			o, r := s.find(id)
			if !r.modified.Equal(now) || !o.modified.Equal(now) {
				t.Errorf("%s: record modified %v, order %v, want %v", st.name, r.modified, o.modified, now)
			}
			s.mu.Unlock()
		}
	}
	mu.Lock()
	n := len(changes)
	mu.Unlock()
	if n != okSteps+1 { // +1 for Open
		t.Errorf("OnChange called %d times, want %d", n, okSteps+1)
	}
	if _, err := s.Open(OpenRequest{OrderID: "nope"}); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Errorf("Open on an unknown order: %v", err)
	}
	if err := s.Escalate("1-2"); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Errorf("Escalate on an unknown case: %v", err)
	}
}

func TestFaultsAndOutage(t *testing.T) {
	s := newSim(t, Options{Seed: 1, Cases: 5})
	c := newClient(t, s)
	trade := strings.Split(s.CaseIDs()[0], "-")[0]
	get := func() (int, string) {
		resp, err := http.PostForm(c.srv.URL+alibabawire.RouterPath, c.form(alibabawire.MethodOrderGet, map[string]string{"e_trade_id": trade}))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	s.InjectFault("", FaultThrottle, 1)
	s.InjectFault(alibabawire.MethodFundGet, FaultHTTP500, 5) // another method: no effect here
	if st, body := get(); st != 200 || !strings.Contains(body, `"code":7`) {
		t.Errorf("throttled: %d %s", st, body)
	}
	s.InjectFault(alibabawire.MethodOrderGet, FaultMalformed, 1)
	if _, body := get(); json.Valid([]byte(body)) {
		t.Errorf("malformed fault gave valid JSON %s", body)
	}
	if st, body := get(); st != 200 || !strings.Contains(body, "alibaba_seller_order_get_response") {
		t.Errorf("after the faults: %d %s", st, body)
	}
	s.SetDown(true)
	if st, _ := get(); st != http.StatusBadGateway {
		t.Errorf("down: HTTP %d", st)
	}
	s.SetDown(false)
	if got := s.Calls(alibabawire.MethodOrderGet); got != 4 {
		t.Errorf("Calls = %d, want 4", got)
	}
	if raw, err := s.InjectUnknownStatus(s.CaseIDs()[0]); err != nil || raw != UnknownStatus {
		t.Errorf("InjectUnknownStatus = %q, %v", raw, err)
	}
}
