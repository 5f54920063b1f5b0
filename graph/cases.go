package graph

import (
	"context"

	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// loadCase resolves a global id to a case: nil without error when it names
// nothing visible, an INVALID error when the id is malformed.
func (r *Resolver) loadCase(ctx context.Context, id string) (*returns.Case, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	key, err := ParseCaseID(id)
	if err != nil {
		if returns.ErrorCodeOf(err) == returns.CodeNotFound {
			return nil, nil
		}
		return nil, err
	}
	c, err := r.deps.Store.GetCase(ctx, org, key)
	if returns.ErrorCodeOf(err) == returns.CodeNotFound {
		return nil, nil
	}
	return c, err
}

func toFilter(f *model.ReturnCaseFilter) returns.Filter {
	if f == nil {
		return returns.Filter{}
	}
	out := returns.Filter{
		Platforms:     f.Platforms,
		Statuses:      f.Statuses,
		Reasons:       f.Reasons,
		Markets:       f.Markets,
		Kinds:         f.Kinds,
		ShopIDs:       f.ShopIds,
		RespondBefore: f.RespondBefore,
		UpdatedAfter:  f.UpdatedAfter,

		NextDeadlineBefore: f.NextDeadlineBefore,
	}
	if f.OrderID != nil {
		out.OrderID = *f.OrderID
	}
	return out
}

func (r *Resolver) listCases(ctx context.Context, filter *model.ReturnCaseFilter, orderBy *store.Order, first *int, after *string, last *int, before *string) (*model.ReturnCaseConnection, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	q := store.ListQuery{Filter: toFilter(filter), Order: store.OrderUpdatedDesc}
	if orderBy != nil {
		q.Order = *orderBy
	}
	empty := false
	if first != nil {
		q.First = *first
		if *first == 0 {
			// Relay allows first: 0; ask for one case to learn what follows.
			q.First, empty = 1, true
		}
	}
	if last != nil {
		q.Last = *last
		if *last == 0 {
			q.Last, empty = 1, true
		}
	}
	if after != nil {
		c, err := store.DecodeCursor(*after)
		if err != nil {
			return nil, field(err, "after")
		}
		q.After = c
	}
	if before != nil {
		c, err := store.DecodeCursor(*before)
		if err != nil {
			return nil, field(err, "before")
		}
		q.Before = c
	}
	if err := q.Normalize(); err != nil {
		return nil, err
	}
	// Only a few fields read the platform's raw values: spare the store
	// decoding them for a page that selects none, and decode only the action
	// state for one that shows the actions.
	switch listRawNeed(ctx) {
	case rawNone:
		q.WithoutRaw = true
	case rawActions:
		q.RawKeys, q.WithoutRaw = r.deps.Platforms.ActionRawKeys()
	}
	page, err := r.deps.Store.ListCases(ctx, org, q)
	if err != nil {
		return nil, err
	}
	conn := &model.ReturnCaseConnection{
		PageInfo:   &model.PageInfo{HasNextPage: page.HasNextPage, HasPreviousPage: page.HasPreviousPage},
		TotalCount: page.TotalCount,
		Edges:      make([]*model.ReturnCaseEdge, 0, len(page.Cases)),
		Nodes:      make([]*returns.Case, 0, len(page.Cases)),
	}
	if empty {
		if q.First > 0 {
			conn.PageInfo.HasNextPage = len(page.Cases) > 0
		} else {
			conn.PageInfo.HasPreviousPage = len(page.Cases) > 0
		}
		return conn, nil
	}
	liveFrom(ctx).listed(page.Cases)
	r.prefetch(ctx, page.Cases)
	for i, c := range page.Cases {
		conn.Edges = append(conn.Edges, &model.ReturnCaseEdge{Cursor: page.Cursors[i], Node: c})
		conn.Nodes = append(conn.Nodes, c)
	}
	if n := len(page.Cursors); n > 0 {
		conn.PageInfo.StartCursor = &page.Cursors[0]
		conn.PageInfo.EndCursor = &page.Cursors[n-1]
	}
	return conn, nil
}

// field names the argument an error concerns.
func field(err error, name string) error {
	if e, ok := err.(*returns.Error); ok {
		return e.WithField(name)
	}
	return err
}

func (r *Resolver) allowedActions(c *returns.Case) []string {
	return actionNames(r.deps.Actions.Allowed(c, r.now()))
}

func (r *Resolver) availableActions(c *returns.Case) []*model.AvailableAction {
	av := r.deps.Actions.Available(c, r.now())
	out := make([]*model.AvailableAction, len(av))
	for i, a := range av {
		out[i] = &model.AvailableAction{Action: string(a.Action), ViaAPI: a.ViaAPI, Violations: make([]*returns.Violation, len(a.Violations))}
		for j := range a.Violations {
			out[i].Violations[j] = &a.Violations[j]
		}
		if a.URL != "" {
			u := a.URL
			out[i].SellerCentreURL = &u
		}
	}
	return out
}
