package xhssim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

const (
	appID  = "red.sandbox-app"
	secret = "5f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f"
)

var simNow = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestSignatureVector checks the simulator's own signature against a vector
// computed independently:
//
//	python3 -c "import hashlib; print(hashlib.md5(b'afterSale.getAfterSaleInfo?appId=red.sandbox-app&timestamp=1795167000&version=2.05f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f').hexdigest())"
func TestSignatureVector(t *testing.T) {
	got := signature("afterSale.getAfterSaleInfo", appID, "1795167000", "2.0", secret)
	if want := "dc45349e77906f7bd35f8e2d3d1b5446"; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

type env struct {
	t     *testing.T
	srv   *Server
	url   string
	clock *clock

	mu      sync.Mutex
	changes []string
}

func start(t *testing.T, seed int64) *env {
	e := &env{t: t, clock: &clock{t: simNow}}
	e.srv = New(Options{AppID: appID, AppSecret: secret, Seed: seed, Now: e.clock.now, OnChange: func(id string) {
		e.mu.Lock()
		e.changes = append(e.changes, id)
		e.mu.Unlock()
	}})
	url, err := e.srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.srv.Close() })
	e.url = url
	return e
}

// answer is a decoded envelope.
type answer struct {
	status  int
	Success bool            `json:"success"`
	Code    *int            `json:"code"`
	ErrCode *int            `json:"error_code"`
	Msg     string          `json:"msg"`
	ErrMsg  string          `json:"error_msg"`
	Data    json.RawMessage `json:"data"`
}

func (a answer) code() int {
	if a.ErrCode != nil {
		return *a.ErrCode
	}
	if a.Code != nil {
		return *a.Code
	}
	return -999
}

// call posts a signed request of the domestic shop.
func (e *env) call(method string, fields map[string]any) answer {
	return e.callAs(method, fields, "sandbox-token-domestic", secret, e.clock.now())
}

func (e *env) callAs(method string, fields map[string]any, token, key string, at time.Time) answer {
	e.t.Helper()
	ts := strconv.FormatInt(at.Unix(), 10)
	body := map[string]any{"appId": appID, "timestamp": ts, "version": "2.0", "method": method,
		"sign": signature(method, appID, ts, "2.0", key), "accessToken": token}
	for k, v := range fields {
		body[k] = v
	}
	return e.post(body)
}

func (e *env) post(body map[string]any) answer {
	e.t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(e.url, "application/json;charset=utf-8", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var a answer
	if err := json.Unmarshal(raw, &a); err != nil {
		e.t.Fatalf("answer %s is not JSON: %v", raw, err)
	}
	a.status = resp.StatusCode
	return a
}

func (e *env) info(id string) xhswire.AfterSaleInfo {
	e.t.Helper()
	d, ok := e.srv.Snapshot(id)
	if !ok {
		e.t.Fatalf("no case %s", id)
	}
	return *d.AfterSaleInfo
}

func TestSeedDeterministic(t *testing.T) {
	a, b, c := New(Options{Seed: 7, Now: func() time.Time { return simNow }}), New(Options{Seed: 7, Now: func() time.Time { return simNow }}),
		New(Options{Seed: 8, Now: func() time.Time { return simNow }})
	if !reflect.DeepEqual(a.CaseIDs(""), b.CaseIDs("")) {
		t.Fatal("the same seed gave different cases")
	}
	for _, id := range a.CaseIDs("")[:20] {
		x, _ := a.Snapshot(id)
		y, _ := b.Snapshot(id)
		if !reflect.DeepEqual(x, y) {
			t.Fatalf("case %s differs between runs of one seed", id)
		}
	}
	if reflect.DeepEqual(a.CaseIDs(""), c.CaseIDs("")) {
		t.Error("another seed gave the same cases")
	}
}

var (
	returnsIDPattern = regexp.MustCompile(`^R\d{18}$`)
	orderIDPattern   = regexp.MustCompile(`^P\d{18}$`)
)

// TestSeedRealistic checks what the seed promises: enough cases over the
// last 28 days, split over domestic and cross-border shops, every status
// and type, exact amounts, deadlines where the merchant must act, parcels
// where the status implies them.
func TestSeedRealistic(t *testing.T) {
	s := New(Options{Seed: 42, Now: func() time.Time { return simNow }})
	ids := s.CaseIDs("")
	if len(ids) < 200 {
		t.Fatalf("%d cases, want at least 200", len(ids))
	}
	now := simNow.UnixMilli()
	statuses, types, cents := map[int]bool{}, map[int]bool{}, map[int64]bool{}
	markets := map[returns.Market]int{}
	for _, sh := range DefaultShops() {
		n := len(s.CaseIDs(sh.ShopID))
		if n == 0 {
			t.Errorf("shop %s has no cases", sh.ShopID)
		}
		markets[sh.Market] += n
	}
	if markets[returns.MarketDomestic] == 0 || markets[returns.MarketCrossBorderBonded] == 0 {
		t.Errorf("cases by market: %v", markets)
	}
	catalog := s.Catalog()
	for _, id := range ids {
		d, _ := s.Snapshot(id)
		i := d.AfterSaleInfo
		statuses[i.Status], types[i.ReturnType] = true, true
		if !returnsIDPattern.MatchString(i.ReturnsID) || !orderIDPattern.MatchString(i.OrderID) {
			t.Errorf("ids %s %s", i.ReturnsID, i.OrderID)
		}
		if i.ApplyTime < now-28*day || i.ApplyTime >= now || i.UpdatedAt < i.ApplyTime || i.UpdatedAt >= now {
			t.Errorf("%s: applied %d, updated %d, now %d", id, i.ApplyTime, i.UpdatedAt, now)
		}
		switch i.Status {
		case xhswire.StatusPendingReview, xhswire.StatusAwaitingReceipt, xhswire.StatusExchangeAwaitShip:
			if i.ExpireTime <= now {
				t.Errorf("%s in status %d: expireTime %d not ahead of now", id, i.Status, i.ExpireTime)
			}
		default:
			if i.ExpireTime != xhswire.NoExpireTime {
				t.Errorf("%s in status %d: expireTime %d, want -1", id, i.Status, i.ExpireTime)
			}
		}
		needParcel := i.Status == xhswire.StatusAwaitingReceipt || i.Status == xhswire.StatusRejectedAtReceipt ||
			i.Status == xhswire.StatusExchangeAwaitShip || i.Status == xhswire.StatusExchangeAwaitBuyer
		if needParcel && (d.LogisticsInfo == nil || d.LogisticsInfo.AfterSale == nil || d.LogisticsInfo.AfterSale.ExpressNo == "") {
			t.Errorf("%s in status %d has no return parcel", id, i.Status)
		}
		if i.Status == xhswire.StatusExchangeAwaitBuyer && d.LogisticsInfo.Exchange == nil {
			t.Errorf("%s in status 13 has no replacement parcel", id)
		}
		if len(d.NegotiateRecords) == 0 || i.ReasonNameZh == "" || i.UserID == "" {
			t.Errorf("%s: no negotiation, reason or buyer", id)
		}
		for _, n := range []json.Number{i.ExpectedRefundAmountYuan, i.AppliedSkusAmountYuan, i.RefundAmountYuan, i.SKUs[0].Price} {
			m, err := returns.ParseMoney(string(n), "CNY")
			if err != nil {
				t.Errorf("%s: amount %q: %v", id, n, err)
			}
			cents[m.Minor%100] = true
		}
		if _, ok := catalog[i.SKUs[0].SKUID]; !ok {
			t.Errorf("%s: SKU %s not in the catalogue", id, i.SKUs[0].SKUID)
		}
		if i.Status == xhswire.StatusCompleted && i.RefundStatus == xhswire.RefundSucceeded && i.RefundAmountYuan != i.ExpectedRefundAmountYuan {
			t.Errorf("%s refunded %s of %s", id, i.RefundAmountYuan, i.ExpectedRefundAmountYuan)
		}
	}
	for _, c := range combos {
		if !statuses[c.status] || !types[c.returnType] {
			t.Errorf("status %d or type %d never seeded", c.status, c.returnType)
		}
	}
	if len(cents) < 5 {
		t.Errorf("amounts have only %d distinct fen parts", len(cents))
	}
	cats := map[returns.Category]bool{}
	for _, c := range catalog {
		cats[c] = true
	}
	for _, c := range returns.Categories {
		if !cats[c] {
			t.Errorf("no product in category %s", c)
		}
	}
	for _, sh := range s.shops {
		defaults := 0
		for _, a := range sh.addresses {
			if a.AftersaleDefault == xhswire.AddressDefault && a.Active == xhswire.AddressActive {
				defaults++
			}
		}
		if defaults != 1 {
			t.Errorf("shop %s has %d active default after-sale addresses", sh.ShopID, defaults)
		}
	}
	for _, list := range [][]xhswire.RejectReason{reviewRejectReasons, receiptRejectReasons} {
		if list[len(list)-1].ReasonName != "其他" {
			t.Error("a reject reason list has no 其他")
		}
	}
}

func TestAuthentication(t *testing.T) {
	e := start(t, 1)
	id := e.srv.CaseIDs("xhs-domestic")[0]
	get := map[string]any{"returnsId": id}
	ok := e.call(xhswire.MethodGetAfterSaleInfo, get)
	if !ok.Success || ok.code() != 0 {
		t.Fatalf("a good request failed: %+v", ok)
	}
	tests := []struct {
		name string
		a    answer
		code int
	}{
		{"wrong secret", e.callAs(xhswire.MethodGetAfterSaleInfo, get, "sandbox-token-domestic", "wrong", e.clock.now()), xhswire.ErrSignInvalid},
		{"stale timestamp", e.callAs(xhswire.MethodGetAfterSaleInfo, get, "sandbox-token-domestic", secret, e.clock.now().Add(-11*time.Minute)), xhswire.ErrTimestampExpired},
		{"future timestamp", e.callAs(xhswire.MethodGetAfterSaleInfo, get, "sandbox-token-domestic", secret, e.clock.now().Add(11*time.Minute)), xhswire.ErrTimestampExpired},
		{"unknown token", e.callAs(xhswire.MethodGetAfterSaleInfo, get, "nope", secret, e.clock.now()), xhswire.ErrTokenInvalid},
		{"other shop's case", e.callAs(xhswire.MethodGetAfterSaleInfo, get, "sandbox-token-crossborder", secret, e.clock.now()), xhswire.ErrAfterSaleNotFound},
		{"unknown method", e.call("afterSale.nope", nil), xhswire.ErrMethodUnknown},
	}
	for _, tt := range tests {
		if tt.a.Success || tt.a.code() != tt.code || tt.a.status != http.StatusOK {
			t.Errorf("%s: %+v, want HTTP 200 with code %d", tt.name, tt.a, tt.code)
		}
	}
	// The timestamp may come as a number; a signature in upper case is not the platform's.
	ts := e.clock.now().Unix()
	body := map[string]any{"appId": appID, "timestamp": ts, "version": "2.0", "method": xhswire.MethodGetAfterSaleInfo,
		"sign": signature(xhswire.MethodGetAfterSaleInfo, appID, strconv.FormatInt(ts, 10), "2.0", secret), "accessToken": "sandbox-token-domestic", "returnsId": id}
	if a := e.post(body); !a.Success {
		t.Errorf("a numeric timestamp was refused: %+v", a)
	}
	body["appId"] = "red.other"
	if a := e.post(body); a.code() != xhswire.ErrAppInvalid {
		t.Errorf("another app: %+v", a)
	}
}

func TestListLimits(t *testing.T) {
	e := start(t, 1)
	now := e.clock.now().UnixMilli()
	const h = int64(3600 * 1000)
	list := func(kv ...any) answer {
		f := map[string]any{"pageNo": 1, "pageSize": 100}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i].(string)] = kv[i+1]
		}
		return e.call(xhswire.MethodListAfterSaleInfos, f)
	}
	bad := []struct {
		name string
		a    answer
	}{
		{"pageSize 0", list("pageSize", 0, "timeType", 1, "startTime", now-h, "endTime", now)},
		{"pageSize 101", list("pageSize", 101, "timeType", 1, "startTime", now-h, "endTime", now)},
		{"pageNo 0", list("pageNo", 0, "timeType", 1, "startTime", now-h, "endTime", now)},
		{"beyond 50,000", list("pageNo", 501, "timeType", 1, "startTime", now-h, "endTime", now)},
		{"neither order nor time", list()},
		{"created window over 24 h", list("timeType", 1, "startTime", now-24*h-1, "endTime", now)},
		{"updated window over 30 min", list("timeType", 2, "startTime", now-h/2-1, "endTime", now)},
		{"end not after start", list("timeType", 1, "startTime", now, "endTime", now)},
		{"no end", list("timeType", 2, "startTime", now)},
		{"unknown time type", list("timeType", 3, "startTime", now-h, "endTime", now)},
	}
	for _, tt := range bad {
		if tt.a.Success || tt.a.code() != xhswire.ErrParamInvalid {
			t.Errorf("%s: %+v, want code %d", tt.name, tt.a, xhswire.ErrParamInvalid)
		}
		if tt.a.Code == nil {
			t.Errorf("%s: listAfterSaleInfos answered without the newer code layer", tt.name)
		}
	}
	for _, good := range []answer{
		list("timeType", 1, "startTime", now-24*h, "endTime", now),
		list("timeType", 2, "startTime", now-h/2, "endTime", now),
		list("pageNo", 500, "timeType", 1, "startTime", now-h, "endTime", now),
	} {
		if !good.Success {
			t.Errorf("a request within the limits failed: %+v", good)
		}
	}
	// By order id: exactly the cases of that order.
	id := e.srv.CaseIDs("xhs-domestic")[3]
	order := e.info(id).OrderID
	a := list("orderId", order)
	var d xhswire.ListAfterSaleInfosData
	_ = json.Unmarshal(a.Data, &d)
	if d.TotalCount != 1 || d.AfterSaleBasicInfos[0].ReturnsID != id {
		t.Errorf("by order %s: %+v", order, d)
	}
}

func TestActionPreconditions(t *testing.T) {
	e := start(t, 1)
	open := func(rt int) string {
		id, err := e.srv.Open("xhs-domestic", OpenRequest{ReturnType: rt})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	ret, refund, unshipped, exch := open(1), open(4), open(5), open(2)
	audit := func(id string, kv ...any) answer {
		f := map[string]any{"returnsId": id}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i].(string)] = kv[i+1]
		}
		return e.call(xhswire.MethodAuditReturns, f)
	}
	receipt := func(id string, kv ...any) answer {
		f := map[string]any{"returnsId": id}
		for i := 0; i+1 < len(kv); i += 2 {
			f[kv[i].(string)] = kv[i+1]
		}
		return e.call(xhswire.MethodConfirmReceive, f)
	}
	tests := []struct {
		name string
		a    answer
		code int
	}{
		{"agree and refund a return", audit(ret, "action", 1), xhswire.ErrParamInvalid},
		{"agree to return a refund-only", audit(refund, "action", 2, "receiverInfo", map[string]any{"sellerAddressRecordId": 19605701}), xhswire.ErrParamInvalid},
		{"agree to a return without an address", audit(ret, "action", 2), xhswire.ErrParamInvalid},
		{"agree to a return to a retired address", audit(ret, "action", 2, "receiverInfo", map[string]any{"sellerAddressRecordId": 19605703}), xhswire.ErrParamInvalid},
		{"agree to a return to another shop's address", audit(ret, "action", 2, "receiverInfo", map[string]any{"sellerAddressRecordId": 19605711}), xhswire.ErrParamInvalid},
		{"reject as other without a description", audit(ret, "action", 3, "reason", 1099), xhswire.ErrParamInvalid},
		{"reject with a receipt reason at review", audit(ret, "action", 3, "reason", 2001), xhswire.ErrParamInvalid},
		{"reject an unshipped refund-only", audit(unshipped, "action", 3, "reason", 1001), xhswire.ErrParamInvalid},
		{"unknown action", audit(ret, "action", 7), xhswire.ErrParamInvalid},
		{"confirm receipt at review", receipt(ret, "action", 1), xhswire.ErrStatusNotAllowed},
		{"ship an exchange at review", e.call(xhswire.MethodReceiveAndShip, map[string]any{"returnsId": exch, "expressCompanyCode": "shunfeng", "expressNo": "SF1"}), xhswire.ErrStatusNotAllowed},
		{"ship a return", e.call(xhswire.MethodReceiveAndShip, map[string]any{"returnsId": ret, "expressCompanyCode": "shunfeng", "expressNo": "SF1"}), xhswire.ErrParamInvalid},
		{"unknown case", audit("R000000000000000000", "action", 1), xhswire.ErrAfterSaleNotFound},
	}
	for _, tt := range tests {
		if tt.a.Success || tt.a.code() != tt.code {
			t.Errorf("%s: %+v, want code %d", tt.name, tt.a, tt.code)
		}
		if tt.a.ErrCode == nil && tt.a.code() != xhswire.ErrAfterSaleNotFound {
			t.Errorf("%s: answered without the error_code layer", tt.name)
		}
	}
	for _, id := range []string{ret, refund, unshipped, exch} {
		if s := e.info(id).Status; s != xhswire.StatusPendingReview {
			t.Errorf("a refused action changed %s to status %d", id, s)
		}
	}
	// Once agreed, a second review is refused by status.
	if a := audit(ret, "action", 2, "receiverInfo", map[string]any{"sellerAddressRecordId": 19605702}); !a.Success {
		t.Fatalf("agree to return: %+v", a)
	}
	if a := audit(ret, "action", 3, "reason", 1001); a.code() != xhswire.ErrStatusNotAllowed {
		t.Errorf("review of an agreed return: %+v", a)
	}
}

func TestActionsChangeState(t *testing.T) {
	e := start(t, 1)
	open := func(rt int) string {
		id, err := e.srv.Open("xhs-domestic", OpenRequest{ReturnType: rt})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	step := func(method string, f map[string]any) {
		t.Helper()
		e.clock.advance(time.Hour)
		if a := e.call(method, f); !a.Success {
			t.Fatalf("%s %v: %+v", method, f, a)
		}
	}
	now := func() int64 { return e.clock.now().UnixMilli() }

	refund := open(4)
	step(xhswire.MethodAuditReturns, map[string]any{"returnsId": refund, "action": 1})
	if i := e.info(refund); i.Status != 4 || i.RefundStatus != 2 || i.RefundAmountYuan != i.ExpectedRefundAmountYuan || i.RefundTime != now() || i.UpdatedAt != now() {
		t.Errorf("agreed refund: %+v", i)
	}

	rejected := open(1)
	step(xhswire.MethodAuditReturns, map[string]any{"returnsId": rejected, "action": 3, "reason": 1099, "description": "已超过七天"})
	if i := e.info(rejected); i.Status != 9 || i.CloseReasonZh != "其他：已超过七天" || i.ExpireTime != -1 {
		t.Errorf("rejected: %+v", i)
	}

	ret := open(1)
	step(xhswire.MethodAuditReturns, map[string]any{"returnsId": ret, "action": 2, "receiverInfo": map[string]any{"sellerAddressRecordId": 19605701}})
	if i := e.info(ret); i.Status != 2 || i.ReturnAddress == nil || i.ReturnAddress.Name != "售后仓 王女士" {
		t.Errorf("agreed return: %+v", i)
	}
	if err := e.srv.Ship(ret, "shunfeng", "SF1400200000001"); err != nil {
		t.Fatal(err)
	}
	deadline := e.info(ret).ExpireTime
	step(xhswire.MethodConfirmReceive, map[string]any{"returnsId": ret, "action": 3})
	if i := e.info(ret); i.Status != 3 || i.ExpireTime != deadline+3*day {
		t.Errorf("extended: %+v (deadline was %d)", i, deadline)
	}
	if a := e.call(xhswire.MethodConfirmReceive, map[string]any{"returnsId": ret, "action": 3}); a.code() != xhswire.ErrStatusNotAllowed {
		t.Errorf("a second extension: %+v", a)
	}
	step(xhswire.MethodConfirmReceive, map[string]any{"returnsId": ret, "action": 1})
	if i := e.info(ret); i.Status != 4 || i.RefundStatus != 2 || i.RefundTime != now() {
		t.Errorf("received return: %+v", i)
	}

	refused := open(1)
	step(xhswire.MethodAuditReturns, map[string]any{"returnsId": refused, "action": 2, "receiverInfo": map[string]any{"sellerAddressRecordId": 19605701}})
	_ = e.srv.Ship(refused, "yunda", "4300000000001")
	step(xhswire.MethodConfirmReceive, map[string]any{"returnsId": refused, "action": 2, "reason": 2002})
	if i := e.info(refused); i.Status != 9001 || i.CloseReasonZh != "退回商品影响二次销售" {
		t.Errorf("refused at receipt: %+v", i)
	}

	exch := open(2)
	step(xhswire.MethodAuditReturns, map[string]any{"returnsId": exch, "action": 2, "receiverInfo": map[string]any{"sellerAddressRecordId": 19605701}})
	_ = e.srv.Ship(exch, "jd", "JD0000000001")
	step(xhswire.MethodReceiveAndShip, map[string]any{"returnsId": exch, "expressCompanyCode": "shunfeng", "expressNo": "SF1400299990000"})
	d, _ := e.srv.Snapshot(exch)
	if d.AfterSaleInfo.Status != 13 || d.LogisticsInfo.Exchange == nil || d.LogisticsInfo.Exchange.ExpressCompanyName != "顺丰速运" ||
		d.LogisticsInfo.AfterSale.ExpressSignTime != now() {
		t.Errorf("exchange shipped: %+v %+v", d.AfterSaleInfo, d.LogisticsInfo)
	}

	exch2 := open(2)
	step(xhswire.MethodAuditReturns, map[string]any{"returnsId": exch2, "action": 2, "receiverInfo": map[string]any{"sellerAddressRecordId": 19605701}})
	_ = e.srv.Ship(exch2, "jd", "JD0000000002")
	step(xhswire.MethodConfirmReceive, map[string]any{"returnsId": exch2, "action": 1})
	if i := e.info(exch2); i.Status != 12 || i.ExpireTime != now()+48*hour {
		t.Errorf("received exchange: %+v", i)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.changes) < 12 {
		t.Errorf("OnChange saw %d changes", len(e.changes))
	}
}

func TestBuyerControls(t *testing.T) {
	e := start(t, 1)
	id, err := e.srv.Open("xhs-crossborder", OpenRequest{ReturnType: 1, ReasonNameZh: "尺码不合适", SKUID: "65010000000006", Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	i := e.info(id)
	if i.Status != 1 || i.ReasonNameZh != "尺码不合适" || i.SKUs[0].AppliedCount != 2 || i.AppliedSkusAmountYuan != "1198" ||
		i.ApplyTime != simNow.UnixMilli() || i.ExpireTime != simNow.UnixMilli()+48*hour {
		t.Errorf("opened: %+v", i)
	}
	if len(e.srv.CaseIDs("xhs-crossborder")) != DefaultCases/2+1 {
		t.Error("the new case is not the shop's")
	}
	if err := e.srv.Ship(id, "shunfeng", "SF1"); err == nil {
		t.Error("shipped a case that was never agreed")
	}
	e.clock.advance(time.Minute)
	if err := e.srv.Touch(id); err != nil || e.info(id).UpdatedAt != e.clock.now().UnixMilli() {
		t.Errorf("Touch: %v", err)
	}
	if err := e.srv.Escalate(id); err != nil || e.info(id).Status != 14 {
		t.Errorf("Escalate: %v", err)
	}
	if err := e.srv.Cancel(id); err == nil {
		t.Error("cancelled a case the platform is handling")
	}
	id2, _ := e.srv.Open("xhs-crossborder", OpenRequest{})
	if err := e.srv.Cancel(id2); err != nil || e.info(id2).Status != 5 {
		t.Errorf("Cancel: %v", err)
	}
	raw, err := e.srv.InjectUnknownStatus(id2)
	if err != nil || strconv.Itoa(e.info(id2).Status) != raw {
		t.Errorf("InjectUnknownStatus = %s, %v", raw, err)
	}
	if _, known := xhswire.StatusLabels[e.info(id2).Status]; known {
		t.Error("the injected status is a documented one")
	}
	for _, bad := range []error{
		e.srv.Touch("R0"), e.srv.Cancel("R0"),
		func() error { _, err := e.srv.Open("no-shop", OpenRequest{}); return err }(),
		func() error { _, err := e.srv.Open("xhs-domestic", OpenRequest{ReturnType: 3}); return err }(),
		func() error { _, err := e.srv.Open("xhs-domestic", OpenRequest{SKUID: "nope"}); return err }(),
	} {
		if bad == nil {
			t.Error("a bad buyer control succeeded")
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	want := []string{id, id, id, id2, id2, id2}
	if !reflect.DeepEqual(e.changes, want) {
		t.Errorf("OnChange saw %v, want %v", e.changes, want)
	}
}

func TestFaultsAndOutage(t *testing.T) {
	e := start(t, 1)
	id := e.srv.CaseIDs("xhs-domestic")[0]
	get := map[string]any{"returnsId": id}
	raw := func() (int, string) {
		ts := strconv.FormatInt(e.clock.now().Unix(), 10)
		body := map[string]any{"appId": appID, "timestamp": ts, "version": "2.0", "method": xhswire.MethodGetAfterSaleInfo,
			"sign": signature(xhswire.MethodGetAfterSaleInfo, appID, ts, "2.0", secret), "accessToken": "sandbox-token-domestic", "returnsId": id}
		b, _ := json.Marshal(body)
		resp, err := http.Post(e.url, "application/json", bytes.NewReader(b))
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(out)
	}
	e.srv.InjectFault(xhswire.MethodGetAfterSaleInfo, FaultHTTP500, 1)
	e.srv.InjectFault("", FaultMalformed, 1)
	e.srv.InjectFault(xhswire.MethodGetAfterSaleInfo, FaultThrottle, 1)
	if st, _ := raw(); st != 500 {
		t.Errorf("HTTP 500 fault answered %d", st)
	}
	if a := e.call(xhswire.MethodGetAfterSaleInfo, get); a.code() != xhswire.ErrAppThrottled || a.status != 200 {
		t.Errorf("throttle fault answered %+v", a)
	}
	if st, body := raw(); st != 200 || json.Valid([]byte(body)) {
		t.Errorf("malformed fault answered %d %s", st, body)
	}
	e.srv.InjectFault(xhswire.MethodGetAfterSaleInfo, FaultAuth, 1)
	if a := e.call(xhswire.MethodGetAfterSaleInfo, get); a.code() != xhswire.ErrTokenInvalid {
		t.Errorf("auth fault answered %+v", a)
	}
	if a := e.call(xhswire.MethodGetAfterSaleInfo, get); !a.Success {
		t.Errorf("after the faults: %+v", a)
	}
	if n := e.srv.Calls(xhswire.MethodGetAfterSaleInfo); n != 5 {
		t.Errorf("Calls = %d, want 5", n)
	}

	e.srv.SetDown(true)
	if st, msg := raw(); st != 0 {
		t.Errorf("a server that is down answered HTTP %d", st)
	} else if msg == "" {
		t.Error("no connection error")
	}
	if n := e.srv.Calls(xhswire.MethodGetAfterSaleInfo); n != 5 {
		t.Errorf("a request refused at the connection was counted: %d", n)
	}
	e.srv.SetDown(false)
	if a := e.call(xhswire.MethodGetAfterSaleInfo, get); !a.Success {
		t.Errorf("back up: %+v", a)
	}
}

// TestCloseEndsDelayedResponses: a response delayed by SetLatency ends when
// the client gives up or the server closes.
func TestCloseEndsDelayedResponses(t *testing.T) {
	e := start(t, 1)
	e.srv.SetLatency(time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader([]byte(`{}`)))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	cancel()
	select {
	case err := <-done:
		if err == nil {
			t.Error("a cancelled request succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a cancelled request hung")
	}
	closed := make(chan error, 1)
	go func() { closed <- e.srv.Close() }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hung on a delayed response")
	}
}

// TestConcurrentUse reads cases while they change: run with -race.
func TestConcurrentUse(t *testing.T) {
	e := start(t, 1)
	id, _ := e.srv.Open("xhs-domestic", OpenRequest{ReturnType: 1})
	if a := e.call(xhswire.MethodAuditReturns, map[string]any{"returnsId": id, "action": 2,
		"receiverInfo": map[string]any{"sellerAddressRecordId": 19605701}}); !a.Success {
		t.Fatal(a)
	}
	if err := e.srv.Ship(id, "shunfeng", "SF1"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 6; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 15; i++ {
				if a := e.call(xhswire.MethodGetAfterSaleInfo, map[string]any{"returnsId": id, "needNegotiateRecord": true}); !a.Success {
					t.Error(a)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; i < 15; i++ {
			_ = e.srv.Touch(id)
		}
		if a := e.call(xhswire.MethodConfirmReceive, map[string]any{"returnsId": id, "action": 1}); !a.Success {
			t.Error(a)
		}
	}()
	wg.Wait()
	if s := e.info(id).Status; s != xhswire.StatusCompleted {
		t.Errorf("status %d after receipt", s)
	}
}
