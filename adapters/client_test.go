package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// reply is one scripted answer of a test server.
type reply struct {
	status int
	header map[string]string
	body   string
	hang   bool // answer nothing until the client gives up on the request
	drop   bool // close the connection without answering
}

var (
	okReply      = reply{status: 200, body: `{"code":"OK","data":"done"}`}
	fail500      = reply{status: 500, body: `{"code":"SYSTEM_ERROR","message":"internal error"}`}
	html502      = reply{status: 502, header: map[string]string{"Content-Type": "text/html"}, body: "<html><body><h1>502 Bad Gateway</h1></body></html>"}
	throttled429 = reply{status: 429, body: `{"code":"THROTTLED","message":"slow down"}`}
	throttled200 = reply{status: 200, body: `{"code":"THROTTLED","message":"app call limit reached"}`}
)

// scriptServer answers the n-th request with the n-th reply (the last one
// repeats) and keeps every request body and arrival time.
type scriptServer struct {
	*httptest.Server
	mu       sync.Mutex
	replies  []reply
	bodies   []string
	arrivals []time.Time
}

func newScript(t *testing.T, replies ...reply) *scriptServer {
	t.Helper()
	s := &scriptServer{replies: replies}
	done := make(chan struct{})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		n := len(s.bodies)
		s.bodies = append(s.bodies, string(b))
		s.arrivals = append(s.arrivals, time.Now())
		rp := s.replies[min(n, len(s.replies)-1)]
		s.mu.Unlock()
		switch {
		case rp.hang:
			select {
			case <-r.Context().Done():
			case <-done:
			}
			return
		case rp.drop:
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		for k, v := range rp.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(rp.status)
		io.WriteString(w, rp.body)
	}))
	t.Cleanup(func() {
		close(done)
		s.Close()
	})
	return s
}

func (s *scriptServer) hits() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.bodies)
}

func (s *scriptServer) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bodies...)
}

// decodeEnvelope reads the test platform's envelope: {"code","message","retryAfterMs"}.
func decodeEnvelope(_ int, _ http.Header, body []byte) error {
	var e struct {
		Code         string `json:"code"`
		Message      string `json:"message"`
		RetryAfterMS int64  `json:"retryAfterMs"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		return fmt.Errorf("not an envelope: %w", err)
	}
	var kind ErrorKind
	switch e.Code {
	case "OK":
		return nil
	case "THROTTLED":
		kind = KindRateLimited
	case "NO_SUCH_CASE":
		kind = KindNotFound
	case "BAD_PARAM":
		kind = KindInvalid
	case "WRONG_STATUS":
		kind = KindState
	case "BAD_SIGN":
		kind = KindAuth
	case "SYSTEM_ERROR", "BUSY":
		kind = KindUnavailable
	default:
		kind = KindMalformed
	}
	return &PlatformError{Kind: kind, Code: e.Code, Message: e.Message, RetryAfter: time.Duration(e.RetryAfterMS) * time.Millisecond}
}

// signer builds a body with a new signature for every attempt and counts them.
type signer struct{ n atomic.Int64 }

func (s *signer) build() ([]byte, error) {
	return []byte(`{"sign":"` + strconv.FormatInt(s.n.Add(1), 10) + `"}`), nil
}

func fastPolicy() Policy {
	return Policy{Retries: 2, WaitMin: time.Millisecond, WaitMax: 4 * time.Millisecond,
		AttemptTimeout: 5 * time.Second, CallTimeout: 10 * time.Second}
}

func newTestClient(p Policy) *Client {
	return NewClient(returns.XHS, p, nil, slog.New(slog.DiscardHandler))
}

func testCall(url string, write bool, s *signer) Call {
	return Call{Method: "test.method", URL: url, ContentType: "application/json", Build: s.build, Write: write, Decode: decodeEnvelope}
}

// asPlatformError fails the test unless err is a *PlatformError filled in by the client.
func asPlatformError(t *testing.T, err error) *PlatformError {
	t.Helper()
	var pe *PlatformError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *PlatformError", err, err)
	}
	if pe.Platform != returns.XHS || pe.Method != "test.method" {
		t.Errorf("error names %q %q, want XHS test.method", pe.Platform, pe.Method)
	}
	return pe
}

func TestClientRetries(t *testing.T) {
	tests := []struct {
		name     string
		write    bool
		replies  []reply
		wantHits int
		// Zero wantKind means success.
		wantKind      ErrorKind
		wantAmbiguous bool
		wantCode      returns.ErrorCode
		wantStatus    int
	}{
		{name: "read 500 then 200 is retried", replies: []reply{fail500, okReply}, wantHits: 2},
		{name: "read 500 every time gives up after the retries", replies: []reply{fail500},
			wantHits: 3, wantKind: KindUnavailable, wantCode: returns.CodePlatformUnavailable, wantStatus: 500},
		{name: "write 500 is not retried and is ambiguous", write: true, replies: []reply{fail500, okReply},
			wantHits: 1, wantKind: KindUnavailable, wantAmbiguous: true, wantCode: returns.CodePlatformUnavailable, wantStatus: 500},
		{name: "write 429 is retried", write: true, replies: []reply{throttled429, okReply}, wantHits: 2},
		{name: "write 429 without envelope is retried", write: true, replies: []reply{{status: 429, body: "Too Many Requests"}, okReply}, wantHits: 2},
		{name: "write throttled in a 200 envelope is retried", write: true, replies: []reply{throttled200, throttled200, okReply}, wantHits: 3},
		{name: "write throttled every time is not ambiguous", write: true, replies: []reply{throttled429},
			wantHits: 3, wantKind: KindRateLimited, wantCode: returns.CodePlatformUnavailable, wantStatus: 429},
		{name: "read envelope NOT_FOUND in a 200", replies: []reply{{status: 200, body: `{"code":"NO_SUCH_CASE","message":"no such returns id"}`}},
			wantHits: 1, wantKind: KindNotFound, wantCode: returns.CodeNotFound, wantStatus: 200},
		{name: "write envelope refusal in a 200", write: true, replies: []reply{{status: 200, body: `{"code":"BAD_PARAM","message":"reason id unknown"}`}},
			wantHits: 1, wantKind: KindInvalid, wantCode: returns.CodePlatformRejected, wantStatus: 200},
		{name: "write envelope wrong status in a 200", write: true, replies: []reply{{status: 200, body: `{"code":"WRONG_STATUS","message":"already audited"}`}},
			wantHits: 1, wantKind: KindState, wantCode: returns.CodeInvalidState, wantStatus: 200},
		{name: "read envelope busy in a 200 is retried", replies: []reply{{status: 200, body: `{"code":"BUSY"}`}, okReply}, wantHits: 2},
		{name: "write envelope busy in a 200 is ambiguous", write: true, replies: []reply{{status: 200, body: `{"code":"BUSY"}`}, okReply},
			wantHits: 1, wantKind: KindUnavailable, wantAmbiguous: true, wantCode: returns.CodePlatformUnavailable, wantStatus: 200},
		{name: "read non-JSON 502 page is unavailable", replies: []reply{html502},
			wantHits: 3, wantKind: KindUnavailable, wantCode: returns.CodePlatformUnavailable, wantStatus: 502},
		{name: "write non-JSON 502 page is ambiguous", write: true, replies: []reply{html502},
			wantHits: 1, wantKind: KindUnavailable, wantAmbiguous: true, wantCode: returns.CodePlatformUnavailable, wantStatus: 502},
		{name: "read 404 without envelope", replies: []reply{{status: 404, body: "not found"}},
			wantHits: 1, wantKind: KindNotFound, wantCode: returns.CodeNotFound, wantStatus: 404},
		{name: "read auth refusal is not retried", replies: []reply{{status: 200, body: `{"code":"BAD_SIGN"}`}},
			wantHits: 1, wantKind: KindAuth, wantCode: returns.CodePlatformUnavailable, wantStatus: 200},
		{name: "read 401 without envelope", replies: []reply{{status: 401, body: "unauthorized"}},
			wantHits: 1, wantKind: KindAuth, wantCode: returns.CodePlatformUnavailable, wantStatus: 401},
		{name: "write unreadable 200 is ambiguous", write: true, replies: []reply{{status: 200, body: "<html>"}},
			wantHits: 1, wantKind: KindMalformed, wantAmbiguous: true, wantCode: returns.CodePlatformUnavailable, wantStatus: 200},
		{name: "read dropped connection is retried", replies: []reply{{drop: true}, okReply}, wantHits: 2},
		{name: "write dropped connection is ambiguous", write: true, replies: []reply{{drop: true}, okReply},
			wantHits: 1, wantKind: KindUnavailable, wantAmbiguous: true, wantCode: returns.CodePlatformUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScript(t, tt.replies...)
			c := newTestClient(fastPolicy())
			var s signer
			body, err := c.Do(context.Background(), testCall(srv.URL, tt.write, &s))

			if got := srv.hits(); got != tt.wantHits {
				t.Errorf("server saw %d requests, want %d", got, tt.wantHits)
			}
			// Every attempt is built (signed) afresh, and what was built is what was sent.
			seen := srv.seen()
			if int(s.n.Load()) != len(seen) {
				t.Errorf("Build called %d times for %d requests", s.n.Load(), len(seen))
			}
			for i, b := range seen {
				if want := fmt.Sprintf(`{"sign":"%d"}`, i+1); b != want {
					t.Errorf("request %d body %s, want %s", i+1, b, want)
				}
			}
			if tt.wantKind == "" {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if string(body) != okReply.body {
					t.Errorf("body %q, want %q", body, okReply.body)
				}
				return
			}
			if err == nil {
				t.Fatalf("Do succeeded with %q, want a %s error", body, tt.wantKind)
			}
			pe := asPlatformError(t, err)
			if pe.Kind != tt.wantKind {
				t.Errorf("kind %s, want %s (%v)", pe.Kind, tt.wantKind, err)
			}
			if pe.Ambiguous != tt.wantAmbiguous {
				t.Errorf("ambiguous %v, want %v (%v)", pe.Ambiguous, tt.wantAmbiguous, err)
			}
			if got := returns.ErrorCodeOf(err); got != tt.wantCode {
				t.Errorf("code %s, want %s", got, tt.wantCode)
			}
			if pe.HTTPStatus != tt.wantStatus {
				t.Errorf("HTTP status %d, want %d", pe.HTTPStatus, tt.wantStatus)
			}
			if msg := returns.ErrorMessage(err); msg == "" || msg == "internal error" {
				t.Errorf("user message %q", msg)
			}
		})
	}
}

// closedURL is the address of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr + "/api"
}

func TestClientRefusedConnection(t *testing.T) {
	for _, write := range []bool{false, true} {
		t.Run(fmt.Sprintf("write=%v", write), func(t *testing.T) {
			c := newTestClient(fastPolicy())
			var s signer
			_, err := c.Do(context.Background(), testCall(closedURL(t), write, &s))
			pe := asPlatformError(t, err)
			if pe.Kind != KindUnavailable || pe.Ambiguous {
				t.Errorf("got kind %s ambiguous %v, want UNAVAILABLE and not ambiguous: the request never left", pe.Kind, pe.Ambiguous)
			}
			// A refused connection is retried even for a write.
			if got := s.n.Load(); got != 3 {
				t.Errorf("%d attempts, want 3", got)
			}
		})
	}
}

func TestClientRetryAfter(t *testing.T) {
	tests := []struct {
		name     string
		write    bool
		replies  []reply
		wantHits int
		// minWait is a floor the call must take (the wait asked for);
		// fail means the call fails at once instead.
		minWait        time.Duration
		fail           bool
		wantRetryAfter time.Duration
	}{
		{name: "short Retry-After header is waited", replies: []reply{
			{status: 503, header: map[string]string{"Retry-After": "1"}, body: "busy"}, okReply},
			wantHits: 2, minWait: 900 * time.Millisecond},
		{name: "short wait in the envelope is waited", write: true, replies: []reply{
			{status: 200, body: `{"code":"THROTTLED","retryAfterMs":300}`}, okReply},
			wantHits: 2, minWait: 250 * time.Millisecond},
		{name: "Retry-After header beyond the call's budget fails at once", write: true, replies: []reply{
			{status: 429, header: map[string]string{"Retry-After": "3600"}, body: "slow down"}, okReply},
			wantHits: 1, fail: true, wantRetryAfter: time.Hour},
		{name: "envelope wait beyond the call's budget fails at once", replies: []reply{
			{status: 200, body: `{"code":"THROTTLED","retryAfterMs":3600000}`}, okReply},
			wantHits: 1, fail: true, wantRetryAfter: time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScript(t, tt.replies...)
			p := fastPolicy()
			p.CallTimeout = 20 * time.Second
			c := newTestClient(p)
			var s signer
			// A safety net, so that a broken budget check fails the test rather than hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			start := time.Now()
			_, err := c.Do(ctx, testCall(srv.URL, tt.write, &s))
			took := time.Since(start)
			if got := srv.hits(); got != tt.wantHits {
				t.Errorf("server saw %d requests, want %d", got, tt.wantHits)
			}
			if !tt.fail {
				if err != nil {
					t.Fatalf("Do: %v", err)
				}
				if took < tt.minWait {
					t.Errorf("call took %v, less than the %v the platform asked to wait", took, tt.minWait)
				}
				return
			}
			pe := asPlatformError(t, err)
			if pe.Kind != KindRateLimited || pe.RetryAfter != tt.wantRetryAfter {
				t.Errorf("got kind %s retry after %v, want RATE_LIMITED %v", pe.Kind, pe.RetryAfter, tt.wantRetryAfter)
			}
			if errors.Is(err, context.DeadlineExceeded) || took >= p.CallTimeout/2 {
				t.Errorf("call waited (%v, %v) instead of failing at once", took, err)
			}
		})
	}
}

func TestClientCallTimeout(t *testing.T) {
	tests := []struct {
		name          string
		write         bool
		replies       []reply
		policy        func(*Policy)
		maxHits       int
		wantAmbiguous bool
	}{
		{name: "a hanging read stops at the call timeout, not the attempt timeout", replies: []reply{{hang: true}},
			policy: func(p *Policy) { p.AttemptTimeout, p.CallTimeout = time.Minute, 300*time.Millisecond }, maxHits: 1},
		{name: "a hanging write stops at the call timeout and is ambiguous", write: true, replies: []reply{{hang: true}},
			policy: func(p *Policy) { p.AttemptTimeout, p.CallTimeout = time.Minute, 300*time.Millisecond }, maxHits: 1, wantAmbiguous: true},
		{name: "retries stop at the call timeout", replies: []reply{fail500},
			policy: func(p *Policy) {
				p.Retries, p.WaitMin, p.WaitMax, p.CallTimeout = 1000, 150*time.Millisecond, 150*time.Millisecond, 400*time.Millisecond
			}, maxHits: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newScript(t, tt.replies...)
			p := fastPolicy()
			tt.policy(&p)
			c := newTestClient(p)
			var s signer
			// A safety net, so that a broken CallTimeout fails the test rather than hanging it.
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			start := time.Now()
			_, err := c.Do(ctx, testCall(srv.URL, tt.write, &s))
			took := time.Since(start)
			pe := asPlatformError(t, err)
			if pe.Kind != KindUnavailable || pe.Ambiguous != tt.wantAmbiguous {
				t.Errorf("got kind %s ambiguous %v, want UNAVAILABLE ambiguous %v (%v)", pe.Kind, pe.Ambiguous, tt.wantAmbiguous, err)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v does not say the deadline passed", err)
			}
			// A bound, not a speed test: an unbounded call would run for a minute or more.
			if took > 10*time.Second {
				t.Errorf("call took %v with a call timeout of %v", took, p.CallTimeout)
			}
			if got := srv.hits(); got < 1 || got > tt.maxHits {
				t.Errorf("server saw %d requests, want 1..%d", got, tt.maxHits)
			}
		})
	}
}

func TestClientCancelStopsWaiting(t *testing.T) {
	srv := newScript(t, reply{status: 429, header: map[string]string{"Retry-After": "30"}, body: "slow down"}, okReply)
	p := fastPolicy()
	p.CallTimeout = time.Minute
	p.Breaker = BreakerPolicy{Failures: 2, Cooldown: time.Minute}
	c := newTestClient(p)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var s signer
	call := testCall(srv.URL, false, &s)
	decoded := make(chan struct{}, 1)
	call.Decode = func(status int, h http.Header, body []byte) error {
		// The client decides to wait right after reading the answer.
		select {
		case decoded <- struct{}{}:
		default:
		}
		return decodeEnvelope(status, h, body)
	}
	go func() {
		<-decoded
		cancel()
	}()
	start := time.Now()
	_, err := c.Do(ctx, call)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Do = %v, want the cancellation", err)
	}
	asPlatformError(t, err)
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("cancelled call returned after %v: it kept waiting out the 30 s Retry-After", took)
	}
	if got := srv.hits(); got != 1 {
		t.Errorf("server saw %d requests, want 1", got)
	}
	// The caller's giving up says nothing about the platform.
	if breakerFailures(c.Breaker()) != 0 {
		t.Errorf("a cancelled call was counted as a failure")
	}
}

func TestClientRateLimit(t *testing.T) {
	t.Run("requests are spaced", func(t *testing.T) {
		srv := newScript(t, okReply)
		p := fastPolicy()
		p.RatePerSecond, p.Burst = 20, 1
		c := newTestClient(p)
		var s signer
		start := time.Now()
		const n = 5
		for range n {
			if _, err := c.Do(context.Background(), testCall(srv.URL, false, &s)); err != nil {
				t.Fatal(err)
			}
		}
		if got := srv.hits(); got != n {
			t.Fatalf("server saw %d requests, want %d", got, n)
		}
		// Five requests at 20/s with a burst of one cannot all arrive within 200 ms
		// of the first; allow generous slack for the first token.
		srv.mu.Lock()
		last := srv.arrivals[n-1]
		srv.mu.Unlock()
		if d := last.Sub(start); d < 150*time.Millisecond {
			t.Errorf("%d requests arrived within %v at 20 requests per second", n, d)
		}
	})
	t.Run("a wait beyond the call's budget never reaches the platform", func(t *testing.T) {
		srv := newScript(t, okReply)
		p := fastPolicy()
		p.RatePerSecond, p.Burst, p.CallTimeout = 0.01, 2, 500*time.Millisecond
		c := newTestClient(p)
		var s signer
		for i := range 2 {
			if _, err := c.Do(context.Background(), testCall(srv.URL, true, &s)); err != nil {
				t.Fatalf("call %d within the burst: %v", i+1, err)
			}
		}
		_, err := c.Do(context.Background(), testCall(srv.URL, true, &s))
		pe := asPlatformError(t, err)
		if pe.Kind != KindUnavailable || pe.Ambiguous {
			t.Errorf("got kind %s ambiguous %v, want UNAVAILABLE, not ambiguous", pe.Kind, pe.Ambiguous)
		}
		if !errors.Is(err, errRateWait) {
			t.Errorf("error %v does not name the rate limit", err)
		}
		if got := srv.hits(); got != 2 {
			t.Errorf("server saw %d requests, want 2 (the burst)", got)
		}
	})
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestClientBreaker(t *testing.T) {
	invalid := reply{status: 200, body: `{"code":"BAD_PARAM","message":"no"}`}
	notFound := reply{status: 200, body: `{"code":"NO_SUCH_CASE"}`}
	wrongState := reply{status: 200, body: `{"code":"WRONG_STATUS"}`}

	type step struct {
		advance   time.Duration
		reply     reply     // what the server answers, when the call reaches it
		wantKind  ErrorKind // "" for success
		wantFast  bool      // failed fast: the server was not asked
		wantState BreakerState
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{name: "opens after consecutive failures, half-opens after the cooldown, closes on a good probe", steps: []step{
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerOpen},
			{reply: okReply, wantKind: KindUnavailable, wantFast: true, wantState: BreakerOpen},
			{advance: 59 * time.Second, reply: okReply, wantKind: KindUnavailable, wantFast: true, wantState: BreakerOpen},
			{advance: time.Second, reply: okReply, wantState: BreakerClosed},
			{reply: okReply, wantState: BreakerClosed},
		}},
		{name: "a failed probe opens it again for another cooldown", steps: []step{
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: html502, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: throttled429, wantKind: KindRateLimited, wantState: BreakerOpen},
			{advance: time.Minute, reply: fail500, wantKind: KindUnavailable, wantState: BreakerOpen},
			{advance: 30 * time.Second, reply: okReply, wantKind: KindUnavailable, wantFast: true, wantState: BreakerOpen},
			{advance: 30 * time.Second, reply: okReply, wantState: BreakerClosed},
		}},
		{name: "refusals are answers, not failures", steps: []step{
			{reply: invalid, wantKind: KindInvalid, wantState: BreakerClosed},
			{reply: notFound, wantKind: KindNotFound, wantState: BreakerClosed},
			{reply: wrongState, wantKind: KindState, wantState: BreakerClosed},
			{reply: invalid, wantKind: KindInvalid, wantState: BreakerClosed},
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: notFound, wantKind: KindNotFound, wantState: BreakerClosed},
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerClosed},
			{reply: fail500, wantKind: KindUnavailable, wantState: BreakerOpen},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var current reply
			var hits int
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				rp := current
				hits++
				mu.Unlock()
				w.WriteHeader(rp.status)
				io.WriteString(w, rp.body)
			}))
			defer srv.Close()
			p := fastPolicy()
			p.Retries = 0
			p.Breaker = BreakerPolicy{Failures: 3, Cooldown: time.Minute}
			c := newTestClient(p)
			clock := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
			c.Breaker().now = clock.Now
			var s signer

			for i, st := range tt.steps {
				clock.Advance(st.advance)
				mu.Lock()
				current, hits = st.reply, 0
				mu.Unlock()
				_, err := c.Do(context.Background(), testCall(srv.URL, false, &s))
				mu.Lock()
				reached := hits > 0
				mu.Unlock()
				if st.wantKind == "" {
					if err != nil {
						t.Fatalf("step %d: %v", i, err)
					}
				} else {
					var pe *PlatformError
					if !errors.As(err, &pe) || pe.Kind != st.wantKind {
						t.Fatalf("step %d: error %v, want %s", i, err, st.wantKind)
					}
					if st.wantFast != errors.Is(err, ErrCircuitOpen) {
						t.Errorf("step %d: circuit-open error %v, want %v", i, errors.Is(err, ErrCircuitOpen), st.wantFast)
					}
				}
				if reached == st.wantFast {
					t.Errorf("step %d: server reached %v, want %v", i, reached, !st.wantFast)
				}
				if got := c.Breaker().State(); got != st.wantState {
					t.Errorf("step %d: breaker %s, want %s", i, got, st.wantState)
				}
			}
		})
	}
}

// TestClientBreakerCancelledCalls checks that a caller hanging up neither
// counts as a failure nor as a success, and does not leave a probe stuck.
func TestClientBreakerCancelledCalls(t *testing.T) {
	var mu sync.Mutex
	current := fail500
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		rp := current
		mu.Unlock()
		w.WriteHeader(rp.status)
		io.WriteString(w, rp.body)
	}))
	defer srv.Close()
	set := func(r reply) {
		mu.Lock()
		current = r
		mu.Unlock()
	}
	p := fastPolicy()
	p.Retries = 0
	p.Breaker = BreakerPolicy{Failures: 3, Cooldown: time.Minute}
	c := newTestClient(p)
	clock := &fakeClock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)}
	c.Breaker().now = clock.Now
	var s signer
	do := func(ctx context.Context) error {
		_, err := c.Do(ctx, testCall(srv.URL, false, &s))
		return err
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	do(context.Background())
	do(context.Background())
	if err := do(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled call: %v", err)
	}
	do(context.Background())
	if got := c.Breaker().State(); got != BreakerOpen {
		t.Fatalf("after failure, failure, cancelled, failure: breaker %s, want OPEN (a hang-up is no success)", got)
	}

	// A probe whose caller hangs up leaves the next call free to probe.
	clock.Advance(time.Minute)
	set(okReply)
	if err := do(cancelled); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled probe: %v", err)
	}
	if err := do(context.Background()); err != nil {
		t.Fatalf("call after a cancelled probe: %v", err)
	}
	if got := c.Breaker().State(); got != BreakerClosed {
		t.Errorf("breaker %s after a good probe, want CLOSED", got)
	}
}

func TestRetryAfterHeader(t *testing.T) {
	future := time.Now().Add(2 * time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		value    string
		min, max time.Duration
	}{
		{"", 0, 0},
		{"0", 0, 0},
		{"7", 7 * time.Second, 7 * time.Second},
		{"-3", 0, 0},
		{"soon", 0, 0},
		{future, 2*time.Hour - time.Minute, 2 * time.Hour},
		{"Mon, 02 Jan 2006 15:04:05 GMT", -1 << 62, 0},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.value != "" {
			h.Set("Retry-After", tt.value)
		}
		if got := retryAfter(h); got < tt.min || got > tt.max {
			t.Errorf("retryAfter(%q) = %v, want within [%v, %v]", tt.value, got, tt.min, tt.max)
		}
	}
}

// TestClientAnswerStandsAtDeadline checks that an answer received and read in
// full is not thrown away because the call's deadline passed while it was
// being decoded: for a write that would report a done action as ambiguous.
func TestClientAnswerStandsAtDeadline(t *testing.T) {
	for _, write := range []bool{false, true} {
		t.Run(fmt.Sprintf("write=%v", write), func(t *testing.T) {
			srv := newScript(t, okReply)
			p := fastPolicy()
			p.CallTimeout = 200 * time.Millisecond
			c := newTestClient(p)
			var s signer
			call := testCall(srv.URL, write, &s)
			call.Decode = func(status int, h http.Header, body []byte) error {
				// A slow decode: no channel can stand in for the deadline passing.
				time.Sleep(2 * p.CallTimeout)
				return decodeEnvelope(status, h, body)
			}
			body, err := c.Do(context.Background(), call)
			if err != nil {
				t.Fatalf("Do: %v", err)
			}
			if string(body) != okReply.body {
				t.Errorf("body %q", body)
			}
		})
	}
}
