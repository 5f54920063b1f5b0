package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	rows, err := s.pool.Query(ctx, `SELECT seq, platform, case_id, prev_status, status, source, occurred_ns, detail
		FROM events WHERE org = $1 AND seq > $2 ORDER BY seq LIMIT $3`, string(org), after, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	defer rows.Close()
	var out []returns.Event
	for rows.Next() {
		var (
			ev                       returns.Event
			platform, status, source string
			prev                     *string
			occurred                 int64
			detail                   []byte
		)
		if err := rows.Scan(&ev.Seq, &platform, &ev.Key.PlatformCaseID, &prev, &status, &source, &occurred, &detail); err != nil {
			return nil, fmt.Errorf("postgres: events: %w", err)
		}
		ev.Org = org
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
				return nil, fmt.Errorf("postgres: decode event %d detail: %w", ev.Seq, err)
			}
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: events: %w", err)
	}
	return out, nil
}

// ClaimIdempotency claims key for the request, or returns the record that
// holds it; see store.Store. The primary key makes one claim win when two
// replicas claim the same key at the same moment.
func (s *Store) ClaimIdempotency(ctx context.Context, org returns.OrgID, key, requestHash string) (*store.IdempotencyRecord, error) {
	if err := checkKey(org, key); err != nil {
		return nil, err
	}
	tag, err := s.pool.Exec(ctx, `INSERT INTO idempotency (org, key, request_hash, state, created_ns) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (org, key) DO NOTHING`, string(org), key, requestHash, string(store.IdempotencyInProgress), s.now().UnixNano())
	if err != nil {
		return nil, fmt.Errorf("postgres: claim idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return nil, nil
	}
	rec, err := s.getKey(ctx, s.pool, org, key)
	if err != nil {
		return nil, err
	}
	if rec == nil {
		// Released between our insert and our read: claim again.
		return s.ClaimIdempotency(ctx, org, key, requestHash)
	}
	return rec, nil
}

// CompleteIdempotency records the response of a claimed key; see store.Store.
func (s *Store) CompleteIdempotency(ctx context.Context, org returns.OrgID, key string, response []byte) error {
	return s.settleKey(ctx, org, key, `UPDATE idempotency SET state = $3, response = $4 WHERE org = $1 AND key = $2 AND state = $5`,
		[]any{string(org), key, string(store.IdempotencyDone), response, string(store.IdempotencyInProgress)}, "complete", false)
}

// ReleaseIdempotency frees a claimed key; see store.Store.
func (s *Store) ReleaseIdempotency(ctx context.Context, org returns.OrgID, key string) error {
	return s.settleKey(ctx, org, key, `DELETE FROM idempotency WHERE org = $1 AND key = $2 AND state = $3`,
		[]any{string(org), key, string(store.IdempotencyInProgress)}, "release", true)
}

func (s *Store) settleKey(ctx context.Context, org returns.OrgID, key, query string, args []any, what string, freeOK bool) error {
	if err := checkKey(org, key); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, query, args...)
		if err != nil {
			return fmt.Errorf("postgres: %s idempotency key: %w", what, err)
		}
		if tag.RowsAffected() == 1 {
			return nil
		}
		rec, err := s.getKey(ctx, tx, org, key)
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
	})
}

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func (s *Store) getKey(ctx context.Context, q querier, org returns.OrgID, key string) (*store.IdempotencyRecord, error) {
	rec := &store.IdempotencyRecord{Key: key}
	var state string
	var created int64
	err := q.QueryRow(ctx, `SELECT request_hash, state, response, created_ns FROM idempotency WHERE org = $1 AND key = $2`,
		string(org), key).Scan(&rec.RequestHash, &state, &rec.Response, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: read idempotency key: %w", err)
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
// records and cursors in one transaction; sequence numbers are never reused.
func (s *Store) ResetOrganisation(ctx context.Context, org returns.OrgID) error {
	if err := checkOrg(org); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx pgx.Tx) error {
		for _, q := range []string{
			`DELETE FROM events WHERE org = $1`,
			`DELETE FROM cases WHERE org = $1`,
			`DELETE FROM idempotency WHERE org = $1`,
			`DELETE FROM cursors WHERE org = $1`,
		} {
			if _, err := tx.Exec(ctx, q, string(org)); err != nil {
				return fmt.Errorf("postgres: reset %s: %w", org, err)
			}
		}
		return nil
	})
}
