package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
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

// ClaimIdempotency claims key for the request, or returns the record that
// already holds it; see store.Store. Returns INVALID for an empty key.
func (s *Store) ClaimIdempotency(ctx context.Context, org returns.OrgID, key, requestHash string) (*store.IdempotencyRecord, error) {
	if err := checkKey(org, key); err != nil {
		return nil, err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	defer rollback(tx)
	res, err := tx.StmtContext(ctx, s.stmts.claimKey).ExecContext(ctx,
		string(org), key, requestHash, string(store.IdempotencyInProgress), s.now().UnixNano())
	if err != nil {
		return nil, fmt.Errorf("sqlite: claim idempotency key: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, fmt.Errorf("sqlite: claim idempotency key: %w", err)
	} else if n == 1 {
		if err := tx.Commit(); err != nil {
			return nil, fmt.Errorf("sqlite: claim idempotency key: %w", err)
		}
		return nil, nil
	}
	rec, err := getKey(ctx, tx, s.stmts.getKey, org, key)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		return nil, fmt.Errorf("sqlite: idempotency key %q neither inserted nor found", key)
	}
	return rec, nil
}

// CompleteIdempotency records the response of a claimed key. Returns
// NOT_FOUND if the key is not claimed, INVALID_STATE if it is already done.
func (s *Store) CompleteIdempotency(ctx context.Context, org returns.OrgID, key string, response []byte) error {
	return s.settleKey(ctx, org, key, func(tx *sql.Tx) (sql.Result, error) {
		return tx.StmtContext(ctx, s.stmts.completeKey).ExecContext(ctx,
			string(org), key, string(store.IdempotencyDone), response, string(store.IdempotencyInProgress))
	}, "complete", false)
}

// ReleaseIdempotency frees a claimed key. Releasing a free key does nothing;
// a DONE key is not released (INVALID_STATE), since its mutation took effect
// and a retry must replay it, not repeat it.
func (s *Store) ReleaseIdempotency(ctx context.Context, org returns.OrgID, key string) error {
	return s.settleKey(ctx, org, key, func(tx *sql.Tx) (sql.Result, error) {
		return tx.StmtContext(ctx, s.stmts.releaseKey).ExecContext(ctx, string(org), key, string(store.IdempotencyInProgress))
	}, "release", true)
}

// settleKey runs a change to an IN_PROGRESS record and explains why nothing
// changed when it matched no row; freeOK says a missing record is no error.
func (s *Store) settleKey(ctx context.Context, org returns.OrgID, key string,
	change func(*sql.Tx) (sql.Result, error), what string, freeOK bool) error {
	if err := checkKey(org, key); err != nil {
		return err
	}
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer rollback(tx)
	res, err := change(tx)
	if err != nil {
		return fmt.Errorf("sqlite: %s idempotency key: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("sqlite: %s idempotency key: %w", what, err)
	}
	if n == 1 {
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite: %s idempotency key: %w", what, err)
		}
		return nil
	}
	rec, err := getKey(ctx, tx, s.stmts.getKey, org, key)
	switch {
	case err != nil:
		return err
	case rec == nil && freeOK:
		return nil
	case rec == nil:
		return returns.Errorf(returns.CodeNotFound, "idempotency key %q is not claimed", key)
	default:
		return returns.Errorf(returns.CodeInvalidState, "idempotency key %q is already %s", key, rec.State)
	}
}

// getKey reads a record, nil if there is none.
func getKey(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, org returns.OrgID, key string) (*store.IdempotencyRecord, error) {
	rec := &store.IdempotencyRecord{Key: key}
	var state string
	var created int64
	err := tx.StmtContext(ctx, stmt).QueryRowContext(ctx, string(org), key).Scan(&rec.RequestHash, &state, &rec.Response, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: read idempotency key: %w", err)
	}
	rec.State = store.IdempotencyState(state)
	rec.CreatedAt = fromNS(created)
	return rec, nil
}

func checkKey(org returns.OrgID, key string) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	if key == "" {
		return returns.Errorf(returns.CodeInvalid, "empty idempotency key").WithField("idempotencyKey")
	}
	return nil
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
// records and cursors in one transaction. The events table's AUTOINCREMENT
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
		`DELETE FROM case_docs WHERE id IN (SELECT id FROM cases WHERE org = ?)`,
		`DELETE FROM case_deadlines WHERE org = ?`,
		`DELETE FROM case_counts WHERE org = ?`,
		`DELETE FROM cases WHERE org = ?`,
		`DELETE FROM idempotency WHERE org = ?`,
		`DELETE FROM cursors WHERE org = ?`,
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
