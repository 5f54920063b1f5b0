// Package adapterstest is the conformance suite that every adapter and
// simulator pair passes: paging is complete and has no duplicates, changes are
// found incrementally, not-found is typed, cancellation and deadlines are
// honoured, every case carries money with a currency, UTC times and the raw
// platform values, and an unknown platform value maps to the adapter's
// documented fallback instead of failing the sync.
package adapterstest

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// Sim is the suite's handle on a running simulator.
type Sim interface {
	// CaseIDs lists the platform ids of every case the simulator holds.
	CaseIDs() []string
	// Touch records a change to the case at the simulator's clock, as a buyer
	// editing the request would.
	Touch(caseID string) error
	// SetLatency delays every response by d.
	SetLatency(d time.Duration)
	// SetDown makes every request fail as an outage would (0: up again).
	SetDown(down bool)
	// InjectUnknownStatus makes the platform report, for the case, a status
	// value the adapter has never seen, and returns that raw value.
	InjectUnknownStatus(caseID string) (string, error)
}

// Harness starts adapter and simulator pairs for the suite.
type Harness struct {
	Platform returns.PlatformID
	// New starts a seeded simulator whose clock is now, and an adapter that
	// talks to it over real HTTP; both are stopped with t.Cleanup. The adapter
	// must not retry for long: the suite expects a call to a simulator that is
	// down to fail within a few seconds.
	New func(t *testing.T, now func() time.Time) (returns.Platform, Sim)
	// UnknownStatus is the adapter's documented fallback for a status value it
	// does not know.
	UnknownStatus returns.Status
}

// Clock is a settable clock for simulators and adapters under test.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Start is the instant the suite's clocks start at: fixed, so runs repeat.
var Start = time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)

// Run runs the suite.
func Run(t *testing.T, h Harness) {
	t.Run("PagingCompleteNoDuplicates", func(t *testing.T) { testPaging(t, h) })
	t.Run("IncrementalChanges", func(t *testing.T) { testIncremental(t, h) })
	t.Run("SlowWalkCatchesUp", func(t *testing.T) { testSlowWalk(t, h) })
	t.Run("CasesNormalized", func(t *testing.T) { testNormalized(t, h) })
	t.Run("NotFoundTyped", func(t *testing.T) { testNotFound(t, h) })
	t.Run("CancellationHonoured", func(t *testing.T) { testCancellation(t, h) })
	t.Run("DeadlineHonoured", func(t *testing.T) { testDeadline(t, h) })
	t.Run("DownIsUnavailable", func(t *testing.T) { testDown(t, h) })
	t.Run("UnknownStatusFallsBack", func(t *testing.T) { testUnknownStatus(t, h) })
	t.Run("AllowedActionsKnown", func(t *testing.T) { testAllowedActions(t, h) })
	t.Run("OrderFacts", func(t *testing.T) { testOrderFacts(t, h) })
}

// FactCounter is implemented by simulators that count the calls they
// answered that an adapter makes only for a case's facts (order detail,
// tracking, products), so that the suite can prove an order is read once.
type FactCounter interface {
	FactCalls() int
}

// testOrderFacts proves that every case carries its order's facts, each with
// its source: a delivery before the request, money in the case's currency,
// categories from the product methods, and an order read once however often
// its case is read.
func testOrderFacts(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	ids := sim.CaseIDs()
	delivered, categorised := 0, map[returns.Category]bool{}
	for _, id := range ids {
		c, err := p.GetCase(context.Background(), id)
		if err != nil {
			t.Fatalf("GetCase(%s): %v", id, err)
		}
		for _, f := range []string{returns.FactDeliveredAt, returns.FactTariff, returns.FactFulfilment, returns.FactFreeReturnPromised} {
			if c.FactSourceOf(f) == "" {
				t.Errorf("%s: fact %s has no source", id, f)
			}
		}
		for i, l := range c.Lines {
			if c.FactSourceOf(returns.LineCategoryFact(i)) == "" {
				t.Errorf("%s: line %d's category has no source", id, i)
			}
			categorised[l.Category] = true
		}
		if c.Fulfilment == "" {
			t.Errorf("%s: no fulfilment", id)
		}
		if c.DeliveredAt != nil {
			delivered++
			if c.DeliveredAt.After(c.CreatedAt) {
				t.Errorf("%s: delivered %v after the request %v", id, c.DeliveredAt, c.CreatedAt)
			}
		} else if c.FactSourceOf(returns.FactDeliveredAt) != returns.FactMissing {
			t.Errorf("%s: no delivery time, but its source is %s, not MISSING", id, c.FactSourceOf(returns.FactDeliveredAt))
		}
		cur := ""
		if c.RequestedRefund != nil {
			cur = c.RequestedRefund.Currency
		}
		for what, m := range map[string]*returns.Money{"tariff": c.Tariff, "shipping paid": c.ShippingPaid} {
			if m != nil && cur != "" && m.Currency != cur {
				t.Errorf("%s: %s in %s, the case in %s", id, what, m.Currency, cur)
			}
		}
		if c.Tariff != nil && !c.Market.CrossBorder() {
			t.Errorf("%s: a tariff on a %s order", id, c.Market)
		}
	}
	if delivered*2 < len(ids) {
		t.Errorf("only %d of %d cases have a delivery time", delivered, len(ids))
	}
	if len(categorised) < 2 {
		t.Errorf("the cases span %d categories: %v", len(categorised), categorised)
	}
	oc, ok := sim.(FactCounter)
	if !ok || len(ids) == 0 {
		return
	}
	before := oc.FactCalls()
	for _, id := range ids[:min(len(ids), 20)] {
		if _, err := p.GetCase(context.Background(), id); err != nil {
			t.Fatalf("GetCase(%s) again: %v", id, err)
		}
	}
	if after := oc.FactCalls(); after != before {
		t.Errorf("reading cases again made %d order or product calls; an order is read once", after-before)
	}
}

// walk follows the change list from cursor until it is caught up and returns
// every ref seen and the final cursor.
func walk(t *testing.T, p returns.Platform, cursor string, now time.Time) ([]returns.CaseRef, string) {
	t.Helper()
	var refs []returns.CaseRef
	for step := 0; ; step++ {
		if step > 20000 {
			t.Fatalf("change list not caught up after %d steps", step)
		}
		b, err := p.ListChanges(context.Background(), cursor, now)
		if err != nil {
			t.Fatalf("ListChanges(step %d): %v", step, err)
		}
		refs = append(refs, b.Refs...)
		if b.Cursor == "" {
			t.Fatalf("ListChanges(step %d) returned an empty cursor", step)
		}
		cursor = b.Cursor
		if b.CaughtUp {
			return refs, cursor
		}
	}
}

func testPaging(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	refs, _ := walk(t, p, "", clock.Now())
	seen := map[string]int{}
	for _, r := range refs {
		if r.PlatformCaseID == "" {
			t.Fatal("a ref without a case id")
		}
		seen[r.PlatformCaseID]++
	}
	for id, n := range seen {
		if n > 1 {
			t.Errorf("case %s listed %d times in one walk over an unchanging platform", id, n)
		}
	}
	want := sim.CaseIDs()
	if len(want) == 0 {
		t.Fatal("the simulator holds no cases")
	}
	for _, id := range want {
		if seen[id] == 0 {
			t.Errorf("case %s never listed", id)
		}
	}
	if len(seen) != len(want) {
		t.Errorf("listed %d distinct cases, the simulator holds %d", len(seen), len(want))
	}
}

// testSlowWalk walks with the clock moving between steps, as it does when
// each step is rate limited or ingesting takes time: the walk must still
// catch up, and list every case.
func testSlowWalk(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	seen := map[string]bool{}
	cursor := ""
	for step := 0; ; step++ {
		if step > 5000 {
			t.Fatalf("not caught up after %d steps with the clock moving 50 ms a step", step)
		}
		b, err := p.ListChanges(context.Background(), cursor, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range b.Refs {
			seen[r.PlatformCaseID] = true
		}
		cursor = b.Cursor
		if b.CaughtUp {
			break
		}
		clock.Advance(50 * time.Millisecond)
	}
	for _, id := range sim.CaseIDs() {
		if !seen[id] {
			t.Errorf("case %s never listed", id)
		}
	}
}

func testIncremental(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	_, cursor := walk(t, p, "", clock.Now())

	clock.Advance(10 * time.Minute)
	refs, cursor := walk(t, p, cursor, clock.Now())
	if len(refs) != 0 {
		t.Errorf("nothing changed, yet %d cases listed", len(refs))
	}

	id := sim.CaseIDs()[0]
	clock.Advance(time.Minute)
	if err := sim.Touch(id); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	refs, _ = walk(t, p, cursor, clock.Now())
	found := false
	for _, r := range refs {
		if r.PlatformCaseID == id {
			found = true
		} else {
			t.Errorf("case %s listed but only %s changed", r.PlatformCaseID, id)
		}
	}
	if !found {
		t.Errorf("changed case %s not listed after the cursor", id)
	}
}

func testNormalized(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	statuses := map[returns.Status]int{}
	for _, id := range sim.CaseIDs() {
		c, err := p.GetCase(context.Background(), id)
		if err != nil {
			t.Fatalf("GetCase(%s): %v", id, err)
		}
		checkCase(t, p, id, c)
		statuses[c.Status]++
	}
	if len(statuses) < 5 {
		t.Errorf("the simulator's cases cover only %d statuses: %v", len(statuses), statuses)
	}
}

func checkCase(t *testing.T, p returns.Platform, id string, c *returns.Case) {
	t.Helper()
	if c.PlatformCaseID != id || c.Platform != p.ID() {
		t.Errorf("%s: got case %s on %s", id, c.PlatformCaseID, c.Platform)
	}
	if c.ShopID != p.Shop().ID {
		t.Errorf("%s: shop %q, want %q", id, c.ShopID, p.Shop().ID)
	}
	if c.OrderID == "" {
		t.Errorf("%s: no order id", id)
	}
	if !c.Status.Valid() {
		t.Errorf("%s: status %q", id, c.Status)
	}
	switch c.Kind {
	case returns.KindRefundOnly, returns.KindReturnAndRefund, returns.KindExchange:
	default:
		t.Errorf("%s: kind %q", id, c.Kind)
	}
	if c.Reason == "" {
		t.Errorf("%s: no reason", id)
	}
	if c.Market == "" {
		t.Errorf("%s: no market", id)
	}
	if c.PlatformStatus.Code == "" {
		t.Errorf("%s: the platform's status code was not kept", id)
	}
	if len(c.Raw) == 0 {
		t.Errorf("%s: no raw platform values kept", id)
	}
	checkMoney := func(what string, m *returns.Money, required bool) {
		if m == nil {
			if required {
				t.Errorf("%s: no %s", id, what)
			}
			return
		}
		if _, ok := returns.CurrencyExponent(m.Currency); !ok {
			t.Errorf("%s: %s has currency %q", id, what, m.Currency)
		}
		if m.Minor < 0 {
			t.Errorf("%s: %s is negative", id, what)
		}
	}
	checkMoney("requested refund", c.RequestedRefund, true)
	checkMoney("refunded amount", c.RefundedAmount, false)
	if len(c.Lines) == 0 {
		t.Errorf("%s: no lines", id)
	}
	for i, l := range c.Lines {
		m := l.UnitPrice
		checkMoney("line unit price", &m, true)
		if l.Quantity <= 0 {
			t.Errorf("%s: line %d quantity %d", id, i, l.Quantity)
		}
		if !l.Category.Valid() {
			t.Errorf("%s: line %d category %q", id, i, l.Category)
		}
	}
	checkTime := func(what string, tm *time.Time, required bool) {
		if tm == nil || tm.IsZero() {
			if required {
				t.Errorf("%s: no %s", id, what)
			}
			return
		}
		if tm.Location() != time.UTC {
			t.Errorf("%s: %s is in %v, not UTC", id, what, tm.Location())
		}
	}
	checkTime("createdAt", &c.CreatedAt, true)
	checkTime("updatedAt", &c.UpdatedAt, true)
	checkTime("respondBy", c.Deadlines.RespondBy, false)
	checkTime("buyerShipBy", c.Deadlines.BuyerShipBy, false)
	checkTime("refundBy", c.Deadlines.RefundBy, false)
	checkTime("autoActionAt", c.Deadlines.AutoActionAt, false)
	checkTime("deliveredAt", c.DeliveredAt, false)
	if c.UpdatedAt.Before(c.CreatedAt) {
		t.Errorf("%s: updated %v before created %v", id, c.UpdatedAt, c.CreatedAt)
	}
}

func testNotFound(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, _ := h.New(t, clock.Now)
	_, err := p.GetCase(context.Background(), "999000111222333")
	if code := returns.ErrorCodeOf(err); code != returns.CodeNotFound {
		t.Errorf("GetCase(unknown) = %v (code %q), want NOT_FOUND", err, code)
	}
}

func testCancellation(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	id := sim.CaseIDs()[0]
	sim.SetLatency(30 * time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(100 * time.Millisecond); cancel() }()
	done := make(chan error, 1)
	go func() { _, err := p.GetCase(ctx, id); done <- err }()
	select {
	case err := <-done:
		if err == nil {
			t.Error("GetCase succeeded although its context was cancelled")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("GetCase ignored the cancellation of its context")
	}
}

func testDeadline(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	id := sim.CaseIDs()[0]
	sim.SetLatency(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { _, err := p.GetCase(ctx, id); done <- err }()
	select {
	case err := <-done:
		if code := returns.ErrorCodeOf(err); code != returns.CodePlatformUnavailable {
			t.Errorf("GetCase past its deadline = %v (code %q), want PLATFORM_UNAVAILABLE", err, code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("GetCase ignored its context's deadline")
	}
}

func testDown(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	id := sim.CaseIDs()[0]
	sim.SetDown(true)
	_, err := p.GetCase(context.Background(), id)
	if code := returns.ErrorCodeOf(err); code != returns.CodePlatformUnavailable {
		t.Errorf("GetCase on a platform that is down = %v (code %q), want PLATFORM_UNAVAILABLE", err, code)
	}
	_, err = p.ListChanges(context.Background(), "", clock.Now())
	if code := returns.ErrorCodeOf(err); code != returns.CodePlatformUnavailable {
		t.Errorf("ListChanges on a platform that is down = %v (code %q), want PLATFORM_UNAVAILABLE", err, code)
	}
	sim.SetDown(false)
}

func testUnknownStatus(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	id := sim.CaseIDs()[0]
	raw, err := sim.InjectUnknownStatus(id)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.GetCase(context.Background(), id)
	if err != nil {
		t.Fatalf("GetCase with an unknown status value failed: %v", err)
	}
	if c.Status != h.UnknownStatus {
		t.Errorf("unknown status %q normalized to %s, want the documented fallback %s", raw, c.Status, h.UnknownStatus)
	}
	if c.PlatformStatus.Code != raw {
		t.Errorf("raw status %q not kept: %q", raw, c.PlatformStatus.Code)
	}
	// The sync must not fail over it either.
	walk(t, p, "", clock.Now())
}

func testAllowedActions(t *testing.T, h Harness) {
	clock := NewClock(Start)
	p, sim := h.New(t, clock.Now)
	known := map[returns.Action]bool{}
	for _, a := range returns.Actions {
		known[a] = true
	}
	caps := p.Capabilities()
	sc, _ := p.(returns.SellerCentre)
	any := false
	for _, id := range sim.CaseIDs() {
		c, err := p.GetCase(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		acts := p.AllowedActions(c)
		for _, a := range acts {
			if !known[a] {
				t.Errorf("%s: unknown action %q", id, a)
			}
			if !caps.Supports(a) {
				t.Errorf("%s: allows %s, which the platform's API cannot do", id, a)
			}
		}
		var manual []returns.Action
		if sc != nil {
			manual = sc.SellerCentreActions(c)
			for _, a := range manual {
				if !known[a] {
					t.Errorf("%s: unknown seller-centre action %q", id, a)
				}
				if caps.Supports(a) {
					t.Errorf("%s: %s is both an API action and a seller-centre step", id, a)
				}
				if sc.SellerCentreURL(c, a) == "" {
					t.Errorf("%s: no seller-centre URL for %s", id, a)
				}
			}
		}
		if len(acts)+len(manual) > 0 {
			any = true
		}
		checkActionState(t, p, id, c, acts, manual)
		if c.Status.Terminal() && len(acts)+len(manual) > 0 {
			t.Errorf("%s: %s is terminal but allows %v %v", id, c.Status, acts, manual)
		}
	}
	if !any {
		t.Error("no case allows any action")
	}
}

// checkActionState holds an adapter that names the raw values its actions
// read (returns.ActionState) to its list: the case with only those keys, and
// no line's Raw, allows exactly what the whole case allows. A list page
// decodes no more than that.
func checkActionState(t *testing.T, p returns.Platform, id string, c *returns.Case, acts, manual []returns.Action) {
	t.Helper()
	as, ok := p.(returns.ActionState)
	if !ok {
		return
	}
	lean := *c
	lean.Raw = nil
	for _, k := range as.ActionRawKeys() {
		if v, ok := c.Raw[k]; ok {
			if lean.Raw == nil {
				lean.Raw = map[string]string{}
			}
			lean.Raw[k] = v
		}
	}
	lean.Lines = slices.Clone(c.Lines)
	for i := range lean.Lines {
		lean.Lines[i].Raw = nil
	}
	if got := p.AllowedActions(&lean); !slices.Equal(got, acts) {
		t.Errorf("%s: with only its ActionRawKeys the case allows %v, want %v: a key is missing from the list", id, got, acts)
	}
	if sc, ok := p.(returns.SellerCentre); ok {
		if got := sc.SellerCentreActions(&lean); !slices.Equal(got, manual) {
			t.Errorf("%s: with only its ActionRawKeys the seller centre allows %v, want %v", id, got, manual)
		}
	}
}
