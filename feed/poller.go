package feed

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// Poller walks one platform connection's change list, persisting its cursor
// after every step so that a restart resumes where it stopped.
type Poller struct {
	Platform returns.Platform
	Ingester *Ingester
	// Interval between walks once caught up (XHS asks for no more than every
	// 5 minutes per merchant in production; sandbox mode polls faster).
	Interval time.Duration
	// Concurrency is how many cases of a window are fetched at once
	// (default 8); the platform client's rate limit paces the calls.
	Concurrency int
	Now         func() time.Time
	Log         *slog.Logger
	// Lease, when set, is taken before each walk, so that of several
	// replicas only its holder (Holder) polls the connection; another takes
	// over once the holder stops renewing it, after LeaseTTL (default the
	// larger of 3 intervals and 30 s).
	Lease    Leaser
	Holder   string
	LeaseTTL time.Duration
	// Observe, if set, is told at the end of each Sync of the newest change
	// it read (zero if none) and of its error (nil when it caught up), for
	// the sync-lag and failed-sync metrics.
	Observe func(newest time.Time, err error)

	mu         sync.Mutex
	health     Health
	unreadable map[string]int // failed reads of a case, in a row
	kick       chan struct{}
}

// Health is what a poller knows about its platform connection.
type Health struct {
	LastSyncAt   time.Time // the last walk that reached the present
	LastAttempt  time.Time
	LastError    string
	LastErrorAt  time.Time
	Failures     int // consecutive failed steps
	CaughtUpOnce bool
	// Standby: another replica holds this connection's poll lease.
	Standby bool
}

// Leaser hands out leases that expire unless renewed (store/postgres).
type Leaser interface {
	// AcquireLease takes or renews the named lease for holder, for ttl,
	// and reports whether holder has it.
	AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error)
}

// CursorName is the store key of a connection's poll cursor.
func CursorName(p returns.Platform) string {
	return "poll:" + string(p.ID()) + ":" + p.Shop().ID
}

// Health returns the poller's view of its connection.
func (p *Poller) Health() Health {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.health
}

// Kick asks the poller to walk now rather than at its next interval.
func (p *Poller) Kick() {
	p.init()
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

func (p *Poller) init() {
	p.mu.Lock()
	if p.kick == nil {
		p.kick = make(chan struct{}, 1)
	}
	p.mu.Unlock()
}

func (p *Poller) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Poller) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.Default()
}

// Run polls until ctx ends. Failures back off (up to the interval) and never stop it.
func (p *Poller) Run(ctx context.Context) {
	p.init()
	backoff := time.Second
	for {
		if standby, wait := p.standby(ctx); standby {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			continue
		}
		walk, stop := p.keepLease(ctx)
		err := p.Sync(walk)
		stop()
		wait := p.Interval
		if err != nil && ctx.Err() == nil {
			p.log().Warn("poll failed", "platform", p.Platform.ID(), "shop", p.Platform.Shop().ID, "err", err)
			wait, backoff = retryWait(p.Interval, backoff)
		} else {
			backoff = time.Second
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-p.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// standby takes or renews the poll lease, and reports whether another
// replica holds it and how long to wait before asking again.
func (p *Poller) standby(ctx context.Context) (bool, time.Duration) {
	if p.Lease == nil {
		return false, 0
	}
	ttl := p.leaseTTL()
	held, err := p.Lease.AcquireLease(ctx, CursorName(p.Platform), p.Holder, ttl)
	if err != nil {
		// Without the store no replica can write what it polls either.
		p.fail(err)
		return true, min(p.Interval, ttl/3)
	}
	p.mu.Lock()
	p.health.Standby = !held
	p.mu.Unlock()
	return !held, min(p.Interval, ttl/3)
}

func (p *Poller) leaseTTL() time.Duration {
	if p.LeaseTTL > 0 {
		return p.LeaseTTL
	}
	return max(3*p.Interval, 30*time.Second)
}

// keepLease renews the poll lease while a walk runs, every third of its
// TTL: a long walk (a first sync of many cases, a slow platform) must not
// let the lease lapse half-way and a second replica start the same walk.
// If the lease is lost all the same (this replica stalled past the TTL and
// another took over), the walk's context ends, so two replicas never walk
// on. stop ends the renewing.
func (p *Poller) keepLease(ctx context.Context) (walk context.Context, stop func()) {
	if p.Lease == nil {
		return ctx, func() {}
	}
	walk, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	ttl := p.leaseTTL()
	go func() {
		defer close(done)
		t := time.NewTicker(ttl / 3)
		defer t.Stop()
		for {
			select {
			case <-walk.Done():
				return
			case <-t.C:
			}
			held, err := p.Lease.AcquireLease(walk, CursorName(p.Platform), p.Holder, ttl)
			if err == nil && !held {
				p.log().Warn("poll lease lost during a walk; another replica took over", "platform", p.Platform.ID(), "shop", p.Platform.Shop().ID)
				p.mu.Lock()
				p.health.Standby = true
				p.mu.Unlock()
				cancel()
				return
			}
		}
	}()
	return walk, func() { cancel(); <-done }
}

// retryWait is the wait after a failed walk and the backoff for the next
// failure: doubling from a second up to the interval, never past it, so a
// long outage neither overflows the backoff into a busy loop nor waits longer
// than a healthy poll would.
func retryWait(interval, backoff time.Duration) (wait, next time.Duration) {
	if backoff >= interval {
		return interval, backoff
	}
	return backoff, backoff * 2
}

// Sync walks the change list from the stored cursor until it is caught up.
func (p *Poller) Sync(ctx context.Context) (err error) {
	var newest time.Time // the newest change read, for Observe
	if p.Observe != nil {
		defer func() { p.Observe(newest, err) }()
	}
	in := p.Ingester
	name := CursorName(p.Platform)
	cursor, err := in.Store.Cursor(ctx, in.Org, name)
	if err != nil {
		p.fail(err)
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.mu.Lock()
		p.health.LastAttempt = p.now()
		p.mu.Unlock()
		b, err := p.Platform.ListChanges(ctx, cursor, p.now())
		for _, r := range b.Refs {
			if r.UpdatedAt.After(newest) {
				newest = r.UpdatedAt
			}
		}
		if err == nil {
			err = p.ingest(ctx, b.Refs)
		}
		if err != nil {
			p.fail(err)
			return err
		}
		if err := in.Store.SetCursor(ctx, in.Org, name, b.Cursor); err != nil {
			// Not caught up: the next walk reads this step again.
			p.fail(err)
			return err
		}
		cursor = b.Cursor
		if b.CaughtUp {
			p.mu.Lock()
			p.health.LastSyncAt, p.health.Failures, p.health.CaughtUpOnce = p.now(), 0, true
			p.mu.Unlock()
			return nil
		}
	}
}

// ingest fetches the cases the change list named, skipping those the store
// already has at that version, Concurrency at a time (the platform client's
// rate limit paces them), and stores the window in one transaction.
func (p *Poller) ingest(ctx context.Context, refs []returns.CaseRef) error {
	in := p.Ingester
	// One case listed twice in a window is fetched once.
	last := make(map[string]int, len(refs))
	for i, ref := range refs {
		last[ref.PlatformCaseID] = i
	}
	keys := make([]returns.CaseKey, 0, len(last))
	var todo []returns.CaseRef
	for i, ref := range refs {
		if last[ref.PlatformCaseID] == i {
			todo = append(todo, ref)
			keys = append(keys, returns.CaseKey{Platform: p.Platform.ID(), PlatformCaseID: ref.PlatformCaseID})
		}
	}
	olds, err := in.Store.GetCases(ctx, in.Org, keys)
	if err != nil {
		return err
	}
	fetch := todo[:0]
	for i, ref := range todo {
		if old := olds[i]; old != nil &&
			old.UpdatedAt.Equal(ref.UpdatedAt) && (ref.PlatformStatus == "" || ref.PlatformStatus == old.PlatformStatus.Code) {
			continue
		}
		fetch = append(fetch, ref)
	}

	got := make([]*returns.Case, len(fetch))
	errs := make([]error, len(fetch))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(p.concurrency(), len(fetch)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				got[i], errs[i] = p.Platform.GetCase(ctx, fetch[i].PlatformCaseID)
			}
		}()
	}
	for i := range fetch {
		next <- i
	}
	close(next)
	wg.Wait()

	var cases []*returns.Case
	var failed error
	for i, ref := range fetch {
		switch err := errs[i]; {
		case err == nil:
			cases = append(cases, got[i])
		case returns.ErrorCodeOf(err) == returns.CodeNotFound:
			// Listed but gone by the time we asked: nothing to store.
			p.log().Warn("listed case not found", "platform", p.Platform.ID(), "case", ref.PlatformCaseID)
		case unreadable(err) && p.giveUp(ref.PlatformCaseID):
			// One case the platform keeps answering for in a way we cannot
			// read must not stop the shop's sync: skip it, say so, and let
			// its next change (or a push) bring it in again.
			p.log().Error("listed case cannot be read; skipped", "platform", p.Platform.ID(), "case", ref.PlatformCaseID, "err", err)
			p.mu.Lock()
			p.health.LastError = "case " + ref.PlatformCaseID + " skipped: " + returns.ErrorMessage(err)
			p.health.LastErrorAt = p.now()
			p.mu.Unlock()
		case failed == nil:
			failed = err
		}
	}
	// What was read is stored even when a read failed: the cursor stays, so
	// the next walk reads this window again and finds those unchanged.
	if len(cases) > 0 {
		if _, err := in.PutWindow(ctx, cases, returns.SourcePoll); err != nil {
			return err
		}
	}
	return failed
}

func (p *Poller) concurrency() int {
	if p.Concurrency > 0 {
		return p.Concurrency
	}
	return 8
}

// unreadableTries is how many steps in a row a case may fail to read (a
// truncated answer can be a passing fault) before the poller skips it.
const unreadableTries = 3

// giveUp counts a failed read of the case and reports whether to skip it now.
func (p *Poller) giveUp(caseID string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.unreadable == nil {
		p.unreadable = map[string]int{}
	}
	p.unreadable[caseID]++
	if p.unreadable[caseID] < unreadableTries {
		return false
	}
	delete(p.unreadable, caseID)
	return true
}

// unreadable reports an error that concerns one case's answer rather than
// the platform's availability: a malformed answer, or a refusal of the read.
func unreadable(err error) bool {
	k := returns.PlatformErrorKindOf(err)
	return k == returns.PlatformErrMalformed || k == returns.PlatformErrInvalid
}

func (p *Poller) fail(err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.health.LastError = returns.ErrorMessage(err)
	p.health.LastErrorAt = p.now()
	p.health.Failures++
}
