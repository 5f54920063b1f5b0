package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

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
	rows, err := s.stmts.eventsAfter.QueryContext(ctx, string(org), after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	return scanEvents(rows, org)
}

// eventColumns are the columns scanEvents reads.
const eventColumns = "seq, platform, case_id, prev_status, status, source, occurred_ns, detail"

// scanEvents reads the rows of an events query (eventColumns) and closes them.
func scanEvents(rows *sql.Rows, org returns.OrgID) ([]returns.Event, error) {
	defer rows.Close()
	var out []returns.Event
	for rows.Next() {
		var (
			ev               returns.Event
			platform, status string
			source           string
			prev             sql.NullString
			occurred         int64
			detail           sql.RawBytes
		)
		if err := rows.Scan(&ev.Seq, &platform, &ev.Key.PlatformCaseID, &prev, &status, &source, &occurred, &detail); err != nil {
			return nil, fmt.Errorf("sqlite: events: %w", err)
		}
		ev.Org = org
		ev.Key.Platform = returns.PlatformID(platform)
		ev.Status = returns.Status(status)
		ev.Source = returns.EventSource(source)
		ev.OccurredAt = fromNS(occurred)
		if prev.Valid {
			ps := returns.Status(prev.String)
			ev.PreviousStatus = &ps
		}
		if len(detail) > 0 {
			if err := json.Unmarshal(detail, &ev.Detail); err != nil {
				return nil, fmt.Errorf("sqlite: decode event %d detail: %w", ev.Seq, err)
			}
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: events: %w", err)
	}
	return out, nil
}

// Cursor returns the named sync cursor, or "" if none was saved.
func (s *Store) Cursor(ctx context.Context, org returns.OrgID, name string) (string, error) {
	if err := checkOrg(org); err != nil {
		return "", err
	}
	var v string
	err := s.stmts.cursor.QueryRowContext(ctx, string(org), name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: read cursor %q: %w", name, err)
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
	if _, err := s.stmts.setCursor.ExecContext(ctx, string(org), name, value, s.now().UnixNano()); err != nil {
		return fmt.Errorf("sqlite: save cursor %q: %w", name, err)
	}
	return nil
}

// ResetOrganisation deletes the organisation's cases, events, idempotency
// records, cursors and inspections in one transaction. The events table's AUTOINCREMENT
// key never hands out a deleted sequence number again.
func (s *Store) ResetOrganisation(ctx context.Context, org returns.OrgID) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: reset %s: %w", org, err)
	}
	defer rollback(tx)
	for _, q := range []string{
		`DELETE FROM events WHERE org = ?`,
		`DELETE FROM export_return_steps WHERE org = ?`,
		`DELETE FROM export_returns WHERE org = ?`,
		`DELETE FROM case_docs WHERE id IN (SELECT id FROM cases WHERE org = ?)`,
		`DELETE FROM case_deadlines WHERE org = ?`,
		`DELETE FROM case_counts WHERE org = ?`,
		`DELETE FROM cases WHERE org = ?`,
		`DELETE FROM idempotency WHERE org = ?`,
		`DELETE FROM cursors WHERE org = ?`,
		// Evidence and escalations belong to the cases deleted above.
		`DELETE FROM evidence WHERE org = ?`,
		`DELETE FROM evidence_usage WHERE org = ?`,
		`DELETE FROM escalations WHERE org = ?`,
		`DELETE FROM inspections WHERE org = ?`,
		// The cached counts of the organisation's lists are stale now.
		`INSERT INTO org_generations (org, generation) VALUES (?, 1)
			ON CONFLICT (org) DO UPDATE SET generation = generation + 1`,
	} {
		if _, err := tx.ExecContext(ctx, q, string(org)); err != nil {
			return fmt.Errorf("sqlite: reset %s: %w", org, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: reset %s: %w", org, err)
	}
	return nil
}
