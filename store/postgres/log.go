package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
)

// EventsAfter returns up to limit events of the organisation with Seq >
// after, in Seq order. Returns INVALID for a limit below one.
func (s *Store) EventsAfter(ctx context.Context, org returns.OrgID, after int64, limit int) ([]returns.Event, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, returns.Errorf(returns.CodeInvalid, "limit must be at least 1").WithField("limit")
	}
	return s.queryEvents(ctx, org, "events", `SELECT `+eventColumns+`
		FROM events WHERE org = $1 AND seq > $2 ORDER BY seq LIMIT $3`, string(org), after, limit)
}

// eventColumns are the columns scanEvent reads, without org.
const eventColumns = "seq, platform, case_id, prev_status, status, source, occurred_ns, detail"

// queryEvents runs a query for org's events (eventColumns) and reads its
// rows; what names the query in errors.
func (s *Store) queryEvents(ctx context.Context, org returns.OrgID, what, query string, args ...any) ([]returns.Event, error) {
	rows, err := s.pool.Query(ctx, query, args...)
	if err != nil {
		return nil, storeErr(what, err)
	}
	defer rows.Close()
	var out []returns.Event
	for rows.Next() {
		ev, err := scanEvent(rows, nil)
		if err != nil {
			return nil, err
		}
		ev.Org = org
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr(what, err)
	}
	return out, nil
}

// Cursor returns the named sync cursor, or "" if none was saved.
func (s *Store) Cursor(ctx context.Context, org returns.OrgID, name string) (string, error) {
	if err := checkOrg(org); err != nil {
		return "", err
	}
	var v string
	err := s.pool.QueryRow(ctx, `SELECT value FROM cursors WHERE org = $1 AND name = $2`, string(org), name).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: read cursor %q: %w", name, err)
	}
	return v, nil
}

// SetCursor saves the named sync cursor. Returns INVALID for an empty name.
func (s *Store) SetCursor(ctx context.Context, org returns.OrgID, name, value string) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if name == "" {
		return returns.Errorf(returns.CodeInvalid, "empty cursor name")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO cursors (org, name, value, updated_ns) VALUES ($1, $2, $3, $4)
		ON CONFLICT (org, name) DO UPDATE SET value = excluded.value, updated_ns = excluded.updated_ns`,
		string(org), name, value, s.now().UnixNano())
	if err != nil {
		return fmt.Errorf("postgres: save cursor %q: %w", name, err)
	}
	return nil
}

// ResetOrganisation deletes the organisation's cases, events, idempotency
// records, cursors and inspections in one transaction; sequence numbers are never reused.
// It holds the log's lock, as case writes do: a write that read the case
// before the reset cannot then count it into a bucket the reset emptied.
func (s *Store) ResetOrganisation(ctx context.Context, org returns.OrgID) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockLog(ctx, tx); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM events WHERE org = $1`,
			`DELETE FROM export_return_steps WHERE org = $1`,
			`DELETE FROM export_returns WHERE org = $1`,
			`DELETE FROM cases WHERE org = $1`,
			`DELETE FROM case_counts WHERE org = $1`,
			`DELETE FROM idempotency WHERE org = $1`,
			`DELETE FROM cursors WHERE org = $1`,
			// Evidence and escalations belong to the cases deleted above.
			`DELETE FROM evidence WHERE org = $1`,
			`DELETE FROM evidence_usage WHERE org = $1`,
			`DELETE FROM escalations WHERE org = $1`,
			`DELETE FROM inspections WHERE org = $1`,
		} {
			if _, err := tx.Exec(ctx, q, string(org)); err != nil {
				return fmt.Errorf("postgres: reset %s: %w", org, err)
			}
		}
		return nil
	})
}

// scanEvent reads an event row: seq, [org,] platform, case_id, prev_status,
// status, source, occurred_ns, detail; org is read only when given.
func scanEvent(rows pgx.Rows, org *string) (returns.Event, error) {
	var (
		ev                       returns.Event
		platform, status, source string
		prev                     *string
		occurred                 int64
		detail                   []byte
	)
	dest := []any{&ev.Seq}
	if org != nil {
		dest = append(dest, org)
	}
	dest = append(dest, &platform, &ev.Key.PlatformCaseID, &prev, &status, &source, &occurred, &detail)
	if err := rows.Scan(dest...); err != nil {
		return ev, storeErr("events", err)
	}
	ev.Key.Platform = returns.PlatformID(platform)
	ev.Status = returns.Status(status)
	ev.Source = returns.EventSource(source)
	ev.OccurredAt = fromNS(occurred)
	if prev != nil {
		ps := returns.Status(*prev)
		ev.PreviousStatus = &ps
	}
	if detail != nil {
		if err := json.Unmarshal(detail, &ev.Detail); err != nil {
			return ev, fmt.Errorf("postgres: decode event %d detail: %w", ev.Seq, err)
		}
	}
	return ev, nil
}
