package transport

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits that hold against a hostile client: the rate-limit answer, the cap
// on concurrent streams, and CORS.

// Error codes (extensions.code) of the transports' refusals.
const (
	CodeRateLimited     = "RATE_LIMITED"
	CodeTooManyStreams  = "TOO_MANY_STREAMS"
	CodeRequestTooLarge = "REQUEST_TOO_LARGE"
	CodeBadRequest      = "BAD_REQUEST"
)

// RateLimitError is what an Authenticator returns when the caller has used
// up its allowance: HTTP and SSE answer 429 with Retry-After (whole seconds,
// rounded up) and a RATE_LIMITED error, a WebSocket connection is closed
// with 4429. Returned by a per-operation limit (WithOperationLimit), it
// answers that WebSocket operation's id with a RATE_LIMITED error.
type RateLimitError struct{ RetryAfter time.Duration }

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited: retry after %v", e.RetryAfter)
}

// retryAfterSeconds rounds up, and is at least 1: "0" would invite a retry storm.
func (e *RateLimitError) retryAfterSeconds() int {
	s := int(math.Ceil(e.RetryAfter.Seconds()))
	return max(s, 1)
}

// writeRateLimited answers 429.
func writeRateLimited(w http.ResponseWriter, e *RateLimitError) {
	w.Header().Set("Retry-After", strconv.Itoa(e.retryAfterSeconds()))
	if w.Header().Get("Content-Type") == "" || strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
	}
	writeCoded(w, http.StatusTooManyRequests, CodeRateLimited, "too many requests; retry after "+strconv.Itoa(e.retryAfterSeconds())+" s")
}

func writeCoded(w http.ResponseWriter, status int, code, msg string) {
	writeRequestError(w, status, &graphql.Response{Errors: gqlerror.List{{Message: msg, Extensions: map[string]any{"code": code}}}})
}

// StreamCaps bound the streams (WebSocket subscriptions and SSE
// operations) open at once, overall and per owner, so that one client
// cannot hold every goroutine and socket. One StreamCaps is shared by the
// transports of a handler.
type StreamCaps struct {
	// Max bounds the streams overall (0: no bound); PerOwner bounds those
	// of one owner, as Owner names it from the operation's authenticated
	// context (the API key, say). Owner nil or PerOwner 0: no per-owner bound.
	Max      int
	PerOwner int
	Owner    func(ctx context.Context) string

	mu      sync.Mutex
	total   int
	byOwner map[string]int
}

// acquire takes a place for a stream, or returns the error that refuses
// it; release gives the place back (once, whatever the number of calls).
func (s *StreamCaps) acquire(ctx context.Context) (release func(), err *gqlerror.Error) {
	if s == nil {
		return func() {}, nil
	}
	owner, perOwner := "", s.Owner != nil && s.PerOwner > 0
	if perOwner {
		owner = s.Owner(ctx)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.Max > 0 && s.total >= s.Max:
		return nil, &gqlerror.Error{Message: "the gateway serves as many subscriptions as it can; retry later",
			Extensions: map[string]any{"code": CodeTooManyStreams}}
	case perOwner && s.byOwner[owner] >= s.PerOwner:
		return nil, &gqlerror.Error{Message: fmt.Sprintf("at most %d subscriptions may be open at once with one key", s.PerOwner),
			Extensions: map[string]any{"code": CodeTooManyStreams}}
	}
	s.total++
	if perOwner {
		if s.byOwner == nil {
			s.byOwner = map[string]int{}
		}
		s.byOwner[owner]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.total--
			if perOwner {
				if s.byOwner[owner]--; s.byOwner[owner] <= 0 {
					delete(s.byOwner, owner)
				}
			}
			s.mu.Unlock()
		})
	}, nil
}

// Open reports the streams open now (for tests and metrics).
func (s *StreamCaps) Open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// cors answers for cross-origin browsers. Off (no Access-Control-* header)
// unless origins are listed; then an exact match of the Origin header
// (scheme, host and port) is allowed, and nothing else.
type cors []string

// headers adds the CORS headers to an answer to an allowed origin.
func (c cors) headers(w http.ResponseWriter, r *http.Request) {
	if len(c) == 0 {
		return
	}
	w.Header().Add("Vary", "Origin")
	origin := r.Header.Get("Origin")
	if origin == "" || !slices.Contains(c, origin) {
		return
	}
	w.Header().Set("Access-Control-Allow-Origin", origin)
	w.Header().Set("Access-Control-Expose-Headers", "Retry-After")
}

// preflight answers an OPTIONS request, when CORS is on: 204, with the
// methods and headers allowed if the origin is.
func (c cors) preflight(w http.ResponseWriter, r *http.Request) bool {
	if len(c) == 0 || r.Method != http.MethodOptions {
		return false
	}
	c.headers(w, r)
	if w.Header().Get("Access-Control-Allow-Origin") != "" {
		w.Header().Set("Access-Control-Allow-Methods", "GET, POST")
		w.Header().Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept")
		w.Header().Set("Access-Control-Max-Age", "600")
	}
	w.Header().Set("Allow", "GET, POST, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
	return true
}
