package storetest

import (
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

func (s suite) olderView(t *testing.T) {
	t.Run("IngestWritesNothing", s.olderViewIgnored)
	t.Run("IngestBatchWritesNothing", s.olderViewIgnoredInBatch)
	t.Run("GatewayWrites", s.olderViewByGateway)
	t.Run("EqualOrNewerWritten", s.equalOrNewerViewWritten)
}

// movedOn is the platform's newer view of read, as another replica stored it
// after read was made: the buyer shipped the goods back.
func movedOn(read *returns.Case) *returns.Case {
	next := Canonical(read)
	next.Status, next.PlatformStatus = returns.StatusInTransit, returns.PlatformStatus{Code: "3", Label: "待收货"}
	next.UpdatedAt = next.UpdatedAt.Add(time.Minute)
	return next
}

// olderSetup stores c, takes the ingester's read of it, and has another
// replica store the platform's newer view: it returns the read and the case
// as stored then.
func olderSetup(t *testing.T, e *env, c *returns.Case) (read, newer *returns.Case) {
	t.Helper()
	e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll})
	read = e.get(t, e.orgA, c.Key())
	e.clock.Advance(time.Second)
	res := e.upsert(t, e.orgA, movedOn(read), store.Change{Source: returns.SourceWebhook})
	if !res.Changed {
		t.Fatal("the newer view was not written")
	}
	return read, e.get(t, e.orgA, c.Key())
}

// olderViews are views of the case older than newer (returns.Case.OlderThan):
// the read made before newer was stored, the same with a platform change, and
// one as recent as newer whose status is behind it.
func olderViews(t *testing.T, read, newer *returns.Case) map[string]*returns.Case {
	t.Helper()
	changed := Canonical(read)
	changed.Note += " (a buyer's message)"
	behind := Canonical(read)
	behind.UpdatedAt = newer.UpdatedAt
	views := map[string]*returns.Case{"the stale read": Canonical(read), "an older change": changed, "a status behind": behind}
	for what, v := range views {
		if !v.OlderThan(newer) {
			t.Fatalf("fixture: %s is not older than the stored case", what)
		}
	}
	return views
}

// An ingest write (a poll or a push) of a view older than the stored case,
// which another replica stored after the caller's read, writes nothing: the
// case stays as stored, no event is made, and the result is the stored case.
func (s suite) olderViewIgnored(t *testing.T) {
	e := s.env(t)
	c := gatewayCase("R7300000000000001")
	read, newer := olderSetup(t, e, c)
	events := len(e.allEvents(t, e.orgA))

	for what, v := range olderViews(t, read, newer) {
		for _, src := range []returns.EventSource{returns.SourcePoll, returns.SourceWebhook} {
			e.clock.Advance(time.Second)
			res := e.upsert(t, e.orgA, v, store.Change{Source: src})
			if res.Changed || res.Event != nil {
				t.Fatalf("%s of %s: Changed=%v Event=%v, want nothing written", src, what, res.Changed, res.Event)
			}
			sameCase(t, string(src)+" of "+what+": UpsertResult.Case", res.Case, newer)
			sameCase(t, string(src)+" of "+what+": GetCase", e.get(t, e.orgA, c.Key()), newer)
		}
	}
	if n := len(e.allEvents(t, e.orgA)); n != events {
		t.Fatalf("the log got %d events from older views, want none", n-events)
	}
}

// UpsertCases (a poller's window) drops an older view as UpsertCase does,
// and writes the window's other cases.
func (s suite) olderViewIgnoredInBatch(t *testing.T) {
	e := s.env(t)
	a, b := gatewayCase("R7300000000000002"), gatewayCase("R7300000000000003")
	readA, newerA := olderSetup(t, e, a)
	e.upsert(t, e.orgA, b, store.Change{Source: returns.SourcePoll})
	readB := e.get(t, e.orgA, b.Key())
	events := len(e.allEvents(t, e.orgA))

	e.clock.Advance(time.Second)
	viewB := movedOn(readB)
	res, err := e.s.UpsertCases(t.Context(), e.orgA, []store.CaseWrite{
		{Case: olderViews(t, readA, newerA)["an older change"], Change: store.Change{Source: returns.SourcePoll}},
		{Case: viewB, Change: store.Change{Source: returns.SourcePoll}},
	})
	if err != nil {
		t.Fatalf("UpsertCases: %v", err)
	}
	if res[0].Changed || res[0].Event != nil {
		t.Errorf("the older view: Changed=%v Event=%v, want nothing written", res[0].Changed, res[0].Event)
	}
	sameCase(t, "the older view's result", res[0].Case, newerA)
	sameCase(t, "the older view's case", e.get(t, e.orgA, a.Key()), newerA)
	if !res[1].Changed || res[1].Event == nil {
		t.Fatalf("the newer view: Changed=%v Event=%v, want one event", res[1].Changed, res[1].Event)
	}
	want := stored(viewB, readB.Version+1, e.clock.Now())
	sameCase(t, "the newer view's result", res[1].Case, want)
	sameCase(t, "the newer view's case", e.get(t, e.orgA, b.Key()), want)
	evs := e.allEvents(t, e.orgA)
	if len(evs) != events+1 {
		t.Fatalf("the log got %d events, want 1", len(evs)-events)
	}
	if ev := evs[len(evs)-1]; ev.Key != b.Key() {
		t.Errorf("the window's event is for %v, want %v", ev.Key, b.Key())
	}

	// A window of older views only writes nothing at all.
	e.clock.Advance(time.Second)
	res, err = e.s.UpsertCases(t.Context(), e.orgA, []store.CaseWrite{
		{Case: Canonical(readA), Change: store.Change{Source: returns.SourceWebhook}},
		{Case: Canonical(readB), Change: store.Change{Source: returns.SourcePoll}},
	})
	if err != nil {
		t.Fatalf("UpsertCases: %v", err)
	}
	for i, r := range res {
		if r.Changed || r.Event != nil {
			t.Errorf("older view %d: Changed=%v Event=%v, want nothing written", i, r.Changed, r.Event)
		}
	}
	sameCase(t, "the first older view's result", res[0].Case, newerA)
	sameCase(t, "the second older view's result", res[1].Case, want)
	if n := len(e.allEvents(t, e.orgA)); n != events+1 {
		t.Errorf("the log got %d events from a window of older views, want none", n-events-1)
	}
}

// The gateway's own write (SourceMutation) is not held to the rule: it is
// written whatever the stored case's time and status.
func (s suite) olderViewByGateway(t *testing.T) {
	e := s.env(t)
	c := gatewayCase("R7300000000000004")
	read, newer := olderSetup(t, e, c)

	e.clock.Advance(time.Second)
	v := olderViews(t, read, newer)["an older change"]
	res := e.upsert(t, e.orgA, v, store.Change{Source: returns.SourceMutation})
	if !res.Changed || res.Event == nil {
		t.Fatalf("the gateway's write: Changed=%v Event=%v, want one event", res.Changed, res.Event)
	}
	if res.Event.PreviousStatus == nil || *res.Event.PreviousStatus != newer.Status || res.Event.Status != v.Status {
		t.Errorf("the gateway's event: %v -> %s, want %s -> %s", res.Event.PreviousStatus, res.Event.Status, newer.Status, v.Status)
	}
	want := stored(v, newer.Version+1, e.clock.Now())
	sameCase(t, "UpsertResult.Case", res.Case, want)
	sameCase(t, "GetCase", e.get(t, e.orgA, c.Key()), want)
}

// An ingest write of a view as recent as the stored case (same time, and a
// status not behind) or newer is written as before.
func (s suite) equalOrNewerViewWritten(t *testing.T) {
	e := s.env(t)
	c := gatewayCase("R7300000000000005")
	_, newer := olderSetup(t, e, c)
	events := len(e.allEvents(t, e.orgA))

	// The same view again: nothing changed.
	e.clock.Advance(time.Second)
	if res := e.upsert(t, e.orgA, Canonical(newer), store.Change{Source: returns.SourcePoll}); res.Changed || res.Event != nil {
		t.Fatalf("the stored view again: Changed=%v, want no change", res.Changed)
	}

	// As recent, with a change in the same status.
	e.clock.Advance(time.Second)
	same := Canonical(newer)
	same.Note += " (same time)"
	if same.OlderThan(newer) {
		t.Fatal("fixture: the view as recent is older")
	}
	res := e.upsert(t, e.orgA, same, store.Change{Source: returns.SourceWebhook})
	if !res.Changed || res.Event == nil {
		t.Fatalf("a view as recent: Changed=%v Event=%v, want one event", res.Changed, res.Event)
	}
	want := stored(same, newer.Version+1, e.clock.Now())
	sameCase(t, "a view as recent: GetCase", e.get(t, e.orgA, c.Key()), want)

	// Newer, a status on.
	e.clock.Advance(time.Second)
	next := Canonical(want)
	next.Status, next.PlatformStatus = returns.StatusReceived, returns.PlatformStatus{Code: "4", Label: "已收货"}
	next.UpdatedAt = next.UpdatedAt.Add(time.Minute)
	res = e.upsert(t, e.orgA, next, store.Change{Source: returns.SourcePoll})
	if !res.Changed || res.Event == nil {
		t.Fatalf("a newer view: Changed=%v Event=%v, want one event", res.Changed, res.Event)
	}
	if res.Event.PreviousStatus == nil || *res.Event.PreviousStatus != newer.Status {
		t.Errorf("the newer view's event moves from %v, want %s", res.Event.PreviousStatus, newer.Status)
	}
	if got := e.get(t, e.orgA, c.Key()); got.Status != returns.StatusReceived || !got.UpdatedAt.Equal(next.UpdatedAt) {
		t.Errorf("after a newer view the case is %s updated %v, want %s updated %v", got.Status, got.UpdatedAt, returns.StatusReceived, next.UpdatedAt)
	}
	if n := len(e.allEvents(t, e.orgA)); n != events+2 {
		t.Errorf("the log got %d events, want 2", n-events)
	}
}
