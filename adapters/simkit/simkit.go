// Package simkit is the plumbing the platform simulators share: serving on a
// free loopback port, the outage conditions a test sets (added latency, a
// platform that is down), queues of injected faults, the faults that carry a
// request out and leave it unanswered (AppliedTimeout, AppliedDrop), and the
// ledger of refunds a platform paid. What an outage or a fault looks like on
// the wire stays each simulator's own.
package simkit

import (
	"context"
	"net"
	"net/http"
	"sync"
	"time"
)

// Serve serves h on a free port of 127.0.0.1 until the returned server is
// closed, and returns that server with its base URL ("http://127.0.0.1:port").
func Serve(h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, "http://" + ln.Addr().String(), nil
}

// Conditions are the outage conditions of a simulator: a latency added to
// every response and whether the platform is down. The zero value is up with
// no latency; it is safe for concurrent use. A simulator embeds it, so that
// SetLatency and SetDown are the simulator's own methods.
type Conditions struct {
	mu      sync.Mutex
	latency time.Duration
	down    bool
}

// SetLatency delays every response by d (0: none).
func (c *Conditions) SetLatency(d time.Duration) {
	c.mu.Lock()
	c.latency = d
	c.mu.Unlock()
}

// SetDown makes every request fail as the platform's outage would (false: up
// again); the simulator's documentation says what the failure looks like.
func (c *Conditions) SetDown(down bool) {
	c.mu.Lock()
	c.down = down
	c.mu.Unlock()
}

// Current returns the conditions in force.
func (c *Conditions) Current() (latency time.Duration, down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.latency, c.down
}

// Delay waits d out. It reports false, without waiting longer, when ctx ends
// or stop closes first: the request is then abandoned unanswered. A nil stop
// never closes.
func Delay(ctx context.Context, d time.Duration, stop <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}

// Faults queues injected faults by method: a call takes the oldest fault
// queued for its own method, else the oldest queued for any method. The zero
// value is ready; it is safe for concurrent use.
type Faults[K any] struct {
	mu sync.Mutex
	q  map[string][]pending[K]
}

type pending[K any] struct {
	kind  K
	count int
}

// Inject makes the next count calls of method fail with kind. Queued under
// the simulator's any-method key (see Take), the fault is for every method.
func (f *Faults[K]) Inject(method string, kind K, count int) {
	if count <= 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.q == nil {
		f.q = map[string][]pending[K]{}
	}
	f.q[method] = append(f.q[method], pending[K]{kind, count})
}

// Clear drops every queued fault.
func (f *Faults[K]) Clear() {
	f.mu.Lock()
	f.q = nil
	f.mu.Unlock()
}

// Take pops the fault for one call of method, looking at method's own queue
// first and then at anyMethod's; ok is false when none is queued.
func (f *Faults[K]) Take(method, anyMethod string) (kind K, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, key := range []string{method, anyMethod} {
		q := f.q[key]
		if len(q) == 0 {
			continue
		}
		kind = q[0].kind
		if q[0].count--; q[0].count == 0 {
			q = q[1:]
		}
		f.q[key] = q
		return kind, true
	}
	return kind, false
}
