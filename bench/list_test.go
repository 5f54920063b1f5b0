package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

var load = flag.Bool("load", false, "run the load test (throughput and latency at half peak) and print its table")

const org = returns.OrgID("bench")

// listQuery is the page a seller's frontend loads: 50 cases with their lines
// and deadlines.
const listQuery = `query Page { returnCases(first: 50) {
  totalCount
  pageInfo { hasNextPage endCursor }
  edges { cursor node {
    id platform platformCaseId shopId orderId kind status platformStatus { code label }
    reason platformReason market
    requestedRefund { amount currencyCode } refundedAmount { amount currencyCode }
    lines { sku title quantity unitPrice { amount currencyCode } category }
    deadlines { respondBy buyerShipBy refundBy windowClosesAt autoActionAt autoAction }
    allowedActions createdAt updatedAt
  } }
} }`

// fixture is a store filled through the real path (simulator → adapter →
// poller → store) and the two handlers under test, serving the same page from it.
type fixture struct {
	gateway, plain *httptest.Server
	// What the handlers serve from, for variants of the gateway.
	store     store.Store
	platforms *adapters.Registry
	actions   *actions.Service
}

func newFixture(tb testing.TB, cases int) *fixture {
	tb.Helper()
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(tb.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	sim := xhssim.New(xhssim.Options{AppID: "bench", AppSecret: "bench-secret", Seed: 7, Cases: cases})
	url, err := sim.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { sim.Close() })
	reg := adapters.NewRegistry()
	policy := xhs.DefaultPolicy
	policy.RatePerSecond = 0
	for _, s := range xhssim.DefaultShops() {
		a, err := xhs.New(xhs.Config{BaseURL: url, AppID: "bench", AppSecret: "bench-secret", AccessToken: s.AccessToken,
			Shop: returns.Shop{ID: s.ShopID, Platform: returns.XHS, Market: s.Market}, Policy: policy, Logger: quiet})
		if err != nil {
			tb.Fatal(err)
		}
		reg.Add(a)
		p := &feed.Poller{Platform: a, Ingester: &feed.Ingester{Store: st, Org: org, Log: quiet}, Log: quiet}
		if err := p.Sync(ctx); err != nil {
			tb.Fatal(err)
		}
	}
	svc := actions.New(actions.Options{Store: st, Platforms: reg, Log: quiet})
	res := graph.NewResolver(graph.Deps{Store: st, Platforms: reg, Actions: svc, Log: quiet})
	gql := graph.NewHandler(res, graph.HandlerOptions{})
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(graph.WithOrg(r.Context(), org)))
	}))
	tb.Cleanup(gw.Close)
	plain := httptest.NewServer(plainHandler(st, svc))
	tb.Cleanup(plain.Close)
	return &fixture{gateway: gw, plain: plain, store: st, platforms: reg, actions: svc}
}

// plainHandler is the baseline: the same page from the same store, encoded
// with encoding/json by hand-written code, no GraphQL.
func plainHandler(st store.Store, svc *actions.Service) http.Handler {
	type money struct {
		Amount       string `json:"amount"`
		CurrencyCode string `json:"currencyCode"`
	}
	type line struct {
		SKU       string `json:"sku"`
		Title     string `json:"title"`
		Quantity  int    `json:"quantity"`
		UnitPrice money  `json:"unitPrice"`
		Category  string `json:"category"`
	}
	type node struct {
		ID              string            `json:"id"`
		Platform        string            `json:"platform"`
		PlatformCaseID  string            `json:"platformCaseId"`
		ShopID          string            `json:"shopId"`
		OrderID         string            `json:"orderId"`
		Kind            string            `json:"kind"`
		Status          string            `json:"status"`
		PlatformStatus  map[string]string `json:"platformStatus"`
		Reason          string            `json:"reason"`
		PlatformReason  string            `json:"platformReason"`
		Market          string            `json:"market"`
		RequestedRefund *money            `json:"requestedRefund"`
		RefundedAmount  *money            `json:"refundedAmount"`
		Lines           []line            `json:"lines"`
		Deadlines       map[string]any    `json:"deadlines"`
		AllowedActions  []string          `json:"allowedActions"`
		CreatedAt       time.Time         `json:"createdAt"`
		UpdatedAt       time.Time         `json:"updatedAt"`
	}
	type edge struct {
		Cursor string `json:"cursor"`
		Node   node   `json:"node"`
	}
	mp := func(m *returns.Money) *money {
		if m == nil {
			return nil
		}
		return &money{m.Decimal(), m.Currency}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := store.ListQuery{First: 50}
		if err := q.Normalize(); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		page, err := st.ListCases(r.Context(), org, q)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		edges := make([]edge, len(page.Cases))
		for i, c := range page.Cases {
			n := node{ID: graph.CaseID(c.Key()), Platform: string(c.Platform), PlatformCaseID: c.PlatformCaseID, ShopID: c.ShopID,
				OrderID: c.OrderID, Kind: string(c.Kind), Status: string(c.Status),
				PlatformStatus: map[string]string{"code": c.PlatformStatus.Code, "label": c.PlatformStatus.Label},
				Reason:         string(c.Reason), PlatformReason: c.PlatformReason, Market: string(c.Market),
				RequestedRefund: mp(c.RequestedRefund), RefundedAmount: mp(c.RefundedAmount),
				Deadlines: map[string]any{"respondBy": c.Deadlines.RespondBy, "buyerShipBy": c.Deadlines.BuyerShipBy,
					"refundBy": c.Deadlines.RefundBy, "windowClosesAt": c.Deadlines.WindowClosesAt,
					"autoActionAt": c.Deadlines.AutoActionAt, "autoAction": c.Deadlines.AutoAction},
				CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
			for _, l := range c.Lines {
				n.Lines = append(n.Lines, line{l.SKU, l.Title, l.Quantity, money{l.UnitPrice.Decimal(), l.UnitPrice.Currency}, string(l.Category)})
			}
			for _, a := range svc.Allowed(c, time.Now()) {
				n.AllowedActions = append(n.AllowedActions, string(a))
			}
			edges[i] = edge{Cursor: page.Cursors[i], Node: n}
		}
		var end *string
		if n := len(page.Cursors); n > 0 {
			end = &page.Cursors[n-1]
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"returnCases": map[string]any{
			"totalCount": page.TotalCount, "pageInfo": map[string]any{"hasNextPage": page.HasNextPage, "endCursor": end},
			"edges": edges}}})
	})
}

var gqlBody = func() []byte { b, _ := json.Marshal(map[string]string{"query": listQuery}); return b }()

func newClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 256
	return &http.Client{Transport: t}
}

// request sends one page request and checks the answer is a full page.
func request(c *http.Client, url string, graphQL bool) error {
	var resp *http.Response
	var err error
	if graphQL {
		resp, err = c.Post(url, "application/json", bytes.NewReader(gqlBody))
	} else {
		resp, err = c.Get(url)
	}
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	// The load generator shares the process, and its garbage the heap,
	// with both handlers: a reused buffer keeps it from setting the pace
	// of their collections.
	buf := bodies.Get().(*bytes.Buffer)
	defer bodies.Put(buf)
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return err
	}
	b := buf.Bytes()
	if resp.StatusCode != 200 || bytes.Count(b, []byte(`"cursor"`)) != 50 || bytes.Contains(b, []byte(`"errors"`)) {
		return fmt.Errorf("HTTP %d, not a page of 50: %.300s", resp.StatusCode, b)
	}
	return nil
}

var bodies = sync.Pool{New: func() any { return new(bytes.Buffer) }}

func benchmark(b *testing.B, graphQL bool) {
	f := newFixture(b, 2000)
	url := f.plain.URL
	if graphQL {
		url = f.gateway.URL
	}
	c := newClient()
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := request(c, url, graphQL); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkReturnCasesGraphQL is returnCases(first: 50) with lines and deadlines through the gateway.
func BenchmarkReturnCasesGraphQL(b *testing.B) { benchmark(b, true) }

// BenchmarkReturnCasesPlain is the same page from the same store through a plain net/http handler.
func BenchmarkReturnCasesPlain(b *testing.B) { benchmark(b, false) }

// peak measures closed-loop throughput with `workers` concurrent clients.
func peak(t *testing.T, url string, graphQL bool, workers int, d time.Duration) float64 {
	c := newClient()
	defer c.CloseIdleConnections()
	var n atomic.Int64
	var failed atomic.Value
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				if err := request(c, url, graphQL); err != nil {
					failed.Store(err)
					return
				}
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		t.Fatal(err)
	}
	return float64(n.Load()) / d.Seconds()
}

// latency sends requests at a fixed rate (open loop: latency counts from the
// scheduled send time, so queueing is not hidden) and returns each request's.
func latency(t *testing.T, url string, graphQL bool, rate float64, d time.Duration) []time.Duration {
	c := newClient()
	defer c.CloseIdleConnections()
	interval := time.Duration(float64(time.Second) / rate)
	total := int(d / interval)
	lat := make([]time.Duration, total)
	var wg sync.WaitGroup
	start := time.Now()
	var failed atomic.Value
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(at))
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := request(c, url, graphQL); err != nil {
				failed.Store(err)
			}
			lat[i] = time.Since(at)
		}()
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		t.Fatal(err)
	}
	return lat
}

// percentiles are p50, p99 and the maximum of lat, which they sort.
func percentiles(lat []time.Duration) (p50, p99, max time.Duration) {
	slices.Sort(lat)
	n := len(lat)
	return lat[n/2], lat[n*99/100], lat[n-1]
}

// TestListLoad is the load test behind docs/benchmarks.md. It only runs with -load.
//
// Peak throughput is measured in alternating rounds (gateway then plain, then
// plain then gateway, ...), and the ratio is each round's own: a machine that
// slows down part-way through slows both handlers of a round alike, where one
// long measurement of each would charge the change to whichever ran then.
func TestListLoad(t *testing.T) {
	if !*load {
		t.Skip("load test: run with -load")
	}
	f := newFixture(t, 2000)
	const rounds, d = 5, 2 * time.Second
	workers := 4 * runtime.GOMAXPROCS(0)
	// Warm both up (connections, caches), then measure in alternation.
	peak(t, f.gateway.URL, true, workers, time.Second)
	peak(t, f.plain.URL, false, workers, time.Second)
	var gws, pls, ratios []float64
	for r := range rounds {
		var gw, pl float64
		if r%2 == 0 {
			gw = peak(t, f.gateway.URL, true, workers, d)
			pl = peak(t, f.plain.URL, false, workers, d)
		} else {
			pl = peak(t, f.plain.URL, false, workers, d)
			gw = peak(t, f.gateway.URL, true, workers, d)
		}
		gws, pls, ratios = append(gws, gw), append(pls, pl), append(ratios, gw/pl)
	}
	gw, pl := median(gws), median(pls)
	rate := gw / 2
	// Latency in alternating rounds too (gateway, plain, plain, gateway):
	// whichever ran first after the peak rounds had the longer tail.
	const ld = 4 * time.Second
	var glat, plat []time.Duration
	for r := range 4 {
		if r == 0 || r == 3 {
			glat = append(glat, latency(t, f.gateway.URL, true, rate, ld)...)
		} else {
			plat = append(plat, latency(t, f.plain.URL, false, rate, ld)...)
		}
	}
	gp50, gp99, gmax := percentiles(glat)
	pp50, pp99, pmax := percentiles(plat)
	t.Logf("GOMAXPROCS=%d, %d closed-loop clients for peak (%d alternating rounds of %v each), open loop at %.0f req/s for latency (4 alternating rounds of %v)", runtime.GOMAXPROCS(0), workers, rounds, d, rate, ld)
	t.Logf("| handler | peak req/s (median of rounds) | p50 @ %.0f req/s | p99 | max |", rate)
	t.Logf("|---|---|---|---|---|")
	t.Logf("| gateway (GraphQL) | %.0f | %v | %v | %v |", gw, gp50.Round(10*time.Microsecond), gp99.Round(10*time.Microsecond), gmax.Round(10*time.Microsecond))
	t.Logf("| plain net/http | %.0f | %v | %v | %v |", pl, pp50.Round(10*time.Microsecond), pp99.Round(10*time.Microsecond), pmax.Round(10*time.Microsecond))
	slices.Sort(ratios)
	t.Logf("gateway/plain throughput per round: min %.2f, median %.2f, max %.2f", ratios[0], median(ratios), ratios[len(ratios)-1])
}
