package adapters

import (
	"errors"
	"sync"
	"time"
)

// BreakerPolicy says when a circuit opens and when it probes again.
type BreakerPolicy struct {
	Failures int           // consecutive failures that open the circuit (0: never)
	Cooldown time.Duration // how long it stays open before one probe is let through
}

// DefaultBreakerPolicy opens after 5 consecutive failures and probes after 10 s.
var DefaultBreakerPolicy = BreakerPolicy{Failures: 5, Cooldown: 10 * time.Second}

// BreakerState is where a circuit stands.
type BreakerState string

// The states of a circuit.
const (
	BreakerClosed   BreakerState = "CLOSED"    // calls flow
	BreakerOpen     BreakerState = "OPEN"      // calls fail fast
	BreakerHalfOpen BreakerState = "HALF_OPEN" // one probe is in flight
)

// ErrCircuitOpen is returned while the circuit is open.
var ErrCircuitOpen = errors.New("circuit open")

// Breaker is a consecutive-failure circuit breaker: after Failures failures in
// a row it fails calls fast for Cooldown, then lets one probe through; the
// probe's outcome closes or reopens it.
type Breaker struct {
	policy BreakerPolicy
	now    func() time.Time

	mu       sync.Mutex
	state    BreakerState
	failures int
	openedAt time.Time
}

// NewBreaker returns a closed breaker.
func NewBreaker(p BreakerPolicy) *Breaker {
	return &Breaker{policy: p, now: time.Now, state: BreakerClosed}
}

// Allow reports whether a call may go ahead; ErrCircuitOpen if not.
func (b *Breaker) Allow() error {
	if b == nil || b.policy.Failures <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerOpen:
		if b.now().Sub(b.openedAt) < b.policy.Cooldown {
			return ErrCircuitOpen
		}
		b.state = BreakerHalfOpen
		return nil
	case BreakerHalfOpen:
		return ErrCircuitOpen // one probe at a time
	}
	return nil
}

// Record records a call's outcome.
func (b *Breaker) Record(ok bool) {
	if b == nil || b.policy.Failures <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if ok {
		b.state, b.failures = BreakerClosed, 0
		return
	}
	b.failures++
	if b.state == BreakerHalfOpen || b.failures >= b.policy.Failures {
		b.state, b.openedAt = BreakerOpen, b.now()
	}
}

// forget ends a call that says nothing about the platform (its caller gave
// up): the failure count stands, and a probe that ended so leaves the
// circuit for the next call to probe, rather than half-open for ever.
func (b *Breaker) forget() {
	if b == nil || b.policy.Failures <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerHalfOpen {
		b.state = BreakerOpen // openedAt is a cooldown ago: the next Allow probes
	}
}

// BreakerHolder is implemented by adapters that expose their connection's
// circuit breaker, for health reporting.
type BreakerHolder interface {
	Breaker() *Breaker
}

// State returns the breaker's state now.
func (b *Breaker) State() BreakerState {
	if b == nil {
		return BreakerClosed
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == BreakerOpen && b.now().Sub(b.openedAt) >= b.policy.Cooldown {
		return BreakerHalfOpen
	}
	return b.state
}
