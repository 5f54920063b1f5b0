package alibaba_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabawire"
	"github.com/returnsgw/returnsgw/returns"
)

// Order counts come from the order list's total_count: counts of adjoining
// ranges add up to the count of both, every seeded order is counted once,
// and a range with no orders counts none.
func TestCountOrders(t *testing.T) {
	clock := adapterstest.NewClock(adapterstest.Start)
	sim, err := alibabasim.New(alibabasim.Options{Seed: 5, Now: clock.Now, Cases: 30})
	if err != nil {
		t.Fatal(err)
	}
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, err := alibaba.New(alibaba.Config{BaseURL: url, AppKey: sim.AppKey(), AppSecret: sim.AppSecret(), Session: sim.Session(),
		Shop: returns.Shop{ID: "s"}, Policy: fastPolicy, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var counter returns.OrderCounter = a
	ctx := context.Background()
	count := func(from, to time.Time) int64 {
		t.Helper()
		n, err := counter.CountOrders(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	now := clock.Now()
	lo, hi := now.AddDate(0, -6, 0).Truncate(time.Hour), now.Add(time.Hour).Truncate(time.Hour)
	all := count(lo, hi)
	if all < int64(len(sim.CaseIDs())) {
		t.Fatalf("%d orders in half a year, fewer than the %d cases", all, len(sim.CaseIDs()))
	}
	var sum int64
	for from := lo; from.Before(hi); from = from.AddDate(0, 0, 7) {
		to := from.AddDate(0, 0, 7)
		if to.After(hi) {
			to = hi
		}
		sum += count(from, to)
	}
	if sum != all {
		t.Errorf("weekly counts add up to %d, the whole range has %d", sum, all)
	}
	if n := count(hi.AddDate(1, 0, 0), hi.AddDate(1, 0, 7)); n != 0 {
		t.Errorf("%d orders next year", n)
	}
	if _, err := counter.CountOrders(ctx, hi, lo); returns.ErrorCodeOf(err) != returns.CodeInvalid {
		t.Errorf("a backwards range: %v", err)
	}
	if calls := sim.Calls(alibabawire.MethodOrderList); calls < 3 {
		t.Errorf("%d order.list calls", calls)
	}
}
