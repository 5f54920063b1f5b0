package postgres

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// roundTrips counts the statements sent on their own and the batches, each
// one round trip to the database.
type roundTrips struct{ n atomic.Int64 }

func (r *roundTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (r *roundTrips) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	r.n.Add(1)
	return ctx
}
func (r *roundTrips) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (r *roundTrips) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}

// A window costs the same few round trips whatever its size: begin, the
// log's lock, one read of what is stored, one batch of writes, the counts
// (when a case moved between buckets), commit; a window with nothing
// changed skips the batch. Before the batch, every case cost six to nine.
func TestWindowRoundTrips(t *testing.T) {
	start := time.Date(2025, time.June, 3, 4, 5, 6, 0, time.UTC)
	rt := &roundTrips{}
	s, err := Open(t.Context(), freshURL(t), Options{Now: storetest.NewClock(start).Now, MaxConns: 2, tracer: rt})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })

	cs := storetest.NewFixtures(31, start).Cases(100)
	window := func(change func(*returns.Case)) []store.CaseWrite {
		ws := make([]store.CaseWrite, len(cs))
		for i, c := range cs {
			k := storetest.Canonical(c)
			if change != nil {
				change(k)
			}
			ws[i] = store.CaseWrite{Case: k, Change: store.Change{Source: returns.SourcePoll}}
		}
		return ws
	}
	for _, step := range []struct {
		name    string
		writes  []store.CaseWrite
		changed int
		max     int64
	}{
		{"new cases", window(nil), 100, 6},
		{"the same cases again", window(nil), 0, 4},
		{"every case changed", window(func(k *returns.Case) { k.UpdatedAt = k.UpdatedAt.Add(time.Hour) }), 100, 6},
	} {
		rt.n.Store(0)
		res, err := s.UpsertCases(t.Context(), "org", step.writes)
		if err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		changed := 0
		for _, r := range res {
			if r.Changed {
				changed++
			}
		}
		if changed != step.changed {
			t.Errorf("%s: %d cases changed, want %d", step.name, changed, step.changed)
		}
		if n := rt.n.Load(); n > step.max {
			t.Errorf("%s: a window of %d cases took %d round trips, want at most %d", step.name, len(step.writes), n, step.max)
		}
	}
}
