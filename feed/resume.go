package feed

import (
	"context"
	"errors"
	"sync"

	"github.com/returnsgw/returnsgw/returns"
)

// EventLog is what a resumed stream reads: the event log and the cases it
// names (store.Store is one).
type EventLog interface {
	// EventsAfter returns up to limit events with Seq > after, in Seq order.
	EventsAfter(ctx context.Context, org returns.OrgID, after int64, limit int) ([]returns.Event, error)
	// GetCases returns the cases for the keys, in the keys' order (nil where none).
	GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error)
}

const (
	// resumeBatch is how many logged events a resumed stream reads at a time.
	resumeBatch = 500
	// resumeBuffer is how many changes a resumed stream holds for its reader.
	resumeBuffer = 64
)

// Resume starts a stream of the organisation's changes whose case passes the
// filter, from the one after the event `after`: first the logged events (each
// with its case as it stands now, filtered by the status the event recorded,
// as the live stream filtered it), then the live ones, with no gap and none
// twice. A change stored while the log is read is in one or the other (or
// both, and sent once).
//
// It takes one goroutine while the stream is open; Close (or the end of ctx)
// ends it. o.Notify is called as for Subscribe: after each change is queued on
// C and once after C is closed. A subscriber that falls behind is told to
// resume after the last change it was given, replayed or live.
func Resume(ctx context.Context, log EventLog, bus Subscriber, org returns.OrgID, f returns.Filter, after int64, o SubscribeOptions) Subscription {
	// Subscribe before reading the log: see above.
	live := bus.Subscribe(org, f, SubscribeOptions{Buffer: o.Buffer})
	ctx, cancel := context.WithCancel(ctx)
	rs := &resumed{log: log, org: org, filter: f, last: after, live: live, out: make(chan *Change, resumeBuffer),
		notify: o.Notify, cancel: cancel}
	go rs.run(ctx)
	return rs
}

// resumed is a resumed stream: the logged events after the client's last,
// then the live ones it has not seen.
type resumed struct {
	log    EventLog
	org    returns.OrgID
	filter returns.Filter
	last   int64 // the last change replayed or forwarded; owned by run
	live   Subscription
	out    chan *Change
	notify func()
	cancel context.CancelFunc

	mu      sync.Mutex
	fail    error // set before out is closed
	lastOut int64 // last, as Err reads it
}

func (rs *resumed) C() <-chan *Change { return rs.out }

func (rs *resumed) Close() {
	rs.cancel()
	rs.live.Close()
}

// Err says why C closed: the log could not be read, the live stream ended
// (the bus closed), or the subscriber fell behind, to resume after the last
// change it was given.
func (rs *resumed) Err() error {
	rs.mu.Lock()
	fail, last := rs.fail, rs.lastOut
	rs.mu.Unlock()
	if fail != nil {
		return fail
	}
	err := rs.live.Err()
	var behind *FellBehindError
	if errors.As(err, &behind) && behind.LastSeq < last {
		return &FellBehindError{Missed: behind.Missed, LastSeq: last}
	}
	return err
}

func (rs *resumed) run(ctx context.Context) {
	defer func() {
		close(rs.out)
		if rs.notify != nil {
			rs.notify()
		}
	}()
	if err := rs.replay(ctx); err != nil {
		if ctx.Err() == nil {
			rs.mu.Lock()
			rs.fail = err
			rs.mu.Unlock()
		}
		rs.live.Close()
		return
	}
	// The replay read the log up to here. Live changes past it are all new,
	// even one with a lower seq than a change forwarded before it (two
	// writers publish in either order).
	replayed := rs.last
	for ch := range rs.live.C() {
		if ch.Seq <= replayed {
			continue // replayed already
		}
		if !rs.send(ctx, ch) {
			return
		}
	}
}

func (rs *resumed) send(ctx context.Context, ch *Change) bool {
	select {
	case rs.out <- ch:
		rs.advance(ch.Seq)
		if rs.notify != nil {
			rs.notify()
		}
		return true
	case <-ctx.Done():
		return false
	}
}

func (rs *resumed) advance(seq int64) {
	rs.last = max(rs.last, seq)
	rs.mu.Lock()
	rs.lastOut = rs.last
	rs.mu.Unlock()
}

// replay sends the logged events after rs.last, in batches, each with its case.
func (rs *resumed) replay(ctx context.Context) error {
	for {
		evs, err := rs.log.EventsAfter(ctx, rs.org, rs.last, resumeBatch)
		if err != nil {
			return err
		}
		keys := make([]returns.CaseKey, 0, len(evs))
		seen := map[returns.CaseKey]bool{}
		for _, ev := range evs {
			if !seen[ev.Key] {
				seen[ev.Key] = true
				keys = append(keys, ev.Key)
			}
		}
		cases, err := rs.log.GetCases(ctx, rs.org, keys)
		if err != nil {
			return err
		}
		byKey := make(map[returns.CaseKey]*returns.Case, len(keys))
		for i, c := range cases {
			byKey[keys[i]] = c
		}
		for _, ev := range evs {
			c := byKey[ev.Key]
			if c == nil || !matchAsOf(&rs.filter, c, ev.Status) {
				rs.advance(ev.Seq)
				continue
			}
			if !rs.send(ctx, &Change{Event: ev, Case: c}) {
				return ctx.Err()
			}
		}
		if len(evs) < resumeBatch {
			return nil
		}
	}
}

// matchAsOf applies the filter to a logged event: the case as it stands now,
// but with the status the event recorded, as the live stream filtered it.
func matchAsOf(f *returns.Filter, c *returns.Case, status returns.Status) bool {
	if c.Status == status {
		return f.Match(c)
	}
	then := *c
	then.Status = status
	return f.Match(&then)
}
