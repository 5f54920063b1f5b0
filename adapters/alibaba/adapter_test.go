package alibaba_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

func platformErr(t *testing.T, err error) *adapters.PlatformError {
	t.Helper()
	var pe *adapters.PlatformError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a platform error", err)
	}
	return pe
}

func TestFaultsAreRetriedOrNot(t *testing.T) {
	tests := []struct {
		fault     alibabasim.FaultKind
		succeeds  bool
		wantCalls int
		kind      adapters.ErrorKind
	}{
		{alibabasim.FaultThrottle, true, 2, ""},
		{alibabasim.FaultHTTP500, true, 2, ""},
		{alibabasim.FaultMalformed, true, 2, ""},
		{alibabasim.FaultAuth, false, 1, adapters.KindAuth},
	}
	for _, tt := range tests {
		t.Run(string(tt.fault), func(t *testing.T) {
			clock := adapterstest.NewClock(adapterstest.Start)
			a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 2})
			id := sim.CaseIDs()[0]
			sim.InjectFault(alibabawire.MethodOrderGet, tt.fault, 1)
			c, err := a.GetCase(context.Background(), id)
			if got := sim.Calls(alibabawire.MethodOrderGet); got != tt.wantCalls {
				t.Errorf("%d calls to order.get, want %d", got, tt.wantCalls)
			}
			if tt.succeeds {
				if err != nil || c.PlatformCaseID != id {
					t.Fatalf("GetCase after one %s = %v, %v", tt.fault, c, err)
				}
				return
			}
			if pe := platformErr(t, err); pe.Kind != tt.kind {
				t.Errorf("kind %s, want %s", pe.Kind, tt.kind)
			}
			if returns.ErrorCodeOf(err) != returns.CodePlatformUnavailable {
				t.Errorf("code %s, want PLATFORM_UNAVAILABLE", returns.ErrorCodeOf(err))
			}
		})
	}
}

func TestRefusedCredentialsAndClock(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	sim, err := alibabasim.New(alibabasim.Options{Seed: 3, Now: clock.Now, Cases: 10})
	if err != nil {
		t.Fatal(err)
	}
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	id := sim.CaseIDs()[0]
	tests := []struct {
		name                 string
		key, secret, session string
		now                  func() time.Time
		kind                 adapters.ErrorKind
		code                 string
	}{
		{"wrong secret", sim.AppKey(), "not-the-secret", sim.Session(), clock.Now, adapters.KindAuth, "25"},
		{"wrong app key", "someone-else", sim.AppSecret(), sim.Session(), clock.Now, adapters.KindAuth, "29"},
		{"expired session", sim.AppKey(), sim.AppSecret(), "expired", clock.Now, adapters.KindAuth, "27"},
		{"clock an hour slow", sim.AppKey(), sim.AppSecret(), sim.Session(),
			func() time.Time { return clock.Now().Add(-time.Hour) }, adapters.KindInvalid, "31"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := alibaba.New(alibaba.Config{BaseURL: url, AppKey: tt.key, AppSecret: tt.secret, Session: tt.session,
				Shop: returns.Shop{ID: "s"}, Policy: fastPolicy, Now: tt.now, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			_, err = a.GetCase(context.Background(), id)
			pe := platformErr(t, err)
			if pe.Kind != tt.kind || !strings.HasPrefix(pe.Code, tt.code) {
				t.Errorf("got %s %s, want %s %s", pe.Kind, pe.Code, tt.kind, tt.code)
			}
		})
	}
}

// ASSUMED sub-code isv.trade-not-exist: a well-formed id of an order the
// seller does not have is NOT_FOUND from the platform, not a failure.
func TestUnknownTradeIsNotFoundAssumingTradeNotExistSubCode(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 2, Cases: 10})
	for _, id := range []string{"240000000000000001-7000000001", "no-separator-is-fine-too", "nonsense"} {
		_, err := a.GetCase(context.Background(), id)
		if code := returns.ErrorCodeOf(err); code != returns.CodeNotFound {
			t.Errorf("GetCase(%q) = %v (%s), want NOT_FOUND", id, err, code)
		}
	}
	if sim.Calls(alibabawire.MethodOrderGet) == 0 {
		t.Error("a well-formed id was answered without asking the platform")
	}
	// A known order but an unknown refund id.
	trade, _, _ := alibaba.SplitCaseID(sim.CaseIDs()[0])
	if _, err := a.GetCase(context.Background(), alibaba.CaseID(trade, "1")); returns.ErrorCodeOf(err) != returns.CodeNotFound {
		t.Errorf("unknown refund of a known order: %v", err)
	}
}

func walkAll(t *testing.T, a *alibaba.Adapter, cursor string, now time.Time) ([]returns.CaseRef, string) {
	t.Helper()
	var refs []returns.CaseRef
	for i := 0; i < 1000; i++ {
		b, err := a.ListChanges(context.Background(), cursor, now)
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, b.Refs...)
		cursor = b.Cursor
		if b.CaughtUp {
			return refs, cursor
		}
	}
	t.Fatal("walk never caught up")
	return nil, ""
}

// A change to one refund record moves its order's modify date; the order's
// other records, unchanged, are not listed again.
func TestTouchListsOnlyTheChangedRecordOfAnOrder(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 1})
	byTrade := map[string][]string{}
	for _, id := range sim.CaseIDs() {
		trade, _, _ := alibaba.SplitCaseID(id)
		byTrade[trade] = append(byTrade[trade], id)
	}
	var target string
	for _, ids := range byTrade {
		if len(ids) > 1 {
			target = ids[len(ids)-1]
			break
		}
	}
	if target == "" {
		t.Fatal("the seed has no order with two refund records")
	}
	_, cursor := walkAll(t, a, "", clock.Now())
	clock.Advance(time.Minute)
	if err := sim.Touch(target); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	refs, _ := walkAll(t, a, cursor, clock.Now())
	if len(refs) != 1 || refs[0].PlatformCaseID != target {
		t.Fatalf("listed %v, want only %s", refs, target)
	}
	if !refs[0].UpdatedAt.Equal(adapterstest.Start.Add(time.Minute)) {
		t.Errorf("ref updated at %v, want the touch at %v", refs[0].UpdatedAt, adapterstest.Start.Add(time.Minute))
	}
}

// Changes made while a walk is under way, to orders behind it and ahead of
// it, are all listed by the end of the next walk.
func TestChangesDuringAWalkAreNotLost(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 4})
	ids := sim.CaseIDs()
	// Walk the first half of the windows.
	var cursor string
	for i := 0; i < 15; i++ {
		b, err := a.ListChanges(context.Background(), cursor, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		cursor = b.Cursor
	}
	clock.Advance(30 * time.Second)
	changed := map[string]bool{ids[0]: true, ids[len(ids)-1]: true, ids[len(ids)/2]: true}
	for id := range changed {
		if err := sim.Touch(id); err != nil {
			t.Fatal(err)
		}
	}
	opened, err := sim.Open(alibabasim.OpenRequest{ReturnGoods: true, Reason: "Wrong products received"})
	if err != nil {
		t.Fatal(err)
	}
	changed[opened] = true
	seen := map[string]bool{}
	refs, cursor := walkAll(t, a, cursor, clock.Now())
	for _, r := range refs {
		seen[r.PlatformCaseID] = true
	}
	clock.Advance(5 * time.Minute)
	refs, _ = walkAll(t, a, cursor, clock.Now())
	for _, r := range refs {
		seen[r.PlatformCaseID] = true
	}
	for id := range changed {
		if !seen[id] {
			t.Errorf("case %s changed during the walk and was never listed", id)
		}
	}
}

func TestInvalidCursor(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, _ := startPair(t, clock.Now, alibabasim.Options{Seed: 1, Cases: 5})
	for _, c := range []string{"not base64!", "e30", "eyJ2Ijo5fQ"} {
		if _, err := a.ListChanges(context.Background(), c, clock.Now()); returns.ErrorCodeOf(err) != returns.CodeInvalid {
			t.Errorf("cursor %q: %v, want INVALID", c, err)
		}
	}
}

// What the adapter says the seller can do in the seller centre, the
// simulated seller centre accepts, and the result is a move the lifecycle
// allows.
func TestSellerCentreActionsAgreeWithTheSellerCentre(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	probe, probeSim := startPair(t, clock.Now, alibabasim.Options{Seed: 5})
	type step struct {
		id     string
		from   returns.Status
		action returns.Action
	}
	var rounds [][]step
	for _, id := range probeSim.CaseIDs() {
		c, err := probe.GetCase(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for i, act := range probe.SellerCentreActions(c) {
			for len(rounds) <= i {
				rounds = append(rounds, nil)
			}
			rounds[i] = append(rounds[i], step{id, c.Status, act})
			if u := probe.SellerCentreURL(c, act); u != "https://biz.alibaba.com/ta/detail.htm?orderId="+c.OrderID {
				t.Errorf("%s: seller-centre URL %q", id, u)
			}
		}
	}
	if len(rounds) == 0 {
		t.Fatal("no case offers any seller-centre step")
	}
	tried := map[returns.Action]int{}
	for _, round := range rounds {
		// A fresh platform per round, so every case takes one step from its seeded state.
		a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 5})
		for _, s := range round {
			if err := sim.SellerCentre(s.id, s.action); err != nil {
				t.Errorf("%s in %s: the seller centre refused %s: %v", s.id, s.from, s.action, err)
				continue
			}
			c, err := a.GetCase(context.Background(), s.id)
			if err != nil {
				t.Fatal(err)
			}
			if !s.from.CanMoveTo(c.Status) {
				t.Errorf("%s: %s moved %s to %s, which the lifecycle does not allow", s.id, s.action, s.from, c.Status)
			}
			tried[s.action]++
		}
	}
	for _, act := range []returns.Action{returns.ActionApprove, returns.ActionReject, returns.ActionConfirmReceipt, returns.ActionRefund, returns.ActionEscalate} {
		if tried[act] == 0 {
			t.Errorf("no seeded case exercised %s", act)
		}
	}
}

func TestNoAPIActions(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 1, Cases: 5})
	if caps := a.Capabilities(); len(caps.Actions) != 0 || caps.Push {
		t.Errorf("capabilities %+v, want no actions and no push", caps)
	}
	c, err := a.GetCase(context.Background(), sim.CaseIDs()[0])
	if err != nil {
		t.Fatal(err)
	}
	if acts := a.AllowedActions(c); len(acts) != 0 {
		t.Errorf("AllowedActions = %v", acts)
	}
	for _, act := range returns.Actions {
		_, err := a.Perform(context.Background(), returns.ActionRequest{Action: act, Case: c})
		if returns.ErrorCodeOf(err) != returns.CodeUnsupported {
			t.Errorf("Perform(%s) = %v, want UNSUPPORTED_ON_PLATFORM", act, err)
		}
	}
}

func TestNewValidates(t *testing.T) {
	ok := alibaba.Config{BaseURL: "https://eco.taobao.com/router/rest", AppKey: "k", AppSecret: "s", Session: "t", Shop: returns.Shop{ID: "shop"}}
	tests := []struct {
		name string
		edit func(*alibaba.Config)
		fail bool
	}{
		{"complete", func(*alibaba.Config) {}, false},
		{"relative URL", func(c *alibaba.Config) { c.BaseURL = "/router/rest" }, true},
		{"no app key", func(c *alibaba.Config) { c.AppKey = "" }, true},
		{"no secret", func(c *alibaba.Config) { c.AppSecret = " " }, true},
		{"no session", func(c *alibaba.Config) { c.Session = "" }, true},
		{"no shop", func(c *alibaba.Config) { c.Shop.ID = "" }, true},
		{"shop on another platform", func(c *alibaba.Config) { c.Shop.Platform = returns.XHS }, true},
		{"unknown market", func(c *alibaba.Config) { c.Shop.Market = "MOON" }, true},
		{"unknown freight rule", func(c *alibaba.Config) { c.Freight = "WHOEVER" }, true},
		{"negative lookback", func(c *alibaba.Config) { c.Lookback = -time.Hour }, true},
	}
	for _, tt := range tests {
		cfg := ok
		tt.edit(&cfg)
		a, err := alibaba.New(cfg)
		if (err != nil) != tt.fail {
			t.Errorf("%s: error %v, want failure %v", tt.name, err, tt.fail)
		}
		if err == nil {
			if s := a.Shop(); s.Platform != returns.Alibaba || s.Market != returns.MarketCrossBorderDirect {
				t.Errorf("%s: shop defaults %+v", tt.name, s)
			}
		}
	}
}

// A record changed before a walk, whose order changes again (for another
// record) before the walk reaches it, moves past the walk's end: the walk's
// open-ended tail must still list it, or the next walk, starting later,
// would never list it.
func TestRecordWhoseOrderMovesPastTheWalkEndIsListed(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 1})
	byTrade := map[string][]string{}
	var first, second string
	for _, id := range sim.CaseIDs() {
		trade, _, _ := alibaba.SplitCaseID(id)
		byTrade[trade] = append(byTrade[trade], id)
		if ids := byTrade[trade]; len(ids) == 2 && first == "" {
			first, second = ids[0], ids[1]
		}
	}
	if first == "" {
		t.Fatal("the seed has no order with two refund records")
	}
	_, cursor := walkAll(t, a, "", clock.Now())
	clock.Advance(10 * time.Minute)
	if err := sim.Touch(first); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	if err := sim.Touch(second); err != nil { // the order's modify date is now past this walk's end
		t.Fatal(err)
	}
	seen := map[string]bool{}
	refs, cursor := walkAll(t, a, cursor, clock.Now())
	for _, r := range refs {
		seen[r.PlatformCaseID] = true
	}
	clock.Advance(5 * time.Minute)
	refs, _ = walkAll(t, a, cursor, clock.Now())
	for _, r := range refs {
		seen[r.PlatformCaseID] = true
	}
	for _, id := range []string{first, second} {
		if !seen[id] {
			t.Errorf("changed case %s never listed", id)
		}
	}
}
