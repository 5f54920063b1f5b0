package graph

import (
	"context"
	"encoding/json"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/telemetry"
)

// Telemetry is what the handler reports about its operations (see
// HandlerOptions.Telemetry): a span per operation, continuing the trace of
// the HTTP request's context (telemetry.Middleware extracts traceparent), a
// child span per mutation field, and, with Metrics, operations by name, type
// and latency, errors by code (GraphQL errors, and the user errors of
// mutation payloads that select their code), and open subscriptions by
// transport. A nil *Telemetry
// adds nothing to a request.
type Telemetry struct {
	Metrics *telemetry.Metrics
}

// extension returns the handler extension of t; a no-op one when t is nil.
func (t *Telemetry) extension() graphql.HandlerExtension {
	if t == nil {
		return noExtension{}
	}
	return telemetryExtension{t}
}

// noExtension stands in when telemetry is off: gqlgen accepts only
// extensions with a hook, so it has the cheapest one (once per request, no
// work).
type noExtension struct{}

func (noExtension) MutateOperationParameters(context.Context, *graphql.RawParams) *gqlerror.Error {
	return nil
}

func (noExtension) ExtensionName() string                          { return "NoTelemetry" }
func (noExtension) Validate(graphql.ExecutableSchema) error        { return nil }
func (telemetryExtension) ExtensionName() string                   { return "Telemetry" }
func (telemetryExtension) Validate(graphql.ExecutableSchema) error { return nil }

type telemetryExtension struct{ *Telemetry }

var (
	_ graphql.OperationInterceptor = telemetryExtension{}
	_ graphql.ResponseInterceptor  = telemetryExtension{}
	_ graphql.RootFieldInterceptor = telemetryExtension{}
)

// InterceptOperation spans and times the operation. A query or mutation is
// timed until its response is ready; a subscription until it is set up,
// and it is counted as open until its context ends (the transport cancels
// it when the stream ends or the client leaves).
func (t telemetryExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	typ, opName := "query", oc.OperationName
	if oc.Operation != nil {
		typ = string(oc.Operation.Operation)
		if opName == "" {
			opName = oc.Operation.Name // the document's only operation, named there
		}
	}
	var name string
	if t.Metrics != nil {
		name = t.Metrics.OperationLabel(opName)
	} else {
		name = spanOperationName(opName)
	}
	t0 := time.Now()
	ctx, span := telemetry.Tracer().Start(ctx, "graphql."+typ+" "+name, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", name)))
	if id := telemetry.RequestID(ctx); id != "" {
		span.SetAttributes(telemetry.RequestIDAttr.String(id))
	}
	observe := func() {
		if t.Metrics != nil {
			t.Metrics.GraphQLRequests.WithLabelValues(name, typ).Observe(time.Since(t0).Seconds())
		}
	}
	if typ == string(ast.Subscription) {
		rh := next(ctx)
		observe()
		span.End()
		if t.Metrics != nil {
			g := t.Metrics.Subscribers.WithLabelValues(transport.SubscriptionTransport(ctx))
			g.Inc()
			context.AfterFunc(ctx, g.Dec)
		}
		return rh
	}
	rh := next(ctx)
	var once sync.Once
	return func(ctx context.Context) *graphql.Response {
		resp := rh(ctx)
		once.Do(func() {
			observe()
			if resp != nil && len(resp.Errors) > 0 {
				span.SetAttributes(attribute.Int("graphql.errors", len(resp.Errors)))
			}
			span.End()
		})
		return resp
	}
}

// InterceptResponse counts the errors of every response by code, those of
// requests that never became an operation (parse and validation errors)
// included.
func (t telemetryExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if t.Metrics != nil && resp != nil {
		for _, e := range resp.Errors {
			code, _ := e.Extensions["code"].(string)
			t.Metrics.GraphQLErrors.WithLabelValues(errorLabel(code)).Inc()
		}
		t.countUserErrors(ctx, resp)
	}
	return resp
}

// InterceptRootField spans the mutation fields (each does I/O: the store,
// and usually the platform). Other root fields pass straight through; fields
// below the root are not intercepted at all (a field interceptor would cost
// every field of a page an allocation).
func (t telemetryExtension) InterceptRootField(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
	rfc := graphql.GetRootFieldContext(ctx)
	if rfc == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	if op := graphql.GetOperationContext(ctx).Operation; op == nil || op.Operation != ast.Mutation {
		return next(ctx)
	}
	ctx, span := telemetry.Start(ctx, "Mutation."+rfc.Field.Name)
	defer span.End()
	return next(ctx)
}

// countUserErrors counts the user errors of a mutation's payloads by code
// (those the client selected with their code).
func (t telemetryExtension) countUserErrors(ctx context.Context, resp *graphql.Response) {
	if !graphql.HasOperationContext(ctx) {
		return
	}
	oc := graphql.GetOperationContext(ctx)
	if oc.Operation == nil || oc.Operation.Operation != ast.Mutation || len(resp.Data) == 0 {
		return
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(resp.Data, &fields) != nil {
		return
	}
	for _, raw := range fields {
		var payload struct {
			UserErrors []struct {
				Code string `json:"code"`
			} `json:"userErrors"`
		}
		if json.Unmarshal(raw, &payload) != nil {
			continue
		}
		for _, ue := range payload.UserErrors {
			t.Metrics.GraphQLErrors.WithLabelValues(errorLabel(ue.Code)).Inc()
		}
	}
}

// spanOperationName is the operation's name in span names when no metrics
// bound it: a client's name if it is an identifier, else "other".
func spanOperationName(name string) string {
	if name == "" {
		return "anonymous"
	}
	if len(name) > 64 {
		return "other"
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || i > 0 && c >= '0' && c <= '9') {
			return "other"
		}
	}
	return name
}

// errorLabel keeps the code label bounded: the gateway's codes and
// GraphQL's own are upper-case words; anything else counts as OTHER, and an
// error without a code (a GraphQL error from the executor) as GRAPHQL.
func errorLabel(code string) string {
	if code == "" {
		return "GRAPHQL"
	}
	if len(code) > 48 {
		return "OTHER"
	}
	for i := 0; i < len(code); i++ {
		if c := code[i]; !(c >= 'A' && c <= 'Z' || c == '_' || c >= '0' && c <= '9') {
			return "OTHER"
		}
	}
	return code
}
