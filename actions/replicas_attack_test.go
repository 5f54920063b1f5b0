package actions

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// claimSignal tells when a key has been claimed.
type claimSignal struct {
	*sqlite.Store
	claimed chan struct{}
}

func (c claimSignal) ClaimIdempotency(ctx context.Context, org returns.OrgID, key, hash string) (*store.IdempotencyRecord, error) {
	rec, err := c.Store.ClaimIdempotency(ctx, org, key, hash)
	c.claimed <- struct{}{}
	return rec, err
}

// Two replicas on one database, one retry: replica A claims the key and waits
// for the case's lock; replica B, started after A's claim, gets the client's
// retry with the same key. The claim is young (no request holds one longer
// than staleClaim), so B must not take it over, though it was made before B
// started and no request runs for it in B: B answers CONFLICT and sends
// nothing; A then gets its lock and sends the write, once.
func TestRetryOnAnotherReplicaDoesNotWriteTwice(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	locks := &feed.CaseLocks{}
	claimed := make(chan struct{}, 1)
	a := New(Options{Store: claimSignal{e.st, claimed}, Platforms: adapters.NewRegistry(e.fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return base }, Locks: locks})
	r := e.req(returns.ActionApprove, "k-twice", `{"n":1}`)

	unlock := locks.Lock(e.key) // A's case is busy (another action, the ingester)
	doneA := make(chan error, 1)
	go func() { _, err := a.Do(context.Background(), r); doneA <- err }()
	<-claimed

	e.fp.mu.Lock()
	gate, started := make(chan struct{}), make(chan struct{}, 2)
	e.fp.gate, e.fp.started = gate, started
	e.fp.mu.Unlock()
	b := New(Options{Store: e.st, Platforms: adapters.NewRegistry(e.fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return base.Add(time.Second) }})
	out, err := b.Do(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, out, returns.CodeConflict)
	select {
	case <-started:
		t.Fatal("B sent the write of a claim A still holds")
	default:
	}

	unlock()
	<-started // A sends the write
	close(gate)
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	if n, _ := e.fp.counts(); n != 1 {
		t.Errorf("%d writes reached the platform for one idempotency key, want 1", n)
	}
}
