package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// HandlerOptions tune the GraphQL handler.
type HandlerOptions struct {
	// ComplexityLimit bounds a query's cost (each field 1, lists multiplied by
	// their page size). Default 5000: a page of 100 cases with all their
	// fields fits, a query that multiplies lists does not.
	ComplexityLimit int
	// QueryCacheSize is how many parsed and validated documents are kept (default 1000).
	QueryCacheSize int
	// Introspection is allowed by default: the schema is public documentation.
	DisableIntrospection bool
}

// NewHandler returns the GraphQL HTTP handler: POST and GET per the
// GraphQL-over-HTTP specification, a parsed-query cache, automatic persisted
// queries, a complexity limit, and an error presenter that never shows
// internals.
func NewHandler(r *Resolver, o HandlerOptions) *handler.Server {
	if o.ComplexityLimit == 0 {
		o.ComplexityLimit = 5000
	}
	if o.QueryCacheSize == 0 {
		o.QueryCacheSize = 1000
	}
	cfg := Config{Resolvers: r}
	setComplexity(&cfg.Complexity)
	srv := handler.New(NewExecutableSchema(cfg))
	srv.AddTransport(HTTPTransport{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	if !o.DisableIntrospection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	srv.Use(extension.FixedComplexityLimit(o.ComplexityLimit))
	srv.AroundOperations(r.withLive)
	srv.SetErrorPresenter(presenter(r.deps.Log))
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
		path := graphql.GetPath(ctx)
		code := returns.ErrorCodeOf(err)
		if code == returns.CodeInternal {
			if errors.Is(err, context.Canceled) {
				return &gqlerror.Error{Message: "request cancelled", Path: path, Extensions: map[string]any{"code": "CANCELLED"}}
			}
			if errors.Is(err, context.DeadlineExceeded) {
				return &gqlerror.Error{Message: "request timed out", Path: path, Extensions: map[string]any{"code": "TIMEOUT"}}
			}
			log.Error("internal error", "path", path.String(), "err", err)
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
