package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// BenchUpserts measures ingestion: new cases with their events, one case per
// transaction and in windows of 100 (UpsertCases), in cases/s. Every backend
// runs it against itself, so the figures compare.
func BenchUpserts(b *testing.B, open func(b *testing.B, now func() time.Time) store.Store) {
	base := time.Date(2025, time.June, 3, 4, 5, 6, 0, time.UTC)
	for _, window := range []int{1, 100} {
		b.Run(fmt.Sprintf("window%d", window), func(b *testing.B) {
			s := open(b, NewClock(base).Now)
			const org returns.OrgID = "bench-org"
			all := NewFixtures(97, base).Cases(b.N)
			took := make([]time.Duration, 0, b.N/window+1)
			b.ResetTimer()
			for i := 0; i < len(all); i += window {
				start := time.Now()
				writes := make([]store.CaseWrite, 0, window)
				for _, c := range all[i:min(i+window, len(all))] {
					writes = append(writes, store.CaseWrite{Case: c, Change: store.Change{Source: returns.SourcePoll}})
				}
				res, err := s.UpsertCases(b.Context(), org, writes)
				if err != nil {
					b.Fatal(err)
				}
				took = append(took, time.Since(start))
				for _, r := range res {
					if r.Event == nil {
						b.Fatal("a new case wrote no event")
					}
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
			// The slowest transactions: a checkpoint, say, runs inside
			// whichever commit crosses its threshold, and every write
			// queued behind it waits.
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)*99/100])/1e6, "p99-ms/tx")
			b.ReportMetric(float64(took[len(took)-1])/1e6, "max-ms/tx")
		})
	}
}
