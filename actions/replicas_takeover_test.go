package actions

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// Replica A has claimed a key, recorded its intent and sent the write; the
// platform has not answered yet (a slow platform: the reason the client may
// time out and retry). Replica B starts now (a rolling deploy, a scale-up)
// and runs its reconciler at once. A's claim was made before B started and
// no request runs for it in B, but it is younger than any request can hold
// a claim: B must leave it, and not free it because the platform has not
// acted yet. The client's retry on B must not send the write a second time.
func TestStartingReplicaLeavesALiveWriteToItsReplica(t *testing.T) {
	ctx := context.Background()
	st := openSharedPostgres(t, func() time.Time { return base })
	fp := apiPlatform()
	c := newCase(fp, returns.StatusRequested)
	fp.put(c)
	if _, err := st.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll}); err != nil {
		t.Fatal(err)
	}
	gate, started := make(chan struct{}), make(chan struct{}, 4)
	fp.mu.Lock()
	fp.gate, fp.started = gate, started
	fp.mu.Unlock()

	a := New(Options{Store: st, Platforms: adapters.NewRegistry(fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return base }})
	r := Request{Org: org, Key: c.Key(), IdempotencyKey: "k-once", Input: []byte(`{"n":1}`),
		Platform: returns.ActionRequest{Action: returns.ActionApprove, Note: "ok"}}
	doneA := make(chan error, 1)
	go func() { _, err := a.Do(ctx, r); doneA <- err }()
	<-started // A's write is at the platform, not yet carried out

	// Replica B starts one second later and runs its reconciler at once.
	b := New(Options{Store: st, Platforms: adapters.NewRegistry(fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return base.Add(time.Second) }})
	if left := b.SettleUnknown(ctx, orgs); !left {
		t.Error("B's reconciler does not come back to A's claim")
	}
	if left, _ := st.UnsettledIdempotency(ctx, org, 10); len(left) != 1 || left[0].State != store.IdempotencyInProgress {
		t.Errorf("B's reconciler settled the key of A's write, which is still in flight: %+v", left)
	}

	// The client's retry lands on B.
	out, err := b.Do(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, out, returns.CodeConflict)
	select {
	case <-started:
		t.Error("a second write reached the platform for one idempotency key while the first was still in flight")
	default:
	}
	close(gate)
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	if n, _ := fp.counts(); n != 1 {
		t.Errorf("%d writes reached the platform for idempotency key %q, want 1", n, r.IdempotencyKey)
	}
	if rec, _ := st.ClaimIdempotency(ctx, org, r.IdempotencyKey, "probe"); rec == nil || rec.State != store.IdempotencyDone {
		t.Errorf("A's key is %+v, want DONE", rec)
	}
}

// The same start-up, but the platform has carried out A's write and only its
// answer is late: B's reconciler must leave A's claim (not store the case
// with a RECONCILED event and complete the key), so that A's own event is
// the action's only one in the shared log.
func TestStartingReplicaLeavesALateAnswerToItsReplica(t *testing.T) {
	ctx := context.Background()
	st := openSharedPostgres(t, func() time.Time { return base })
	fp := apiPlatform()
	c := newCase(fp, returns.StatusRequested)
	fp.put(c)
	seeded, err := st.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll})
	if err != nil {
		t.Fatal(err)
	}
	// A Perform that carries the write out at once and answers late.
	sp := &slowAnswer{fakePlatform: fp, acted: make(chan struct{}), answer: make(chan struct{})}

	a := New(Options{Store: st, Platforms: adapters.NewRegistry(sp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return base }})
	r := Request{Org: org, Key: c.Key(), IdempotencyKey: "k-once", Input: []byte(`{"n":1}`),
		Platform: returns.ActionRequest{Action: returns.ActionApprove, Note: "ok"}}
	doneA := make(chan error, 1)
	go func() { _, err := a.Do(ctx, r); doneA <- err }()
	<-sp.acted

	b := New(Options{Store: st, Platforms: adapters.NewRegistry(fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return base.Add(time.Second) }})
	b.SettleUnknown(ctx, orgs)
	close(sp.answer)
	if err := <-doneA; err != nil {
		t.Fatal(err)
	}
	evs, err := st.EventsAfter(ctx, org, seeded.Event.Seq, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range evs {
		t.Logf("event %d: %v -> %s %v", ev.Seq, *ev.PreviousStatus, ev.Status, ev.Detail)
	}
	if len(evs) != 1 || evs[0].Detail["outcome"] == "RECONCILED" {
		t.Errorf("one approval made %d events in the log, want A's one", len(evs))
	}
}

// slowAnswer carries a write out on the platform at once, then holds its answer.
type slowAnswer struct {
	*fakePlatform
	acted, answer chan struct{}
}

func (p *slowAnswer) Perform(ctx context.Context, req returns.ActionRequest) (*returns.ActionResult, error) {
	res, err := p.fakePlatform.Perform(ctx, req)
	close(p.acted)
	<-p.answer
	return res, err
}
