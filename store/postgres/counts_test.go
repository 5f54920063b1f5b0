package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// Migration 0380 counts the cases stored before it: on a database whose
// cases were written, moved and reset without case_counts, applying it gives
// the counts the writes kept, and the same totals.
func TestCaseCountsMigration(t *testing.T) {
	ctx := context.Background()
	m, err := migrationFiles.ReadFile("migrations/0380_case_counts.sql")
	if err != nil {
		t.Fatal(err)
	}
	if lock := "pg_advisory_xact_lock(" + strconv.Itoa(logLock) + ")"; !strings.Contains(string(m), lock) {
		t.Fatalf("the migration does not take the log's lock, %s", lock)
	}
	s := openFresh(t, nil)
	orgs := []returns.OrgID{"org-0380-a", "org-0380-b", "org-0380-c"}
	fx := storetest.NewFixtures(380, storetest.AnalyticsNow)
	for i, org := range orgs {
		var ws []store.CaseWrite
		for _, c := range fx.Cases(30 + 10*i) {
			ws = append(ws, store.CaseWrite{Case: c, Change: store.Change{Source: returns.SourcePoll}})
		}
		if _, err := s.UpsertCases(ctx, org, ws); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < len(ws); j += 3 { // moves to another bucket
			c := storetest.Canonical(ws[j].Case)
			c.Status, c.ShopID = returns.Statuses[j%len(returns.Statuses)], fmt.Sprintf("moved-%d", j%4)
			if _, err := s.UpsertCase(ctx, org, c, store.Change{Source: returns.SourceWebhook}); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := s.ResetOrganisation(ctx, orgs[2]); err != nil {
		t.Fatal(err)
	}
	filters := []returns.Filter{{}, {Platforms: []returns.PlatformID{returns.XHS}}, {ShopIDs: []string{"moved-1", "moved-2"}},
		{Statuses: returns.Statuses[:4], Kinds: []returns.Kind{returns.KindReturnAndRefund, returns.KindRefundOnly}}}
	totals := func() []int {
		t.Helper()
		var out []int
		for _, org := range orgs {
			for _, f := range filters {
				p, err := s.ListCases(ctx, org, store.ListQuery{Filter: f, First: 1})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p.TotalCount)
			}
		}
		return out
	}
	rows := func(q string) []string {
		t.Helper()
		r, err := s.pool.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		var out []string
		for r.Next() {
			var org, platform, status, kind, market, shop string
			var n int64
			if err := r.Scan(&org, &platform, &status, &kind, &market, &shop, &n); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%s=%d", org, platform, status, kind, market, shop, n))
		}
		if err := r.Err(); err != nil {
			t.Fatal(err)
		}
		slices.Sort(out)
		return out
	}
	const kept = `SELECT org, platform, status, kind, market, shop_id, n FROM case_counts WHERE n <> 0`
	wantTotals, wantRows := totals(), rows(kept)
	if len(wantRows) == 0 {
		t.Fatal("the writes kept no counts")
	}
	if got := rows(`SELECT org, platform, status, kind, market, shop_id, count(*) FROM cases
		GROUP BY org, platform, status, kind, market, shop_id`); !slices.Equal(got, wantRows) {
		t.Fatalf("kept counts\n%v\ndiffer from the cases\n%v", wantRows, got)
	}

	// Back to the schema before 0380, then migrate as a replica starting up would.
	if _, err := s.pool.Exec(ctx, `DROP TABLE case_counts;
		DELETE FROM schema_migrations WHERE version = '0380_case_counts.sql'`); err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, s.pool, s.now, s.log); err != nil {
		t.Fatal(err)
	}
	if got := rows(kept); !slices.Equal(got, wantRows) {
		t.Errorf("back-filled counts\n%v\nwant\n%v", got, wantRows)
	}
	if got := totals(); !slices.Equal(got, wantTotals) {
		t.Errorf("totals after the back-fill %v, want %v", got, wantTotals)
	}
}
