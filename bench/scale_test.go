package bench

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/actions"
	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
	"github.com/returnsgw/returnsgw/store/storetest"
)

var (
	scaleSizes = flag.String("scale", "", "run the scale benchmark on stores of these sizes, e.g. 3000,100000,1000000")
	scaleRuns  = flag.Int("scale-runs", 3, "repeated runs of the scale benchmark's measurements")
	scaleReqs  = flag.Int("scale-requests", 200, "requests of each kind per run")
	scaleIdle  = flag.Duration("scale-idle", 20*time.Second, "how long the idle cost is measured")
	scaleDir   = flag.String("scale-dir", "", "keep the built stores here and reuse them (default: a temporary directory)")
)

// The six requests of the scale benchmark.
var scaleRequests = []struct{ name, query string }{
	{"first page", listQuery},
	{"by deadline", strings.Replace(listQuery, "returnCases(first: 50)", "returnCases(first: 50, orderBy: RESPOND_BY_ASC)", 1)},
	{"XHS+REQUESTED", strings.Replace(listQuery, "returnCases(first: 50)",
		"returnCases(first: 50, filter: {platforms: [XHS], statuses: [REQUESTED]})", 1)},
	{"page 20", ""}, // set per store: after the cursor that ends page 19
	{"node(id:)", ""},
	{"{ __typename }", `{ __typename }`},
}

// TestScale builds stores of the given sizes through the store's own API
// (UpsertCases, windows of 1,000 fixture cases), serves them through the
// gateway with the deadline timer running and a writer changing one case a
// second, and measures the six requests, the timer and the RSS. Run with
//
//	go test ./bench -run TestScale -scale 3000,100000 -timeout 2h -v
func TestScale(t *testing.T) {
	if *scaleSizes == "" {
		t.Skip("run with -scale 3000,100000[,1000000]")
	}
	var sizes []int
	for _, s := range strings.Split(*scaleSizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1000 {
			t.Fatalf("-scale: %q is not a size of at least 1000", s)
		}
		sizes = append(sizes, n)
	}
	dir := *scaleDir
	if dir == "" {
		dir = t.TempDir()
	}
	fmt.Printf("\nGOMAXPROCS=%d, %d runs of %d requests of each kind, one writer changing a case a second\n",
		runtime.GOMAXPROCS(0), *scaleRuns, *scaleReqs)
	for _, n := range sizes {
		scaleOne(t, filepath.Join(dir, fmt.Sprintf("scale-%d.db", n)), n)
	}
}

func scaleOne(t *testing.T, path string, n int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, keys := buildScaleStore(t, path, n)
	defer st.Close()

	bus := feed.NewBus(0)
	reg := adapters.NewRegistry()
	svc := actions.New(actions.Options{Store: st, Platforms: reg, Log: quiet})
	// A day's deadlines of a million cases are more alerts at once than a
	// subscriber may leave waiting by default; this one reads them all.
	timer := &feed.DeadlineTimer{Store: st, Orgs: []returns.OrgID{org}, Bus: bus, Log: quiet, MaxPending: 1 << 20}
	go timer.Run(ctx)
	// A dashboard watching the next day's deadlines.
	alerts, err := timer.Subscribe(org, 24*time.Hour, returns.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for range alerts.C() {
		}
	}()
	res := graph.NewResolver(graph.Deps{Store: st, Platforms: reg, Actions: svc, Bus: bus, Deadlines: timer, Log: quiet})
	gql := graph.NewHandler(res, graph.HandlerOptions{})
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(graph.WithOrg(r.Context(), org)))
	}))
	defer gw.Close()

	// Page 20: the cursor at the end of page 19.
	q := store.ListQuery{First: 50}
	for range 19 {
		p, err := st.ListCases(ctx, org, q)
		if err != nil {
			t.Fatal(err)
		}
		if q.After, err = store.DecodeCursor(p.Cursors[len(p.Cursors)-1]); err != nil {
			t.Fatal(err)
		}
	}
	reqs := slices.Clone(scaleRequests)
	reqs[3].query = strings.Replace(listQuery, "returnCases(first: 50)",
		fmt.Sprintf("returnCases(first: 50, after: %q)", q.After.Encode()), 1)
	reqs[4].query = fmt.Sprintf(`{ node(id: %q) { ... on ReturnCase { id platform platformCaseId status updatedAt deadlines { respondBy } } } }`,
		graph.CaseID(keys[len(keys)/2]))

	// The writer: one case a second, as a live gateway sees.
	go func() {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			c, err := st.GetCase(ctx, org, keys[rng.IntN(len(keys))])
			if err != nil {
				continue
			}
			c.UpdatedAt = time.Now().UTC()
			if c.Status == returns.StatusRequested {
				c.Status = returns.StatusNegotiating
			} else if c.Status == returns.StatusNegotiating {
				c.Status = returns.StatusRequested
			}
			if r, err := st.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll}); err == nil && r.Event != nil {
				bus.Publish(*r.Event, r.Case)
			}
		}
	}()

	c := newClient()
	p50 := make([][]time.Duration, len(reqs))
	p99 := make([][]time.Duration, len(reqs))
	for range *scaleRuns {
		for i, r := range reqs {
			body, _ := json.Marshal(map[string]string{"query": r.query})
			lat := make([]time.Duration, 0, *scaleReqs)
			for j := range *scaleReqs + 10 {
				start := time.Now()
				if err := post(c, gw.URL, body); err != nil {
					t.Fatalf("%s: %v", r.name, err)
				}
				if j >= 10 { // the first ten warm up
					lat = append(lat, time.Since(start))
				}
			}
			slices.Sort(lat)
			p50[i] = append(p50[i], lat[len(lat)/2])
			p99[i] = append(p99[i], lat[len(lat)*99/100])
		}
	}

	// The timer: what a load of its horizon costs, which it does once per
	// Ahead (an hour), and the process's CPU while idle but for the writer.
	start := time.Now()
	if err := timer.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	held := timer.Held(org)
	if alerts.Err() != nil {
		t.Fatalf("the alert subscription ended: %v", alerts.Err())
	}
	cpu0, wall0 := cpuTime(), time.Now()
	time.Sleep(*scaleIdle)
	idle := float64(cpuTime()-cpu0) / float64(time.Since(wall0))
	runtime.GC()
	rss, hwm := procStatus("VmRSS"), procStatus("VmHWM")

	fmt.Printf("\n### %d cases\n\n", n)
	fmt.Printf("| request | p50 min / median / max | p99 min / median / max | p50 / floor | p99 / floor |\n|---|---|---|---|---|\n")
	floor50, floor99 := median(p50[len(reqs)-1]), median(p99[len(reqs)-1])
	for i, r := range reqs {
		fmt.Printf("| %s | %s | %s | %.1f | %.1f |\n", r.name, mmm(p50[i]), mmm(p99[i]),
			float64(median(p50[i]))/float64(floor50), float64(median(p99[i]))/float64(floor99))
	}
	fmt.Printf("\ndeadline timer: loading its 24 h horizon took %v and holds %d cases (once an hour: %.4f%% of a core); "+
		"process CPU while idle but for the writer: %.2f%% of a core over %v; RSS %s (peak %s)\n",
		load.Round(time.Millisecond), held, 100*load.Seconds()/3600, 100*idle, *scaleIdle, rss, hwm)
}

// buildScaleStore opens the store at path, filling it with n fixture cases
// through UpsertCases unless it holds them already, and returns a sample of
// its keys.
func buildScaleStore(t *testing.T, path string, n int) (*sqlite.Store, []returns.CaseKey) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := st.ListCases(ctx, org, store.ListQuery{First: 1})
	if err != nil {
		t.Fatal(err)
	}
	base := time.Now().UTC()
	if p.TotalCount != n {
		if p.TotalCount != 0 {
			t.Fatalf("%s holds %d cases, not %d: remove it", path, p.TotalCount, n)
		}
		fx := storetest.NewFixtures(uint64(n), base)
		start := time.Now()
		for done := 0; done < n; {
			w := min(1000, n-done)
			writes := make([]store.CaseWrite, w)
			for i, c := range fx.Cases(w) {
				writes[i] = store.CaseWrite{Case: c, Change: store.Change{Source: returns.SourcePoll}}
			}
			if _, err := st.UpsertCases(ctx, org, writes); err != nil {
				t.Fatal(err)
			}
			done += w
		}
		d := time.Since(start)
		fmt.Printf("\nbuilt %d cases through UpsertCases in %v (%.0f cases/s with their events)\n", n, d.Round(time.Second), float64(n)/d.Seconds())
	}
	var keys []returns.CaseKey
	q := store.ListQuery{First: 100, Order: store.OrderCreatedDesc}
	for len(keys) < 1000 {
		p, err := st.ListCases(ctx, org, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Cases {
			keys = append(keys, c.Key())
		}
		if !p.HasNextPage {
			break
		}
		if q.After, err = store.DecodeCursor(p.Cursors[len(p.Cursors)-1]); err != nil {
			t.Fatal(err)
		}
	}
	return st, keys
}

func post(c *http.Client, url string, body []byte) error {
	resp, err := c.Post(url, "application/json", strings.NewReader(string(body)))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || strings.Contains(string(b), `"errors"`) {
		return fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, b)
	}
	return nil
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func procStatus(field string) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// median is the middle value of xs (the upper one of an even count).
func median[T cmp.Ordered](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func mmm(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	r := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	return r(s[0]) + " / " + r(s[len(s)/2]) + " / " + r(s[len(s)-1]) + " ms"
}
