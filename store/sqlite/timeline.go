package sqlite

import (
	"context"
	"fmt"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

var _ store.TimelineStore = (*Store)(nil)

// CaseEvents returns up to limit events of one case with Seq > after, in Seq
// order, through the events_by_case index; see store.TimelineStore.
func (s *Store) CaseEvents(ctx context.Context, org returns.OrgID, key returns.CaseKey, after int64, limit int) ([]returns.Event, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, returns.Errorf(returns.CodeInvalid, "limit must be at least 1").WithField("limit")
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+eventColumns+`
		FROM events WHERE org = ? AND platform = ? AND case_id = ? AND seq > ? ORDER BY seq LIMIT ?`,
		string(org), string(key.Platform), key.PlatformCaseID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: case events: %w", err)
	}
	return scanEvents(rows, org)
}
