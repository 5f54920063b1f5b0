package postgres

import (
	"context"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// DueCases returns a page of the open cases with a deadline mark in range;
// see store.DueStore. Given deadlines and anchors are two ranges of the index
// case_deadlines_due, walked one after the other from the cursor
// (anchor, at_ns, id).
func (s *Store) DueCases(ctx context.Context, org returns.OrgID, q store.DueQuery) (*store.DuePage, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := q.Validate(); err != nil {
		return nil, err
	}
	anchor, at, id := 0, q.From.UnixNano(), int64(-1)
	if q.After != "" {
		var err error
		if anchor, at, id, err = store.DecodeDueCursor(q.After); err != nil {
			return nil, err
		}
	}
	page := &store.DuePage{}
	for ; anchor <= 1; anchor, id = anchor+1, -1 {
		if id < 0 {
			at = q.From.UnixNano()
			if anchor == 1 {
				at = q.From.Add(-q.Lead).UnixNano()
			}
		}
		want := q.First - len(page.Cases)
		rows, err := s.pool.Query(ctx, `SELECT m.at_ns, m.id, c.version, c.synced_ns, c.doc FROM case_deadlines AS m
			JOIN cases AS c ON c.id = m.id
			WHERE m.org = $1 AND m.anchor = $2 AND (m.at_ns, m.id) > ($3::bigint, $4::bigint) AND m.at_ns < $5
			ORDER BY m.at_ns, m.id LIMIT $6`, string(org), anchor, at, id, q.To.UnixNano(), want+1)
		if err != nil {
			return nil, storeErr("due cases", err)
		}
		n := 0
		for rows.Next() {
			if n == want {
				page.Next = store.EncodeDueCursor(anchor, at, id)
				break
			}
			var version, synced int64
			var doc []byte
			if err := rows.Scan(&at, &id, &version, &synced, &doc); err != nil {
				rows.Close()
				return nil, storeErr("due cases", err)
			}
			c, err := decodeCase(doc, version, synced)
			if err != nil {
				rows.Close()
				return nil, err
			}
			page.Cases = append(page.Cases, c)
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, storeErr("due cases", err)
		}
		if page.Next != "" {
			return page, nil
		}
		if len(page.Cases) == q.First && anchor == 0 {
			page.Next = store.EncodeDueCursor(1, 0, -1)
			return page, nil
		}
	}
	return page, nil
}
