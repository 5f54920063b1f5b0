package storetest_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
	"github.com/returnsgw/returnsgw/store/storetest"
)

// Each broken backend fails the suite; the unbroken one passes the same parts.
func TestSuiteCatchesBrokenBackends(t *testing.T) {
	// Backends with one bug each, and the part of the suite that must catch it.
	catchesMutants(t, "TestMutant", []mutantCase{
		{"upsert-always-writes-event", "^Upsert$/^Unchanged$"},
		{"upsert-drops-detail", "^Upsert$/^Always$"},
		{"upsert-version-stuck", "^Upsert$/^Version$"},
		{"upsert-unchanged-returns-input", "^Upsert$/^Unchanged$"},
		{"times-truncated-to-ms", "^Upsert$/^RoundTrip$"},
		{"times-not-utc", "^Upsert$/^RoundTrip$"},
		{"events-previous-status-lost", "^Events$/^Paging$"},
		{"events-page-skips-one", "^Events$/^Paging$"},
		{"get-not-found-untyped", "^Get$"},
		{"get-cases-compacted", "^Get$"},
		{"list-drops-last", "^List$/^DefaultOrder$"},
		{"list-no-previous-page", "^List$/^DefaultOrder$"},
		{"list-total-is-page", "^List$/^DefaultOrder$"},
		{"list-wrong-cursors", "^List$/^DefaultOrder$"},
		{"list-ignores-shops", "^List$/^FiltersOrdersPaging$/^shops,"},
		{"list-updated-after-inclusive", "^List$/^FiltersOrdersPaging$/^updated_after_tie,"},
		{"list-org-blind", "^Isolation$"},
		{"list-stale-count", "^List$/^FollowsWrites$"},
		{"cursors-org-blind", "^Cursors$"},
		{"counts-miss-moves", "^Counts$"},
		{"batch-not-atomic", "^Batch$/^Atomic$"},
		{"batch-drops-events", "^Batch$/^Window$"},
		{"list-raw-always", "^WithoutRaw$"},
		{"due-drops-anchors", "^Due$"},
		{"due-page-skips-one", "^Due$"},
		{"claim-always-free", "^Idempotency$"},
		{"unknown-releases-key", "^Idempotency$/^Unknown$"},
		{"unsettled-skips-in-progress", "^Idempotency$/^Unknown$"},
	}, false)
}

// TestMutant runs the suite against the mutant a parent process names.
func TestMutant(t *testing.T) {
	name := mutantName(t, "TestSuiteCatchesBrokenBackends")
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return &mutant{Store: openMutantBase(t, now), name: name}
	})
}

// mutant is a correct store with the named bug.
type mutant struct {
	store.Store
	name string

	mu     sync.Mutex
	counts map[string]int // list-stale-count: the first count of each list
	// counts-miss-moves: a count kept with the organisation's size it was
	// counted at, as a backend that recounts on inserts only would.
	sized map[string][2]int
}

func (m *mutant) UpsertCase(ctx context.Context, org returns.OrgID, c *returns.Case, ch store.Change) (*store.UpsertResult, error) {
	switch m.name {
	case "upsert-always-writes-event":
		ch.Always = true
	case "upsert-drops-detail":
		ch.Detail = nil
	}
	res, err := m.Store.UpsertCase(ctx, org, c, ch)
	if err != nil {
		return res, err
	}
	switch m.name {
	case "upsert-version-stuck":
		res.Case.Version = 1
	case "upsert-unchanged-returns-input":
		if !res.Changed {
			res.Case = storetest.Canonical(c)
		}
	}
	return res, nil
}

func (m *mutant) GetCase(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Case, error) {
	c, err := m.Store.GetCase(ctx, org, key)
	switch {
	case m.name == "get-not-found-untyped" && returns.ErrorCodeOf(err) == returns.CodeNotFound:
		return nil, errors.New("no rows")
	case err != nil:
		return c, err
	case m.name == "upsert-version-stuck":
		c.Version = 1
	case m.name == "times-truncated-to-ms":
		c.CreatedAt = c.CreatedAt.Truncate(time.Millisecond)
		if c.Deadlines.RespondBy != nil {
			r := c.Deadlines.RespondBy.Truncate(time.Millisecond)
			c.Deadlines.RespondBy = &r
		}
	case m.name == "times-not-utc":
		c.UpdatedAt = c.UpdatedAt.In(returns.Shanghai)
	}
	return c, nil
}

func (m *mutant) GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error) {
	cs, err := m.Store.GetCases(ctx, org, keys)
	if err == nil && m.name == "get-cases-compacted" {
		var out []*returns.Case
		for _, c := range cs {
			if c != nil {
				out = append(out, c)
			}
		}
		return out, nil
	}
	return cs, err
}

func (m *mutant) ListCases(ctx context.Context, org returns.OrgID, q store.ListQuery) (*store.CasePage, error) {
	switch m.name {
	case "list-ignores-shops":
		q.Filter.ShopIDs = nil
	case "list-updated-after-inclusive":
		if q.Filter.UpdatedAfter != nil {
			t := q.Filter.UpdatedAfter.Add(-time.Nanosecond)
			q.Filter.UpdatedAfter = &t
		}
	case "list-org-blind":
		org = "org-blind"
	case "list-raw-always":
		q.WithoutRaw = false
	}
	p, err := m.Store.ListCases(ctx, org, q)
	if err != nil {
		return p, err
	}
	switch m.name {
	case "list-drops-last":
		if len(p.Cases) > 1 {
			p.Cases, p.Cursors = p.Cases[:len(p.Cases)-1], p.Cursors[:len(p.Cursors)-1]
		}
	case "list-no-previous-page":
		p.HasPreviousPage = false
	case "list-total-is-page":
		p.TotalCount = len(p.Cases)
	case "list-wrong-cursors":
		for i := 1; i < len(p.Cursors); i++ {
			p.Cursors[i] = p.Cursors[0]
		}
	case "counts-miss-moves":
		all, err := m.Store.ListCases(ctx, org, store.ListQuery{First: 1})
		if err != nil {
			return nil, err
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		key := fmt.Sprint(org, q.Filter)
		if v, ok := m.sized[key]; ok && v[1] == all.TotalCount {
			p.TotalCount = v[0]
		} else {
			if m.sized == nil {
				m.sized = map[string][2]int{}
			}
			m.sized[key] = [2]int{p.TotalCount, all.TotalCount}
		}
	case "list-stale-count":
		m.mu.Lock()
		defer m.mu.Unlock()
		key := fmt.Sprint(org, q.Filter)
		if n, ok := m.counts[key]; ok {
			p.TotalCount = n
		} else {
			if m.counts == nil {
				m.counts = map[string]int{}
			}
			m.counts[key] = p.TotalCount
		}
	}
	return p, nil
}

func (m *mutant) UpsertCases(ctx context.Context, org returns.OrgID, writes []store.CaseWrite) ([]*store.UpsertResult, error) {
	switch m.name {
	case "batch-not-atomic":
		var out []*store.UpsertResult
		for _, w := range writes {
			r, err := m.Store.UpsertCase(ctx, org, w.Case, w.Change)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	case "batch-drops-events":
		for i := range writes {
			writes[i].Change.Always = false
		}
	}
	return m.Store.UpsertCases(ctx, org, writes)
}

func (m *mutant) DueCases(ctx context.Context, org returns.OrgID, q store.DueQuery) (*store.DuePage, error) {
	p, err := m.Store.DueCases(ctx, org, q)
	if err != nil {
		return p, err
	}
	switch m.name {
	case "due-drops-anchors":
		var keep []*returns.Case
		for _, c := range p.Cases {
			if c.Deadlines.RespondBy != nil || c.Deadlines.RefundBy != nil {
				keep = append(keep, c)
			}
		}
		p.Cases = keep
	case "due-page-skips-one":
		if q.After != "" && len(p.Cases) > 0 {
			p.Cases = p.Cases[1:]
		}
	}
	return p, nil
}

func (m *mutant) EventsAfter(ctx context.Context, org returns.OrgID, after int64, limit int) ([]returns.Event, error) {
	evs, err := m.Store.EventsAfter(ctx, org, after, limit)
	if err != nil {
		return evs, err
	}
	switch m.name {
	case "events-previous-status-lost":
		for i := range evs {
			evs[i].PreviousStatus = nil
		}
	case "events-page-skips-one":
		if len(evs) > 2 {
			evs = append(evs[:1], evs[2:]...)
		}
	}
	return evs, nil
}

func (m *mutant) ClaimIdempotency(ctx context.Context, org returns.OrgID, key, requestHash string) (*store.IdempotencyRecord, error) {
	rec, err := m.Store.ClaimIdempotency(ctx, org, key, requestHash)
	if m.name == "claim-always-free" && err == nil {
		return nil, nil
	}
	return rec, err
}

// MarkIdempotencyUnknown: the bug this state exists to prevent, a key
// released when its write's outcome is unknown.
func (m *mutant) MarkIdempotencyUnknown(ctx context.Context, org returns.OrgID, key string, intent []byte) error {
	if m.name == "unknown-releases-key" {
		return m.Store.ReleaseIdempotency(ctx, org, key)
	}
	return m.Store.MarkIdempotencyUnknown(ctx, org, key, intent)
}

// UnsettledIdempotency: a reconciler that would never see the keys a crash
// left IN_PROGRESS.
func (m *mutant) UnsettledIdempotency(ctx context.Context, org returns.OrgID, limit int) ([]store.IdempotencyRecord, error) {
	recs, err := m.Store.UnsettledIdempotency(ctx, org, limit)
	if m.name == "unsettled-skips-in-progress" {
		var out []store.IdempotencyRecord
		for _, r := range recs {
			if r.State != store.IdempotencyInProgress {
				out = append(out, r)
			}
		}
		return out, err
	}
	return recs, err
}

func (m *mutant) Cursor(ctx context.Context, org returns.OrgID, name string) (string, error) {
	if m.name == "cursors-org-blind" && org != "" {
		org = "org-blind"
	}
	return m.Store.Cursor(ctx, org, name)
}

func (m *mutant) SetCursor(ctx context.Context, org returns.OrgID, name, value string) error {
	if m.name == "cursors-org-blind" && org != "" {
		org = "org-blind"
	}
	return m.Store.SetCursor(ctx, org, name, value)
}
