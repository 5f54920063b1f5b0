package feed

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// gatedPlatform holds its first reads until `want` are in flight at once,
// and records the most that ever were.
type gatedPlatform struct {
	returns.Platform
	want     int64
	inflight atomic.Int64
	most     atomic.Int64
	once     sync.Once
	gate     chan struct{}
}

func (g *gatedPlatform) GetCase(ctx context.Context, id string) (*returns.Case, error) {
	n := g.inflight.Add(1)
	defer g.inflight.Add(-1)
	for {
		m := g.most.Load()
		if n <= m || g.most.CompareAndSwap(m, n) {
			break
		}
	}
	if n >= g.want {
		g.once.Do(func() { close(g.gate) })
	}
	select {
	case <-g.gate:
	case <-time.After(10 * time.Second):
		return nil, errors.New("the poller never had enough reads in flight")
	}
	return g.Platform.GetCase(ctx, id)
}

// ListChanges answers the whole change list as one window.
func (g *gatedPlatform) ListChanges(ctx context.Context, cursor string, now time.Time) (returns.ChangeBatch, error) {
	var all returns.ChangeBatch
	for {
		b, err := g.Platform.ListChanges(ctx, cursor, now)
		if err != nil {
			return b, err
		}
		all.Refs = append(all.Refs, b.Refs...)
		all.Cursor, cursor = b.Cursor, b.Cursor
		if b.CaughtUp {
			all.CaughtUp = true
			return all, nil
		}
	}
}

// countingStore counts the store's writes.
type countingStore struct {
	store.Store
	single, batches, batched atomic.Int64
}

func (c *countingStore) UpsertCase(ctx context.Context, org returns.OrgID, cs *returns.Case, ch store.Change) (*store.UpsertResult, error) {
	c.single.Add(1)
	return c.Store.UpsertCase(ctx, org, cs, ch)
}

func (c *countingStore) UpsertCases(ctx context.Context, org returns.OrgID, w []store.CaseWrite) ([]*store.UpsertResult, error) {
	c.batches.Add(1)
	c.batched.Add(int64(len(w)))
	return c.Store.UpsertCases(ctx, org, w)
}

// The poller reads a window's cases Concurrency at a time, never more, and
// writes each window in one transaction, publishing one event per case in
// the order of the log.
func TestPollerFetchesAWindowConcurrentlyAndWritesItOnce(t *testing.T) {
	r := newRig(t)
	cs := &countingStore{Store: r.st}
	r.st = cs
	p := r.poller()
	p.Concurrency = 4
	g := &gatedPlatform{Platform: r.a, want: 4, gate: make(chan struct{})}
	p.Platform = g
	if err := p.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids := r.sim.CaseIDs(r.shop.ShopID)
	if most := g.most.Load(); most != 4 {
		t.Errorf("at most %d reads in flight, want 4", most)
	}
	if n := cs.single.Load(); n != 0 {
		t.Errorf("%d cases written one at a time", n)
	}
	if n := cs.batched.Load(); n != int64(len(ids)) {
		t.Errorf("%d cases written in windows, the platform has %d", n, len(ids))
	}
	if b := cs.batches.Load(); b != 1 {
		t.Errorf("one window written in %d transactions", b)
	}
	if len(r.events) != len(ids) {
		t.Fatalf("%d events for %d new cases", len(r.events), len(ids))
	}
	for i := 1; i < len(r.events); i++ {
		if r.events[i].Seq <= r.events[i-1].Seq {
			t.Fatalf("events published out of order: %d after %d", r.events[i].Seq, r.events[i-1].Seq)
		}
	}
	// Nothing changed: a second walk reads nothing and writes nothing.
	before := cs.batches.Load()
	if err := p.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if cs.batches.Load() != before || len(r.events) != len(ids) {
		t.Errorf("an unchanged platform caused %d writes and %d events", cs.batches.Load()-before, len(r.events)-len(ids))
	}
}

// nulPlatform reports one case with a NUL in its id, which no store keeps.
type nulPlatform struct {
	returns.Platform
	bad string
}

func (n *nulPlatform) GetCase(ctx context.Context, id string) (*returns.Case, error) {
	c, err := n.Platform.GetCase(ctx, id)
	if err == nil && id == n.bad {
		c.PlatformCaseID += "\x00"
	}
	return c, err
}

// A case the store cannot keep is left out of its window: the window's other
// cases are written, and the walk moves on rather than failing every round.
func TestPollerSkipsACaseNoStoreKeeps(t *testing.T) {
	r := newRig(t)
	cs := &countingStore{Store: r.st}
	r.st = cs
	p := r.poller()
	ids := r.sim.CaseIDs(r.shop.ShopID)
	if len(ids) < 2 {
		t.Fatalf("the simulator has %d cases, want at least 2", len(ids))
	}
	p.Platform = &gatedPlatform{Platform: &nulPlatform{Platform: r.a, bad: ids[0]}, want: 1, gate: make(chan struct{})}
	if err := p.Sync(context.Background()); err != nil {
		t.Fatalf("one bad case failed the walk: %v", err)
	}
	if n := cs.batched.Load(); n != int64(len(ids)-1) {
		t.Errorf("%d cases written, want the %d good ones", n, len(ids)-1)
	}
	if len(r.events) != len(ids)-1 {
		t.Errorf("%d events, want %d", len(r.events), len(ids)-1)
	}
	if _, err := r.st.GetCase(context.Background(), org, returns.CaseKey{Platform: r.a.ID(), PlatformCaseID: ids[1]}); err != nil {
		t.Errorf("a good case of the window was not stored: %v", err)
	}
}
