package feed

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// stallingPlatform's change list blocks until its context ends, as a first
// sync of many cases or a slow platform would outlast the lease's TTL.
type stallingPlatform struct {
	returns.Platform
	entered chan struct{}
}

func (s *stallingPlatform) ListChanges(ctx context.Context, _ string, _ time.Time) (returns.ChangeBatch, error) {
	close(s.entered)
	<-ctx.Done()
	return returns.ChangeBatch{}, ctx.Err()
}

// scriptedLease grants the lease until lose is closed, then refuses it, and
// counts the asks.
type scriptedLease struct {
	mu   sync.Mutex
	asks int
	lose chan struct{}
	lost chan struct{} // closed at the first refusal
	once sync.Once
}

func (l *scriptedLease) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	l.mu.Lock()
	l.asks++
	l.mu.Unlock()
	select {
	case <-l.lose:
		l.once.Do(func() { close(l.lost) })
		return false, nil
	default:
		return true, nil
	}
}

func (l *scriptedLease) count() int { l.mu.Lock(); defer l.mu.Unlock(); return l.asks }

// A walk that outlasts the lease's TTL keeps renewing it, and ends as soon
// as another replica has taken it over, so two replicas never walk at once.
func TestLongWalkRenewsItsLeaseAndStopsWhenItIsLost(t *testing.T) {
	r := newRig(t)
	slow := &stallingPlatform{Platform: r.a, entered: make(chan struct{})}
	lease := &scriptedLease{lose: make(chan struct{}), lost: make(chan struct{})}
	p := r.poller()
	p.Platform, p.Lease, p.Holder, p.LeaseTTL = slow, lease, "replica-a", 30*time.Millisecond
	p.Interval = time.Hour

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() { p.Run(ctx); close(done) }()
	<-slow.entered // the walk has begun, under the lease taken before it
	// Renewals arrive while the walk is still blocked (every TTL/3).
	waitFor(t, "the lease renewed during the walk", func() bool { return lease.count() >= 4 })
	close(lease.lose)
	<-lease.lost
	// The walk's context ends: the stalled change list returns and the
	// poller is a standby, not walking.
	waitFor(t, "a standby after losing the lease", func() bool { return p.Health().Standby })
	cancel()
	<-done
}

// waitFor polls cond (state other goroutines move) until it holds, failing
// after a generous bound.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
