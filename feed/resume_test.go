package feed_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

// resumeLog is a store with a bus, and a way to put a case (open, or in a
// status) and get its event.
type resumeLog struct {
	t   *testing.T
	st  *sqlite.Store
	bus *feed.Bus
}

func newResumeLog(t *testing.T) *resumeLog {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "resume.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	bus := feed.NewBus(0)
	t.Cleanup(bus.Close)
	return &resumeLog{t: t, st: st, bus: bus}
}

func (l *resumeLog) put(id string, status returns.Status) (returns.Event, *returns.Case) {
	l.t.Helper()
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	c := &returns.Case{Platform: returns.XHS, PlatformCaseID: id, ShopID: "shop", Status: status,
		Kind: returns.KindReturnAndRefund, Reason: returns.ReasonSizeFit, Market: returns.MarketDomestic, CreatedAt: at, UpdatedAt: at}
	res, err := l.st.UpsertCase(context.Background(), orgA, c, store.Change{Source: returns.SourcePoll})
	if err != nil {
		l.t.Fatal(err)
	}
	return *res.Event, res.Case
}

// next reads the stream's next change: its case's id, or "" once it closed.
func next(t *testing.T, sub feed.Subscription) string {
	t.Helper()
	select {
	case c, ok := <-sub.C():
		if !ok {
			return ""
		}
		return c.Case.PlatformCaseID
	case <-time.After(10 * time.Second):
		t.Fatal("no change and no end")
	}
	return ""
}

// A resumed stream replays the log, then forwards every live change it has
// not replayed, including one published after a later one (two writers
// store and publish at once): it skips only what the replay sent.
func TestResumeForwardsLiveChangesPublishedOutOfOrder(t *testing.T) {
	l := newResumeLog(t)
	first, _ := l.put("a", returns.StatusRequested)
	l.put("b", returns.StatusRequested)
	sub := feed.Resume(context.Background(), l.st, l.bus, orgA, returns.Filter{}, first.Seq, feed.SubscribeOptions{})
	defer sub.Close()
	if got := next(t, sub); got != "b" {
		t.Fatalf("replayed %q, want b", got)
	}
	// The replay has read the log: what follows comes live.
	evC, c := l.put("c", returns.StatusRequested)
	evD, d := l.put("d", returns.StatusRequested)
	evE, e := l.put("e", returns.StatusRequested)
	l.bus.Publish(evD, d)
	l.bus.Publish(evC, c)
	l.bus.Publish(evE, e)
	var got []string
	for len(got) < 3 {
		got = append(got, next(t, sub))
	}
	if !slices.Equal(got, []string{"d", "c", "e"}) {
		t.Errorf("live changes %v, want d,c,e", got)
	}
}

// racingLog stores and publishes a change while the stream reads the log the
// first time: the change is then both in the log and on the bus.
type racingLog struct {
	*resumeLog
	once func()
}

func (r *racingLog) EventsAfter(ctx context.Context, org returns.OrgID, after int64, limit int) ([]returns.Event, error) {
	if r.once != nil {
		r.once()
		r.once = nil
	}
	return r.st.EventsAfter(ctx, org, after, limit)
}

func (r *racingLog) GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error) {
	return r.st.GetCases(ctx, org, keys)
}

// A change stored and published while the log is read arrives once, in
// order, and the live changes after it follow: no gap, no duplicate.
func TestResumeHasNoGapAndNoDuplicate(t *testing.T) {
	l := newResumeLog(t)
	first, _ := l.put("a", returns.StatusRequested)
	log := &racingLog{resumeLog: l}
	log.once = func() { l.bus.Publish(l.put("b", returns.StatusRequested)) }
	sub := feed.Resume(context.Background(), log, l.bus, orgA, returns.Filter{}, first.Seq, feed.SubscribeOptions{})
	defer sub.Close()
	if got := next(t, sub); got != "b" {
		t.Fatalf("first %q, want b", got)
	}
	l.bus.Publish(l.put("c", returns.StatusRequested))
	if got := next(t, sub); got != "c" {
		t.Fatalf("after b: %q, want c (b only once)", got)
	}
}

// Replayed events are filtered by the status each recorded, as the live
// stream filtered them when they happened; so are cases that changed since.
func TestResumeFiltersByTheStatusTheEventRecorded(t *testing.T) {
	l := newResumeLog(t)
	l.put("a", returns.StatusRequested)
	l.put("a", returns.StatusAwaitingBuyerShipment)
	l.put("b", returns.StatusAwaitingBuyerShipment)
	f := returns.Filter{Statuses: []returns.Status{returns.StatusRequested}}
	sub := feed.Resume(context.Background(), l.st, l.bus, orgA, f, 0, feed.SubscribeOptions{})
	if got := next(t, sub); got != "a" {
		t.Fatalf("replayed %q, want a as requested", got)
	}
	sub.Close()
	if got := next(t, sub); got != "" {
		t.Errorf("after a: %q, want the end (nothing else was requested)", got)
	}
	if err := sub.Err(); err != nil {
		t.Errorf("closed by the subscriber: %v", err)
	}
}

type brokenLog struct{}

var errLogDown = errors.New("the log is down")

func (brokenLog) EventsAfter(context.Context, returns.OrgID, int64, int) ([]returns.Event, error) {
	return nil, errLogDown
}

func (brokenLog) GetCases(context.Context, returns.OrgID, []returns.CaseKey) ([]*returns.Case, error) {
	return nil, nil
}

// A log that cannot be read ends the stream with its error, and takes the
// live subscription off the bus.
func TestResumeEndsWithTheLogsError(t *testing.T) {
	bus := feed.NewBus(0)
	defer bus.Close()
	sub := feed.Resume(context.Background(), brokenLog{}, bus, orgA, returns.Filter{}, 0, feed.SubscribeOptions{})
	if got := next(t, sub); got != "" {
		t.Fatalf("got %q from a broken log", got)
	}
	if err := sub.Err(); !errors.Is(err, errLogDown) {
		t.Errorf("err %v, want the log's", err)
	}
	if n := bus.Len(); n != 0 {
		t.Errorf("%d subscriptions left on the bus", n)
	}
}
