package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/returnsgw/returnsgw/adapters/categories"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/graph/transport"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/telemetry"
)

// The operator's view of a running gateway: metrics on their own listener
// (--metrics-addr, never the public port), JSON or text logs that carry the
// request id, and OpenTelemetry tracing switched on by the standard
// OTEL_EXPORTER_OTLP_* variables.

// observability is what Main holds for it.
type observability struct {
	// Metrics is the gateway's registry: created by Run when --metrics-addr
	// is given (a test may set it beforehand); nil leaves everything
	// unmeasured.
	Metrics *telemetry.Metrics

	metricsLn net.Listener
}

// newLogger is the logger --log-format and --log-level ask for, on stderr.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	log, err := telemetry.NewLogger(w, format, level)
	if err != nil {
		// Config.Parse has checked the format.
		log, _ = telemetry.NewLogger(w, "text", level)
	}
	return log
}

// observe starts tracing and, with --metrics-addr, the metrics listener. It
// runs first in Run, so that everything built after it can report.
func (m *Main) observe(ctx context.Context) error {
	shutdown, err := telemetry.SetupTracing(ctx)
	if err != nil {
		return fmt.Errorf("tracing (OTEL_EXPORTER_OTLP_*): %w", err)
	}
	m.closers = append(m.closers, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return shutdown(ctx)
	})
	if telemetry.TracingEnabled(os.Getenv) {
		m.Log.Info("tracing on: spans go to the OTLP/HTTP endpoint of OTEL_EXPORTER_OTLP_*")
	}
	addr := m.Config.MetricsAddr
	if addr == "" {
		return nil
	}
	if addr == m.Config.Addr && addr != ":0" && !isPortZero(addr) {
		return fmt.Errorf("--metrics-addr %s must differ from --addr: metrics are not served on the public port", addr)
	}
	if m.Metrics == nil {
		m.Metrics = telemetry.NewMetrics()
	}
	m.Metrics.CountUnmapped([]string{string(returns.XHS), string(returns.AliExpress), string(returns.Alibaba)},
		func(p string) int64 { return categories.Unmapped(returns.PlatformID(p)) })
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metrics-addr: listen on %s: %w", addr, err)
	}
	m.metricsLn = ln
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Metrics.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(m.Log.Handler(), slog.LevelWarn)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			m.Log.Error("metrics server", "err", err)
		}
	}()
	// Closed last (closers run in reverse): the final state stays readable
	// while the rest shuts down.
	m.closers = append(m.closers, func() error {
		err := srv.Close()
		<-done
		return err
	})
	m.Log.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	return nil
}

func isPortZero(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port == "0"
}

// MetricsURL is where /metrics is served, or "" when it is off.
func (m *Main) MetricsURL() string {
	if m.metricsLn == nil {
		return ""
	}
	return "http://" + m.metricsLn.Addr().String() + "/metrics"
}

// observeStore times and traces the store's calls (spans only without metrics).
func (m *Main) observeStore(st store.Store) store.Store { return store.Instrument(st, m.Metrics) }

// instrumented is a platform connection that reports its calls.
type instrumented interface {
	Instrument(*telemetry.Metrics)
}

// observeParts connects the platform connections, the bus and the pollers
// to the metrics, before any of them runs.
func (m *Main) observeParts() {
	for _, p := range m.Platforms.All() {
		if in, ok := p.(instrumented); ok {
			in.Instrument(m.Metrics)
		}
	}
	met := m.Metrics
	if met == nil {
		return
	}
	m.Bus.Instrument(met)
	for _, t := range []string{transport.NameWebsocket, transport.NameSSE} {
		met.Subscribers.WithLabelValues(t).Set(0)
	}
	for _, p := range m.Pollers {
		p.Observe = pollObserver(met, p.Platform, m.Now)
	}
}

// pollObserver sets a connection's sync lag (the age of the newest change a
// walk read; 0 when a walk found nothing new) and counts its failed walks.
func pollObserver(met *telemetry.Metrics, p returns.Platform, now func() time.Time) func(time.Time, error) {
	platform, shop := string(p.ID()), p.Shop().ID
	lag := met.SyncLag.WithLabelValues(platform, shop)
	failures := met.SyncFailures.WithLabelValues(platform, shop)
	return func(newest time.Time, err error) {
		switch {
		case errors.Is(err, context.Canceled):
		case err != nil:
			failures.Inc()
		case newest.IsZero():
			lag.Set(0)
		default:
			lag.Set(max(0, now().Sub(newest).Seconds()))
		}
	}
}

// graphTelemetry is the GraphQL handler's telemetry unless a test gave one.
func (m *Main) graphTelemetry(given *graph.Telemetry) *graph.Telemetry {
	if given != nil {
		return given
	}
	return &graph.Telemetry{Metrics: m.Metrics}
}

// observeHTTP gives every request on the public port its id, its caller's
// trace context and an access log line.
func (m *Main) observeHTTP(h http.Handler) http.Handler { return telemetry.Middleware(h, m.Log) }

// pinger is a store that can check its connection without a query.
type pinger interface {
	Ping(context.Context) error
}

// pingStore checks that the database answers: a ping where the backend has
// one (PostgreSQL), else a one-row read.
func (m *Main) pingStore(ctx context.Context) error {
	if p, ok := m.Access.(pinger); ok {
		return p.Ping(ctx)
	}
	_, err := m.Store.Cursor(ctx, returns.OrgID(m.Config.Org), "readyz")
	return err
}

// busReady reports whether the bus delivers changes: the in-process bus
// until it is closed, a cross-replica one while it is connected.
func (m *Main) busReady() error {
	if m.Bus == nil {
		return errors.New("not started")
	}
	return m.Bus.Ready()
}
