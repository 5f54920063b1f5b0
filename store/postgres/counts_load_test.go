package postgres

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

var load = flag.Bool("load", false, "run the load measurements (TestTotalCountCost) and print their tables")

// TestTotalCountCost measures what totalCount costs a list page at 100,000
// cases: the same filter counted over the cases (made to count by a term on
// updated_ns that every case passes) and summed over case_counts. 500 cases
// are written through the store and copied 200 times by SQL; the counts are
// the migration's back-fill. Each round runs every variant `runs` times,
// interleaved; the table gives the rounds' p50s as min / median / max.
//
//	go test ./store/postgres -run TestTotalCountCost -v -load
func TestTotalCountCost(t *testing.T) {
	if !*load {
		t.Skip("load measurement: run with -load")
	}
	const (
		org    returns.OrgID = "org-count-cost"
		seed                 = 500
		copies               = 200
		rounds               = 5
		runs                 = 60
	)
	ctx := context.Background()
	s := openFresh(t, nil)
	var ws []store.CaseWrite
	for _, c := range storetest.NewFixtures(11, storetest.AnalyticsNow).Cases(seed) {
		ws = append(ws, store.CaseWrite{Case: c, Change: store.Change{Source: returns.SourcePoll}})
	}
	if _, err := s.UpsertCases(ctx, org, ws); err != nil {
		t.Fatal(err)
	}
	var cols string
	if err := s.pool.QueryRow(ctx, `SELECT string_agg(column_name, ', ' ORDER BY ordinal_position)
		FROM information_schema.columns WHERE table_name = 'cases' AND column_name NOT IN ('id', 'case_id')`).Scan(&cols); err != nil {
		t.Fatal(err)
	}
	m, err := migrationFiles.ReadFile("migrations/0380_case_counts.sql")
	if err != nil {
		t.Fatal(err)
	}
	backfill := string(m)[strings.Index(string(m), "INSERT INTO case_counts"):]
	if _, err := s.pool.Exec(ctx, `INSERT INTO cases (case_id, `+cols+`)
		SELECT case_id || '~' || g, `+cols+` FROM cases, generate_series(1, $1::int) AS g WHERE org = $2`, copies-1, string(org)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM case_counts`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, backfill); err != nil {
		t.Fatal(err)
	}
	if _, err := s.pool.Exec(ctx, `VACUUM ANALYZE cases`); err != nil {
		t.Fatal(err)
	}

	ancient := time.Unix(0, 1) // every case was updated after it
	filters := []struct {
		name string
		f    returns.Filter
	}{
		{"all cases", returns.Filter{}},
		{"2 platforms × 3 statuses", returns.Filter{Platforms: []returns.PlatformID{returns.XHS, returns.AliExpress},
			Statuses: []returns.Status{returns.StatusRequested, returns.StatusNegotiating, returns.StatusInTransit}}},
	}
	type variant struct {
		name string
		run  func() (int, error)
		p50s []time.Duration
	}
	var vs []*variant
	for _, fc := range filters {
		counted := fc.f
		counted.UpdatedAfter = &ancient
		for _, how := range []struct {
			name string
			f    returns.Filter
		}{{"counted", counted}, {"summed", fc.f}} {
			q := store.ListQuery{Filter: how.f, First: 50}
			vs = append(vs, &variant{name: fc.name + " | page of 50 | " + how.name, run: func() (int, error) {
				p, err := s.ListCases(ctx, org, q)
				if err != nil {
					return 0, err
				}
				return p.TotalCount, nil
			}})
			// The totalCount's statement alone (what an empty page asks).
			nq := q
			if err := nq.Normalize(); err != nil {
				t.Fatal(err)
			}
			p := planList(org, &nq)
			vs = append(vs, &variant{name: fc.name + " | count alone | " + how.name, run: func() (int, error) {
				var n int64
				var beyond bool
				err := s.pool.QueryRow(ctx, p.counts, p.args[:p.cursorArgs]...).Scan(&n, &beyond)
				return int(n), err
			}})
		}
	}
	for _, v := range vs { // warm the plans and caches; the totals agree
		n, err := v.run()
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: totalCount %d", v.name, n)
	}
	for range rounds {
		times := make([][]time.Duration, len(vs))
		for range runs {
			for i, v := range vs {
				at := time.Now()
				if _, err := v.run(); err != nil {
					t.Fatal(err)
				}
				times[i] = append(times[i], time.Since(at))
			}
		}
		for i, v := range vs {
			slices.Sort(times[i])
			v.p50s = append(v.p50s, times[i][len(times[i])/2])
		}
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }
	t.Logf("| filter | statement | counted p50 ms (min / median / max) | summed p50 ms | counted / summed (medians) |")
	t.Logf("|---|---|---|---|---|")
	for i := 0; i+3 < len(vs); i += 4 {
		for j := range 2 {
			c, sm := vs[i+j].p50s, vs[i+2+j].p50s
			slices.Sort(c)
			slices.Sort(sm)
			parts := strings.Split(vs[i+j].name, " | ")
			t.Logf("| %s | %s | %s / %s / %s | %s / %s / %s | %.1f |", parts[0], parts[1], ms(c[0]), ms(c[len(c)/2]), ms(c[len(c)-1]),
				ms(sm[0]), ms(sm[len(sm)/2]), ms(sm[len(sm)-1]), float64(c[len(c)/2])/float64(sm[len(sm)/2]))
		}
	}
}
