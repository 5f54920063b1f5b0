package feed

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// SharedLog is an event log that several replicas write (store/postgres):
// each replica relays what any of them wrote to its own subscribers.
type SharedLog interface {
	// EventsSince returns up to limit events of every organisation after the
	// sequence number, in order.
	EventsSince(ctx context.Context, after int64, limit int) ([]returns.Event, error)
	// LastSeq is the newest event's sequence number.
	LastSeq(ctx context.Context) (int64, error)
	// Listen calls wake whenever any replica commits an event, and on every
	// (re)connection; it returns when ctx ends.
	Listen(ctx context.Context, wake func()) error
}

// CaseReader reads the cases the relayed events are about.
type CaseReader interface {
	GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error)
}

// Relay publishes every event of a shared log to this replica's bus, in log
// order, whichever replica wrote it. With a relay, the ingester and the
// actions service do not publish themselves: they Nudge it, so that every
// subscriber on every replica sees one order, the log's. A relay that loses
// its connection catches up from the log when it is back: nothing is lost.
type Relay struct {
	Log     SharedLog
	Cases   CaseReader
	Publish func(returns.Event, *returns.Case)
	Logger  *slog.Logger

	wake      chan struct{}
	last      atomic.Int64
	listening atomic.Bool
}

// relayBatch is how many events a relay reads at a time.
const relayBatch = 500

// NewRelay returns a relay; Run starts it.
func NewRelay(log SharedLog, cases CaseReader, publish func(returns.Event, *returns.Case), logger *slog.Logger) *Relay {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Relay{Log: log, Cases: cases, Publish: publish, Logger: logger, wake: make(chan struct{}, 1)}
}

// Nudge asks the relay to read the log now; it never blocks.
func (r *Relay) Nudge() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Publisher returns a publish hook for the ingester and the actions service:
// what they wrote reaches the bus through the log.
func (r *Relay) Publisher() func(returns.Event, *returns.Case) {
	return func(returns.Event, *returns.Case) { r.Nudge() }
}

// Listening reports whether the relay is connected to the log's
// notifications (readiness).
func (r *Relay) Listening() bool { return r.listening.Load() }

// Last is the sequence number of the last event relayed.
func (r *Relay) Last() int64 { return r.last.Load() }

// Run relays from the newest event on until ctx ends. Subscribers that want
// older events resume from the log (Resume).
func (r *Relay) Run(ctx context.Context) {
	for backoff := 100 * time.Millisecond; ; backoff = min(2*backoff, 5*time.Second) {
		last, err := r.Log.LastSeq(ctx)
		if err == nil {
			r.last.Store(last)
			break
		}
		r.Logger.Warn("relay: cannot read the log yet", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
	}
	go func() {
		_ = r.Log.Listen(ctx, func() {
			r.listening.Store(true)
			r.Nudge()
		})
		r.listening.Store(false)
	}()
	var retry *time.Timer
	for {
		select {
		case <-ctx.Done():
			if retry != nil {
				retry.Stop()
			}
			return
		case <-r.wake:
		}
		if err := r.drain(ctx); err != nil && ctx.Err() == nil {
			// The listener may be fine while reads fail: try again soon.
			r.Logger.Warn("relay: reading the log failed; retrying", "err", err)
			if retry != nil {
				retry.Stop()
			}
			retry = time.AfterFunc(time.Second, r.Nudge)
		}
	}
}

// drain publishes every event after the last relayed one.
func (r *Relay) drain(ctx context.Context) error {
	for {
		evs, err := r.Log.EventsSince(ctx, r.last.Load(), relayBatch)
		if err != nil || len(evs) == 0 {
			return err
		}
		cases, err := r.casesOf(ctx, evs)
		if err != nil {
			return err
		}
		for i, ev := range evs {
			r.Publish(ev, cases[i])
			r.last.Store(ev.Seq)
		}
		if len(evs) < relayBatch {
			return nil
		}
	}
}

// casesOf reads each event's case (as stored now), one query per
// organisation in the batch.
func (r *Relay) casesOf(ctx context.Context, evs []returns.Event) ([]*returns.Case, error) {
	byOrg := map[returns.OrgID][]int{}
	for i, ev := range evs {
		byOrg[ev.Org] = append(byOrg[ev.Org], i)
	}
	out := make([]*returns.Case, len(evs))
	for org, idx := range byOrg {
		keys := make([]returns.CaseKey, len(idx))
		for j, i := range idx {
			keys[j] = evs[i].Key
		}
		cs, err := r.Cases.GetCases(ctx, org, keys)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			out[i] = cs[j]
		}
	}
	return out, nil
}
