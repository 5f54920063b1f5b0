package transport

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// How a subscription's stream ends, and how its channel is read.
//
// A subscription's resolver hands gqlgen a channel. Two things about it are
// between the resolver and the transport that serves it, and pass through the
// operation's context:
//   - why the channel closed (the subscriber fell behind, the gateway shut
//     down): the resolver says how to learn it (SetStreamEnd), and
//     EndOfStream turns it into what the client sees, over WebSocket the
//     protocol's error message, over SSE a last response with the error;
//   - when there is something on the channel: under the WebSocket transport
//     the resolver asks for a Notifier, so that no goroutine waits on an
//     idle subscription's channel.

// stream is where a subscription's resolver says how to learn, once its
// channel is closed, why it ended.
type stream struct {
	mu  sync.Mutex
	end func() error
}

type streamKey struct{}

// take returns why the stream ended, once.
func (s *stream) take() error {
	s.mu.Lock()
	end := s.end
	s.end = nil
	s.mu.Unlock()
	if end == nil {
		return nil
	}
	return end()
}

// WithStream gives a subscription operation the place where its resolver
// says how it ended (an AroundOperations middleware; see SetStreamEnd).
func WithStream(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Subscription {
		ctx = context.WithValue(ctx, streamKey{}, &stream{})
	}
	return next(ctx)
}

// SetStreamEnd tells the transport how to learn why the subscription's
// channel closed: end returns nil when the stream ended in the ordinary way
// (the client left), else the error the client is told. Outside a
// subscription operation set up by WithStream it does nothing.
func SetStreamEnd(ctx context.Context, end func() error) {
	if s, _ := ctx.Value(streamKey{}).(*stream); s != nil {
		s.mu.Lock()
		s.end = end
		s.mu.Unlock()
	}
}

// wsEnd collects the error that ends a stream (see EndOfStream), for the
// WebSocket transport to send as the protocol's error message.
type wsEnd struct{ errs gqlerror.List }

type wsEndKey struct{}

// EndOfStream turns the end of a subscription that was cut short into an
// error the client sees (an AroundResponses middleware): over WebSocket the
// protocol's error message, which ends the operation; elsewhere (SSE) a last
// response with the error. present is the executor's error presenter.
func EndOfStream(present graphql.ErrorPresenterFunc) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		resp := next(ctx)
		if resp != nil || ctx.Err() != nil {
			return resp // an event, or the client left: nothing to tell
		}
		s, _ := ctx.Value(streamKey{}).(*stream)
		if s == nil {
			return nil
		}
		err := s.take()
		if err == nil {
			return nil
		}
		gerr := present(ctx, err)
		if end, ok := ctx.Value(wsEndKey{}).(*wsEnd); ok {
			end.errs = append(end.errs, gerr)
			return nil
		}
		return &graphql.Response{Errors: gqlerror.List{gerr}}
	}
}

// wsStreamKey offers a subscription's resolver its WebSocket stream (see Notifier).
type wsStreamKey struct{}

// Notifier returns, under the WebSocket transport, the function to call
// whenever the subscription's channel has something to read (a value, or its
// close), and claims the stream: the transport then reads the channel only
// when told, with no goroutine waiting on it. Nil elsewhere: the channel is
// read by a goroutine parked on it. A resolver calls it once it is sure to
// return its channel (after every check that may fail), and must then notify
// for every value it sends and for the close.
func Notifier(ctx context.Context) func() {
	st, _ := ctx.Value(wsStreamKey{}).(*wsStream)
	if st == nil {
		return nil
	}
	st.claimed = true
	return st.notify
}
