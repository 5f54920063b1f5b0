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

// The deadlines alerts watch: the seller's decision, the refund, and the
// grading of goods that came back (OPS-GRADES, returns.GradeBy).
const (
	DeadlineRespondBy DeadlineKind = "RESPOND_BY"
	DeadlineRefundBy  DeadlineKind = "REFUND_BY"
	DeadlineGrade     DeadlineKind = "GRADE"
)

var deadlineKinds = [...]DeadlineKind{DeadlineRespondBy, DeadlineRefundBy, DeadlineGrade}

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

// MaxRuleLead is how long after its anchor (the request, the receipt) a
// deadline the rules derive can fall, under any policy returns.RulePolicy
// accepts: AliExpress steps in at most 30 days after the receipt (one more
// day covers a daylight-saving change and XHS's whole days in China time).
const MaxRuleLead = 31 * 24 * time.Hour

// DeadlineTimer raises deadline alerts. It keeps an index of the upcoming
// respondBy, refundBy and grading (GRADE, while received goods wait to be
// inspected) deadlines of the open cases — computed as the API
// shows them (returns.RuleDeadlines with the shop's policy) — that fall
// before a horizon: the widest subscription's, plus Ahead. The store gives it
// the cases inside the horizon through its deadline index (store.DueStore),
// only when the horizon moves on (every Ahead or when a wider subscription
// arrives), and the changes on the bus keep it current in between. An
// organisation without alert subscribers costs nothing: nothing is loaded.
// On every tick it tells each subscription, once per case and deadline,
// about the deadlines that have come within its horizon and are not yet
// past. A deadline that a change moves is a new deadline and alerts again.
//
// Set the fields, then call Run; Scan, Update and Check are what Run does on
// its schedule, exported so that tests drive them with their own clock.
type DeadlineTimer struct {
	// Store gives the cases due inside the horizon. Nil: the index holds
	// what Update brings, whatever the horizon.
	Store store.DueStore
	// Orgs are the organisations whose cases the timer reads and whose
	// changes it follows.
	Orgs []returns.OrgID
	// Bus keeps the index current between loads; nil leaves it to the loads.
	Bus Subscriber
	// Policy is the rule policy of a case's shop; nil means the defaults.
	Policy func(*returns.Case) returns.RulePolicy
	Now    func() time.Time
	// Tick is how often deadlines are checked (default 1 s); Rescan how
	// often the timer looks whether its horizon must move on (default 1
	// min); Ahead how far past the widest subscription's horizon it loads,
	// so that it reads the store about once per Ahead (default 1 h).
	Tick, Rescan, Ahead time.Duration
	// Lead is how long after its anchor a rule-derived deadline can fall
	// (default MaxRuleLead).
	Lead time.Duration
	// Buffer is how many alerts wait in a subscription's channel (default
	// 64); more wait in its queue, up to MaxPending.
	Buffer int
	// MaxPending bounds the alerts queued for a subscriber that does not
	// read them (default 10,000): past it the subscriber is dropped.
	MaxPending int
	Log        *slog.Logger

	load sync.Mutex // one load at a time; taken before mu

	mu      sync.Mutex
	index   map[returns.OrgID]*orgIndex
	subs    orgSet[*AlertSubscription]
	stopped bool
	wake    chan struct{} // alerts wait in a queue: drain soon
}

// orgIndex is what the timer holds of one organisation.
type orgIndex struct {
	cases map[returns.CaseKey]*tracked
	// until: every upcoming deadline before it is in cases (zero: nothing
	// loaded). Deadlines at or past it are left to a later load.
	until   time.Time
	loading bool // a load runs: keep tombstones, which it may need
}

// tracked is one open case with at least one upcoming deadline, or (no
// deadline at all) a tombstone: a case that a change closed while a load
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
// already within it are alerted at once: a horizon wider than the index's
// is loaded from the store first. Returns INVALID for a horizon
// ValidateWithin refuses.
func (t *DeadlineTimer) Subscribe(org returns.OrgID, within time.Duration, f returns.Filter) (*AlertSubscription, error) {
	if err := ValidateWithin(within); err != nil {
		return nil, err
	}
	s := &AlertSubscription{slot: slot{org: org, idx: -1}, t: t, within: within, filter: f, ch: make(chan *Alert, t.buffer()),
		alerted: map[alertKey]time.Time{}}
	t.mu.Lock()
	t.initLocked()
	stopped := t.stopped
	t.mu.Unlock()
	if !stopped && t.Store != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := t.extend(ctx, org, within, false); err != nil {
			// The next Rescan tries again; the alerts come late, not never.
			t.log().Warn("loading deadlines for a subscription failed", "org", org, "err", err)
		}
		cancel()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		s.err = ErrTimerStopped
		close(s.ch)
		return s, nil
	}
	t.subs.add(s)
	now := t.now()
	for _, e := range t.orgLocked(org).cases {
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
	tick := time.NewTicker(t.every(t.Tick, time.Second))
	defer tick.Stop()
	refresh := time.NewTicker(t.every(t.Rescan, time.Minute))
	defer refresh.Stop()
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
		case <-refresh.C:
			t.refresh(ctx, false)
		case <-rescan:
			t.refresh(ctx, true)
		case <-t.wake:
			drain.Reset(10 * time.Millisecond)
		case <-drain.C:
			if t.flushAll() {
				drain.Reset(10 * time.Millisecond)
			}
		}
	}
}

// refresh moves every organisation's horizon on where it must; afresh
// reloads it whole.
func (t *DeadlineTimer) refresh(ctx context.Context, afresh bool) {
	if t.Store == nil {
		return
	}
	for _, org := range t.Orgs {
		if err := t.extend(ctx, org, 0, afresh); err != nil && ctx.Err() == nil {
			t.log().Warn("loading deadlines failed", "org", org, "err", err)
		}
	}
	t.Check()
}

// Refresh moves every organisation's horizon on if it must, as Run does
// every Rescan, and checks the subscriptions.
func (t *DeadlineTimer) Refresh(ctx context.Context) { t.refresh(ctx, false) }

// Held returns how many cases the index holds for the organisation.
func (t *DeadlineTimer) Held(org returns.OrgID) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	if oi := t.index[org]; oi != nil {
		return len(oi.cases)
	}
	return 0
}

// follow feeds the index from one organisation's changes. A subscription
// the bus drops (the timer fell behind) is renewed and the horizon reloaded,
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
		t.log().Warn("deadline timer fell behind the change feed; reloading", "org", org, "err", err)
		select {
		case rescan <- struct{}{}:
		default:
		}
	}
}

// Scan reloads the index of every organisation from the store, up to the
// horizon its subscriptions need, and checks the subscriptions. What a
// change taught the index while the load ran is kept.
func (t *DeadlineTimer) Scan(ctx context.Context) error {
	if t.Store == nil {
		return nil
	}
	for _, org := range t.Orgs {
		if err := t.extend(ctx, org, 0, true); err != nil {
			return err
		}
	}
	t.Check()
	return nil
}

// extend makes the organisation's index hold every deadline before now +
// the widest horizon (its subscriptions', or within if wider) + Rescan. If
// it must load, it loads up to Ahead further, from where the index ends
// (from now if afresh or if it ended in the past). An organisation with no
// subscription and no within needs nothing, and its index is let go.
func (t *DeadlineTimer) extend(ctx context.Context, org returns.OrgID, within time.Duration, afresh bool) error {
	t.load.Lock()
	defer t.load.Unlock()
	now := t.now()
	t.mu.Lock()
	t.initLocked()
	oi := t.orgLocked(org)
	for _, s := range t.subs[org] {
		within = max(within, s.within)
	}
	if within == 0 {
		oi.cases, oi.until = map[returns.CaseKey]*tracked{}, time.Time{}
		t.mu.Unlock()
		return nil
	}
	need := now.Add(within + t.every(t.Rescan, time.Minute))
	from := oi.until
	if afresh || from.Before(now) {
		from = now
	}
	if !afresh && !oi.until.Before(need) {
		t.mu.Unlock()
		return nil
	}
	to := need.Add(t.every(t.Ahead, time.Hour))
	oi.loading = true
	t.mu.Unlock()

	start := time.Now()
	fresh, err := t.read(ctx, org, from, to, now, start)
	t.mu.Lock()
	defer t.mu.Unlock()
	oi.loading = false
	if err != nil {
		return fmt.Errorf("deadlines of %s: %w", org, err)
	}
	if afresh || oi.until.Before(now) {
		// The old index is replaced; what changes taught it meanwhile stays.
		for k, e := range oi.cases {
			if e.seen.After(start) {
				if f, ok := fresh[k]; !ok || f.c.Version <= e.c.Version {
					fresh[k] = e
				}
			}
		}
		oi.cases = fresh
	} else {
		for k, f := range fresh {
			if e, ok := oi.cases[k]; ok && e.c.Version >= f.c.Version {
				continue // the index knows this view, or a newer one
			}
			oi.cases[k] = f
		}
	}
	oi.until = to
	return nil
}

// read asks the store for the cases with a deadline in [from, to) and
// returns those the rules give an upcoming deadline before to.
func (t *DeadlineTimer) read(ctx context.Context, org returns.OrgID, from, to, now, seen time.Time) (map[returns.CaseKey]*tracked, error) {
	out := map[returns.CaseKey]*tracked{}
	q := store.DueQuery{From: from, To: to, Lead: t.every(t.Lead, MaxRuleLead), First: 500}
	for {
		page, err := t.Store.DueCases(ctx, org, q)
		if err != nil {
			return nil, err
		}
		for _, c := range page.Cases {
			if e := t.track(c, now, seen); e != nil && e.before(to) {
				out[c.Key()] = e
			}
		}
		if page.Next == "" {
			return out, nil
		}
		q.After = page.Next
	}
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
	oi := t.orgLocked(org)
	if old, ok := oi.cases[c.Key()]; ok && old.c.Version > c.Version {
		return // an older view than the one indexed
	}
	if e == nil || (t.Store != nil && (oi.until.IsZero() || !e.before(oi.until))) {
		// Nothing to watch before the horizon: a later load finds it. But a
		// running load may reach past the horizon and read an older view,
		// so while one runs the index keeps this view (or, with nothing to
		// watch, a tombstone), which its merge prefers.
		switch _, ok := oi.cases[c.Key()]; {
		case e != nil && oi.loading:
			oi.cases[c.Key()] = e
		case ok || oi.loading:
			oi.cases[c.Key()] = &tracked{c: c, seen: seen}
		}
		return
	}
	oi.cases[c.Key()] = e
	for _, s := range slices.Clone(t.subs[org]) {
		t.raiseLocked(s, e, now)
	}
	t.flushAllLocked(org)
}

// Check raises, for every subscription, the alerts due now, and lets go of
// the cases whose deadlines have all passed.
func (t *DeadlineTimer) Check() {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.initLocked()
	for org, oi := range t.index {
		if !oi.loading {
			for k, e := range oi.cases {
				if !e.upcoming(now) { // past, or a tombstone no load needs
					delete(oi.cases, k)
				}
			}
		}
		subs := t.subs[org]
		for _, s := range slices.Clone(subs) {
			for k, due := range s.alerted {
				if !due.After(now) {
					delete(s.alerted, k) // past: it can never alert again
				}
			}
			for _, e := range oi.cases {
				t.raiseLocked(s, e, now)
			}
		}
		t.flushAllLocked(org)
	}
}

// before reports whether e has a deadline before end; the zero end stands for
// no end.
func (e *tracked) before(end time.Time) bool {
	for _, d := range e.due {
		if !d.IsZero() && (end.IsZero() || d.Before(end)) {
			return true
		}
	}
	return false
}

// upcoming reports whether e has a deadline after now.
func (e *tracked) upcoming(now time.Time) bool {
	for _, d := range e.due {
		if d.After(now) {
			return true
		}
	}
	return false
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
	var gradeBy *time.Time
	if returns.GradeDue(c) { // received and not yet inspected
		gradeBy = returns.GradeBy(c)
	}
	e := &tracked{c: c, seen: seen}
	upcoming := false
	for i, p := range [...]*time.Time{d.RespondBy, d.RefundBy, gradeBy} {
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

// orgLocked returns the organisation's index, made if needed; t.mu is held.
func (t *DeadlineTimer) orgLocked(org returns.OrgID) *orgIndex {
	oi := t.index[org]
	if oi == nil {
		oi = &orgIndex{cases: map[returns.CaseKey]*tracked{}}
		t.index[org] = oi
	}
	return oi
}

func (t *DeadlineTimer) initLocked() {
	if t.index == nil {
		t.index = map[returns.OrgID]*orgIndex{}
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
