package feed

import (
	"errors"
	"fmt"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/telemetry"
)

// Change is one stored change: the event written to the log and the case as
// it was stored with it, so that subscribers filter and answer without
// reading the store. Both are shared by every subscriber: read them, never
// modify them. The event is embedded so that its fields (Seq, Status, ...)
// read directly off the change.
type Change struct {
	returns.Event
	Case *returns.Case
}

// Publisher is told of every change the gateway stores. The ingester and the
// actions service publish through it (their Publish hooks take this method).
type Publisher interface {
	Publish(ev returns.Event, c *returns.Case)
}

// Subscriber hands out live streams of one organisation's changes. The
// in-process Bus is one; a cross-replica implementation (PostgreSQL
// LISTEN/NOTIFY feeding a local Bus) can replace it.
type Subscriber interface {
	// Subscribe starts a stream of the organisation's changes whose case
	// passes the filter, from the next change published on.
	Subscribe(org returns.OrgID, f returns.Filter, o SubscribeOptions) Subscription
}

// SubscribeOptions tune one subscription.
type SubscribeOptions struct {
	// Buffer is how many changes may wait for the subscriber before it is
	// dropped for falling behind; 0 means the bus's default.
	Buffer int
	// Notify, if set, is called after each change is queued on C and once
	// after C is closed, so that a reader can be scheduled when there is
	// something to read instead of keeping a goroutine parked on C. It is
	// called while the bus is locked: it must return at once and must not
	// call the bus.
	Notify func()
}

// Subscription is one live stream of changes.
type Subscription interface {
	// C delivers the changes in the order they were published. It is closed
	// when the subscription ends: after Close, when the subscriber fell
	// behind, or when the bus closed.
	C() <-chan *Change
	// Err says why C was closed: nil after Close (or while it is open), a
	// *FellBehindError, or ErrBusClosed. It is set before C is closed.
	Err() error
	// Close ends the subscription. It may be called more than once, from any goroutine.
	Close()
}

// ErrBusClosed ends the subscriptions of a bus that shut down.
var ErrBusClosed = errors.New("feed: the gateway is shutting down")

// FellBehindError ends a subscription whose buffer was full when a change
// came: publishing never waits for a subscriber.
type FellBehindError struct {
	Missed  int   // the changes waiting in its buffer and the one that found it full
	LastSeq int64 // the last change it was given (0 if none): resume after it
}

func (e *FellBehindError) Error() string {
	return fmt.Sprintf("feed: subscriber fell behind by %d events; resubscribe after event %d", e.Missed, e.LastSeq)
}

// DefaultBuffer is a subscription's default buffer: room for a burst (a
// poller storing a page of changes) while the subscriber writes to its socket.
const DefaultBuffer = 128

// Bus is the in-process publish/subscribe of changes. Publishing never
// blocks: each subscriber has a bounded buffer, and one whose buffer is full
// is dropped with a FellBehindError while the others keep receiving.
//
// It is built for many idle subscribers: no goroutine per subscriber (the
// subscription's channel goes straight to whoever reads it, and Notify lets
// that reader hold no goroutine either while nothing comes), and a publish
// costs one filter check and one non-blocking send per subscriber of the
// organisation, with one allocation per publish, not per subscriber.
type Bus struct {
	buffer int

	mu     sync.Mutex
	orgs   orgSet[*busSub]
	closed bool

	// Counters, nil when not instrumented (see Instrument).
	published, behind prometheus.Counter
}

// Instrument counts the bus's published events and the subscribers it
// dropped for falling behind into m. Call it before the bus is used.
func (b *Bus) Instrument(m *telemetry.Metrics) {
	if m != nil {
		b.published, b.behind = m.EventsPublished, m.SubscribersBehind
	}
}

var (
	_ Publisher    = (*Bus)(nil)
	_ Subscriber   = (*Bus)(nil)
	_ Subscription = (*busSub)(nil)
)

// NewBus returns a bus whose subscriptions buffer `buffer` changes by
// default (0: DefaultBuffer).
func NewBus(buffer int) *Bus {
	if buffer <= 0 {
		buffer = DefaultBuffer
	}
	return &Bus{buffer: buffer, orgs: orgSet[*busSub]{}}
}

type busSub struct {
	slot   // in bus.orgs; guarded by bus.mu
	bus    *Bus
	filter returns.Filter
	ch     chan *Change
	notify func()

	// Guarded by bus.mu.
	last int64 // seq of the last change queued
	err  error
}

func (s *busSub) C() <-chan *Change { return s.ch }

func (s *busSub) Err() error {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.err
}

func (s *busSub) Close() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.removeLocked(s, nil)
}

// Subscribe starts a stream of the organisation's changes whose case passes
// the filter. On a closed bus the stream is already over (ErrBusClosed).
func (b *Bus) Subscribe(org returns.OrgID, f returns.Filter, o SubscribeOptions) Subscription {
	n := o.Buffer
	if n <= 0 {
		n = b.buffer
	}
	s := &busSub{slot: slot{org: org, idx: -1}, bus: b, filter: f, ch: make(chan *Change, n), notify: o.Notify}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.err = ErrBusClosed
		close(s.ch)
		if s.notify != nil {
			s.notify()
		}
		return s
	}
	b.orgs.add(s)
	return s
}

// Publish hands the change to every subscriber of its organisation whose
// filter the case passes. It never blocks on a subscriber. The case must not
// be modified afterwards; a change without a case is not published (a
// subscriber always gets the case).
func (b *Bus) Publish(ev returns.Event, c *returns.Case) {
	if c == nil {
		return
	}
	ch := &Change{Event: ev, Case: c}
	if b.published != nil {
		b.published.Inc()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	subs := b.orgs[ev.Org]
	for i := 0; i < len(subs); {
		s := subs[i]
		if !s.filter.Match(c) {
			i++
			continue
		}
		select {
		case s.ch <- ch:
			s.last = ev.Seq
			if s.notify != nil {
				s.notify()
			}
			i++
		default:
			b.removeLocked(s, &FellBehindError{Missed: len(s.ch) + 1, LastSeq: s.last})
			if b.behind != nil {
				b.behind.Inc()
			}
			// The last subscriber moved into slot i: look at it next.
			subs = b.orgs[ev.Org]
		}
	}
}

// Ready reports whether the bus delivers changes: ErrBusClosed once it is
// closed (for /readyz).
func (b *Bus) Ready() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return ErrBusClosed
	}
	return nil
}

// Len returns how many subscriptions are open.
func (b *Bus) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, subs := range b.orgs {
		n += len(subs)
	}
	return n
}

// Close ends every subscription with ErrBusClosed; later subscriptions end at once.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for _, s := range b.orgs.all() {
		b.removeLocked(s, ErrBusClosed)
	}
}

// removeLocked takes s off the bus and closes its channel; b.mu is held.
func (b *Bus) removeLocked(s *busSub, err error) {
	if !b.orgs.remove(s) {
		return
	}
	s.err = err
	close(s.ch)
	if s.notify != nil {
		s.notify()
	}
}
