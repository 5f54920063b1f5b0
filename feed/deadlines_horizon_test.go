package feed_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// countingDue counts the store's DueCases pages.
type countingDue struct {
	store.DueStore
	pages atomic.Int64
}

func (c *countingDue) DueCases(ctx context.Context, org returns.OrgID, q store.DueQuery) (*store.DuePage, error) {
	c.pages.Add(1)
	return c.DueStore.DueCases(ctx, org, q)
}

// The timer reads only the cases due inside its horizon, holds only those,
// reads nothing while nobody subscribes, and reads again only when its
// horizon must move on; deadlines the rules derive from an anchor count.
func TestDeadlineTimerReadsItsHorizonOnly(t *testing.T) {
	ctx := context.Background()
	clock := adapterstest.NewClock(t0)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "horizon.db"), sqlite.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(c *returns.Case) {
		if _, err := st.UpsertCase(ctx, orgA, c, store.Change{Source: returns.SourcePoll}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 200 { // one every half hour for 100 hours
		put(openCase(fmt.Sprint("h", i), returns.XHS, returns.StatusRequested, at(time.Duration(i+1)*30*time.Minute), nil))
	}
	// No respondBy from the platform: AliExpress's rule gives 5 days from
	// the request, which was 4 days and 23 hours ago.
	anchored := openCase("anchored", returns.AliExpress, returns.StatusRequested, nil, nil)
	anchored.CreatedAt = t0.Add(-(4*24 + 23) * time.Hour)
	put(anchored)

	due := &countingDue{DueStore: st}
	tm := &feed.DeadlineTimer{Store: due, Orgs: []returns.OrgID{orgA}, Now: clock.Now, Log: quietLog,
		Rescan: time.Minute, Ahead: time.Hour}

	tm.Refresh(ctx)
	if n := due.pages.Load(); n != 0 || tm.Held(orgA) != 0 {
		t.Fatalf("without subscribers the timer read %d pages and holds %d cases", n, tm.Held(orgA))
	}

	sub, err := tm.Subscribe(orgA, 90*time.Minute, returns.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := alerts(sub.C()), []string{"anchored/RESPOND_BY@1h0m0s", "h0/RESPOND_BY@30m0s", "h1/RESPOND_BY@1h0m0s", "h2/RESPOND_BY@1h30m0s"}; !slices.Equal(got, want) {
		t.Errorf("alerts on subscribing: %v, want %v", got, want)
	}
	// Loaded up to 90 min + Rescan + Ahead: the cases due within 2h31m.
	if held := tm.Held(orgA); held != 6 {
		t.Errorf("the timer holds %d cases, want 6 (5 due within 2h31m and the anchored one)", held)
	}
	pages := due.pages.Load()
	for range 30 { // half an hour, a minute at a time: the horizon still covers it
		clock.Advance(time.Minute)
		tm.Refresh(ctx)
	}
	if n := due.pages.Load(); n != pages {
		t.Errorf("the timer read %d more pages while its horizon covered the time", n-pages)
	}
	if got, want := alerts(sub.C()), []string{"h3/RESPOND_BY@2h0m0s"}; !slices.Equal(got, want) {
		t.Errorf("alerts after 30 min: %v, want %v", got, want)
	}
	clock.Advance(2 * time.Hour)
	tm.Refresh(ctx)
	if n := due.pages.Load(); n == pages {
		t.Error("the horizon did not move on")
	}
	if got, want := alerts(sub.C()), []string{"h5/RESPOND_BY@3h0m0s", "h6/RESPOND_BY@3h30m0s", "h7/RESPOND_BY@4h0m0s"}; !slices.Equal(got, want) {
		t.Errorf("alerts after 2h30m: %v, want %v", got, want)
	}
	if held := tm.Held(orgA); held > 8 {
		t.Errorf("the timer holds %d cases; past ones are let go", held)
	}

	// h4 fell due exactly now: past, never alerted. A change beyond the horizon is not held; one inside it is, and alerts.
	far := openCase("far", returns.XHS, returns.StatusRequested, at(90*time.Hour), nil)
	near := openCase("near", returns.XHS, returns.StatusRequested, at(3*time.Hour), nil)
	before := tm.Held(orgA)
	update(tm, far)
	update(tm, near)
	if held := tm.Held(orgA); held != before+1 {
		t.Errorf("after two changes the timer holds %d cases, want %d", held, before+1)
	}
	if got, want := alerts(sub.C()), []string{"near/RESPOND_BY@3h0m0s"}; !slices.Equal(got, want) {
		t.Errorf("alerts after the changes: %v, want %v", got, want)
	}

	sub.Close()
	tm.Refresh(ctx)
	if held := tm.Held(orgA); held != 0 {
		t.Errorf("with its last subscriber gone the timer holds %d cases", held)
	}
}

// racingDue lets a change land while the timer loads: it answers the load
// from the store as it was, then stores a newer view and tells the timer.
type racingDue struct {
	store.DueStore
	race func()
}

func (r *racingDue) DueCases(ctx context.Context, org returns.OrgID, q store.DueQuery) (*store.DuePage, error) {
	p, err := r.DueStore.DueCases(ctx, org, q)
	if r.race != nil {
		r.race()
		r.race = nil
	}
	return p, err
}

// A change that lands while a load runs wins over the older view the load
// read, even when its deadline lies past the horizon the index had.
func TestDeadlineTimerKeepsAChangeMadeDuringALoad(t *testing.T) {
	ctx := context.Background()
	clock := adapterstest.NewClock(t0)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "race.db"), sqlite.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := openCase("moved", returns.XHS, returns.StatusRequested, at(5*time.Hour), nil)
	r, err := st.UpsertCase(ctx, orgA, c, store.Change{Source: returns.SourcePoll})
	if err != nil {
		t.Fatal(err)
	}
	due := &racingDue{DueStore: st}
	tm := &feed.DeadlineTimer{Store: due, Orgs: []returns.OrgID{orgA}, Now: clock.Now, Log: quietLog, Rescan: time.Minute, Ahead: time.Hour}
	sub, err := tm.Subscribe(orgA, time.Hour, returns.Filter{}) // loads up to 2h1m: "moved" is beyond
	if err != nil {
		t.Fatal(err)
	}
	if got := alerts(sub.C()); len(got) != 0 {
		t.Fatalf("alerts %v", got)
	}
	clock.Advance(2 * time.Hour)
	due.race = func() {
		n := *r.Case
		n.Deadlines.RespondBy = at(2*time.Hour + 30*time.Minute)
		n.UpdatedAt = n.UpdatedAt.Add(time.Minute)
		w, err := st.UpsertCase(ctx, orgA, &n, store.Change{Source: returns.SourceWebhook})
		if err != nil {
			t.Error(err)
			return
		}
		tm.Update(&feed.Change{Event: *w.Event, Case: w.Case})
	}
	tm.Refresh(ctx)
	if got, want := alerts(sub.C()), []string{"moved/RESPOND_BY@2h30m0s"}; !slices.Equal(got, want) {
		t.Errorf("alerts after the load: %v, want %v", got, want)
	}
}
