package store

import (
	"context"

	"github.com/returnsgw/returnsgw/returns"
)

// TimelineStore reads one case's history from the event log: the console's
// case timeline (ReturnCase.events). Both backends index the log by case, so
// a case's page costs its own events, not the organisation's.
type TimelineStore interface {
	// CaseEvents returns up to limit events of the case with Seq > after, in
	// Seq order. A case of another organisation (or none) has no events.
	// Returns INVALID for a limit below one.
	CaseEvents(ctx context.Context, org returns.OrgID, key returns.CaseKey, after int64, limit int) ([]returns.Event, error)
}
