package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// BenchmarkListCases measures the product's most frequent read: the first
// page of 50 cases out of 5,000, as every page load of the workbench asks.
func BenchmarkListCases(b *testing.B) {
	base := time.Date(2025, time.June, 3, 4, 5, 6, 0, time.UTC)
	s := openTemp(b, storetest.NewClock(base).Now)
	const org returns.OrgID = "bench-org"
	seedCases(b, s, org, storetest.NewFixtures(99, base).Cases(5000))

	page, err := s.ListCases(b.Context(), org, store.ListQuery{First: 50})
	if err != nil {
		b.Fatal(err)
	}
	second, err := store.DecodeCursor(page.Cursors[49])
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    store.ListQuery
	}{
		{"first50", store.ListQuery{First: 50}},
		{"first50WithoutRaw", store.ListQuery{First: 50, WithoutRaw: true}},
		{"second50", store.ListQuery{First: 50, After: second}},
		{"respondBy50", store.ListQuery{First: 50, Order: store.OrderRespondByAsc}},
		{"filtered50", store.ListQuery{First: 50, Filter: returns.Filter{
			Platforms: []returns.PlatformID{returns.XHS, returns.AliExpress},
			Statuses:  []returns.Status{returns.StatusRequested, returns.StatusNegotiating, returns.StatusInTransit},
		}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				page, err := s.ListCases(b.Context(), org, bc.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Cases) != 50 || page.TotalCount == 0 {
					b.Fatalf("page of %d cases of %d", len(page.Cases), page.TotalCount)
				}
			}
		})
	}
}

func seedCases(tb testing.TB, s *Store, org returns.OrgID, cs []*returns.Case) {
	tb.Helper()
	for _, c := range cs {
		if _, err := s.UpsertCase(tb.Context(), org, c, store.Change{Source: returns.SourcePoll}); err != nil {
			tb.Fatal(fmt.Errorf("seed %s: %w", c.PlatformCaseID, err))
		}
	}
}

// BenchmarkPreparedPoint reads one case's columns through a statement
// prepared at Open: the cost is mostly the driver's, so it shows whether a
// prepared statement is parsed again on every execution.
func BenchmarkPreparedPoint(b *testing.B) {
	base := time.Date(2025, time.June, 3, 4, 5, 6, 0, time.UTC)
	s := openTemp(b, storetest.NewClock(base).Now)
	const org returns.OrgID = "bench-org"
	cs := storetest.NewFixtures(98, base).Cases(100)
	seedCases(b, s, org, cs)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c := cs[i%len(cs)]
		var version, synced int64
		var fp []byte
		if err := s.stmts.peekCase.QueryRowContext(b.Context(), string(org), string(c.Platform), c.PlatformCaseID).Scan(&version, &synced, &fp); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpserts measures ingestion: new cases, each with its event,
// written one transaction per case and one per window of 100 (as the poller
// writes a window). An op is one case; it reports cases per second.
func BenchmarkUpserts(b *testing.B) {
	storetest.BenchUpserts(b, func(b *testing.B, now func() time.Time) store.Store { return openTemp(b, now) })
}
