package storetest

import (
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

func (s suite) gatewayFields(t *testing.T) {
	t.Run("IngestKeepsThem", s.gatewayFieldsKept)
	t.Run("IngestBatchKeepsThem", s.gatewayFieldsKeptInBatch)
	t.Run("GatewaySetsThem", s.gatewayFieldsSet)
}

// gatewayCase is a case as first seen: none of the fields only the gateway
// keeps (steps for the seller centre, milestones, export terms, inspection)
// is set yet. Its status is one the goods are not back in, so that the
// inspection is kept by this contract, not by the inspection's own.
func gatewayCase(id string) *returns.Case {
	c := FullCase(id)
	c.Status, c.PlatformStatus = returns.StatusAwaitingBuyerShipment, returns.PlatformStatus{Code: "2", Label: "待买家退货"}
	c.PendingSteps, c.ApprovedAt, c.ReceivedAt, c.Export, c.Inspection = nil, nil, nil, nil, nil
	return c
}

// recordGatewayFields is the gateway's own write of c (a seller action on
// another replica, say): it sets every field only the gateway keeps.
func recordGatewayFields(t *testing.T, e *env, c *returns.Case) *returns.Case {
	t.Helper()
	next := Canonical(c)
	approved, received := start.Add(-48*time.Hour), start.Add(-time.Hour)
	next.ApprovedAt, next.ReceivedAt = &approved, &received
	next.PendingSteps = []returns.PendingStep{{Action: returns.ActionRefund, RecordedAt: start, Note: "refund in the seller centre"}}
	next.Export = &returns.ExportTerms{ContractReturnDays: 60, Freight: &returns.Money{Minor: 15000, Currency: "CNY"}}
	next.Inspection = &returns.Inspection{Grade: returns.GradeB, Disposition: returns.DefaultDisposition(returns.GradeB),
		RecoveredValue: returns.Money{Minor: 900, Currency: "CNY"}, InspectedAt: start}
	res := e.upsert(t, e.orgA, next, store.Change{Source: returns.SourceMutation, Always: true, Detail: map[string]string{"action": "returnRefund"}})
	return res.Case
}

// sameGatewayFields fails unless got carries want's fields that only the
// gateway keeps.
func sameGatewayFields(t *testing.T, what string, got, want *returns.Case) {
	t.Helper()
	g, w := Canonical(got), Canonical(want)
	g.Version, g.SyncedAt, w.Version, w.SyncedAt = 0, time.Time{}, 0, time.Time{}
	keep := *w
	keep.PendingSteps, keep.ApprovedAt, keep.ReceivedAt, keep.Export, keep.Inspection = g.PendingSteps, g.ApprovedAt, g.ReceivedAt, g.Export, g.Inspection
	sameCase(t, what+" (the gateway's fields)", &keep, w)
}

// An ingest write (a poll or a push) carries the gateway's fields as its
// caller read them, perhaps before the gateway wrote them, on another
// replica. The store keeps the stored ones: a view that differs only by them
// writes nothing and makes no event, and one that changes the platform's
// fields writes those and keeps the gateway's.
func (s suite) gatewayFieldsKept(t *testing.T) {
	e := s.env(t)
	c := gatewayCase("R7200000000000001")
	e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})
	read := e.get(t, e.orgA, c.Key()) // the ingester's read, before the gateway's write
	e.clock.Advance(time.Second)
	recorded := recordGatewayFields(t, e, c)
	events := len(e.allEvents(t, e.orgA))

	// The platform's view is unchanged: nothing is written.
	e.clock.Advance(time.Second)
	for _, src := range []returns.EventSource{returns.SourcePoll, returns.SourceWebhook} {
		res := e.upsert(t, e.orgA, Canonical(read), store.Change{Source: src})
		if res.Changed || res.Event != nil {
			t.Fatalf("%s of the unchanged view with stale gateway fields: Changed=%v Event=%v, want nothing written", src, res.Changed, res.Event)
		}
		sameCase(t, string(src)+": UpsertResult.Case", res.Case, recorded)
		sameCase(t, string(src)+": GetCase", e.get(t, e.orgA, c.Key()), recorded)
	}
	if n := len(e.allEvents(t, e.orgA)); n != events {
		t.Fatalf("the log has %d events after unchanged views, want %d", n, events)
	}

	// The platform's view changed: it is written, the gateway's fields kept.
	e.clock.Advance(time.Second)
	view := Canonical(read)
	view.Note += " (updated)"
	view.UpdatedAt = view.UpdatedAt.Add(time.Minute)
	res := e.upsert(t, e.orgA, view, store.Change{Source: returns.SourceWebhook})
	if !res.Changed || res.Event == nil {
		t.Fatalf("a changed view: Changed=%v Event=%v, want one event", res.Changed, res.Event)
	}
	want := Canonical(view)
	want.PendingSteps, want.ApprovedAt, want.ReceivedAt = recorded.PendingSteps, recorded.ApprovedAt, recorded.ReceivedAt
	want.Export, want.Inspection = recorded.Export, recorded.Inspection
	want = stored(want, recorded.Version+1, e.clock.Now())
	sameCase(t, "UpsertResult.Case", res.Case, want)
	sameCase(t, "GetCase", e.get(t, e.orgA, c.Key()), want)

	// The same view again is no change.
	e.clock.Advance(time.Second)
	if again := e.upsert(t, e.orgA, Canonical(view), store.Change{Source: returns.SourcePoll}); again.Changed || again.Event != nil {
		t.Fatalf("the changed view again: Changed=%v, want no change", again.Changed)
	}

	// A view whose status moved on keeps the milestones, terms and grading;
	// the steps are the caller's to drop (returns.Case.KeepGatewayFields).
	e.clock.Advance(time.Second)
	moved := Canonical(view)
	moved.Status, moved.PlatformStatus = returns.StatusInTransit, returns.PlatformStatus{Code: "3", Label: "待收货"}
	moved.UpdatedAt = moved.UpdatedAt.Add(time.Minute)
	res = e.upsert(t, e.orgA, moved, store.Change{Source: returns.SourcePoll})
	if !res.Changed {
		t.Fatal("a view whose status moved was not written")
	}
	got := e.get(t, e.orgA, c.Key())
	if got.PendingSteps != nil {
		t.Errorf("steps after the status moved = %+v, want none", got.PendingSteps)
	}
	got.PendingSteps = recorded.PendingSteps
	sameGatewayFields(t, "after the status moved", got, recorded)
}

// UpsertCases (a poller's window) keeps them as UpsertCase does.
func (s suite) gatewayFieldsKeptInBatch(t *testing.T) {
	e := s.env(t)
	a, b := gatewayCase("R7200000000000002"), gatewayCase("R7200000000000003")
	e.upsert(t, e.orgA, a, store.Change{Source: returns.SourcePoll})
	e.upsert(t, e.orgA, b, store.Change{Source: returns.SourcePoll})
	readA, readB := e.get(t, e.orgA, a.Key()), e.get(t, e.orgA, b.Key())
	e.clock.Advance(time.Second)
	recA, recB := recordGatewayFields(t, e, a), recordGatewayFields(t, e, b)
	events := len(e.allEvents(t, e.orgA))

	e.clock.Advance(time.Second)
	viewB := Canonical(readB)
	viewB.Note += " (updated)"
	res, err := e.s.UpsertCases(t.Context(), e.orgA, []store.CaseWrite{
		{Case: Canonical(readA), Change: store.Change{Source: returns.SourcePoll}},
		{Case: viewB, Change: store.Change{Source: returns.SourcePoll}},
	})
	if err != nil {
		t.Fatalf("UpsertCases: %v", err)
	}
	if res[0].Changed || res[0].Event != nil {
		t.Errorf("the unchanged view: Changed=%v Event=%v, want nothing written", res[0].Changed, res[0].Event)
	}
	sameCase(t, "the unchanged view's case", e.get(t, e.orgA, a.Key()), recA)
	if !res[1].Changed || res[1].Event == nil {
		t.Fatalf("the changed view: Changed=%v Event=%v, want one event", res[1].Changed, res[1].Event)
	}
	sameGatewayFields(t, "the changed view's case", e.get(t, e.orgA, b.Key()), recB)
	sameGatewayFields(t, "the changed view's result", res[1].Case, recB)
	if n := len(e.allEvents(t, e.orgA)); n != events+1 {
		t.Errorf("the log got %d events, want 1", n-events)
	}
}

// The gateway's own write (SourceMutation) sets and changes those fields,
// whatever is stored.
func (s suite) gatewayFieldsSet(t *testing.T) {
	e := s.env(t)
	c := gatewayCase("R7200000000000004")
	e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})
	e.clock.Advance(time.Second)
	recorded := recordGatewayFields(t, e, c)

	e.clock.Advance(time.Second)
	next := Canonical(recorded)
	approved := start.Add(-72 * time.Hour)
	next.ApprovedAt = &approved
	next.PendingSteps = append(next.PendingSteps, returns.PendingStep{Action: returns.ActionApprove, RecordedAt: e.clock.Now(), Note: "approve"})
	next.Export.ContractReturnDays = 90
	next.Inspection.Grade, next.Inspection.Disposition = returns.GradeC, returns.DefaultDisposition(returns.GradeC)
	res := e.upsert(t, e.orgA, next, store.Change{Source: returns.SourceMutation})
	if !res.Changed || res.Event == nil {
		t.Fatalf("the gateway's write: Changed=%v Event=%v, want one event", res.Changed, res.Event)
	}
	want := stored(next, recorded.Version+1, e.clock.Now())
	sameCase(t, "UpsertResult.Case", res.Case, want)
	sameCase(t, "GetCase", e.get(t, e.orgA, c.Key()), want)

	// And it can take steps away: the seller completed them.
	e.clock.Advance(time.Second)
	done := Canonical(want)
	done.PendingSteps = nil
	e.upsert(t, e.orgA, done, store.Change{Source: returns.SourceMutation})
	if got := e.get(t, e.orgA, c.Key()); got.PendingSteps != nil {
		t.Errorf("steps after the gateway's write took them away = %+v, want none", got.PendingSteps)
	}
}
