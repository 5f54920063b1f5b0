package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

func (s suite) events(t *testing.T) {
	t.Run("Paging", s.eventsPaging)
	t.Run("Concurrent", s.eventsConcurrent)
	t.Run("Invalid", s.eventsInvalid)
}

// The log pages through every event in Seq order, whatever the page size,
// and each event is the one UpsertCase returned.
func (s suite) eventsPaging(t *testing.T) {
	e := s.env(t)
	fx := NewFixtures(10, start)
	cases := fx.Cases(12)
	var written []returns.Event
	for round := range 4 {
		for i, c := range cases {
			if round > 0 && i%3 == round-1 {
				continue // not every case changes every round
			}
			e.clock.Advance(time.Second)
			if round > 0 {
				c.Note = fmt.Sprintf("round %d", round)
			}
			res := e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll, Detail: map[string]string{"round": fmt.Sprint(round)}})
			if res.Event == nil {
				t.Fatalf("round %d: %s wrote no event", round, keyOf(c))
			}
			written = append(written, *res.Event)
		}
	}
	for i := 1; i < len(written); i++ {
		if written[i].Seq <= written[i-1].Seq {
			t.Fatalf("event %d has Seq %d, not after %d", i, written[i].Seq, written[i-1].Seq)
		}
	}

	for _, limit := range []int{1, 2, 7, len(written) - 1, len(written), 1000} {
		var got []returns.Event
		after := int64(0)
		for pages := 0; ; pages++ {
			if pages > len(written)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			evs, err := e.s.EventsAfter(t.Context(), e.orgA, after, limit)
			if err != nil {
				t.Fatalf("EventsAfter(%d, %d): %v", after, limit, err)
			}
			if len(evs) > limit {
				t.Fatalf("EventsAfter(%d, %d) returned %d events", after, limit, len(evs))
			}
			if remaining := len(written) - len(got); len(evs) != min(limit, remaining) {
				t.Fatalf("EventsAfter(%d, %d) returned %d events, want %d", after, limit, len(evs), min(limit, remaining))
			}
			if len(evs) == 0 {
				break
			}
			got = append(got, evs...)
			after = evs[len(evs)-1].Seq
		}
		if len(got) != len(written) {
			t.Fatalf("limit %d: paged %d events, want %d", limit, len(got), len(written))
		}
		for i := range got {
			sameEvent(t, fmt.Sprintf("limit %d, event %d", limit, i), got[i], written[i])
		}
	}

	// Resuming after any event yields exactly the events written after it.
	for _, i := range []int{0, 5, len(written) - 2, len(written) - 1} {
		evs, err := e.s.EventsAfter(t.Context(), e.orgA, written[i].Seq, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != len(written)-i-1 {
			t.Fatalf("after event %d: %d events, want %d", i, len(evs), len(written)-i-1)
		}
		if len(evs) > 0 && evs[0].Seq != written[i+1].Seq {
			t.Fatalf("after event %d: first Seq %d, want %d", i, evs[0].Seq, written[i+1].Seq)
		}
	}
}

// Many goroutines upserting at once, into different cases and into the same
// one, get distinct increasing sequence numbers, lose no update and chain
// each event's PreviousStatus to the status before it.
func (s suite) eventsConcurrent(t *testing.T) {
	const (
		workers = 12
		own     = 6 // new cases per worker
		shared  = 6 // changes of the shared case per worker
	)
	e := s.env(t)
	fx := NewFixtures(11, start)
	owned := make([][]*returns.Case, workers)
	for w := range owned {
		owned[w] = fx.Cases(own)
	}
	sharedCase := fx.Case()
	statuses := returns.Statuses

	type result struct {
		res *store.UpsertResult
		err error
	}
	results := make(chan result, workers*(own+shared))
	begin := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			for i := range max(own, shared) {
				if i < own {
					res, err := e.s.UpsertCase(t.Context(), e.orgA, owned[w][i], store.Change{Source: returns.SourcePoll})
					results <- result{res, err}
				}
				if i < shared {
					c := Canonical(sharedCase)
					c.Note = fmt.Sprintf("worker %d change %d", w, i) // every write is a change
					c.Status = statuses[(w*shared+i)%len(statuses)]
					// The gateway's own write: an ingest write whose status is
					// behind the stored one's (in whatever order they land)
					// would be an older view and write nothing (store.OlderView).
					res, err := e.s.UpsertCase(t.Context(), e.orgA, c, store.Change{Source: returns.SourceMutation})
					results <- result{res, err}
				}
			}
		}()
	}
	close(begin)
	wg.Wait()
	close(results)

	var written []returns.Event
	var sharedVersions []int64
	for r := range results {
		if r.err != nil {
			t.Fatalf("concurrent UpsertCase: %v", r.err)
		}
		if !r.res.Changed || r.res.Event == nil {
			t.Fatalf("concurrent UpsertCase of %s: Changed=%v, want an event", keyOf(r.res.Case), r.res.Changed)
		}
		written = append(written, *r.res.Event)
		if r.res.Case.Key() == sharedCase.Key() {
			sharedVersions = append(sharedVersions, r.res.Case.Version)
		}
	}

	log := e.allEvents(t, e.orgA)
	if len(log) != len(written) {
		t.Fatalf("log has %d events, %d were written", len(log), len(written))
	}
	for i := 1; i < len(log); i++ {
		if log[i].Seq <= log[i-1].Seq {
			t.Fatalf("log Seq %d follows %d", log[i].Seq, log[i-1].Seq)
		}
	}
	slices.SortFunc(written, func(a, b returns.Event) int { return cmp.Compare(a.Seq, b.Seq) })
	for i := range written {
		sameEvent(t, fmt.Sprintf("event %d", i), log[i], written[i])
	}

	// The shared case's events, in Seq order, form one chain.
	var prev *returns.Status
	n := 0
	for _, ev := range log {
		if ev.Key != sharedCase.Key() {
			continue
		}
		if (prev == nil) != (ev.PreviousStatus == nil) || (prev != nil && *prev != *ev.PreviousStatus) {
			t.Fatalf("shared case event %d (Seq %d): PreviousStatus %v, want %v", n, ev.Seq, ev.PreviousStatus, prev)
		}
		st := ev.Status
		prev = &st
		n++
	}
	if n != workers*shared {
		t.Fatalf("shared case has %d events, want %d", n, workers*shared)
	}
	slices.Sort(sharedVersions)
	for i, v := range sharedVersions {
		if v != int64(i+1) {
			t.Fatalf("shared case versions %v, want 1..%d each once", sharedVersions, workers*shared)
		}
	}
	got := e.get(t, e.orgA, sharedCase.Key())
	if got.Version != int64(workers*shared) || got.Status != *prev {
		t.Fatalf("shared case stored with Version %d and status %s, want %d and %s (the last event's)", got.Version, got.Status, workers*shared, *prev)
	}
}

func (s suite) eventsInvalid(t *testing.T) {
	e := s.env(t)
	for _, limit := range []int{0, -1} {
		_, err := e.s.EventsAfter(t.Context(), e.orgA, 0, limit)
		wantCode(t, fmt.Sprintf("EventsAfter limit %d", limit), err, returns.CodeInvalid)
	}
	_, err := e.s.EventsAfter(t.Context(), "", 0, 10)
	wantCode(t, "EventsAfter without organisation", err, returns.CodeInvalid)
}
