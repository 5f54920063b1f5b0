package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// countsFollowWrites checks that TotalCount is exact for filters on every
// dimension, alone and combined, after writes that move cases from one
// platform status, kind, market or shop to another, add cases, and reset
// another organisation.
func (s suite) countsFollowWrites(t *testing.T) {
	e := s.env(t)
	d := e.seedList(t, e.orgA, 70, 60)
	e.seedList(t, e.orgB, 71, 20)
	all := d.cases
	c0 := all[0]
	filters := countFilters(c0)
	check := func(step string) {
		t.Helper()
		e.checkCounts(t, step, all, filters)
	}
	check("seeded")

	write := func(c *returns.Case) {
		t.Helper()
		e.clock.Advance(time.Millisecond)
		res := e.upsert(t, e.orgA, c, store.Change{Source: returns.SourceWebhook})
		for i, old := range all {
			if old.Key() == c.Key() {
				all[i] = res.Case
				return
			}
		}
		all = append(all, res.Case)
	}
	shops := map[string]bool{}
	for _, c := range all {
		shops[c.ShopID] = true
	}
	for i := range 12 {
		n := Canonical(all[i*4])
		switch i % 4 {
		case 0:
			n.Status = returns.StatusRequested
			if all[i*4].Status == returns.StatusRequested {
				n.Status = returns.StatusClosed
			}
		case 1:
			n.ShopID = fmt.Sprintf("moved-shop-%d", i)
			if i == 5 {
				n.ShopID = c0.ShopID
			}
		case 2:
			n.Kind = returns.KindRefundOnly
			if all[i*4].Kind == returns.KindRefundOnly {
				n.Kind = returns.KindExchange
			}
			n.Market = c0.Market
		case 3:
			n.Status, n.Kind, n.Market = c0.Status, c0.Kind, c0.Market
		}
		write(n)
		check(fmt.Sprintf("move %d", i))
	}
	for _, c := range NewFixtures(72, start).Cases(5) {
		write(c)
	}
	check("new cases")
	same := Canonical(all[3])
	write(same) // unchanged: no count moves
	check("an unchanged write")
	if err := e.s.ResetOrganisation(t.Context(), e.orgB); err != nil {
		t.Fatal(err)
	}
	check("another organisation reset")
}

func ptr[T any](v T) *T { return &v }

// countFilters are filters on every dimension, alone and combined, around
// c0's values and the buckets of inBucket: some are summed from kept counts
// (store.CountsKept), some counted.
func countFilters(c0 *returns.Case) []returns.Filter {
	return []returns.Filter{
		{},
		{Platforms: []returns.PlatformID{returns.XHS}},
		{Platforms: []returns.PlatformID{returns.XHS, returns.AliExpress}},
		{Statuses: []returns.Status{returns.StatusRequested}},
		{Statuses: []returns.Status{returns.StatusRequested, returns.StatusEscalated, returns.StatusClosed}},
		{Platforms: []returns.PlatformID{returns.XHS}, Statuses: []returns.Status{returns.StatusRequested}},
		{Kinds: []returns.Kind{c0.Kind}},
		{Markets: []returns.Market{c0.Market}},
		{ShopIDs: []string{c0.ShopID}},
		{Platforms: []returns.PlatformID{c0.Platform}, Statuses: []returns.Status{c0.Status}, Kinds: []returns.Kind{c0.Kind},
			Markets: []returns.Market{c0.Market}, ShopIDs: []string{c0.ShopID}},
		{ShopIDs: []string{bucketShops[0]}},
		{ShopIDs: bucketShops, Kinds: []returns.Kind{returns.KindExchange}},
		{Markets: []returns.Market{returns.MarketCrossBorderBonded}, Statuses: returns.Statuses[:3]},
		{Reasons: []returns.Reason{c0.Reason}},
		{OrderID: c0.OrderID},
		{RespondBefore: ptr(start.Add(30 * time.Hour))},
		{UpdatedAfter: ptr(start.Add(-40 * time.Hour))},
		{ShopIDs: []string{bucketShops[1]}, UpdatedAfter: ptr(start.Add(-40 * time.Hour))},
	}
}

// checkCounts checks the organisation A's TotalCount for every filter and
// order against all, the cases it holds.
func (e *env) checkCounts(t *testing.T, step string, all []*returns.Case, filters []returns.Filter) {
	t.Helper()
	for i, f := range filters {
		for _, o := range orders() {
			p, err := e.s.ListCases(t.Context(), e.orgA, store.ListQuery{Filter: f, Order: o, First: 1})
			if err != nil {
				t.Fatalf("%s: filter %d: %v", step, i, err)
			}
			if want := len(reference(all, f, o)); p.TotalCount != want {
				t.Errorf("%s: filter %d %+v order %s: totalCount %d, want %d", step, i, f, o, p.TotalCount, want)
			}
		}
	}
}

// bucketShops are the shops inBucket moves cases between.
var bucketShops = []string{"count-shop-a", "count-shop-b"}

// inBucket returns a copy of c moved to bucket n of a small grid of
// statuses, kinds, markets and shops (neighbouring n differ in status), with
// a note that makes every such write a change.
func inBucket(c *returns.Case, n int) *returns.Case {
	k := Canonical(c)
	kinds := []returns.Kind{returns.KindRefundOnly, returns.KindReturnAndRefund, returns.KindExchange}
	markets := []returns.Market{returns.MarketDomestic, returns.MarketCrossBorderBonded, returns.MarketCrossBorderDirect}
	k.Status = returns.Statuses[n%len(returns.Statuses)]
	k.Kind = kinds[n/2%len(kinds)]
	k.Market = markets[n/3%len(markets)]
	k.ShopID = bucketShops[n/5%len(bucketShops)]
	k.Note = fmt.Sprintf("bucket %d", n)
	return k
}

// current reads every case of all again, as stored now.
func (e *env) current(t *testing.T, all []*returns.Case) []*returns.Case {
	t.Helper()
	out := make([]*returns.Case, len(all))
	for i, c := range all {
		out[i] = e.get(t, e.orgA, c.Key())
	}
	return out
}

// countsConcurrent checks that TotalCount stays exact when many goroutines
// write at once: the same case from each of them, each its own case from
// bucket to bucket, and new cases.
func (s suite) countsConcurrent(t *testing.T) {
	const workers, rounds = 6, 4
	e := s.env(t)
	all := e.seedList(t, e.orgA, 73, 24).cases
	e.seedList(t, e.orgB, 74, 18)
	shared := all[0]
	fresh := NewFixtures(75, start).Cases(workers)
	errs := make(chan error, workers*(2*rounds+1))
	begin := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			up := func(c *returns.Case) {
				_, err := e.s.UpsertCase(t.Context(), e.orgA, c, store.Change{Source: returns.SourceWebhook})
				errs <- err
			}
			for r := range rounds {
				up(inBucket(shared, w*rounds+r))
				up(inBucket(all[1+w], w+r))
			}
			up(fresh[w])
		}()
	}
	close(begin)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent UpsertCase: %v", err)
		}
	}
	all = e.current(t, append(all, fresh...))
	e.checkCounts(t, "after concurrent writes", all, countFilters(shared))
}

// countsBatched checks that TotalCount stays exact after windows
// (UpsertCases) that add cases, move several cases into and out of the same
// buckets, swap two cases' buckets, leave cases where they are, are refused
// whole, and run concurrently with windows that cross the same buckets in
// the other order.
func (s suite) countsBatched(t *testing.T) {
	e := s.env(t)
	all := e.seedList(t, e.orgA, 76, 30).cases
	filters := countFilters(all[0])
	fresh := NewFixtures(77, start).Cases(40)
	upsert := func(ws []store.CaseWrite) error {
		_, err := e.s.UpsertCases(t.Context(), e.orgA, ws)
		return err
	}
	window := func(step string, ws ...store.CaseWrite) {
		t.Helper()
		if err := upsert(ws); err != nil {
			t.Fatalf("%s: UpsertCases: %v", step, err)
		}
		for _, w := range ws {
			if !slices.ContainsFunc(all, func(c *returns.Case) bool { return c.Key() == w.Case.Key() }) {
				all = append(all, w.Case)
			}
		}
		all = e.current(t, all)
		e.checkCounts(t, step, all, filters)
	}
	poll := store.Change{Source: returns.SourcePoll}
	write := func(c *returns.Case) store.CaseWrite { return store.CaseWrite{Case: c, Change: poll} }

	window("new cases and moves into one bucket",
		write(fresh[0]), write(inBucket(all[1], 0)), write(fresh[1]), write(inBucket(all[2], 0)),
		write(inBucket(all[3], 1)), write(Canonical(all[4])), // unchanged
		store.CaseWrite{Case: Canonical(all[5]), Change: store.Change{Source: returns.SourceMutation, Always: true}},
		write(inBucket(fresh[2], 1)))
	window("a swap and moves out of a bucket",
		write(inBucket(all[1], 1)), write(inBucket(all[3], 0)), write(inBucket(all[2], 7)), write(inBucket(fresh[3], 7)))
	refused := []store.CaseWrite{write(inBucket(all[6], 3)), write(fresh[4]), write(inBucket(all[6], 4))}
	if err := upsert(refused); returns.ErrorCodeOf(err) != returns.CodeInvalid {
		t.Fatalf("a window with one case twice: %v, want INVALID", err)
	}
	e.checkCounts(t, "a refused window", all, filters)

	// Windows in parallel, each moving its own cases through buckets
	// 0..5, half of them in the reverse order.
	const windows, size = 4, 5
	errs := make(chan error, windows*3)
	var wg sync.WaitGroup
	for g := range windows {
		own := fresh[10+g*size : 10+(g+1)*size]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range 3 {
				ws := make([]store.CaseWrite, 0, size)
				for i, c := range own {
					n := r + i
					if g%2 == 1 {
						n = 5 - n%6
					}
					ws = append(ws, write(inBucket(c, n)))
				}
				errs <- upsert(ws)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent UpsertCases: %v", err)
		}
	}
	all = e.current(t, append(all, fresh[10:10+windows*size]...))
	e.checkCounts(t, "concurrent windows", all, filters)
}

// listWithoutRaw checks that a list asked WithoutRaw gives the same page with
// every Raw map left out, and that a list asked without it keeps them.
func (s suite) listWithoutRaw(t *testing.T) {
	e := s.env(t)
	d := e.seedList(t, e.orgA, 80, 30)
	withRaw := 0
	for _, c := range d.cases {
		if len(c.Raw) > 0 {
			withRaw++
		}
	}
	if withRaw == 0 {
		t.Fatal("the fixture has no case with Raw")
	}
	full, err := e.s.ListCases(t.Context(), e.orgA, store.ListQuery{First: 30})
	if err != nil {
		t.Fatal(err)
	}
	lean, err := e.s.ListCases(t.Context(), e.orgA, store.ListQuery{First: 30, WithoutRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Cases) != 30 || len(lean.Cases) != 30 || lean.TotalCount != full.TotalCount {
		t.Fatalf("pages of %d and %d cases", len(full.Cases), len(lean.Cases))
	}
	kept := 0
	for i, c := range full.Cases {
		if len(c.Raw) > 0 {
			kept++
		}
		want := Canonical(c)
		want.Raw = nil
		for j := range want.Lines {
			want.Lines[j].Raw = nil
		}
		sameCase(t, "case without raw "+keyOf(c), lean.Cases[i], want)
		if lean.Cases[i].Raw != nil {
			t.Errorf("%s: Raw %v on a list without it", keyOf(c), lean.Cases[i].Raw)
		}
		for _, l := range lean.Cases[i].Lines {
			if l.Raw != nil {
				t.Errorf("%s: a line's Raw %v on a list without it", keyOf(c), l.Raw)
			}
		}
	}
	if kept != withRaw {
		t.Errorf("a list with Raw kept it on %d cases of %d", kept, withRaw)
	}

	// With RawKeys, the case's own Raw keeps those keys (and no others);
	// a line's Raw is still left out.
	var keys []string
	for _, c := range full.Cases {
		for k := range c.Raw {
			keys = append(keys, k)
			break
		}
		if len(keys) > 0 {
			break
		}
	}
	keys = append(keys, "no-such-key")
	some, err := e.s.ListCases(t.Context(), e.orgA, store.ListQuery{First: 30, WithoutRaw: true, RawKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	if len(some.Cases) != 30 {
		t.Fatalf("a page of %d cases with RawKeys", len(some.Cases))
	}
	for i, c := range full.Cases {
		want := Canonical(c)
		want.Raw = nil
		for _, k := range keys {
			if v, ok := c.Raw[k]; ok {
				if want.Raw == nil {
					want.Raw = map[string]string{}
				}
				want.Raw[k] = v
			}
		}
		for j := range want.Lines {
			want.Lines[j].Raw = nil
		}
		sameCase(t, "case with RawKeys "+keyOf(c), some.Cases[i], want)
	}
}
