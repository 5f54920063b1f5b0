package transport

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/executor"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// A small schema for the transports' tests, so that they need none of the
// gateway's resolvers: a query that says who the caller is, and a
// subscription fed by the test (a tickFeed), whose resolver notifies as the
// gateway's do.
var testSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { whoami: String! }
	type Subscription { ticks: Int! }
`})

type callerKey struct{}

// asCaller is what a test's authentication hook puts in the context.
func asCaller(ctx context.Context, who string) context.Context {
	return context.WithValue(ctx, callerKey{}, who)
}

// tickFeed is the subscription's source: every subscriber gets each tick;
// end closes every stream with an error.
type tickFeed struct {
	mu   sync.Mutex
	subs map[*tickSub]bool
	// notified counts the subscriptions that took a Notifier (the pumps run them).
	notified int
}

type tickSub struct {
	ch     chan int
	notify func()
	err    error
}

func (f *tickFeed) subscribe(ctx context.Context) *tickSub {
	s := &tickSub{ch: make(chan int, 16), notify: Notifier(ctx)}
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[*tickSub]bool{}
	}
	f.subs[s] = true
	if s.notify != nil {
		f.notified++
	}
	f.mu.Unlock()
	SetStreamEnd(ctx, func() error { f.mu.Lock(); defer f.mu.Unlock(); return s.err })
	context.AfterFunc(ctx, func() { f.remove(s, nil) })
	return s
}

func (f *tickFeed) remove(s *tickSub, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.subs[s] {
		return
	}
	delete(f.subs, s)
	s.err = err
	close(s.ch)
	if s.notify != nil {
		s.notify()
	}
}

func (f *tickFeed) len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

func (f *tickFeed) tick(v int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.subs {
		s.ch <- v
		if s.notify != nil {
			s.notify()
		}
	}
}

// end ends every stream with err.
func (f *tickFeed) end(err error) {
	f.mu.Lock()
	subs := make([]*tickSub, 0, len(f.subs))
	for s := range f.subs {
		subs = append(subs, s)
	}
	f.mu.Unlock()
	for _, s := range subs {
		f.remove(s, err)
	}
}

func (f *tickFeed) schema() graphql.ExecutableSchema {
	return &graphql.ExecutableSchemaMock{
		SchemaFunc: func() *ast.Schema { return testSchema },
		ComplexityFunc: func(context.Context, string, string, int, map[string]any) (int, bool) {
			return 1, true
		},
		ExecFunc: func(ctx context.Context) graphql.ResponseHandler {
			switch graphql.GetOperationContext(ctx).Operation.Operation {
			case ast.Query:
				who, _ := ctx.Value(callerKey{}).(string)
				if oc := graphql.GetOperationContext(ctx); defers(oc.Doc, oc.Operation) {
					// As the executor answers @defer: the initial result,
					// then the deferred fragment as a later one.
					more, last := true, false
					parts := []*graphql.Response{
						{Data: []byte(`{"whoami":null}`), HasNext: &more},
						{Data: fmt.Appendf(nil, `{"whoami":%q}`, who), Label: "later", HasNext: &last},
					}
					return func(context.Context) *graphql.Response {
						if len(parts) == 0 {
							return nil
						}
						p := parts[0]
						parts = parts[1:]
						return p
					}
				}
				return graphql.OneShot(&graphql.Response{Data: fmt.Appendf(nil, `{"whoami":%q}`, who)})
			case ast.Subscription:
				s := f.subscribe(ctx)
				return func(ctx context.Context) *graphql.Response {
					select {
					case v, ok := <-s.ch:
						if !ok {
							return nil
						}
						return &graphql.Response{Data: fmt.Appendf(nil, `{"ticks":%d}`, v)}
					case <-ctx.Done():
						return nil
					}
				}
			}
			return graphql.OneShot(graphql.ErrorResponse(ctx, "mutations are not supported"))
		},
	}
}

// testPresenter shows every error's message with a code, as the gateway's does.
func testPresenter(_ context.Context, err error) *gqlerror.Error {
	var gerr *gqlerror.Error
	if errors.As(err, &gerr) {
		return gerr
	}
	return &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": "ENDED"}}
}

// testExecutor is an executor with the middlewares the transports rely on.
func (f *tickFeed) executor() graphql.GraphExecutor {
	exec := executor.New(f.schema())
	exec.AroundOperations(WithStream)
	exec.AroundResponses(EndOfStream(testPresenter))
	exec.SetErrorPresenter(testPresenter)
	return exec
}

// testHandler serves the feed's schema over every transport, as graph.NewHandler does.
func (f *tickFeed) handler(auth Authenticator, ws WebsocketOptions) *handler.Server {
	srv := handler.New(f.schema())
	ws.Authenticate = auth
	srv.AddTransport(HTTP{Authenticate: auth})
	srv.AddTransport(NewWebsocket(ws))
	srv.AddTransport(SSE{Authenticate: auth})
	srv.AroundOperations(WithStream)
	srv.AroundResponses(EndOfStream(testPresenter))
	srv.SetErrorPresenter(testPresenter)
	return srv
}

// serve starts the handler on loopback and returns its host:port.
func serve(t *testing.T, h *handler.Server) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}
