package xhs

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
)

const testSeller = "5f8e2c1a9b3d4e0001a7c001"

// TestPushStringToSign pins the assumed string-to-sign of a push (see
// pushStringToSign). The first vector is the platform's published example
// of its path-and-parameters signature: the printed string is garbled, but
// the printed signature is exactly the md5 of this one. The others are
// pushes. All were computed independently:
//
//	python3 -c "import hashlib; print(hashlib.md5(b'/ark/open_api/v1/items?app-key=xhs&page_no=1&page_size=50&status=0&timestamp=14699025379a539709cafc1efc9ef05838be468a28').hexdigest())"
//	python3 -c "import hashlib; print(hashlib.md5(b'/webhooks/xhs?app-key=red.sandbox-app&timestamp=17951670005f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f').hexdigest())"
//	python3 -c "import hashlib; print(hashlib.md5(b'/hooks/red?app-key=red.sandbox-app&env=sandbox&shop=a&shop=b&timestamp=17951670005f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f').hexdigest())"
func TestPushStringToSign(t *testing.T) {
	tests := []struct {
		path                 string
		query                map[string][]string
		appKey, ts, secret   string
		wantString, wantSign string
	}{
		{
			"/ark/open_api/v1/items", map[string][]string{"status": {"0"}, "page_no": {"1"}, "page_size": {"50"}},
			"xhs", "1469902537", "9a539709cafc1efc9ef05838be468a28",
			"/ark/open_api/v1/items?app-key=xhs&page_no=1&page_size=50&status=0&timestamp=14699025379a539709cafc1efc9ef05838be468a28",
			"72be6fad4dd0e5104dbdebbcdadb2a06",
		},
		{
			"/webhooks/xhs", nil, testAppID, "1795167000", testSecret,
			"/webhooks/xhs?app-key=red.sandbox-app&timestamp=17951670005f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f",
			"77bf9dd9facdf54be5eee4d6882803dc",
		},
		{
			"/hooks/red", map[string][]string{"shop": {"b", "a"}, "env": {"sandbox"}}, testAppID, "1795167000", testSecret,
			"/hooks/red?app-key=red.sandbox-app&env=sandbox&shop=a&shop=b&timestamp=17951670005f1c0a9e3b7d4c2a8e6f0b1d3c5a7e9f",
			"0c78c79a0ba283c4a75112f3ae5b7532",
		},
	}
	for _, tt := range tests {
		if got := pushStringToSign(tt.path, tt.query, tt.appKey, tt.ts, tt.secret); got != tt.wantString {
			t.Errorf("pushStringToSign = %q, want %q", got, tt.wantString)
		}
		if got := pushSign(tt.path, tt.query, tt.appKey, tt.ts, tt.secret); got != tt.wantSign {
			t.Errorf("pushSign(%s) = %s, want %s", tt.path, got, tt.wantSign)
		}
	}
}

// testSign signs a push as the platform does, written apart from the
// adapter's code so that the tests do not take the adapter's word for it.
func testSign(path string, query url.Values, appKey, ts, secret string) string {
	var pairs []string
	for k, vs := range query {
		for _, v := range vs {
			pairs = append(pairs, k+"="+v)
		}
	}
	pairs = append(pairs, "app-key="+appKey, "timestamp="+ts)
	sort.Slice(pairs, func(i, j int) bool {
		ki, vi, _ := strings.Cut(pairs[i], "=")
		kj, vj, _ := strings.Cut(pairs[j], "=")
		if ki != kj {
			return ki < kj
		}
		return vi < vj
	})
	if path == "" {
		path = "/" // as a request line has it
	}
	sum := md5.Sum([]byte(path + "?" + strings.Join(pairs, "&") + secret))
	return hex.EncodeToString(sum[:])
}

func pushAdapter(t testing.TB, mod func(*Config)) *Adapter {
	t.Helper()
	cfg := Config{
		BaseURL: "http://127.0.0.1:9" + xhswire.GatewayPath, AppID: testAppID, AppSecret: testSecret, AccessToken: "token",
		Shop: returns.Shop{ID: "xhs-domestic", Market: returns.MarketDomestic}, SellerID: testSeller,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// message is one push message whose data is the given JSON.
func message(tag, seller, data string) xhswire.PushMessage {
	return xhswire.PushMessage{MsgTag: tag, SellerID: seller, Data: data}
}

func afterSaleData(id string, updateMS int64) string {
	return fmt.Sprintf(`{"returnsId":%q,"orderId":"P790200000000013425","returnType":1,"requestFrom":1,"refundFee":129.9,"updateTime":%d}`, id, updateMS)
}

func body(msgs ...xhswire.PushMessage) []byte {
	b, err := json.Marshal(msgs)
	if err != nil {
		panic(err)
	}
	return b
}

// signed is a push request signed by testSign with the canonical header names
// of Go's HTTP server.
func signed(path, rawQuery, appKey, ts, secret string, b []byte) returns.PushRequest {
	q, _ := url.ParseQuery(rawQuery)
	return returns.PushRequest{
		Path:  path,
		Query: q,
		Header: map[string][]string{
			"Content-Type": {"application/json;charset=utf-8"},
			"App-Key":      {appKey},
			"Timestamp":    {ts},
			"Sign":         {testSign(path, q, appKey, ts, secret)},
		},
		Body: b,
	}
}

func TestReadPush(t *testing.T) {
	a := pushAdapter(t, nil)
	now := fakeNow
	ts := strconv.FormatInt(now.Unix(), 10)
	upd := now.Add(-time.Second).UnixMilli()
	good := body(message(xhswire.TagAfterSaleCreate, testSeller, afterSaleData("R730100000000100021", upd)))
	ok := func(b []byte) returns.PushRequest { return signed("/webhooks/xhs", "", testAppID, ts, testSecret, b) }
	one := []returns.PushedChange{{
		Ref:      returns.CaseRef{PlatformCaseID: "R730100000000100021", UpdatedAt: time.UnixMilli(upd).UTC()},
		SellerID: testSeller, Tag: xhswire.TagAfterSaleCreate,
	}}
	withHeader := func(r returns.PushRequest, name string, values ...string) returns.PushRequest {
		h := map[string][]string{}
		for k, v := range r.Header {
			h[k] = v
		}
		if values == nil {
			delete(h, name)
		} else {
			h[name] = values
		}
		r.Header = h
		return r
	}
	tests := []struct {
		name string
		req  returns.PushRequest
		code returns.ErrorCode // "" for success
		want []returns.PushedChange
	}{
		{"a signed push", ok(good), "", one},
		{"query parameters are signed", signed("/webhooks/xhs", "shop=xhs-domestic&env=sandbox", testAppID, ts, testSecret, good), "", one},
		{"header names in any case", func() returns.PushRequest {
			r := ok(good)
			r.Header = map[string][]string{"app-key": r.Header["App-Key"], "TIMESTAMP": r.Header["Timestamp"], "sign": r.Header["Sign"]}
			return r
		}(), "", one},
		{"a timestamp in ms", signed("/webhooks/xhs", "", testAppID, strconv.FormatInt(now.UnixMilli(), 10), testSecret, good), "", one},
		{"a signature in upper case", func() returns.PushRequest {
			r := ok(good)
			return withHeader(r, "Sign", strings.ToUpper(r.Header["Sign"][0]))
		}(), "", one},
		{"at the edge of the window", signed("/webhooks/xhs", "", testAppID, strconv.FormatInt(now.Add(-DefaultPushWindow).Unix(), 10), testSecret, good), "", one},
		{"an empty array", ok([]byte(` [] `)), "", nil},
		{"several messages, in order", ok(body(
			message(xhswire.TagAfterSaleAuditPass, testSeller, afterSaleData("R1", upd)),
			message(xhswire.TagAfterSaleRefundFinished, "5f8e2c1a9b3d4e0001a7c002", afterSaleData("R2", upd+1)),
		)), "", []returns.PushedChange{
			{Ref: returns.CaseRef{PlatformCaseID: "R1", UpdatedAt: time.UnixMilli(upd).UTC()}, SellerID: testSeller, Tag: xhswire.TagAfterSaleAuditPass},
			{Ref: returns.CaseRef{PlatformCaseID: "R2", UpdatedAt: time.UnixMilli(upd + 1).UTC()}, SellerID: "5f8e2c1a9b3d4e0001a7c002", Tag: xhswire.TagAfterSaleRefundFinished},
		}},
		{"an unknown after-sale tag is passed on", ok(body(message("msg_after_sale_arbitrate", testSeller, afterSaleData("R1", upd)))), "", []returns.PushedChange{
			{Ref: returns.CaseRef{PlatformCaseID: "R1", UpdatedAt: time.UnixMilli(upd).UTC()}, SellerID: testSeller, Tag: "msg_after_sale_arbitrate"},
		}},
		{"another subscription's message is skipped", ok(body(
			message("msg_fulfillment_status_change", testSeller, `{"orderId":"P1","orderStatus":4,"updateTime":1}`),
			message(xhswire.TagAfterSaleCreate, testSeller, afterSaleData("R730100000000100021", upd)),
		)), "", one},
		// The platform does not sign the body (see pushStringToSign): a body
		// changed in transit passes, and only names a case to fetch.
		{"the body is not signed", func() returns.PushRequest {
			r := ok(good)
			r.Body = body(message(xhswire.TagAfterSaleClosed, testSeller, afterSaleData("R9", upd)))
			return r
		}(), "", []returns.PushedChange{
			{Ref: returns.CaseRef{PlatformCaseID: "R9", UpdatedAt: time.UnixMilli(upd).UTC()}, SellerID: testSeller, Tag: xhswire.TagAfterSaleClosed},
		}},

		{"the wrong secret", signed("/webhooks/xhs", "", testAppID, ts, "not-the-secret", good), returns.CodeUnauthorized, nil},
		{"another app", signed("/webhooks/xhs", "", "red.other-app", ts, testSecret, good), returns.CodeUnauthorized, nil},
		{"a stale timestamp", signed("/webhooks/xhs", "", testAppID, strconv.FormatInt(now.Add(-DefaultPushWindow-time.Second).Unix(), 10), testSecret, good), returns.CodeUnauthorized, nil},
		{"a timestamp ahead", signed("/webhooks/xhs", "", testAppID, strconv.FormatInt(now.Add(DefaultPushWindow+time.Second).Unix(), 10), testSecret, good), returns.CodeUnauthorized, nil},
		{"a stale timestamp in ms", signed("/webhooks/xhs", "", testAppID, strconv.FormatInt(now.Add(-time.Hour).UnixMilli(), 10), testSecret, good), returns.CodeUnauthorized, nil},
		{"a timestamp that is not a number", signed("/webhooks/xhs", "", testAppID, "+"+ts, testSecret, good), returns.CodeUnauthorized, nil},
		{"a timestamp in another format", signed("/webhooks/xhs", "", testAppID, now.Format(time.RFC3339), testSecret, good), returns.CodeUnauthorized, nil},
		{"no app-key", withHeader(ok(good), "App-Key"), returns.CodeUnauthorized, nil},
		{"no timestamp", withHeader(ok(good), "Timestamp"), returns.CodeUnauthorized, nil},
		{"no sign", withHeader(ok(good), "Sign"), returns.CodeUnauthorized, nil},
		{"two signs", func() returns.PushRequest {
			r := ok(good)
			return withHeader(r, "Sign", r.Header["Sign"][0], r.Header["Sign"][0])
		}(), returns.CodeUnauthorized, nil},
		{"a timestamp changed after signing", withHeader(ok(good), "Timestamp", strconv.FormatInt(now.Unix()-1, 10)), returns.CodeUnauthorized, nil},
		{"a query parameter added after signing", func() returns.PushRequest {
			r := ok(good)
			r.Query = map[string][]string{"shop": {"xhs-crossborder"}}
			return r
		}(), returns.CodeUnauthorized, nil},
		{"another path", func() returns.PushRequest {
			r := ok(good)
			r.Path = "/webhooks/xhs2"
			return r
		}(), returns.CodeUnauthorized, nil},
		{"an unsigned malformed body is unauthorized first", signed("/webhooks/xhs", "", testAppID, ts, "wrong", []byte(`{`)), returns.CodeUnauthorized, nil},

		{"an object, not an array", ok([]byte(`{"msgTag":"msg_after_sale_create"}`)), returns.CodeInvalid, nil},
		{"null", ok([]byte(`null`)), returns.CodeInvalid, nil},
		{"an empty body", ok(nil), returns.CodeInvalid, nil},
		{"truncated JSON", ok(good[:len(good)-3]), returns.CodeInvalid, nil},
		{"a message that is not an object", ok([]byte(`[1]`)), returns.CodeInvalid, nil},
		{"a null message", ok([]byte(`[null]`)), returns.CodeInvalid, nil},
		{"no msgTag", ok(body(message("", testSeller, afterSaleData("R1", upd)))), returns.CodeInvalid, nil},
		{"no sellerId", ok(body(message(xhswire.TagAfterSaleCreate, "", afterSaleData("R1", upd)))), returns.CodeInvalid, nil},
		{"data is an object, not a string", ok([]byte(`[{"msgTag":"msg_after_sale_create","sellerId":"s","data":{"returnsId":"R1","updateTime":1}}]`)), returns.CodeInvalid, nil},
		{"data is a string that is not JSON", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, "returnsId=R1"))), returns.CodeInvalid, nil},
		{"data is a JSON array", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `[{"returnsId":"R1"}]`))), returns.CodeInvalid, nil},
		{"data is empty", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, ""))), returns.CodeInvalid, nil},
		{"no returnsId", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `{"orderId":"P1","updateTime":1795166999000}`))), returns.CodeInvalid, nil},
		{"a numeric returnsId", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `{"returnsId":7000893114000949000,"updateTime":1795166999000}`))), returns.CodeInvalid, nil},
		{"no updateTime", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `{"returnsId":"R1"}`))), returns.CodeInvalid, nil},
		{"a negative updateTime", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `{"returnsId":"R1","updateTime":-5}`))), returns.CodeInvalid, nil},
		{"a fractional updateTime", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `{"returnsId":"R1","updateTime":1795166999000.5}`))), returns.CodeInvalid, nil},
		{"an updateTime as text", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `{"returnsId":"R1","updateTime":"yesterday"}`))), returns.CodeInvalid, nil},
		{"a refundFee that is not a number", ok(body(message(xhswire.TagAfterSaleCreate, testSeller, `{"returnsId":"R1","updateTime":1,"refundFee":"lots"}`))), returns.CodeInvalid, nil},
		{"one bad message spoils the push", ok(body(
			message(xhswire.TagAfterSaleCreate, testSeller, afterSaleData("R1", upd)),
			message(xhswire.TagAfterSaleUpdate, testSeller, `{}`),
		)), returns.CodeInvalid, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := a.ReadPush(tt.req, now)
			if code := returns.ErrorCodeOf(err); code != tt.code {
				t.Fatalf("error %v (%s), want code %q", err, code, tt.code)
			}
			if err != nil {
				if got != nil {
					t.Errorf("changes %v with an error", got)
				}
				return
			}
			if len(got) != len(tt.want) {
				t.Fatalf("changes %+v, want %+v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] || got[i].Ref.UpdatedAt.Location() != time.UTC {
					t.Errorf("change %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestPushWindowAndSeller(t *testing.T) {
	a := pushAdapter(t, func(c *Config) { c.PushWindow = 2 * time.Minute; c.SellerID = "" })
	if a.SellerID() != "" {
		t.Errorf("SellerID = %q without one configured", a.SellerID())
	}
	if b := pushAdapter(t, nil); b.SellerID() != testSeller || b.cfg.PushWindow != DefaultPushWindow {
		t.Errorf("SellerID = %q, PushWindow = %v", b.SellerID(), b.cfg.PushWindow)
	}
	b := body(message(xhswire.TagAfterSaleCreate, testSeller, afterSaleData("R1", 1795166999000)))
	for _, tt := range []struct {
		age  time.Duration
		code returns.ErrorCode
	}{{-2 * time.Minute, ""}, {2 * time.Minute, ""}, {3 * time.Minute, returns.CodeUnauthorized}, {-3 * time.Minute, returns.CodeUnauthorized}} {
		req := signed("/webhooks/xhs", "", testAppID, strconv.FormatInt(fakeNow.Add(-tt.age).Unix(), 10), testSecret, b)
		if _, err := a.ReadPush(req, fakeNow); returns.ErrorCodeOf(err) != tt.code {
			t.Errorf("a push %v old: %v, want %q", tt.age, err, tt.code)
		}
	}
	for _, w := range []time.Duration{-time.Minute, time.Millisecond, 2 * time.Hour} {
		_, err := New(Config{BaseURL: "http://127.0.0.1:9/x", AppID: "a", AppSecret: "s", AccessToken: "t",
			Shop: returns.Shop{ID: "s", Market: returns.MarketDomestic}, PushWindow: w})
		if err == nil || !strings.Contains(err.Error(), "PushWindow") {
			t.Errorf("PushWindow %v: %v", w, err)
		}
	}
}

func TestPushReply(t *testing.T) {
	a := pushAdapter(t, nil)
	tests := []struct {
		err    error
		status int
		body   string
	}{
		{nil, 200, `{"success":true,"error_code":0,"error_msg":""}`},
		{returns.Errorf(returns.CodeUnauthorized, "push: bad signature"), 401, `{"success":false,"error_code":401,"error_msg":"push not authenticated"}`},
		{returns.Errorf(returns.CodeInvalid, "push: the body is not a JSON array"), 400, `{"success":false,"error_code":400,"error_msg":"push: the body is not a JSON array"}`},
		{returns.Errorf(returns.CodePlatformUnavailable, "xhs is down"), 500, `{"success":false,"error_code":500,"error_msg":"internal error"}`},
		{errors.New("disk full"), 500, `{"success":false,"error_code":500,"error_msg":"internal error"}`},
	}
	for _, tt := range tests {
		status, ct, b := a.PushReply(tt.err)
		if status != tt.status || ct != "application/json;charset=utf-8" || string(b) != tt.body {
			t.Errorf("PushReply(%v) = %d %s %s, want %d %s", tt.err, status, ct, b, tt.status, tt.body)
		}
	}
}

// FuzzReadPush: no input makes ReadPush panic, every error is UNAUTHORIZED
// or INVALID, only a push signed for this app within the window passes, and
// such a push is never refused as UNAUTHORIZED.
func FuzzReadPush(f *testing.F) {
	ts := strconv.FormatInt(fakeNow.Unix(), 10)
	good := string(body(message(xhswire.TagAfterSaleCreate, testSeller, afterSaleData("R1", 1795166999000))))
	f.Add(good, "/webhooks/xhs", "", testAppID, ts, "", true)
	f.Add(good, "/webhooks/xhs", "shop=a&shop=b", testAppID, ts, "", true)
	f.Add(good, "/webhooks/xhs", "", testAppID, ts, "77bf9dd9facdf54be5eee4d6882803dc", false)
	f.Add(`[{"msgTag":"msg_after_sale_x","sellerId":"s","data":"{\"returnsId\":\"R\",\"updateTime\":9}"}]`, "/", "a=%zz", testAppID, "1795167000000", "", true)
	f.Add(`[{"msgTag":"msg_after_sale_create","sellerId":"s","data":"{\"returnsId\":\"R\",\"updateTime\":1e3}"}]`, "", "", testAppID, ts, "", true)
	f.Add(`[{"msgTag":1}]`, "/webhooks/xhs", "", testAppID, ts, "", true)
	f.Add(`null`, "/webhooks/xhs", "", testAppID, ts, "", true)
	f.Add(`[{"msgTag":"msg_after_sale_create","data":"{}"}]`, "/webhooks/xhs", "", "", "", "", false)
	f.Add("[\"\xff\"]", "/\x00", "=&=", testAppID, "99999999999999999999", "", true)
	a := pushAdapter(f, nil)
	f.Fuzz(func(t *testing.T, b, path, rawQuery, appKey, ts, sign string, signIt bool) {
		q, _ := url.ParseQuery(rawQuery)
		if signIt {
			sign = testSign(path, q, appKey, ts, testSecret)
		}
		req := returns.PushRequest{Path: path, Query: q, Body: []byte(b),
			Header: map[string][]string{"App-Key": {appKey}, "Timestamp": {ts}, "Sign": {sign}}}
		changes, err := a.ReadPush(req, fakeNow)

		validSign := sign != "" && strings.EqualFold(sign, testSign(path, q, appKey, ts, testSecret))
		inWindow := false
		if n, perr := strconv.ParseInt(ts, 10, 64); perr == nil && n > 0 && ts[0] != '+' {
			at := time.Unix(n, 0)
			if n >= 1_000_000_000_000 {
				at = time.UnixMilli(n)
			}
			inWindow = fakeNow.Sub(at).Abs() <= DefaultPushWindow
		}
		authentic := validSign && appKey == testAppID && inWindow

		switch code := returns.ErrorCodeOf(err); {
		case err == nil:
			if !authentic {
				t.Fatalf("accepted a push that is not authentic: %+v", req)
			}
			for _, c := range changes {
				if c.Ref.PlatformCaseID == "" || c.SellerID == "" || !strings.HasPrefix(c.Tag, xhswire.AfterSaleTagPrefix) ||
					!c.Ref.UpdatedAt.After(time.Unix(0, 0)) || c.Ref.UpdatedAt.Location() != time.UTC {
					t.Fatalf("bad change %+v from %q", c, b)
				}
			}
		case code == returns.CodeUnauthorized:
			if authentic {
				t.Fatalf("refused an authentic push as unauthorized: %v", err)
			}
		case code == returns.CodeInvalid:
			if !authentic {
				t.Fatalf("read the body of a push that is not authentic: %v", err)
			}
		default:
			t.Fatalf("error %v with code %s", err, code)
		}
		status, _, reply := a.PushReply(err)
		var r xhswire.PushReply
		if jerr := json.Unmarshal(reply, &r); jerr != nil || r.Success != (err == nil) || (status == http.StatusOK) != (err == nil) {
			t.Fatalf("PushReply(%v) = %d %s", err, status, reply)
		}
	})
}
