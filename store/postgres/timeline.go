package postgres

import (
	"context"

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
	return s.queryEvents(ctx, org, "case events", `SELECT `+eventColumns+`
		FROM events WHERE org = $1 AND platform = $2 AND case_id = $3 AND seq > $4 ORDER BY seq LIMIT $5`,
		string(org), string(key.Platform), key.PlatformCaseID, after, limit)
}
