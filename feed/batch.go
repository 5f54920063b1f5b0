package feed

import (
	"context"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// PutWindow stores a window of cases the platform reported, as Put stores
// each, in one transaction per store.MaxUpsertBatch cases, and publishes the
// events in the window's order. It returns the events written. A case may
// come once per window; an older view than the one stored is ignored.
func (in *Ingester) PutWindow(ctx context.Context, cases []*returns.Case, src returns.EventSource) ([]returns.Event, error) {
	var out []returns.Event
	for len(cases) > 0 {
		n := min(len(cases), store.MaxUpsertBatch)
		evs, err := in.putWindow(ctx, cases[:n], src)
		out = append(out, evs...)
		if err != nil {
			return out, err
		}
		cases = cases[n:]
	}
	return out, nil
}

func (in *Ingester) putWindow(ctx context.Context, cases []*returns.Case, src returns.EventSource) ([]returns.Event, error) {
	// A case no store keeps (an id with NUL, say) is left out, so that it
	// does not fail its window, and the shop's other changes, every round.
	kept := cases[:0:0]
	for _, c := range cases {
		if err := store.CheckCase(c); err != nil {
			in.log().Warn("platform reported a case the gateway cannot store; skipped", "error", err)
			continue
		}
		kept = append(kept, c)
	}
	cases = kept
	if len(cases) == 0 {
		return nil, nil
	}
	keys := make([]returns.CaseKey, len(cases))
	for i, c := range cases {
		keys[i] = c.Key()
	}
	locks := in.Locks
	if locks == nil {
		locks = &in.ownLocks
	}
	defer locks.LockAll(keys)()
	olds, err := in.Store.GetCases(ctx, in.Org, keys)
	if err != nil {
		return nil, err
	}
	writes := make([]store.CaseWrite, 0, len(cases))
	for i, c := range cases {
		old := olds[i]
		if old != nil {
			if c.OlderThan(old) {
				continue
			}
			if !old.Status.CanMoveTo(c.Status) {
				in.log().Warn("platform reported a move the lifecycle does not expect",
					"platform", c.Platform, "case", c.PlatformCaseID, "from", old.Status, "to", c.Status, "raw", c.PlatformStatus.Code)
			}
		}
		c.KeepGatewayFields(old)
		writes = append(writes, store.CaseWrite{Case: c, Change: store.Change{Source: src}})
	}
	res, err := locks.WriteBatch(ctx, in.Store, in.Org, writes, in.Publish)
	if err != nil {
		return nil, err
	}
	var evs []returns.Event
	for _, r := range res {
		if r.Event != nil {
			evs = append(evs, *r.Event)
		}
	}
	return evs, nil
}
