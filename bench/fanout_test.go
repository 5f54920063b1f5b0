package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/postgres"
	"github.com/returnsgw/returnsgw/store/postgres/pgtest"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// TestFanOut measures how long a change written by replica A takes to reach
// a subscriber on replica B (two pools on one PostgreSQL database, B's relay
// woken by LISTEN/NOTIFY), beside the same path inside one process (the
// in-process bus) as the baseline of the same run.
//
//	go test ./bench -run TestFanOut -v -load
func TestFanOut(t *testing.T) {
	if !*load {
		t.Skip("a measurement: run with -load")
	}
	const n = 500
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	url := pgtest.FreshURL(t, "")
	open := func() *postgres.Store {
		s, err := postgres.Open(ctx, url, postgres.Options{MaxConns: 8})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	bus := feed.NewBus(n + 10)
	relay := feed.NewRelay(b, b, bus.Publish, nil)
	go relay.Run(ctx)
	for !relay.Listening() {
		time.Sleep(5 * time.Millisecond)
	}
	sub := bus.Subscribe("org", returns.Filter{}, feed.SubscribeOptions{})
	cross := measure(t, n, func(i int) {
		c := fanCase(i)
		if _, err := a.UpsertCase(ctx, "org", c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
		<-sub.C()
	})

	// Baseline: one process, the store's write then the bus, as a single
	// gateway on PostgreSQL would be without replicas.
	local := feed.NewBus(n + 10)
	lsub := local.Subscribe("org2", returns.Filter{}, feed.SubscribeOptions{})
	same := measure(t, n, func(i int) {
		r, err := a.UpsertCase(ctx, "org2", fanCase(i), store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		local.Publish(*r.Event, r.Case)
		<-lsub.C()
	})

	// And SQLite's write with the in-process bus, the single-process default.
	sq, err := sqlite.Open(ctx, t.TempDir()+"/fan.db", sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sq.Close()
	sqsub := local.Subscribe("org3", returns.Filter{}, feed.SubscribeOptions{})
	lite := measure(t, n, func(i int) {
		r, err := sq.UpsertCase(ctx, "org3", fanCase(i), store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		local.Publish(*r.Event, r.Case)
		<-sqsub.C()
	})
	t.Logf("%d changes each, write to delivery:", n)
	t.Logf("| path | p50 | p99 | p99 / one-process PostgreSQL p99 |")
	t.Logf("|---|---|---|---|")
	for _, row := range []struct {
		name string
		d    []time.Duration
	}{{"replica A -> replica B (NOTIFY, relay)", cross}, {"one process on PostgreSQL (baseline)", same}, {"one process on SQLite", lite}} {
		t.Logf("| %s | %v | %v | %.2f |", row.name, pct(row.d, 50), pct(row.d, 99), float64(pct(row.d, 99))/float64(pct(same, 99)))
	}
}

func fanCase(i int) *returns.Case {
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second)
	return &returns.Case{Platform: returns.XHS, PlatformCaseID: fmt.Sprintf("fan-%d", i), Status: returns.StatusRequested,
		CreatedAt: at, UpdatedAt: at}
}

func measure(t *testing.T, n int, one func(i int)) []time.Duration {
	t.Helper()
	out := make([]time.Duration, n)
	for i := range n {
		t0 := time.Now()
		one(i)
		out[i] = time.Since(t0)
	}
	return out
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)-1)*p/100].Round(10 * time.Microsecond)
}
