package telemetry

import (
	"context"
	"errors"
	"os"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracerName is the instrumentation scope of the gateway's spans.
const TracerName = "github.com/returnsgw/returnsgw"

// tracerProvider is where Tracer takes spans from: the global provider, so
// that a test can install an in-memory one.
func tracerProvider() trace.TracerProvider { return otel.GetTracerProvider() }

// Tracer returns the gateway's tracer. Until SetupTracing (or a test)
// installs a provider, it is OpenTelemetry's no-op one: tracing costs nothing
// when it is off.
func Tracer() trace.Tracer { return tracerProvider().Tracer(TracerName) }

// TracingEnabled reports whether the standard environment asks for traces:
// an OTLP endpoint is set and the SDK is not disabled.
func TracingEnabled(getenv func(string) string) bool {
	if getenv("OTEL_SDK_DISABLED") == "true" || getenv("OTEL_TRACES_EXPORTER") == "none" {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// ServiceName is the service.name of the gateway's spans unless
// OTEL_SERVICE_NAME (or OTEL_RESOURCE_ATTRIBUTES) says otherwise.
const ServiceName = "returnsgw"

// SetupTracing installs an OTLP/HTTP exporter configured by the standard
// OTEL_EXPORTER_OTLP_* variables when TracingEnabled, and the W3C trace
// context propagator either way. When tracing is off the global provider is
// left as it is: OpenTelemetry's default is a no-op, and a test may have
// installed an in-memory one. The returned function flushes and stops it.
func SetupTracing(ctx context.Context) (shutdown func(context.Context) error, err error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if !TracingEnabled(os.Getenv) {
		return func(context.Context) error { return nil }, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, err
	}
	res, err := Resource(ctx)
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	return tp.Shutdown, nil
}

// Resource describes the process to a tracing backend: service.name
// "returnsgw", overridden by the standard environment variables.
func Resource(ctx context.Context) (*resource.Resource, error) {
	// Later options win: the environment overrides the default name.
	return resource.New(ctx, resource.WithAttributes(attribute.String("service.name", ServiceName)),
		resource.WithTelemetrySDK(), resource.WithFromEnv())
}

// NoopTracerProvider is a provider whose spans cost nothing.
func NoopTracerProvider() trace.TracerProvider { return noop.NewTracerProvider() }

// Start starts a span of the gateway's tracer.
func Start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span) {
	return Tracer().Start(ctx, name, trace.WithAttributes(attrs...))
}

// End ends a span, recording err when there is one.
func End(span trace.Span, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
