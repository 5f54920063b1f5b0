package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// TimelineBackend is a store with the case timeline.
type TimelineBackend interface {
	store.Store
	store.TimelineStore
}

// OpenTimeline returns a new, empty store whose clock is now.
type OpenTimeline func(t *testing.T, now func() time.Time) TimelineBackend

var timelineSeq atomic.Int64

// RunTimeline runs the conformance suite of store.TimelineStore: a case's
// events, and only its own organisation's, page in log order.
func RunTimeline(t *testing.T, open OpenTimeline) {
	ctx := context.Background()
	now := time.Date(2026, 2, 20, 8, 0, 0, 0, time.UTC)
	s := open(t, func() time.Time { return now })
	n := timelineSeq.Add(1)
	orgA, orgB := returns.OrgID(fmt.Sprintf("tl-a-%d", n)), returns.OrgID(fmt.Sprintf("tl-b-%d", n))

	one, other := FullCase("TL-1"), FullCase("TL-2")
	var want []returns.Event
	for round := range 5 {
		for _, c := range []*returns.Case{one, other} {
			now = now.Add(time.Second)
			c.Note = fmt.Sprintf("round %d", round)
			res, err := s.UpsertCase(ctx, orgA, c, store.Change{Source: returns.SourcePoll, Detail: map[string]string{"round": fmt.Sprint(round)}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Event == nil {
				t.Fatalf("round %d: no event", round)
			}
			if c == one {
				want = append(want, *res.Event)
			}
		}
	}
	// The same case id in another organisation: never part of orgA's timeline.
	if _, err := s.UpsertCase(ctx, orgB, FullCase("TL-1"), store.Change{Source: returns.SourcePoll}); err != nil {
		t.Fatal(err)
	}
	key := returns.CaseKey{Platform: one.Platform, PlatformCaseID: one.PlatformCaseID}

	for _, limit := range []int{1, 2, 3, 5, 100} {
		var got []returns.Event
		after := int64(0)
		for pages := 0; ; pages++ {
			if pages > len(want)+1 {
				t.Fatalf("limit %d: paging does not end", limit)
			}
			evs, err := s.CaseEvents(ctx, orgA, key, after, limit)
			if err != nil {
				t.Fatalf("CaseEvents(%d, %d): %v", after, limit, err)
			}
			if len(evs) > limit {
				t.Fatalf("CaseEvents(%d, %d): %d events", after, limit, len(evs))
			}
			if len(evs) == 0 {
				break
			}
			got = append(got, evs...)
			after = evs[len(evs)-1].Seq
		}
		if len(got) != len(want) {
			t.Fatalf("limit %d: %d events, want %d (another case's or organisation's leaked in, or some lost)", limit, len(got), len(want))
		}
		for i := range got {
			sameEvent(t, fmt.Sprintf("limit %d, event %d", limit, i), got[i], want[i])
		}
	}
	if evs, err := s.CaseEvents(ctx, orgB, returns.CaseKey{Platform: one.Platform, PlatformCaseID: "TL-2"}, 0, 100); err != nil || len(evs) != 0 {
		t.Fatalf("another organisation's case: %d events, %v; want none", len(evs), err)
	}
	if evs, err := s.CaseEvents(ctx, orgB, key, 0, 100); err != nil || len(evs) != 1 || evs[0].Org != orgB {
		t.Fatalf("orgB's own case: %+v, %v; want its one event", evs, err)
	}
	_, err := s.CaseEvents(ctx, orgA, key, 0, 0)
	wantCode(t, "CaseEvents limit 0", err, returns.CodeInvalid)
	_, err = s.CaseEvents(ctx, "", key, 0, 10)
	wantCode(t, "CaseEvents without organisation", err, returns.CodeInvalid)
}
