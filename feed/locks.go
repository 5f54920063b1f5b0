package feed

import (
	"context"
	"hash/maphash"
	"maps"
	"sync"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/telemetry"
)

// CaseLocks serialises, within the process, everything that writes one case:
// a seller action (from its platform call to storing the result) and the
// platform's own reports of the case (push and poll). Sharing them is what
// lets a push of the action's own change find the case already stored and
// write no second event, and keeps the action's event the one that moves
// the status.
//
// It also keeps publishing in the order of the event log (see Write).
type CaseLocks struct {
	seed  maphash.Seed
	once  sync.Once
	slots [256]sync.Mutex
	order sync.Mutex
}

// Write stores a case and publishes the event it wrote as one step, so that
// events reach subscribers in the order of their sequence numbers: two
// writers of different cases could otherwise store 11 and 12 and publish 12
// first, and a dashboard that disconnected after 12 would resume after it
// and never see 11. The store serialises writes anyway; publishing never
// blocks (a full subscriber is dropped, not waited for).
func (l *CaseLocks) Write(ctx context.Context, st store.Store, org returns.OrgID, c *returns.Case, ch store.Change,
	publish func(returns.Event, *returns.Case)) (*store.UpsertResult, error) {
	if id := telemetry.RequestID(ctx); id != "" && ch.Detail["requestId"] == "" {
		// The event names the request that wrote it (a mutation, a push).
		ch.Detail = maps.Clone(ch.Detail)
		if ch.Detail == nil {
			ch.Detail = map[string]string{}
		}
		ch.Detail["requestId"] = id
	}
	l.order.Lock()
	defer l.order.Unlock()
	r, err := st.UpsertCase(ctx, org, c, ch)
	if err == nil && r.Event != nil && publish != nil {
		publish(*r.Event, r.Case)
	}
	return r, err
}

// WriteWith runs write, a store write of its own kind that records one event
// (an export-return step, say), and publishes that event in the order of the
// log, as Write does for a case.
func (l *CaseLocks) WriteWith(write func() (*returns.Event, *returns.Case, error), publish func(returns.Event, *returns.Case)) error {
	l.order.Lock()
	defer l.order.Unlock()
	ev, c, err := write()
	if err == nil && ev != nil && publish != nil {
		publish(*ev, c)
	}
	return err
}

// Lock locks the case and returns the unlock.
func (l *CaseLocks) Lock(k returns.CaseKey) func() {
	l.once.Do(func() { l.seed = maphash.MakeSeed() })
	m := &l.slots[l.slot(k)]
	m.Lock()
	return m.Unlock
}

// slot returns the index of the case's lock; l.seed is set.
func (l *CaseLocks) slot(k returns.CaseKey) int {
	var h maphash.Hash
	h.SetSeed(l.seed)
	h.WriteString(string(k.Platform))
	h.WriteByte(0)
	h.WriteString(k.PlatformCaseID)
	return int(h.Sum64() % uint64(len(l.slots)))
}

// LockAll locks every case of keys (each slot once, in slot order, so that
// two callers locking overlapping sets cannot deadlock) and returns the unlock.
func (l *CaseLocks) LockAll(keys []returns.CaseKey) func() {
	l.once.Do(func() { l.seed = maphash.MakeSeed() })
	var want [len(l.slots)]bool
	for _, k := range keys {
		want[l.slot(k)] = true
	}
	var held []*sync.Mutex
	for i := range want {
		if want[i] {
			l.slots[i].Lock()
			held = append(held, &l.slots[i])
		}
	}
	return func() {
		for _, m := range held {
			m.Unlock()
		}
	}
}

// WriteBatch stores a window of cases in one transaction and publishes the
// events it wrote in their order, as one step (see Write).
func (l *CaseLocks) WriteBatch(ctx context.Context, st store.Store, org returns.OrgID, writes []store.CaseWrite,
	publish func(returns.Event, *returns.Case)) ([]*store.UpsertResult, error) {
	l.order.Lock()
	defer l.order.Unlock()
	res, err := st.UpsertCases(ctx, org, writes)
	if err == nil && publish != nil {
		for _, r := range res {
			if r.Event != nil {
				publish(*r.Event, r.Case)
			}
		}
	}
	return res, err
}
