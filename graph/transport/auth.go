package transport

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/returnsgw/returnsgw/returns"
)

// Authenticator is the one authentication hook of every transport: it gets
// what the client presented and returns the context the client's operations
// run in (carrying who the caller is), or an error that refuses them: 401 over
// HTTP and SSE; over WebSocket close code 4403 (Forbidden), which the legacy
// protocol hears as a connection_error first. Nil accepts every request with
// the context it came with. A *RateLimitError refuses with 429 over HTTP and
// SSE (with Retry-After), 4429 over WebSocket.
//
// HTTP and SSE call it for each request; WebSocket once per connection, at
// connection_init. The context it returns must derive from the one it got,
// which carries the executor's and the connection's own values. A limit it
// applies per request (a rate limit) reaches a WebSocket connection's
// operations only through WithOperationLimit.
type Authenticator func(ctx context.Context, cred Credentials) (context.Context, error)

type operationLimitKey struct{}

// WithOperationLimit returns ctx with take, which the WebSocket transport
// calls for each operation a connection starts (a subscribe, or the legacy
// protocol's start), where HTTP and SSE call the Authenticator: an
// Authenticator that limits requests returns its context with this, or a
// connection past its first message is not limited at all. An error from
// take refuses that operation with an error for its id and leaves the
// connection open: a *RateLimitError as RATE_LIMITED, with the seconds to
// wait in the message; any other with its code (returns.ErrorCodeOf).
func WithOperationLimit(ctx context.Context, take func() error) context.Context {
	return context.WithValue(ctx, operationLimitKey{}, take)
}

// operationLimit is what WithOperationLimit put in ctx, or nil.
func operationLimit(ctx context.Context) func() error {
	take, _ := ctx.Value(operationLimitKey{}).(func() error)
	return take
}

// Credentials are what a client presented to authenticate.
type Credentials struct {
	// Authorization is the HTTP Authorization header ("Bearer <key>"). Over
	// WebSocket, where browsers cannot set headers, it is the
	// connection_init payload's "Authorization" entry (the name in any
	// case), or else the upgrade request's header.
	Authorization string
	// Payload is a WebSocket connection's connection_init payload (nil over
	// HTTP and SSE), for credentials in any other shape.
	Payload map[string]any
	// Stream is set for what outlives one answer (a WebSocket connection, an
	// SSE stream): the hook may tie it to the credentials' validity, which a
	// plain request, over in milliseconds, need not pay for.
	Stream bool
}

// authorization finds the Authorization entry of a connection_init payload:
// "Authorization", else "authorization", else the name in another case (the
// first in order, so that the answer does not depend on the map's order).
func authorization(payload map[string]any) (string, bool) {
	for _, k := range []string{"Authorization", "authorization"} {
		if s, ok := payload[k].(string); ok {
			return s, true
		}
	}
	key := ""
	for k, v := range payload {
		if _, isString := v.(string); isString && strings.EqualFold(k, "authorization") && (key == "" || k < key) {
			key = k
		}
	}
	if key == "" {
		return "", false
	}
	return payload[key].(string), true
}

// authenticate runs the hook for an HTTP request (HTTP or SSE). On refusal it
// answers 401 and returns ok false.
func authenticate(auth Authenticator, w http.ResponseWriter, r *http.Request, stream bool) (*http.Request, bool) {
	if auth == nil {
		return r, true
	}
	ctx, err := auth(r.Context(), Credentials{Authorization: r.Header.Get("Authorization"), Stream: stream})
	var rl *RateLimitError
	if errors.As(err, &rl) {
		writeRateLimited(w, rl)
		return nil, false
	}
	if code := returns.ErrorCodeOf(err); code == returns.CodeStoreUnavailable {
		// The key could not be checked: that is no refusal of it.
		w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		w.Header().Set("Retry-After", "5")
		writeRequestError(w, http.StatusServiceUnavailable, &graphql.Response{Errors: gqlerror.List{{
			Message: returns.ErrorMessage(err), Extensions: map[string]any{"code": string(code)}}}})
		return nil, false
	}
	if err != nil {
		msg := "the request is not authenticated"
		if returns.ErrorCodeOf(err) != returns.CodeInternal {
			msg = returns.ErrorMessage(err)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", mediaJSON+"; charset=utf-8")
		}
		w.Header().Set("WWW-Authenticate", "Bearer")
		writeRequestError(w, http.StatusUnauthorized, &graphql.Response{Errors: gqlerror.List{{Message: msg,
			Extensions: map[string]any{"code": string(returns.CodeUnauthorized)}}}})
		return nil, false
	}
	return r.WithContext(ctx), true
}
