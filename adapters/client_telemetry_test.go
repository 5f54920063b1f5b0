package adapters

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/telemetry"
)

// metricValue sums a metric's samples whose labels include want (a
// histogram's sample count, a counter's or gauge's value).
func metricValue(t *testing.T, m *telemetry.Metrics, name string, want map[string]string) float64 {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metrics:
		for _, mt := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range mt.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue metrics
				}
			}
			switch {
			case mt.GetHistogram() != nil:
				total += float64(mt.GetHistogram().GetSampleCount())
			case mt.GetCounter() != nil:
				total += mt.GetCounter().GetValue()
			case mt.GetGauge() != nil:
				total += mt.GetGauge().GetValue()
			}
		}
	}
	return total
}

// An instrumented client counts each call by method and outcome, its
// retries, and opens the circuit gauge; its log line names the request.
func TestClientTelemetry(t *testing.T) {
	srv := newScript(t, fail500, okReply, fail500)
	p := fastPolicy()
	p.Breaker = BreakerPolicy{Failures: 1, Cooldown: 1 << 40}
	var buf bytes.Buffer
	log, _ := telemetry.NewLogger(&buf, "json", slog.LevelDebug)
	c := NewClient("XHS", p, nil, log)
	m := telemetry.NewMetrics()
	c.Instrument("shop-1", m)
	var s signer
	ctx := telemetry.WithRequestID(context.Background(), "req-7")
	if _, err := c.Do(ctx, testCall(srv.URL, false, &s)); err != nil {
		t.Fatalf("a read that succeeds on its retry: %v", err)
	}
	shop := map[string]string{"platform": "XHS", "shop": "shop-1"}
	if got := metricValue(t, m, "returnsgw_platform_call_duration_seconds", map[string]string{"shop": "shop-1", "method": "test.method", "outcome": "ok"}); got != 1 {
		t.Errorf("ok calls = %v, want 1", got)
	}
	if got := metricValue(t, m, "returnsgw_platform_retries_total", shop); got != 1 {
		t.Errorf("retries = %v, want 1", got)
	}
	if !strings.Contains(buf.String(), `"requestId":"req-7"`) || !strings.Contains(buf.String(), `"method":"test.method"`) {
		t.Errorf("the call's log line lacks the request id or method: %s", buf.String())
	}
	if strings.Contains(strings.Join(srv.seen(), ""), "req-7") {
		t.Error("the request id reached the platform")
	}

	// A write that fails opens the circuit (one failure, in this policy).
	if _, err := c.Do(context.Background(), testCall(srv.URL, true, &s)); err == nil {
		t.Fatal("the write should fail")
	}
	if got := metricValue(t, m, "returnsgw_platform_circuit_open", shop); got != 1 {
		t.Errorf("circuit gauge = %v after the circuit opened", got)
	}
	if _, err := c.Do(context.Background(), testCall(srv.URL, false, &s)); err == nil {
		t.Fatal("the open circuit should refuse")
	}
	if got := metricValue(t, m, "returnsgw_platform_call_duration_seconds", map[string]string{"outcome": "circuit_open"}); got != 1 {
		t.Errorf("circuit_open calls = %v, want 1", got)
	}
}

// An uninstrumented client works as before (nil metrics are off).
func TestClientWithoutTelemetry(t *testing.T) {
	srv := newScript(t, okReply)
	c := newTestClient(fastPolicy())
	var s signer
	if _, err := c.Do(context.Background(), testCall(srv.URL, false, &s)); err != nil {
		t.Fatal(err)
	}
	c.Instrument("shop", nil)
	if _, err := c.Do(context.Background(), testCall(srv.URL, false, &s)); err != nil {
		t.Fatal(err)
	}
}
