package storetest

import (
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// OpenBackfill returns a new, empty backend whose clock is now, and an exec
// that runs one SQL statement on it with ? placeholders rewritten as the
// backend needs.
type OpenBackfill func(t *testing.T, now func() time.Time) (store.Store, func(query string, args ...any) error)

var ndOrgSeq atomic.Int64

// RunNextDeadlineBackfill checks migration 0370's backfill (the statement
// backfill) against store.SortValue: rows stored before the migration carry
// the default next_ns (no deadline), and after the backfill every case lists
// in NEXT_DEADLINE_ASC where the reference puts it, and a nextDeadlineBefore
// filter at each case's deadline and one nanosecond later pins its value
// exactly: fractions of a second, whole seconds, respondBy against refundBy,
// closed cases with stale deadlines.
func RunNextDeadlineBackfill(t *testing.T, open OpenBackfill, backfill string) {
	ctx := t.Context()
	s, exec := open(t, func() time.Time { return start })
	org := returns.OrgID(fmt.Sprintf("bf-next-%d", ndOrgSeq.Add(1)))
	fx := NewFixtures(70, start)
	at := func(h int, ns int) *time.Time {
		v := start.Add(time.Duration(h)*time.Hour + time.Duration(ns))
		return &v
	}
	statuses := []returns.Status{returns.StatusRequested, returns.StatusReceived, returns.StatusRefundPending,
		returns.StatusEscalated, returns.StatusRefunded, returns.StatusClosed, returns.StatusCancelled, returns.StatusRejected}
	var all []*returns.Case
	for i := range 40 {
		c := fx.Case()
		c.Status = statuses[i%len(statuses)]
		c.Deadlines.RespondBy, c.Deadlines.RefundBy = nil, nil
		switch i % 5 {
		case 0: // refundBy alone, nine fraction digits
			c.Deadlines.RefundBy = at(i, 123456789+i)
		case 1: // respondBy alone
			c.Deadlines.RespondBy = at(i, 1000)
		case 2: // refundBy earlier, a fraction with trailing zeros
			c.Deadlines.RespondBy, c.Deadlines.RefundBy = at(i+5, 0), at(i, 500000000)
		case 3: // respondBy earlier, refundBy on a whole second
			c.Deadlines.RespondBy, c.Deadlines.RefundBy = at(i, 7), at(i+1, 0)
		}
		res, err := s.UpsertCase(ctx, org, c, store.Change{Source: returns.SourcePoll})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, res.Case)
	}
	// The rows as the migration finds them: the column's default, then the backfill.
	if err := exec(`UPDATE cases SET next_ns = 9223372036854775807`); err != nil {
		t.Fatal(err)
	}
	if err := exec(backfill); err != nil {
		t.Fatal(err)
	}
	o := store.OrderNextDeadlineAsc
	ref := reference(all, returns.Filter{}, o)
	page, err := s.ListCases(ctx, org, store.ListQuery{Order: o, First: store.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := keysOf(page.Cases), keysOf(ref); !slices.Equal(got, want) {
		t.Fatalf("after the backfill, NEXT_DEADLINE_ASC lists\n%v\nwant\n%v", got, want)
	}
	for _, c := range all {
		n := c.NextSellerDeadline()
		if n == nil {
			continue
		}
		for _, bound := range []time.Time{*n, n.Add(time.Nanosecond)} {
			f := returns.Filter{NextDeadlineBefore: &bound}
			p, err := s.ListCases(ctx, org, store.ListQuery{Order: o, First: store.MaxPageSize, Filter: f})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := keysOf(p.Cases), keysOf(reference(all, f, o)); !slices.Equal(got, want) {
				t.Fatalf("after the backfill, nextDeadlineBefore %s lists\n%v\nwant\n%v", bound.Format(time.RFC3339Nano), got, want)
			}
		}
	}
}

func keysOf(cs []*returns.Case) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = keyOf(c)
	}
	return out
}
