package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

var orgs = []returns.OrgID{org}

// staleAfter is when a claim made at base counts as abandoned by a service
// with a 10 s platform timeout: older than any request can hold it, with
// the margin for clock skew.
var staleAfter = base.Add(3*10*time.Second + clockSkew + time.Second)

func (e *env) record(t *testing.T, key string) *store.IdempotencyRecord {
	t.Helper()
	rec, err := e.st.ClaimIdempotency(context.Background(), org, key, "probe")
	if err != nil {
		t.Fatal(err)
	}
	if rec == nil {
		t.Fatalf("key %q is free", key)
	}
	return rec
}

// A write that fails ambiguously while the case cannot be read back either
// keeps its key UNKNOWN: the answer says so, retries answer the same without
// reaching the platform, and the reconciler settles the key once the platform
// is readable: with the real outcome replayed from then on and the case and
// its event stored once, or freed when the write never took effect.
func TestUnknownOutcomeIsKeptThenSettled(t *testing.T) {
	for _, tt := range []struct {
		name    string
		mode    performMode
		applied bool
	}{
		{"applied", ambiguousDone, true},
		{"not applied", ambiguousLost, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, apiPlatform(), returns.StatusRequested)
			e.fp.setMode(tt.mode)
			e.fp.setUnreadable(true)
			r := e.req(returns.ActionApprove, "k-unknown", `{"n":1}`)
			out := e.do(t, r)
			wantCode(t, out, returns.CodeOutcomeUnknown)
			if out.Case == nil || out.Case.Status != returns.StatusRequested || out.Replayed {
				t.Errorf("the unknown answer shows %+v, want the case as stored", out.Case)
			}
			if !strings.Contains(out.Errors[0].Message, "k-unknown") {
				t.Errorf("the message does not name the key to retry with: %s", out.Errors[0].Message)
			}
			if rec := e.record(t, "k-unknown"); rec.State != store.IdempotencyUnknown || len(rec.Intent) == 0 {
				t.Fatalf("the key is %s (intent %q), want UNKNOWN with its intent", rec.State, rec.Intent)
			}
			for range 2 {
				wantCode(t, e.do(t, r), returns.CodeOutcomeUnknown)
				if left := e.svc.SettleUnknown(context.Background(), orgs); !left {
					t.Fatal("the reconciler settled a key while the platform is unreadable")
				}
			}
			if n, _ := e.fp.counts(); n != 1 {
				t.Fatalf("the platform was sent the write %d times, want 1", n)
			}
			if evs := e.mutationEvents(t); len(evs) != 0 {
				t.Fatalf("events before the outcome is known: %+v", evs)
			}

			e.fp.setUnreadable(false)
			e.fp.setMode(doneReadBack)
			for range 2 { // a second pass finds nothing more to do
				if left := e.svc.SettleUnknown(context.Background(), orgs); left {
					t.Fatal("the reconciler did not settle a readable case")
				}
			}
			out = e.do(t, r)
			wantCode(t, out, "")
			performs, _ := e.fp.counts()
			if !tt.applied {
				if out.Replayed || performs != 2 || out.Case.Status != returns.StatusAwaitingBuyerShipment {
					t.Fatalf("a write that never happened: replayed %v, %d writes, status %s; want it carried out now",
						out.Replayed, performs, out.Case.Status)
				}
				return
			}
			if !out.Replayed || performs != 1 || out.Case.Status != returns.StatusAwaitingBuyerShipment {
				t.Fatalf("after settling: replayed %v, %d writes, status %s; want the real outcome replayed",
					out.Replayed, performs, out.Case.Status)
			}
			if got := e.stored(t).Status; got != returns.StatusAwaitingBuyerShipment {
				t.Errorf("stored status %s", got)
			}
			evs := e.mutationEvents(t)
			if len(evs) != 1 || evs[0].Detail["idempotencyKey"] != "k-unknown" || evs[0].Detail["outcome"] != "RECONCILED" ||
				evs[0].Detail["action"] != string(returns.ActionApprove) || !e.wasPublished(evs[0].Seq) {
				t.Fatalf("events = %+v, want one published event of the action", evs)
			}
		})
	}
}

// Without a key the answer still says the outcome is unknown; nothing is
// kept.
func TestUnknownOutcomeWithoutKey(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	e.fp.setMode(ambiguousDone)
	e.fp.setUnreadable(true)
	out := e.do(t, e.req(returns.ActionApprove, "", `{}`))
	wantCode(t, out, returns.CodeOutcomeUnknown)
	if left := e.svc.SettleUnknown(context.Background(), orgs); left {
		t.Fatal("something to settle without a key")
	}
}

// A crash between the platform's write and the store: the key is left
// IN_PROGRESS with its intent. The same process leaves it (its request may
// still be running elsewhere), and so does a process started since (on a
// shared store the claim may be another replica's live request); once the
// claim is stale a restarted process settles it, by its reconciler or at the
// first retry.
func TestCrashAfterWriteIsSettledOnRestart(t *testing.T) {
	for _, first := range []string{"reconciler", "retry"} {
		t.Run(first, func(t *testing.T) {
			e := newEnv(t, apiPlatform(), returns.StatusRequested)
			e.svc.keys.crash = func(returns.CaseKey) bool { return true }
			r := e.req(returns.ActionApprove, "k-crash", `{"n":1}`)
			if _, err := e.svc.Do(context.Background(), r); !errors.Is(err, ErrCrashed) {
				t.Fatalf("Do = %v, want the crash", err)
			}
			if rec := e.record(t, "k-crash"); rec.State != store.IdempotencyInProgress || len(rec.Intent) == 0 {
				t.Fatalf("after the crash the key is %s (intent %q)", rec.State, rec.Intent)
			}
			// This process leaves a fresh claim alone (it is not stale yet)
			// but looks at it again later.
			if left := e.svc.SettleUnknown(context.Background(), orgs); !left {
				t.Fatal("a claim no request runs is not looked at again")
			}
			if rec := e.record(t, "k-crash"); rec.State != store.IdempotencyInProgress {
				t.Fatalf("the same process settled a fresh claim: %s", rec.State)
			}

			now := base.Add(time.Second)
			restarted := New(Options{Store: e.st, Platforms: adapters.NewRegistry(e.fp), Log: slog.New(slog.DiscardHandler),
				PlatformTimeout: 10 * time.Second, Now: func() time.Time { return now }})
			if left := restarted.SettleUnknown(context.Background(), orgs); !left {
				t.Fatal("a young claim is not looked at again")
			}
			if out, err := restarted.Do(context.Background(), r); err != nil || codes(out)[0] != returns.CodeConflict {
				t.Fatalf("a retry took over a young claim: %+v %v", out, err)
			}
			if rec := e.record(t, "k-crash"); rec.State != store.IdempotencyInProgress {
				t.Fatalf("a process started after the claim settled it while young: %s", rec.State)
			}
			now = staleAfter
			if first == "retry" {
				out, err := restarted.Do(context.Background(), r)
				if err != nil {
					t.Fatal(err)
				}
				wantCode(t, out, returns.CodeOutcomeUnknown)
			}
			if left := restarted.SettleUnknown(context.Background(), orgs); left {
				t.Fatal("the restarted reconciler did not settle the key")
			}
			out, err := restarted.Do(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			wantCode(t, out, "")
			if n, _ := e.fp.counts(); n != 1 || !out.Replayed || out.Case.Status != returns.StatusAwaitingBuyerShipment {
				t.Fatalf("after the restart: %d writes, replayed %v, status %s", n, out.Replayed, out.Case.Status)
			}
			if evs := e.mutationEvents(t); len(evs) != 1 {
				t.Fatalf("%d events of the action, want 1", len(evs))
			}
		})
	}
}

// A claim the crash left before anything was sent is taken over by a
// restarted process once it is stale: the request runs.
func TestCrashBeforeWriteIsTakenOverOnRestart(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	r := e.req(returns.ActionApprove, "k-early", `{"n":1}`)
	sum := sha256.Sum256(r.Input)
	if rec, err := e.st.ClaimIdempotency(context.Background(), org, "k-early", hex.EncodeToString(sum[:])); err != nil || rec != nil {
		t.Fatalf("claim: %v %v", rec, err)
	}
	restarted := New(Options{Store: e.st, Platforms: adapters.NewRegistry(e.fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return staleAfter }})
	out, err := restarted.Do(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, out, "")
	if n, _ := e.fp.counts(); n != 1 || out.Replayed {
		t.Fatalf("%d writes, replayed %v; want the request carried out", n, out.Replayed)
	}
}

// The reconciler runs on its own: woken by an unknown outcome, it keeps
// looking (backing off) while the platform is unreadable and settles the key
// once it is readable; the event it stores is published.
func TestReconcilerWakesAndSettles(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	events := make(chan returns.Event, 4)
	e.svc.publish = func(ev returns.Event, _ *returns.Case) { events <- ev }
	e.svc.keys.minWait, e.svc.keys.maxWait = time.Millisecond, 4*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.RunReconciler(ctx, orgs)
	}()
	defer func() { cancel(); <-done }()

	e.fp.setMode(ambiguousDone)
	e.fp.setUnreadable(true)
	r := e.req(returns.ActionApprove, "k-bg", `{}`)
	wantCode(t, e.do(t, r), returns.CodeOutcomeUnknown)
	// It keeps looking: the platform sees reads after the request's own.
	_, gets := e.fp.counts()
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, n := e.fp.counts(); n >= gets+2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the reconciler does not look again while the platform is unreadable")
		}
		time.Sleep(time.Millisecond)
	}
	e.fp.setUnreadable(false)
	select {
	case ev := <-events:
		if ev.Detail["idempotencyKey"] != "k-bg" || ev.Status != returns.StatusAwaitingBuyerShipment {
			t.Fatalf("published %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reconciler did not settle the key")
	}
	for deadline := time.Now().Add(10 * time.Second); e.record(t, "k-bg").State != store.IdempotencyDone; {
		if time.Now().After(deadline) {
			t.Fatal("the key was not completed")
		}
		time.Sleep(time.Millisecond)
	}
	out := e.do(t, r)
	wantCode(t, out, "")
	if !out.Replayed {
		t.Error("not replayed")
	}
}

// The reconciler is driven by wake-ups, not by a timer: with hour-long
// waits, an unknown outcome still gets its look at once, and a wake-up after
// the platform is back settles it.
func TestReconcilerIsWokenNotPolling(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	events := make(chan returns.Event, 4)
	e.svc.publish = func(ev returns.Event, _ *returns.Case) { events <- ev }
	e.svc.keys.minWait, e.svc.keys.maxWait = time.Hour, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.svc.RunReconciler(ctx, orgs)
	}()
	defer func() { cancel(); <-done }()

	e.fp.setMode(ambiguousDone)
	e.fp.setUnreadable(true)
	_, gets := e.fp.counts()
	wantCode(t, e.do(t, e.req(returns.ActionApprove, "k-wake", `{}`)), returns.CodeOutcomeUnknown)
	gets++ // the request's own read-back
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, n := e.fp.counts(); n > gets {
			break // the reconciler looked, woken by the unknown outcome
		}
		if time.Now().After(deadline) {
			t.Fatal("an unknown outcome did not wake the reconciler")
		}
		time.Sleep(time.Millisecond)
	}
	e.fp.setUnreadable(false)
	e.svc.Wake()
	select {
	case ev := <-events:
		if ev.Detail["idempotencyKey"] != "k-wake" {
			t.Fatalf("published %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a wake-up did not settle the key")
	}
}

// A step for the seller centre has no platform write; a crash after it was
// stored but before its key was completed leaves the key with the step's
// intent, and a restarted process completes it from the stored case once
// the claim is stale (the
// retry replays, the step is there once). A crash before the step was
// stored frees the key, and the retry records it.
func TestCrashAroundASellerCentreStep(t *testing.T) {
	for _, stored := range []bool{true, false} {
		t.Run(map[bool]string{true: "stored", false: "not stored"}[stored], func(t *testing.T) {
			e := newEnv(t, mixedPlatform(), returns.StatusRequested)
			r := e.req(returns.ActionRefund, "k-step", `{"n":1}`)
			if stored {
				e.svc.keys.crash = func(returns.CaseKey) bool { return true }
				if _, err := e.svc.Do(context.Background(), r); !errors.Is(err, ErrCrashed) {
					t.Fatalf("Do = %v, want the crash", err)
				}
			} else {
				sum := sha256.Sum256(r.Input)
				if rec, err := e.st.ClaimIdempotency(context.Background(), org, "k-step", hex.EncodeToString(sum[:])); err != nil || rec != nil {
					t.Fatalf("claim: %v %v", rec, err)
				}
				at := base
				b, _ := json.Marshal(intent{Platform: e.key.Platform, Shop: "shop-2", CaseID: e.key.PlatformCaseID,
					Action: returns.ActionRefund, Before: returns.StatusRequested, StepAt: &at})
				if err := e.st.RecordIdempotencyIntent(context.Background(), org, "k-step", b); err != nil {
					t.Fatal(err)
				}
			}
			restarted := New(Options{Store: e.st, Platforms: adapters.NewRegistry(&centrePlatform{fakePlatform: e.fp, centre: mixedPlatform().centre}),
				Log: slog.New(slog.DiscardHandler), PlatformTimeout: 10 * time.Second, Now: func() time.Time { return staleAfter }})
			if left := restarted.SettleUnknown(context.Background(), orgs); left {
				t.Fatal("the restarted reconciler did not settle the key")
			}
			out, err := restarted.Do(context.Background(), r)
			if err != nil {
				t.Fatal(err)
			}
			wantCode(t, out, "")
			if out.Replayed != stored {
				t.Errorf("replayed %v, want %v", out.Replayed, stored)
			}
			if n := len(e.stored(t).PendingSteps); n != 1 {
				t.Errorf("%d steps recorded, want 1", n)
			}
			if n := len(e.mutationEvents(t)); n != 1 {
				t.Errorf("%d events of the step, want 1", n)
			}
			if n, _ := e.fp.counts(); n != 0 {
				t.Errorf("the platform was sent %d writes for a seller-centre step", n)
			}
		})
	}
}

// A claim too young to take over when the reconciler looks is settled when
// it becomes stale: the reconciler wakes for it then (its back-off is an
// hour here), and not before.
func TestReconcilerComesBackWhenAClaimIsStale(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	e.svc.keys.crash = func(returns.CaseKey) bool { return true }
	r := e.req(returns.ActionApprove, "k-due", `{"n":1}`)
	if _, err := e.svc.Do(context.Background(), r); !errors.Is(err, ErrCrashed) {
		t.Fatalf("Do = %v, want the crash", err)
	}
	// A restarted process whose clock runs from the claim's time: the claim
	// is stale after 3 ms (no skew allowance here).
	t0 := time.Now()
	events := make(chan returns.Event, 4)
	restarted := New(Options{Store: e.st, Platforms: adapters.NewRegistry(e.fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: time.Millisecond, Now: func() time.Time { return base.Add(time.Since(t0)) },
		Publish:   func(ev returns.Event, _ *returns.Case) { events <- ev },
		Reconcile: ReconcileOptions{MinWait: time.Hour, MaxWait: time.Hour}})
	restarted.keys.skew = 0
	if at := restarted.youngClaim(org, e.record(t, "k-due")); at.IsZero() {
		t.Fatal("the claim is not young when the reconciler starts")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		restarted.RunReconciler(ctx, orgs)
	}()
	defer func() { cancel(); <-done }()
	select {
	case ev := <-events:
		if ev.Detail["idempotencyKey"] != "k-due" || ev.Detail["outcome"] != "RECONCILED" {
			t.Fatalf("published %+v", ev)
		}
		if age := restarted.now().Sub(base); age < 3*time.Millisecond {
			t.Errorf("settled a claim %v old, before it was stale", age)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the reconciler did not come back for the claim once it was stale")
	}
}
