package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
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
	// Limits bound an operation's cost before it runs: depth, the walk's
	// budget (see QueryLimits); its MaxComplexity, if set, wins over
	// ComplexityLimit.
	Limits QueryLimits
	// ParserTokenLimit bounds a document's tokens (default 15,000; the
	// largest query the dashboards send has under 1,000): deeply nested
	// list literals cost the parser and validator quadratic time.
	ParserTokenLimit int
	// QueryCacheSize is how many parsed and validated documents are kept
	// (default 1000); only documents up to maxCachedQuery (16 KiB) are.
	QueryCacheSize int
	// Introspection allows __schema and __type queries, and with them the
	// validator's "Did you mean ...?" suggestions, which also reveal the
	// schema. Off by default: on in sandbox mode, or with --introspection.
	Introspection bool
	// CORSOrigins are the browser origins allowed to call from another site,
	// matched exactly ("https://app.example.com"). None: no CORS headers.
	CORSOrigins []string
	// MaxStreams bounds the subscriptions (WebSocket and SSE) open at once
	// (default 50,000); MaxStreamsPerOwner those of one owner, as
	// StreamOwner names it from the authenticated context (the API key);
	// without StreamOwner there is no per-owner bound (default 1,000).
	MaxStreams         int
	MaxStreamsPerOwner int
	StreamOwner        func(ctx context.Context) string

	// Authenticate is the authentication hook of every transport: the HTTP
	// Authorization header, SSE's, and a WebSocket connection's
	// connection_init payload reach it, and it returns the context the
	// operations run in, with the organisation (WithOrg). An error refuses
	// the request (401) or the connection (4403). Nil runs every request
	// with the context it came with.
	Authenticate transport.Authenticator
	// RequireScopes refuses operations whose API key (auth.From) lacks the
	// scope of their type; the server sets it with its authenticator.
	RequireScopes bool
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
	if o.Limits.MaxComplexity == 0 {
		o.Limits.MaxComplexity = o.ComplexityLimit
	}
	if o.ParserTokenLimit <= 0 {
		o.ParserTokenLimit = 15000
	}
	if o.MaxStreams <= 0 {
		o.MaxStreams = 50000
	}
	if o.MaxStreamsPerOwner <= 0 {
		o.MaxStreamsPerOwner = 1000
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
	caps := &transport.StreamCaps{Max: o.MaxStreams, PerOwner: o.MaxStreamsPerOwner, Owner: o.StreamOwner}
	srv.AddTransport(transport.HTTP{Authenticate: o.Authenticate, CORSOrigins: o.CORSOrigins})
	srv.AddTransport(transport.NewWebsocket(transport.WebsocketOptions{Authenticate: o.Authenticate, InitTimeout: o.InitTimeout,
		PingInterval: o.PingInterval, OriginPatterns: o.OriginPatterns, Lifetime: o.Lifetime, Log: r.deps.Log, Caps: caps}))
	srv.AddTransport(transport.SSE{Authenticate: o.Authenticate, KeepAlive: o.PingInterval, Caps: caps, CORSOrigins: o.CORSOrigins})
	srv.SetQueryCache(capped[*ast.QueryDocument]{lru.New[*ast.QueryDocument](o.QueryCacheSize)})
	srv.SetParserTokenLimit(o.ParserTokenLimit)
	srv.Use(o.Telemetry.extension()) // first: the outermost, so it times and spans everything
	if o.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: cappedAPQ{lru.New[string](100)}})
	srv.Use(newQueryCost(o.Limits, o.ParserTokenLimit, o.QueryCacheSize))
	if o.RequireScopes {
		srv.AroundOperations(requireScopes)
	}
	srv.AroundOperations(r.withLive)
	srv.AroundOperations(transport.WithStream)
	srv.AroundResponses(transport.EndOfStream(present))
	srv.AroundResponses(capRefusalErrors)
	srv.SetErrorPresenter(present)
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		r.deps.Log.Error("resolver panic", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return errors.New("internal error")
	})
	return srv
}

// maxCachedQuery is the longest document the caches keep (the parsed-query
// cache, queryCost's, and the persisted queries'). They are bounded by
// entries, and a document of a few tokens can be padded to the 1 MiB body
// limit with a comment: 1,000 such documents pinned 1.7 GB. A cap per
// document rather than a byte budget: it bounds the caches at entries times
// 16 KiB (about 16 MiB of source, and their syntax trees, which grow with
// it) with the LRU as it is, and costs the hot path one comparison. The
// dashboards' documents are a few KiB (under 1,000 tokens); a longer one
// is still answered, only parsed and validated each time, as an uncached
// document is anyway. A persisted query over it is not kept: the client is
// told PERSISTED_QUERY_NOT_FOUND and sends the document again.
const maxCachedQuery = 16 << 10

// capped is a cache that keeps no document longer than maxCachedQuery.
type capped[T any] struct{ graphql.Cache[T] }

func (c capped[T]) Get(ctx context.Context, query string) (T, bool) {
	if len(query) > maxCachedQuery {
		var zero T
		return zero, false
	}
	return c.Cache.Get(ctx, query)
}

func (c capped[T]) Add(ctx context.Context, query string, v T) {
	if len(query) <= maxCachedQuery {
		c.Cache.Add(ctx, query, v)
	}
}

// cappedAPQ is the persisted queries' cache (hash to document): it keeps
// no document longer than maxCachedQuery.
type cappedAPQ struct{ graphql.Cache[string] }

func (c cappedAPQ) Add(ctx context.Context, hash, query string) {
	if len(query) <= maxCachedQuery {
		c.Cache.Add(ctx, hash, query)
	}
}

// maxRefusalErrors bounds the errors of an answer without data (a document
// the parser or the validator refused): the validator reports every
// conflicting pair of fields, and one is enough to fix the document.
const maxRefusalErrors = 100

func capRefusalErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Data) == 0 && len(resp.Errors) > maxRefusalErrors {
		n := len(resp.Errors)
		resp.Errors = append(resp.Errors[:maxRefusalErrors:maxRefusalErrors], &gqlerror.Error{
			Message:    fmt.Sprintf("%d more errors not shown", n-maxRefusalErrors),
			Extensions: resp.Errors[0].Extensions,
		})
	}
	return resp
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
		// A page is a database query: 10, so that thousands of aliased
		// lists cost what they do.
		return satAdd(10, satMul(n, child))
	}
	// What reads or scans the store, or calls a platform, costs what it
	// does, so that aliases cannot multiply it unseen. An analytics
	// aggregation scans the organisation's cases: two fit in one operation.
	c.Query.ReturnAnalytics = func(child int, _ model.ReturnAnalyticsInput) int { return satAdd(9000, child) }
	c.Query.PlatformReturnAddresses = func(child int, _ returns.PlatformID, _ string) int { return satAdd(200, child) }
	c.Query.ShopOrderCounts = func(child int, _ returns.PlatformID, _ string, _ string, _ string) int { return satAdd(50, child) }
	c.Query.BuyerMessagePreview = func(child int, _ string, _ *returns.Language) int { return satAdd(20, child) }
	c.Mutation.ShopOrderCountsFetch = func(child int, _ model.ShopOrderCountsFetchInput) int { return satAdd(500, child) }
	perCase := func(child int) int { return satAdd(5, child) } // one store read for each case of a page
	c.ReturnCase.Route, c.ReturnCase.Evidence, c.ReturnCase.Escalation, c.ReturnCase.ExportReturn = perCase, perCase, perCase, perCase
	c.ReturnCase.Events = func(child int, first *int, _ *string) int {
		n := defaultCaseEvents
		if first != nil && *first > 0 {
			n = *first
		}
		return satAdd(5, satMul(n, child))
	}
}

// satMul multiplies without wrapping around (a hostile page size times a deep child).
func satMul(a, b int) int {
	if a <= 0 || b <= 0 {
		return max(a*b, 0)
	}
	if a > int(^uint(0)>>1)/b {
		return int(^uint(0) >> 1)
	}
	return a * b
}

// presenter shows a caller what it can act on: the message and code of the
// gateway's own errors, GraphQL's own errors as they are, and for anything
// else a generic message (the detail goes to the log).
func presenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gerr *gqlerror.Error
		if errors.As(err, &gerr) && gerr.Err == nil {
			if strings.HasPrefix(gerr.Message, "exceeded token limit") {
				// The parser's refusal, told apart from a syntax error
				// (the transports answer it 413).
				gerr.Extensions = map[string]any{"code": transport.CodeTokenLimit}
			}
			return gerr // parse, validation and coercion errors
		}
		if e, ok := streamError(err); ok {
			return e
		}
		path := graphql.GetPath(ctx)
		if errors.As(err, &gerr) && gerr.Err != nil && gerr.Err.Error() == "introspection disabled" {
			// gqlgen's own refusal of __schema and __type (a plain error).
			return &gqlerror.Error{Message: "introspection is disabled on this gateway", Path: path,
				Extensions: map[string]any{"code": CodeIntrospectionDisabled}}
		}
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
