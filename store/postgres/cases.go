package postgres

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/returnsgw/returnsgw/returns"
	"github.com/returnsgw/returnsgw/store"
)

// UpsertCase stores the platform's current view of a case; see store.Store.
// An unchanged case is recognised by its fingerprint before any lock is
// taken, so re-reading unchanged cases never queues behind writers.
func (s *Store) UpsertCase(ctx context.Context, org returns.OrgID, c *returns.Case, ch store.Change) (*store.UpsertResult, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if err := store.CheckCase(c); err != nil {
		return nil, err
	}
	p, err := newPending(c, ch)
	if err != nil {
		return nil, err
	}

	if !ch.Always {
		var version, synced int64
		var stored []byte
		err := s.pool.QueryRow(ctx, `SELECT version, synced_ns, fingerprint FROM cases WHERE org = $1 AND platform = $2 AND case_id = $3`,
			string(org), string(p.k.Platform), p.k.PlatformCaseID).Scan(&version, &synced, &stored)
		switch {
		case err == nil && bytes.Equal(stored, p.fp):
			return unchanged(p.doc, version, synced)
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return nil, fmt.Errorf("postgres: read case %s/%s: %w", p.k.Platform, p.k.PlatformCaseID, err)
		}
	}

	var out *store.UpsertResult
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockLog(ctx, tx); err != nil {
			return err
		}
		moves := store.CountMoves{}
		var err error
		if out, err = s.writeCase(ctx, tx, org, p, moves); err != nil {
			return err
		}
		return applyMoves(ctx, tx, org, moves)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UpsertCases stores a window of cases in one transaction; see store.Store.
func (s *Store) UpsertCases(ctx context.Context, org returns.OrgID, writes []store.CaseWrite) ([]*store.UpsertResult, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	if len(writes) > store.MaxUpsertBatch {
		return nil, returns.Errorf(returns.CodeInvalid, "at most %d cases in one batch, not %d", store.MaxUpsertBatch, len(writes))
	}
	ps := make([]pendingCase, len(writes))
	seen := make(map[returns.CaseKey]bool, len(writes))
	for i, w := range writes {
		if err := store.CheckCase(w.Case); err != nil {
			return nil, err
		}
		if seen[w.Case.Key()] {
			return nil, returns.Errorf(returns.CodeInvalid, "case %s/%s twice in one batch", w.Case.Platform, w.Case.PlatformCaseID)
		}
		seen[w.Case.Key()] = true
		var err error
		if ps[i], err = newPending(w.Case, w.Change); err != nil {
			return nil, err
		}
	}
	out := make([]*store.UpsertResult, len(writes))
	if len(writes) == 0 {
		return out, nil
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockLog(ctx, tx); err != nil {
			return err
		}
		moves := store.CountMoves{}
		var err error
		if out, err = s.writeWindow(ctx, tx, org, ps, moves); err != nil {
			return err
		}
		return applyMoves(ctx, tx, org, moves)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lockLog takes the log's lock for the transaction: it orders the
// transaction's events among all others, and makes the reads that follow the
// state its writes replace.
func lockLog(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(logLock)); err != nil {
		return storeErr("lock the log", err)
	}
	return nil
}

// writeCase writes one case, its deadline marks and its event inside tx,
// which holds the log's lock (lockLog), or nothing when the case is unchanged
// after all. The case's move between buckets goes to moves, which the caller
// applies before committing.
func (s *Store) writeCase(ctx context.Context, tx pgx.Tx, org returns.OrgID, p pendingCase, moves store.CountMoves) (*store.UpsertResult, error) {
	out, err := s.writeWindow(ctx, tx, org, []pendingCase{p}, moves)
	if err != nil {
		return nil, err
	}
	return out[0], nil
}

// applyMoves adds the moves to case_counts in tx, in one statement. Deltas,
// never the counts themselves, so that no other writer's change is lost; in
// the moves' fixed order (store.CountMoves.Changed), so that two
// transactions that touch the same buckets cannot deadlock on their rows.
func applyMoves(ctx context.Context, tx pgx.Tx, org returns.OrgID, m store.CountMoves) error {
	bs := m.Changed()
	if len(bs) == 0 {
		return nil
	}
	var platforms, statuses, kinds, markets, shops []string
	ns := make([]int64, 0, len(bs))
	for _, b := range bs {
		platforms, statuses, kinds = append(platforms, b.Platform), append(statuses, b.Status), append(kinds, b.Kind)
		markets, shops, ns = append(markets, b.Market), append(shops, b.Shop), append(ns, m[b])
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_counts (org, platform, status, kind, market, shop_id, n)
		SELECT $1, b.platform, b.status, b.kind, b.market, b.shop_id, b.n
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
			WITH ORDINALITY AS b (platform, status, kind, market, shop_id, n, i)
		ORDER BY b.i
		ON CONFLICT (org, platform, status, kind, market, shop_id) DO UPDATE SET n = case_counts.n + excluded.n`,
		string(org), platforms, statuses, kinds, markets, shops, ns)
	return storeErr("count cases", err)
}

func unchanged(doc []byte, version, synced int64) (*store.UpsertResult, error) {
	c, err := decodeCase(doc, version, synced)
	if err != nil {
		return nil, err
	}
	return &store.UpsertResult{Case: c}, nil
}

// GetCase returns one case; NOT_FOUND if the organisation has none with the key.
func (s *Store) GetCase(ctx context.Context, org returns.OrgID, key returns.CaseKey) (*returns.Case, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	var version, synced int64
	var doc []byte
	err := s.pool.QueryRow(ctx, `SELECT version, synced_ns, doc FROM cases WHERE org = $1 AND platform = $2 AND case_id = $3`,
		string(org), string(key.Platform), key.PlatformCaseID).Scan(&version, &synced, &doc)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, returns.Errorf(returns.CodeNotFound, "no case %s/%s", key.Platform, key.PlatformCaseID)
	}
	if err != nil {
		return nil, storeErr("get case", err)
	}
	return decodeCase(doc, version, synced)
}

// GetCases returns the cases for the keys in the keys' order, nil where there
// is none, in one query.
func (s *Store) GetCases(ctx context.Context, org returns.OrgID, keys []returns.CaseKey) ([]*returns.Case, error) {
	if err := checkOrg(org); err != nil {
		return nil, err
	}
	out := make([]*returns.Case, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	platforms := make([]string, len(keys))
	ids := make([]string, len(keys))
	for i, k := range keys {
		platforms[i], ids[i] = string(k.Platform), k.PlatformCaseID
	}
	rows, err := s.pool.Query(ctx, `SELECT k.i, c.version, c.synced_ns, c.doc
		FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS k (platform, case_id, i)
		JOIN cases AS c ON c.org = $1 AND c.platform = k.platform AND c.case_id = k.case_id`,
		string(org), platforms, ids)
	if err != nil {
		return nil, storeErr("get cases", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i, version, synced int64
		var doc []byte
		if err := rows.Scan(&i, &version, &synced, &doc); err != nil {
			return nil, storeErr("get cases", err)
		}
		if i < 1 || int(i) > len(out) {
			return nil, fmt.Errorf("postgres: get cases: key index %d out of range", i)
		}
		if out[i-1], err = decodeCase(doc, version, synced); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, storeErr("get cases", err)
	}
	return out, nil
}

func decodeCase(doc []byte, version, synced int64) (*returns.Case, error) {
	c := new(returns.Case)
	if err := json.Unmarshal(doc, c); err != nil {
		return nil, storeErr("decode stored case", err)
	}
	c.Version = version
	c.SyncedAt = fromNS(synced)
	return c, nil
}
