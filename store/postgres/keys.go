package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

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
		return nil, storeErr("claim idempotency key", err)
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

// CompleteIdempotency records the response of an IN_PROGRESS or UNKNOWN key
// and drops its intent; see store.Store.
func (s *Store) CompleteIdempotency(ctx context.Context, org returns.OrgID, key string, response []byte) error {
	return s.settleKey(ctx, org, key, `UPDATE idempotency SET state = $3, response = $4, intent = NULL
		WHERE org = $1 AND key = $2 AND state IN ($5, $6)`,
		[]any{string(org), key, string(store.IdempotencyDone), response, string(store.IdempotencyInProgress), string(store.IdempotencyUnknown)},
		"complete", false)
}

// ReleaseIdempotency frees an IN_PROGRESS or UNKNOWN key; see store.Store.
func (s *Store) ReleaseIdempotency(ctx context.Context, org returns.OrgID, key string) error {
	return s.settleKey(ctx, org, key, `DELETE FROM idempotency WHERE org = $1 AND key = $2 AND state IN ($3, $4)`,
		[]any{string(org), key, string(store.IdempotencyInProgress), string(store.IdempotencyUnknown)}, "release", true)
}

// RecordIdempotencyIntent stores the intent of an IN_PROGRESS key.
func (s *Store) RecordIdempotencyIntent(ctx context.Context, org returns.OrgID, key string, intent []byte) error {
	if len(intent) == 0 {
		return returns.Errorf(returns.CodeInvalid, "empty intent for idempotency key %q", key).WithField("intent")
	}
	// Only on a claim without one: a second sender of the write is refused.
	return s.settleKey(ctx, org, key, `UPDATE idempotency SET intent = $3 WHERE org = $1 AND key = $2 AND state = $4 AND intent IS NULL`,
		[]any{string(org), key, intent, string(store.IdempotencyInProgress)}, "record the intent of", false)
}

// MarkIdempotencyUnknown moves an IN_PROGRESS key to UNKNOWN with its intent.
func (s *Store) MarkIdempotencyUnknown(ctx context.Context, org returns.OrgID, key string, intent []byte) error {
	return s.markKey(ctx, org, key, store.IdempotencyUnknown, intent, "mark unknown")
}

func (s *Store) markKey(ctx context.Context, org returns.OrgID, key string, to store.IdempotencyState, intent []byte, what string) error {
	if len(intent) == 0 {
		return returns.Errorf(returns.CodeInvalid, "empty intent for idempotency key %q", key).WithField("intent")
	}
	return s.settleKey(ctx, org, key, `UPDATE idempotency SET state = $3, intent = $4 WHERE org = $1 AND key = $2 AND state = $5`,
		[]any{string(org), key, string(to), intent, string(store.IdempotencyInProgress)}, what, false)
}

// UnsettledIdempotency lists the records that carry an intent, oldest claim
// first. Returns INVALID for a limit below 1.
func (s *Store) UnsettledIdempotency(ctx context.Context, org returns.OrgID, limit int) ([]store.IdempotencyRecord, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if limit < 1 {
		return nil, returns.Errorf(returns.CodeInvalid, "limit must be at least 1")
	}
	rows, err := s.pool.Query(ctx, `SELECT key, request_hash, state, response, intent, created_ns FROM idempotency
		WHERE org = $1 AND intent IS NOT NULL ORDER BY created_ns, key LIMIT $2`, string(org), limit)
	if err != nil {
		return nil, storeErr("unsettled idempotency keys", err)
	}
	defer rows.Close()
	var out []store.IdempotencyRecord
	for rows.Next() {
		var rec store.IdempotencyRecord
		var state string
		var created int64
		if err := rows.Scan(&rec.Key, &rec.RequestHash, &state, &rec.Response, &rec.Intent, &created); err != nil {
			return nil, storeErr("unsettled idempotency keys", err)
		}
		rec.State, rec.CreatedAt = store.IdempotencyState(state), fromNS(created)
		out = append(out, rec)
	}
	return out, rows.Err()
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
			return returns.Errorf(returns.CodeInvalidState, "cannot %s idempotency key %q: it is %s", what, key, rec.State)
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
	err := q.QueryRow(ctx, `SELECT request_hash, state, response, intent, created_ns FROM idempotency WHERE org = $1 AND key = $2`,
		string(org), key).Scan(&rec.RequestHash, &state, &rec.Response, &rec.Intent, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, storeErr("read idempotency key", err)
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
