package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// HandlerOptions tune the GraphQL handler.
type HandlerOptions struct {
	// ComplexityLimit bounds a query's cost (each field 1, lists multiplied by
	// their page size). Default 20,000: a page of 100 cases with all their
	// fields (about 6,100) fits three times over; a query that multiplies
	// pages or lists does not.
	ComplexityLimit int
	// QueryCacheSize is how many parsed and validated documents are kept (default 1000).
	QueryCacheSize int
	// Introspection is allowed by default: the schema is public documentation.
	DisableIntrospection bool

	// Authenticate is the authentication hook of every transport: the HTTP
	// Authorization header, SSE's, and a WebSocket connection's
	// connection_init payload reach it, and it returns the context the
	// operations run in, with the organisation (WithOrg). An error refuses
	// the request (401) or the connection (4403). Nil runs every request
	// with the context it came with.
	Authenticate transport.Authenticator
	// InitTimeout closes a WebSocket connection that has not sent
	// connection_init in time (default 10 s), so idle sockets cannot pile up.
	InitTimeout time.Duration
	// PingInterval is how often a quiet subscription is checked (default
	// 25 s): see transport.WebsocketOptions; over SSE a comment is sent,
	// for the same reason and so that proxies keep the stream open.
	PingInterval time.Duration
	// OriginPatterns and Lifetime: see transport.WebsocketOptions.
	OriginPatterns []string
	Lifetime       context.Context
	// Telemetry reports operations as spans and metrics; nil: none.
	Telemetry *Telemetry
}

// NewHandler returns the GraphQL handler: POST and GET per the
// GraphQL-over-HTTP specification; subscriptions over WebSocket (the
// graphql-transport-ws protocol and the legacy graphql-ws) and Server-Sent
// Events; a parsed-query cache, automatic persisted queries, a complexity
// limit, and an error presenter that never shows internals.
func NewHandler(r *Resolver, o HandlerOptions) *handler.Server {
	if o.ComplexityLimit == 0 {
		o.ComplexityLimit = 20000
	}
	if o.QueryCacheSize == 0 {
		o.QueryCacheSize = 1000
	}
	if o.InitTimeout <= 0 {
		o.InitTimeout = 10 * time.Second
	}
	if o.PingInterval <= 0 {
		o.PingInterval = 25 * time.Second
	}
	cfg := Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	srv := handler.New(NewExecutableSchema(cfg))
	present := presenter(r.deps.Log)
	srv.AddTransport(transport.HTTP{Authenticate: o.Authenticate})
	srv.AddTransport(transport.NewWebsocket(transport.WebsocketOptions{Authenticate: o.Authenticate, InitTimeout: o.InitTimeout,
		PingInterval: o.PingInterval, OriginPatterns: o.OriginPatterns, Lifetime: o.Lifetime, Log: r.deps.Log}))
	srv.AddTransport(transport.SSE{Authenticate: o.Authenticate, KeepAlive: o.PingInterval})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	srv.Use(o.Telemetry.extension()) // first: the outermost, so it times and spans everything
	if !o.DisableIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.AroundOperations(r.withLive)
	srv.AroundOperations(transport.WithStream)
	srv.AroundResponses(transport.EndOfStream(present))
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		r.deps.Log.Error("resolver panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return errors.New("internal error")
	})
	return srv
}

// setComplexity counts a connection's nodes by its page size, so a deep
// query over large pages is refused before it runs.
func setComplexity(c *ComplexityRoot) {
	c.Query.ReturnCases = func(child int, _ *model.ReturnCaseFilter, _ *store.Order, first *int, _ *string, last *int, _ *string) int {
		n := 20
		if first != nil {
			n = *first
		} else if last != nil {
			n = *last
		}
		if n < 1 {
			n = 1
		}
		return 1 + n*child
	}
}

// presenter shows a caller what it can act on: the message and code of the
// gateway's own errors, GraphQL's own errors as they are, and for anything
// else a generic message (the detail goes to the log).
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gerr *gqlerror.Error
		if errors.As(err, &gerr) && gerr.Err == nil {
			return gerr // parse, validation and coercion errors
		}
		if e, ok := streamError(err); ok {
			return e
		}
		path := graphql.GetPath(ctx)
		code := returns.ErrorCodeOf(err)
		if code == returns.CodeInternal {
			if errors.Is(err, context.Canceled) {
				return &gqlerror.Error{Message: "request cancelled", Path: path, Extensions: map[string]any{"code": "CANCELLED"}}
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return &gqlerror.Error{Message: "request timed out", Path: path, Extensions: map[string]any{"code": "TIMEOUT"}}
			}
			log.ErrorContext(ctx, "internal error", "path", path.String(), "err", err)
			return &gqlerror.Error{Message: "internal error", Path: path, Extensions: map[string]any{"code": string(returns.CodeInternal)}}
		}
		ext := map[string]any{"code": string(code)}
		var e *returns.Error
		if errors.As(err, &e) {
			if len(e.Field) > 0 {
				ext["field"] = e.Field
			}
			if e.RuleID != "" {
				ext["ruleId"] = e.RuleID
			}
		}
		return &gqlerror.Error{Message: returns.ErrorMessage(err), Path: path, Extensions: ext}
	}
}
