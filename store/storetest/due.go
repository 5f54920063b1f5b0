package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// due checks DueCases against a reference built from store.DeadlineMarks:
// every open case with a mark in range comes, no other, on pages of any
// size, and writes that move, add or remove marks are followed.
func (s suite) due(t *testing.T) {
	e := s.env(t)
	cs := NewFixtures(11, start).Cases(240)
	for i, c := range cs {
		if c.Status == returns.StatusReceived && i%2 == 0 {
			r := c.UpdatedAt.Add(-time.Hour)
			c.ReceivedAt = &r
			c.Deadlines.RefundBy = nil // derived by rule from the receipt
		}
	}
	var stored []*returns.Case
	for _, c := range cs {
		stored = append(stored, e.upsert(t, e.orgA, c, store.Change{Source: returns.SourcePoll}).Case)
	}
	// Another organisation's cases, all due, never come.
	for _, c := range NewFixtures(12, start).Cases(30) {
		e.upsert(t, e.orgB, c, store.Change{Source: returns.SourcePoll})
	}
	q := store.DueQuery{From: start.Add(24 * time.Hour), To: start.Add(72 * time.Hour), Lead: 5 * 24 * time.Hour}

	check := func(t *testing.T, what string, all []*returns.Case) {
		t.Helper()
		want := dueReference(all, q)
		if len(want) == 0 {
			t.Fatalf("%s: the fixture has no due case", what)
		}
		for _, first := range []int{1, 3, 7, store.MaxDuePage} {
			got := e.allDue(t, e.orgA, q, first)
			if gk, wk := sortedKeys(got), sortedKeys(want); !slices.Equal(gk, wk) {
				t.Errorf("%s, pages of %d: got %d cases %v\nwant %d %v", what, first, len(gk), gk, len(wk), wk)
				continue
			}
			byKey := map[string]*returns.Case{}
			for _, c := range all {
				byKey[keyOf(c)] = c
			}
			for _, c := range got {
				sameCase(t, what+": due case "+keyOf(c), c, byKey[keyOf(c)])
			}
		}
	}
	check(t, "as stored", stored)

	// Move cases into and out of the range, close some, drop a deadline.
	var moved int
	for i, c := range stored {
		n := *c
		switch {
		case i%9 == 0 && n.Status.Open():
			n.Status = returns.StatusClosed
		case i%9 == 1:
			at := q.From.Add(time.Hour)
			n.Deadlines.RespondBy = &at
			if !n.Status.Open() {
				n.Status = returns.StatusNegotiating
			}
		case i%9 == 2 && n.Deadlines.RespondBy != nil:
			at := q.To.Add(time.Hour)
			n.Deadlines.RespondBy = &at
		default:
			continue
		}
		n.UpdatedAt = n.UpdatedAt.Add(time.Minute)
		e.clock.Advance(time.Millisecond)
		stored[i] = e.upsert(t, e.orgA, &n, store.Change{Source: returns.SourcePoll}).Case
		moved++
	}
	if moved == 0 {
		t.Fatal("no case was changed")
	}
	check(t, "after writes", stored)

	if p, err := e.s.DueCases(t.Context(), e.orgA, store.DueQuery{From: q.To, To: q.To.Add(time.Nanosecond), First: 5}); err != nil || len(p.Cases) != 0 || p.Next != "" {
		t.Errorf("an empty range: %v, %+v", err, p)
	}
	for _, bad := range []store.DueQuery{
		{From: q.From, To: q.To, First: 0},
		{From: q.From, To: q.To, First: store.MaxDuePage + 1},
		{From: q.To, To: q.From, First: 5},
		{From: q.From, To: q.To, First: 5, Lead: -time.Hour},
		{From: q.From, To: q.To, First: 5, After: "nonsense"},
	} {
		_, err := e.s.DueCases(t.Context(), e.orgA, bad)
		wantCode(t, "a bad due query", err, returns.CodeInvalid)
	}
	_, err := e.s.DueCases(t.Context(), "", q)
	wantCode(t, "due cases of no organisation", err, returns.CodeInvalid)
}

// allDue pages through DueCases and returns each case once.
func (e *env) allDue(t *testing.T, org returns.OrgID, q store.DueQuery, first int) []*returns.Case {
	t.Helper()
	q.First = first
	seen := map[string]bool{}
	var out []*returns.Case
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatal("DueCases never ends")
		}
		p, err := e.s.DueCases(t.Context(), org, q)
		if err != nil {
			t.Fatalf("DueCases: %v", err)
		}
		if len(p.Cases) > first {
			t.Fatalf("DueCases returned %d cases on a page of %d", len(p.Cases), first)
		}
		for _, c := range p.Cases {
			if !seen[keyOf(c)] {
				seen[keyOf(c)] = true
				out = append(out, c)
			}
		}
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
}

// dueReference is what DueCases must return for q.
func dueReference(all []*returns.Case, q store.DueQuery) []*returns.Case {
	var out []*returns.Case
	for _, c := range all {
		for _, m := range store.DeadlineMarks(c) {
			lo := q.From
			if m.Anchor {
				lo = q.From.Add(-q.Lead)
			}
			if !m.At.Before(lo) && m.At.Before(q.To) {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func sortedKeys(cs []*returns.Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = keyOf(c)
	}
	slices.Sort(out)
	return out
}
