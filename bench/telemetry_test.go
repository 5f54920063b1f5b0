package bench

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sort"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/telemetry"
)

// discard is a span exporter that drops what it is given: tracing pays for
// recording, batching and export calls, as in production, but not for a
// collector on this machine.
type discard struct{}

func (discard) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discard) Shutdown(context.Context) error                             { return nil }

// observedGateway serves the list page from the fixture's store with
// everything an operator turns on: metrics, tracing through a real SDK
// provider (every span sampled), the store instrumented, and the request-id
// middleware writing a JSON access line per request (to io.Discard).
func observedGateway(tb testing.TB, f *fixture) *httptest.Server {
	tb.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(discard{}))
	old := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	tb.Cleanup(func() {
		otel.SetTracerProvider(old)
		tp.Shutdown(context.Background())
	})
	met := telemetry.NewMetrics()
	log, err := telemetry.NewLogger(io.Discard, "json", slog.LevelInfo)
	if err != nil {
		tb.Fatal(err)
	}
	st := store.Instrument(f.store, met)
	res := graph.NewResolver(graph.Deps{Store: st, Platforms: f.platforms, Actions: f.actions, Log: log})
	gql := graph.NewHandler(res, graph.HandlerOptions{Telemetry: &graph.Telemetry{Metrics: met}})
	h := telemetry.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(graph.WithOrg(r.Context(), org)))
	}), log)
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return srv
}

// TestListTelemetryLoad is the cost of metrics and tracing on the list page:
// the same page from the same store, with all of it on and with none of it
// (the fixture's gateway), in alternating rounds of the same run. Only with -load.
func TestListTelemetryLoad(t *testing.T) {
	if !*load {
		t.Skip("load test: run with -load")
	}
	f := newFixture(t, 2000)
	alternate(t, f.gateway.URL, observedGateway(t, f).URL, 0.95)
}

// alternate measures the list page's closed-loop rate on two gateways over
// the same store, off (the baseline) and on, in alternating rounds of one run
// (the order swapped every round), and logs each round and the median ratio.
func alternate(t *testing.T, offURL, onURL string, goal float64) {
	const rounds, d = 16, 2 * time.Second
	workers := 4 * runtime.GOMAXPROCS(0)
	peak(t, offURL, true, workers, time.Second)
	peak(t, onURL, true, workers, time.Second)
	var ratios []float64
	t.Logf("GOMAXPROCS=%d, %d closed-loop clients, %d rounds of %v each, off and on alternating (order swapped every round)",
		runtime.GOMAXPROCS(0), workers, rounds, d)
	t.Logf("| round | off req/s | on req/s | on/off |")
	t.Logf("|---|---|---|---|")
	for i := range rounds {
		var offRate, onRate float64
		if i%2 == 0 {
			offRate = peak(t, offURL, true, workers, d)
			onRate = peak(t, onURL, true, workers, d)
		} else {
			onRate = peak(t, onURL, true, workers, d)
			offRate = peak(t, offURL, true, workers, d)
		}
		ratios = append(ratios, onRate/offRate)
		t.Logf("| %d | %.0f | %.0f | %.3f |", i+1, offRate, onRate, onRate/offRate)
	}
	sort.Float64s(ratios)
	med := (ratios[rounds/2-1] + ratios[rounds/2]) / 2
	t.Logf("median on/off = %.3f (min %.3f, max %.3f); goal >= %.2f", med, ratios[0], ratios[rounds-1], goal)
}

// BenchmarkReturnCasesObserved is BenchmarkReturnCasesGraphQL with metrics,
// tracing and the request-id middleware on: compare the two in one run
// (allocations per page are exact; times are as noisy as the machine).
func BenchmarkReturnCasesObserved(b *testing.B) {
	f := newFixture(b, 2000)
	url := observedGateway(b, f).URL
	c := newClient()
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := request(c, url, true); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
