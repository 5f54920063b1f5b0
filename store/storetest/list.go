package storetest

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// orders are the list orders, each of which every list test walks.
func orders() []store.Order {
	return []store.Order{store.OrderUpdatedDesc, store.OrderRespondByAsc, store.OrderCreatedDesc, store.OrderNextDeadlineAsc}
}

func (s suite) list(t *testing.T) {
	t.Run("FiltersOrdersPaging", s.listFiltersOrdersPaging)
	t.Run("Ties", s.listTies)
	t.Run("DefaultOrder", s.listDefaultOrder)
	t.Run("FollowsWrites", s.listFollowsWrites)
	t.Run("Empty", s.listEmpty)
	t.Run("Invalid", s.listInvalid)
}

// listData is an organisation's cases with the instants that several of them
// share, so that filters and orders meet ties.
type listData struct {
	cases      []*returns.Case // as stored
	updatedTie time.Time
	createdTie time.Time
	respondTie time.Time
	sharedOrd  string
}

func (e *env) seedList(t *testing.T, org returns.OrgID, seed uint64, n int) listData {
	t.Helper()
	if n < 18 {
		t.Fatalf("seedList needs at least 18 cases, not %d", n)
	}
	d := listData{
		updatedTie: start.Add(-36 * time.Hour),
		createdTie: start.Add(-72 * time.Hour),
		respondTie: start.Add(20 * time.Hour),
	}
	cs := NewFixtures(seed, start).Cases(n)
	for i, c := range cs {
		if i%6 == 0 {
			c.UpdatedAt = d.updatedTie
		}
		if i%7 == 0 {
			c.CreatedAt = d.createdTie
		}
		if i%5 == 0 {
			r := d.respondTie
			c.Deadlines.RespondBy = &r
		}
		if i%11 == 3 {
			c.Deadlines.RespondBy = nil
		}
		// refundBy: before, at or after the respondBy, alone, with a
		// nanosecond fraction; so the next deadline meets every case
		// (closed cases included, which have none).
		switch i % 4 {
		case 1:
			r := d.respondTie.Add(-time.Duration(i) * time.Hour)
			c.Deadlines.RefundBy = &r
		case 2:
			r := d.respondTie
			c.Deadlines.RefundBy = &r
		case 3:
			r := start.Add(time.Duration(i)*time.Hour + time.Duration(i)*1234567*time.Nanosecond)
			c.Deadlines.RefundBy = &r
		}
	}
	d.sharedOrd = cs[3].OrderID
	cs[8].OrderID = d.sharedOrd
	cs[17].OrderID = d.sharedOrd
	for _, c := range cs {
		e.clock.Advance(time.Millisecond)
		d.cases = append(d.cases, e.upsert(t, org, c, store.Change{Source: returns.SourcePoll}).Case)
	}
	return d
}

// reference is what a list must hold: the cases that Filter.Match accepts,
// sorted by the order's cursors.
func reference(all []*returns.Case, f returns.Filter, o store.Order) []*returns.Case {
	var out []*returns.Case
	for _, c := range all {
		if f.Match(c) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b *returns.Case) int {
		ca, cb := store.CursorFor(o, a), store.CursorFor(o, b)
		switch {
		case ca.Before(cb):
			return -1
		case cb.Before(ca):
			return 1
		}
		return 0
	})
	return out
}

func (s suite) listFiltersOrdersPaging(t *testing.T) {
	e := s.env(t)
	d := e.seedList(t, e.orgA, 40, 80)
	e.seedList(t, e.orgB, 41, 25) // another organisation's cases must never show
	ns := time.Nanosecond
	ptr := func(t time.Time) *time.Time { return &t }

	filters := []struct {
		name string
		f    returns.Filter
	}{
		{"none", returns.Filter{}},
		{"platform", returns.Filter{Platforms: []returns.PlatformID{returns.XHS}}},
		{"platforms", returns.Filter{Platforms: []returns.PlatformID{returns.Alibaba, returns.AliExpress}}},
		{"statuses", returns.Filter{Statuses: []returns.Status{returns.StatusRequested, returns.StatusNegotiating, returns.StatusEscalated}}},
		{"reasons", returns.Filter{Reasons: []returns.Reason{returns.ReasonQualityDefect, returns.ReasonDamagedInTransit}}},
		{"markets", returns.Filter{Markets: []returns.Market{returns.MarketCrossBorderBonded, returns.MarketDomestic}}},
		{"kinds", returns.Filter{Kinds: []returns.Kind{returns.KindExchange}}},
		{"shops", returns.Filter{ShopIDs: []string{"xhs-global-bonded", "ae-gadgets-store"}}},
		{"order", returns.Filter{OrderID: d.sharedOrd}},
		{"respond before tie+1ns", returns.Filter{RespondBefore: ptr(d.respondTie.Add(ns))}},
		{"respond before tie", returns.Filter{RespondBefore: ptr(d.respondTie)}},
		{"next deadline before tie+1ns", returns.Filter{NextDeadlineBefore: ptr(d.respondTie.Add(ns))}},
		{"next deadline before tie", returns.Filter{NextDeadlineBefore: ptr(d.respondTie)}},
		{"updated after tie", returns.Filter{UpdatedAfter: ptr(d.updatedTie)}},
		{"updated after tie-1ns", returns.Filter{UpdatedAfter: ptr(d.updatedTie.Add(-ns))}},
		{"combined", returns.Filter{
			Platforms: []returns.PlatformID{returns.XHS, returns.AliExpress},
			Statuses:  []returns.Status{returns.StatusRequested, returns.StatusInTransit, returns.StatusAwaitingBuyerShipment, returns.StatusNegotiating},
			Kinds:     []returns.Kind{returns.KindReturnAndRefund, returns.KindRefundOnly},
		}},
		{"combined with times", returns.Filter{
			Markets:       []returns.Market{returns.MarketCrossBorderDirect},
			RespondBefore: ptr(start.Add(72 * time.Hour)),
			UpdatedAfter:  ptr(start.Add(-20 * 24 * time.Hour)),
		}},
		{"statuses with next deadline", returns.Filter{
			Statuses:           []returns.Status{returns.StatusRequested, returns.StatusReceived, returns.StatusRefunded},
			NextDeadlineBefore: ptr(start.Add(72 * time.Hour)),
		}},
		{"no match", returns.Filter{OrderID: "no-such-order"}},
		{"unknown platform", returns.Filter{Platforms: []returns.PlatformID{"TAOBAO"}}},
	}
	sizes := []int{5, 7, 0, 100, 6, 13}
	counts := map[string]int{}
	for fi, fc := range filters {
		for oi, o := range orders() {
			ref := reference(d.cases, fc.f, o)
			counts[fc.name] = len(ref)
			n := sizes[(fi*3+oi)%len(sizes)]
			t.Run(fmt.Sprintf("%s,%s,size=%d", fc.name, o, n), func(t *testing.T) {
				l := lister{e: e, org: e.orgA, f: fc.f, o: o, full: fc.name == "none"}
				l.forward(t, ref, n)
				l.backward(t, ref, n)
				if len(ref) > 0 {
					l.jumps(t, ref, n, (fi*31+oi*17)%len(ref))
				}
			})
		}
	}
	// The data must make each filter mean something.
	for _, fc := range filters {
		n := counts[fc.name]
		switch fc.name {
		case "none":
			if n != len(d.cases) {
				t.Fatalf("filter none matches %d of %d", n, len(d.cases))
			}
		case "no match", "unknown platform":
			if n != 0 {
				t.Fatalf("filter %s matches %d", fc.name, n)
			}
		default:
			if n == 0 || n == len(d.cases) {
				t.Fatalf("fixture problem: filter %q matches %d of %d cases", fc.name, n, len(d.cases))
			}
		}
	}
	if counts["respond before tie"] == counts["respond before tie+1ns"] || counts["updated after tie"] == counts["updated after tie-1ns"] ||
		counts["next deadline before tie"] == counts["next deadline before tie+1ns"] {
		t.Fatal("fixture problem: the tied instants do not sit on the filters' boundaries")
	}
}

// lister walks one filter in one order.
type lister struct {
	e    *env
	org  returns.OrgID
	f    returns.Filter
	o    store.Order
	full bool // compare whole cases, not only keys and versions
}

func (l lister) list(t *testing.T, q store.ListQuery) *store.CasePage {
	t.Helper()
	q.Filter, q.Order = l.f, l.o
	page, err := l.e.s.ListCases(t.Context(), l.org, q)
	if err != nil {
		t.Fatalf("ListCases(%s): %v", describe(q), err)
	}
	if page == nil {
		t.Fatalf("ListCases(%s) returned no page", describe(q))
	}
	return page
}

// check compares a page with the reference's want, and returns the page's
// decoded cursors.
func (l lister) check(t *testing.T, q store.ListQuery, page *store.CasePage, want []*returns.Case, total int, hasPrev, hasNext bool) []store.Cursor {
	t.Helper()
	what := describe(q)
	if len(page.Cases) != len(want) || !sameKeys(page.Cases, want) {
		t.Fatalf("ListCases(%s):\n got %s\nwant %s", what, keys(page.Cases), keys(want))
	}
	if page.TotalCount != total {
		t.Fatalf("ListCases(%s): TotalCount %d, want %d", what, page.TotalCount, total)
	}
	if page.HasPreviousPage != hasPrev || page.HasNextPage != hasNext {
		t.Fatalf("ListCases(%s): HasPreviousPage=%v HasNextPage=%v, want %v %v", what, page.HasPreviousPage, page.HasNextPage, hasPrev, hasNext)
	}
	if len(page.Cursors) != len(page.Cases) {
		t.Fatalf("ListCases(%s): %d cursors for %d cases", what, len(page.Cursors), len(page.Cases))
	}
	curs := make([]store.Cursor, len(page.Cursors))
	for i, s := range page.Cursors {
		c, err := store.DecodeCursor(s)
		if err != nil {
			t.Fatalf("ListCases(%s): cursor %d %q: %v", what, i, s, err)
		}
		if w := store.CursorFor(l.o, want[i]); *c != w {
			t.Fatalf("ListCases(%s): cursor %d is %+v, want %+v", what, i, *c, w)
		}
		curs[i] = *c
		if page.Cases[i].Version != want[i].Version {
			t.Fatalf("ListCases(%s): %s has Version %d, want %d", what, keyOf(want[i]), page.Cases[i].Version, want[i].Version)
		}
		if l.full {
			sameCase(t, "listed "+keyOf(want[i]), page.Cases[i], want[i])
		}
	}
	return curs
}

// forward pages from the start to the end with first/after.
func (l lister) forward(t *testing.T, ref []*returns.Case, n int) {
	size := n
	if size == 0 {
		size = store.DefaultPageSize
	}
	var after *store.Cursor
	for pos := 0; ; {
		q := store.ListQuery{First: n, After: after}
		end := min(pos+size, len(ref))
		curs := l.check(t, q, l.list(t, q), ref[pos:end], len(ref), pos > 0, end < len(ref))
		if end == len(ref) {
			return
		}
		after, pos = &curs[len(curs)-1], end
	}
}

// backward pages from the end to the start with last/before.
func (l lister) backward(t *testing.T, ref []*returns.Case, n int) {
	size := n
	if size == 0 {
		size = store.DefaultPageSize
	}
	var before *store.Cursor
	for end := len(ref); ; {
		q := store.ListQuery{Last: n, Before: before}
		if before == nil {
			q.Last = size // without a cursor, no sizes mean first
		}
		begin := max(0, end-size)
		curs := l.check(t, q, l.list(t, q), ref[begin:end], len(ref), begin > 0, end < len(ref))
		if begin == 0 {
			return
		}
		before, end = &curs[0], begin
	}
}

// jumps starts pages at the cursors of the cases at positions, at cursors
// just beside them that match no case (a case that changed between two
// pages leaves such a cursor behind), and at cursors before and after all.
func (l lister) jumps(t *testing.T, ref []*returns.Case, n int, positions ...int) {
	size := n
	if size == 0 {
		size = store.DefaultPageSize
	}
	var curs []store.Cursor
	for _, i := range positions {
		c := store.CursorFor(l.o, ref[i])
		curs = append(curs, c)
		between := c
		between.CaseID += "0" // just after the case among equal sort values and platforms
		curs = append(curs, between)
		nudged := c
		if nudged.Value != store.NoDeadline {
			nudged.Value++
		}
		curs = append(curs, nudged)
	}
	curs = append(curs,
		store.Cursor{Order: l.o, Value: math.MinInt64, Platform: returns.XHS, CaseID: "0"},
		store.Cursor{Order: l.o, Value: store.NoDeadline, Platform: returns.Alibaba, CaseID: "~"},
		store.Cursor{Order: l.o, Value: start.Add(-10 * 24 * time.Hour).UnixNano(), Platform: returns.AliExpress, CaseID: "5"},
	)
	for _, c := range curs {
		// Cases strictly before the cursor, and those at or before it.
		before, notAfter := 0, 0
		for _, r := range ref {
			rc := store.CursorFor(l.o, r)
			if rc.Before(c) {
				before++
			}
			if !c.Before(rc) {
				notAfter++
			}
		}
		q := store.ListQuery{First: n, After: &c}
		end := min(notAfter+size, len(ref))
		l.check(t, q, l.list(t, q), ref[notAfter:end], len(ref), notAfter > 0, end < len(ref))

		q = store.ListQuery{Last: n, Before: &c}
		begin := max(0, before-size)
		l.check(t, q, l.list(t, q), ref[begin:before], len(ref), begin > 0, before < len(ref))
	}
}

// Cases with equal sort values are ordered by their key, in the direction of
// the order, and pages split between them without losing or repeating one.
func (s suite) listTies(t *testing.T) {
	e := s.env(t)
	fx := NewFixtures(42, start)
	at := start.Add(-time.Hour)
	var all []*returns.Case
	for i := range 30 {
		c := fx.Case()
		c.UpdatedAt, c.CreatedAt, c.Deadlines.RespondBy = at, at, nil
		if i%3 == 0 {
			r := at
			c.Deadlines.RespondBy = &r
		}
		if i%3 == 1 {
			r := at
			c.Deadlines.RefundBy = &r
		}
		// Distinct ids that sort differently as numbers and as text.
		c.PlatformCaseID = fmt.Sprint(i * 37 % 101)
		all = append(all, e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll}).Case)
	}
	for _, o := range orders() {
		ref := reference(all, returns.Filter{}, o)
		// The reference itself: within equal values, keys in the order's direction.
		for i := 1; i < len(ref); i++ {
			a, b := store.CursorFor(o, ref[i-1]), store.CursorFor(o, ref[i])
			if a.Value != b.Value {
				continue
			}
			cmp := strings.Compare(keyOf(ref[i-1]), keyOf(ref[i]))
			if (o.Descending() && cmp <= 0) || (!o.Descending() && cmp >= 0) {
				t.Fatalf("%s: reference puts %s before %s", o, keyOf(ref[i-1]), keyOf(ref[i]))
			}
		}
		if o == store.OrderRespondByAsc && ref[len(ref)-1].Deadlines.RespondBy != nil {
			t.Fatalf("RESPOND_BY_ASC: a case with a deadline comes last")
		}
		if o == store.OrderNextDeadlineAsc && ref[len(ref)-1].NextSellerDeadline() != nil {
			t.Fatalf("NEXT_DEADLINE_ASC: a case with a deadline comes last")
		}
		for _, n := range []int{1, 6} {
			l := lister{e: e, org: e.orgA, o: o, full: n == 6}
			l.forward(t, ref, n)
			l.backward(t, ref, n)
			l.jumps(t, ref, n, 0, len(ref)/3, len(ref)/2, len(ref)-1)
		}
	}
}

// An empty order is UPDATED_AT_DESC, cursors and all.
func (s suite) listDefaultOrder(t *testing.T) {
	e := s.env(t)
	d := e.seedList(t, e.orgA, 43, 25)
	ref := reference(d.cases, returns.Filter{}, store.OrderUpdatedDesc)
	l := lister{e: e, org: e.orgA, o: store.OrderUpdatedDesc}
	page, err := e.s.ListCases(t.Context(), e.orgA, store.ListQuery{First: 6})
	if err != nil {
		t.Fatal(err)
	}
	l.check(t, store.ListQuery{First: 6}, page, ref[:6], len(ref), false, true)
	next, err := store.DecodeCursor(page.Cursors[5])
	if err != nil {
		t.Fatal(err)
	}
	page, err = e.s.ListCases(t.Context(), e.orgA, store.ListQuery{After: next})
	if err != nil {
		t.Fatal(err)
	}
	l.check(t, store.ListQuery{After: next}, page, ref[6:], len(ref), true, false)
}

// Lists, their counts included, show every write at once, however often the
// same list was asked for before.
func (s suite) listFollowsWrites(t *testing.T) {
	e := s.env(t)
	d := e.seedList(t, e.orgA, 45, 30)
	fx := NewFixtures(46, start)
	all := d.cases
	requested := returns.Filter{Statuses: []returns.Status{returns.StatusRequested}}
	check := func(step string) {
		t.Helper()
		t.Run(step, func(t *testing.T) {
			for _, f := range []returns.Filter{{}, requested} {
				ref := reference(all, f, store.OrderUpdatedDesc)
				l := lister{e: e, org: e.orgA, f: f, o: store.OrderUpdatedDesc}
				for range 2 { // the same lists again, as a page reload asks them
					q := store.ListQuery{First: 4}
					l.check(t, q, l.list(t, q), ref[:min(4, len(ref))], len(ref), false, len(ref) > 4)
					q = store.ListQuery{Last: 4}
					l.check(t, q, l.list(t, q), ref[max(0, len(ref)-4):], len(ref), len(ref) > 4, false)
				}
			}
		})
	}
	check("seeded")

	write := func(c *returns.Case) {
		t.Helper()
		e.clock.Advance(time.Second)
		res := e.upsert(t, e.orgA, c, store.Change{Source: returns.SourceWebhook})
		for i, old := range all {
			if old.Key() == c.Key() {
				all[i] = res.Case
				return
			}
		}
		all = append(all, res.Case)
	}
	fresh := fx.Case()
	fresh.Status, fresh.UpdatedAt = returns.StatusRequested, start.Add(time.Hour)
	write(fresh)
	check("a new requested case")

	moved := Canonical(fresh)
	moved.Status = returns.StatusEscalated
	write(moved)
	check("the case escalated")

	other := fx.Case()
	other.Status = returns.StatusRequested
	e.clock.Advance(time.Second)
	e.upsert(t, e.orgB, other, store.Change{Source: returns.SourcePoll})
	check("a case in another organisation")

	again := Canonical(moved)
	again.Status, again.UpdatedAt = returns.StatusRequested, again.UpdatedAt.Add(-48*time.Hour)
	write(again)
	check("the case requested again, updated earlier")
}

// An organisation without cases lists an empty first page.
func (s suite) listEmpty(t *testing.T) {
	e := s.env(t)
	for _, o := range orders() {
		l := lister{e: e, org: e.orgB, o: o}
		l.forward(t, nil, 10)
		l.backward(t, nil, 10)
		c := store.Cursor{Order: o, Value: 1, Platform: returns.XHS, CaseID: "R1"}
		q := store.ListQuery{First: 5, After: &c}
		l.check(t, q, l.list(t, q), nil, 0, false, false)
	}
}

func (s suite) listInvalid(t *testing.T) {
	e := s.env(t)
	c := e.upsert(t, e.orgA, NewFixtures(44, start).Case(), store.Change{Source: returns.SourcePoll}).Case
	upd := store.CursorFor(store.OrderUpdatedDesc, c)
	resp := store.CursorFor(store.OrderRespondByAsc, c)
	bad := []store.ListQuery{
		{First: -1},
		{Last: -1},
		{First: 1, Last: 1},
		{First: store.MaxPageSize + 1},
		{Last: store.MaxPageSize + 1},
		{Last: 5, After: &upd},
		{First: 5, Before: &upd},
		{After: &upd, Before: &upd},
		{Order: "PRIORITY_DESC"},
		{Order: store.OrderUpdatedDesc, First: 5, After: &resp},
		{Order: store.OrderRespondByAsc, Last: 5, Before: &upd},
		{After: &resp},
	}
	for _, q := range bad {
		_, err := e.s.ListCases(t.Context(), e.orgA, q)
		wantCode(t, "ListCases("+describe(q)+")", err, returns.CodeInvalid)
	}
	_, err := e.s.ListCases(t.Context(), "", store.ListQuery{})
	wantCode(t, "ListCases without organisation", err, returns.CodeInvalid)
	// The largest page is allowed.
	if _, err := e.s.ListCases(t.Context(), e.orgA, store.ListQuery{First: store.MaxPageSize}); err != nil {
		t.Fatalf("first: %d: %v", store.MaxPageSize, err)
	}
}

func describe(q store.ListQuery) string {
	var b strings.Builder
	fmt.Fprintf(&b, "order=%q first=%d last=%d", q.Order, q.First, q.Last)
	if q.After != nil {
		fmt.Fprintf(&b, " after=%+v", *q.After)
	}
	if q.Before != nil {
		fmt.Fprintf(&b, " before=%+v", *q.Before)
	}
	return b.String()
}

func sameKeys(a, b []*returns.Case) bool {
	return slices.EqualFunc(a, b, func(x, y *returns.Case) bool { return x.Key() == y.Key() })
}

func keys(cs []*returns.Case) string {
	ks := make([]string, len(cs))
	for i, c := range cs {
		ks[i] = keyOf(c)
	}
	return "[" + strings.Join(ks, " ") + "]"
}
