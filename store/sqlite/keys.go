package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

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

// CompleteIdempotency records the response of an IN_PROGRESS or UNKNOWN key
// and drops its intent. Returns NOT_FOUND if the key is not claimed,
// INVALID_STATE if it is already done.
func (s *Store) CompleteIdempotency(ctx context.Context, org returns.OrgID, key string, response []byte) error {
	return s.settleKey(ctx, org, key, func(tx *sql.Tx) (sql.Result, error) {
		return tx.StmtContext(ctx, s.stmts.completeKey).ExecContext(ctx,
			string(org), key, string(store.IdempotencyDone), response,
			string(store.IdempotencyInProgress), string(store.IdempotencyUnknown))
	}, "complete", false)
}

// ReleaseIdempotency frees an IN_PROGRESS or UNKNOWN key. Releasing a free
// key does nothing; a DONE key is not released (INVALID_STATE), since its
// mutation took effect and a retry must replay it, not repeat it.
func (s *Store) ReleaseIdempotency(ctx context.Context, org returns.OrgID, key string) error {
	return s.settleKey(ctx, org, key, func(tx *sql.Tx) (sql.Result, error) {
		return tx.StmtContext(ctx, s.stmts.releaseKey).ExecContext(ctx, string(org), key,
			string(store.IdempotencyInProgress), string(store.IdempotencyUnknown))
	}, "release", true)
}

// RecordIdempotencyIntent stores the intent of an IN_PROGRESS key.
func (s *Store) RecordIdempotencyIntent(ctx context.Context, org returns.OrgID, key string, intent []byte) error {
	if len(intent) == 0 {
		return returns.Errorf(returns.CodeInvalid, "empty intent for idempotency key %q", key).WithField("intent")
	}
	// Only on a claim without one: a second sender of the write is refused.
	return s.settleKey(ctx, org, key, func(tx *sql.Tx) (sql.Result, error) {
		return tx.ExecContext(ctx, `UPDATE idempotency SET intent = ?3 WHERE org = ?1 AND key = ?2 AND state = ?4 AND intent IS NULL`,
			string(org), key, intent, string(store.IdempotencyInProgress))
	}, "record the intent of", false)
}

// MarkIdempotencyUnknown moves an IN_PROGRESS key to UNKNOWN with its intent.
func (s *Store) MarkIdempotencyUnknown(ctx context.Context, org returns.OrgID, key string, intent []byte) error {
	return s.markKey(ctx, org, key, store.IdempotencyUnknown, intent, "mark unknown")
}

func (s *Store) markKey(ctx context.Context, org returns.OrgID, key string, to store.IdempotencyState, intent []byte, what string) error {
	if len(intent) == 0 {
		return returns.Errorf(returns.CodeInvalid, "empty intent for idempotency key %q", key).WithField("intent")
	}
	return s.settleKey(ctx, org, key, func(tx *sql.Tx) (sql.Result, error) {
		return tx.StmtContext(ctx, s.stmts.markKey).ExecContext(ctx, string(org), key, string(to), intent,
			string(store.IdempotencyInProgress))
	}, what, false)
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
	rows, err := s.stmts.unsettledKeys.QueryContext(ctx, string(org), limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: unsettled idempotency keys: %w", err)
	}
	defer rows.Close()
	var out []store.IdempotencyRecord
	for rows.Next() {
		var rec store.IdempotencyRecord
		var state string
		var created int64
		if err := rows.Scan(&rec.Key, &rec.RequestHash, &state, &rec.Response, &rec.Intent, &created); err != nil {
			return nil, fmt.Errorf("sqlite: unsettled idempotency keys: %w", err)
		}
		rec.State = store.IdempotencyState(state)
		rec.CreatedAt = fromNS(created)
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: unsettled idempotency keys: %w", err)
	}
	return out, nil
}

// settleKey runs a change to a record and explains why nothing changed when
// it matched no row; freeOK says a missing record is no error.
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
		return returns.Errorf(returns.CodeInvalidState, "cannot %s idempotency key %q: it is %s", what, key, rec.State)
	}
}

// getKey reads a record, nil if there is none.
func getKey(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, org returns.OrgID, key string) (*store.IdempotencyRecord, error) {
	rec := &store.IdempotencyRecord{Key: key}
	var state string
	var created int64
	err := tx.StmtContext(ctx, stmt).QueryRowContext(ctx, string(org), key).Scan(&rec.RequestHash, &state, &rec.Response, &rec.Intent, &created)
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
