package alibaba_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/adapters"
	"github.com/returnsgw/returnsgw/adapters/adapterstest"
	"github.com/returnsgw/returnsgw/adapters/alibaba"
	"github.com/returnsgw/returnsgw/adapters/alibaba/alibabasim"
	"github.com/returnsgw/returnsgw/returns"
)

// fastPolicy keeps the suite quick: a call to a simulator that is down fails
// within a second or two.
var fastPolicy = adapters.Policy{
	Retries:        1,
	WaitMin:        5 * time.Millisecond,
	WaitMax:        20 * time.Millisecond,
	AttemptTimeout: 2 * time.Second,
	CallTimeout:    4 * time.Second,
	Breaker:        adapters.BreakerPolicy{Failures: 0},
}

// startPair starts a seeded simulator and an adapter talking to it over real
// HTTP; both stop with the test.
func startPair(t *testing.T, now func() time.Time, opts alibabasim.Options) (*alibaba.Adapter, *alibabasim.Server) {
	t.Helper()
	opts.Now = now
	sim, err := alibabasim.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	url, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	a, err := alibaba.New(alibaba.Config{
		BaseURL:   url,
		AppKey:    sim.AppKey(),
		AppSecret: sim.AppSecret(),
		Session:   sim.Session(),
		Shop:      returns.Shop{ID: "alibaba-test", Name: "Test shop on Alibaba.com"},
		Policy:    fastPolicy,
		Now:       now,
		Logger:    slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a, sim
}

func TestConformance(t *testing.T) {
	adapterstest.Run(t, adapterstest.Harness{
		Platform: returns.Alibaba,
		New: func(t *testing.T, now func() time.Time) (returns.Platform, adapterstest.Sim) {
			return startPair(t, now, alibabasim.Options{Seed: 1})
		},
		UnknownStatus: returns.StatusRequested,
	})
}

// The suite again on other seeds.
func TestConformanceOtherSeeds(t *testing.T) {
	for _, seed := range []int64{2, 3} {
		t.Run("seed", func(t *testing.T) {
			adapterstest.Run(t, adapterstest.Harness{
				Platform: returns.Alibaba,
				New: func(t *testing.T, now func() time.Time) (returns.Platform, adapterstest.Sim) {
					return startPair(t, now, alibabasim.Options{Seed: seed})
				},
				UnknownStatus: returns.StatusRequested,
			})
		})
	}
}

// Three weeks after the spring daylight-saving change the seeded DST hour is
// the one that does not exist on Pacific clocks: a walk still lists every
// case once, and every case normalizes with UTC times.
func TestWalkAndReadAcrossSpringForward(t *testing.T) {
	clock := adapterstest.NewClock(time.Date(2026, 3, 28, 17, 0, 0, 0, time.UTC))
	a, sim := startPair(t, clock.Now, alibabasim.Options{Seed: 4})
	refs, _ := walkAll(t, a, "", clock.Now())
	seen := map[string]int{}
	for _, r := range refs {
		seen[r.PlatformCaseID]++
	}
	for _, id := range sim.CaseIDs() {
		if seen[id] != 1 {
			t.Errorf("case %s listed %d times", id, seen[id])
		}
		c, err := a.GetCase(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if c.CreatedAt.Location() != time.UTC || c.UpdatedAt.Before(c.CreatedAt) {
			t.Errorf("case %s: created %v updated %v", id, c.CreatedAt, c.UpdatedAt)
		}
	}
	if len(seen) != len(sim.CaseIDs()) {
		t.Errorf("listed %d cases, the simulator holds %d", len(seen), len(sim.CaseIDs()))
	}
}
