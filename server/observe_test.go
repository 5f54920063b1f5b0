package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// inMemoryTracing installs an SDK provider that records every span, for the
// test's lifetime. Other tests of the package may record spans into it too:
// assertions pick the test's own trace by its id.
func inMemoryTracing(t *testing.T) *tracetest.SpanRecorder {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	old := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	t.Cleanup(func() {
		otel.SetTracerProvider(old)
		tp.Shutdown(context.Background())
	})
	return rec
}

// One trace runs from the client's HTTP request (its traceparent) through the
// GraphQL operation, the mutation field, the seller action and the store, down
// to the call to the simulated platform; the request id reaches the response,
// the platform call's span and the event the mutation wrote; /metrics on its
// own listener counts all of it.
func TestOneTraceFromRequestToPlatformCall(t *testing.T) {
	rec := inMemoryTracing(t)
	m := startGateway(t, "--metrics-addr", "127.0.0.1:0")
	c := findCase(t, m, map[string]any{"platforms": []string{"XHS"}, "statuses": []string{"REQUESTED"}, "kinds": []string{"RETURN_AND_REFUND"}}, "returnApprove")

	const traceID = "4bf92f3577b34da6a3ce929d0e0736aa"
	const requestID = "req-trace.1"
	body, _ := json.Marshal(map[string]any{"query": "mutation Approve" + strings.TrimPrefix(approveMutation, "mutation"),
		"variables": map[string]any{"in": map[string]any{"id": c.ID, "acknowledgeRules": acknowledgeAll(t, m, c, "returnApprove")}}})
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	req.Header.Set("X-Request-Id", requestID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-Id"); got != requestID {
		t.Errorf("X-Request-Id echoed as %q, want %q", got, requestID)
	}
	if bytes.Contains(raw, []byte(`"errors"`)) || !bytes.Contains(raw, []byte(`"userErrors":[]`)) {
		t.Fatalf("approve failed: %s", raw)
	}

	spans := map[trace.SpanID]sdktrace.ReadOnlySpan{}
	var byName = map[string]sdktrace.ReadOnlySpan{}
	for _, s := range rec.Ended() {
		if s.SpanContext().TraceID().String() != traceID {
			continue
		}
		spans[s.SpanContext().SpanID()] = s
		if _, dup := byName[s.Name()]; !dup {
			byName[s.Name()] = s
		}
	}
	var platformCall sdktrace.ReadOnlySpan
	for name, s := range byName {
		if strings.HasPrefix(name, "XHS ") && s.SpanKind() == trace.SpanKindClient {
			platformCall = s
		}
	}
	if platformCall == nil {
		t.Fatalf("no platform call in the request's trace; spans: %v", names(byName))
	}
	// Walk up from the platform call: every link is a recorded span of the
	// same trace, up to the client's own span id.
	var chain []string
	for s := platformCall; ; {
		chain = append(chain, s.Name())
		parent, ok := spans[s.Parent().SpanID()]
		if !ok {
			if got := s.Parent().SpanID().String(); got != "00f067aa0ba902b7" {
				t.Errorf("the trace's root %q has parent %s, not the client's span", s.Name(), got)
			}
			break
		}
		s = parent
	}
	got := strings.Join(chain, " <- ")
	for _, want := range []string{"XHS ", "actions.returnApprove", "Mutation.returnApprove", "graphql.mutation Approve"} {
		if !strings.Contains(got, want) {
			t.Errorf("the chain from the platform call up is %s: no %q", got, want)
		}
	}
	if !strings.HasSuffix(got, "graphql.mutation Approve") {
		t.Errorf("the chain %s does not end at the operation", got)
	}
	if _, ok := byName["store.UpsertCase"]; !ok {
		t.Errorf("no store span in the trace: %v", names(byName))
	}
	hasID := false
	for _, kv := range platformCall.Attributes() {
		if kv.Key == telemetry.RequestIDAttr && kv.Value.AsString() == requestID {
			hasID = true
		}
	}
	if !hasID {
		t.Errorf("the platform call's span lacks the request id: %v", platformCall.Attributes())
	}

	// The event the mutation wrote names the request.
	evs, err := m.Store.EventsAfter(context.Background(), returns.OrgID(m.Config.Org), 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range evs {
		if e.Key.PlatformCaseID == c.PlatformCaseID && e.Source == returns.SourceMutation && e.Detail["requestId"] == requestID {
			found = true
		}
	}
	if !found {
		t.Error("the approval's event does not carry the request id")
	}

	// Metrics: on their own listener, with the operation, the platform call
	// and the store's queries.
	if m.MetricsURL() == "" || strings.Contains(m.MetricsURL(), strings.TrimPrefix(m.URL(), "http://")) {
		t.Fatalf("metrics at %q, public port %s", m.MetricsURL(), m.URL())
	}
	text := get(t, m.MetricsURL())
	for _, want := range []string{
		`returnsgw_graphql_request_duration_seconds_count{operation="Approve",type="mutation"} 1`,
		`returnsgw_platform_call_duration_seconds_count{method="afterSale.auditReturns"`,
		`returnsgw_store_query_duration_seconds_count{op="UpsertCase"}`,
		`returnsgw_events_published_total`,
		`returnsgw_sync_lag_seconds{platform="XHS"`,
		`returnsgw_subscribers{transport="websocket"} 0`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// A second approval is refused with a user error, counted by its code.
	again := approve(t, m, map[string]any{"id": c.ID})
	if len(again.UserErrors) == 0 {
		t.Fatal("a second approval was not refused")
	}
	if want := `returnsgw_graphql_errors_total{code="` + again.UserErrors[0].Code + `"} 1`; !strings.Contains(get(t, m.MetricsURL()), want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if r, err := http.Get(m.URL() + "/metrics"); err == nil {
		r.Body.Close()
		if r.StatusCode == http.StatusOK {
			t.Error("/metrics is served on the public port")
		}
	}
}

func names(m map[string]sdktrace.ReadOnlySpan) []string {
	var out []string
	for n := range m {
		out = append(out, n)
	}
	return out
}

func get(t *testing.T, url string) string {
	t.Helper()
	r, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return string(b)
}

// A client's request id is kept only when it is short and plain; anything
// else is replaced by a generated one.
func TestRequestIDIsSanitized(t *testing.T) {
	m := startGateway(t)
	for _, tc := range []struct {
		in   string
		keep bool
	}{
		{"abc-123_X.y", true},
		{strings.Repeat("a", 64), true},
		{strings.Repeat("a", 65), false},
		{"has space", false},
		{`quote"d`, false},
		{"", false},
	} {
		req, _ := http.NewRequest(http.MethodGet, m.URL()+"/healthz", nil)
		if tc.in != "" {
			req.Header.Set("X-Request-Id", tc.in)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("X-Request-Id")
		if tc.keep && got != tc.in {
			t.Errorf("%q: echoed %q", tc.in, got)
		}
		if !tc.keep && (got == tc.in || !telemetry.ValidRequestID(got)) {
			t.Errorf("%q: echoed %q, want a fresh well-formed id", tc.in, got)
		}
	}
}

// /readyz lists the database, the bus and each connection, and turns 503
// when the bus is gone.
func TestReadyzReportsStoreAndBus(t *testing.T) {
	m := startGateway(t)
	var body struct {
		Status, Store, Bus string
		Connections        []struct{ Platform, Shop string }
	}
	r, err := http.Get(m.URL() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(r.Body).Decode(&body)
	r.Body.Close()
	if r.StatusCode != 200 || body.Store != "ok" || body.Bus != "ok" || len(body.Connections) == 0 {
		t.Fatalf("ready gateway: HTTP %d %+v", r.StatusCode, body)
	}
	m.Bus.Close()
	r, err = http.Get(m.URL() + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(r.Body).Decode(&body)
	r.Body.Close()
	if r.StatusCode != http.StatusServiceUnavailable || body.Bus != "unavailable" || body.Status != "unavailable" {
		t.Errorf("closed bus: HTTP %d %+v", r.StatusCode, body)
	}
}

// The subscribers gauge counts open subscriptions by transport and goes back
// to zero when they end, whichever side ends them.
func TestSubscribersGaugeByTransport(t *testing.T) {
	m := startGateway(t, "--metrics-addr", "127.0.0.1:0")
	gauge := func(transport string) string {
		prefix := `returnsgw_subscribers{transport="` + transport + `"} `
		for _, l := range strings.Split(get(t, m.MetricsURL()), "\n") {
			if strings.HasPrefix(l, prefix) {
				return strings.TrimPrefix(l, prefix)
			}
		}
		return "absent"
	}
	base := m.Bus.Len()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ws := dialSubscription(t, ctx, m, changedSubscription, nil)
	body, _ := json.Marshal(map[string]any{"query": changedSubscription})
	sctx, stopSSE := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(sctx, http.MethodPost, m.URL()+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("SSE: HTTP %d", resp.StatusCode)
	}
	waitSubscribers(t, m, base+2)
	eventually(t, 10*time.Second, "the gauge never showed both subscriptions", func() bool {
		return gauge("websocket") == "1" && gauge("sse") == "1"
	})
	ws.send(t, ctx, map[string]any{"type": "complete", "id": "1"})
	stopSSE()
	eventually(t, 10*time.Second, "the gauge never went back to zero", func() bool {
		return gauge("websocket") == "0" && gauge("sse") == "0"
	})
}

func TestObservabilityFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		env  map[string]string
		ok   bool
	}{
		{[]string{"--metrics-addr", "127.0.0.1:9090", "--log-format", "json"}, nil, true},
		{nil, map[string]string{"RETURNSGW_METRICS_ADDR": "127.0.0.1:9090", "RETURNSGW_LOG_FORMAT": "text"}, true},
		{[]string{"--metrics-addr", "9090"}, nil, false},
		{[]string{"--log-format", "xml"}, nil, false},
		{nil, map[string]string{"RETURNSGW_LOG_FORMAT": "JSON"}, false},
	} {
		var c Config
		err := c.Parse(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
		if (err == nil) != tc.ok {
			t.Errorf("%v %v: err %v", tc.args, tc.env, err)
		}
	}
	m := NewMain()
	m.Stdout = io.Discard
	if err := m.ParseFlags([]string{"--addr", "127.0.0.1:18080", "--metrics-addr", "127.0.0.1:18080", "--sandbox", "true"}, func(string) string { return "" }); err != nil {
		t.Fatal(err)
	}
	err := m.Run(context.Background())
	m.Close()
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("metrics on the public port: %v", err)
	}
}
