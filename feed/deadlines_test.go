package feed_test

import (
	"context"
	"errors"
	"fmt"
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

var t0 = adapterstest.Start

func at(d time.Duration) *time.Time {
	t := t0.Add(d)
	return &t
}

// openCase is a case waiting on the seller, with the deadlines given.
func openCase(id string, p returns.PlatformID, st returns.Status, respondBy, refundBy *time.Time) *returns.Case {
	return &returns.Case{Platform: p, PlatformCaseID: id, ShopID: "shop", Status: st, Kind: returns.KindReturnAndRefund,
		Reason: returns.ReasonSizeFit, Market: returns.MarketDomestic, CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0.Add(-time.Hour),
		Deadlines: returns.Deadlines{RespondBy: respondBy, RefundBy: refundBy}, Version: 1}
}

// update tells the timer of a stored change to the case.
func update(tm *feed.DeadlineTimer, c *returns.Case) {
	tm.Update(&feed.Change{Event: returns.Event{Org: orgA, Key: c.Key(), Status: c.Status}, Case: c})
}

// alerts takes the alerts waiting on the channel, as "case/KIND@offset from t0".
func alerts(ch <-chan *feed.Alert) []string {
	var out []string
	for {
		select {
		case a, ok := <-ch:
			if !ok {
				return append(out, "closed")
			}
			out = append(out, fmt.Sprintf("%s/%s@%v", a.Case.PlatformCaseID, a.Kind, a.DueAt.Sub(t0)))
		default:
			slices.Sort(out)
			return out
		}
	}
}

func newTimer(clock *adapterstest.Clock) *feed.DeadlineTimer {
	return &feed.DeadlineTimer{Orgs: []returns.OrgID{orgA}, Now: clock.Now, Log: quietLog}
}

func TestDeadlineAlerts(t *testing.T) {
	type step struct {
		advance time.Duration // move the clock first
		update  *returns.Case // then a stored change, if any
		want    []string      // the alerts that follow
	}
	tests := []struct {
		name   string
		within time.Duration
		filter returns.Filter
		cases  []*returns.Case // indexed before subscribing
		steps  []step
	}{
		{
			name:   "once per case and deadline, as each comes within the horizon",
			within: time.Hour,
			cases: []*returns.Case{
				openCase("a", returns.XHS, returns.StatusRequested, at(2*time.Hour), nil),
				openCase("b", returns.AliExpress, returns.StatusReceived, at(90*time.Minute), at(30*time.Minute)),
			},
			steps: []step{
				{want: []string{"b/REFUND_BY@30m0s"}}, // already within the hour when subscribing
				{advance: 10 * time.Minute, want: nil},
				{advance: 21 * time.Minute, want: []string{"b/RESPOND_BY@1h30m0s"}},
				{advance: time.Minute, want: nil},
				{advance: 30 * time.Minute, want: []string{"a/RESPOND_BY@2h0m0s"}},
				{advance: 10 * time.Minute, want: nil},
			},
		},
		{
			name:   "the filter",
			within: 3 * time.Hour,
			filter: returns.Filter{Platforms: []returns.PlatformID{returns.AliExpress}},
			cases: []*returns.Case{
				openCase("xhs", returns.XHS, returns.StatusRequested, at(time.Hour), nil),
				openCase("ae", returns.AliExpress, returns.StatusRequested, at(time.Hour), nil),
			},
			steps: []step{
				{want: []string{"ae/RESPOND_BY@1h0m0s"}},
				{update: openCase("ae2", returns.AliExpress, returns.StatusRequested, at(2*time.Hour), nil), want: []string{"ae2/RESPOND_BY@2h0m0s"}},
				{update: openCase("xhs2", returns.XHS, returns.StatusRequested, at(2*time.Hour), nil), want: nil},
			},
		},
		{
			name:   "past deadlines are not alerted",
			within: time.Hour,
			cases: []*returns.Case{
				openCase("late", returns.XHS, returns.StatusRequested, at(-time.Minute), nil),
				openCase("soon", returns.XHS, returns.StatusRequested, at(90*time.Minute), nil),
			},
			steps: []step{
				{want: nil},
				// It came within the hour and went past before a check saw it.
				{advance: 91 * time.Minute, want: nil},
			},
		},
		{
			name:   "a deadline a change moves alerts again; one it leaves does not",
			within: time.Hour,
			cases:  []*returns.Case{openCase("m", returns.XHS, returns.StatusRequested, at(30*time.Minute), nil)},
			steps: []step{
				{want: []string{"m/RESPOND_BY@30m0s"}},
				{update: withVersion(openCase("m", returns.XHS, returns.StatusRequested, at(30*time.Minute), nil), 2), want: nil},
				{update: withVersion(openCase("m", returns.XHS, returns.StatusRequested, at(45*time.Minute), nil), 3), want: []string{"m/RESPOND_BY@45m0s"}},
				// An older view arriving late changes nothing.
				{update: withVersion(openCase("m", returns.XHS, returns.StatusRequested, at(50*time.Minute), nil), 2), want: nil},
				{update: withVersion(openCase("m", returns.XHS, returns.StatusRequested, at(2*time.Hour), nil), 4), want: nil},
				{advance: 61 * time.Minute, want: []string{"m/RESPOND_BY@2h0m0s"}},
			},
		},
		{
			name:   "a case that closes alerts no more",
			within: 2 * time.Hour,
			cases:  []*returns.Case{openCase("c", returns.XHS, returns.StatusReceived, at(3*time.Hour), nil)},
			steps: []step{
				{want: nil},
				{update: withVersion(openCase("c", returns.XHS, returns.StatusCancelled, at(3*time.Hour), nil), 2), want: nil},
				{advance: 2 * time.Hour, want: nil},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := adapterstest.NewClock(t0)
			tm := newTimer(clock)
			for _, c := range tt.cases {
				update(tm, c)
			}
			sub, err := tm.Subscribe(orgA, tt.within, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			for i, st := range tt.steps {
				clock.Advance(st.advance)
				if st.update != nil {
					update(tm, st.update)
				}
				tm.Check()
				if got := alerts(sub.C()); fmt.Sprint(got) != fmt.Sprint(st.want) {
					t.Errorf("step %d (+%v): alerts %v, want %v", i, clock.Now().Sub(t0), got, st.want)
				}
			}
			sub.Close()
			if got := alerts(sub.C()); fmt.Sprint(got) != "[closed]" || sub.Err() != nil {
				t.Errorf("after Close: %v, %v", got, sub.Err())
			}
		})
	}
}

func withVersion(c *returns.Case, v int64) *returns.Case {
	c.Version = v
	return c
}

// Deadlines are the ones the API shows: the rules fill in what the platform
// did not give, with the shop's policy.
func TestDeadlineAlertsUseTheRuleDeadlines(t *testing.T) {
	clock := adapterstest.NewClock(t0)
	tm := newTimer(clock)
	c := openCase("rule", returns.XHS, returns.StatusRequested, nil, nil)
	want := returns.RuleDeadlines(c, returns.CaseTimes{}, returns.DefaultRulePolicy(), t0).RespondBy
	if want == nil || !want.After(t0) {
		t.Fatalf("the rules give no upcoming respondBy for %+v", c)
	}
	update(tm, c)
	sub, err := tm.Subscribe(orgA, want.Sub(t0)+time.Second, returns.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	a := <-sub.C()
	if a.Kind != feed.DeadlineRespondBy || !a.DueAt.Equal(*want) || a.Source() != returns.SourceTimer || a.Case != c {
		t.Errorf("alert %+v, want RESPOND_BY at %v", a, want)
	}
}

func TestDeadlineSubscribeChecksTheHorizon(t *testing.T) {
	tm := newTimer(adapterstest.NewClock(t0))
	for _, within := range []time.Duration{0, -time.Second, feed.MaxAlertWithin + time.Second} {
		if _, err := tm.Subscribe(orgA, within, returns.Filter{}); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("within %v: %v, want INVALID", within, err)
		}
	}
	if _, err := tm.Subscribe(orgA, feed.MaxAlertWithin, returns.Filter{}); err != nil {
		t.Errorf("within 30 days: %v", err)
	}
}

// A subscriber that never reads is dropped once MaxPending alerts wait for it.
func TestDeadlineAlertsDropASubscriberThatDoesNotRead(t *testing.T) {
	clock := adapterstest.NewClock(t0)
	tm := newTimer(clock)
	tm.Buffer, tm.MaxPending = 2, 3
	for i := range 4 {
		update(tm, openCase(fmt.Sprint("p", i), returns.XHS, returns.StatusRequested, at(time.Duration(i+1)*time.Minute), nil))
	}
	sub, err := tm.Subscribe(orgA, time.Hour, returns.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	update(tm, openCase("p9", returns.XHS, returns.StatusRequested, at(10*time.Minute), nil))
	update(tm, openCase("p8", returns.XHS, returns.StatusRequested, at(11*time.Minute), nil))
	got := alerts(sub.C())
	var behind *feed.FellBehindError
	if len(got) != 3 || got[len(got)-1] != "closed" || !errors.As(sub.Err(), &behind) {
		t.Errorf("alerts %v, err %v: want the two buffered, then closed for falling behind", got, sub.Err())
	}
}

// Scan reads the open cases from the store, and Run keeps the index current
// from the bus and raises alerts on its own.
func TestDeadlineTimerScansTheStoreAndFollowsTheBus(t *testing.T) {
	ctx := context.Background()
	clock := adapterstest.NewClock(t0)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "deadlines.db"), sqlite.Options{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(c *returns.Case) (returns.Event, *returns.Case) {
		r, err := st.UpsertCase(ctx, orgA, c, store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		return *r.Event, r.Case
	}
	for i := range 150 { // more than a page
		put(openCase(fmt.Sprint("s", i), returns.AliExpress, returns.StatusRequested, at(time.Duration(i+1)*time.Hour), nil))
	}
	put(openCase("done", returns.AliExpress, returns.StatusRefunded, nil, at(time.Hour)))

	bus := feed.NewBus(0)
	tm := &feed.DeadlineTimer{Store: st, Orgs: []returns.OrgID{orgA}, Bus: bus, Now: clock.Now, Log: quietLog, Tick: 10 * time.Millisecond}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tm.Run(runCtx)
	}()
	sub, err := tm.Subscribe(orgA, 150*time.Hour, returns.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	// More alerts than the channel holds: the rest follow from the queue.
	var got []string
	for len(got) < 150 {
		select {
		case a := <-sub.C():
			got = append(got, a.Case.PlatformCaseID)
		case <-time.After(10 * time.Second):
			t.Fatalf("%d alerts from the scanned cases, want 150", len(got))
		}
	}
	if slices.Contains(got, "done") {
		t.Error("a refunded case was alerted")
	}
	sub.Close()

	sub, err = tm.Subscribe(orgA, 30*time.Minute, returns.Filter{Statuses: []returns.Status{returns.StatusReceived}})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, func() bool { return bus.Len() == 1 }) // the timer follows the bus
	bus.Publish(put(openCase("new", returns.XHS, returns.StatusReceived, at(20*time.Minute), nil)))
	select {
	case a := <-sub.C():
		if a.Case.PlatformCaseID != "new" || a.Kind != feed.DeadlineRespondBy {
			t.Errorf("alert %+v", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no alert for a change published on the bus")
	}
	stop()
	<-done
	if _, ok := <-sub.C(); ok || !errors.Is(sub.Err(), feed.ErrTimerStopped) {
		t.Errorf("after the timer stopped: err %v", sub.Err())
	}
	if bus.Len() != 0 {
		t.Errorf("the stopped timer is still on the bus")
	}
	if late, _ := tm.Subscribe(orgA, time.Hour, returns.Filter{}); !errors.Is(late.Err(), feed.ErrTimerStopped) {
		t.Errorf("subscribing to a stopped timer: %v", late.Err())
	}
}

func eventually(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Dropping a subscriber that does not read leaves the others, wherever it
// stood among them, receiving: each flush goes over every subscription
// once, even while one is taken off.
func TestDeadlineAlertsDropOneSubscriberAmongOthers(t *testing.T) {
	for _, slow := range []int{0, 1, 2} {
		t.Run(fmt.Sprint("slow subscriber ", slow), func(t *testing.T) {
			clock := adapterstest.NewClock(t0)
			tm := newTimer(clock)
			tm.Buffer, tm.MaxPending = 2, 3
			var subs []*feed.AlertSubscription
			for range 3 {
				s, err := tm.Subscribe(orgA, time.Hour, returns.Filter{})
				if err != nil {
					t.Fatal(err)
				}
				subs = append(subs, s)
			}
			got := make([][]string, len(subs))
			read := func() {
				for i, s := range subs {
					if i != slow {
						got[i] = append(got[i], alerts(s.C())...)
					}
				}
			}
			for i := range 6 {
				update(tm, openCase(fmt.Sprint("d", i), returns.XHS, returns.StatusRequested, at(time.Duration(i+1)*time.Minute), nil))
				read()
			}
			tm.Check()
			read()
			var behind *feed.FellBehindError
			if !errors.As(subs[slow].Err(), &behind) {
				t.Errorf("the subscriber that does not read: err %v, want FellBehindError", subs[slow].Err())
			}
			for i, s := range subs {
				if i == slow {
					continue
				}
				if len(got[i]) != 6 || s.Err() != nil {
					t.Errorf("subscriber %d: alerts %v, err %v: want all six", i, got[i], s.Err())
				}
			}
		})
	}
}
