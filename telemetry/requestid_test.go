package telemetry

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

func TestValidRequestID(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"abc", true},
		{"A-b_c.9", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{"", false},
		{"a b", false},
		{"a\nb", false},
		{`a"b`, false},
		{"é", false},
		{"a/b", false},
	} {
		if got := ValidRequestID(tc.in); got != tc.want {
			t.Errorf("ValidRequestID(%q) = %v", tc.in, got)
		}
	}
	if id := NewRequestID(); !ValidRequestID(id) || id == NewRequestID() {
		t.Errorf("NewRequestID gave %q", id)
	}
}

// The middleware keeps a good id, replaces a bad one, echoes it, hands it and
// the caller's trace context to the handler, and logs the request with both.
func TestMiddlewareCarriesIDAndTraceToTheLog(t *testing.T) {
	otel.SetTextMapPropagator(propagation.TraceContext{})
	var buf bytes.Buffer
	log, err := NewLogger(&buf, "json", slog.LevelInfo)
	if err != nil {
		t.Fatal(err)
	}
	var seenID, seenTrace string
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenID = RequestID(r.Context())
		seenTrace = trace.SpanContextFromContext(r.Context()).TraceID().String()
		log.InfoContext(r.Context(), "inside")
		w.WriteHeader(http.StatusTeapot)
	}), log)

	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set(RequestIDHeader, "client-1")
	req.Header.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0736aa-00f067aa0ba902b7-01")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Header().Get(RequestIDHeader) != "client-1" || seenID != "client-1" {
		t.Errorf("id echoed %q, seen %q", w.Header().Get(RequestIDHeader), seenID)
	}
	if seenTrace != "4bf92f3577b34da6a3ce929d0e0736aa" {
		t.Errorf("trace id in the handler's context: %s", seenTrace)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want the handler's line and the access line, got %q", lines)
	}
	for _, l := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("not JSON: %s", l)
		}
		if rec["requestId"] != "client-1" || rec["traceId"] != "4bf92f3577b34da6a3ce929d0e0736aa" {
			t.Errorf("line without the ids: %s", l)
		}
	}
	if !strings.Contains(lines[1], `"status":418`) {
		t.Errorf("access line: %s", lines[1])
	}

	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set(RequestIDHeader, "bad id\n{\"forged\":1}")
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if got := w.Header().Get(RequestIDHeader); !ValidRequestID(got) || strings.Contains(got, "forged") {
		t.Errorf("a bad id was echoed as %q", got)
	}
}

func TestNewLoggerFormats(t *testing.T) {
	for _, f := range []string{"json", "text"} {
		var buf bytes.Buffer
		log, err := NewLogger(&buf, f, slog.LevelInfo)
		if err != nil {
			t.Fatal(err)
		}
		log.With("k", "v").InfoContext(WithRequestID(context.Background(), "r1"), "hello")
		if !strings.Contains(buf.String(), "r1") || !strings.Contains(buf.String(), "hello") {
			t.Errorf("%s: %s", f, buf.String())
		}
	}
	if _, err := NewLogger(&bytes.Buffer{}, "xml", slog.LevelInfo); err == nil {
		t.Error("xml accepted")
	}
}
