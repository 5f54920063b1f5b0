package storetest

import (
	"fmt"
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
	filters := []returns.Filter{
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
		{Reasons: []returns.Reason{c0.Reason}},
		{OrderID: c0.OrderID},
		{RespondBefore: ptr(start.Add(30 * time.Hour))},
		{UpdatedAfter: ptr(start.Add(-40 * time.Hour))},
	}
	check := func(step string) {
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
