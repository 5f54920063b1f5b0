// Package feed brings platform changes into the gateway and out to its
// subscribers: the ingester (fetch a case, normalize, store, publish), the
// pollers that walk each platform's change list with persisted cursors, and
// the event bus.
package feed

import (
	"context"
	"log/slog"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Ingester writes platform cases through the store and publishes the events
// that result. Push receivers and pollers share it, so a change seen by both
// produces one event: the second write finds nothing changed.
type Ingester struct {
	Store store.Store
	Org   returns.OrgID
	// Publish is told of every event written, with the case as stored (the
	// change feed's bus: Bus.Publish).
	Publish func(returns.Event, *returns.Case)
	Log     *slog.Logger

	// Locks serialises writes of one case; share them with the actions
	// service (nil: the ingester's own).
	Locks    *CaseLocks
	ownLocks CaseLocks
}

func (in *Ingester) lock(k returns.CaseKey) func() {
	if in.Locks != nil {
		return in.Locks.Lock(k)
	}
	return in.ownLocks.Lock(k)
}

// Fetch reads one case from the platform and stores it. It returns the event
// written, or nil when nothing had changed.
func (in *Ingester) Fetch(ctx context.Context, p returns.Platform, platformCaseID string, src returns.EventSource) (*returns.Event, error) {
	c, err := p.GetCase(ctx, platformCaseID)
	if err != nil {
		return nil, err
	}
	return in.Put(ctx, c, src)
}

// Put stores one case the platform reported. An older view than the one
// stored (an out-of-order fetch) is ignored.
func (in *Ingester) Put(ctx context.Context, c *returns.Case, src returns.EventSource) (*returns.Event, error) {
	defer in.lock(c.Key())()
	old, err := in.Store.GetCase(ctx, in.Org, c.Key())
	if err == nil {
		if c.OlderThan(old) {
			return nil, nil
		}
		if !old.Status.CanMoveTo(c.Status) {
			in.log().Warn("platform reported a move the lifecycle does not expect",
				"platform", c.Platform, "case", c.PlatformCaseID, "from", old.Status, "to", c.Status, "raw", c.PlatformStatus.Code)
		}
	} else if returns.ErrorCodeOf(err) != returns.CodeNotFound {
		return nil, err
	} else {
		old = nil
	}
	c.KeepGatewayFields(old)
	locks := in.Locks
	if locks == nil {
		locks = &in.ownLocks
	}
	r, err := locks.Write(ctx, in.Store, in.Org, c, store.Change{Source: src}, in.Publish)
	if err != nil {
		return nil, err
	}
	return r.Event, nil
}

func (in *Ingester) log() *slog.Logger {
	if in.Log != nil {
		return in.Log
	}
	return slog.Default()
}
