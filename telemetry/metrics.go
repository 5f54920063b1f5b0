// Package telemetry holds what the gateway tells its operator: Prometheus
// metrics (one registry, the metric names below) and OpenTelemetry tracing.
// It imports none of the project's packages, so every layer can report
// through it.
package telemetry

import (
	"net/http"
	"regexp"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Buckets fit what docs/benchmarks.md measured: a list page answers in 1-20
// ms, a platform call in 5 ms (simulator) to seconds (a slow platform), a
// store query in 50 µs to tens of ms.
var (
	requestBuckets  = []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5, 10}
	platformBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 5, 10, 30}
	storeBuckets    = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .5}
)

// Metrics are the gateway's metrics on their own registry.
type Metrics struct {
	Registry *prometheus.Registry

	GraphQLRequests *prometheus.HistogramVec // operation, type
	GraphQLErrors   *prometheus.CounterVec   // code

	PlatformCalls   *prometheus.HistogramVec // platform, shop, method, outcome
	PlatformRetries *prometheus.CounterVec   // platform, shop
	RateLimitWait   *prometheus.CounterVec   // platform, shop: seconds waited
	CircuitOpen     *prometheus.GaugeVec     // platform, shop: 1 while open
	SyncLag         *prometheus.GaugeVec     // platform, shop: age of the newest change read, seconds
	SyncFailures    *prometheus.CounterVec   // platform, shop
	unmapped        *funcCounter             // platform; see CountUnmapped

	Subscribers       *prometheus.GaugeVec // transport
	EventsPublished   prometheus.Counter
	SubscribersBehind prometheus.Counter

	StoreQueries *prometheus.HistogramVec // op

	opNames opNameSet
}

// NewMetrics returns the gateway's metrics registered on a fresh registry,
// with the Go runtime's and the process's own.
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	f := func(c prometheus.Collector) { r.MustRegister(c) }
	m := &Metrics{Registry: r, opNames: opNameSet{max: 200, names: map[string]bool{}}}

	m.GraphQLRequests = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "returnsgw_graphql_request_duration_seconds",
		Help: "GraphQL operations by operation name and type, and how long they took.", Buckets: requestBuckets},
		[]string{"operation", "type"})
	m.GraphQLErrors = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "returnsgw_graphql_errors_total",
		Help: "Errors in GraphQL answers (GraphQL errors and user errors), by code."}, []string{"code"})
	m.PlatformCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "returnsgw_platform_call_duration_seconds",
		Help: "Calls to a platform's API, by platform, shop, method and outcome (ok or the error kind).", Buckets: platformBuckets},
		[]string{"platform", "shop", "method", "outcome"})
	m.PlatformRetries = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "returnsgw_platform_retries_total",
		Help: "Platform calls attempted again after a retryable failure."}, []string{"platform", "shop"})
	m.RateLimitWait = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "returnsgw_platform_rate_limit_wait_seconds_total",
		Help: "Time spent waiting for a platform's rate limit."}, []string{"platform", "shop"})
	m.CircuitOpen = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "returnsgw_platform_circuit_open",
		Help: "1 while the circuit breaker of a shop's connection is open (calls fail fast), else 0."}, []string{"platform", "shop"})
	m.SyncLag = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "returnsgw_sync_lag_seconds",
		Help: "Age of the newest change the poller has read, by shop."}, []string{"platform", "shop"})
	m.SyncFailures = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "returnsgw_sync_failures_total",
		Help: "Poll rounds that failed, by shop."}, []string{"platform", "shop"})
	m.unmapped = &funcCounter{desc: prometheus.NewDesc("returnsgw_unmapped_categories_total",
		"Product lines whose platform category has no mapping (judged GENERAL).", []string{"platform"}, nil)}
	m.Subscribers = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "returnsgw_subscribers",
		Help: "Open subscriptions by transport."}, []string{"transport"})
	m.EventsPublished = prometheus.NewCounter(prometheus.CounterOpts{Name: "returnsgw_events_published_total",
		Help: "Case events published to subscribers."})
	m.SubscribersBehind = prometheus.NewCounter(prometheus.CounterOpts{Name: "returnsgw_subscribers_fell_behind_total",
		Help: "Subscribers closed because they fell behind."})
	m.StoreQueries = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "returnsgw_store_query_duration_seconds",
		Help: "Store calls by operation.", Buckets: storeBuckets}, []string{"op"})
	for _, c := range []prometheus.Collector{m.GraphQLRequests, m.GraphQLErrors, m.PlatformCalls, m.PlatformRetries,
		m.RateLimitWait, m.CircuitOpen, m.SyncLag, m.SyncFailures, m.unmapped, m.Subscribers, m.EventsPublished,
		m.SubscribersBehind, m.StoreQueries} {
		f(c)
	}
	return m
}

// Handler serves the registry in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// OperationLabel is the label an operation name is counted under. Names come
// from clients, so only well-formed ones are kept, and at most 200 distinct;
// the rest count as "other" and the unnamed as "anonymous": a client cannot
// grow the metrics without bound.
func (m *Metrics) OperationLabel(name string) string {
	if name == "" {
		return "anonymous"
	}
	return m.opNames.label(name)
}

var opNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

type opNameSet struct {
	mu    sync.Mutex
	max   int
	names map[string]bool
}

func (s *opNameSet) label(name string) string {
	if !opNameRE.MatchString(name) {
		return "other"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.names[name] {
		return name
	}
	if len(s.names) >= s.max {
		return "other"
	}
	s.names[name] = true
	return name
}

// CountUnmapped reports, for each platform, the count read reads (the
// category mapper keeps it, for every shop at once).
func (m *Metrics) CountUnmapped(platforms []string, read func(platform string) int64) {
	m.unmapped.mu.Lock()
	defer m.unmapped.mu.Unlock()
	m.unmapped.labels, m.unmapped.read = platforms, read
}

// funcCounter is a counter whose values another package keeps: it is read at
// each scrape.
type funcCounter struct {
	desc   *prometheus.Desc
	mu     sync.Mutex
	labels []string
	read   func(string) int64
}

func (c *funcCounter) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *funcCounter) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.labels {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.CounterValue, float64(c.read(l)), l)
	}
}
