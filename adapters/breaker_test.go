package adapters

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func breakerFailures(b *Breaker) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.failures
}

func TestBreaker(t *testing.T) {
	// op is one thing that happens to a breaker: a call asks (allow), a call
	// ends (ok, fail, forget), or time passes (advance).
	type op struct {
		do        string
		advance   time.Duration
		wantAllow bool // for "allow"
		wantState BreakerState
	}
	allow := func(want bool, st BreakerState) op { return op{do: "allow", wantAllow: want, wantState: st} }
	ok := func(st BreakerState) op { return op{do: "ok", wantState: st} }
	fail := func(st BreakerState) op { return op{do: "fail", wantState: st} }
	forget := func(st BreakerState) op { return op{do: "forget", wantState: st} }
	wait := func(d time.Duration, st BreakerState) op { return op{do: "advance", advance: d, wantState: st} }

	tests := []struct {
		name   string
		policy BreakerPolicy
		ops    []op
	}{
		{name: "opens after the failures in a row", policy: BreakerPolicy{Failures: 2, Cooldown: 10 * time.Second}, ops: []op{
			allow(true, BreakerClosed), fail(BreakerClosed),
			allow(true, BreakerClosed), fail(BreakerOpen),
			allow(false, BreakerOpen),
			wait(9*time.Second, BreakerOpen), allow(false, BreakerOpen),
			wait(time.Second, BreakerHalfOpen),
			allow(true, BreakerHalfOpen),
			allow(false, BreakerHalfOpen), // one probe at a time
			ok(BreakerClosed),
			allow(true, BreakerClosed),
		}},
		{name: "a success in between resets the count", policy: BreakerPolicy{Failures: 2, Cooldown: time.Second}, ops: []op{
			fail(BreakerClosed), ok(BreakerClosed), fail(BreakerClosed), ok(BreakerClosed), fail(BreakerClosed), fail(BreakerOpen),
		}},
		{name: "a failed probe reopens for a full cooldown", policy: BreakerPolicy{Failures: 3, Cooldown: 10 * time.Second}, ops: []op{
			fail(BreakerClosed), fail(BreakerClosed), fail(BreakerOpen),
			wait(10*time.Second, BreakerHalfOpen), allow(true, BreakerHalfOpen), fail(BreakerOpen),
			wait(5*time.Second, BreakerOpen), allow(false, BreakerOpen),
			wait(5*time.Second, BreakerHalfOpen), allow(true, BreakerHalfOpen), ok(BreakerClosed),
		}},
		{name: "a forgotten call leaves the count alone", policy: BreakerPolicy{Failures: 2, Cooldown: 10 * time.Second}, ops: []op{
			fail(BreakerClosed), forget(BreakerClosed), fail(BreakerOpen),
		}},
		{name: "a forgotten probe lets the next call probe", policy: BreakerPolicy{Failures: 1, Cooldown: 10 * time.Second}, ops: []op{
			fail(BreakerOpen), wait(10*time.Second, BreakerHalfOpen),
			allow(true, BreakerHalfOpen), forget(BreakerHalfOpen),
			allow(true, BreakerHalfOpen), allow(false, BreakerHalfOpen), fail(BreakerOpen),
			allow(false, BreakerOpen),
		}},
		{name: "no failure count never opens", policy: BreakerPolicy{}, ops: []op{
			fail(BreakerClosed), fail(BreakerClosed), fail(BreakerClosed), allow(true, BreakerClosed),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBreaker(tt.policy)
			clock := &fakeClock{t: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
			b.now = clock.Now
			for i, o := range tt.ops {
				switch o.do {
				case "allow":
					err := b.Allow()
					if (err == nil) != o.wantAllow {
						t.Fatalf("op %d: Allow() = %v, want allowed %v", i, err, o.wantAllow)
					}
					if err != nil && !errors.Is(err, ErrCircuitOpen) {
						t.Errorf("op %d: Allow() = %v, want ErrCircuitOpen", i, err)
					}
				case "ok":
					b.Record(true)
				case "fail":
					b.Record(false)
				case "forget":
					b.forget()
				case "advance":
					clock.Advance(o.advance)
				}
				if got := b.State(); got != o.wantState {
					t.Fatalf("op %d (%s): state %s, want %s", i, o.do, got, o.wantState)
				}
			}
		})
	}
}

func TestBreakerOneProbe(t *testing.T) {
	b := NewBreaker(BreakerPolicy{Failures: 1, Cooldown: time.Second})
	clock := &fakeClock{t: time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)}
	b.now = clock.Now
	b.Record(false)
	clock.Advance(time.Second)

	const n = 32
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	start := make(chan struct{})
	for range n {
		wg.Go(func() {
			<-start
			if b.Allow() == nil {
				mu.Lock()
				allowed++
				mu.Unlock()
			}
		})
	}
	close(start)
	wg.Wait()
	if allowed != 1 {
		t.Errorf("%d of %d concurrent calls were let through a half-open circuit, want 1", allowed, n)
	}
}

func TestBreakerNil(t *testing.T) {
	var b *Breaker
	if err := b.Allow(); err != nil {
		t.Errorf("nil breaker Allow() = %v", err)
	}
	b.Record(false)
	b.forget()
}
