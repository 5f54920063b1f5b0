package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

const org = returns.OrgID("org-test")

var base = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

// apiPlatform is a platform whose API does everything it offers.
func apiPlatform() *fakePlatform {
	return &fakePlatform{
		id: returns.XHS, shop: "shop-1",
		caps: returns.Capabilities{Actions: []returns.Action{
			returns.ActionApprove, returns.ActionReject, returns.ActionOffer, returns.ActionConfirmReceipt, returns.ActionRefund}},
		api: map[returns.Status][]returns.Action{
			returns.StatusRequested:   {returns.ActionApprove, returns.ActionReject, returns.ActionOffer},
			returns.StatusNegotiating: {returns.ActionApprove, returns.ActionReject, returns.ActionOffer},
			returns.StatusInTransit:   {returns.ActionConfirmReceipt},
			returns.StatusReceived:    {returns.ActionRefund},
		},
		leads: map[returns.Action]returns.Status{
			returns.ActionApprove:        returns.StatusAwaitingBuyerShipment,
			returns.ActionReject:         returns.StatusRejected,
			returns.ActionOffer:          returns.StatusNegotiating,
			returns.ActionConfirmReceipt: returns.StatusReceived,
			returns.ActionRefund:         returns.StatusRefunded,
		},
	}
}

// mixedPlatform is a platform that offers some actions only in its seller centre.
func mixedPlatform() *centrePlatform {
	return &centrePlatform{
		fakePlatform: &fakePlatform{
			id: returns.AliExpress, shop: "shop-2",
			caps: returns.Capabilities{
				Actions:       []returns.Action{returns.ActionApprove, returns.ActionOffer, returns.ActionReject},
				ManualActions: []returns.Action{returns.ActionRefund, returns.ActionEscalate, returns.ActionConfirmReceipt},
			},
			api: map[returns.Status][]returns.Action{
				returns.StatusRequested:   {returns.ActionApprove, returns.ActionOffer, returns.ActionReject},
				returns.StatusNegotiating: {returns.ActionApprove, returns.ActionOffer, returns.ActionReject},
			},
			leads: map[returns.Action]returns.Status{
				returns.ActionApprove: returns.StatusAwaitingBuyerShipment,
				returns.ActionOffer:   returns.StatusNegotiating,
				returns.ActionReject:  returns.StatusNegotiating,
			},
		},
		centre: map[returns.Status][]returns.Action{
			returns.StatusRequested:   {returns.ActionRefund},
			returns.StatusNegotiating: {returns.ActionRefund, returns.ActionEscalate, returns.ActionOffer},
			returns.StatusInTransit:   {returns.ActionConfirmReceipt},
		},
	}
}

func newCase(p returns.Platform, status returns.Status) *returns.Case {
	amount := returns.MustParseMoney("129.90", "CNY")
	return &returns.Case{
		Platform: p.ID(), PlatformCaseID: "RC-1001", ShopID: p.Shop().ID, OrderID: "O-555", BuyerID: "b***9",
		Kind: returns.KindReturnAndRefund, Status: status,
		PlatformStatus: returns.PlatformStatus{Code: "S_" + string(status), Label: string(status)},
		Reason:         returns.ReasonSizeFit, PlatformReason: "尺码不合适", Market: returns.MarketDomestic,
		Lines:           []returns.Line{{SKU: "SKU-1", Title: "Linen shirt", Quantity: 1, UnitPrice: amount, Category: returns.CategoryGeneral}},
		RequestedRefund: &amount,
		CreatedAt:       base.Add(-48 * time.Hour),
		UpdatedAt:       base.Add(-time.Hour),
		Raw:             map[string]string{"status": "S_" + string(status)},
	}
}

// env is a Service over a real SQLite store and one fake platform, with one
// case stored and known to the platform.
type env struct {
	st     *sqlite.Store
	fp     *fakePlatform
	svc    *Service
	key    returns.CaseKey
	seeded int64 // the last event sequence before the test acts

	mu        sync.Mutex
	published []returns.Event
}

func newEnv(t *testing.T, p returns.Platform, status returns.Status) *env {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return base }
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "gw.db"), sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{st: st}
	switch fp := p.(type) {
	case *fakePlatform:
		e.fp = fp
	case *centrePlatform:
		e.fp = fp.fakePlatform
	}
	c := newCase(p, status)
	e.key = c.Key()
	e.fp.put(c)
	r, err := st.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll})
	if err != nil {
		t.Fatal(err)
	}
	e.seeded = r.Event.Seq
	e.svc = New(Options{
		Store: st, Platforms: adapters.NewRegistry(p), Now: now, Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second,
		Publish: func(ev returns.Event, _ *returns.Case) {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.published = append(e.published, ev)
		},
	})
	return e
}

func (e *env) req(a returns.Action, key, input string) Request {
	r := Request{Org: org, Key: e.key, IdempotencyKey: key, Input: []byte(input),
		Platform: returns.ActionRequest{Action: a, Note: "the seller's note"}}
	if a == returns.ActionReject {
		// A ground the rules accept, so these tests exercise the plumbing;
		// TestRulesStopActions covers the rules.
		r.Check.Grounds = []returns.RejectGround{returns.GroundUsed}
	}
	return r
}

func (e *env) do(t *testing.T, r Request) *Outcome {
	t.Helper()
	out, err := e.svc.Do(context.Background(), r)
	if err != nil {
		t.Fatalf("Do(%s): %v", r.Platform.Action, err)
	}
	if out == nil {
		t.Fatalf("Do(%s): nil outcome", r.Platform.Action)
	}
	return out
}

func (e *env) stored(t *testing.T) *returns.Case {
	t.Helper()
	c, err := e.st.GetCase(context.Background(), org, e.key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// events returns the events written since the case was seeded.
func (e *env) events(t *testing.T) []returns.Event {
	t.Helper()
	evs, err := e.st.EventsAfter(context.Background(), org, e.seeded, 100)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func (e *env) mutationEvents(t *testing.T) []returns.Event {
	var out []returns.Event
	for _, ev := range e.events(t) {
		if ev.Source == returns.SourceMutation {
			out = append(out, ev)
		}
	}
	return out
}

func (e *env) wasPublished(seq int64) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.ContainsFunc(e.published, func(ev returns.Event) bool { return ev.Seq == seq })
}

// keyFree reports whether the idempotency key can be claimed afresh, i.e.
// whether a retry with it would be carried out.
func (e *env) keyFree(t *testing.T, key string) bool {
	t.Helper()
	ctx := context.Background()
	rec, err := e.st.ClaimIdempotency(ctx, org, key, "probe")
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		return false
	}
	if err := e.st.ReleaseIdempotency(ctx, org, key); err != nil {
		t.Fatal(err)
	}
	return true
}

func codes(out *Outcome) []returns.ErrorCode {
	var cs []returns.ErrorCode
	for _, e := range out.Errors {
		cs = append(cs, e.Code)
	}
	return cs
}

// wantCode fails unless the outcome carries exactly the code ("" for success).
func wantCode(t *testing.T, out *Outcome, want returns.ErrorCode) {
	t.Helper()
	got := codes(out)
	if want == "" {
		if len(got) != 0 {
			t.Fatalf("errors %v (%s), want success", got, out.Errors[0].Message)
		}
		return
	}
	if len(got) != 1 || got[0] != want {
		t.Fatalf("errors %v, want [%s]", got, want)
	}
	if out.Errors[0].Message == "" {
		t.Errorf("error %s has no message", want)
	}
}

func TestDo(t *testing.T) {
	tests := []struct {
		name     string
		platform func() returns.Platform
		status   returns.Status
		mode     performMode
		action   returns.Action

		wantCode     returns.ErrorCode // "" for success
		wantStatus   returns.Status    // of the outcome's case and of the stored one
		wantPerforms int
		wantGets     int
		// wantEvent: one MUTATION event written and published; otherwise none.
		wantEvent bool
		// keyKept: the answer is remembered and replayed; otherwise the key is released.
		keyKept bool
		check   func(t *testing.T, e *env, out *Outcome)
	}{
		{
			name: "done, read back", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: doneReadBack, action: returns.ActionApprove,
			wantStatus: returns.StatusAwaitingBuyerShipment, wantPerforms: 1, wantEvent: true, keyKept: true,
			check: func(t *testing.T, e *env, out *Outcome) {
				// The platform's own view is what is stored.
				if got := e.stored(t).PlatformStatus.Code; got != "S_AWAITING_BUYER_SHIPMENT" {
					t.Errorf("stored platform status %q, want the platform's read-back", got)
				}
			},
		},
		{
			name: "done, no read-back: the expected status is applied", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: doneNoReadBack, action: returns.ActionReject,
			wantStatus: returns.StatusRejected, wantPerforms: 1, wantEvent: true, keyKept: true,
			check: func(t *testing.T, e *env, out *Outcome) {
				// Not the gateway's clock (see TestDoWithoutReadBackTakesThePlatformsNextView).
				if got, want := e.stored(t).UpdatedAt, base.Add(-time.Hour).Add(time.Nanosecond); !got.Equal(want) {
					t.Errorf("stored UpdatedAt %v, want just past the last platform change %v", got, want)
				}
			},
		},
		{
			name: "the platform says the status moved on: the case is refreshed", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: refuseState, action: returns.ActionApprove,
			wantCode: returns.CodeInvalidState, wantStatus: returns.StatusCancelled, wantPerforms: 1, wantGets: 1,
			check: func(t *testing.T, e *env, out *Outcome) {
				evs := e.events(t)
				if len(evs) != 1 || evs[0].Source != returns.SourcePoll || evs[0].Status != returns.StatusCancelled {
					t.Fatalf("events %+v, want one POLL event to CANCELLED", evs)
				}
				if !e.wasPublished(evs[0].Seq) {
					t.Errorf("the refresh's event was not published")
				}
			},
		},
		{
			name: "the platform refuses: the answer is remembered", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: refuseInvalid, action: returns.ActionReject,
			wantCode: returns.CodePlatformRejected, wantStatus: returns.StatusRequested, wantPerforms: 1, keyKept: true,
			check: func(t *testing.T, e *env, out *Outcome) {
				if !strings.Contains(out.Errors[0].Message, "reason id is not valid") {
					t.Errorf("message %q does not carry the platform's reason", out.Errors[0].Message)
				}
			},
		},
		{
			name: "ambiguous failure, read-back shows it happened", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: ambiguousDone, action: returns.ActionApprove,
			wantStatus: returns.StatusAwaitingBuyerShipment, wantPerforms: 1, wantGets: 1, wantEvent: true, keyKept: true,
		},
		{
			name: "ambiguous failure, read-back shows it did not happen", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: ambiguousLost, action: returns.ActionApprove,
			wantCode: returns.CodePlatformUnavailable, wantStatus: returns.StatusRequested, wantPerforms: 1, wantGets: 1,
			check: func(t *testing.T, e *env, out *Outcome) {
				// A retry with the same key is carried out.
				e.fp.setMode(doneReadBack)
				again := e.do(t, e.req(returns.ActionApprove, "key-1", `{"input":1}`))
				wantCode(t, again, "")
				if again.Replayed {
					t.Errorf("the retry was replayed, not carried out")
				}
				if n, _ := e.fp.counts(); n != 2 {
					t.Errorf("%d Perform calls after the retry, want 2", n)
				}
				if len(e.mutationEvents(t)) != 1 {
					t.Errorf("want one MUTATION event after the retry")
				}
			},
		},
		{
			name: "ambiguous failure while the buyer withdrew: not the action's doing", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: ambiguousMoved, action: returns.ActionApprove,
			wantCode: returns.CodePlatformUnavailable, wantStatus: returns.StatusRequested, wantPerforms: 1, wantGets: 1,
		},
		{
			name: "unreachable platform: no read-back needed", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, mode: unreachable, action: returns.ActionOffer,
			wantCode: returns.CodePlatformUnavailable, wantStatus: returns.StatusRequested, wantPerforms: 1,
		},
		{
			name: "not allowed in the status: no platform call", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, action: returns.ActionConfirmReceipt,
			wantCode: returns.CodeInvalidState, wantStatus: returns.StatusRequested,
			check: func(t *testing.T, e *env, out *Outcome) {
				if msg := out.Errors[0].Message; !strings.Contains(msg, "REQUESTED") {
					t.Errorf("message %q does not say the status", msg)
				}
			},
		},
		{
			name: "not offered by the platform at all", platform: func() returns.Platform { return apiPlatform() },
			status: returns.StatusRequested, action: returns.ActionEscalate,
			wantCode: returns.CodeUnsupported, wantStatus: returns.StatusRequested,
		},
		{
			name: "offered elsewhere but not in this status", platform: func() returns.Platform { return mixedPlatform() },
			status: returns.StatusRequested, action: returns.ActionEscalate,
			wantCode: returns.CodeInvalidState, wantStatus: returns.StatusRequested,
		},
		{
			name: "seller-centre action is recorded as a pending step", platform: func() returns.Platform { return mixedPlatform() },
			status: returns.StatusRequested, action: returns.ActionRefund,
			wantStatus: returns.StatusRequested, wantEvent: true, keyKept: true,
			check: func(t *testing.T, e *env, out *Outcome) {
				for name, c := range map[string]*returns.Case{"outcome": out.Case, "stored": e.stored(t)} {
					if len(c.PendingSteps) != 1 {
						t.Fatalf("%s case has %d pending steps, want 1", name, len(c.PendingSteps))
					}
					st := c.PendingSteps[0]
					// The amount is the rules' default refund (the seller named none).
					if st.Action != returns.ActionRefund || !st.RecordedAt.Equal(base) || st.Note != "129.90 CNY: the seller's note" ||
						st.URL != "https://seller.example.com/aftersale/RC-1001?step=returnRefund" {
						t.Errorf("%s pending step %+v", name, st)
					}
				}
				if d := out.Event.Detail["completeIn"]; d != "SELLER_CENTRE" {
					t.Errorf("event detail completeIn %q, want SELLER_CENTRE", d)
				}
				for _, a := range e.svc.Available(e.stored(t), base) {
					if a.Action == returns.ActionRefund {
						t.Errorf("a recorded step is offered again: %+v", a)
					}
				}
				// Asking again, with another key, is refused: it is already recorded.
				again := e.do(t, e.req(returns.ActionRefund, "key-2", `{"input":2}`))
				wantCode(t, again, returns.CodeInvalidState)
				if got := len(e.stored(t).PendingSteps); got != 1 {
					t.Errorf("%d pending steps after asking again, want 1", got)
				}
			},
		},
		{
			name: "an action the seller centre also offers goes through the API", platform: func() returns.Platform { return mixedPlatform() },
			status: returns.StatusNegotiating, mode: doneReadBack, action: returns.ActionOffer,
			wantStatus: returns.StatusNegotiating, wantPerforms: 1, wantEvent: true, keyKept: true,
			check: func(t *testing.T, e *env, out *Outcome) {
				if len(out.Case.PendingSteps) != 0 {
					t.Errorf("an API action was recorded as a pending step")
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.platform(), tt.status)
			e.fp.setMode(tt.mode)
			out := e.do(t, e.req(tt.action, "key-1", `{"input":1}`))
			wantCode(t, out, tt.wantCode)
			if out.Replayed {
				t.Errorf("first request marked replayed")
			}
			if out.Case == nil || out.Case.Status != tt.wantStatus {
				t.Fatalf("outcome case %+v, want status %s", out.Case, tt.wantStatus)
			}
			if got := e.stored(t).Status; got != tt.wantStatus {
				t.Errorf("stored status %s, want %s", got, tt.wantStatus)
			}
			performs, gets := e.fp.counts()
			if performs != tt.wantPerforms || gets != tt.wantGets {
				t.Errorf("platform saw %d Perform and %d GetCase calls, want %d and %d", performs, gets, tt.wantPerforms, tt.wantGets)
			}

			evs := e.mutationEvents(t)
			if !tt.wantEvent {
				if len(evs) != 0 || out.Event != nil {
					t.Errorf("MUTATION events %+v (outcome event %+v), want none", evs, out.Event)
				}
			} else {
				if len(evs) != 1 {
					t.Fatalf("%d MUTATION events, want exactly 1: %+v", len(evs), evs)
				}
				ev := evs[0]
				if out.Event == nil || out.Event.Seq != ev.Seq {
					t.Errorf("outcome event %+v, want the stored one %+v", out.Event, ev)
				}
				if ev.Key != e.key || ev.Status != tt.wantStatus || ev.Detail["action"] != string(tt.action) || ev.Detail["idempotencyKey"] != "key-1" {
					t.Errorf("event %+v", ev)
				}
				if ev.PreviousStatus == nil || *ev.PreviousStatus != tt.status {
					t.Errorf("event previous status %v, want %s", ev.PreviousStatus, tt.status)
				}
				if !e.wasPublished(ev.Seq) {
					t.Errorf("event %d was not published", ev.Seq)
				}
			}

			if !tt.keyKept {
				if !e.keyFree(t, "key-1") {
					t.Errorf("the key was kept for an answer that changed nothing: a retry could not be carried out")
				}
			} else {
				before := len(e.events(t))
				again := e.do(t, e.req(tt.action, "key-1", `{"input":1}`))
				if !again.Replayed {
					t.Errorf("retry with the same key and input was not replayed")
				}
				if !slices.Equal(codes(again), codes(out)) {
					t.Errorf("replayed errors %v, want %v", codes(again), codes(out))
				}
				if again.Case == nil || again.Case.Status != out.Case.Status || again.Case.Version != out.Case.Version {
					t.Errorf("replayed case %+v, want %+v", again.Case, out.Case)
				}
				if n, _ := e.fp.counts(); n != tt.wantPerforms {
					t.Errorf("replay called Perform: %d calls, want %d", n, tt.wantPerforms)
				}
				if len(e.events(t)) != before {
					t.Errorf("replay wrote events")
				}
			}
			if tt.check != nil {
				tt.check(t, e, out)
			}
		})
	}
}

func TestDoInternalError(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	e.fp.setMode(brokenAdapter)
	out, err := e.svc.Do(context.Background(), e.req(returns.ActionApprove, "key-1", `{}`))
	if err == nil {
		t.Fatalf("Do = %+v, want an internal error", out)
	}
	if !e.keyFree(t, "key-1") {
		t.Errorf("the key stays claimed after an internal error")
	}
	if len(e.mutationEvents(t)) != 0 {
		t.Errorf("an event was written")
	}
}

func TestDoIdempotency(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	first := e.do(t, e.req(returns.ActionApprove, "key-1", `{"action":"returnApprove","input":{"message":"ok"}}`))
	wantCode(t, first, "")

	tests := []struct {
		name         string
		req          Request
		wantCode     returns.ErrorCode
		wantReplayed bool
	}{
		{name: "same key, same input: replayed",
			req: e.req(returns.ActionApprove, "key-1", `{"action":"returnApprove","input":{"message":"ok"}}`), wantReplayed: true},
		{name: "same key, other input: conflict",
			req: e.req(returns.ActionApprove, "key-1", `{"action":"returnApprove","input":{"message":"changed"}}`), wantCode: returns.CodeConflict},
		{name: "same key, other action: conflict",
			req: e.req(returns.ActionReject, "key-1", `{"action":"returnReject","input":{}}`), wantCode: returns.CodeConflict},
		{name: "other key, the case has moved on: invalid state",
			req: e.req(returns.ActionApprove, "key-2", `{"action":"returnApprove","input":{"message":"ok"}}`), wantCode: returns.CodeInvalidState},
		{name: "no key: carried out, and refused by status",
			req: e.req(returns.ActionApprove, "", `{"action":"returnApprove","input":{"message":"ok"}}`), wantCode: returns.CodeInvalidState},
		{name: "a key with a space is invalid",
			req: e.req(returns.ActionApprove, "key 1", `{}`), wantCode: returns.CodeInvalid},
		{name: "a key too long is invalid",
			req: e.req(returns.ActionApprove, strings.Repeat("k", MaxIdempotencyKey+1), `{}`), wantCode: returns.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := e.do(t, tt.req)
			wantCode(t, out, tt.wantCode)
			if out.Replayed != tt.wantReplayed {
				t.Errorf("replayed %v, want %v", out.Replayed, tt.wantReplayed)
			}
			if tt.wantCode == returns.CodeConflict {
				if out.Case == nil || out.Case.Status != returns.StatusAwaitingBuyerShipment {
					t.Errorf("a conflict should show the case as it stands, got %+v", out.Case)
				}
				if f := out.Errors[0].Field; !slices.Equal(f, []string{"input", "idempotencyKey"}) {
					t.Errorf("conflict field %v", f)
				}
			}
			if n, _ := e.fp.counts(); n != 1 {
				t.Errorf("%d Perform calls, want 1", n)
			}
			if n := len(e.mutationEvents(t)); n != 1 {
				t.Errorf("%d MUTATION events, want 1", n)
			}
		})
	}
}

func TestDoUnknownCase(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	r := e.req(returns.ActionApprove, "key-1", `{}`)
	r.Key.PlatformCaseID = "RC-404"
	out := e.do(t, r)
	wantCode(t, out, returns.CodeNotFound)
	if !e.keyFree(t, "key-1") {
		t.Errorf("the key stays claimed for a case that does not exist")
	}
	if n, _ := e.fp.counts(); n != 0 {
		t.Errorf("%d Perform calls, want 0", n)
	}
}

// gated makes every Perform of the platform wait for the returned function
// and returns the channel on which each Perform announces itself.
func gated(fp *fakePlatform) (started chan struct{}, open func()) {
	started = make(chan struct{}, 4)
	gate := make(chan struct{})
	fp.mu.Lock()
	fp.gate, fp.started = gate, started
	fp.mu.Unlock()
	var once sync.Once
	return started, func() { once.Do(func() { close(gate) }) }
}

func TestDoKeyInProgress(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	started, open := gated(e.fp)
	defer open()
	r := e.req(returns.ActionApprove, "key-1", `{"input":1}`)
	done := make(chan *Outcome, 1)
	go func() {
		out, err := e.svc.Do(context.Background(), r)
		if err != nil {
			t.Error(err)
		}
		done <- out
	}()
	<-started

	// The same request again while the first is at the platform.
	out := e.do(t, r)
	wantCode(t, out, returns.CodeConflict)
	if !strings.Contains(out.Errors[0].Message, "in progress") {
		t.Errorf("message %q does not say the key is in progress", out.Errors[0].Message)
	}
	open()
	first := <-done
	wantCode(t, first, "")
	if n, _ := e.fp.counts(); n != 1 {
		t.Errorf("%d Perform calls, want 1", n)
	}
	if again := e.do(t, r); !again.Replayed {
		t.Errorf("once done, the request is not replayed: %+v", again)
	}
}

func TestDoSerialisesActionsOnACase(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	started, open := gated(e.fp)
	defer open()
	results := make(chan *Outcome, 2)
	run := func(key string) {
		out, err := e.svc.Do(context.Background(), e.req(returns.ActionApprove, key, `{"input":"`+key+`"}`))
		if err != nil {
			t.Error(err)
		}
		results <- out
	}
	go run("key-a")
	<-started
	go run("key-b")
	// Give the second request time to reach the case lock (or, were there
	// none, the platform); the outcome must not depend on how long it takes.
	select {
	case <-started:
		t.Error("a second Perform started while the first was at the platform")
	case <-time.After(100 * time.Millisecond):
	}
	open()
	var got []returns.ErrorCode
	for range 2 {
		out := <-results
		if out == nil {
			t.Fatal("no outcome")
		}
		if len(out.Errors) == 0 {
			got = append(got, "")
		} else {
			got = append(got, out.Errors[0].Code)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, []returns.ErrorCode{"", returns.CodeInvalidState}) {
		t.Errorf("outcomes %v, want one success and one INVALID_STATE", got)
	}
	if n, _ := e.fp.counts(); n != 1 {
		t.Errorf("%d Perform calls, want 1", n)
	}
	if n := len(e.mutationEvents(t)); n != 1 {
		t.Errorf("%d MUTATION events, want 1", n)
	}
}

func TestDoCallerHangsUp(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	started, open := gated(e.fp)
	defer open()
	ctx, cancel := context.WithCancel(context.Background())
	r := e.req(returns.ActionApprove, "key-1", `{"input":1}`)
	type result struct {
		out *Outcome
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := e.svc.Do(ctx, r)
		done <- result{out, err}
	}()
	<-started
	cancel()
	open()
	res := <-done
	if res.err != nil {
		t.Fatalf("Do: %v", res.err)
	}
	wantCode(t, res.out, "")

	e.fp.mu.Lock()
	ctxErrs := append([]error(nil), e.fp.ctxErrs...)
	e.fp.mu.Unlock()
	if len(ctxErrs) != 1 || ctxErrs[0] != nil {
		t.Errorf("the platform write's context was %v after the caller hung up, want alive", ctxErrs)
	}
	if got := e.stored(t).Status; got != returns.StatusAwaitingBuyerShipment {
		t.Errorf("stored status %s: the completed write was not recorded", got)
	}
	if n := len(e.mutationEvents(t)); n != 1 {
		t.Errorf("%d MUTATION events, want 1", n)
	}
	if again := e.do(t, r); !again.Replayed {
		t.Errorf("the answer was not remembered for the key")
	}
}

func TestDoKeepsPendingSteps(t *testing.T) {
	tests := []struct {
		name      string
		mode      performMode
		action    returns.Action
		wantSteps int
	}{
		// The platform knows nothing of the gateway's steps: its read-back must not erase them.
		{name: "read-back in the same status keeps the step", mode: doneReadBack, action: returns.ActionOffer, wantSteps: 1},
		{name: "expected status, unchanged, keeps the step", mode: doneNoReadBack, action: returns.ActionOffer, wantSteps: 1},
		// As the feed does: once the case moves on, the steps recorded for it are done with.
		{name: "a move to another status drops the step", mode: doneReadBack, action: returns.ActionApprove, wantSteps: 0},
		{name: "a move to the expected status drops the step", mode: doneNoReadBack, action: returns.ActionApprove, wantSteps: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, mixedPlatform(), returns.StatusNegotiating)
			wantCode(t, e.do(t, e.req(returns.ActionRefund, "key-1", `{"refund":1}`)), "")
			e.fp.setMode(tt.mode)
			out := e.do(t, e.req(tt.action, "key-2", `{"act":2}`))
			wantCode(t, out, "")
			for name, c := range map[string]*returns.Case{"outcome": out.Case, "stored": e.stored(t)} {
				if got := len(c.PendingSteps); got != tt.wantSteps {
					t.Errorf("%s case has %d pending steps, want %d", name, got, tt.wantSteps)
				}
			}
		})
	}
}

func TestAvailable(t *testing.T) {
	tests := []struct {
		name     string
		platform func() returns.Platform
		status   returns.Status
		want     []Available
	}{
		{name: "API only", platform: func() returns.Platform { return apiPlatform() }, status: returns.StatusRequested,
			want: []Available{
				{Action: returns.ActionApprove, ViaAPI: true}, {Action: returns.ActionReject, ViaAPI: true}, {Action: returns.ActionOffer, ViaAPI: true},
			}},
		{name: "nothing in this status", platform: func() returns.Platform { return apiPlatform() }, status: returns.StatusAwaitingBuyerShipment},
		{name: "API first, then the seller centre, without repeats", platform: func() returns.Platform { return mixedPlatform() }, status: returns.StatusNegotiating,
			want: []Available{
				{Action: returns.ActionApprove, ViaAPI: true}, {Action: returns.ActionOffer, ViaAPI: true}, {Action: returns.ActionReject, ViaAPI: true},
				{Action: returns.ActionRefund, URL: "https://seller.example.com/aftersale/RC-1001?step=returnRefund"},
				{Action: returns.ActionEscalate, URL: "https://seller.example.com/aftersale/RC-1001?step=returnEscalate"},
			}},
		{name: "seller centre only", platform: func() returns.Platform { return mixedPlatform() }, status: returns.StatusInTransit,
			want: []Available{{Action: returns.ActionConfirmReceipt, URL: "https://seller.example.com/aftersale/RC-1001?step=returnConfirmReceipt"}}},
		{name: "goods back: the gateway's inspection record last", platform: func() returns.Platform { return apiPlatform() }, status: returns.StatusReceived,
			want: []Available{{Action: returns.ActionRefund, ViaAPI: true}, {Action: returns.ActionRecordInspection, ViaAPI: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.platform(), tt.status)
			if got := withoutViolations(e.svc.Available(e.stored(t), base)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Available = %+v, want %+v", got, tt.want)
			}
		})
	}
	t.Run("unknown shop", func(t *testing.T) {
		e := newEnv(t, apiPlatform(), returns.StatusRequested)
		c := e.stored(t)
		c.ShopID = "elsewhere"
		if got := e.svc.Available(c, base); len(got) != 0 {
			t.Errorf("Available for an unconfigured shop = %+v", got)
		}
	})
}

// withoutViolations drops the rule verdicts, which other tests cover.
func withoutViolations(av []Available) []Available {
	for i := range av {
		av[i].Violations = nil
	}
	return av
}

// TestRulesStopActions: an action a rule forbids answers RULE_VIOLATION naming
// the rule, without calling the platform or writing anything; acknowledging
// the rule lets it through and the acknowledgement is on the event.
func TestRulesStopActions(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	r := e.req(returns.ActionReject, "reject-1", `{"n":1}`)
	r.Check.Grounds = []returns.RejectGround{returns.GroundPackagingOpened}
	out := e.do(t, r)
	if len(out.Errors) == 0 || out.Errors[0].Code != returns.CodeRuleViolation || out.Errors[0].RuleID == "" {
		t.Fatalf("refusing only because the packaging was opened: %+v", out.Errors)
	}
	if n, _ := e.fp.counts(); n != 0 {
		t.Errorf("the platform was called %d times", n)
	}
	evs, _ := e.st.EventsAfter(context.Background(), org, e.seeded, 10)
	if len(evs) != 0 {
		t.Errorf("a refused action wrote %d events", len(evs))
	}
	// Same key, the same input: nothing was remembered, the rules answer again.
	if again := e.do(t, r); len(again.Errors) == 0 || again.Replayed {
		t.Errorf("retry: %+v", again)
	}

	// An unknown rule id is refused as a typo, not taken as an acknowledgement.
	r2 := r
	r2.IdempotencyKey = "reject-2"
	r2.Acknowledged = []string{"CN-7D-WINDOWS"}
	if out := e.do(t, r2); len(out.Errors) != 1 || out.Errors[0].Code != returns.CodeInvalid {
		t.Errorf("unknown rule acknowledged: %+v", out.Errors)
	}

	// Acknowledging every acknowledgeable rule lets it through.
	var ids []string
	for _, v := range returns.CheckAction(e.stored(t), returns.ActionCheck{Action: returns.ActionReject, Grounds: r.Check.Grounds},
		returns.DefaultRulePolicy(), base) {
		if !v.Acknowledgeable {
			t.Fatalf("%s cannot be acknowledged", v.RuleID)
		}
		ids = append(ids, v.RuleID)
	}
	r3 := r
	r3.IdempotencyKey = "reject-3"
	r3.Acknowledged = ids
	if out := e.do(t, r3); len(out.Errors) != 0 {
		t.Fatalf("acknowledged: %+v", out.Errors)
	}
	evs, _ = e.st.EventsAfter(context.Background(), org, e.seeded, 10)
	if len(evs) != 1 || evs[0].Detail["acknowledgedRules"] == "" {
		t.Errorf("events = %+v, want one recording the acknowledged rules", evs)
	}
}

// An action whose case could not be read back stores the expected status;
// the platform's own view of the action (its status code, which decides the
// actions allowed next) is stamped before the gateway's now and must still
// be taken in by the next poll or push, while a view fetched before the
// action must not undo it.
func TestDoWithoutReadBackTakesThePlatformsNextView(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	stale, err := e.fp.GetCase(context.Background(), e.key.PlatformCaseID)
	if err != nil {
		t.Fatal(err)
	}
	e.fp.setMode(doneNoReadBack)
	out := e.do(t, e.req(returns.ActionApprove, "key-1", `{"input":1}`))
	wantCode(t, out, "")
	in := &feed.Ingester{Store: e.st, Org: org, Log: slog.New(slog.DiscardHandler)}

	// A poll that read the case just before the action stores late: ignored.
	if _, err := in.Put(context.Background(), stale, returns.SourcePoll); err != nil {
		t.Fatal(err)
	}
	if got := e.stored(t).Status; got != returns.StatusAwaitingBuyerShipment {
		t.Fatalf("a view from before the action undid it: status %s", got)
	}

	// The platform's view after the action is taken in.
	if _, err := in.Fetch(context.Background(), e.fp, e.key.PlatformCaseID, returns.SourcePoll); err != nil {
		t.Fatal(err)
	}
	c := e.stored(t)
	if c.Status != returns.StatusAwaitingBuyerShipment || c.PlatformStatus.Code != "S_AWAITING_BUYER_SHIPMENT" {
		t.Errorf("stored %s (platform status %q), want the platform's view after the action", c.Status, c.PlatformStatus.Code)
	}
	if slices.Contains(e.svc.Allowed(c, base), returns.ActionApprove) {
		t.Errorf("approve is still offered after the approval")
	}
}

// A claim left by a request that never finished (a crash, a panic) is taken
// over once it is older than any request can run; a fresh one is not.
func TestAbandonedClaimIsTakenOver(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	r := e.req(returns.ActionApprove, "abandoned", `{"n":1}`)
	sum := sha256.Sum256(r.Input)
	if rec, err := e.st.ClaimIdempotency(context.Background(), org, "abandoned", hex.EncodeToString(sum[:])); err != nil || rec != nil {
		t.Fatalf("claim: %v %v", rec, err)
	}
	if out := e.do(t, r); len(out.Errors) != 1 || out.Errors[0].Code != returns.CodeConflict {
		t.Fatalf("a fresh claim must stand: %+v", out.Errors)
	}
	later := New(Options{Store: e.st, Platforms: adapters.NewRegistry(e.fp), Log: slog.New(slog.DiscardHandler),
		PlatformTimeout: 10 * time.Second, Now: func() time.Time { return staleAfter }})
	out, err := later.Do(context.Background(), r)
	if err != nil || len(out.Errors) != 0 || out.Replayed {
		t.Fatalf("an abandoned claim was not taken over: %+v %v", out, err)
	}
	if n, _ := e.fp.counts(); n != 1 {
		t.Errorf("the platform was called %d times, want 1", n)
	}
}

// A panic inside the platform call leaves its key UNKNOWN (the write may
// have gone out): a retry does not reach the platform, and once the
// reconciler sees that nothing happened the key is free again.
func TestPanicInTheWriteKeepsTheKeyUnknown(t *testing.T) {
	e := newEnv(t, apiPlatform(), returns.StatusRequested)
	r := e.req(returns.ActionApprove, "panics", `{"n":1}`)
	e.fp.panicOnce = true
	func() {
		defer func() { recover() }()
		e.svc.Do(context.Background(), r)
	}()
	wantCode(t, e.do(t, r), returns.CodeOutcomeUnknown)
	if n, _ := e.fp.counts(); n != 1 {
		t.Fatalf("the platform was called %d times, want 1", n)
	}
	if left := e.svc.SettleUnknown(context.Background(), []returns.OrgID{org}); left {
		t.Fatal("the reconciler could not settle a readable case")
	}
	wantCode(t, e.do(t, r), "")
	if n, _ := e.fp.counts(); n != 2 {
		t.Errorf("the platform was called %d times, want 2 (the write never happened)", n)
	}
}
