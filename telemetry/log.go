package telemetry

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
)

// NewLogger returns the gateway's logger: JSON ("json") or key=value text
// ("text") lines at the level, each carrying the request id (and trace id)
// of the context it was logged with.
func NewLogger(w io.Writer, format string, level slog.Level) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch format {
	case "json":
		h = slog.NewJSONHandler(w, opts)
	case "text", "":
		h = slog.NewTextHandler(w, opts)
	default:
		return nil, fmt.Errorf("log format %q: must be json or text", format)
	}
	return slog.New(ContextHandler{h}), nil
}

// ContextHandler adds the request id and the trace id found in a record's
// context to it: every line logged with a request's context (InfoContext,
// LogAttrs) names the request, without each caller passing the id.
type ContextHandler struct{ slog.Handler }

// Handle adds the context's ids, then hands the record on.
func (h ContextHandler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := RequestID(ctx); id != "" {
			r.AddAttrs(slog.String("requestId", id))
		}
		if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
			r.AddAttrs(slog.String("traceId", sc.TraceID().String()))
		}
	}
	return h.Handler.Handle(ctx, r)
}

// WithAttrs keeps the context handling on derived loggers.
func (h ContextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return ContextHandler{h.Handler.WithAttrs(as)}
}

// WithGroup keeps the context handling on derived loggers.
func (h ContextHandler) WithGroup(name string) slog.Handler {
	return ContextHandler{h.Handler.WithGroup(name)}
}
