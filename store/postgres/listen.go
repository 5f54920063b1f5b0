package postgres

import (
	"context"
	"time"

	"github.com/returnsgw/returnsgw/returns"
)

// eventsChannel is the NOTIFY channel every event write signals on commit.
const eventsChannel = "returnsgw_events"

// EventsSince returns up to limit events of every organisation with Seq >
// after, in Seq order: what a replica relays to its own subscribers.
func (s *Store) EventsSince(ctx context.Context, after int64, limit int) ([]returns.Event, error) {
	if limit < 1 {
		return nil, returns.Errorf(returns.CodeInvalid, "limit must be at least 1")
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, org, platform, case_id, prev_status, status, source, occurred_ns, detail
		FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, storeErr("events", err)
	}
	defer rows.Close()
	var out []returns.Event
	for rows.Next() {
		var org string
		ev, err := scanEvent(rows, &org)
		if err != nil {
			return nil, err
		}
		ev.Org = returns.OrgID(org)
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("events", err)
	}
	return out, nil
}

// LastSeq returns the sequence number of the newest event, 0 for none.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	var seq int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&seq); err != nil {
		return 0, storeErr("last event", err)
	}
	return seq, nil
}

// Listen calls wake whenever an event has been committed by any replica,
// and once each time it (re)connects, since notifications sent while it was
// away are lost: the caller reads the log after each wake, so nothing is
// missed. It returns when ctx ends; a lost connection is retried with
// back-off (at most 5 s apart).
func (s *Store) Listen(ctx context.Context, wake func()) error {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, wake, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			break
		}
		s.log.Warn("event listener lost its connection; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
	return ctx.Err()
}

func (s *Store) listenOnce(ctx context.Context, wake, connected func()) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	// The connection carries LISTEN state: it must not go back to the pool.
	pc := conn.Hijack()
	defer pc.Close(context.Background())
	if _, err := pc.Exec(ctx, "LISTEN "+eventsChannel); err != nil {
		return err
	}
	connected()
	wake()
	for {
		if _, err := pc.WaitForNotification(ctx); err != nil {
			return err
		}
		wake()
	}
}
