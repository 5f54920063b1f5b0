package feed_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// receivedAt is an Alibaba.com case whose goods arrived at t0+d and wait to be
// graded; Alibaba.com states no deadlines, so grading is its only one.
func receivedAt(id string, d time.Duration) *returns.Case {
	c := openCase(id, returns.Alibaba, returns.StatusReceived, nil, nil)
	c.ReceivedAt = at(d)
	return c
}

// The grading deadline (OPS-GRADES) is alerted once per subscription, on
// every replica's timer reading one store, while the goods wait to be
// graded; grading them ends it. t0 is Friday 17:30 in China, so goods that
// arrived an hour earlier are due on Monday at 16:30 China time, 71 hours on.
func TestGradeDeadlineAlertsOnce(t *testing.T) {
	ctx := context.Background()
	clock := adapterstest.NewClock(t0)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "grade.db"), sqlite.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(c *returns.Case, ch store.Change) *returns.Case {
		t.Helper()
		r, err := st.UpsertCase(ctx, orgA, c, ch)
		if err != nil {
			t.Fatal(err)
		}
		return r.Case
	}
	poll := store.Change{Source: returns.SourcePoll}
	put(receivedAt("g", -time.Hour), poll)
	put(receivedAt("h", -time.Hour), poll) // graded before it is due, below
	graded := receivedAt("done", -time.Hour)
	graded.Inspection = &returns.Inspection{Grade: returns.GradeA, Disposition: returns.DispositionRestock}
	put(graded, poll)
	refundOnly := receivedAt("ro", -time.Hour)
	refundOnly.Kind = returns.KindRefundOnly
	put(refundOnly, poll)

	if want := t0.Add(71 * time.Hour); !returns.GradeBy(receivedAt("g", -time.Hour)).Equal(want) {
		t.Fatalf("GradeBy = %v, want %v", returns.GradeBy(receivedAt("g", -time.Hour)), want)
	}

	// Two replicas: each has its own timer over the one store.
	var timers []*feed.DeadlineTimer
	var subs []*feed.AlertSubscription
	for range 2 {
		tm := &feed.DeadlineTimer{Store: st, Orgs: []returns.OrgID{orgA}, Now: clock.Now, Log: quietLog,
			Rescan: time.Minute, Ahead: time.Hour}
		sub, err := tm.Subscribe(orgA, 2*time.Hour, returns.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		timers, subs = append(timers, tm), append(subs, sub)
	}
	got := make([][]string, len(subs))
	collect := func() {
		for i, tm := range timers {
			tm.Refresh(ctx)
			tm.Check()
			got[i] = append(got[i], alerts(subs[i].C())...)
		}
	}
	collect()
	for i := range got {
		if len(got[i]) != 0 {
			t.Fatalf("replica %d alerted at once: %v", i, got[i])
		}
	}

	// Monday morning: h is graded; every replica learns of it from the bus.
	clock.Advance(60 * time.Hour)
	hc, err := st.GetCase(ctx, orgA, returns.CaseKey{Platform: returns.Alibaba, PlatformCaseID: "h"})
	if err != nil {
		t.Fatal(err)
	}
	hc.Inspection = &returns.Inspection{Grade: returns.GradeB, Disposition: returns.DispositionOutlet}
	hc = put(hc, store.Change{Source: returns.SourceMutation, Always: true})
	for _, tm := range timers {
		tm.Update(&feed.Change{Event: returns.Event{Org: orgA, Key: hc.Key(), Status: hc.Status}, Case: hc})
	}

	// Up to the deadline and past it, a few minutes at a time.
	for range 12 * 12 { // to t0+72h
		clock.Advance(5 * time.Minute)
		collect()
	}
	for i := range got {
		if want := []string{"g/GRADE@71h0m0s"}; !slices.Equal(got[i], want) {
			t.Errorf("replica %d alerts: %v, want %v", i, got[i], want)
		}
	}
	for _, tm := range timers {
		if n := tm.Held(orgA); n != 0 {
			t.Errorf("past every deadline the timer still holds %d cases", n)
		}
	}
}

// A grading deadline moves with the receipt, and the kind reads GRADE.
func TestGradeDeadlineKind(t *testing.T) {
	clock := adapterstest.NewClock(t0)
	tm := newTimer(clock)
	sub, err := tm.Subscribe(orgA, 80*time.Hour, returns.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	c := receivedAt("k", -time.Hour)
	update(tm, c)
	if got, want := alerts(sub.C()), []string{"k/GRADE@71h0m0s"}; !slices.Equal(got, want) {
		t.Fatalf("alerts %v, want %v", got, want)
	}
	// The same view again, then a later check: nothing new.
	c2 := *c
	c2.Version++
	update(tm, &c2)
	tm.Check()
	if got := alerts(sub.C()); len(got) != 0 {
		t.Errorf("alerted again: %v", got)
	}
	// A corrected arrival (Friday 18:00 in China) is a new deadline:
	// Monday 18:00.
	c3 := c2
	c3.Version++
	c3.ReceivedAt = at(30 * time.Minute)
	update(tm, &c3)
	if got, want := alerts(sub.C()), []string{"k/GRADE@72h30m0s"}; !slices.Equal(got, want) {
		t.Errorf("after the receipt moved: %v, want %v", got, want)
	}
	if feed.DeadlineGrade != "GRADE" {
		t.Error("the kind's name is fixed by the API")
	}
}
