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
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
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
	scaleReqs  = flag.Int("scale-requests", 1000, "requests of each kind per run (a p99 of 200 was their second slowest)")
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
//
// The sizes are measured in alternating rounds (each run measures every
// size in turn), so that a machine that slows down part-way through slows
// every size of a run alike, and the ratios between sizes stay fair. Then
// each size's idle cost is measured with only its own writer running, and
// the stores are closed smallest first, so the largest is measured alone.
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
	slices.Sort(sizes)
	dir := *scaleDir
	if dir == "" {
		dir = t.TempDir()
	}
	fmt.Printf("\nGOMAXPROCS=%d, %d alternating runs of %d requests of each kind, one writer per store changing a case a second\n",
		runtime.GOMAXPROCS(0), *scaleRuns, *scaleReqs)
	var writing atomic.Int64 // the size whose writer runs; -1: every writer
	writing.Store(-1)
	targets := make([]*scaleTarget, len(sizes))
	for i, n := range sizes {
		targets[i] = newScaleTarget(t, filepath.Join(dir, fmt.Sprintf("scale-%d.db", n)), n, &writing)
		defer targets[i].close()
	}
	c := newClient()
	for range *scaleRuns {
		for _, tg := range targets {
			tg.measure(t, c)
		}
	}
	if small, large := targets[0], targets[len(targets)-1]; large != small {
		fmt.Printf("\n### %d cases against %d, from the same alternating runs\n\n| request | p50 ratio (medians) | p99 ratio (medians) |\n|---|---|---|\n", large.n, small.n)
		for i, r := range large.reqs {
			fmt.Printf("| %s | %.2f | %.2f |\n", r.name,
				float64(median(large.p50[i]))/float64(median(small.p50[i])), float64(median(large.p99[i]))/float64(median(small.p99[i])))
		}
	}
	for i, tg := range targets {
		writing.Store(int64(tg.n))
		tg.report(t, i == len(targets)-1)
		tg.close()
	}
}

// scaleTarget is one store size, served through the gateway.
type scaleTarget struct {
	n      int
	st     *sqlite.Store
	gw     *httptest.Server
	timer  *feed.DeadlineTimer
	alerts *feed.AlertSubscription
	reqs   []struct{ name, query string }
	cancel context.CancelFunc
	closed bool

	p50, p99 [][]time.Duration // per request kind, one per run
}

func newScaleTarget(t *testing.T, path string, n int, writing *atomic.Int64) *scaleTarget {
	ctx, cancel := context.WithCancel(context.Background())
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	st, keys := buildScaleStore(t, path, n)
	tg := &scaleTarget{n: n, st: st, cancel: cancel}

	bus := feed.NewBus(0)
	reg := adapters.NewRegistry()
	svc := actions.New(actions.Options{Store: st, Platforms: reg, Log: quiet})
	// A day's deadlines of a million cases are more alerts at once than a
	// subscriber may leave waiting by default; this one reads them all.
	tg.timer = &feed.DeadlineTimer{Store: st, Orgs: []returns.OrgID{org}, Bus: bus, Log: quiet, MaxPending: 1 << 20}
	go tg.timer.Run(ctx)
	// A dashboard watching the next day's deadlines.
	alerts, err := tg.timer.Subscribe(org, 24*time.Hour, returns.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	tg.alerts = alerts
	go func() {
		for range alerts.C() {
		}
	}()
	res := graph.NewResolver(graph.Deps{Store: st, Platforms: reg, Actions: svc, Bus: bus, Deadlines: tg.timer, Log: quiet})
	gql := graph.NewHandler(res, graph.HandlerOptions{})
	tg.gw = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gql.ServeHTTP(w, r.WithContext(graph.WithOrg(r.Context(), org)))
	}))

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
	tg.reqs = slices.Clone(scaleRequests)
	tg.reqs[3].query = strings.Replace(listQuery, "returnCases(first: 50)",
		fmt.Sprintf("returnCases(first: 50, after: %q)", q.After.Encode()), 1)
	tg.reqs[4].query = fmt.Sprintf(`{ node(id: %q) { ... on ReturnCase { id platform platformCaseId status updatedAt deadlines { respondBy } } } }`,
		graph.CaseID(keys[len(keys)/2]))
	tg.p50 = make([][]time.Duration, len(tg.reqs))
	tg.p99 = make([][]time.Duration, len(tg.reqs))

	// The writer: one case a second, as a live gateway sees, while every
	// writer runs or this store's own does.
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
			if w := writing.Load(); w != -1 && w != int64(n) {
				continue
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
	return tg
}

// measure is one run: scaleReqs rounds of every request kind in turn, so
// that the kinds share the moments a collection or the writer slows the
// process down, and their ratios (page 20 against page 1) stay fair.
func (tg *scaleTarget) measure(t *testing.T, c *http.Client) {
	bodies := make([][]byte, len(tg.reqs))
	lat := make([][]time.Duration, len(tg.reqs))
	for i, r := range tg.reqs {
		bodies[i], _ = json.Marshal(map[string]string{"query": r.query})
		lat[i] = make([]time.Duration, 0, *scaleReqs)
	}
	for j := range *scaleReqs + 10 {
		for i, r := range tg.reqs {
			start := time.Now()
			if err := post(c, tg.gw.URL, bodies[i]); err != nil {
				t.Fatalf("%d cases, %s: %v", tg.n, r.name, err)
			}
			if j >= 10 { // the first ten rounds warm up
				lat[i] = append(lat[i], time.Since(start))
			}
		}
	}
	for i := range tg.reqs {
		slices.Sort(lat[i])
		tg.p50[i] = append(tg.p50[i], lat[i][len(lat[i])/2])
		tg.p99[i] = append(tg.p99[i], lat[i][len(lat[i])*99/100])
	}
}

// report measures the timer and the idle process, and prints the size's
// table; alone says whether no larger store is still open.
func (tg *scaleTarget) report(t *testing.T, alone bool) {
	ctx := context.Background()
	// The timer: what a load of its horizon costs, which it does once per
	// Ahead (an hour), and the process's CPU while idle but for the writer.
	start := time.Now()
	if err := tg.timer.Scan(ctx); err != nil {
		t.Fatal(err)
	}
	load := time.Since(start)
	held := tg.timer.Held(org)
	if tg.alerts.Err() != nil {
		t.Fatalf("the alert subscription ended: %v", tg.alerts.Err())
	}
	cpu0, wall0 := cpuTime(), time.Now()
	time.Sleep(*scaleIdle)
	idle := float64(cpuTime()-cpu0) / float64(time.Since(wall0))
	// What the process holds: the heap the smaller stores and the load
	// left behind goes back to the system, as the runtime's scavenger
	// would give it back to an idle gateway over a few minutes.
	debug.FreeOSMemory()
	rss, hwm := procStatus("VmRSS"), procStatus("VmHWM")
	// The pages of the database file that SQLite maps (mmap_size) count
	// in the RSS too: the kernel's page cache, which it can take back.
	parts := fmt.Sprintf("anonymous %s, file %s, shared %s", procStatus("RssAnon"), procStatus("RssFile"), procStatus("RssShmem"))
	others := ", the larger stores still open"
	if alone {
		others = ", no other store open"
	}

	reqs := tg.reqs
	fmt.Printf("\n### %d cases\n\n", tg.n)
	fmt.Printf("| request | p50 min / median / max | p99 min / median / max | p50 / floor | p99 / floor |\n|---|---|---|---|---|\n")
	floor50, floor99 := median(tg.p50[len(reqs)-1]), median(tg.p99[len(reqs)-1])
	for i, r := range reqs {
		fmt.Printf("| %s | %s | %s | %.1f | %.1f |\n", r.name, mmm(tg.p50[i]), mmm(tg.p99[i]),
			float64(median(tg.p50[i]))/float64(floor50), float64(median(tg.p99[i]))/float64(floor99))
	}
	fmt.Printf("\ndeadline timer: loading its 24 h horizon took %v and holds %d cases (once an hour: %.4f%% of a core); "+
		"process CPU while idle but for this store's writer: %.2f%% of a core over %v; RSS %s (%s; peak %s)%s\n",
		load.Round(time.Millisecond), held, 100*load.Seconds()/3600, 100*idle, *scaleIdle, rss, parts, hwm, others)
}

func (tg *scaleTarget) close() {
	if tg.closed {
		return
	}
	tg.closed = true
	tg.cancel()
	tg.gw.Close()
	tg.st.Close()
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
