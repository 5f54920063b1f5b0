package feed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/xhs"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhssim"
	"github.com/returnsgw/returnsgw/adapters/xhs/xhswire"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/sqlite"
)

const org = returns.OrgID("feed-test")

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type rig struct {
	sim    *xhssim.Server
	st     store.Store
	clock  *adapterstest.Clock
	shop   xhssim.Shop
	a      *xhs.Adapter
	dbPath string
	events []returns.Event
}

func newRig(t *testing.T) *rig {
	t.Helper()
	r := &rig{clock: adapterstest.NewClock(adapterstest.Start), dbPath: filepath.Join(t.TempDir(), "feed.db")}
	r.shop = xhssim.DefaultShops()[0]
	r.sim = xhssim.New(xhssim.Options{AppID: "app", AppSecret: "secret", Shops: []xhssim.Shop{r.shop}, Seed: 3, Cases: 60, Now: r.clock.Now})
	url, err := r.sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.sim.Close() })
	policy := xhs.DefaultPolicy
	policy.RatePerSecond = 0
	r.a, err = xhs.New(xhs.Config{BaseURL: url, AppID: "app", AppSecret: "secret", AccessToken: r.shop.AccessToken,
		Shop: returns.Shop{ID: r.shop.ShopID, Market: r.shop.Market}, Policy: policy, Now: r.clock.Now, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	r.open(t)
	return r
}

func (r *rig) open(t *testing.T) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), r.dbPath, sqlite.Options{Now: r.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	r.st = st
	t.Cleanup(func() { st.Close() })
}

func (r *rig) poller() *Poller {
	in := &Ingester{Store: r.st, Org: org, Log: quiet, Publish: func(e returns.Event, _ *returns.Case) { r.events = append(r.events, e) }}
	return &Poller{Platform: r.a, Ingester: in, Now: r.clock.Now, Log: quiet}
}

func TestPollerSyncsEverythingOnce(t *testing.T) {
	r := newRig(t)
	if err := r.poller().Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	ids := r.sim.CaseIDs(r.shop.ShopID)
	page, err := r.st.ListCases(context.Background(), org, store.ListQuery{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalCount != len(ids) {
		t.Errorf("stored %d cases, the platform has %d", page.TotalCount, len(ids))
	}
	if len(r.events) != len(ids) {
		t.Errorf("%d events published for %d new cases", len(r.events), len(ids))
	}
	for _, e := range r.events {
		if e.Source != returns.SourcePoll || e.PreviousStatus != nil {
			t.Errorf("event %+v: want a first sighting from POLL", e)
		}
	}
}

// A restart resumes from the persisted cursor: it neither re-reads the
// platform's history nor writes anything for cases that did not change.
func TestPollerResumesAfterRestart(t *testing.T) {
	r := newRig(t)
	if err := r.poller().Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	listed, fetched := r.sim.Calls(xhswire.MethodListAfterSaleInfos), r.sim.Calls(xhswire.MethodGetAfterSaleInfo)

	// Restart: close the store, open it again, a new poller.
	r.st.Close()
	r.open(t)
	r.events = nil
	r.clock.Advance(10 * time.Minute)
	id := r.sim.CaseIDs(r.shop.ShopID)[3]
	if err := r.sim.Touch(id); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(2 * time.Minute)
	if err := r.poller().Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := r.sim.Calls(xhswire.MethodListAfterSaleInfos) - listed; got > 2 {
		t.Errorf("the restarted poller made %d list calls for 12 minutes of changes; it re-read history", got)
	}
	if got := r.sim.Calls(xhswire.MethodGetAfterSaleInfo) - fetched; got != 1 {
		t.Errorf("the restarted poller fetched %d cases, want only the 1 that changed", got)
	}
	if len(r.events) != 1 || r.events[0].Key.PlatformCaseID != id {
		t.Errorf("events after restart = %+v, want one for %s", r.events, id)
	}
}

// A change seen twice (push and poll, or two polls) produces one event.
func TestIngesterWritesOneEventPerChange(t *testing.T) {
	r := newRig(t)
	in := r.poller().Ingester
	id := r.sim.CaseIDs(r.shop.ShopID)[0]
	ctx := context.Background()
	for i, src := range []returns.EventSource{returns.SourceWebhook, returns.SourcePoll, returns.SourcePoll} {
		ev, err := in.Fetch(ctx, r.a, id, src)
		if err != nil {
			t.Fatal(err)
		}
		if (ev != nil) != (i == 0) {
			t.Errorf("fetch %d (%s): event %v", i, src, ev)
		}
	}
	// An older view than the stored one is ignored (an out-of-order fetch).
	c, err := r.a.GetCase(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	older := *c
	older.UpdatedAt = c.UpdatedAt.Add(-time.Hour)
	older.Status = returns.StatusCancelled
	if ev, err := in.Put(ctx, &older, returns.SourcePoll); err != nil || ev != nil {
		t.Errorf("an older view wrote %v, %v", ev, err)
	}
	got, _ := r.st.GetCase(ctx, org, c.Key())
	if got.Status != c.Status {
		t.Errorf("stored status %s, want %s", got.Status, c.Status)
	}
	// Platforms stamp whole seconds: a view read before a refund landed and
	// stored after it carries the same time and a status the case has left.
	refunded := *c
	refunded.Status, refunded.UpdatedAt = returns.StatusRefunded, c.UpdatedAt.Add(time.Minute)
	if ev, err := in.Put(ctx, &refunded, returns.SourceMutation); err != nil || ev == nil {
		t.Fatalf("the refund wrote %v, %v", ev, err)
	}
	behind := refunded
	behind.Status = returns.StatusRequested
	if ev, err := in.Put(ctx, &behind, returns.SourcePoll); err != nil || ev != nil {
		t.Errorf("a same-second view behind the stored one wrote %v, %v", ev, err)
	}
}

// A platform that fails is reported in the poller's health and does not
// advance its cursor.
func TestPollerHealth(t *testing.T) {
	r := newRig(t)
	p := r.poller()
	r.sim.SetDown(true)
	if err := p.Sync(context.Background()); err == nil {
		t.Fatal("Sync succeeded against a platform that is down")
	}
	h := p.Health()
	if h.LastError == "" || h.Failures != 1 || h.CaughtUpOnce {
		t.Errorf("health after a failure: %+v", h)
	}
	if cur, _ := r.st.Cursor(context.Background(), org, CursorName(r.a)); cur != "" {
		t.Errorf("the cursor moved although nothing was read: %q", cur)
	}
	r.sim.SetDown(false)
	if err := p.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	h = p.Health()
	if h.Failures != 0 || !h.CaughtUpOnce || !h.LastSyncAt.Equal(r.clock.Now()) {
		t.Errorf("health after recovery: %+v", h)
	}
}

// A poller that keeps failing backs off up to its interval and stays there:
// however long the outage, the wait never overflows into a busy loop.
func TestPollerBackoffStaysWithinTheInterval(t *testing.T) {
	for _, interval := range []time.Duration{time.Second, 5 * time.Minute, 24 * time.Hour} {
		backoff, last := time.Second, time.Duration(0)
		for failure := 1; failure <= 200; failure++ {
			var wait time.Duration
			wait, backoff = retryWait(interval, backoff)
			if wait <= 0 || wait > interval || wait < last {
				t.Fatalf("interval %v, failure %d: wait %v after %v", interval, failure, wait, last)
			}
			last = wait
		}
		if last != interval {
			t.Errorf("interval %v: after 200 failures the wait is %v, want the interval", interval, last)
		}
	}
}

// failingCursors is a store whose cursors cannot be saved.
type failingCursors struct{ store.Store }

func (failingCursors) SetCursor(context.Context, returns.OrgID, string, string) error {
	return errors.New("disk full")
}

// A walk whose cursor cannot be saved has not caught up: the health says so,
// rather than reporting a connection that re-reads the same step forever
// as healthy.
func TestPollerHealthWhenTheCursorCannotBeSaved(t *testing.T) {
	r := newRig(t)
	p := r.poller()
	p.Ingester.Store = failingCursors{r.st}
	if err := p.Sync(context.Background()); err == nil {
		t.Fatal("Sync succeeded although its cursor was not saved")
	}
	if h := p.Health(); h.Failures != 1 || h.LastError == "" || h.CaughtUpOnce {
		t.Errorf("health after a cursor that could not be saved: %+v", h)
	}
}

// malformed is a platform error of kind MALFORMED, as any adapter reports one.
type malformed struct{}

func (malformed) Error() string                                { return "unreadable answer" }
func (malformed) PlatformErrorKind() returns.PlatformErrorKind { return returns.PlatformErrMalformed }

// badCase answers one case with an unreadable body, as a platform can.
type badCase struct {
	returns.Platform
	id string
}

func (b badCase) GetCase(ctx context.Context, id string) (*returns.Case, error) {
	if id == b.id {
		return nil, fmt.Errorf("get case %s: %w", id, malformed{})
	}
	return b.Platform.GetCase(ctx, id)
}

// One case the platform keeps answering with something unreadable does not
// stop the shop's sync: after a few tries it is skipped, said so in health,
// and the other cases arrive.
func TestPollerSkipsACaseItCannotRead(t *testing.T) {
	r := newRig(t)
	ids := r.sim.CaseIDs(r.shop.ShopID)
	p := r.poller()
	p.Platform = badCase{Platform: r.a, id: ids[0]}
	for i := 1; i < unreadableTries; i++ {
		if err := p.Sync(context.Background()); err == nil {
			t.Fatalf("try %d: a case that cannot be read passed", i)
		}
	}
	if err := p.Sync(context.Background()); err != nil {
		t.Fatalf("after %d tries the case should be skipped: %v", unreadableTries, err)
	}
	page, err := r.st.ListCases(context.Background(), org, store.ListQuery{First: 100})
	if err != nil {
		t.Fatal(err)
	}
	if page.TotalCount != len(ids)-1 {
		t.Errorf("stored %d cases, want all but the unreadable one (%d)", page.TotalCount, len(ids)-1)
	}
	if h := p.Health(); !strings.Contains(h.LastError, ids[0]) || !strings.Contains(h.LastError, "skipped") {
		t.Errorf("health does not name the skipped case: %+v", h)
	}
}

// Events are published in the order of the event log even with many
// writers, so a subscriber that resumes after the last event it saw misses
// nothing.
func TestWritesPublishInSequenceOrder(t *testing.T) {
	r := newRig(t)
	locks := &CaseLocks{}
	var mu sync.Mutex
	var seqs []int64
	publish := func(e returns.Event, _ *returns.Case) {
		// A publisher held up for a moment, as a busy one would be.
		time.Sleep(time.Duration(e.Seq%7) * 50 * time.Microsecond)
		mu.Lock()
		seqs = append(seqs, e.Seq)
		mu.Unlock()
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				c := &returns.Case{Platform: returns.XHS, PlatformCaseID: fmt.Sprintf("W%d-%d", w, i), ShopID: "s", OrderID: "o",
					Kind: returns.KindRefundOnly, Status: returns.StatusRequested, Reason: returns.ReasonOther, Market: returns.MarketDomestic,
					CreatedAt: r.clock.Now(), UpdatedAt: r.clock.Now()}
				if _, err := locks.Write(ctx, r.st, org, c, store.Change{Source: returns.SourcePoll}, publish); err != nil {
					t.Error(err)
				}
			}
		}(w)
	}
	wg.Wait()
	if len(seqs) != 200 {
		t.Fatalf("%d events published, want 200", len(seqs))
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Fatalf("published out of order: %d after %d", seqs[i], seqs[i-1])
		}
	}
}
