package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/aliexpress"
	"github.com/returnsgw/returnsgw/adapters/aliexpress/aliexpresssim"
	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// liveQuery is a page that mixes the three platforms and asks, for every
// case, for data only the platform has at this moment.
const liveQuery = `query Live { returnCases(first: 30) {
  nodes { platform platformCaseId current { status platformStatus { code } } negotiation { kind } }
} }`

// TestLiveLoad measures a request that needs live data from all three
// platforms, each simulator answering with its own latency, against the
// slowest platform's own latency for one case measured in the same run.
// Run with: go test ./bench -run TestLiveLoad -v -load
func TestLiveLoad(t *testing.T) {
	if !*load {
		t.Skip("load test: run with -load")
	}
	ctx := context.Background()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "live.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	noLimit := adapters.DefaultPolicy
	noLimit.RatePerSecond = 0
	noLimit.Breaker.Failures = 0

	xsim := xhssim.New(xhssim.Options{AppID: "a", AppSecret: "s", Seed: 1, Cases: 40})
	xurl, _ := xsim.Start()
	defer xsim.Close()
	asim := aliexpresssim.New(aliexpresssim.Options{AppKey: "k", AppSecret: "s", AccessTokens: []string{"t"}, Seed: 1, Cases: 40})
	aurl, _ := asim.Start()
	defer asim.Close()
	bsim, err := alibabasim.New(alibabasim.Options{AppKey: "k", AppSecret: "s", Sessions: []string{"t"}, Seed: 1, Cases: 40})
	if err != nil {
		t.Fatal(err)
	}
	burl, _ := bsim.Start()
	defer bsim.Close()

	reg := adapters.NewRegistry()
	shop := xhssim.DefaultShops()[0]
	xa, err := xhs.New(xhs.Config{BaseURL: xurl, AppID: "a", AppSecret: "s", AccessToken: shop.AccessToken,
		Shop: returns.Shop{ID: shop.ShopID, Market: shop.Market}, Policy: noLimit, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	aa, err := aliexpress.New(aliexpress.Config{BaseURL: aurl, AppKey: "k", AppSecret: "s", AccessToken: "t",
		Shop: returns.Shop{ID: "ae"}, Policy: noLimit, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	ba, err := alibaba.New(alibaba.Config{BaseURL: burl, AppKey: "k", AppSecret: "s", Session: "t",
		Shop: returns.Shop{ID: "ali"}, Policy: noLimit, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []returns.Platform{xa, aa, ba} {
		reg.Add(p)
		pl := &feed.Poller{Platform: p, Ingester: &feed.Ingester{Store: st, Org: org, Log: quiet}, Log: quiet}
		if err := pl.Sync(ctx); err != nil {
			t.Fatal(err)
		}
	}
	latency := map[returns.PlatformID]time.Duration{returns.XHS: 50 * time.Millisecond, returns.AliExpress: 120 * time.Millisecond, returns.Alibaba: 200 * time.Millisecond}
	xsim.SetLatency(latency[returns.XHS])
	asim.SetLatency(latency[returns.AliExpress])
	bsim.SetLatency(latency[returns.Alibaba])

	svc := actions.New(actions.Options{Store: st, Platforms: reg, Log: quiet})
	// A TTL of a nanosecond: every request fetches live, none is served from the cache.
	res := graph.NewResolver(graph.Deps{Store: st, Platforms: reg, Actions: svc, Log: quiet, LiveTTL: time.Nanosecond})
	h := graph.NewHandler(res, graph.HandlerOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(graph.WithOrg(r.Context(), org)))
	}))
	defer srv.Close()

	// Baseline: the slowest platform's own time for one live case.
	ids := bsim.CaseIDs()
	var base []time.Duration
	for i := 0; i < 10; i++ {
		start := time.Now()
		if _, err := ba.GetCase(ctx, ids[i]); err != nil {
			t.Fatal(err)
		}
		base = append(base, time.Since(start))
	}

	body, _ := json.Marshal(map[string]string{"query": liveQuery})
	var gw []time.Duration
	for i := 0; i < 10; i++ {
		start := time.Now()
		resp, err := http.Post(srv.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var out struct {
			Data struct {
				ReturnCases struct {
					Nodes []struct {
						Platform string
						Current  *struct{ Status string }
					}
				}
			}
			Errors []any
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		gw = append(gw, time.Since(start))
		if err != nil || len(out.Errors) > 0 {
			t.Fatalf("live page: %v %v", err, out.Errors)
		}
		seen := map[string]int{}
		for _, n := range out.Data.ReturnCases.Nodes {
			if n.Current == nil {
				t.Fatal("a case without its live view")
			}
			seen[n.Platform]++
		}
		if len(seen) != 3 {
			t.Fatalf("the page does not mix the three platforms: %v", seen)
		}
	}
	med := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	t.Logf("injected latency: XHS %v, AliExpress %v, Alibaba.com %v", latency[returns.XHS], latency[returns.AliExpress], latency[returns.Alibaba])
	t.Logf("| measurement | median | max |")
	t.Logf("|---|---|---|")
	t.Logf("| slowest platform, one case (Alibaba.com GetCase) | %v | %v |", med(base).Round(time.Millisecond), base[len(base)-1].Round(time.Millisecond))
	t.Logf("| gateway, page of 30 cases from 3 platforms, live view + negotiation | %v | %v |", med(gw).Round(time.Millisecond), gw[len(gw)-1].Round(time.Millisecond))
	t.Logf("gateway / slowest platform = %.2f (sum of the three would be %.2f)", float64(med(gw))/float64(med(base)),
		float64(latency[returns.XHS]+latency[returns.AliExpress]+latency[returns.Alibaba])/float64(med(base)))
}
