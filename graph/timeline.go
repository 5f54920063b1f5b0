package graph

import (
	"context"

	"github.com/returnsgw/returnsgw/feed"
	"github.com/returnsgw/returnsgw/graph/model"
	"github.com/returnsgw/returnsgw/returns"
)

// Bounds of a page of ReturnCase.events.
const (
	defaultCaseEvents = 50
	maxCaseEvents     = 100
)

// caseEvents answers ReturnCase.events: one page of the case's events from
// the log, read for the caller's organisation only (the case resolved for
// it already; the store filters by organisation again).
func (r *Resolver) caseEvents(ctx context.Context, c *returns.Case, first *int, after *string) (*model.ReturnCaseEventConnection, error) {
	org, err := OrgFrom(ctx)
	if err != nil {
		return nil, err
	}
	n := defaultCaseEvents
	if first != nil {
		n = *first
	}
	if n < 0 || n > maxCaseEvents {
		return nil, returns.Errorf(returns.CodeInvalid, "first must be between 0 and %d", maxCaseEvents).WithField("first")
	}
	var from int64
	if after != nil {
		if from, err = ParseEventID(*after); err != nil {
			return nil, err
		}
	}
	out := &model.ReturnCaseEventConnection{Edges: []*model.ReturnCaseEventEdge{}, Nodes: []*feed.Change{},
		PageInfo: &model.PageInfo{HasPreviousPage: from > 0}}
	if r.deps.Timeline == nil {
		return nil, returns.Errorf(returns.CodeUnsupported, "this gateway's store keeps no case timeline")
	}
	// One more than asked says whether a next page exists.
	evs, err := r.deps.Timeline.CaseEvents(ctx, org, returns.CaseKey{Platform: c.Platform, PlatformCaseID: c.PlatformCaseID}, from, n+1)
	if err != nil {
		return nil, err
	}
	if len(evs) > n {
		evs, out.PageInfo.HasNextPage = evs[:n], true
	}
	for _, ev := range evs {
		ch := &feed.Change{Event: ev, Case: c}
		cursor := EventID(ev.Seq)
		out.Edges = append(out.Edges, &model.ReturnCaseEventEdge{Cursor: cursor, Node: ch})
		out.Nodes = append(out.Nodes, ch)
	}
	if len(evs) > 0 {
		start, end := EventID(evs[0].Seq), EventID(evs[len(evs)-1].Seq)
		out.PageInfo.StartCursor, out.PageInfo.EndCursor = &start, &end
	}
	return out, nil
}
