package bench

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/graph"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/postgres"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
	"github.com/returnsgw/returnsgw/store/sqlite"
	"github.com/returnsgw/returnsgw/store/storetest"
)

var (
	analyticsCases = flag.Int("analytics", 0, "run the analytics benchmark over this many cases, e.g. 100000")
	analyticsRuns  = flag.Int("analytics-runs", 15, "measured runs of each analytics query")
	analyticsDir   = flag.String("analytics-dir", "", "keep the SQLite store here and reuse it (default: a temporary directory)")
)

// The analytics benchmark's queries: the whole of Query.returnAnalytics
// (the store's GROUP BY statements, the spike counts, the order counts and
// the Go that combines them), each beside a plain GROUP BY of the same
// dimensions over the same cases.
var analyticsScenarios = []struct {
	name  string
	dims  []store.AnalyticsDimension
	plain string // the dimensions' columns
	f     *model.ReturnCaseFilter
}{
	{"everything, one group", nil, "", nil},
	{"PLATFORM×REASON", []store.AnalyticsDimension{store.DimPlatform, store.DimReason}, "platform, reason", nil},
	{"SKU×WEEK", []store.AnalyticsDimension{store.DimSKU, store.DimWeek}, "sku, week", nil},
	{"SHOP×WEEK (return rates)", []store.AnalyticsDimension{store.DimShop, store.DimWeek}, "shop_id, week", nil},
	{"XHS, REFUNDED by SKU×REASON", []store.AnalyticsDimension{store.DimSKU, store.DimReason}, "sku, reason",
		&model.ReturnCaseFilter{Platforms: []returns.PlatformID{returns.XHS}, Statuses: []returns.Status{returns.StatusRefunded}}},
}

// TestAnalyticsSpeed builds a store of -analytics cases on SQLite and on
// PostgreSQL (the fixture's cases, with a catalogue of 300 SKUs, an
// inspection for every fifth case and order counts for every shop and week)
// and times returnAnalytics against a plain GROUP BY, in the same run:
//
//	go test ./bench -run TestAnalyticsSpeed -analytics 100000 -v -timeout 30m
func TestAnalyticsSpeed(t *testing.T) {
	if *analyticsCases == 0 {
		t.Skip("run with -analytics 100000")
	}
	n := *analyticsCases
	base := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	cases := storetest.NewFixtures(131, base).Cases(n)
	rng := rand.New(rand.NewPCG(7, 11))
	for _, c := range cases {
		if len(c.Lines) > 0 {
			c.Lines[0].SKU = fmt.Sprintf("SKU-%03d", rng.IntN(300))
		}
	}
	fmt.Printf("\nanalytics over %d cases, GOMAXPROCS=%d, %d runs each (the machine is shared: other work runs beside it)\n",
		n, runtime.GOMAXPROCS(0), *analyticsRuns)

	t.Run("sqlite", func(t *testing.T) {
		dir := *analyticsDir
		if dir == "" {
			dir = t.TempDir()
		}
		path := filepath.Join(dir, fmt.Sprintf("analytics-%d.db", n))
		_, statErr := os.Stat(path)
		reuse := statErr == nil
		s, err := sqlite.Open(t.Context(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		exec := func(q string, args ...any) error { _, err := db.Exec(q, args...); return err }
		plain := func(ctx context.Context, q string) (int, error) {
			rows, err := db.QueryContext(ctx, q, string(org))
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			k := 0
			for rows.Next() {
				k++
			}
			return k, rows.Err()
		}
		analyticsBench(t, s, cases, exec, plain, "?", reuse)
	})
	t.Run("postgres", func(t *testing.T) {
		url := pgtest.FreshURL(t, "")
		s, err := postgres.Open(t.Context(), url, postgres.Options{MaxConns: 4})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		conn, err := pgx.Connect(t.Context(), url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		exec := func(q string, args ...any) error {
			for i := 1; strings.Contains(q, "?"); i++ {
				q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
			}
			_, err := conn.Exec(context.Background(), q, args...)
			return err
		}
		plain := func(ctx context.Context, q string) (int, error) {
			rows, err := conn.Query(ctx, strings.ReplaceAll(q, "?", "$1"), string(org))
			if err != nil {
				return 0, err
			}
			defer rows.Close()
			k := 0
			for rows.Next() {
				k++
			}
			return k, rows.Err()
		}
		analyticsBench(t, s, cases, exec, plain, "$", false)
	})
}

type analyticsBackend interface {
	store.Store
	store.AnalyticsStore
}

func analyticsBench(t *testing.T, s analyticsBackend, cases []*returns.Case, exec func(string, ...any) error,
	plain func(context.Context, string) (int, error), dialect string, reuse bool) {
	t0 := time.Now()
	if !reuse {
		fillAnalytics(t, s, cases, exec, dialect)
	}
	fmt.Printf("%s: %d cases stored in %v (reused: %v)\n", t.Name(), len(cases), time.Since(t0).Round(time.Millisecond), reuse)
	runAnalyticsScenarios(t, s, plain)
}

func fillAnalytics(t *testing.T, s analyticsBackend, cases []*returns.Case, exec func(string, ...any) error, dialect string) {
	ctx := context.Background()
	upserted := cases
	if dialect == "$" {
		// PostgreSQL on this shared machine writes a case with its event
		// at tens per second: a tenth of the cases go through the store's
		// own upserts, and SQL copies their rows (every column the upsert
		// wrote) nine times under new case ids.
		upserted = cases[:len(cases)/10]
	}
	for i := 0; i < len(upserted); i += 1000 {
		var writes []store.CaseWrite
		for _, c := range upserted[i:min(i+1000, len(upserted))] {
			writes = append(writes, store.CaseWrite{Case: c, Change: store.Change{Source: returns.SourcePoll}})
		}
		if _, err := s.UpsertCases(ctx, org, writes); err != nil {
			t.Fatal(err)
		}
	}
	if len(upserted) < len(cases) {
		cols := "shop_id, order_id, kind, status, reason, market, updated_ns, created_ns, respond_ns, version, synced_ns," +
			" fingerprint, doc, sku, week, refund_minor, refund_currency, responded_ns, refunded_ns, respond_due_ns, refund_due_ns"
		if err := exec(`INSERT INTO cases (org, platform, case_id, `+cols+`) SELECT org, platform, case_id || '-' || k, `+cols+
			` FROM cases, generate_series(1, 9) AS k WHERE org = ?`, string(org)); err != nil {
			t.Fatal(err)
		}
	}
	// An inspection for every fifth case, grades and currencies mixed.
	mod := "id % 5 = 0"
	if err := exec(`INSERT INTO inspections (org, platform, case_id, grade, disposition, recovered_minor, recovered_currency,
		notes, evidence_ids, inspected_ns) SELECT org, platform, case_id,
		CASE id % 3 WHEN 0 THEN 'A' WHEN 1 THEN 'B' ELSE 'C' END, 'RESTOCK', id % 10000,
		CASE id % 2 WHEN 0 THEN 'CNY' ELSE 'USD' END, '', '[]', 0 FROM cases WHERE org = ? AND `+mod, string(org)); err != nil {
		t.Fatal(err)
	}
	// Order counts for every shop and week of the cases.
	var counts []store.OrderCount
	shops := map[store.ShopRef]bool{}
	for _, c := range cases {
		shops[store.ShopRef{Platform: c.Platform, ShopID: c.ShopID}] = true
	}
	first, last := store.ISOWeek(cases[0].CreatedAt), store.ISOWeek(cases[0].CreatedAt)
	for _, c := range cases {
		w := store.ISOWeek(c.CreatedAt)
		first, last = min(first, w), max(last, w)
	}
	for sh := range shops {
		for _, w := range store.WeeksBetween(first, last, 100) {
			counts = append(counts, store.OrderCount{Platform: sh.Platform, ShopID: sh.ShopID, Week: w, Orders: 50000, Source: store.OrderCountInput})
		}
	}
	if err := s.SetOrderCounts(ctx, org, counts); err != nil {
		t.Fatal(err)
	}
	if dialect == "$" {
		// What autovacuum does soon after a bulk load: statistics, and the
		// visibility map that lets a scan read the index alone.
		if err := exec(`VACUUM ANALYZE cases`); err != nil {
			t.Fatal(err)
		}
	} else if err := exec(`ANALYZE`); err != nil {
		t.Fatal(err)
	}
}

func runAnalyticsScenarios(t *testing.T, s analyticsBackend, plain func(context.Context, string) (int, error)) {
	ctx := context.Background()
	fmt.Println("| backend | query | groups | returnAnalytics ms min / median / max | its CPU ms (median) | plain GROUP BY rows | plain ms min / median / max | its CPU ms | ratio of medians |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	r := graph.NewResolver(graph.Deps{Store: s, Analytics: s, Now: func() time.Time { return now }})
	gctx := graph.WithOrg(ctx, org)
	for _, sc := range analyticsScenarios {
		in := model.ReturnAnalyticsInput{GroupBy: sc.dims, Filter: sc.f}
		var groups int
		analytics := func() error {
			res, err := graph.RunAnalyticsForBench(r, gctx, in)
			if err == nil {
				groups = len(res.Groups)
			}
			return err
		}
		where := ""
		if sc.f != nil {
			where = " AND platform = 'XHS' AND status = 'REFUNDED'"
		}
		q := "SELECT count(*) FROM cases WHERE org = ?" + where
		if sc.plain != "" {
			q = "SELECT " + sc.plain + ", count(*) FROM cases WHERE org = ?" + where + " GROUP BY " + sc.plain
		}
		var plainGroups int
		plainRun := func() error {
			var err error
			plainGroups, err = plain(ctx, q)
			return err
		}
		a, acpu, err := timeRuns(analytics, *analyticsRuns)
		if err != nil {
			t.Fatalf("%s: %v", sc.name, err)
		}
		p, pcpu, err := timeRuns(plainRun, *analyticsRuns)
		if err != nil {
			t.Fatalf("%s plain: %v", sc.name, err)
		}
		fmt.Printf("| %s | %s | %d | %.1f / %.1f / %.1f | %.1f | %d | %.1f / %.1f / %.1f | %.1f | %.1f× |\n",
			t.Name(), sc.name, groups, ms(a[0]), ms(a[len(a)/2]), ms(a[len(a)-1]), ms(acpu),
			plainGroups, ms(p[0]), ms(p[len(p)/2]), ms(p[len(p)-1]), ms(pcpu), float64(a[len(a)/2])/float64(p[len(p)/2]))
		if a[len(a)/2] > 500*time.Millisecond {
			t.Errorf("%s: median %v, over 500 ms", sc.name, a[len(a)/2])
		}
	}
}

// timeRuns runs f once to warm up, then runs times, and returns the sorted
// wall-clock durations and the median CPU time this process spent (user +
// system: on SQLite, the query's whole cost, which on a shared machine is a
// steadier figure than the wall clock).
func timeRuns(f func() error, runs int) ([]time.Duration, time.Duration, error) {
	if err := f(); err != nil {
		return nil, 0, err
	}
	out := make([]time.Duration, runs)
	cpu := make([]time.Duration, runs)
	for i := range out {
		c0 := cpuTime()
		t0 := time.Now()
		if err := f(); err != nil {
			return nil, 0, err
		}
		out[i] = time.Since(t0)
		cpu[i] = cpuTime() - c0
	}
	slices.Sort(out)
	slices.Sort(cpu)
	return out, cpu[len(cpu)/2], nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
