package xhssim

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
)

// TestPushSignatureVector checks the simulator's own push signature against
// vectors computed independently. The first is the platform's published
// example of its path-and-parameters signature (whose printed string is
// garbled, but whose signature is this one):
//
//	python3 -c "import hashlib; print(hashlib.md5(b'/ark/open_api/v1/items?app-key=xhs&page_no=1&page_size=50&status=0&timestamp=14699025379a539709cafc1efc9ef05838be468a28').hexdigest())"
//	python3 -c "import hashlib; print(hashlib.md5(b'/webhooks/xhs?app-key=red.sandbox-app&timestamp=17951670005f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f').hexdigest())"
//	python3 -c "import hashlib; print(hashlib.md5(b'/hooks/red?app-key=red.sandbox-app&env=sandbox&shop=a&shop=b&timestamp=17951670005f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f').hexdigest())"
func TestPushSignatureVector(t *testing.T) {
	tests := []struct {
		path, query, appKey, ts, secret, want string
	}{
		{"/ark/open_api/v1/items", "status=0&page_no=1&page_size=50", "xhs", "1469902537", "9a539709cafc1efc9ef05838be468a28", "72be6fad4dd0e5104dbdebbcdadb2a06"},
		{"/webhooks/xhs", "", appID, "1795167000", secret, "77bf9dd9facdf54be5eee4d6882803dc"},
		{"/hooks/red", "shop=b&env=sandbox&shop=a", appID, "1795167000", secret, "0c78c79a0ba283c4a75112f3ae5b7532"},
	}
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		if got := pushSignature(tt.path, q, tt.appKey, tt.ts, tt.secret); got != tt.want {
			t.Errorf("pushSignature(%s?%s) = %s, want %s", tt.path, tt.query, got, tt.want)
		}
	}
}

// delivery is one push request as a receiver saw it.
type delivery struct {
	path   string
	query  url.Values
	header http.Header
	msgs   []xhswire.PushMessage
}

// receiver is a push receiver that answers each delivery with the next of
// its replies (then with success), and can hold deliveries until released.
type receiver struct {
	srv *httptest.Server

	mu      sync.Mutex
	got     []delivery
	replies []func(w http.ResponseWriter)
	hold    chan struct{} // if set, every delivery waits for it to close
	onHit   func()        // if set, runs on every delivery
	hits    chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{hits: make(chan struct{}, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var msgs []xhswire.PushMessage
	_ = json.Unmarshal(body, &msgs)
	r.mu.Lock()
	r.got = append(r.got, delivery{path: req.URL.Path, query: req.URL.Query(), header: req.Header.Clone(), msgs: msgs})
	var reply func(http.ResponseWriter)
	if len(r.replies) > 0 {
		reply, r.replies = r.replies[0], r.replies[1:]
	}
	hold, onHit := r.hold, r.onHit
	r.mu.Unlock()
	if onHit != nil {
		onHit()
	}
	r.hits <- struct{}{}
	if hold != nil {
		<-hold
	}
	if reply != nil {
		reply(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"success":true,"error_code":0,"error_msg":""}`)
}

// set changes the receiver's behaviour under its lock.
func (r *receiver) set(fn func(r *receiver)) {
	r.mu.Lock()
	fn(r)
	r.mu.Unlock()
}

func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.got...)
}

func status(code int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

// startPush starts a server that pushes to the receiver's /webhooks/xhs.
func startPush(t *testing.T, r *receiver, retry time.Duration) *env {
	t.Helper()
	e := &env{t: t, clock: &clock{t: simNow}}
	pushURL := ""
	if r != nil {
		pushURL = r.srv.URL + "/webhooks/xhs?env=sandbox"
	}
	e.srv = New(Options{AppID: appID, AppSecret: secret, Seed: 1, Now: e.clock.now, PushURL: pushURL, PushRetryDelay: retry})
	u, err := e.srv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.srv.Close() })
	e.url = u
	return e
}

// TestPushOnEveryChange drives every kind of change and checks the push that
// follows each: its tags, data, headers and signature.
func TestPushOnEveryChange(t *testing.T) {
	r := newReceiver(t)
	e := startPush(t, r, time.Hour)
	open := func(rt int) string {
		id, err := e.srv.Open("xhs-domestic", OpenRequest{ReturnType: rt})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	call := func(method string, f map[string]any) {
		t.Helper()
		if a := e.call(method, f); !a.Success {
			t.Fatalf("%s %v: %+v", method, f, a)
		}
	}
	do := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// Pushes may arrive out of order: a step of several changes waits for
	// each one's push before the next.
	agreeReturn := func(id string) {
		call(xhswire.MethodAuditReturns, map[string]any{"returnsId": id, "action": 2, "receiverInfo": map[string]any{"sellerAddressRecordId": 19605701}})
		e.srv.WaitPushes()
	}
	openWait := func(rt int) string {
		id := open(rt)
		e.srv.WaitPushes()
		return id
	}
	var ret, refund, rejected, refused, exch, exch2, gone string
	steps := []struct {
		name string
		id   *string
		run  func()
		tags []string
	}{
		{"open", &ret, func() { ret = open(1) }, []string{xhswire.TagAfterSaleCreate}},
		{"agree a return", &ret, func() { agreeReturn(ret) }, []string{xhswire.TagAfterSaleAuditPass}},
		{"buyer ships", &ret, func() { do(e.srv.Ship(ret, "shunfeng", "SF1")) }, []string{xhswire.TagAfterSaleUpdate}},
		{"extend receipt", &ret, func() { call(xhswire.MethodConfirmReceive, map[string]any{"returnsId": ret, "action": 3}) }, []string{xhswire.TagAfterSaleUpdate}},
		{"confirm receipt of a return", &ret, func() { call(xhswire.MethodConfirmReceive, map[string]any{"returnsId": ret, "action": 1}) },
			[]string{xhswire.TagAfterSaleConfirmReceive, xhswire.TagAfterSaleRefundFinished}},
		{"open a refund", &refund, func() { refund = open(4) }, []string{xhswire.TagAfterSaleCreate}},
		{"agree a refund", &refund, func() { call(xhswire.MethodAuditReturns, map[string]any{"returnsId": refund, "action": 1}) },
			[]string{xhswire.TagAfterSaleAuditPass, xhswire.TagAfterSaleRefundFinished}},
		{"open to reject", &rejected, func() { rejected = open(1) }, []string{xhswire.TagAfterSaleCreate}},
		{"reject at review", &rejected, func() {
			call(xhswire.MethodAuditReturns, map[string]any{"returnsId": rejected, "action": 3, "reason": 1001})
		}, []string{xhswire.TagAfterSaleAuditReject}},
		{"escalate", &rejected, func() { do(e.srv.Escalate(rejected)) }, []string{xhswire.TagAfterSaleTransfer}},
		{"open to refuse", &refused, func() { refused = openWait(1); agreeReturn(refused); do(e.srv.Ship(refused, "yunda", "43")) }, []string{xhswire.TagAfterSaleUpdate}},
		{"reject at receipt", &refused, func() {
			call(xhswire.MethodConfirmReceive, map[string]any{"returnsId": refused, "action": 2, "reason": 2002})
		},
			[]string{xhswire.TagAfterSaleRejectReceive}},
		{"open an exchange", &exch, func() { exch = openWait(2); agreeReturn(exch); do(e.srv.Ship(exch, "jd", "JD1")) }, []string{xhswire.TagAfterSaleUpdate}},
		{"receive and ship", &exch, func() {
			call(xhswire.MethodReceiveAndShip, map[string]any{"returnsId": exch, "expressCompanyCode": "shunfeng", "expressNo": "SF2"})
		}, []string{xhswire.TagAfterSaleConfirmReceive, xhswire.TagAfterSaleExchangeShip}},
		{"open an exchange 2", &exch2, func() { exch2 = openWait(2); agreeReturn(exch2); do(e.srv.Ship(exch2, "jd", "JD2")) }, []string{xhswire.TagAfterSaleUpdate}},
		{"confirm receipt of an exchange", &exch2, func() { call(xhswire.MethodConfirmReceive, map[string]any{"returnsId": exch2, "action": 1}) },
			[]string{xhswire.TagAfterSaleConfirmReceive}},
		{"open to cancel", &gone, func() { gone = open(5) }, []string{xhswire.TagAfterSaleCreate}},
		{"cancel", &gone, func() { do(e.srv.Cancel(gone)) }, []string{xhswire.TagAfterSaleClosed}},
		{"touch", &gone, func() { do(e.srv.Touch(gone)) }, []string{xhswire.TagAfterSaleUpdate}},
		{"unknown status", &gone, func() { _, err := e.srv.InjectUnknownStatus(gone); do(err) }, []string{xhswire.TagAfterSaleUpdate}},
	}
	seller := DefaultShops()[0].SellerID
	for _, st := range steps {
		e.clock.advance(time.Minute)
		st.run()
		e.srv.WaitPushes()
		all := r.deliveries()
		if len(all) == 0 {
			t.Fatalf("%s: nothing pushed", st.name)
		}
		d := all[len(all)-1]
		var tags []string
		for _, m := range d.msgs {
			tags = append(tags, m.MsgTag)
			var data xhswire.PushAfterSaleData
			if err := json.Unmarshal([]byte(m.Data), &data); err != nil {
				t.Fatalf("%s: data %q: %v", st.name, m.Data, err)
			}
			info := e.info(*st.id)
			if m.SellerID != seller || data.ReturnsID != *st.id || data.OrderID != info.OrderID || data.ReturnType != info.ReturnType ||
				data.UpdateTime != info.UpdatedAt || data.RequestFrom != xhswire.RequestFromBuyer || data.RefundFee == "" {
				t.Errorf("%s: message %+v, data %+v; case %+v", st.name, m, data, info)
			}
		}
		if !reflect.DeepEqual(tags, st.tags) {
			t.Errorf("%s: tags %v, want %v", st.name, tags, st.tags)
		}
		ts := strconv.FormatInt(e.clock.now().Unix(), 10)
		if d.path != "/webhooks/xhs" || d.header.Get(xhswire.PushHeaderAppKey) != appID || d.header.Get(xhswire.PushHeaderTimestamp) != ts ||
			d.header.Get(xhswire.PushHeaderSign) != pushSignature(d.path, d.query, appID, ts, secret) {
			t.Errorf("%s: path %s, headers %v", st.name, d.path, d.header)
		}
	}
	if sent, failed := e.srv.Pushes(); sent != len(r.deliveries()) || failed != 0 {
		t.Errorf("Pushes = %d, %d for %d deliveries", sent, failed, len(r.deliveries()))
	}
	// A refused action changes nothing and pushes nothing.
	before := len(r.deliveries())
	if a := e.call(xhswire.MethodAuditReturns, map[string]any{"returnsId": ret, "action": 1}); a.Success {
		t.Error("audited a completed case")
	}
	if err := e.srv.Cancel(ret); err == nil {
		t.Error("cancelled a completed case")
	}
	e.srv.WaitPushes()
	if n := len(r.deliveries()); n != before {
		t.Errorf("%d pushes after refused changes", n-before)
	}
}

func TestRefundFee(t *testing.T) {
	tests := []struct {
		expected, ship, refunded string
		refundStatus             int
		want                     string
	}{
		{"139.9", "10", "0", xhswire.RefundPendingReview, "129.9"},
		{"139.9", "10", "139.9", xhswire.RefundSucceeded, "129.9"},
		{"59.8", "0", "0", xhswire.RefundPendingReview, "59.8"},
		{"0", "0", "0", 0, "0"},
		{"0.01", "", "", xhswire.RefundPendingReview, "0.01"},
	}
	for _, tt := range tests {
		i := xhswire.AfterSaleInfo{ExpectedRefundAmountYuan: json.Number(tt.expected), AppliedShipFeeAmountYuan: json.Number(tt.ship),
			RefundAmountYuan: json.Number(tt.refunded), RefundStatus: tt.refundStatus}
		if got := refundFee(i); string(got) != tt.want {
			t.Errorf("refundFee(%+v) = %s, want %s", tt, got, tt.want)
		}
	}
}

// TestPushRetry: a failed delivery is retried once, re-signed at the clock
// of the retry, then dropped.
func TestPushRetry(t *testing.T) {
	ok := func(w http.ResponseWriter) {
		_, _ = io.WriteString(w, `{"success":true,"error_code":0,"error_msg":""}`)
	}
	tests := []struct {
		name              string
		replies           []func(http.ResponseWriter)
		deliveries        int
		sent, failed      int
		secondIsFreshSign bool
	}{
		{"acknowledged", nil, 1, 1, 0, false},
		{"HTTP 500, then acknowledged", []func(http.ResponseWriter){status(500, "oops"), ok}, 2, 1, 1, true},
		{"success false, then acknowledged", []func(http.ResponseWriter){status(200, `{"success":false,"error_code":401,"error_msg":"no"}`), ok}, 2, 1, 1, true},
		{"an answer that is not JSON, then acknowledged", []func(http.ResponseWriter){status(200, `OK`), ok}, 2, 1, 1, true},
		{"a 2xx without success", []func(http.ResponseWriter){status(204, ``), ok}, 2, 1, 1, true},
		{"fails twice: dropped", []func(http.ResponseWriter){status(500, ""), status(503, "")}, 2, 0, 2, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(t)
			e := startPush(t, r, time.Millisecond)
			r.set(func(r *receiver) {
				r.replies = tt.replies
				// The clock moves on between the attempt and the retry.
				r.onHit = func() { e.clock.advance(7 * time.Minute) }
			})
			id, err := e.srv.Open("xhs-crossborder", OpenRequest{})
			if err != nil {
				t.Fatal(err)
			}
			e.srv.WaitPushes()
			got := r.deliveries()
			if len(got) != tt.deliveries {
				t.Fatalf("%d deliveries, want %d", len(got), tt.deliveries)
			}
			if sent, failed := e.srv.Pushes(); sent != tt.sent || failed != tt.failed {
				t.Errorf("Pushes = %d sent, %d failed; want %d, %d", sent, failed, tt.sent, tt.failed)
			}
			for _, d := range got {
				if len(d.msgs) != 1 || d.msgs[0].MsgTag != xhswire.TagAfterSaleCreate || !json.Valid([]byte(d.msgs[0].Data)) {
					t.Errorf("delivery %+v", d.msgs)
				}
				var data xhswire.PushAfterSaleData
				_ = json.Unmarshal([]byte(d.msgs[0].Data), &data)
				if data.ReturnsID != id {
					t.Errorf("pushed %s, want %s", data.ReturnsID, id)
				}
			}
			if tt.secondIsFreshSign {
				first, second := got[0].header, got[1].header
				if first.Get(xhswire.PushHeaderTimestamp) == second.Get(xhswire.PushHeaderTimestamp) ||
					second.Get(xhswire.PushHeaderSign) != pushSignature(got[1].path, got[1].query, appID, second.Get(xhswire.PushHeaderTimestamp), secret) {
					t.Errorf("the retry was not re-signed: %v then %v", first, second)
				}
			}
		})
	}

	t.Run("no receiver", func(t *testing.T) {
		r := newReceiver(t)
		r.srv.Close()
		e := startPush(t, r, time.Millisecond)
		if _, err := e.srv.Open("xhs-domestic", OpenRequest{}); err != nil {
			t.Fatal(err)
		}
		e.srv.WaitPushes()
		if sent, failed := e.srv.Pushes(); sent != 0 || failed != 2 {
			t.Errorf("Pushes = %d, %d; want 0, 2", sent, failed)
		}
	})

	t.Run("no push URL", func(t *testing.T) {
		e := startPush(t, nil, 0)
		if _, err := e.srv.Open("xhs-domestic", OpenRequest{}); err != nil {
			t.Fatal(err)
		}
		e.srv.WaitPushes()
		if sent, failed := e.srv.Pushes(); sent != 0 || failed != 0 {
			t.Errorf("Pushes = %d, %d without a push URL", sent, failed)
		}
	})
}

func TestDropPushes(t *testing.T) {
	tests := []struct {
		drop, deliveries, sent, failed int
	}{
		{1, 1, 1, 1}, // the first attempt is lost, the retry arrives
		{2, 0, 0, 2}, // both are lost: dropped
	}
	for _, tt := range tests {
		r := newReceiver(t)
		e := startPush(t, r, time.Millisecond)
		e.srv.DropPushes(tt.drop)
		if _, err := e.srv.Open("xhs-domestic", OpenRequest{}); err != nil {
			t.Fatal(err)
		}
		e.srv.WaitPushes()
		if n := len(r.deliveries()); n != tt.deliveries {
			t.Errorf("DropPushes(%d): %d deliveries, want %d", tt.drop, n, tt.deliveries)
		}
		if sent, failed := e.srv.Pushes(); sent != tt.sent || failed != tt.failed {
			t.Errorf("DropPushes(%d): Pushes = %d, %d; want %d, %d", tt.drop, sent, failed, tt.sent, tt.failed)
		}
		// The faults are used up: the next push goes through.
		if _, err := e.srv.Open("xhs-domestic", OpenRequest{}); err != nil {
			t.Fatal(err)
		}
		e.srv.WaitPushes()
		if n := len(r.deliveries()); n != tt.deliveries+1 {
			t.Errorf("DropPushes(%d): the next push did not arrive", tt.drop)
		}
	}
}

// TestPushNeverBlocks: a receiver that hangs holds up neither the buyer
// controls nor the API, and a receiver can read the simulator while it is
// being pushed to (no push is made under the server's lock).
func TestPushNeverBlocks(t *testing.T) {
	r := newReceiver(t)
	hold := make(chan struct{})
	e := startPush(t, r, time.Hour)
	r.set(func(r *receiver) {
		r.hold = hold
		r.onHit = func() { _ = e.srv.CaseIDs("xhs-domestic") }
	})
	id, err := e.srv.Open("xhs-domestic", OpenRequest{ReturnType: 1})
	if err != nil {
		t.Fatal(err)
	}
	<-r.hits // the first push is being received, and held
	if a := e.call(xhswire.MethodAuditReturns, map[string]any{"returnsId": id, "action": 2,
		"receiverInfo": map[string]any{"sellerAddressRecordId": 19605701}}); !a.Success {
		t.Fatalf("audit while a push hangs: %+v", a)
	}
	if err := e.srv.Ship(id, "shunfeng", "SF1"); err != nil {
		t.Fatal(err)
	}
	close(hold)
	e.srv.WaitPushes()
	if sent, failed := e.srv.Pushes(); sent != 3 || failed != 0 {
		t.Errorf("Pushes = %d, %d; want 3, 0", sent, failed)
	}
}

// TestCloseStopsPushes: Close abandons pushes in flight and pending retries,
// pushes nothing afterwards, and leaves no goroutine behind.
func TestCloseStopsPushes(t *testing.T) {
	baseline := runtime.NumGoroutine()
	r := newReceiver(t)
	r.set(func(r *receiver) {
		r.replies = []func(http.ResponseWriter){status(500, ""), status(500, ""), status(500, "")}
	})
	e := startPush(t, r, time.Hour)
	// The first push fails and waits an hour for its retry.
	if _, err := e.srv.Open("xhs-domestic", OpenRequest{}); err != nil {
		t.Fatal(err)
	}
	<-r.hits
	// The next two hang in the receiver.
	hold := make(chan struct{})
	r.set(func(r *receiver) { r.hold = hold })
	for i := 0; i < 2; i++ {
		if _, err := e.srv.Open("xhs-domestic", OpenRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	<-r.hits
	<-r.hits
	closed := make(chan error, 1)
	go func() { closed <- e.srv.Close() }()
	select {
	case <-closed:
	case <-time.After(10 * time.Second):
		close(hold)
		t.Fatal("Close hung on pending pushes")
	}
	if stacks := goroutines(); strings.Contains(stacks, "xhssim.(*pusher)") {
		t.Errorf("a push goroutine outlived Close:\n%s", stacks)
	}
	// The receiver still runs: the pusher's client connections must close on
	// their own side (they wind down asynchronously).
	deadline := time.Now().Add(10 * time.Second)
	for strings.Contains(goroutines(), "persistConn") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if stacks := goroutines(); strings.Contains(stacks, "persistConn") {
		t.Errorf("a push connection outlived Close:\n%s", stacks)
	}
	close(hold)
	if sent, failed := e.srv.Pushes(); sent != 0 || failed != 3 {
		t.Errorf("Pushes = %d, %d after Close; want 0, 3", sent, failed)
	}
	if _, err := e.srv.Open("xhs-domestic", OpenRequest{}); err != nil {
		t.Fatal(err)
	}
	e.srv.WaitPushes() // returns at once: nothing is pushed after Close
	if n := len(r.deliveries()); n != 3 {
		t.Errorf("%d deliveries, want 3", n)
	}
	r.srv.Close()
	deadline = time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > baseline && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > baseline {
		t.Errorf("%d goroutines after Close, %d before:\n%s", n, baseline, goroutines())
	}
}

// goroutines returns the stacks of every goroutine.
func goroutines() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}
