package feed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// DeadlineKind names the deadline an alert is about.
type DeadlineKind string

// The deadlines alerts watch: the seller's decision and the refund.
const (
	DeadlineRespondBy DeadlineKind = "RESPOND_BY"
	DeadlineRefundBy  DeadlineKind = "REFUND_BY"
)

var deadlineKinds = [...]DeadlineKind{DeadlineRespondBy, DeadlineRefundBy}

// MaxAlertWithin is the longest horizon an alert subscription may watch.
const MaxAlertWithin = 30 * 24 * time.Hour

// Alert says that a case's deadline has come within a subscription's horizon.
type Alert struct {
	Case  *returns.Case // the case as the timer last saw it; shared, read only
	Kind  DeadlineKind
	DueAt time.Time // UTC
}

// Source is where an alert comes from: always the timer.
func (a *Alert) Source() returns.EventSource { return returns.SourceTimer }

// ErrTimerStopped ends the alert subscriptions of a timer that stopped.
var ErrTimerStopped = errors.New("feed: the gateway is shutting down")

// DeadlineTimer raises deadline alerts. It keeps an index of the upcoming
// respondBy and refundBy deadlines of every open case — computed as the API
// shows them (returns.RuleDeadlines with the shop's policy) — fed by the
// changes on the bus and a periodic scan of the store, and on every tick tells
// each subscription, once per case and deadline, about the deadlines that
// have come within its horizon and are not yet past. A deadline that a change
// moves is a new deadline and alerts again.
//
// Set the fields, then call Run; Scan, Update and Check are what Run does on
// its schedule, exported so that tests drive them with their own clock.
type DeadlineTimer struct {
	Store store.Store
	// Orgs are the organisations whose cases the scan reads and whose
	// changes the timer follows.
	Orgs []returns.OrgID
	// Bus keeps the index current between scans; nil leaves it to the scans.
	Bus Subscriber
	// Policy is the rule policy of a case's shop; nil means the defaults.
	Policy func(*returns.Case) returns.RulePolicy
	Now    func() time.Time
	// Tick is how often deadlines are checked (default 1 s); Rescan how
	// often the store is read again in full (default 1 min).
	Tick, Rescan time.Duration
	// Buffer is how many alerts wait in a subscription's channel (default
	// 64); more wait in its queue, up to MaxPending.
	Buffer int
	// MaxPending bounds the alerts queued for a subscriber that does not
	// read them (default 10,000): past it the subscriber is dropped.
	MaxPending int
	Log        *slog.Logger

	mu      sync.Mutex
	index   map[returns.OrgID]map[returns.CaseKey]*tracked
	subs    orgSet[*AlertSubscription]
	stopped bool
	wake    chan struct{} // alerts wait in a queue: drain soon
}

// tracked is one open case with at least one upcoming deadline, or (no
// deadline at all) a tombstone: a case that a change closed while a scan
// may still have seen it open.
type tracked struct {
	c     *returns.Case
	due   [len(deadlineKinds)]time.Time // zero: none
	seen  time.Time                     // when the index last learnt of it (wall clock)
	alert [len(deadlineKinds)]*Alert    // built once per deadline, shared by subscribers
}

type alertKey struct {
	key  returns.CaseKey
	kind DeadlineKind
}

// AlertSubscription is one stream of deadline alerts.
type AlertSubscription struct {
	slot   // in t.subs; guarded by t.mu
	t      *DeadlineTimer
	within time.Duration
	filter returns.Filter
	ch     chan *Alert

	// Guarded by t.mu.
	alerted map[alertKey]time.Time // the deadline each alert was raised for
	pending []*Alert               // raised, waiting for room in ch
	err     error
}

// C delivers the alerts; it is closed when the subscription ends.
func (s *AlertSubscription) C() <-chan *Alert { return s.ch }

// Err says why C was closed: nil after Close, a *FellBehindError, or ErrTimerStopped.
func (s *AlertSubscription) Err() error {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	return s.err
}

// Close ends the subscription.
func (s *AlertSubscription) Close() {
	s.t.mu.Lock()
	defer s.t.mu.Unlock()
	s.t.removeLocked(s, nil)
}

// ValidateWithin checks an alert horizon: more than nothing, at most MaxAlertWithin.
func ValidateWithin(within time.Duration) error {
	if within <= 0 || within > MaxAlertWithin {
		return returns.Errorf(returns.CodeInvalid, "within must be between 1 second and %d days", int(MaxAlertWithin/(24*time.Hour)))
	}
	return nil
}

// Subscribe starts a stream of alerts for the organisation's cases that pass
// the filter, raised when a deadline comes within `within` of now. Deadlines
// already within it are alerted at once. Returns INVALID for a horizon
// ValidateWithin refuses.
func (t *DeadlineTimer) Subscribe(org returns.OrgID, within time.Duration, f returns.Filter) (*AlertSubscription, error) {
	if err := ValidateWithin(within); err != nil {
		return nil, err
	}
	s := &AlertSubscription{slot: slot{org: org, idx: -1}, t: t, within: within, filter: f, ch: make(chan *Alert, t.buffer()),
		alerted: map[alertKey]time.Time{}}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initLocked()
	if t.stopped {
		s.err = ErrTimerStopped
		close(s.ch)
		return s, nil
	}
	t.subs.add(s)
	now := t.now()
	for _, e := range t.index[org] {
		t.raiseLocked(s, e, now)
	}
	t.flushLocked(s)
	return s, nil
}

// Run keeps the index and raises alerts until ctx ends, then ends every
// subscription with ErrTimerStopped.
func (t *DeadlineTimer) Run(ctx context.Context) {
	t.mu.Lock()
	t.initLocked()
	t.mu.Unlock()
	var wg sync.WaitGroup
	defer func() {
		wg.Wait()
		t.stop()
	}()
	rescan := make(chan struct{}, 1)
	if t.Bus != nil {
		for _, org := range t.Orgs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				t.follow(ctx, org, rescan)
			}()
		}
	}
	if err := t.Scan(ctx); err != nil && ctx.Err() == nil {
		t.log().Warn("deadline scan failed", "err", err)
	}
	tick := time.NewTicker(t.every(t.Tick, time.Second))
	defer tick.Stop()
	full := time.NewTicker(t.every(t.Rescan, time.Minute))
	defer full.Stop()
	// While alerts wait in a queue, drain it often rather than once a tick.
	drain := time.NewTimer(time.Hour)
	drain.Stop()
	defer drain.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.Check()
		case <-full.C:
			t.rescan(ctx)
		case <-rescan:
			t.rescan(ctx)
		case <-t.wake:
			drain.Reset(10 * time.Millisecond)
		case <-drain.C:
			if t.flushAll() {
				drain.Reset(10 * time.Millisecond)
			}
		}
	}
}

func (t *DeadlineTimer) rescan(ctx context.Context) {
	if err := t.Scan(ctx); err != nil && ctx.Err() == nil {
		t.log().Warn("deadline scan failed", "err", err)
	}
}

// follow feeds the index from one organisation's changes. A subscription
// the bus drops (the timer fell behind) is renewed and the store rescanned,
// so that nothing it missed is lost.
func (t *DeadlineTimer) follow(ctx context.Context, org returns.OrgID, rescan chan<- struct{}) {
	for ctx.Err() == nil {
		sub := t.Bus.Subscribe(org, returns.Filter{}, SubscribeOptions{Buffer: 4096})
		stop := context.AfterFunc(ctx, sub.Close)
		for ch := range sub.C() {
			t.Update(ch)
		}
		stop()
		err := sub.Err()
		if err == nil || errors.Is(err, ErrBusClosed) {
			return
		}
		t.log().Warn("deadline timer fell behind the change feed; rescanning", "org", org, "err", err)
		select {
		case rescan <- struct{}{}:
		default:
		}
	}
}

// openStatuses are the statuses whose cases can still have a deadline to meet.
var openStatuses = func() []returns.Status {
	var out []returns.Status
	for _, s := range returns.Statuses {
		if s.Open() {
			out = append(out, s)
		}
	}
	return out
}()

// Scan reads every open case of the timer's organisations from the store,
// rebuilds the index and checks the subscriptions. What a change taught the
// index while the scan ran is kept.
func (t *DeadlineTimer) Scan(ctx context.Context) error {
	for _, org := range t.Orgs {
		start := time.Now()
		fresh := map[returns.CaseKey]*tracked{}
		q := store.ListQuery{Filter: returns.Filter{Statuses: openStatuses}, Order: store.OrderCreatedDesc, First: store.MaxPageSize}
		for {
			page, err := t.Store.ListCases(ctx, org, q)
			if err != nil {
				return fmt.Errorf("deadline scan of %s: %w", org, err)
			}
			now := t.now()
			for _, c := range page.Cases {
				if e := t.track(c, now, start); e != nil {
					fresh[c.Key()] = e
				}
			}
			if !page.HasNextPage || len(page.Cursors) == 0 {
				break
			}
			cur, err := store.DecodeCursor(page.Cursors[len(page.Cursors)-1])
			if err != nil {
				return fmt.Errorf("deadline scan of %s: %w", org, err)
			}
			q.After = cur
		}
		t.mu.Lock()
		t.initLocked()
		for k, e := range t.index[org] {
			if e.seen.After(start) {
				if f, ok := fresh[k]; !ok || f.c.Version <= e.c.Version {
					fresh[k] = e
				}
			}
		}
		t.index[org] = fresh
		t.mu.Unlock()
	}
	t.Check()
	return nil
}

// Update takes a change into the index and raises the alerts it calls for.
func (t *DeadlineTimer) Update(ch *Change) {
	c := ch.Case
	if c == nil {
		return
	}
	org := ch.Event.Org
	now := t.now()
	seen := time.Now()
	e := t.track(c, now, seen)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initLocked()
	idx := t.index[org]
	if idx == nil {
		idx = map[returns.CaseKey]*tracked{}
		t.index[org] = idx
	}
	if old, ok := idx[c.Key()]; ok && old.c.Version > c.Version {
		return // an older view than the one indexed
	}
	if e == nil {
		idx[c.Key()] = &tracked{c: c, seen: seen}
		return
	}
	idx[c.Key()] = e
	for _, s := range slices.Clone(t.subs[org]) {
		t.raiseLocked(s, e, now)
	}
	t.flushAllLocked(org)
}

// Check raises, for every subscription, the alerts due now.
func (t *DeadlineTimer) Check() {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initLocked()
	for org, subs := range t.subs {
		idx := t.index[org]
		for _, s := range slices.Clone(subs) {
			for k, due := range s.alerted {
				if !due.After(now) {
					delete(s.alerted, k) // past: it can never alert again
				}
			}
			for _, e := range idx {
				t.raiseLocked(s, e, now)
			}
		}
		t.flushAllLocked(org)
	}
}

// track returns the index entry of a case, or nil if it has no upcoming
// deadline to watch.
func (t *DeadlineTimer) track(c *returns.Case, now, seen time.Time) *tracked {
	if !c.Status.Open() {
		return nil
	}
	policy := returns.DefaultRulePolicy()
	if t.Policy != nil {
		policy = t.Policy(c)
	}
	d := returns.RuleDeadlines(c, returns.CaseTimes{ApprovedAt: c.ApprovedAt, ReceivedAt: c.ReceivedAt}, policy, now)
	e := &tracked{c: c, seen: seen}
	upcoming := false
	for i, p := range [...]*time.Time{d.RespondBy, d.RefundBy} {
		if p != nil && p.After(now) {
			e.due[i] = p.UTC()
			e.alert[i] = &Alert{Case: c, Kind: deadlineKinds[i], DueAt: e.due[i]}
			upcoming = true
		}
	}
	if !upcoming {
		return nil
	}
	return e
}

// raiseLocked queues the alerts e calls for on s; t.mu is held.
func (t *DeadlineTimer) raiseLocked(s *AlertSubscription, e *tracked, now time.Time) {
	if s.idx < 0 || !s.filter.Match(e.c) {
		return
	}
	for i, due := range e.due {
		if due.IsZero() || !due.After(now) || due.Sub(now) > s.within {
			continue
		}
		k := alertKey{e.c.Key(), deadlineKinds[i]}
		if prev, ok := s.alerted[k]; ok && prev.Equal(due) {
			continue
		}
		s.alerted[k] = due
		s.pending = append(s.pending, e.alert[i])
	}
}

// flushLocked moves queued alerts into s's channel while there is room, and
// reports whether some still wait; a subscriber with more than MaxPending
// waiting is dropped. Every raise is followed by a flush; t.mu is held.
func (t *DeadlineTimer) flushLocked(s *AlertSubscription) bool {
	n := 0
	for n < len(s.pending) {
		select {
		case s.ch <- s.pending[n]:
			n++
			continue
		default:
		}
		break
	}
	if n > 0 {
		rest := copy(s.pending, s.pending[n:])
		clear(s.pending[rest:])
		s.pending = s.pending[:rest]
	}
	if len(s.pending) == 0 {
		return false
	}
	if len(s.pending) > t.maxPending() {
		t.removeLocked(s, &FellBehindError{Missed: len(s.pending) + len(s.ch)})
		return false
	}
	select {
	case t.wake <- struct{}{}:
	default:
	}
	return true
}

// flushAllLocked flushes the organisation's subscriptions. It goes from the
// last one down: a flush that drops a subscriber moves the last one into its
// slot, which has then been flushed already, and leaves nil past the end.
func (t *DeadlineTimer) flushAllLocked(org returns.OrgID) {
	subs := t.subs[org]
	for i := len(subs) - 1; i >= 0; i-- {
		t.flushLocked(subs[i])
	}
}

// flushAll drains every queue it can and reports whether alerts still wait.
func (t *DeadlineTimer) flushAll() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	waiting := false
	for _, subs := range t.subs {
		for i := len(subs) - 1; i >= 0; i-- { // see flushAllLocked
			if t.flushLocked(subs[i]) {
				waiting = true
			}
		}
	}
	return waiting
}

func (t *DeadlineTimer) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.stopped = true
	for _, s := range t.subs.all() {
		t.removeLocked(s, ErrTimerStopped)
	}
}

// removeLocked takes s off the timer and closes its channel; t.mu is held.
func (t *DeadlineTimer) removeLocked(s *AlertSubscription, err error) {
	if !t.subs.remove(s) {
		return
	}
	s.err = err
	s.pending = nil
	close(s.ch)
}

func (t *DeadlineTimer) initLocked() {
	if t.index == nil {
		t.index = map[returns.OrgID]map[returns.CaseKey]*tracked{}
		t.subs = orgSet[*AlertSubscription]{}
		t.wake = make(chan struct{}, 1)
	}
}

func (t *DeadlineTimer) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *DeadlineTimer) buffer() int {
	if t.Buffer > 0 {
		return t.Buffer
	}
	return 64
}

func (t *DeadlineTimer) maxPending() int {
	if t.MaxPending > 0 {
		return t.MaxPending
	}
	return 10000
}

func (t *DeadlineTimer) every(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

func (t *DeadlineTimer) log() *slog.Logger {
	if t.Log != nil {
		return t.Log
	}
	return slog.Default()
}
