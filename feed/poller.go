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
	Now      func() time.Time
	Log      *slog.Logger
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
		err := p.Sync(ctx)
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
// already has at that version.
func (p *Poller) ingest(ctx context.Context, refs []returns.CaseRef) error {
	in := p.Ingester
	for _, ref := range refs {
		key := returns.CaseKey{Platform: p.Platform.ID(), PlatformCaseID: ref.PlatformCaseID}
		if old, err := in.Store.GetCase(ctx, in.Org, key); err == nil &&
			old.UpdatedAt.Equal(ref.UpdatedAt) && (ref.PlatformStatus == "" || ref.PlatformStatus == old.PlatformStatus.Code) {
			continue
		}
		if _, err := in.Fetch(ctx, p.Platform, ref.PlatformCaseID, returns.SourcePoll); err != nil {
			if returns.ErrorCodeOf(err) == returns.CodeNotFound {
				// Listed but gone by the time we asked: nothing to store.
				p.log().Warn("listed case not found", "platform", p.Platform.ID(), "case", ref.PlatformCaseID)
				continue
			}
			if unreadable(err) && p.giveUp(ref.PlatformCaseID) {
				// One case the platform keeps answering for in a way we cannot
				// read must not stop the shop's sync: skip it, say so, and let
				// its next change (or a push) bring it in again.
				p.log().Error("listed case cannot be read; skipped", "platform", p.Platform.ID(), "case", ref.PlatformCaseID, "err", err)
				p.mu.Lock()
				p.health.LastError = "case " + ref.PlatformCaseID + " skipped: " + returns.ErrorMessage(err)
				p.health.LastErrorAt = p.now()
				p.mu.Unlock()
				continue
			}
			return err
		}
	}
	return nil
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
