package adapters

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"golang.org/x/time/rate"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// Policy is a platform's retry, timeout and rate policy: data, not code.
type Policy struct {
	Retries        int           // retries after the first attempt
	WaitMin        time.Duration // first back-off
	WaitMax        time.Duration // longest back-off
	AttemptTimeout time.Duration // one HTTP exchange
	CallTimeout    time.Duration // one call, retries and waits included
	RatePerSecond  float64       // requests per second to the platform (0: unlimited)
	Burst          int
	Breaker        BreakerPolicy
}

// DefaultPolicy is a gateway's policy: a caller waits seconds, not minutes.
// go-retryablehttp's own defaults (4 retries, waits up to 30 s) are far too slow.
var DefaultPolicy = Policy{
	Retries:        2,
	WaitMin:        100 * time.Millisecond,
	WaitMax:        800 * time.Millisecond,
	AttemptTimeout: 5 * time.Second,
	CallTimeout:    10 * time.Second,
	RatePerSecond:  50,
	Burst:          10,
	Breaker:        DefaultBreakerPolicy,
}

// Call is one API call. Build is called for every attempt, so each retry is
// signed again with a fresh timestamp.
type Call struct {
	Method      string // the API method, for errors and logs
	HTTPMethod  string // default POST
	URL         string
	ContentType string
	Build       func() ([]byte, error)
	// Write marks a call that changes state on the platform. It is retried
	// only when the platform certainly did not process it (refused
	// connection, throttling); any other failure is reported as ambiguous.
	Write bool
	// Decode reads a response (the platform's envelope) and returns the
	// platform error it carries, or nil. It is called for every status code:
	// several platforms report errors with HTTP 200.
	Decode func(status int, header http.Header, body []byte) error
}

// Client sends calls to one platform.
type Client struct {
	platform returns.PlatformID
	policy   Policy
	rc       *retryablehttp.Client
	breaker  *Breaker
	log      *slog.Logger
	// tel is the shop the client acts for and its metrics (see
	// Instrument); nil until then.
	tel atomic.Pointer[clientTelemetry]
}

// clientTelemetry is what a client reports to, labelled with its platform
// and shop once so that a call costs no label lookups beyond its method.
type clientTelemetry struct {
	shop    string
	calls   prometheus.ObserverVec // method, outcome
	retries prometheus.Counter
	waited  prometheus.Counter
	circuit prometheus.Gauge
}

// Instrument names the shop the client acts for (in its logs and spans) and,
// with m not nil, times its calls into m: latency per method and outcome,
// retries, rate-limit waits and the circuit's state. Call it before the
// client is used; nil metrics leave the calls unmeasured.
func (c *Client) Instrument(shop string, m *telemetry.Metrics) {
	t := &clientTelemetry{shop: shop}
	if m != nil {
		l := prometheus.Labels{"platform": string(c.platform), "shop": shop}
		t.calls = m.PlatformCalls.MustCurryWith(l)
		t.retries = m.PlatformRetries.With(l)
		t.waited = m.RateLimitWait.With(l)
		t.circuit = m.CircuitOpen.With(l)
		t.circuit.Set(0)
	}
	c.tel.Store(t)
}

// NewClient returns a client for the platform with the policy. A nil
// httpClient means a fresh pooled client.
func NewClient(platform returns.PlatformID, policy Policy, httpClient *http.Client, log *slog.Logger) *Client {
	if log == nil {
		log = slog.Default()
	}
	if httpClient == nil {
		httpClient = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	hc := *httpClient
	hc.Timeout = policy.AttemptTimeout
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := &Client{platform: platform, policy: policy, breaker: NewBreaker(policy.Breaker), log: log}
	if policy.RatePerSecond > 0 {
		hc.Transport = &limitedTransport{base: base, limiter: rate.NewLimiter(rate.Limit(policy.RatePerSecond), c.burst()), waited: c.rateWaited}
	}
	rc := retryablehttp.NewClient()
	rc.HTTPClient = &hc
	rc.Logger = nil
	rc.RetryMax = policy.Retries
	rc.RetryWaitMin = policy.WaitMin
	rc.RetryWaitMax = policy.WaitMax
	rc.CheckRetry = c.checkRetry
	rc.Backoff = c.backoff
	rc.PrepareRetry = prepareRetry
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	rc.RequestLogHook = func(_ retryablehttp.Logger, _ *http.Request, attempt int) {
		if attempt > 0 {
			if t := c.tel.Load(); t != nil && t.retries != nil {
				t.retries.Inc()
			}
		}
	}
	c.rc = rc
	return c
}

func (c *Client) burst() int {
	if c.policy.Burst < 1 {
		return 1
	}
	return c.policy.Burst
}

func (c *Client) rateWaited(d time.Duration) {
	if t := c.tel.Load(); t != nil && t.waited != nil && d > 0 {
		t.waited.Add(d.Seconds())
	}
}

// Breaker returns the client's circuit breaker, for health reporting.
func (c *Client) Breaker() *Breaker { return c.breaker }

type callKey struct{}

// callState is what the client-wide hooks of go-retryablehttp need to know
// about the call in flight; it travels in the request's context.
type callState struct {
	call *Call
	body []byte // the body of the current attempt
	resp []byte // the body of the last response read
	// retryAfter is how long the platform asked us to wait, from its
	// Retry-After header or its own error envelope.
	retryAfter time.Duration
}

// Do sends the call and returns the response body of a successful call. Errors
// are *PlatformError. Each call is a client span named after the platform's
// method, and one log line that carries the request id of ctx (the id is not
// sent to the platform).
func (c *Client) Do(ctx context.Context, call Call) (body []byte, err error) {
	t0 := time.Now()
	t := c.tel.Load()
	shop := ""
	if t != nil {
		shop = t.shop
	}
	ctx, span := telemetry.Tracer().Start(ctx, string(c.platform)+" "+call.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("platform", string(c.platform)), attribute.String("shop", shop),
			attribute.String("rpc.method", call.Method), attribute.Bool("platform.write", call.Write)))
	if id := telemetry.RequestID(ctx); id != "" {
		span.SetAttributes(telemetry.RequestIDAttr.String(id))
	}
	defer func() {
		outcome := callOutcome(err)
		d := time.Since(t0)
		span.SetAttributes(attribute.String("outcome", outcome))
		telemetry.End(span, err)
		if t != nil && t.calls != nil {
			t.calls.WithLabelValues(call.Method, outcome).Observe(d.Seconds())
			open := 0.0
			if c.breaker.State() != BreakerClosed {
				open = 1
			}
			t.circuit.Set(open)
		}
		level := slog.LevelDebug
		if telemetry.RequestID(ctx) != "" {
			// A call made for a client's request: the operator follows it by id.
			level = slog.LevelInfo
		}
		if c.log.Enabled(ctx, level) {
			attrs := []slog.Attr{slog.String("platform", string(c.platform)), slog.String("shop", shop),
				slog.String("method", call.Method), slog.String("outcome", outcome), slog.Duration("duration", d)}
			if err != nil {
				attrs = append(attrs, slog.String("err", err.Error()))
			}
			c.log.LogAttrs(ctx, level, "platform call", attrs...)
		}
	}()
	if err := c.breaker.Allow(); err != nil {
		return nil, &PlatformError{Platform: c.platform, Method: call.Method, Kind: KindUnavailable, Message: "circuit open after repeated failures", Err: err}
	}
	if c.policy.CallTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.policy.CallTimeout)
		defer cancel()
	}
	body, err = c.do(ctx, &call)
	if errors.Is(err, context.Canceled) {
		// The caller hung up: neither a failure nor a success of the platform.
		c.breaker.forget()
	} else {
		c.breaker.Record(breakerOutcome(err))
	}
	return body, err
}

func (c *Client) do(ctx context.Context, call *Call) ([]byte, error) {
	st := &callState{call: call}
	first, err := call.Build()
	if err != nil {
		return nil, err
	}
	st.body = first
	ctx = context.WithValue(ctx, callKey{}, st)
	method := call.HTTPMethod
	if method == "" {
		method = http.MethodPost
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, method, call.URL,
		retryablehttp.ReaderFunc(func() (io.Reader, error) { return bytes.NewReader(st.body), nil }))
	if err != nil {
		return nil, err
	}
	if call.ContentType != "" {
		req.Header.Set("Content-Type", call.ContentType)
	}
	req.Header.Set("Accept", "application/json")
	req.SetResponseHandler(func(resp *http.Response) error {
		defer resp.Body.Close()
		b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
		if err != nil {
			return c.transportError(call, err, true)
		}
		st.resp = b
		var derr error
		if call.Decode != nil {
			derr = call.Decode(resp.StatusCode, resp.Header, b)
		}
		var pe *PlatformError
		if resp.StatusCode >= 300 && !errors.As(derr, &pe) {
			// A failure status without an envelope we understand (an HTML
			// error page from a proxy, say): the status says it all.
			derr = &PlatformError{Kind: kindForStatus(resp.StatusCode), Err: derr}
		}
		if derr != nil {
			err := c.fill(call, resp, derr)
			if errors.As(err, &pe) {
				st.retryAfter = pe.RetryAfter
			}
			return err
		}
		return nil
	})
	resp, err := c.rc.Do(req)
	if err != nil {
		var pe *PlatformError
		if errors.As(err, &pe) {
			return nil, pe
		}
		return nil, c.transportError(call, err, !neverSent(err))
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	return st.resp, nil
}

// fill completes a platform error with what the client knows.
func (c *Client) fill(call *Call, resp *http.Response, err error) error {
	var pe *PlatformError
	if !errors.As(err, &pe) {
		pe = &PlatformError{Kind: KindMalformed, Err: err}
	}
	pe.Platform = c.platform
	pe.Method = call.Method
	if pe.HTTPStatus == 0 {
		pe.HTTPStatus = resp.StatusCode
	}
	if pe.RetryAfter == 0 {
		pe.RetryAfter = retryAfter(resp.Header)
	}
	if call.Write && (pe.Kind == KindUnavailable || pe.Kind == KindMalformed) {
		pe.Ambiguous = true
	}
	return pe
}

func (c *Client) transportError(call *Call, err error, maybeSent bool) *PlatformError {
	return &PlatformError{Platform: c.platform, Method: call.Method, Kind: KindUnavailable,
		Ambiguous: call.Write && maybeSent, Err: err}
}

// checkRetry decides whether an attempt is repeated.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err == nil {
		// An answer arrived (the response handler reads and judges it): the
		// deadline passing meanwhile must not turn a done write into a failure.
		return false, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st, _ := ctx.Value(callKey{}).(*callState)
	write := st != nil && st.call.Write
	var pe *PlatformError
	if errors.As(err, &pe) {
		if pe.RetryAfter > 0 {
			// Asked to wait longer than we have: fail now rather than late.
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < pe.RetryAfter {
				return false, err
			}
		}
		return pe.Retryable(write), err
	}
	// A transport error: a read may always be repeated, a write only if
	// the request never left.
	return !write || neverSent(err), err
}

// backoff waits exponentially with jitter, or as long as the platform asked
// (Retry-After, or its own envelope) when that fits the call's budget.
func (c *Client) backoff(min, max time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		ra := retryAfter(resp.Header)
		if resp.Request != nil {
			if st, _ := resp.Request.Context().Value(callKey{}).(*callState); st != nil && st.retryAfter > ra {
				ra = st.retryAfter
			}
		}
		if ra > 0 {
			// checkRetry has made sure the wait fits the call's budget.
			return ra
		}
	}
	d := min << attempt
	if d <= 0 || d > max {
		d = max
	}
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// prepareRetry builds the next attempt's body (signed afresh).
func prepareRetry(req *http.Request) error {
	st, _ := req.Context().Value(callKey{}).(*callState)
	if st == nil {
		return nil
	}
	b, err := st.call.Build()
	if err != nil {
		return err
	}
	st.body = b
	req.ContentLength = int64(len(b))
	return nil
}

// neverSent reports whether a transport error proves that the request never
// reached the server (so that even a write may be repeated).
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, errRateWait)
}

func kindForStatus(code int) ErrorKind {
	switch {
	case code == http.StatusTooManyRequests:
		return KindRateLimited
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return KindAuth
	case code == http.StatusNotFound:
		return KindNotFound
	case code >= 500:
		return KindUnavailable
	case code >= 400:
		return KindInvalid
	}
	return KindMalformed
}

func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

var errRateWait = errors.New("rate limit wait exceeds the call's deadline")

// callOutcome is a call's outcome label: "ok", "circuit_open", "cancelled",
// or the platform error's kind (a handful of values: the label stays bounded).
func callOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	if errors.Is(err, ErrCircuitOpen) {
		return "circuit_open"
	}
	if errors.Is(err, context.Canceled) {
		return "cancelled"
	}
	var pe *PlatformError
	if errors.As(err, &pe) && pe.Kind != "" {
		return string(pe.Kind)
	}
	return "error"
}

// limitedTransport keeps requests to a platform within its rate limit.
type limitedTransport struct {
	base    http.RoundTripper
	limiter *rate.Limiter
	waited  func(time.Duration) // told how long each request waited
}

func (t *limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	t0 := time.Now()
	err := t.limiter.Wait(req.Context())
	if t.waited != nil {
		t.waited(time.Since(t0))
	}
	if err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: errors.Join(errRateWait, err)}
	}
	return t.base.RoundTrip(req)
}

func breakerOutcome(err error) bool {
	if err == nil {
		return true
	}
	var pe *PlatformError
	if errors.As(err, &pe) {
		// A refusal is an answer: the platform is up.
		switch pe.Kind {
		case KindInvalid, KindState, KindNotFound:
			return true
		}
	}
	return false
}
